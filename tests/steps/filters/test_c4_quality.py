import pytest
from datatrove.data import Document

from fonderie.steps.filters.c4_quality import MultilingualC4QualityFilter

NEWS = (
    "Le conseil municipal de Saint-Aubin a voté lundi soir la rénovation de la piscine intercommunale. Les "
    "travaux, estimés à 3,2 millions d'euros, commenceront en septembre. « C'est un équipement dont les familles "
    "ont besoin », a rappelé la maire."
)
BOOK = (
    "— Vous partez déjà ? demanda-t-elle.\n\n— Il le faut bien.\n\n— Alors à demain !\n\n— Oui.\n\nElle le "
    "regarda s’éloigner sous la pluie, puis referma doucement la porte…"
)
ENGLISH = (
    "The library reopened on Monday after a year of repairs. Volunteers moved twenty thousand books back onto the "
    "shelves. Opening hours are unchanged."
)
PAGE = "\n".join(
    [
        "Accueil",
        "Actualités",
        "Se connecter",
        NEWS,
        "Veuillez activer JavaScript pour afficher la carte des travaux.",
        "Ce site utilise des cookies pour mesurer l’audience.",
        "© 2024 Le Courrier des Combes – Tous droits réservés.",
        "Mentions légales | Politique de confidentialité | Contact",
    ]
)
COOKIE_BANNER = (
    "Nous utilisons des cookies\n\nCe site utilise des cookies et des technologies similaires pour améliorer votre "
    "expérience de navigation. Vous pouvez accepter tous les cookies ou les refuser.\n\nTout accepter\nTout "
    "refuser\nPersonnaliser\n\nEn savoir plus sur notre politique de confidentialité"
)


def run(text: str, **kwargs) -> tuple[bool | tuple[bool, str], str]:
    doc = Document(text=text, id="d")
    return MultilingualC4QualityFilter(**kwargs).filter(doc), doc.text


@pytest.mark.parametrize("text", [NEWS, BOOK, ENGLISH, NEWS + "\n\n" + BOOK])
def test_keeps_good_prose_unchanged(text):
    assert run(text) == (True, text)


def test_removes_menus_scripts_cookie_and_copyright_lines():
    assert run(PAGE) == (True, NEWS)
    assert run("This website uses cookies to improve your experience.\n" + ENGLISH) == (True, ENGLISH)


def test_citations_are_removed_and_paragraphs_stay_apart():
    text = (
        "Le bocage est un paysage de haies.[1] Il couvre l'ouest.[12]\n\n\n   Il recule depuis 1950.[citation needed]"
    )
    assert run(text) == (True, "Le bocage est un paysage de haies. Il couvre l'ouest.\n\nIl recule depuis 1950.")


@pytest.mark.parametrize(
    "text, reason",
    [
        (COOKIE_BANNER, "c4_too_few_sentences"),
        ("merci !", "c4_too_few_sentences"),
        ("Accueil\nActualités\nSport\nCulture\nContact\nPlan du site", "c4_too_few_sentences"),
        (NEWS + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.", "c4_lorem_ipsum"),
        (NEWS + "\nfunction init() { carte.afficher(); }", "c4_curly_bracket"),
    ],
)
def test_drops_pages_with_their_reason(text, reason):
    assert run(text)[0] == (False, reason)


def test_no_line_left_when_the_sentence_rule_is_off():
    assert run("Accueil\nContact", min_num_sentences=-1)[0] == (False, "c4_no_line_left")


def test_terminal_punctuation_knows_french_marks():
    lines = [
        "« Tu viens ? »",
        "Il se tut…",
        "Ils partirent (sans un mot.)",
        "Une ligne coupée au milieu d'une",
        "phrase par la mise en page",
        "Elle rit.",
    ]
    result, text = run("\n".join(lines), filter_no_terminal_punct=True)
    assert result is True and text.split("\n") == [lines[0], lines[1], lines[2], lines[5]]


def test_counts_removed_lines():
    f = MultilingualC4QualityFilter()
    f.filter(Document(text=PAGE, id="d"))
    assert f.stats["line-filter-policy"].total == 3 and f.stats["line-filter-javascript"].total == 1
    assert f.stats["line-filter-too_few_words"].total == 3 and f.stats["line-kept"].total == 1


@pytest.mark.parametrize("kwargs", [{"min_num_sentences": 0}, {"min_words_per_line": -2}, {"max_word_length": 0}])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        MultilingualC4QualityFilter(**kwargs)


def test_a_book_is_judged_by_its_paragraphs_and_its_long_s_is_not_code():
    from text.ocr_book_texts import OCR_BOOK

    from fonderie.pipeline.documents import BOOK_KEY

    text = OCR_BOOK + "\nIl lut la page « javascript » du manuel, puis referma le livre.\n"
    c4 = MultilingualC4QualityFilter()
    assert c4.filter(Document(text=text, id="web", metadata={})) == (False, "c4_curly_bracket")
    book = Document(text=text, id="book", metadata={BOOK_KEY: "pages"})
    assert c4.filter(book) is True
    assert book.text == text.strip()  # every printed line kept, as printed: `du royaume` ends a paragraph
    code = Document(text=NEWS + "\nfunction f() { return 1; } // lorem ipsum", id="code", metadata={})
    assert c4.filter(code) == (False, "c4_lorem_ipsum")


def test_citation_marks_go_with_the_space_before_them():
    doc = Document(text="La ville compte 3 200 habitants [12], selon le recensement [edit]. " + NEWS, id="d")
    assert MultilingualC4QualityFilter().filter(doc) is True
    assert doc.text.startswith("La ville compte 3 200 habitants, selon le recensement. Le conseil")
