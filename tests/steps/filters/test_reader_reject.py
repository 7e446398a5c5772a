from datatrove.data import Document

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.filters.reader_reject import ReaderRejectFilter


def test_drops_marked_documents_with_their_reason():
    f = ReaderRejectFilter()
    assert f.filter(Document(text="ok", id="a", metadata={})) is True
    assert f.filter(Document(text="", id="b", metadata={REJECT_KEY: "invalid_json"})) == (False, "invalid_json")
    docs = [Document(text="x", id=str(i), metadata={REJECT_KEY: "empty_text"} if i % 2 else {}) for i in range(6)]
    kept = list(f(docs))
    assert [d.id for d in kept] == ["0", "2", "4"]
    assert f.stats["dropped_empty_text"].total == 3 and f.stats["forwarded"].total == 3


def test_a_file_of_another_format_is_one_drop(tmp_path):
    from fonderie.steps.readers import JsonlDocumentReader

    (tmp_path / "crawl.jsonl").write_bytes(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\n" * 500)
    f = ReaderRejectFilter()
    assert list(f(JsonlDocumentReader(str(tmp_path / "crawl.jsonl"), "web")())) == []
    assert f.stats["dropped_wrong_format"].total == 1 and f.stats["dropped_invalid_json"].total == 0
