"""Paginate a plain-text book the way PDF extractors print it, and remember which words are page furniture.

`paginate(paragraphs, title, author, layout, seed)` wraps the paragraphs into lines (hyphenating words at line
ends, and breaking compounds at their own hyphen), starts each chapter on a new page, cuts pages, and adds the
furniture of `layout`: page numbers in one style (`12`, `- 12 -`, `Page 12`, `[12]`, ...), running heads (one head,
or the book's title on even pages and the chapter's, or the author's, on odd ones), numbers fused with heads,
roman-numbered front matter, OCR misreadings of numbers and heads, missing numbers, with or without form feeds.
It returns the text, the same text as (line, label) rows (`body`, `furniture` or `blank`), and the words split at
a line end with how they should be rejoined.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_LETTERS = re.compile(r"^[^\W\d_]+[,.;:!?»)]*$")
_COMPOUND = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)+[,.;:!?»)]*$")
_HEADING = re.compile(
    r"^(?:[IVXLC]+(?:[ .]|$)|chapitre|CHAPITRE|Chapitre|livre|LIVRE|Livre|.{0,3}partie|[A-Z][A-Z ]+$)"
)
_VOWELS = set("aeiouyàâéèêëîïôûùœæ")
_OCR_DIGITS = {"1": "lI", "0": "O", "5": "S", "8": "B"}
_OCR_LETTERS = {"E": "F", "L": "I", "U": "V", "A": "Â", "O": "Q", "R": "K", "I": "l", "N": "H", "C": "G", "S": "5"}


@dataclass(frozen=True)
class Layout:
    name: str
    number: str = "{n}"  # page number format ({n}, {total}); "" for no numbers
    number_at: str = "bottom"  # "top" (own line under the head), "bottom", "head" (fused with the running head)
    heads: str = "none"  # "none", "title" (same head on every page), "alternate" (title / chapter)
    form_feed: bool = True
    width: int = 62
    lines: int = 34
    blank_paragraphs: bool = True
    roman_front: int = 0  # first pages numbered i, ii, iii...
    ocr: float = 0.0  # chance that a page's number or head is misread
    missing: float = 0.0  # chance that a page's number is not printed


LAYOUTS = [
    Layout("ff_plain_bottom"),
    Layout("ff_dash_bottom_title", number="- {n} -", heads="title"),
    Layout("ff_fused_alternate", number_at="head", heads="alternate", roman_front=6),
    Layout("ff_emdash_top_alternate", number="— {n} —", number_at="top", heads="alternate", blank_paragraphs=False),
    Layout("noff_page_word", number="Page {n}", heads="alternate", form_feed=False),
    Layout("noff_fused_ocr", number_at="head", heads="alternate", form_feed=False, ocr=0.25, missing=0.08),
    Layout("noff_brackets_front", number="[{n}]", form_feed=False, roman_front=8, width=70, lines=40),
    Layout("ff_total_ocr", number="{n}/{total}", heads="title", ocr=0.3, missing=0.1),
    Layout("noff_parens_noblank", number="({n})", heads="title", form_feed=False, blank_paragraphs=False),
    Layout("ff_p_dot_top", number="p. {n}", number_at="top", heads="none", lines=28, width=55),
    Layout("noff_plain_missing", form_feed=False, missing=0.15, heads="alternate", ocr=0.15),
]


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
                 (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
        while n >= v:
            out, n = out + s, n - v
    return out


def _hyphen_point(word: str) -> int:
    """Split index of a word: after a vowel followed by a consonant, near the middle, 3+ letters each side."""
    letters = len(word.rstrip(",.;:!?»)"))
    best = None
    for i in range(3, letters - 2):
        if word[i - 1].lower() in _VOWELS and word[i].lower() not in _VOWELS:
            if best is None or abs(i - letters / 2) < abs(best - letters / 2):
                best = i
    return best or 0


def wrap(paragraph: str, width: int, hyphenate: bool, splits: list[tuple[str, str]]) -> list[str]:
    """Greedy wrap; a word that overflows is hyphenated (or broken at its compound hyphen) when it allows."""
    lines, cur = [], ""
    for word in paragraph.split():
        if not cur:
            cur = word
            continue
        if len(cur) + 1 + len(word) <= width:
            cur += " " + word
            continue
        room = width - len(cur) - 2
        if hyphenate and _COMPOUND.match(word) and 0 < word.index("-") < room:
            cut = word.rindex("-", 0, room + 1)
            lines.append(cur + " " + word[: cut + 1])
            splits.append((word.rstrip(",.;:!?»)"), "compound"))
            cur = word[cut + 1 :]
            continue
        if hyphenate and _LETTERS.match(word) and len(word) >= 7:
            cut = _hyphen_point(word)
            if 3 <= cut <= room - 1:
                lines.append(cur + " " + word[:cut] + "-")
                splits.append((word.rstrip(",.;:!?»)"), "hyphenation"))
                cur = word[cut:]
                continue
        lines.append(cur)
        cur = word
    if cur:
        lines.append(cur)
    return lines


def _misread(text: str, rng: random.Random, digits: bool) -> str:
    table = _OCR_DIGITS if digits else _OCR_LETTERS
    spots = [i for i, c in enumerate(text) if c in table]
    for i in rng.sample(spots, min(len(spots), 1 if digits else 2)):
        text = text[:i] + rng.choice(table[text[i]]) + text[i + 1 :]
    return text


def paginate(paragraphs: list[str], title: str, author: str, layout: Layout, seed: int = 0):
    """(text, rows, splits) of a paginated book; see the module docstring."""
    rng = random.Random(seed)
    splits: list[tuple[str, str]] = []
    pages: list[tuple[list[tuple[str, str]], bool, str]] = []  # (body rows, opens a chapter, chapter title)
    chapter, rows = title, []
    for para in paragraphs:
        heading = (
            len(para) <= 60
            and not para.rstrip().endswith((".", "!", "?", ",", ";", "»"))
            and bool(_HEADING.match(para))
        )
        if heading and rows:
            pages.extend(_cut(rows, layout.lines, chapter))
            rows = []
        if heading:
            chapter = para.strip()
        lines = wrap(para, layout.width, True, splits)
        rows.extend((line, "body") for line in lines)
        if layout.blank_paragraphs:
            rows.append(("", "blank"))
    pages.extend(_cut(rows, layout.lines, chapter))
    total = len(pages) - layout.roman_front
    out: list[tuple[str, str]] = []
    for k, (body, opens, chap) in enumerate(pages):
        n = _roman(k + 1) if k < layout.roman_front else str(k - layout.roman_front + 1)
        num = layout.number.format(n=n, total=total) if layout.number else ""
        if num and rng.random() < layout.ocr and n.isdigit():
            num = _misread(num, rng, True)
        if rng.random() < layout.missing:
            num = ""
        head = ""
        if layout.heads != "none" and not opens:
            # verso: the book's title; recto: the chapter's, or the author's name when the chapter has only a number
            recto = chap if re.search(r"[^\W\d_]{3,}", re.sub(r"^[IVXLC]+\b", "", chap)) else author
            head = title if layout.heads == "title" or k % 2 == 0 else recto
            head = head.upper()
            if rng.random() < layout.ocr:
                head = _misread(head, rng, False)
        top: list[str] = []
        bottom: list[str] = []
        if layout.number_at == "head" and head:
            top.append((f"{num}    {head}" if k % 2 == 0 else f"{head}    {num}").strip())
        else:
            if head:
                top.append(head)
            if num and layout.number_at == "top" and not opens:
                top.append(num)
            elif num:
                bottom.append(num)
        page = [(t, "furniture") for t in top] + ([("", "blank")] if top else [])
        page += body + ([("", "blank")] if bottom else []) + [(b, "furniture") for b in bottom]
        if k and layout.form_feed:
            page[0] = ("\f" + page[0][0], page[0][1])
        elif k and not layout.form_feed:
            page.insert(0, ("", "blank"))
        out.extend(page)
    text = "\n".join(t for t, _ in out) + "\n"
    return text, out, splits


def _cut(rows: list[tuple[str, str]], size: int, chapter: str):
    pages, first = [], True
    while rows:
        while rows and rows[0][1] == "blank":
            rows = rows[1:]
        if rows:
            pages.append((rows[:size], first, chapter))
            rows, first = rows[size:], False
    return pages
