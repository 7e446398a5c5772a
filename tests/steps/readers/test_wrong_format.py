"""Every reader drops a file of another format as ONE `wrong_format` record, and reads its own format as before."""

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import html_page, write_warc

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.readers import JsonlDocumentReader, ParquetDocumentReader, TextFolderReader, WarcDocumentReader

BOOK = "Chapitre I\n\nIl était une fois un pont sur la rivière.\n"
JSONL = b"".join(json.dumps({"text": f"Ligne {i}."}).encode() + b"\n" for i in range(50))


def write_files(root):
    """One file of each format (and a gzip named like plain JSONL); returns {name: path}."""
    root.mkdir(exist_ok=True)
    pages = [(f"https://a.fr/{i}", html_page("Le pont", ["Il a rouvert."]), "text/html", "200 OK") for i in range(30)]
    write_warc(root / "crawl.warc.gz", pages)
    (root / "book.txt").write_text(BOOK, encoding="utf-8")
    (root / "lines.jsonl").write_bytes(JSONL)
    (root / "zipped.jsonl").write_bytes(gzip.compress(JSONL))
    (root / "plain.jsonl.gz").write_bytes(JSONL)
    pq.write_table(pa.table({"text": ["Un.", "Deux."]}), root / "table.parquet")
    return {p.name: str(p) for p in root.iterdir()}


# (reader, the file it is given, what the file looks like)
CASES = [
    (JsonlDocumentReader, "crawl.warc.gz", "gzip-compressed warc"),  # was 61 `invalid_json` drops, no word
    (JsonlDocumentReader, "book.txt", "text"),
    (JsonlDocumentReader, "table.parquet", "parquet"),
    (JsonlDocumentReader, "zipped.jsonl", "gzip-compressed jsonl"),  # was 1 `invalid_json` per line
    (JsonlDocumentReader, "plain.jsonl.gz", "jsonl"),  # was one `truncated_file`: "Not a gzipped file"
    (WarcDocumentReader, "book.txt", "text"),  # was a warcio traceback that stopped the task
    (WarcDocumentReader, "lines.jsonl", "jsonl"),
    (ParquetDocumentReader, "lines.jsonl", "jsonl"),  # was a pyarrow traceback
    (TextFolderReader, "crawl.warc.gz", "gzip-compressed warc"),  # was one `undecodable_text` drop
    (TextFolderReader, "table.parquet", "parquet"),
    (TextFolderReader, "lines.jsonl", "jsonl"),  # was the JSON, kept as the text of one document
]


@pytest.mark.parametrize("cls, name, looks_like", CASES)
def test_a_file_of_another_format_is_one_wrong_format_record(tmp_path, cls, name, looks_like):
    files = write_files(tmp_path / "in")
    (doc,) = list(cls(files[name], "src")())
    assert doc.id == f"src/{name}#0" and doc.text == ""
    assert doc.metadata[REJECT_KEY] == "wrong_format" and doc.metadata["looks_like"] == looks_like


@pytest.mark.parametrize("cls, name, records", [
    (JsonlDocumentReader, "lines.jsonl", 50),
    (WarcDocumentReader, "crawl.warc.gz", 61),  # warcinfo + request/response pairs
    (ParquetDocumentReader, "table.parquet", 2),
    (TextFolderReader, "book.txt", 1),
])  # fmt: skip
def test_a_file_of_the_declared_format_is_read(tmp_path, cls, name, records):
    files = write_files(tmp_path / "in")
    docs = list(cls(files[name], "src")())
    assert len(docs) == records and all(d.metadata.get(REJECT_KEY) != "wrong_format" for d in docs)


def test_the_warning_names_each_wrong_file(tmp_path):
    from loguru import logger

    files = write_files(tmp_path / "in")
    (tmp_path / "in" / "README.md").write_text("# Notes\n")
    messages = []
    handler = logger.add(messages.append, level="WARNING", format="{message}")
    try:
        docs = list(WarcDocumentReader(str(tmp_path / "in"), "web")())
    finally:
        logger.remove(handler)
    wrong = sorted(d.id for d in docs if d.metadata.get(REJECT_KEY) == "wrong_format")
    assert wrong == ["web/README.md#0", "web/book.txt#0", "web/lines.jsonl#0", "web/plain.jsonl.gz#0",
                     "web/table.parquet#0", "web/zipped.jsonl#0"]  # fmt: skip
    named = [m for m in messages if "wrong_format" in m]
    assert len(named) == 6 and any(f"{files['book.txt']} record 0: wrong_format (looks like text, not warc)" in m
                                   for m in named)  # fmt: skip


def test_text_takes_what_may_be_text(tmp_path):
    """Text is the catch-all format: only positive signs of another format drop a file."""
    (tmp_path / "brace.txt").write_text("{Chapitre premier}\nIl était une fois.\n")
    (tmp_path / "array.txt").write_text("[1] Note de bas de page.\n")
    (tmp_path / "wide.txt").write_bytes("Il était une fois.".encode("utf-16"))
    docs = {d.id: d.metadata.get(REJECT_KEY) for d in TextFolderReader(str(tmp_path), "books")()}
    # UTF-16 read as UTF-8 is the reader's own `undecodable_text`, whose warning says to set `encoding`
    assert docs == {"books/brace.txt#0": None, "books/array.txt#0": None, "books/wide.txt#0": "undecodable_text"}
    (doc,) = TextFolderReader(str(tmp_path / "wide.txt"), "books", encoding="utf-16")()
    assert doc.text == "Il était une fois."
    (tmp_path / "le.txt").write_bytes("Il était une fois.".encode("utf-16-le"))  # no byte-order mark: NUL bytes
    (doc,) = TextFolderReader(str(tmp_path / "le.txt"), "books", encoding="utf-16-le")()
    assert doc.text == "Il était une fois."
    (tmp_path / "nul.txt").write_bytes(b"abc\x00\x00def")  # NUL bytes in UTF-8: binary, not text
    (doc,) = TextFolderReader(str(tmp_path / "nul.txt"), "books")()
    assert doc.metadata["looks_like"] == "binary data"
