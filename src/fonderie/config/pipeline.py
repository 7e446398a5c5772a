"""Typed pipeline configuration: a YAML file validated into `PipelineConfig`.

A pipeline file declares `inputs` (where raw documents come from), an `output` directory, an `executor`
(local, Slurm or Ray) and an ordered list of `stages`. YAML is loaded with `yaml.safe_load` (no tags, no code);
`--set key.path=value` overrides are applied to the raw mapping before validation, so they are validated too
(`--set inputs.*.path=FILE` sets the path of every input).
Every error names the file, the key path and what was expected.

Relative paths (inputs, output) are resolved against the current working directory, like any command-line tool.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from fonderie.config.overrides import apply_overrides
from fonderie.config.stages import StageConfig, _Strict
from fonderie.config.suggest import did_you_mean
from fonderie.errors import ConfigError


class InputConfig(_Strict):
    """One source of raw documents."""

    source: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # name in ids and the `source` column
    format: Literal["jsonl", "parquet", "warc", "text"]  # jsonl also reads .jsonl.gz / .jsonl.zst
    path: str  # a file, a folder, or a glob such as `data/*.warc.gz` (`**` recurses); fsspec URLs work
    license: str | None = None  # written to every document's `license` column (e.g. "CC-BY-4.0")
    language: str | None = None  # ISO 639-1 hint written to `language` when the record has none
    text_key: str = "text"  # jsonl/parquet: the field that holds the text
    encoding: str = "utf-8"  # text: how .txt/.md files are decoded; undecodable files are dropped, never mangled
    slice: tuple[float, float] | None = None  # text: [a, b] reads characters int(a*n):int(b*n) of each file
    chunk_chars: int | None = Field(None, ge=1)  # text: documents of about this many characters, cut at line ends
    split: Literal["train", "val"] | None = None  # every document goes to this token split; None: by id hash
    # what the documents are, for the clean stage: "book" (printed text, OCR included: judged by paragraphs, long s
    # repaired, OCR quality checked, C4's code rules off), "web" (never treated as a book); None: a document is a
    # book when page furniture finds pages in it
    kind: Literal["book", "web"] | None = None

    @field_validator("slice")
    @classmethod
    def _slice_in_order(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not 0 <= v[0] < v[1] <= 1:
            raise ValueError("slice must be [a, b] with 0 <= a < b <= 1 (fractions of each file's characters)")
        return v

    @field_validator("path")
    @classmethod
    def _path_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("path must not be empty")
        return v


class SlurmConfig(_Strict):
    partition: str = "cpu"  # sbatch --partition
    time: str = "10:00:00"  # sbatch --time, per task
    cpus_per_task: int = Field(1, ge=1)  # sbatch --cpus-per-task
    mem_per_cpu_gb: int = Field(2, ge=1)  # sbatch --mem-per-cpu
    job_name: str = "fonderie"  # prefix; the stage name is appended
    qos: str | None = None  # sbatch --qos
    venv_path: str | None = None  # `source`d at the top of the job (e.g. /path/.venv/bin/activate)
    env_command: str | None = None  # any other shell line to set up the environment
    max_array_size: int = Field(1001, ge=1)  # the cluster's MaxArraySize; larger arrays are split
    sbatch_args: dict[str, str] = {}  # extra `#SBATCH --key=value` lines


class RayConfig(_Strict):
    address: str | None = None  # `ray.init(address=...)`: None starts or joins a local instance, "auto" a cluster
    cpus_per_task: int = Field(1, ge=1)  # Ray resources reserved per task
    mem_per_cpu_gb: float = Field(2, gt=0)


class ExecutorConfig(_Strict):
    kind: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(1, ge=1)  # how many shards the work is split into; keep it for reruns to resume
    workers: int = Field(-1, ge=-1)  # tasks run at once; -1 = all of them
    slurm: SlurmConfig = SlurmConfig()
    ray: RayConfig = RayConfig()

    @field_validator("workers")
    @classmethod
    def _workers_not_zero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("workers must be -1 (all tasks at once) or at least 1")
        return v


class PipelineConfig(_Strict):
    output: str  # every stage writes `OUTPUT/NN_<stage>/`
    inputs: list[InputConfig] = Field(min_length=1)
    executor: ExecutorConfig = ExecutorConfig()
    stages: list[StageConfig] = Field(min_length=1)

    @field_validator("inputs")
    @classmethod
    def _unique_sources(cls, v: list[InputConfig]) -> list[InputConfig]:
        names = [i.source for i in v]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"source names must be unique (they prefix document ids); repeated: {dupes}")
        return v

    @field_validator("stages")
    @classmethod
    def _stages_in_order(cls, v: list[StageConfig]) -> list[StageConfig]:
        if v[0].kind != "ingest":
            raise ValueError(f"the first stage must be `ingest` (it reads the inputs), got `{v[0].kind}`")
        names = [s.stage_name for s in v]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"stage names must be unique (give one a `name:`); repeated: {dupes}")
        return v

    def stage_dirs(self) -> list[tuple[StageConfig, str]]:
        """Each stage with its output folder name, `NN_<name>`, numbered from 01 in pipeline order."""
        return [(s, f"{i + 1:02d}_{s.stage_name}") for i, s in enumerate(self.stages)]

    def stage_dirs_before(self, stage_name: str) -> list[tuple[StageConfig, str]]:
        """stage_dirs() of the stages before the named one, in pipeline order."""
        dirs = self.stage_dirs()
        return dirs[: [s.stage_name for s, _ in dirs].index(stage_name)]

    def dump(self) -> str:
        """The resolved config as YAML, written next to the outputs."""
        return yaml.safe_dump(json.loads(self.model_dump_json()), sort_keys=False, allow_unicode=True)


def _models_in(tp) -> list[type[BaseModel]]:
    """The models a field's type can hold: `X`, `list[X]`, `X | None`, a discriminated union of stages, ..."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    if typing.get_origin(tp) is typing.Annotated:
        return _models_in(typing.get_args(tp)[0])
    return [m for arg in typing.get_args(tp) for m in _models_in(arg)]


