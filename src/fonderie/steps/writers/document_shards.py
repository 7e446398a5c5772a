from __future__ import annotations

import pyarrow as pa
from datatrove.data import Document
from datatrove.pipeline.writers.parquet import ParquetWriter

from fonderie.pipeline.documents import document_to_row

TMP_SUFFIX = ".tmp"


def _row_adapter(self: DocumentShardWriter, document: Document) -> dict:
    return document_to_row(document, self.schema)


class DocumentShardWriter(ParquetWriter):
    """Writes documents as typed Parquet shards, one per task: `part-NNNNN.parquet` (zstd, row groups of 1,024).

    Each shard is written under a `.tmp` name and renamed only when its task finished without error, so a reader of
    the folder never sees half a shard; a rerun of an interrupted task overwrites its `.tmp`.
    Input: documents.
    Output: the same documents, unchanged (and a row each in the shard).
    Drops: none.
    Metadata added: none. Counts `bytes_out` (UTF-8 bytes of text written) in its stats.

    Args:
        output_folder: the stage folder (or its `excluded/` subfolder)
        schema: the Arrow schema of the rows (see fonderie.pipeline.documents)
        output_filename: file name template; `${rank}` is the zero-padded task number
    """

    name = "🗂 Document shards"

    def __init__(self, output_folder, schema: pa.Schema, output_filename: str = "part-${rank}.parquet"):
        super().__init__(
            output_folder,
            output_filename=output_filename + TMP_SUFFIX,
            compression="zstd",
            adapter=_row_adapter,
            batch_size=1024,
            max_file_size=-1,  # one shard per task: the file name alone says which task wrote it
            schema=schema,
            use_content_defined_chunking=False,
        )

    def _write(self, document: dict, file_handler, filename: str):
        self.stat_update("bytes_out", value=len(document["text"].encode("utf-8", "surrogatepass")), unit="doc")
        super()._write(document, file_handler, filename)

    def __exit__(self, exc_type, exc_val, exc_tb):
        finished = list(self._writers)
        self.close()
        if exc_type is None:  # only a task that finished publishes its shards
            for name in finished:
                self.output_folder.mv(name, name.removesuffix(TMP_SUFFIX))
