from __future__ import annotations

import pyarrow.parquet as pq

from fonderie.steps.readers.input_base import InputDocumentReader, record_fields
from fonderie.steps.readers.sniff import Look


class ParquetDocumentReader(InputDocumentReader):
    """Parquet files (any producer), streamed one row group batch at a time.

    Input: a string column named `text_key` (a file without it fails with the file name and its columns);
        `url`, `title`, `date`, `language` (or `lang`) and `license` fill their columns, other columns go to `extra`.
    Output: one document per row, id `<source>/<file>#<row number, 0-based>`.
    Drops (marked here, dropped by ReaderRejectFilter):
        `empty_text`: the text is null or blank
        `wrong_format`: the whole file, as one record, when it does not start with `PAR1` (JSON Lines, a WARC,
            text, an empty file); pyarrow would stop the task on it. The warning names the file and what it looks like.
    Metadata added: source, file, license, language and split from the input config; a row's own columns named
        like those columns (id, text, source, file, split, extra) or starting with `_` are kept as `record_<name>`.
    """

    name = "📒 Parquet"
    input_format = "parquet"

    def accepts(self, look: Look, filepath: str) -> bool:
        return look.kind == "parquet"

    def read_file(self, filepath: str):
        if (rejected := self.wrong_format(filepath)) is not None:
            yield rejected
            return
        with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as pqf:
            if self.text_key not in pqf.schema_arrow.names:
                raise ValueError(
                    f"{self.data_folder.resolve_paths(filepath)}: no column {self.text_key!r} to read text from "
                    f"(columns: {pqf.schema_arrow.names}); set `text_key` on this input"
                )
            index = 0
            for batch in pqf.iter_batches(batch_size=1024):
                with self.track_time("batch"):
                    docs = []
                    for row in batch.to_pylist():
                        text = row.pop(self.text_key)
                        docs.append(self.new_document(filepath, index, text, record_fields(row)))
                        index += 1
                yield from docs