def _kind_tags(model: type[BaseModel]) -> tuple:
    """The `kind` values that select this model in a discriminated union (none for models without `kind`)."""
    kind = model.model_fields.get("kind")
    return typing.get_args(kind.annotation) if kind is not None else ()


def _valid_keys(loc: tuple) -> list[str] | None:
    """The keys the mapping at `loc[:-1]` accepts, found by walking the models along the error's path; None if
    the path leaves the models (a free mapping such as `sbatch_args`)."""
    models: list[type[BaseModel]] = [PipelineConfig]
    for part in loc[:-1]:
        if isinstance(part, int):  # a list index: same item models
            continue
        # a union of stages is entered by its `kind` tag (checked first: `tokenizer` is also a field of tokenize)
        tagged = [m for m in models if part in _kind_tags(m)]
        if len(models) > 1 and tagged:
            models = tagged[:1]
        elif (owner := next((m for m in models if part in m.model_fields), None)) is not None:
            models = _models_in(owner.model_fields[part].annotation)
        else:
            return None
    if len(models) != 1:
        return None
    return list(models[0].model_fields)


def _format_errors(source: str, err: ValidationError) -> str:
    """One line per error, `key.path: what was expected (got value)`; one error is one line with the file.

    An unknown key (pydantic's "Extra inputs are not permitted") is a typo until proven otherwise: its line says
    which valid key is close (`executor.taks: no such key; did you mean tasks?`), or lists them all.
    """
    errors = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden" and (valid := _valid_keys(e["loc"])) is not None:
            errors.append(f"{loc}: no such key; {did_you_mean(str(e['loc'][-1]), valid)}")
            continue
        got = f" (got {e['input']!r})" if e["type"] != "missing" and not isinstance(e["input"], dict) else ""
        errors.append(f"{loc}: {e['msg']}{got}")
    if len(errors) == 1:
        return f"{source}: {errors[0]}"
    return "\n  ".join([f"{source}: invalid pipeline config ({len(errors)} errors)", *errors])


def load_pipeline(path: str | Path, overrides: list[str] | None = None) -> PipelineConfig:
    """Read, override and validate a pipeline file; raises ConfigError with a readable message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read pipeline file ({e.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with `inputs`, `output` and `stages`, got {type(raw).__name__}")
    raw = apply_overrides(raw, overrides or [])
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_format_errors(str(path), e)) from None
