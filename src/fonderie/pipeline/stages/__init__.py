"""Stage builders: each turns a stage's config into the datatrove pipeline one task runs.

A document stage always has the same shape, so every stage obeys `kept + dropped == read`:

    readers -> ProgressTracker -> ReaderRejectFilter -> the stage's own steps -> DocumentShardWriter

Readers count what they read, filters drop with a named reason (and write the dropped document to `excluded/`),
the writer counts what is kept. `fonderie.pipeline.stats` reads those counters back into the funnel.
"""

from __future__ import annotations

from fonderie.pipeline.stages.base import StagePlan, build_plans

__all__ = ["StagePlan", "build_plans"]
