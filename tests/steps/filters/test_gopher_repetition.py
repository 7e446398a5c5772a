import pytest
from datatrove.data import Document
from datatrove.pipeline.filters.gopher_repetition_filter import (
    GopherRepetitionFilter,
    find_all_duplicate,
    find_top_duplicate,
    get_n_grams,
)

from fonderie.steps.filters.gopher_repetition import (
    REASONS,
    MultilingualGopherRepetitionFilter,
    all_duplicate_chars,
    ngram_hashes,
    top_duplicate_chars,
)
from fonderie.text.words import word_tokenize, word_tokenizer

NEWS = (
    "Le conseil municipal de Saint-Aubin a voté lundi soir la rénovation de la piscine intercommunale, fermée "
    "depuis l'été dernier. Les travaux, estimés à 3,2 millions d'euros, commenceront en septembre et dureront "
    "dix-huit mois. « C'est un équipement dont les familles ont besoin », a rappelé la maire."
)
RECIPE = (
    "Préchauffez le four à 200 °C. Dans un saladier, fouettez les quatre œufs avec le sucre jusqu'à ce que le "
    "mélange blanchisse, puis ajoutez la farine et le lait petit à petit. Versez la pâte dans un moule beurré, "
    "parsemez de pruneaux et enfournez pour quarante-cinq minutes."
)
BOOK = (
    "— Vous partez déjà ? demanda-t-elle.\n\n— Il le faut bien, répondit-il en prenant son chapeau. Le dernier "
    "train quitte la gare à neuf heures.\n\n— Alors à demain !\n\n— À demain.\n\nElle le regarda s’éloigner "
    "sous la pluie, puis referma doucement la porte."
)
ENGLISH = (
    "The library reopened on Monday after a year of repairs to its roof and its reading room. Volunteers moved "
    "more than twenty thousand books back onto the shelves, and the children's corner now has a small stage."
)
SENTENCES = [s + "." for s in (NEWS + " " + RECIPE).split(". ")]
SEO = (
    "Meilleur matelas pas cher 2024 : découvrez notre comparatif matelas pas cher pour trouver le meilleur matelas "
    "pas cher. Un matelas pas cher de qualité, c'est le meilleur matelas pas cher pour bien dormir avec un matelas "
    "pas cher. Acheter matelas pas cher, promo matelas pas cher, soldes matelas pas cher, matelas pas cher Paris."
)
SHORT = ["Répondre.", "Citer.", "Partager.", "Signaler.", "J'aime."]
CASES = {
    "empty": ("", "gopher_rep_empty_doc"),
    "seo_spam": (SEO, "gopher_rep_top_2_gram_too_frequent"),
    "repeated_paragraphs": ("\n\n".join([NEWS, RECIPE, NEWS, NEWS]), "gopher_rep_too_many_duplicate_paragraphs"),
    "repeated_long_paragraph": (
        "\n\n".join([NEWS, *SHORT, NEWS]),
        "gopher_rep_too_many_duplicate_paragraph_chars",
    ),
    "repeated_lines": (
        "\n".join(line for s in SENTENCES[:5] for line in (s, "Répondre")),
        "gopher_rep_too_many_duplicate_lines",
    ),
    "repeated_long_line": ("\n".join([NEWS, *SHORT, NEWS]), "gopher_rep_too_many_duplicate_line_chars"),
    "copy_pasted_block": (NEWS + " " + RECIPE + " " + NEWS[:180], "gopher_rep_too_many_duplicate_5_grams"),
}


def test_keeps_good_prose():
    f = MultilingualGopherRepetitionFilter()
    for text in (NEWS, RECIPE, BOOK, ENGLISH, "\n\n".join([NEWS, RECIPE, BOOK, ENGLISH])):
        assert f.filter(Document(text=text, id="d")) is True


@pytest.mark.parametrize("name", sorted(CASES))
def test_drops_repetition_with_its_reason(name):
    text, reason = CASES[name]
    assert MultilingualGopherRepetitionFilter().filter(Document(text=text, id="d")) == (False, reason)


@pytest.mark.parametrize("name", sorted(CASES))
def test_decides_as_datatrove_does(name):
    """Same decision as datatrove's filter on the same words, and its reason renamed."""
    text = CASES[name][0]
    theirs = GopherRepetitionFilter(language=word_tokenizer()).filter(Document(text=text, id="d"))
    ours = MultilingualGopherRepetitionFilter().filter(Document(text=text, id="d"))
    n = next((c for c in theirs[1] if c.isdigit()), None)
    assert ours[1] == REASONS[theirs[1].replace(n, "{n}") if n else theirs[1]].format(n=n)


def test_ngram_counts_are_datatrove_counts():
    words = word_tokenize(SEO + " " + NEWS + " " + NEWS[:200] + " le le le le le le le le")
    hashes = ngram_hashes(words, set(range(1, 11)))
    starts = [0]
    for w in words:
        starts.append(starts[-1] + len(w))
    for n in range(1, 11):
        assert top_duplicate_chars(hashes[n], starts, n) == find_top_duplicate(get_n_grams(words, n))
        assert all_duplicate_chars(hashes[n], starts, n) == find_all_duplicate(words, n)
    assert ngram_hashes(["un", "mot"], {3}) == {3: []} and top_duplicate_chars([], [0], 3) is None


def test_ngrams_are_word_sequences():
    # datatrove glues the words of an n-gram without spaces, so "ab c" repeats "a bc"; here it does not
    words = ["ab", "c", "a", "bc"]
    assert find_all_duplicate(words, 2) == 3
    assert all_duplicate_chars(ngram_hashes(words, {2})[2], [0, 2, 3, 4, 6], 2) == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"dup_line_frac": 1.5}, {"top_n_grams": ((0, 0.2),)}, {"dup_n_grams": ((5, 2.0),)}],
)
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        MultilingualGopherRepetitionFilter(**kwargs)
