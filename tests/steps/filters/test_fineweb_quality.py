import pytest
from datatrove.data import Document
from datatrove.pipeline.filters.fineweb_quality_filter import FineWebQualityFilter

from fonderie.steps.filters.fineweb_quality import MultilingualFineWebQualityFilter
from fonderie.text.words import word_tokenizer

NEWS = (
    "Le conseil municipal de Saint-Aubin a voté lundi soir la rénovation de la piscine intercommunale.\n"
    "Les travaux, estimés à 3,2 millions d'euros, commenceront en septembre et dureront dix-huit mois.\n"
    "« C'est un équipement dont les familles ont besoin », a rappelé la maire."
)
ENGLISH = (
    "The library reopened on Monday after a year of repairs to its roof and its reading room.\n"
    "Volunteers moved more than twenty thousand books back onto the shelves. Opening hours are unchanged."
)
# a novel's dialogue: every line ends with a guillemet or an ellipsis
DIALOGUE = (
    "« Vous partez déjà ? » demanda-t-elle en posant sa tasse sur la table de la cuisine, « si tôt ? »\n\n"
    "« Il le faut bien, le dernier train quitte la gare à neuf heures… »\n\n"
    "« Alors à demain, et prenez donc le parapluie de mon père ! »\n\n"
    "Il prit son chapeau, hésita un instant sur le seuil, puis sortit sous la pluie sans se retourner…"
)
CASES = {
    "empty": ("  \n \n", "fineweb_empty_doc"),
    "menu": (
        "Accueil\nActualités\nSport\nCulture\nContact\nPlan du site\nSe connecter",
        "fineweb_too_few_punctuated_lines",
    ),
    "buttons": (
        NEWS + "\nOui.\nNon.\nTout accepter.\nTout refuser.\nRépondre.\nPartager.\nCiter.",
        "fineweb_too_many_short_lines",
    ),
    "repeated_line": (
        NEWS + "\nPartagez cet article avec vos amis !\n" + ENGLISH + "\nPartagez cet article avec vos amis !",
        "fineweb_too_many_duplicate_line_chars",
    ),
    "url_list": (
        "\n".join(f"https://www.exemple.fr/articles/page-{i}." for i in range(8)),
        "fineweb_too_many_line_breaks",
    ),
}


@pytest.mark.parametrize("text", [NEWS, ENGLISH, DIALOGUE, NEWS.replace("\n", "   \n")])
def test_keeps_good_prose(text):
    assert MultilingualFineWebQualityFilter().filter(Document(text=text, id="d")) is True


@pytest.mark.parametrize("name", sorted(CASES))
def test_drops_with_its_reason(name):
    text, reason = CASES[name]
    assert MultilingualFineWebQualityFilter().filter(Document(text=text, id="d")) == (False, reason)


def test_french_typography_and_blank_lines_are_not_read_as_junk():
    theirs = FineWebQualityFilter(language=word_tokenizer())
    ours = MultilingualFineWebQualityFilter()
    # `»` and `…` end no line for datatrove
    assert theirs.filter(Document(text=DIALOGUE, id="d")) == (False, "line_punct_ratio")
    assert ours.filter(Document(text=DIALOGUE, id="d")) is True
    # blank lines left by HTML extraction count as list items for datatrove
    spaced = NEWS.replace("\n", "\n" * 8)
    assert theirs.filter(Document(text=spaced, id="d")) == (False, "list_ratio")
    assert ours.filter(Document(text=spaced, id="d")) is True


@pytest.mark.parametrize(
    "kwargs", [{"line_punct_thr": 2}, {"short_line_length": -1}, {"new_line_ratio": 0}, {"char_duplicates_ratio": -1}]
)
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        MultilingualFineWebQualityFilter(**kwargs)


def test_a_book_is_judged_by_its_paragraphs_and_may_repeat_a_refrain():
    import textwrap

    from text.ocr_book_texts import MODERN

    from fonderie.pipeline.documents import BOOK_KEY

    fineweb = MultilingualFineWebQualityFilter()
    paragraph = textwrap.fill(" ".join(MODERN.split()) + ".", 45)  # hard-wrapped: 1 line in 19 ends a sentence
    wrapped = "\n\n".join([paragraph.replace("royaume", f"royaume {n}") for n in range(3)])
    assert fineweb.filter(Document(text=wrapped, id="web")) == (False, "fineweb_too_few_punctuated_lines")
    assert fineweb.filter(Document(text=wrapped, id="book", metadata={BOOK_KEY: "input"})) is True
    verse = "Il vente !...\n\nC'est le vent de la mer qui nous tourmente."
    prose = [
        f"Le chapitre {n} raconte comment les marins rentrèrent au port après une longue nuit." for n in range(60)
    ]
    song = "\n\n".join(prose[:30] + [verse] * 9 + prose[30:])
    assert fineweb.filter(Document(text=song, id="web")) == (False, "fineweb_too_many_duplicate_line_chars")
    assert fineweb.filter(Document(text=song, id="book", metadata={BOOK_KEY: "input"})) is True
