"""Furniture the OCR misread past matching its copies (`pages_debris`), footers misread, marks above heads found inside
inferred pages, the book's title printed whole: each rule, and the line of text it must leave alone."""

from __future__ import annotations

import random

from text.pages.paged_books import body_lines, book, kept_lines

from fonderie.text.pages.debris import Words, held, leader, number_debris
from fonderie.text.pages.furniture import strip_page_furniture
from fonderie.text.pages.numbers import to_roman


def roman(n: int) -> str:
    """As printers wrote them, the last i a j (`xiv`, `xvj`)."""
    r = to_roman(n)
    return r[:-1] + "j" if r.endswith("i") else r


def parfait(n: int) -> str:
    return f"{n} LE PARFAIT" if n % 2 == 0 else f"BOULANGER {n}"


def removed(text: str) -> dict[str, str]:
    return {r.text: r.reason for r in strip_page_furniture(text).removals}


def test_heads_misread_where_the_book_prints_one_go():
    """`TwrropuertoN. x` shares too few letters with INTRODUCTION to join its copies, `xzj Juznenverron,` none, but
    each is no text, at the top of a page where the head is expected (the one with a number at its end, the other
    with the page's own numeral, misread)."""
    garbled = {5: "TwrropuertoN. x", 8: "xx Imrrépuorton.", 11: f"{roman(21).replace('x', 'z', 1)} Juznenverron,"}

    def top(n):
        return garbled.get(n) or (f"{roman(n + 10)} INTRODUCTION." if n % 2 == 0 else f"INTRODUCTION. {roman(n + 10)}")

    text, body, _ = book(pages=14, top=top)
    result = strip_page_furniture(text)
    assert kept_lines(result.text) == body
    reasons = {r.text: r.reason for r in result.removals}
    assert {reasons[g] for g in garbled.values()} == {"running_header"}


def test_a_head_with_a_roman_numeral_in_its_debris_goes():
    """`T0o$ V LE PARFAIÏ`: the `V` left of the number is no chapter's numeral the heads would have to agree on."""
    text, body, _ = book(pages=12, top=lambda n: "T0o$ V LE PARFAIÏ" if n == 8 else parfait(n))
    result = strip_page_furniture(text)
    assert kept_lines(result.text) == body
    assert removed(text)["T0o$ V LE PARFAIÏ"] == "running_header"


def test_a_footer_misread_goes():
    """Where a running footer is expected, the page's last line is compared with it (not the line two above)."""
    misread = {4: "ÉdiTroNs dv Movfiw", 9: "EbrrioNs nv MovriN"}
    text, body, _ = book(pages=12, bottom=lambda n: misread.get(n, "ÉDITIONS DU MOULIN"))
    result = strip_page_furniture(text)
    assert kept_lines(result.text) == body
    assert {removed(text)[m] for m in misread.values()} == {"running_footer"}


def test_a_short_line_of_text_where_a_head_is_missing_stays():
    """Pages without their head open with a paragraph's last word (`farine.`), the end of a word hyphenated across
    the break (`trin`, no word alone), a name the text writes again and again (`Xavière`), a word (`FIN`):
    text, though short and at the very place of the head."""
    rng = random.Random(7)
    pages = [body_lines(20, rng) for _ in range(12)]
    pages[4][-1] = "Xavière portait le pain dans le pé-"
    pages[5][0] = "trin"
    pages[7][0], pages[9][0], pages[10][0] = "farine.", "Xavière", "FIN"
    for k in (1, 2, 3):
        pages[k][2] = "le moulin de Xavière marchait encore dans le vent du soir"
    out, body = [], []
    for n, lines in enumerate(pages, start=1):
        body += [t for t in lines if t]
        head = [] if n in (6, 8, 10, 11) else [parfait(n), ""]
        out.append("\n".join(head + lines))
    result = strip_page_furniture("\n\f".join(out))
    kept = kept_lines(result.text)
    assert [t for t in body if t not in kept] == ["Xavière portait le pain dans le pé-", "trin"]  # rejoined
    assert "Xavière portait le pain dans le pétrin" in kept
    assert {"farine.", "Xavière", "FIN"} <= set(kept)


