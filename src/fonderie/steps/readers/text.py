from __future__ import annotations

import codecs
import re
from pathlib import PurePosixPath

from fonderie.steps.readers.input_base import InputDocumentReader
from fonderie.steps.readers.sniff import Look

_NON_SPACE = re.compile(r"\S")  # matches exactly what str.isspace() does not
# what is plainly not text; anything else is, JSON included (see `accepts`)
NOT_TEXT = ("warc", "parquet", "pdf", "zip", "unknown")
WIDE_ENCODINGS = ("utf-16", "utf-32")  # text in them is full of NUL bytes


class TextFolderReader(InputDocumentReader):
    """Plain-text files, one document per file (`.txt`, `.md`, PDF or OCR text dumps with form feeds kept).

    Input: files decoded with `encoding` (default utf-8; a UTF-8 byte-order mark is removed).
    Output: one document per file, id `<source>/<file>#0`, `title` set to the file name without extension.
        With `slice=(a, b)` the document is `text[int(a * n):int(b * n)]`, n the file's characters (nanoGPT's
        split of one file: `(0, 0.9)` trains, `(0.9, 1)` validates). With `chunk_chars` the (sliced) text is cut
        into documents `#0`, `#1`, ... in order, each ending at the first line end at or after `chunk_chars`
        characters (the last takes the rest, trailing blank lines included), so they concatenate back to the text.
    Drops (marked here, dropped by ReaderRejectFilter):
        `undecodable_text`: bytes that are not valid in `encoding`; the warning names the file and the byte offset
            (set `encoding: latin-1` or `cp1252` on the input if that is what the files are)
        `empty_text`: the file is empty or only whitespace
        `wrong_format`: the whole file when its first bytes are plainly not text: a WARC, Parquet, PDF or zip,
            compressed data (gzip, zstd, bzip2, xz), NUL bytes (unless `encoding` is UTF-16/32), or JSON Lines (a
            first line that is a whole JSON object). Text is the catch-all format, so only these positive signs
            count: a text that merely starts with `{` or `[` is read. The warning names the file and its look.
    Metadata added: source, file, title, license and language from the input config.

    Args:
        encoding: how the files are decoded
        slice: (a, b) fractions of each file's characters to read, 0 <= a < b <= 1; None reads it all
        chunk_chars: about how many characters per document; None: one document per file
    """

    name = "📄 Text files"
    input_format = "text"

    def __init__(
        self,
        *args,
        encoding: str = "utf-8",
        slice: tuple[float, float] | None = None,
        chunk_chars: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if slice is not None and not (len(slice) == 2 and 0 <= slice[0] < slice[1] <= 1):
            raise ValueError(f"slice must be (a, b) with 0 <= a < b <= 1, got {slice!r}")
        if chunk_chars is not None and chunk_chars < 1:
            raise ValueError(f"chunk_chars must be at least 1, got {chunk_chars!r}")
        self.encoding = encoding
        self.slice = tuple(slice) if slice is not None else None
        self.chunk_chars = chunk_chars

    def accepts(self, look: Look, filepath: str) -> bool:
        if look.compression or look.kind in NOT_TEXT:
            return False
        if look.kind == "binary":
            return self._wide_encoding()
        return not (look.kind == "jsonl" and look.first_line_is_object())

    def _wide_encoding(self) -> bool:
        try:
            return codecs.lookup(self.encoding).name.startswith(WIDE_ENCODINGS)
        except LookupError:
            return False

    def _chunks(self, text: str):
        """The text cut at line ends into pieces of at least `chunk_chars` characters (the last may be shorter)."""
        if self.chunk_chars is None or not text:
            yield text
            return
        start = 0
        while start < len(text):
            end = text.find("\n", start + self.chunk_chars - 1)
            if end < 0 or not _NON_SPACE.search(text, end + 1):  # a search, not a copy of the rest: linear time
                end = len(text) - 1  # trailing blank lines join the last chunk: alone they would be dropped as empty
            end += 1
            yield text[start:end]
            start = end

    def read_file(self, filepath: str):
        if (rejected := self.wrong_format(filepath)) is not None:
            yield rejected
            return
        with self.track_time():
            with self.data_folder.open(filepath, "rb") as f:
                raw = f.read()
            fields = {"title": PurePosixPath(filepath).stem}
            try:
                text = raw.decode("utf-8-sig" if self.encoding.lower() in ("utf-8", "utf8") else self.encoding)
            except UnicodeDecodeError as e:
                detail = f"byte {e.start}: {raw[e.start : e.start + 4]!r} is not {self.encoding}"
                yield self.new_document(filepath, 0, "", fields, reject="undecodable_text", detail=detail)
                return
            del raw  # the file is held once, as text; its chunks are cut one at a time
            if self.slice is not None:
                n = len(text)  # int(a * n) exactly as nanoGPT's data[:int(n * 0.9)], so the boundaries match
                text = text[int(self.slice[0] * n) : int(self.slice[1] * n)]
        for i, chunk in enumerate(self._chunks(text)):
            yield self.new_document(filepath, i, chunk, fields)
