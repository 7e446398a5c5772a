from __future__ import annotations

import json

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from fonderie.dedup.clusters import (
    REASONS,
    candidate_pairs,
    clusters_table,
    find_clusters,
)
from fonderie.dedup.document_index import DocumentIndex
from fonderie.dedup.files import (
    ASSIGNMENT_COLUMNS,
    ASSIGNMENTS_DIR,
    CLUSTERS_FILE,
    SUMMARY_FILE,
    dedup_folder,
    read_candidates,
    read_shingle_sets,
    task_file,
    write_json,
    write_table,
)
from fonderie.dedup.jaccard import ShingleJaccard, SignatureJaccard, check_verify


class DuplicateClusterer(PipelineStep):
    """Dedup phase 2: reads every task's signature files, finds the clusters, and writes who duplicates whom.

    Run it as one task after ExactHashSignature and/or MinhashSignature (other ranks do nothing). Documents are
    put in keep order (fonderie.dedup.document_index: `source_priority`, then file, then record position, all read
    from the ids), exact copies are linked to their first copy, LSH candidate pairs are verified, and connected
    components keep their first document. Verification (`verify`, fonderie.dedup.jaccard):
        exact     the pairs CandidatePairs wrote, by the exact Jaccard of the shingle sets ShingleHashes wrote
                  (run those two phases first); band keys and signatures are not read
        estimate  the pairs of the band keys, by the share of equal signature values
        none      every pair of the band keys is a link
    It writes `clusters.parquet` (for inspection: who matched whom, with their Jaccard), `assignments/NNNNN.parquet`
    (for DuplicateFilter) and `clusters.json` (formats in fonderie.dedup.files). The result does not depend on the
    number of signature tasks.
    Memory: ~300 bytes per document (measured from 250k to 1M documents by benchmarks/dedup.py: ids, index arrays,
    and under `estimate` the signatures of documents in candidate pairs), plus a fixed ~0.3 GB. Under `exact`, each
    document in a candidate pair holds its shingle set instead of its signature: 8 bytes per distinct shingle
    (~8 * its words, ~4 kB for a 500-word page; 1.2 kB in the benchmark's 100k-document run of ~150-word
    documents, where 31% of the documents were in a pair) plus ~150 bytes (its id, offsets, lookups). Band keys are
    read one band at a time, texts never.
    Input: nothing (documents given are passed through).
    Output: the same documents.
    Drops: none (DuplicateFilter drops).
    Metadata added: none. Counts `documents`, `clusters` (of 2+), `exact_duplicate`, `near_duplicate`,
        `candidate_pairs`, `verified_pairs`.

    Args:
        folder: the dedup folder the signature phase wrote into
        source_priority: sources whose documents are kept first, in this order (the first part of ids); others after
        threshold: verify candidate pairs at this Jaccard instead of the signature config's
            (MinhashConfig.jaccard_threshold)
        all_pairs_limit: LSH buckets up to this size give all their pairs, bigger ones a star and a chain
            (under `exact`, CandidatePairs' own setting applies)
        verify: "exact", "estimate" or "none"; None: "estimate" when the signature config's `verify` is true, else
            "none"
    """

    name = "🕸 Duplicate clusters"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        folder: DataFolderLike,
        source_priority: list[str] | tuple[str, ...] = (),
        threshold: float | None = None,
        all_pairs_limit: int = 50,
        verify: str | None = None,
    ):
        super().__init__()
        if threshold is not None and not 0 < threshold <= 1:
            raise ValueError(f"threshold={threshold!r} must be in (0, 1]")
        if all_pairs_limit < 2:
            raise ValueError(f"all_pairs_limit={all_pairs_limit!r} must be >= 2")
        self.folder = dedup_folder(folder)
        self.source_priority = list(source_priority)
        self.threshold = threshold
        self.all_pairs_limit = all_pairs_limit
        self.verify = verify if verify is None else check_verify(verify)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank == 0:
            with self.track_time():
                summary = self.cluster()
            for key in ("documents", "clusters", "candidate_pairs", "verified_pairs", *REASONS.values()):
                self.stat_update(key, value=summary[key])

    def cluster(self) -> dict:
        docs = DocumentIndex.open(self.folder, self.source_priority)
        n, config, rep = docs.n, docs.config, docs.exact_representatives()
        verify, threshold, load = "none", None, None
        a = b = np.zeros(0, dtype=np.int64)
        if config is not None:
            verify = self.verify or ("estimate" if config.verify else "none")
            threshold = None if verify == "none" else (self.threshold or config.jaccard_threshold)
            a, b, load = self._pairs(docs, rep, verify)
        clusters = find_clusters(n, rep, a, b, load, threshold)

        write_table(self.folder, CLUSTERS_FILE, clusters_table(docs.ids, clusters))
        in_cluster = clusters.size > 1
        for rank, members in docs.task_documents():
            table = clusters_table(docs.ids, clusters, members[in_cluster[members]]).select(ASSIGNMENT_COLUMNS)
            write_table(self.folder, task_file(ASSIGNMENTS_DIR, rank), table)
        summary = {
            **clusters.counts(),
            "candidate_pairs": clusters.candidate_pairs,
            "verified_pairs": clusters.verified_pairs,
            "verify": verify,
            "threshold": threshold,
            "minhash": config.to_dict() if config else None,
            "source_priority": self.source_priority,
            "tasks": max(docs.ranks) + 1,
            "documents_per_task": docs.documents_per_task(),
        }
        write_json(self.folder, SUMMARY_FILE, summary)
        logger.info(f"dedup clusters: {json.dumps({k: summary[k] for k in list(summary)[:8]})}")
        return summary

    def _pairs(self, docs: DocumentIndex, rep: np.ndarray | None, verify: str) -> tuple:
        """The candidate pairs (a, b), and the loader of their Jaccard that `verify` calls for."""
        if verify == "exact":
            a, b = read_candidates(self.folder, docs.n, self.source_priority)
            ngram = docs.config.ngram
            return (
                a,
                b,
                lambda wanted: ShingleJaccard(wanted, *read_shingle_sets(self.folder, docs.ids.take(wanted), ngram)),
            )
        a, b = candidate_pairs(rep, docs.bands(), self.all_pairs_limit)
        return a, b, lambda wanted: SignatureJaccard(wanted, docs.signatures(wanted))
