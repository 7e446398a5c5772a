import pytest

from fonderie.text.stopwords import STOP_WORDS, base_language, stop_words


@pytest.mark.parametrize(
    "code, base",
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("fra", "fr"),
        ("fra_Latn", "fr"),
        ("fr-FR", "fr"),
        ("__label__fra_Latn", "fr"),
        ("eng", "en"),
        ("deu", "de"),
        ("fi", "fi"),
        ("", None),
        (None, None),
    ],
)
def test_base_language(code, base):
    assert base_language(code) == base


def test_stop_words_match_in_any_case_and_with_either_apostrophe():
    fr = stop_words("fra_Latn")
    assert {"le", "Le", "LE", "l'", "L'", "l’", "L’", "qu’", "QU'"} <= fr
    assert stop_words("en") >= set(STOP_WORDS["en"]) and "The" in stop_words("en")
    assert stop_words("fi") is None and stop_words(None) is None


def test_every_list_is_short_and_lowercase():
    for language, words in STOP_WORDS.items():
        assert 8 <= len(words) <= 25, language
        assert all(w == w.lower() and " " not in w for w in words), language
