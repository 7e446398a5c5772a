import bz2
import gzip
import io
import json
import lzma
import os

import pytest
import zstandard
from conftest import write_warc

from fonderie.steps.readers.sniff import look_at

JSONL = b"".join(json.dumps({"text": os.urandom(200).hex(), "i": i}).encode() + b"\n" for i in range(4000))


def look(data: bytes):
    return look_at(io.BytesIO(data))


@pytest.mark.parametrize(
    "data, kind, compression",
    [
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "warc", None),
        (b"WARC/1.1\r\n", "warc", None),
        (b"filedesc://IA-001.arc 0.0.0.0 20000101000000 text/plain 76\n", "warc", None),
        (b"PAR1\x15\x04", "parquet", None),
        (b'{"text": "a"}\n', "jsonl", None),
        (b'\xef\xbb\xbf \n{"text": "a"}\n', "jsonl", None),  # byte-order mark and blank line first
        (b'[{"text": "a"}]', "json", None),
        (b"%PDF-1.7\n", "pdf", None),
        (b"PK\x03\x04", "zip", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", None),
        ("Chapitre I\n\nIl était une fois.".encode(), "text", None),
        ("Déjà".encode("latin-1"), "text", None),
        ("Été".encode("utf-16"), "text", None),  # NUL bytes, but behind a UTF-16 byte-order mark
        (b" \n\n", "empty", None),
        (b"", "empty", None),
        (gzip.compress(b'{"text": "a"}\n'), "jsonl", "gzip"),
        (gzip.compress(b"WARC/1.0\r\n") + gzip.compress(b"WARC/1.0\r\n"), "warc", "gzip"),  # a member per record
        (b"\x1f\x8b\x08\x00garbage", "unknown", "gzip"),  # not left to guesswork: the reader names the damage
    ],
)
def test_first_bytes_say_the_format(data, kind, compression):
    got = look(data)
    assert (got.kind, got.compression) == (kind, compression)


@pytest.mark.parametrize("name, pack", [
    ("gzip", gzip.compress),
    ("zstd", lambda b: zstandard.ZstdCompressor().compress(b)),
    ("bz2", bz2.compress),
    ("xz", lzma.compress),
])  # fmt: skip
def test_compressed_streams_are_read_until_their_first_block_comes_out(name, pack):
    """A zstd block (up to 128 KiB) or a bzip2 one (900 KiB) of incompressible text outgrows the first read."""
    packed = pack(JSONL)
    assert len(packed) > 512 * 1024
    got = look(packed)
    assert (got.kind, got.compression, len(got.head)) == ("jsonl", name, 64 * 1024)
    assert str(got) == f"{name}-compressed jsonl" and got.first_line_is_object()


def test_a_real_warc_looks_like_one(tmp_path):
    write_warc(tmp_path / "a.warc.gz", [("https://a.fr/", b"<html></html>", "text/html", "200 OK")])
    with open(tmp_path / "a.warc.gz", "rb") as f:
        assert str(look_at(f)) == "gzip-compressed warc"


def test_first_line_is_object_needs_the_whole_line():
    assert look(b'{"text": "a"}\n{"text"').first_line_is_object()
    assert not look(b'{"text": "a very long first line').first_line_is_object()
    assert not look(b"{Chapitre premier}\nIl \xc3\xa9tait une fois.\n").first_line_is_object()
