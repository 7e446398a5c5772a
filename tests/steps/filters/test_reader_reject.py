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
