"""strip_page_furniture on books built here: each furniture style, each trap a per-line rule would fall into."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from text.pages.paged_books import body_lines, book, kept_lines

from fonderie.text.pages.furniture import REASONS, strip_page_furniture


def check(text, body, furniture, pages=None):
    result = strip_page_furniture(text)
    kept = kept_lines(result.text)
    assert kept == body, [x for x in kept if x not in body][:5] or [x for x in body if x not in kept][:5]
    assert "\f" not in result.text
    if pages is not None:
        assert result.pages == pages
    assert {r.text for r in result.removals if r.reason != "page_break"} >= set(furniture)
    return result


STYLES = ["{n}", "- {n} -", "— {n} —", "Page {n}", "p. {n}", "{n}/300", "[{n}]", "({n})"]


@pytest.mark.parametrize("ff", [True, False], ids=["form_feeds", "no_form_feeds"])
@pytest.mark.parametrize("style", STYLES)
def test_page_numbers_in_every_style_with_and_without_form_feeds(style, ff):
    text, body, furniture = book(bottom=lambda n: style.format(n=n), ff=ff)
    result = check(text, body, furniture)
    assert result.pages >= 8
    assert {r.reason for r in result.removals} <= {"page_number", "page_break", "form_feed"}


def test_numbers_at_the_top_and_front_matter_in_roman_numerals():
    def top(n):
        return ["i", "ii", "iii", "iv", "v", "vi"][n - 1] if n <= 6 else str(n - 6)

    text, body, furniture = book(pages=14, top=top)
    check(text, body, furniture, pages=14)


def test_ocr_confusions_and_a_missing_number():
    printed = {12: "l2", 13: "I3", 10: "1O", 15: None}
    text, body, furniture = book(pages=12, bottom=lambda n: printed.get(n + 6, str(n + 6)) if n + 6 != 15 else None)
    result = check(text, body, furniture)
    assert {"l2", "I3", "1O"} <= {r.text for r in result.removals}


def test_alternating_heads_fused_with_the_number_and_misspelled_by_the_ocr():
    rng = random.Random(3)

    def misspell(head: str) -> str:
        i = rng.randrange(len(head))
        return head[:i] + rng.choice("IlEFVU") + head[i + 1 :] if head[i].isalpha() else head

    def top(n):
        return f"{n} {misspell('LES MISÉRABLES')}" if n % 2 == 0 else f"{misspell('LIVRE PREMIER')} {n}"

    text, body, furniture = book(pages=12, top=top)
    result = check(text, body, furniture)
    assert {r.reason for r in result.removals if r.text in furniture} == {"running_header"}


@pytest.mark.parametrize("ff", [True, False], ids=["form_feeds", "no_form_feeds"])
def test_alternating_heads_on_their_own_line_with_numbers_at_the_foot(ff):
    def top(n):
        return "VICTOR HUGO" if n % 2 == 0 else "LES MISÉRABLES"

    text, body, furniture = book(pages=12, top=top, bottom=lambda n: f"— {n} —", ff=ff)
    check(text, body, furniture)


def test_running_footer_repeated_at_the_foot():
    text, body, furniture = book(pages=10, bottom=lambda n: f"Éditions de la Rivière — {n}")
    check(text, body, furniture)


def test_signature_marks_and_catchwords_of_an_old_book():
    marks = {1: "A", 3: "A ij", 5: "A iij", 9: "B", 11: "Bb iij", 13: "Z"}
    rng = random.Random(5)
    out, body, furniture = [], [], []
    pages = [body_lines(20, rng) for _ in range(14)]
    for n, lines in enumerate(pages, start=1):
        page = [f"{n} LE PARFAIT" if n % 2 == 0 else f"BOULANGER {n}", ""] + lines
        furniture.append(page[0])
        body += [t for t in lines if t]
        if n in marks:
            page += [marks[n]]
            furniture.append(marks[n])
        elif n in (2, 6, 10) and n < len(pages):
            catch = pages[n][0].split()[0]  # the next page's first word, alone under the last line
            page += [catch]
            furniture.append(catch)
        out.append("\n".join(page))
    result = strip_page_furniture("\n\f".join(out))
    assert kept_lines(result.text) == body
    assert {r.reason for r in result.removals} <= set(REASONS)
    reasons = {r.text: r.reason for r in result.removals}
    assert {reasons[m] for m in marks.values()} == {"signature_mark"}
    assert "catchword" in reasons.values()


def test_hyphenated_words_are_rejoined_and_compounds_kept():
    """The document's own words are the evidence (`porte-parole` written whole further on); without any, a break
    before a lower-case letter is a hyphenation, before `il`, `être`, `ci`... a compound."""
    text = (
        "Il fut inter-\nrompu par le bruit de la rue, et le porte-\nparole se tut ; il fallait peut-\n"
        "être attendre. La chambre était bien tran-\nquille, dit-\nil encore. Le porte-parole sortit.\n"
    )
    result = strip_page_furniture(text)
    assert "interrompu" in result.text and "tranquille," in result.text
    assert "porte-parole" in result.text and "peut-être" in result.text and "dit-il" in result.text
    joins = [r for r in result.removals if r.reason == "hyphen_join"]
    assert joins[0].line == 1 and joins[0].text == "inter-rompu -> interrompu"
    assert result.pages == 0 and result.lines_removed == 0


def test_word_lists_decide_when_the_document_cannot():
    result = strip_page_furniture("Le chef de l'atelier était le porte-\nparole des ouvriers en grève.\n")
    assert "porte-parole\ndes ouvriers" in result.text
    result = strip_page_furniture("La séance fut inter-\nrompue par le président.\n")
    assert "interrompue\npar le président." in result.text


def test_a_word_and_a_paragraph_split_by_a_page_break_are_rejoined():
    rng = random.Random(9)
    first, second = body_lines(23, rng), body_lines(23, rng)
    pages = []
    for n in range(1, 9):
        lines = body_lines(24, rng)
        if n == 4:
            lines = first + ["la farine était inter-"]
        if n == 5:
            lines = ["rompue par le vent du soir"] + second
        pages.append("\n".join([f"{n} HISTOIRE DU PAIN" if n % 2 == 0 else f"LE BLÉ {n}", ""] + lines))
    result = strip_page_furniture("\n\f".join(pages))
    assert "la farine était interrompue\npar le vent du soir\n" in result.text  # no blank line: one paragraph


def test_body_numbers_and_titles_are_kept():
    """Years, list items, verse numbers, table cells and chapter titles look like furniture line by line."""
    traps = {
        2: ["1848", "La révolution éclata au printemps."],
        3: ["1.", "2.", "3.", "4."],
        4: ["1", "2", "3", "4", "5"],
        5: ["CHAPITRE XII", "", "Le moulin tournait encore."],
        6: [
            "Sous le pont coule la Seine",
            "Et nos amours",
            "Faut-il qu'il m'en souvienne",
            "La joie venait",
            "toujours après la peine",
            "5",
            "Vienne la nuit sonne l'heure",
            "10",
        ],  # fmt: skip
        7: ["Farine", "12", "14", "Sel", "3", "4"],
    }
    rng = random.Random(11)
    pages, body = [], []
    for n in range(1, 11):
        lines = traps.get(n, []) + body_lines(20, rng) if n != 5 else traps[5] + body_lines(20, rng)
        body += [t for t in lines if t]
        pages.append("\n".join(lines + ["", f"- {n + 100} -"]))
    result = strip_page_furniture("\n\f".join(pages))
    assert kept_lines(result.text) == body
    assert {r.reason for r in result.removals} <= {"page_number", "page_break", "form_feed"}


def test_chapter_title_opening_a_page_is_kept_while_its_running_copies_go():
    rng = random.Random(2)
    pages, body = [], []
    for n in range(1, 17):
        lines = body_lines(10 if n == 8 else 22, rng)  # chapter I ends on a short page 8; II opens page 9
        if n == 9:
            lines = ["II", ""] + lines
        head = [] if n in (1, 9) else ["LE MOULIN" if n % 2 == 0 else ("I" if n < 9 else "II"), ""]
        body += [t for t in lines if t]
        pages.append("\n".join(head + lines + ["", str(n)]))
    result = strip_page_furniture("\n\f".join(pages))
    assert kept_lines(result.text) == body


def test_text_that_is_not_paged_comes_back_unchanged():
    forum = (
        "Re: quel four pour le pain ?\n\nCiter\n\nBonjour à tous,\n\n1. Préchauffer le four à 250 °C.\n"
        "2. Enfourner 30 minutes.\n3. Laisser refroidir.\n\n12\n\nRépondre\n\nCiter\n\nMerci, ça marche !\n"
        "Page 2\n\nRépondre\n\nEn 1848 déjà on cuisait ainsi.\n\nPage 3\n"
    )
    result = strip_page_furniture(forum)
    assert result.text == forum and result.removals == [] and result.pages == 0
    article = "\n\n".join(" ".join(body_lines(6, random.Random(k))) for k in range(30))
    assert strip_page_furniture(article).text == article


def test_ocr_pages_flattened_to_one_line_each():
    rng = random.Random(4)
    fr, en = [], []
    for n in range(243, 253):
        text = " ".join(body_lines(30, rng)).replace("  ", " ")
        head = "CE QU'ON PEUT VOIR DANS UNE RUE."
        fr.append(f"{n} {head} {text}" if n % 2 == 0 else f"{head} {n} {text}")
        head = "THE FAMOUS HISTORY" if n % 2 == 0 else "OF FRYER BACON."
        en.append((f"{n} {head} {text}" if n % 2 == 0 else f"{head} {n} {text}", text))
    result = strip_page_furniture("\n".join(fr))
    assert result.text.count("CE QU'ON PEUT") == 0 and len(result.text.split("\n")) == 10
    assert {r.reason for r in result.removals} == {"running_header"}
    result = strip_page_furniture("\n".join(page for page, _ in en))
    assert result.text.split("\n") == [text for _, text in en]


def test_removals_name_the_input_lines():
    text = "Premier paragraphe du livre.\n\f- 2 -\nSuite.\n"
    result = strip_page_furniture(text)
    assert result.text.startswith("Premier")
    for r in result.removals:
        assert text.split("\n")[r.line - 1].replace("\f", "").strip() == r.text


@pytest.mark.parametrize("text", ["", "\f", "\n\n", "12", "\f\f\f", "-\n-", "a-\n"])
def test_never_fails(text):
    result = strip_page_furniture(text)
    assert isinstance(result.text, str)


def test_bad_option_is_refused():
    with pytest.raises(ValueError, match="inline_heads='maybe'"):
        strip_page_furniture("x", inline_heads="maybe")


PARMENTIER = Path(__file__).parents[4] / "shared/data/ocr_pages/parmentier_1778/book_raw_ocr.txt"


@pytest.mark.skipif(not PARMENTIER.exists(), reason="shared data (Parmentier OCR) not present")
def test_real_ocr_book_of_1778():
    text = PARMENTIER.read_text()
    result = strip_page_furniture(text)
    heads = [r for r in result.removals if r.reason == "running_header"]
    assert result.pages == 390 and len(heads) >= 320
    assert sum(r.reason == "signature_mark" for r in result.removals) >= 50


def _put(text: str, body: list[str], k: int, line: str) -> str:
    """`line` added to the body after its k-th line."""
    body.insert(k + 1, line)
    return text.replace(body[k] + "\n", f"{body[k]}\n{line}\n", 1)


@pytest.mark.parametrize("ff", [True, False], ids=["form_feeds", "no_form_feeds"])
def test_front_matter_in_roman_numerals_counting_on_into_arabic_ones(ff):
    """vij, viij, then [9], [1O]...: a roman run too short to be one of its own goes with the arabic run it leads
    into (or on from, `xvij` on the last page); a `vij` in the text of a later page stays."""
    printed = {2: "vij", 3: "viij", 5: "[1O]", 7: "[l2]", 12: "xvij"}
    text, body, furniture = book(pages=12, top=lambda n: printed.get(n, f"[{n + 5}]") if n > 1 else None, ff=ff)
    text = _put(text, body, 24 * 8 + 11, "vij")
    result = check(text, body, furniture)
    assert {r.text: r.reason for r in result.removals}["vij"] == "page_number"


@pytest.mark.parametrize("ff", [True, False], ids=["form_feeds", "no_form_feeds"])
def test_a_roman_numeral_in_the_text_of_the_page_before_an_arabic_run_stays(ff):
    """`viij` is the number the page before `[9]` should carry, but it is printed mid-page: not a page number."""
    text, body, furniture = book(pages=12, top=lambda n: f"[{n + 6}]" if n > 2 else None, ff=ff)
    text = _put(text, body, 24 + 11, "viij")
    check(text, body, furniture)


def test_a_chapter_numbered_i_before_page_2_stays():
    """Roman page numbers are printed in lower case: a capital `I` where page 1's number would be is a title."""
    text, body, furniture = book(pages=12, top=lambda n: str(n) if n > 1 else None)
    body.insert(0, "I")
    check("I\n\n" + text, body, furniture)


def test_signature_mark_and_catchword_on_one_line():
    """`B ij      sortent`: the mark centred and the catchword flush right on the last line of a page go; a page
    whose last line is a sentence ending with the next page's first word keeps it."""
    rng = random.Random(8)
    pages = [body_lines(20, rng) for _ in range(12)]
    pages[7][0] = "le " + pages[7][0]
    pages[6][-1] = "Elle marchait le long du chemin vers le"  # the next page opens with `le`, a sentence all the same
    marks = {1: "A", 3: "A ij", 5: "a iiij", 9: "B", 11: "B ij"}
    out, body, furniture = [], [], []
    for n, lines in enumerate(pages, start=1):
        page = [f"[{n + 10}]", ""] + lines
        furniture.append(page[0])
        body += [t for t in lines if t]
        if n in marks and n < len(pages):
            foot = f"{marks[n]}{' ' * 24}{pages[n][0].split()[0]}"
            page += ["", foot]
            furniture.append(" ".join(foot.split()))
        out.append("\n".join(page))
    result = strip_page_furniture("\n\f".join(out))
    assert kept_lines(result.text) == body
    reasons = {r.text: r.reason for r in result.removals}
    assert {reasons[f] for f in furniture if not f.startswith("[")} == {"signature_mark"}
