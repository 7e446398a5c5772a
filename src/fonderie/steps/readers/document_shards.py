from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq
from datatrove.pipeline.readers.base import BaseDiskReader

from fonderie.pipeline.documents import row_to_document


class DocumentShardReader(BaseDiskReader):
    """Reads the document shards of a previous stage (`NN_<stage>/part-NNNNN.parquet`) back into documents.

    Input: shards written by DocumentShardWriter; `.tmp` files of unfinished tasks are never listed.
    Output: one document per row, with its id and every column kept as metadata (null columns left out).
    Drops: none (the previous stage only wrote valid documents).
    Metadata added: none. Counts `bytes_in` (UTF-8 bytes of text read).

    Args:
        folder: the previous stage's folder
    """

    name = "🗂 Document shards"

    def __init__(self, folder: str, limit: int = -1):
        super().__init__(folder, glob_pattern="part-*.parquet", recursive=False, limit=limit)

    def read_file(self, filepath: str):
        with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as pqf:
            for batch in pqf.iter_batches(batch_size=1024):
                with self.track_time("batch"):
                    docs = [row_to_document(row) for row in batch.to_pylist()]
                    # Arrow holds the UTF-8 bytes already: no second encoding of every text
                    self.stat_update("bytes_in", value=pc.sum(pc.binary_length(batch.column("text"))).as_py() or 0)
                yield from docs
