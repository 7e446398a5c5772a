import pytest
from datatrove.data import Document
from text.ocr_book_texts import MODERN, OCR_BOOK

from fonderie.pipeline.documents import BOOK_KEY
from fonderie.steps.formatters.book_marker import BookMarker
from fonderie.steps.formatters.long_s_repair import LongSRepairFormatter


def test_books_are_repaired_and_the_repairs_recorded():
    docs = [
        Document(text=OCR_BOOK, id="book", metadata={"source": "books", "language": "fr"}),
        Document(text=OCR_BOOK, id="web", metadata={"source": "web", "language": "fr"}),
        Document(text="function(){return 1}", id="code", metadata={"source": "web"}),
    ]
    step = LongSRepairFormatter()
    out = {d.id: d for d in step.run(BookMarker(book_sources=["books"]).run(iter(docs)))}
    assert out["book"].text == MODERN
    assert out["book"].metadata["long_s_repairs"] == 10
    assert out["web"].text == OCR_BOOK and "long_s_repairs" not in out["web"].metadata  # not known as a book
    assert out["code"].text == "function(){return 1}"
    stats = step.stats.stats
    assert stats["docs_repaired"].total == 1 and stats["long_s_curly"].total == 2 and stats["long_s_f"].total == 8


def test_the_marker_marks_declared_books_and_web():
    docs = [Document(text="x", id=s, metadata={"source": s}) for s in ("books", "web", "other")]
    out = {d.id: d.metadata.get(BOOK_KEY) for d in BookMarker(["books"], ["web"]).run(iter(docs))}
    assert out == {"books": "input", "web": False, "other": None}
    with pytest.raises(ValueError, match="both books and web"):
        BookMarker(["a"], ["a"])
    with pytest.raises(ValueError, match="default_language"):
        LongSRepairFormatter(default_language="xx")
