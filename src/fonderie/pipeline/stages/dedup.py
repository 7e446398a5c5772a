"""`dedup`: exact and MinHash near duplicates, removed across every input in phases.

    signatures (N tasks)  previous shards -> ExactHashSignature -> MinhashSignature  -> dedup/{exact,minhash}/
    candidates (1 task)   CandidatePairs: every task's band keys -> LSH pairs        -> dedup/candidates.parquet
    shingles   (N tasks)  previous shards -> ShingleHashes (documents in a pair)     -> dedup/shingles/
    clusters   (1 task)   DuplicateClusterer: pairs verified, union-find, keep rule  -> dedup/clusters.parquet
    filter     (N tasks)  previous shards -> DuplicateFilter -> shards (the funnel)  -> part-NNNNN.parquet

`candidates` and `shingles` run under `verify: exact` (the default) only: the clusters phase then verifies each
candidate pair by the exact Jaccard of the two documents' shingle sets. Under `estimate` or `none` (and without
`near`), the clusters phase finds the pairs itself and verifies them by the signatures' estimate, or not at all.
Formats of the files under `dedup/` are in fonderie.dedup.files; `clusters.parquet` says who matched whom.
"""

from __future__ import annotations

import os

import pyarrow as pa

from fonderie.config.pipeline import PipelineConfig
from fonderie.config.stages import DedupStage
from fonderie.dedup.minhash import MinhashConfig
from fonderie.errors import ConfigError
from fonderie.pipeline.stages.base import (
    Phase,
    StagePlan,
    document_pipeline,
    excluded_writer,
    previous_shards,
    with_columns,
)
from fonderie.steps.dedup.candidate_pairs import CandidatePairs
from fonderie.steps.dedup.duplicate_clusterer import DuplicateClusterer
from fonderie.steps.dedup.duplicate_filter import DuplicateFilter
from fonderie.steps.dedup.exact_signature import ExactHashSignature
from fonderie.steps.dedup.minhash_signature import MinhashSignature
from fonderie.steps.dedup.shingle_hashes import ShingleHashes
from fonderie.steps.progress import ProgressTracker


def minhash_config(stage: DedupStage) -> MinhashConfig:
    try:
        return MinhashConfig.from_settings(stage.num_perm, stage.bands, stage.threshold, stage.verify)
    except ValueError as e:
        raise ConfigError(f"stages.{stage.stage_name}: {e}") from None


def build_dedup(stage: DedupStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    if not (stage.exact or stage.near):
        raise ConfigError(f"stages.{stage.stage_name}: `exact` and `near` are both false; nothing to deduplicate")
    work = os.path.join(folder, "dedup")
    schema = with_columns(previous.schema, [("dup_cluster_size", pa.int64()), ("duplicate_of", pa.string())])
    verify = stage.verify if stage.near else "none"  # exact copies alone need no verification
    signers = []
    if stage.exact:
        signers.append(ExactHashSignature(work))
    if stage.near:
        signers.append(MinhashSignature(work, minhash_config(stage)))
    signatures = os.path.join(folder, "signatures")
    phases = [
        Phase("signatures", [*previous_shards(previous), ProgressTracker(signatures), *signers], tasks, signatures)
    ]
    if verify == "exact":
        candidates, shingles = os.path.join(folder, "candidates"), os.path.join(folder, "shingles")
        hashes = [*previous_shards(previous), ProgressTracker(shingles), ShingleHashes(work)]
        phases += [
            Phase("candidates", [CandidatePairs(work, source_priority=stage.source_priority)], 1, candidates),
            Phase("shingles", hashes, tasks, shingles),
        ]
    clusterer = DuplicateClusterer(work, source_priority=stage.source_priority, verify=verify)
    dedup_filter = DuplicateFilter(work, exclusion_writer=excluded_writer(folder, schema, "dedup"))
    phases += [
        Phase("clusters", [clusterer], 1, os.path.join(folder, "clusters")),
        Phase("", document_pipeline(folder, previous_shards(previous), [dedup_filter], schema), tasks, folder),
    ]
    return phases, schema, previous.dirname
