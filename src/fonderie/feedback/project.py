"""A feedback project folder: project.yaml (the model, the prompt template, sampling defaults) + feedback.sqlite.

    fonderie feedback init feedback/lucie --model runs/lucie          # a fonderie run: checkpoint/ + tokenizer/
    fonderie feedback init feedback/lucie --model hf/Lucie-7B         # a transformers folder: config.json + tokenizer

project.yaml names the model of the current round (an absolute path); `ask --model OTHER` starts the next round
and rewrites it. The store keeps every round's model and its fingerprint (sha256 of the weight files, computed
once when the round starts), so a candidate always says which weights wrote it, whatever project.yaml says now.
Nothing here imports torch: the server opens projects too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from fonderie.errors import ConfigError, InputError, RunStateError
from fonderie.feedback import store
from fonderie.folders import refuse_foreign
from fonderie.tokens.files import file_sha256

PROJECT_FILE = "project.yaml"
STORE_FILE = "feedback.sqlite"
PROJECT_VERSION = 1  # of project.yaml's layout
DEFAULT_TEMPLATE = "Question : {prompt}\nRéponse :"
DEFAULT_SAMPLING = {"n": 4, "temperature": 0.8, "top_p": 0.95, "top_k": 50, "max_new_tokens": 128}
# a transformers folder: config.json, weights in one of these, and a tokenizer in one of TOKENIZER_FILES
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")


@dataclass
class Project:
    dir: Path
    config: dict  # project.yaml
    store: Path  # feedback.sqlite

    def connect(self):
        return store.connect(self.store)


def templated(prompt: str, template: str) -> str:
    """The text the model sees for a question. A plain replace, not str.format: a template or question holding
    braces (code, JSON) must not be read as format fields. Tuning reuses this so it trains on what was asked."""
    return template.replace("{prompt}", prompt)


def check_template(template: str) -> str:
    if not isinstance(template, str) or "{prompt}" not in template:
        raise ConfigError(f"template {template!r}: must contain {{prompt}}, where the question goes")
    return template


def check_sampling(sampling: dict | None, defaults: dict | None = None) -> dict:
    """defaults (the project's) updated with `sampling`, each value checked; unknown keys are a ConfigError."""
    merged = dict(defaults or DEFAULT_SAMPLING)
    for key, value in (sampling or {}).items():
        if key not in DEFAULT_SAMPLING:
            raise ConfigError(f"sampling setting {key!r}: unknown; known: {', '.join(DEFAULT_SAMPLING)}")
        merged[key] = value
    checks = {
        "n": lambda v: isinstance(v, int) and v >= 1,
        "temperature": lambda v: isinstance(v, (int, float)) and v >= 0,  # 0: greedy
        "top_p": lambda v: isinstance(v, (int, float)) and 0 < v <= 1,
        "top_k": lambda v: isinstance(v, int) and v >= 0,  # 0: no top-k
        "max_new_tokens": lambda v: isinstance(v, int) and v >= 1,
    }
    expected = {"n": "an integer >= 1", "temperature": "a number >= 0 (0: greedy)", "top_p": "a number in (0, 1]",
                "top_k": "an integer >= 0 (0: off)", "max_new_tokens": "an integer >= 1"}  # fmt: skip
    for key, ok in checks.items():
        if isinstance(merged[key], bool) or not ok(merged[key]):
            raise ConfigError(f"sampling {key}={merged[key]!r}: expected {expected[key]}")
    return merged


def model_kind(path: Path) -> str:
    """'fonderie' (a run folder: checkpoint/ + tokenizer/) or 'transformers' (config.json + tokenizer files)."""
    if not path.exists():
        raise InputError(f"{path}: no such model folder")
    if (path / "checkpoint").is_dir() and (path / "tokenizer").is_dir():
        return "fonderie"
    if (path / "config.json").is_file() and any((path / f).is_file() for f in TOKENIZER_FILES):
        return "transformers"
    raise InputError(f"{path}: not a model folder; expected a fonderie run (checkpoint/ and tokenizer/) or a "
                     f"transformers folder (config.json and {' or '.join(TOKENIZER_FILES)})")  # fmt: skip


def weight_files(path: Path, kind: str) -> list[Path]:
    if kind == "fonderie":
        files = [path / "checkpoint" / "model.safetensors"]
    else:
        files = sorted({f for pattern in WEIGHT_PATTERNS for f in path.glob(pattern)})
    files = [f for f in files if f.is_file()]
    if not files:
        expected = "checkpoint/model.safetensors" if kind == "fonderie" else " or ".join(WEIGHT_PATTERNS)
        raise InputError(f"{path}: no weights found (expected {expected})")
    return files


def fingerprint(path: Path, kind: str) -> str:
    """sha256 over the weight files (each file's name and sha256, in name order): the same weights copied elsewhere
    have the same fingerprint, a further trained checkpoint another."""
    h = hashlib.sha256()
    for f in weight_files(path, kind):
        h.update(f"{f.name}\0{file_sha256(f)}\n".encode())
    return "sha256:" + h.hexdigest()


def init_project(dir: str | Path, model: str | Path, template: str | None = None,
                 sampling: dict | None = None) -> Project:  # fmt: skip
    """A new project in `dir` (new or empty) for `model`, with round 1 started."""
    dir = Path(dir).absolute()
    if (dir / PROJECT_FILE).exists():
        raise RunStateError(f"{dir}: a feedback project already (fonderie feedback ask {dir} adds questions)")
    refuse_foreign(
        dir, ours=lambda _: False, force=False, holds="no project", instead="a project needs a new or empty folder"
    )
    model_path = Path(model).expanduser().resolve()
    kind = model_kind(model_path)
    template = check_template(DEFAULT_TEMPLATE if template is None else template)
    sampling = check_sampling(sampling)
    fp = fingerprint(model_path, kind)  # before anything is written: a model without weights leaves no folder
    config = {"version": PROJECT_VERSION, "model": str(model_path), "model_kind": kind, "template": template,
              "sampling": sampling, "store_schema": store.SCHEMA_VERSION}  # fmt: skip
    dir.mkdir(parents=True, exist_ok=True)
    db = store.create(dir / STORE_FILE)
    try:
        store.add_round(db, str(model_path), fp, template)
    finally:
        db.close()
    write_config(dir, config)  # last: its presence means the project is complete
    return Project(dir, config, dir / STORE_FILE)


def write_config(dir: Path, config: dict) -> None:
    tmp = dir / f".{PROJECT_FILE}.tmp"
    tmp.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.replace(tmp, dir / PROJECT_FILE)


def open_project(dir: str | Path, check_model: bool = True) -> Project:
    """The project in `dir`, its project.yaml checked. check_model=False (the server, export) does not need the
    model folder to still be there."""
    dir = Path(dir).absolute()
    path = dir / PROJECT_FILE
    if not path.is_file():
        raise InputError(f"{dir}: not a feedback project (no {PROJECT_FILE}; fonderie feedback init creates one)")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    required = ("model", "model_kind", "template", "sampling")
    if not isinstance(config, dict) or any(k not in config for k in required):
        raise InputError(f"{path}: not a project file (expected the keys {', '.join(required)})")
    if not isinstance(config.get("version"), int) or config["version"] > PROJECT_VERSION:
        raise InputError(f"{path}: version {config.get('version')!r}; this fonderie reads {PROJECT_VERSION}")
    try:
        check_template(config["template"])
        config["sampling"] = check_sampling(config["sampling"])
    except ConfigError as e:
        raise InputError(f"{path}: {e}") from None
    if not (dir / STORE_FILE).is_file():
        raise InputError(f"{dir / STORE_FILE}: missing; the project's store is gone")
    if check_model and not Path(config["model"]).exists():
        raise InputError(f"{path}: its model {config['model']} does not exist (moved or deleted?)")
    return Project(dir, config, dir / STORE_FILE)
