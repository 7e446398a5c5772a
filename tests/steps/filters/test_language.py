import pickle

import pytest
from datatrove.data import Document

from fonderie.steps.filters.language import DEFAULT_MIN_SCORE, FastTextLanguageFilter

FR = "Le conseil municipal a voté lundi soir la rénovation de la piscine intercommunale, pour 3,2 millions d'euros."
EN = "The council also approved a new cycling lane along the river, which should open next spring."
# plain short French: the first was rejected by datatrove's LanguageFilter("fr", 0.75) (huggingface/datatrove#365)
SHORT_FR = ["Bonjour, je m'appelle Marie et j'habite à Lyon.", "Merci !", "Quelle heure est-il ?", "Je suis fatigué."]


def _doc(text, i=0, **meta):
    return Document(text=text, id=f"d#{i}", metadata=dict(meta))


@pytest.mark.parametrize(
    "text,expected",
    [
        (FR, True),
        (EN, (False, "lang_not_wanted")),
        ("Der Zug nach Berlin hat zwanzig Minuten Verspätung.", (False, "lang_not_wanted")),
        ("", (False, "lang_undetermined")),
        ("  \n\t\n ", (False, "lang_undetermined")),
        ("12 345,67 € — 89 %", (False, "lang_undetermined")),
    ],
)
def test_drop_reasons(text, expected):
    assert FastTextLanguageFilter(["fr"]).filter(_doc(text)) == expected


def test_below_threshold_is_a_wanted_language_with_a_low_score():
    f = FastTextLanguageFilter(["fr", "en"], min_score={"fr": 0.99})
    doc = _doc(FR)
    assert f.filter(doc) == (False, "lang_below_threshold")
    assert doc.metadata["language"] == "fr" and 0.5 < doc.metadata["language_score"] < 0.99
    assert f.min_score == {"fr": 0.99, "en": DEFAULT_MIN_SCORE}  # a language left out gets the default
    assert f.filter(_doc(EN)) is True


@pytest.mark.parametrize("text", SHORT_FR)
def test_short_plain_french_is_kept_at_the_default_threshold(text):
    doc = _doc(text)
    assert FastTextLanguageFilter("fr").filter(doc) is True
    assert doc.metadata["language"] == "fr"


def test_labels_overwrite_the_input_hint_which_is_kept():
    f = FastTextLanguageFilter()  # no languages: label only, keep everything
    hinted, plain, empty = _doc(EN, language="fr"), _doc(FR), _doc("   ", language="fr")
    assert all(f.filter(d) is True for d in (hinted, plain, empty))
    assert hinted.metadata["language"] == "en" and hinted.metadata["language_hint"] == "fr"
    assert type(hinted.metadata["language_score"]) is float and 0.5 < hinted.metadata["language_score"] <= 1
    assert plain.metadata["language"] == "fr" and "language_hint" not in plain.metadata
    assert empty.metadata["language"] == "und" and empty.metadata["language_score"] == 0.0
    assert "language_shares" not in plain.metadata


def test_paragraph_shares_make_mixed_documents_visible():
    f = FastTextLanguageFilter(["fr"], paragraph_shares=True)
    doc = _doc(f"{FR}\n\n{FR}\n\n{EN}")
    assert f.filter(doc) is True
    shares = doc.metadata["language_shares"]
    assert [s["language"] for s in shares] == ["fr", "en"]
    assert shares[0]["share"] == pytest.approx(2 * len(FR) / (2 * len(FR) + len(EN)))
    assert sum(s["share"] for s in shares) == pytest.approx(1.0)
    empty = _doc("")
    assert f.filter(empty) == (False, "lang_undetermined") and empty.metadata["language_shares"] == []


def test_run_counts_each_reason_and_the_step_pickles():
    f = FastTextLanguageFilter(["fr"])
    docs = [_doc(FR, 0), _doc(EN, 1), _doc("", 2), _doc(SHORT_FR[0], 3)]
    assert [d.id for d in f.run(docs)] == ["d#0", "d#3"]
    assert f.stats["dropped_lang_not_wanted"].total == 1 and f.stats["dropped_lang_undetermined"].total == 1
    assert pickle.loads(pickle.dumps(f)).filter(_doc(FR)) is True  # executors pickle steps: no model inside


def test_bad_settings_fail_at_construction():
    with pytest.raises(ValueError, match=r"languages=\['fra'\]"):
        FastTextLanguageFilter(["fra"])
    with pytest.raises(ValueError, match="min_score=1.5"):
        FastTextLanguageFilter(["fr"], min_score=1.5)
    with pytest.raises(ValueError, match="min_score=-0.1 for 'en'"):
        FastTextLanguageFilter(["fr", "en"], min_score={"en": -0.1})
    with pytest.raises(ValueError, match=r"\['de'\], which are not in languages=\['fr'\]"):
        FastTextLanguageFilter(["fr"], min_score={"de": 0.5})
    with pytest.raises(ValueError, match="needs `languages`"):
        FastTextLanguageFilter(min_score={"fr": 0.5})
