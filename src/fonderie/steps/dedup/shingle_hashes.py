from __future__ import annotations

import numpy as np
import pyarrow as pa
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep

from fonderie.dedup.files import (
    CANDIDATES_SUMMARY,
    INVOLVED_DIR,
    SHINGLES_DIR,
    ParquetShard,
    check_seen,
    dedup_folder,
    read_json,
    read_table,
    shingles_schema,
    task_file,
    task_files,
)
from fonderie.dedup.jaccard import shingle_sets


class ShingleHashes(PipelineStep):
    """Dedup phase 2b (exact verification): writes the shingle sets of the documents in candidate pairs.

    Run it on the same documents as the signature phase, after CandidatePairs and before
    DuplicateClusterer(verify="exact"). With as many tasks as the signature phase, task k loads only
    `involved/k.parquet` (its own documents in a pair); with another task count it loads them all. Each listed
    document gets its set of shingles (`fonderie.dedup.jaccard.shingle_sets`: distinct word n-grams as sorted 64-bit
    hashes, n from the signatures' config) in `shingles/NNNNN.parquet` (formats in fonderie.dedup.files); the others
    are only passed on. With the signature phase's task count, a task that sees a different number of documents
    than its signature task did raises RuntimeError at the end (the inputs changed between phases).
    Memory: the ids it looks for, and one batch of listed texts with their hashes (8 bytes per shingle).
    Input: documents (the ones the signature phase read).
    Output: the same documents, unchanged, in the same order.
    Drops: none.
    Metadata added: none. Counts `documents`, `documents_in_pairs` (those hashed) and `shingles` (distinct ones).

    Args:
        folder: the dedup folder CandidatePairs wrote into
        batch_size: listed documents hashed together
        batch_chars: a batch also ends once its texts reach this many characters
    """

    name = "🧩 Shingle hashes"
    type = "🫂 - DEDUP"

    def __init__(self, folder: DataFolderLike, batch_size: int = 1000, batch_chars: int = 4_000_000):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be >= 1")
        if batch_chars < 1:
            raise ValueError(f"batch_chars={batch_chars!r} must be >= 1")
        self.folder = dedup_folder(folder)
        self.batch_size = batch_size
        self.batch_chars = batch_chars

    def _load(self, rank: int, world_size: int) -> tuple[set[str], int, int | None]:
        """The ids to hash, the n-gram size, and how many documents this task's signature task saw, if known."""
        summary = read_json(self.folder, CANDIDATES_SUMMARY, "run CandidatePairs first")
        files, expected = task_files(self.folder, INVOLVED_DIR, summary, rank, world_size)
        wanted: set[str] = set()
        for path in files:
            if self.folder.exists(path):  # absent: that signature task had no documents
                wanted.update(read_table(self.folder, path, ["id"])["id"].to_pylist())
        return wanted, summary["minhash"]["ngram"], expected

    def _hash(self, shard: ParquetShard, ngram: int, ids: list[str], texts: list[str]) -> None:
        with self.track_time():
            values, offsets = shingle_sets(texts, ngram)
            lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pa.array(values, pa.uint64()))
            shard.write({"id": ids, "count": np.diff(offsets), "shingles": lists})
        self.stat_update("documents_in_pairs", value=len(ids))
        self.stat_update("shingles", value=len(values))

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        wanted, ngram, expected = self._load(rank, world_size)
        shard = ParquetShard(self.folder, task_file(SHINGLES_DIR, rank), shingles_schema(ngram))
        ids, texts, chars, seen = [], [], 0, 0
        try:
            for doc in data or ():
                seen += 1
                if doc.id in wanted:
                    ids.append(doc.id)
                    texts.append(doc.text)
                    chars += len(doc.text)
                    if len(ids) >= self.batch_size or chars >= self.batch_chars:
                        self._hash(shard, ngram, ids, texts)
                        ids, texts, chars = [], [], 0
                yield doc  # the document is not changed: no need to hold it until its batch is hashed
            if ids:
                self._hash(shard, ngram, ids, texts)
            check_seen(rank, seen, expected)
        except BaseException:
            shard.close(ok=False)
            raise
        shard.close()
        self.stat_update("documents", value=seen)
