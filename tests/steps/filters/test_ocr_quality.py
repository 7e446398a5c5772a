import pytest
from datatrove.data import Document
from text.ocr_book_texts import GARBAGE, MODERN

from fonderie.pipeline.documents import BOOK_KEY
from fonderie.steps.filters.ocr_quality import OCR_UNREADABLE, OcrQualityFilter


def doc(text: str, book=True, language="fr") -> Document:
    return Document(text=text, id="d", metadata={BOOK_KEY: "input" if book else None, "language": language})


@pytest.mark.parametrize(
    "document, expected",
    [
        (doc(MODERN), True),
        (doc(GARBAGE), (False, OCR_UNREADABLE)),
        (doc(MODERN + "\n\n" + GARBAGE), (False, OCR_UNREADABLE)),  # more than half of it unreadable
        (doc(GARBAGE, book=False), True),  # web text: Gopher and C4 judge it
        (doc(GARBAGE, language="la"), True),  # no word list for Latin: not judged
        (doc(GARBAGE[:60]), True),  # too short to judge
    ],
)
def test_unreadable_ocr_is_dropped(document, expected):
    assert OcrQualityFilter().filter(document) == expected


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="min_readable_share"):
        OcrQualityFilter(min_readable_share=1.5)
