from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep

from fonderie.dedup.exact import exact_hash
from fonderie.dedup.files import EXACT_DIR, EXACT_SCHEMA, ParquetShard, dedup_folder, task_file

BATCH = 1024  # documents hashed, written and passed on together


class ExactHashSignature(PipelineStep):
    """Dedup phase 1 (exact): records each document's exact hash in `FOLDER/exact/NNNNN.parquet`, one per task.

    The hash is BLAKE2b-128 of the text after NFKC and whitespace collapsing (fonderie.dedup.exact), so copies that
    differ only in spacing or Unicode presentation share it. Run it with any number of tasks, in the same pipeline
    as MinhashSignature when both are wanted (they must see the same documents); DuplicateClusterer reads the
    files (formats in fonderie.dedup.files).
    Input: documents.
    Output: the same documents, unchanged, in the same order (passed on by batches of 1,024).
    Drops: none.
    Metadata added: none. Counts `documents`.

    Args:
        output_folder: the dedup folder shared by all the dedup phases
    """

    name = "🟰 Exact hashes"
    type = "🫂 - DEDUP"

    def __init__(self, output_folder: DataFolderLike):
        super().__init__()
        self.output_folder = dedup_folder(output_folder)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        shard = ParquetShard(self.output_folder, task_file(EXACT_DIR, rank), EXACT_SCHEMA)
        batch: list[Document] = []
        try:
            for doc in data or ():
                batch.append(doc)
                if len(batch) >= BATCH:
                    self._hash(shard, batch)
                    yield from batch
                    batch = []
            self._hash(shard, batch)
            yield from batch
        except BaseException:
            shard.close(ok=False)
            raise
        shard.close()

    def _hash(self, shard: ParquetShard, batch: list[Document]) -> None:
        with self.track_time():
            shard.write({"id": [doc.id for doc in batch], "hash": [exact_hash(doc.text) for doc in batch]})
        self.stat_update("documents", value=len(batch))