def test_page_numbers_misread_at_the_top_go():
    """In a book that prints its head and number at the top of most pages, a page whose top line is one token of no
    word (`adix`, `Ej`, `w`) has it as its number misread; not a page that opens a chapter (after the short last page
    of the one before), whose one word is its title, however misread (`TABLF`)."""
    garbled = {5: "adix", 8: "Ej", 13: "w"}
    rng = random.Random(4)
    out, body = [], []
    for n in range(1, 16):
        lines = body_lines(10 if n == 9 else 22, rng)  # a short page that ends a paragraph: a chapter ends
        lines = ["TABLF", ""] + lines if n == 10 else lines
        body += [t for t in lines if t]
        head = [] if n == 10 else [garbled.get(n) or parfait(n), ""]
        out.append("\n".join(head + lines))
    result = strip_page_furniture("\n\f".join(out))
    assert kept_lines(result.text) == body
    assert {r.text: r.reason for r in result.removals if r.text in garbled.values()} == dict.fromkeys(
        garbled.values(), "running_header"
    )


def test_a_roman_number_misread_over_a_chapter_opening_goes():
    """Over a page that opens a chapter, one lower-case token of roman numerals' letters (`xivif` for xlvij) is the
    page's number misread, where a word in capitals (`TABLF`) is the chapter's title."""
    rng = random.Random(4)
    out, body = [], []
    for n in range(1, 16):
        lines = body_lines(10 if n == 9 else 22, rng)
        lines = ["TABLF", ""] + lines if n == 10 else lines
        body += [t for t in lines if t]
        head = ["xivif", ""] if n == 10 else [parfait(n), ""]
        out.append("\n".join(head + lines))
    result = strip_page_furniture("\n\f".join(out))
    assert kept_lines(result.text) == body
    assert removed("\n\f".join(out))["xivif"] == "running_header"


def test_a_page_hidden_by_a_number_misread_as_the_next_goes_without_form_feeds():
    """Without form feeds, page 8's number misread as 9 makes the run 7, 9, 10 and hides page 9 inside page 8: two
    page lengths between numbers one apart show where it starts, and its head misread there (`BourancER l`) goes."""
    rng = random.Random(7)
    out, body = [], []
    for n in range(1, 15):
        lines = body_lines(22, rng)
        body += [t for t in lines if t]
        head = {8: "9 LE PARFAIT", 9: "BourancER l"}.get(n, parfait(n))
        out += [head, ""] + lines
    text = "\n".join(out)
    result = strip_page_furniture(text)
    assert kept_lines(result.text) == body
    assert removed(text)["BourancER l"] == "running_header"


def test_a_head_misread_where_an_unnumbered_page_starts_goes_without_form_feeds():
    """Without form feeds, where a page should start and its number was not found: `BourancER rég` (capitals inside
    its words, no word) is the head; a table of contents there (`Du Boulanger .......... 12`) is not."""
    rng = random.Random(12)
    out, body = [], []
    for n in range(1, 15):
        lines = body_lines(22, rng)
        if n == 10:
            lines = ["Du Boulanger .......... 12", "Du Four .......... 19", ""] + lines
        body += [t for t in lines if t]
        head = {7: ["BourancER rég", ""], 10: []}.get(n, [parfait(n), ""])
        out += head + lines
    text = "\n".join(out)
    result = strip_page_furniture(text)
    assert kept_lines(result.text) == body
    assert removed(text)["BourancER rég"] == "running_header"


