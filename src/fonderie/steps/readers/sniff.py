"""What a file looks like from its first bytes: the check that a file is the format its input declares.

A WARC read as JSON Lines is thousands of `invalid_json` drops, a text file read as WARC a warcio traceback;
both are one mistake in the pipeline file, about one file. The readers sniff each file before reading it and
drop a file that is plainly another format as one `wrong_format` record; the ingest stage sniffs a sample of
each input's files while it is planned and stops when none of them is the declared format.

The signs, read from the first SNIFF_BYTES (decompressed first where the bytes start with a compression magic):
    warc     `WARC/1.`, `WARC/0.` or an ARC file's `filedesc://` (a `.warc.gz` is one gzip member per record:
             the first member is decompressed)
    parquet  `PAR1` (never compressed as a whole: Parquet compresses its pages inside)
    jsonl    `{` after an optional byte-order mark and whitespace
    json     `[` after the same: a JSON array, not JSON Lines
    pdf, zip `%PDF-`, `PK\\x03\\x04`
    binary   a NUL byte (text in UTF-16 or UTF-32 has them: the text reader does not count them against a file
             it is told to decode that way)
    empty    nothing but whitespace
    text     anything else
Only positive signs are trusted: a compressed stream that does not decompress looks `unknown`, and is left to
the reader, which names what is wrong with it (`truncated_file`).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import orjson
import zstandard

# enough for a WARC's first record header or a JSONL's first line start; a file is opened once more for this
SNIFF_BYTES = 64 * 1024
COMPRESSIONS = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}
WARC_STARTS = (b"WARC/1.", b"WARC/0.", b"filedesc://")  # WARC 1.0/1.1, the 0.x drafts, ARC
MAGIC = {b"PAR1": "parquet", b"%PDF-": "pdf", b"PK\x03\x04": "zip"}
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # UTF-8, UTF-16 LE/BE (UTF-32 LE starts like UTF-16 LE)
WHITESPACE = b" \t\r\n\f\v"
DESCRIPTIONS = {"empty": "an empty file", "unknown": "unreadable data", "binary": "binary data"}  # other kinds: as is


@dataclass(frozen=True)
class Look:
    """What a file's first bytes say it is."""

    kind: str  # warc, parquet, jsonl, json, pdf, zip, binary, empty, text, unknown
    compression: str | None  # gzip, zstd, bz2, xz, or None
    head: bytes  # the first bytes, decompressed

    def __str__(self) -> str:
        kind = DESCRIPTIONS.get(self.kind, self.kind)
        return f"{self.compression}-compressed {kind}" if self.compression else kind

    def first_line_is_object(self) -> bool:
        """The first line is whole in `head` and is a JSON object: JSON Lines beyond doubt."""
        line, newline, _ = self.head.lstrip(WHITESPACE).partition(b"\n")
        if not newline:
            return False
        try:
            return isinstance(orjson.loads(line.removeprefix(BOMS[0])), dict)
        except orjson.JSONDecodeError:
            return False


def _decompressed(f: BinaryIO, compression: str) -> BinaryIO:
    """`f` read through its decompressor; `read(n)` returns at most n bytes, reading as much of `f` as that takes
    (a compressed block comes out whole: up to 128 KiB of zstd, 900 KiB of bzip2)."""
    if compression == "gzip":
        return gzip.GzipFile(fileobj=f)
    if compression == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(f)
    if compression == "bz2":
        return bz2.BZ2File(f)
    return lzma.LZMAFile(f)


def look_at(f: BinaryIO) -> Look:
    """What a file open in binary mode (and seekable) looks like, read from its start."""
    raw = f.read(SNIFF_BYTES)
    compression = next((name for magic, name in COMPRESSIONS.items() if raw.startswith(magic)), None)
    if not compression:
        return Look(_kind(raw), None, raw)
    f.seek(0)
    try:
        head = _decompressed(f, compression).read(SNIFF_BYTES)
    except (zlib.error, zstandard.ZstdError, OSError, EOFError, lzma.LZMAError):
        head = b""  # cut short or corrupt before SNIFF_BYTES came out: the reader will name it
    if not head:
        return Look("unknown", compression, b"")
    return Look(_kind(head), compression, head)


def _kind(head: bytes) -> str:
    if head.startswith(WARC_STARTS):
        return "warc"
    if kind := next((name for magic, name in MAGIC.items() if head.startswith(magic)), None):
        return kind
    start = head
    for bom in BOMS:
        start = start.removeprefix(bom)
    start = start.lstrip(WHITESPACE)
    if not start:
        return "empty"
    if b"\x00" in head and not head.startswith(BOMS[1:]):
        return "binary"
    return {b"{"[0]: "jsonl", b"["[0]: "json"}.get(start[0], "text")


def look_at_file(fs, path: str) -> Look:
    """What a file of an fsspec filesystem looks like."""
    with fs.open(path, "rb") as f:
        return look_at(f)
