from __future__ import annotations

import orjson
import zstandard
from fsspec.utils import infer_compression

from fonderie.steps.readers.input_base import InputDocumentReader, record_fields
from fonderie.steps.readers.sniff import Look

EXTENSIONS = {"gzip": ".gz", "zstd": ".zst", "bz2": ".bz2", "xz": ".xz"}  # what the name must end with


class JsonlDocumentReader(InputDocumentReader):
    """JSON Lines, plain or compressed (`.gz`, `.zst`, `.bz2`, `.xz`: inferred from the file name).

    Input: one JSON object per line; the text under `text_key`; `url`, `title`, `date`, `language` (or `lang`) and
        `license` fill their columns, every other field goes to `extra`. Blank lines are not records.
    Output: one document per line, id `<source>/<file>#<line number, 0-based>`.
    Drops (marked here, dropped by ReaderRejectFilter):
        `invalid_json`: the line does not parse (the raw line is kept in `excluded/` for inspection)
        `not_a_json_object`: the line parses to a list, string or number
        `empty_text`: the text field is missing, not a string, or blank
        `truncated_file`: the file cannot be read on (a compressed stream that ends early or is corrupt, a `.gz`
            that is not gzip, a read error); the records before that point are kept, the warning says why
        `wrong_format`: the whole file, as one record, when its first bytes (decompressed) do not start with `{`
            (a WARC, Parquet, text, a JSON array) or its compression is not the one its name says (a gzip file
            named `.jsonl`); read on, it would be one `invalid_json` per line. The warning names the file and what
            it looks like. Empty files and streams that do not decompress are read as before.
    Metadata added: source, file, license, language and split from the input config; a record's own fields named
        like those columns (id, text, source, file, split, extra) or starting with `_` are kept as `record_<name>`.
    """

    name = "🐿 JSONL"
    input_format = "jsonl"

    def accepts(self, look: Look, filepath: str) -> bool:
        if look.kind == "unknown":  # a damaged stream: read_file keeps what it can and names the loss
            return True
        # the name says the compression (`compression="infer"` below): a gzip named `.jsonl` would read as bytes
        return look.kind in ("jsonl", "empty") and look.compression == infer_compression(filepath)

    def mismatch(self, look: Look, filepath: str) -> str:
        named = infer_compression(filepath)
        if look.kind != "jsonl" or look.compression == named:
            return super().mismatch(look, filepath)
        fix = f"name it *.jsonl{EXTENSIONS.get(look.compression, '')}"  # None: plain, named like a compressed file
        return f"looks like {look}, but its name says {named or 'uncompressed'} ({fix})"

    def read_file(self, filepath: str):
        if (rejected := self.wrong_format(filepath)) is not None:
            yield rejected
            return
        index = -1
        try:
            # text mode: zstd streams cannot iterate lines in binary; surrogateescape keeps bad UTF-8 visible
            # to orjson (which then rejects that one line) instead of failing the whole file
            opts = {"encoding": "utf-8", "errors": "surrogateescape", "newline": "\n"}
            with self.data_folder.open(filepath, "rt", compression="infer", **opts) as f:
                for index, line in enumerate(f):
                    if not line.strip():
                        continue
                    with self.track_time():
                        doc = self._line_document(filepath, index, line)
                    yield doc
        except (EOFError, OSError, zstandard.ZstdError) as e:
            # a gzip/zstd stream cut short: what was read is kept, the loss is counted and named
            yield self.new_document(filepath, index + 1, "", reject="truncated_file", detail=str(e))

    def _line_document(self, filepath: str, index: int, line: str):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raw = line.rstrip("\n").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            return self.new_document(filepath, index, raw, reject="invalid_json", detail=str(e))
        if not isinstance(record, dict):
            return self.new_document(filepath, index, line.rstrip("\n"), reject="not_a_json_object")
        text = record.pop(self.text_key, None)
        return self.new_document(filepath, index, text if isinstance(text, str) else None, record_fields(record))
