from text.ocr_book_texts import GARBAGE, MODERN, OCR_BOOK

from fonderie.text.ocr_quality import readable_share
from fonderie.text.pages.hyphen import lexicon


def test_readable_share_tells_text_from_symbols():
    fr = lexicon("fr")
    modern, n = readable_share(MODERN, fr)
    assert modern > 0.9 and n > 80  # `&` is punctuation, not a token
    assert readable_share(OCR_BOOK, fr)[0] < modern  # the long s costs words until it is repaired
    assert readable_share(GARBAGE, fr)[0] < 0.2
    assert readable_share("— & …", fr) == (1.0, 0)
