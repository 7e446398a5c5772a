from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import pyarrow as pa
from datatrove.pipeline.base import PipelineStep

from fonderie.config import PipelineConfig
from fonderie.documents import excluded_schema
from fonderie.steps.filters.reader_reject import ReaderRejectFilter
from fonderie.steps.progress import ProgressTracker
from fonderie.steps.writers.document_shards import DocumentShardWriter


@dataclass
class StagePlan:
    """One stage, ready to hand to an executor."""

    dirname: str  # `NN_<name>`
    folder: str  # absolute path of OUTPUT/NN_<name>: shards, excluded/, stats, logs and completion markers
    tasks: int  # how many tasks the work is split into
    pipeline: list[PipelineStep]  # what each task runs
    settings: dict = field(default_factory=dict)  # what the output depends on; a rerun must match it to resume

    @property
    def name(self) -> str:
        return self.dirname.split("_", 1)[1]

    def completed_tasks(self) -> int:
        done = os.path.join(self.folder, "completions")
        return sum(1 for r in range(self.tasks) if os.path.exists(os.path.join(done, f"{r:05d}")))

    def is_complete(self) -> bool:
        return self.completed_tasks() == self.tasks


def absolute(path: str) -> str:
    """Local paths become absolute (Slurm and Ray tasks do not run in this directory); URLs stay as they are."""
    return path if "://" in path else os.path.abspath(os.path.expanduser(path))


def excluded_writer(folder: str, schema: pa.Schema, step: str) -> DocumentShardWriter:
    """Where one filter writes the documents it drops: `excluded/part-XXXXX-<step>.parquet`, with `drop_reason`."""
    return DocumentShardWriter(
        os.path.join(folder, "excluded"), excluded_schema(schema), output_filename=f"part-${{rank}}-{step}.parquet"
    )


def document_pipeline(
    folder: str, readers: list[PipelineStep], steps: list[PipelineStep], schema: pa.Schema
) -> list[PipelineStep]:
    """readers -> progress -> reader rejects -> steps -> shard writer (see the package docstring)."""
    rejects = ReaderRejectFilter(exclusion_writer=excluded_writer(folder, schema, "reader"))
    return [*readers, ProgressTracker(folder), rejects, *steps, DocumentShardWriter(folder, schema)]


def build_plans(cfg: PipelineConfig) -> list[StagePlan]:
    from fonderie.stages.ingest import build_ingest

    builders = {"ingest": build_ingest}
    output = absolute(cfg.output)
    plans: list[StagePlan] = []
    for stage, dirname in cfg.stage_dirs():
        folder = os.path.join(output, dirname)
        tasks = stage.tasks or cfg.executor.tasks
        previous = plans[-1] if plans else None
        pipeline, inputs = builders[stage.kind](stage, cfg, folder, previous)
        settings = {
            "stage": json.loads(stage.model_dump_json(exclude={"tasks"})),
            "tasks": tasks,
            "inputs": inputs,
        }
        plans.append(StagePlan(dirname, folder, tasks, pipeline, settings))
    return plans
