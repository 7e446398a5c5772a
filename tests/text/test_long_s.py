from text.ocr_book_texts import MODERN, OCR_BOOK

from fonderie.text.long_s import repair_long_s
from fonderie.text.pages.hyphen import lexicon


def test_an_ocr_book_is_read_back_with_its_long_s():
    result = repair_long_s(OCR_BOOK, lexicon("fr"))
    assert result.text == MODERN
    assert result.counts["long_s_curly"] == 2
    assert result.counts["long_s_f"] == 8  # `font` (they do) and `fait` stay: both spellings are words
    assert result.total == 10


def test_modern_text_keeps_its_f():
    text = "Il avançait au fur et à mesure, sans un mot. Les fans de Fabre fêtaient la fin du festival fou."
    assert repair_long_s(text, lexicon("fr")).text == text


def test_long_s_character_and_curly_bracket_need_no_word_list():
    result = repair_long_s("la ſcience & {a {péciatement ; { 1 } et {x: 2}", None)
    assert result.text == "la science & sa spéciatement ; { 1 } et {x: 2}"
    assert dict(result.counts) == {"long_s_char": 1, "long_s_curly": 2}