def test_marks_above_a_head_found_inside_an_inferred_page_go():
    """Without form feeds, pages whose number was not found lie inside the page before; the head found where they
    start ends that page: the damaged mark (`Gw`) and the catchword above it go, as at any page's foot; a paragraph's
    last word above such a head (`farine.`) and the book's last line (`FIN.`) stay."""
    rng = random.Random(3)
    pages = [body_lines(22, rng) for _ in range(14)]
    marks = {1: "A", 3: "A ij", 5: "Gw", 11: "B", 12: "B ij", 13: "B iij"}
    pages[6][-1] = "farine."
    pages[-1][-1] = "FIN."
    out, body, catchwords = [], [], []
    for n, lines in enumerate(pages, start=1):
        head = f"BOULANGER {n}" if n % 2 else f"{n} LE PARFAIT"
        if n in (6, 8, 10):
            head = "LE PARFAIT" if n % 2 == 0 else "BOULANGER"  # no number: the page is found from its head only
        body += [t for t in lines if t]
        foot = [marks[n]] if n in marks else []
        if n in (2, 4, 9):  # the next page's first word (on page 9, above page 10's unnumbered head)
            foot = [pages[n][0].split()[0]]
            catchwords += foot
        out += [head, ""] + lines + foot
    result = strip_page_furniture("\n".join(out))
    assert kept_lines(result.text) == body
    reasons = [(r.line, r.reason) for r in result.removals if r.reason in ("signature_mark", "catchword")]
    assert [out[line - 1] for line, reason in reasons if reason == "catchword"] == catchwords
    assert [out[line - 1] for line, reason in reasons if reason == "signature_mark"] == list(marks.values())


def test_the_title_printed_whole_over_the_first_chapter_stays():
    """The running heads split the book's title between the pages of a spread (`LE PARFAIT` | `BOULANGER`); printed
    whole, one half over the other, over the first chapter, it is the title, after a half title that prints it too."""
    rng = random.Random(5)
    out, body = [], []
    title = ["LE PARFAIT", "", "BOULANGER.", "", "CHAPITRE PREMIER.", ""]
    for n in range(1, 15):
        lines = ["LE PARFAIT"] if n == 1 else body_lines(22, rng)
        lines = title + lines if n == 2 else lines
        body += [t for t in lines if t]
        out.append("\n".join(([] if n <= 2 else [parfait(n), ""]) + lines))
    result = strip_page_furniture("\n\f".join(out))
    assert kept_lines(result.text) == body


def test_debris_numbers_misread_and_tables_of_contents():
    """Debris is short, mostly no word, and ends no sentence unless a head's capitals or number show in it."""
    text = ["Le boulanger cuit le pain de la farine du blé et le porte au marché de la ville"] * 3
    words = Words(text, ())  # the document's own words only
    assert words.debris("BourancER rég") and words.debris("TwrropuertoN. x") and words.debris("xx Imrrépuorton.")
    assert not words.debris("farine.") and not words.debris("Boulangcrie.") and not words.debris("le pain du blé")
    assert not words.debris("BOULANGER XII") and not words.debris("les pains de la boulangerie du marché ce matin")
    assert not words.debris("Le boulanger.") and not words.debris("Bourancer de la ville")
    assert number_debris("adix", words) and number_debris("Ej", words)
    assert not number_debris("farine", words) and not number_debris("12", words) and not number_debris("x.", words)
    assert held("xeaviij", 38) and held("xxxx", 39) and held("s54", 154) and not held("xlv", 38)
    assert leader("INTRODUCTION ........... page j") and not leader("INTRODUCTION. xiv")


def test_the_word_list_is_the_language_of_the_document():
    """`FIN`, `CHAPITRE` are French words; `w` and `ch` are English ones, not words of a French book."""
    text = ["Le boulanger pétrit la farine du blé dans le four de la maison et le porte au marché"] * 3
    words = Words(text, ("en", "fr"))
    assert not words.debris("FIN") and not words.debris("CHAPITRE XII")
    assert number_debris("w", words) and number_debris("ch", words)
    assert not Words(["The baker kneads the flour of the wheat in the oven of the house"] * 3, ("fr", "en")).debris(
        "ch"
    )
