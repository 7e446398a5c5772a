from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import pyarrow as pa
from datatrove.pipeline.base import PipelineStep

from fonderie.config.pipeline import PipelineConfig
from fonderie.errors import ConfigError
from fonderie.pipeline.documents import excluded_schema
from fonderie.steps.filters.reader_reject import ReaderRejectFilter
from fonderie.steps.progress import ProgressTracker
from fonderie.steps.readers.document_shards import DocumentShardReader
from fonderie.steps.writers.document_shards import DocumentShardWriter


@dataclass
class Phase:
    """One datatrove executor run: `tasks` tasks of `pipeline`, with `folder` as its logging dir."""

    name: str  # "" for the phase that writes the stage's shards; else a sub-folder name, e.g. "signatures"
    pipeline: list[PipelineStep]  # what each task runs
    tasks: int  # how many tasks the work is split into
    folder: str  # completions/, stats/, logs/ of this phase (the stage folder itself for the main phase)

    def completed_tasks(self) -> int:
        done = os.path.join(self.folder, "completions")
        return sum(1 for r in range(self.tasks) if os.path.exists(os.path.join(done, f"{r:05d}")))

    def is_complete(self) -> bool:
        return self.completed_tasks() == self.tasks


@dataclass
class StagePlan:
    """One stage, ready to hand to executors: its phases run in order; the main one (named "") reads its documents."""

    dirname: str  # `NN_<name>`
    folder: str  # absolute path of OUTPUT/NN_<name>: shards, excluded/, stats, logs and completion markers
    phases: list[Phase]
    schema: pa.Schema  # the columns of this stage's shards (the next stage reads them)
    settings: dict = field(default_factory=dict)  # what the output depends on; a rerun must match it to resume

    @property
    def name(self) -> str:
        return self.dirname.split("_", 1)[1]

    @property
    def main(self) -> Phase:
        """The phase that reads the stage's documents (and, for document stages, writes its shards)."""
        return next(p for p in self.phases if p.name == "")

    @property
    def tasks(self) -> int:
        return self.main.tasks

    def completed_tasks(self) -> int:
        return self.main.completed_tasks()

    def is_complete(self) -> bool:
        return all(p.is_complete() for p in self.phases)


def absolute(path: str) -> str:
    """Local paths become absolute (Slurm and Ray tasks do not run in this directory); URLs stay as they are."""
    return path if "://" in path else os.path.abspath(os.path.expanduser(path))


def excluded_writer(folder: str, schema: pa.Schema, step: str) -> DocumentShardWriter:
    """Where one filter writes the documents it drops: `excluded/part-NNNNN-<step>.parquet`, with `drop_reason`."""
    return DocumentShardWriter(
        os.path.join(folder, "excluded"), excluded_schema(schema), output_filename=f"part-${{rank}}-{step}.parquet"
    )


def document_pipeline(
    folder: str, readers: list[PipelineStep], steps: list[PipelineStep], schema: pa.Schema
) -> list[PipelineStep]:
    """readers -> progress -> reader rejects -> steps -> shard writer (see the package docstring)."""
    rejects = ReaderRejectFilter(exclusion_writer=excluded_writer(folder, schema, "reader"))
    return [*readers, ProgressTracker(folder), rejects, *steps, DocumentShardWriter(folder, schema)]


def with_columns(schema: pa.Schema, columns: list[tuple[str, pa.DataType]]) -> pa.Schema:
    """The previous stage's schema plus this stage's new columns (a column it already has keeps its type)."""
    for name, dtype in columns:
        if name not in schema.names:
            schema = schema.append(pa.field(name, dtype))
    return schema


def previous_shards(previous: StagePlan) -> list[PipelineStep]:
    """The reader every stage but `ingest` starts with: the previous stage's kept documents."""
    return [DocumentShardReader(previous.folder)]


def build_plans(cfg: PipelineConfig) -> list[StagePlan]:
    from fonderie.pipeline.stages.clean import build_clean
    from fonderie.pipeline.stages.dedup import build_dedup
    from fonderie.pipeline.stages.ingest import build_ingest
    from fonderie.pipeline.stages.pretrain import build_pretrain
    from fonderie.pipeline.stages.tokenize import build_tokenize
    from fonderie.pipeline.stages.tokenizer import build_tokenizer

    builders = {
        "ingest": build_ingest,
        "clean": build_clean,
        "dedup": build_dedup,
        "tokenizer": build_tokenizer,
        "tokenize": build_tokenize,
        "pretrain": build_pretrain,
    }
    output = absolute(cfg.output)
    plans: list[StagePlan] = []
    for stage, dirname in cfg.stage_dirs():
        folder = os.path.join(output, dirname)
        tasks = stage.tasks or cfg.executor.tasks
        previous = plans[-1] if plans else None
        try:  # a step's constructor checks its settings (ValueError, as datatrove's do): name the stage
            phases, schema, inputs = builders[stage.kind](stage, cfg, folder, tasks, previous)
        except ConfigError:
            raise
        except ValueError as e:
            raise ConfigError(f"stages.{stage.stage_name}: {e}") from None
        settings = {
            "stage": json.loads(stage.model_dump_json(exclude={"tasks"})),
            "tasks": [p.tasks for p in phases],  # per phase: a 1-task phase stays 1 whatever --tasks says
            "inputs": inputs,
        }
        plans.append(StagePlan(dirname, folder, phases, schema, settings))
    return plans
