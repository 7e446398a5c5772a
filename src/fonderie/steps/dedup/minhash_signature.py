from __future__ import annotations

import numpy as np
import pyarrow as pa
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep

from fonderie.dedup.files import MINHASH_DIR, ParquetShard, band_column, dedup_folder, minhash_schema, task_file
from fonderie.dedup.lsh import band_keys, has_shingles
from fonderie.dedup.minhash import MinhashConfig, MinHasher


class MinhashSignature(PipelineStep):
    """Dedup phase 1 (near): writes each document's MinHash signature and LSH band keys, one file per task.

    Documents are signed in batches (vectorized; see fonderie.dedup.minhash), and `FOLDER/minhash/NNNNN.parquet`
    gets one row per document, in the task's order: id, one bucket key per band, the signature; the config is in
    the file's metadata (formats in fonderie.dedup.files). Signatures equal datasketch's for the same shingles,
    seed, num_perm and hash function. A task holds one batch of documents at a time.
    Input: documents.
    Output: the same documents, unchanged, in the same order.
    Drops: none.
    Metadata added: none. Counts `documents` and `no_shingles` (texts without a word: no bucket, never matched).

    Args:
        output_folder: the dedup folder shared by all the dedup phases
        config: num_perm, bands, rows, threshold, n-gram size, seed, scheme, hash function (MinhashConfig)
        batch_size: documents signed together (more is faster, up to ~1,000; memory grows with it)
        batch_chars: a batch also ends once its texts reach this many characters
    """

    name = "🎯 MinHash signatures"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        output_folder: DataFolderLike,
        config: MinhashConfig | None = None,
        batch_size: int = 1000,
        batch_chars: int = 4_000_000,
    ):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be >= 1")
        if batch_chars < 1:
            raise ValueError(f"batch_chars={batch_chars!r} must be >= 1")
        self.output_folder = dedup_folder(output_folder)
        self.config = config or MinhashConfig()
        self.batch_size = batch_size
        self.batch_chars = batch_chars

    def _sign(self, hasher: MinHasher, shard: ParquetShard, batch: list[Document]) -> None:
        with self.track_time():
            signatures = hasher.signatures([doc.text for doc in batch])
            keys = band_keys(signatures, self.config.bands, self.config.rows)
            empty = ~has_shingles(signatures)
            columns = {"id": [doc.id for doc in batch]}
            for b in range(self.config.bands):
                columns[band_column(b)] = pa.array(keys[:, b], pa.uint64(), mask=empty)
            flat = pa.array(signatures.reshape(-1), pa.uint32())
            columns["signature"] = pa.FixedSizeListArray.from_arrays(flat, self.config.num_perm)
            shard.write(columns)
        self.stat_update("documents", value=len(batch))
        self.stat_update("no_shingles", value=int(np.count_nonzero(empty)))

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        hasher = MinHasher(self.config)
        shard = ParquetShard(self.output_folder, task_file(MINHASH_DIR, rank), minhash_schema(self.config))
        batch, chars = [], 0
        try:
            for doc in data or ():
                batch.append(doc)
                chars += len(doc.text)
                if len(batch) >= self.batch_size or chars >= self.batch_chars:
                    self._sign(hasher, shard, batch)
                    yield from batch
                    batch, chars = [], 0
            if batch:
                self._sign(hasher, shard, batch)
                yield from batch
        except BaseException:
            shard.close(ok=False)
            raise
        shard.close()
