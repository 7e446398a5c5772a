import gzip
import json

import pytest
import zstandard

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.readers import JsonlDocumentReader

RECORDS = [
    {"text": "Première ligne, en français.", "url": "https://a.fr/1", "title": "Un", "date": "2024-01-02"},
    {
        "text": "Second record",
        "lang": "en",
        "author": "Jo",
        "id": "x-7",
        "score": 0.5,
        "source": "wiki",
        "file": "a.txt",
        "_id": "507f1f",
        "extra": {"k": 1},
    },
]


def _lines() -> bytes:
    body = [json.dumps(r, ensure_ascii=False).encode() for r in RECORDS]
    body.insert(1, b'{"text": "cut')  # malformed
    body.insert(2, b"")  # blank lines are not records
    body.append(b'["not", "an", "object"]')
    body.append(b'{"title": "no text"}')
    return b"\n".join(body) + b"\n"


@pytest.mark.parametrize("name, pack", [
    ("d.jsonl", lambda b: b),
    ("d.jsonl.gz", lambda b: gzip.compress(b, mtime=0)),
    ("d.jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)),
])  # fmt: skip
def test_reads_every_line_and_marks_bad_ones(tmp_path, name, pack):
    (tmp_path / name).write_bytes(pack(_lines()))
    docs = list(JsonlDocumentReader(str(tmp_path / name), "dump", license="CC0", language="fr")())
    assert [d.id for d in docs] == [f"dump/{name}#{i}" for i in (0, 1, 3, 4, 5)]
    good = [d for d in docs if REJECT_KEY not in d.metadata]
    assert [d.text for d in good] == [r["text"] for r in RECORDS]
    assert type(good[0].metadata) is dict
    assert good[0].metadata["url"] == "https://a.fr/1" and good[0].metadata["language"] == "fr"
    assert good[1].metadata["language"] == "en"  # the record's own `lang` wins over the input hint
    assert good[1].metadata["author"] == "Jo" and good[1].metadata["record_id"] == "x-7"
    # a record's fields named like our columns are kept aside, ours stay
    meta = good[1].metadata
    assert (meta["source"], meta["file"]) == ("dump", name)
    assert (meta["record_source"], meta["record_file"], meta["record__id"]) == ("wiki", "a.txt", "507f1f")
    assert meta["record_extra"] == {"k": 1}
    assert good[0].metadata["license"] == "CC0" and good[0].metadata["source"] == "dump"
    reasons = [d.metadata.get(REJECT_KEY) for d in docs]
    assert reasons == [None, "invalid_json", None, "not_a_json_object", "empty_text"]
    assert docs[1].text == '{"text": "cut'  # the raw line is kept for excluded/


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = gzip.compress(b"".join(json.dumps({"text": f"doc {i}"}).encode() + b"\n" for i in range(200)))
    (tmp_path / "t.jsonl.gz").write_bytes(data[: len(data) // 2])
    docs = list(JsonlDocumentReader(str(tmp_path / "t.jsonl.gz"), "s")())
    assert docs[-1].metadata[REJECT_KEY] == "truncated_file"
    assert all(REJECT_KEY not in d.metadata for d in docs[:-1]) and len(docs) > 1


def test_a_file_path_reads_that_file_only(tmp_path):
    """datatrove takes a pattern without a wildcard as a suffix: `news.jsonl` also read `fake_news.jsonl`."""
    (tmp_path / "news.jsonl").write_text('{"text": "vrai"}\n')
    (tmp_path / "fake_news.jsonl").write_text('{"text": "faux"}\n')
    assert [d.text for d in JsonlDocumentReader(str(tmp_path / "news.jsonl"), "n")()] == ["vrai"]
