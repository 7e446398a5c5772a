"""`dedup`: exact and MinHash near duplicates, removed across every input in three phases.

    signatures (N tasks)  previous shards -> ExactHashSignature -> MinhashSignature  -> dedup/{exact,minhash}/
    clusters   (1 task)   DuplicateClusterer: every task's files -> clusters          -> dedup/clusters.parquet
    filter     (N tasks)  previous shards -> DuplicateFilter -> shards (the funnel)  -> part-XXXXX.parquet

Formats of the files under `dedup/` are in fonderie.dedup.files; `clusters.parquet` says who matched whom.
"""

from __future__ import annotations

import os

import pyarrow as pa

from fonderie.config import ConfigError, DedupStage, PipelineConfig
from fonderie.dedup.minhash import MinhashConfig
from fonderie.stages.base import Phase, StagePlan, document_pipeline, excluded_writer, previous_shards, with_columns
from fonderie.steps.dedup.duplicate_clusterer import DuplicateClusterer
from fonderie.steps.dedup.duplicate_filter import DuplicateFilter
from fonderie.steps.dedup.exact_signature import ExactHashSignature
from fonderie.steps.dedup.minhash_signature import MinhashSignature
from fonderie.steps.progress import ProgressTracker


def minhash_config(stage: DedupStage) -> MinhashConfig:
    try:
        if stage.threshold is not None:
            return MinhashConfig.from_threshold(
                stage.threshold, num_perm=stage.num_perm, bands=stage.bands, verify=stage.verify
            )
        bands = stage.bands or 14
        rows = stage.num_perm // bands if stage.bands else 8
        return MinhashConfig(num_perm=stage.num_perm, bands=bands, rows=rows, verify=stage.verify)
    except ValueError as e:
        raise ConfigError(f"stages.{stage.stage_name}: {e}") from None


def build_dedup(stage: DedupStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    if not (stage.exact or stage.near):
        raise ConfigError(f"stages.{stage.stage_name}: `exact` and `near` are both false; nothing to deduplicate")
    work = os.path.join(folder, "dedup")
    schema = with_columns(previous.schema, [("dup_cluster_size", pa.int64()), ("duplicate_of", pa.string())])
    signers = []
    if stage.exact:
        signers.append(ExactHashSignature(work))
    if stage.near:
        signers.append(MinhashSignature(work, minhash_config(stage)))
    clusterer = DuplicateClusterer(work, source_priority=stage.source_priority)
    dedup_filter = DuplicateFilter(work, exclusion_writer=excluded_writer(folder, schema, "dedup"))
    signatures = os.path.join(folder, "signatures")
    phases = [
        Phase("signatures", [*previous_shards(previous), ProgressTracker(signatures), *signers], tasks, signatures),
        Phase("clusters", [clusterer], 1, os.path.join(folder, "clusters")),
        Phase("", document_pipeline(folder, previous_shards(previous), [dedup_filter], schema), tasks, folder),
    ]
    return phases, schema, previous.dirname
