from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from fonderie.dedup.clusters import candidate_pairs
from fonderie.dedup.document_index import DocumentIndex
from fonderie.dedup.files import (
    CANDIDATES_SUMMARY,
    INVOLVED_DIR,
    MINHASH_DIR,
    dedup_folder,
    task_file,
    write_candidates,
    write_json,
    write_table,
)


class CandidatePairs(PipelineStep):
    """Dedup phase 2a (exact verification): the LSH candidate pairs, and which documents must be shingled again.

    Run it as one task after ExactHashSignature and MinhashSignature (other ranks do nothing), then ShingleHashes,
    then DuplicateClusterer(verify="exact"). Documents are numbered in keep order (fonderie.dedup.document_index);
    exact copies are left out of the pairs (they follow their first copy, as in DuplicateClusterer), and the pairs
    of the band keys are written once each to `candidates.parquet` (a < b). `involved/NNNNN.parquet` lists, per
    signature task, the ids of its documents in some pair: the only ones ShingleHashes hashes. `candidates.json`
    has the counts (formats in fonderie.dedup.files). The result does not depend on the number of signature tasks.
    Memory: DuplicateClusterer's without the signatures (ids, index arrays, one band of keys at a time, the pairs).
    Input: nothing (documents given are passed through).
    Output: the same documents.
    Drops: none.
    Metadata added: none. Counts `documents`, `candidate_pairs`, `documents_in_pairs`.

    Args:
        folder: the dedup folder the signature phase wrote into
        source_priority: as DuplicateClusterer's (the numbering depends on it; the clustering checks they agree)
        all_pairs_limit: LSH buckets up to this size give all their pairs, bigger ones a star and a chain
    """

    name = "🪢 Candidate pairs"
    type = "🫂 - DEDUP"

    def __init__(
        self, folder: DataFolderLike, source_priority: list[str] | tuple[str, ...] = (), all_pairs_limit: int = 50
    ):
        super().__init__()
        if all_pairs_limit < 2:
            raise ValueError(f"all_pairs_limit={all_pairs_limit!r} must be >= 2")
        self.folder = dedup_folder(folder)
        self.source_priority = list(source_priority)
        self.all_pairs_limit = all_pairs_limit

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank == 0:
            with self.track_time():
                summary = self.find()
            for key in ("documents", "candidate_pairs", "documents_in_pairs"):
                self.stat_update(key, value=summary[key])

    def find(self) -> dict:
        docs = DocumentIndex.open(self.folder, self.source_priority)
        if docs.config is None:
            raise FileNotFoundError(f"{self.folder.path}: no {MINHASH_DIR}/ files; run MinhashSignature first")
        a, b = candidate_pairs(docs.exact_representatives(), docs.bands(), self.all_pairs_limit)
        write_candidates(self.folder, a, b, docs.n, self.source_priority)
        in_pairs = np.zeros(docs.n, dtype=bool)
        in_pairs[a] = in_pairs[b] = True
        per_task = {}
        for rank, members in docs.task_documents():
            wanted = np.sort(members[in_pairs[members]])  # keep order: the same rows whatever the task split
            write_table(self.folder, task_file(INVOLVED_DIR, rank), pa.table({"id": docs.ids.take(wanted)}))
            per_task[str(rank)] = len(wanted)
        summary = {
            "documents": docs.n,
            "candidate_pairs": len(a),
            "documents_in_pairs": int(np.count_nonzero(in_pairs)),
            "source_priority": self.source_priority,
            "all_pairs_limit": self.all_pairs_limit,
            "minhash": docs.config.to_dict(),
            "tasks": max(docs.ranks) + 1,
            "documents_per_task": docs.documents_per_task(),
            "documents_in_pairs_per_task": per_task,
        }
        write_json(self.folder, CANDIDATES_SUMMARY, summary)
        logger.info(f"dedup candidates: {json.dumps({k: summary[k] for k in list(summary)[:3]})}")
        return summary
