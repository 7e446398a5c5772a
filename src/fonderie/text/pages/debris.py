"""OCR debris of furniture: heads and page numbers misread past matching their copies (`TwrropuertoN. x` for
`INTRODUCTION. xxxvij`, `BoursNEE R vôg` for `BOULANGER 105`, `adix` for `xlix`).

No copy elsewhere in the book matches them, so only where they stand can tell: at the edge of a page where the book
prints a head, on a page where none was found. There a short line is such debris when it is no text: few of its
words are words (of the document, written three times or more, or of the word list of its language), and it does
not end a sentence (a paragraph's last words, `farine.`, can stand alone at the top of a page; a head misread has
capitals inside its words, `BovrANcEx`, and no full stop to end it, or both).
"""

from __future__ import annotations

import re
from collections import Counter

from rapidfuzz.distance import Levenshtein

from fonderie.text.pages.heads import HeadCand, expected_pages, medoid, ratio
from fonderie.text.pages.hyphen import lexicon
from fonderie.text.pages.layout import ZONE
from fonderie.text.pages.numbers import fuzzy_number, parse_number, to_roman
from fonderie.text.pages.view import REASON, PageView, _keys

_STRIP = ".,;:!?()[]{}«»\"'“”‘’*-—–_=/\\|<>#&$%°~^`"
_TERMINAL = tuple(".!?…»")
_INNER_CAP = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ]|[A-ZÀ-Þ]{2}[a-zà-ÿ]")  # `BovrANcEx`, `INrropucTion`
_LEADER = re.compile(r"(?:\.\s?){4,}|…\s?…")
HEAD_RATIO = 0.5  # a misread head still shares half its letters, in order, with the head
NUMBERED_RATIO = 0.4  # less when the line also holds what is left of the page number (`TwrropuertoN. x`)


def leader(text: str) -> bool:
    """A line of a table of contents (`INTRODUCTION ........ page j`): its dot leader is never in a head."""
    return bool(_LEADER.search(text))


def _tokens(text: str) -> list[str]:
    return [t for t in (w.strip(_STRIP) for w in text.split()) if t]


class Words:
    """Which tokens are words: the document's own (written three times or more in its lines of text, however
    spelled: `eft`, `fon` in OCR of books printed with the long s) or its language's, from the word list that knows
    most of the document's frequent words (a French book is not checked against English, where `w`, `ch` and `r`
    are words). A token with a capital inside (`BovrANcEx`, `xI`) is OCR of capitals, never a word."""

    def __init__(self, clean: list[str], languages: tuple[str, ...]):
        self._clean, self._languages = clean, languages
        self._counts: Counter | None = None
        self._lexicon: frozenset[str] | dict | None = None

    @property
    def counts(self) -> Counter:
        if self._counts is None:  # counted when a line first needs it: most documents never do
            # lines of text only: short lines are where heads are, misread the same way again and again (`Bourancer`)
            self._counts = Counter(t.lower() for line in self._clean if len(line) > 45 for t in _tokens(line))
        return self._counts

    def lexicon(self) -> frozenset[str] | dict:
        if self._lexicon is None:
            frequent = [w for w, n in self.counts.most_common(400) if n >= 3 and w.isalpha()]
            lexicons = [lexicon(lang) for lang in self._languages]
            self._lexicon = max(lexicons, key=lambda lex: sum(w in lex for w in frequent), default=frozenset())
        return self._lexicon

    def kind(self, token: str) -> str:
        """ "number" (digits, a lower-case roman numeral: a page number, however misread), "roman" (upper case: a
        chapter's number, neither word nor debris), "word" or "other"."""
        if any(c.isdigit() for c in token):
            return "number"
        parsed = parse_number(token)
        if parsed and token.islower():
            return "number"
        if parsed and token.isupper():
            return "roman"
        if _INNER_CAP.search(token):
            return "other"
        low = token.lower()
        bare = re.split(r"['’]", low)[-1]
        if self.counts[low] >= 3 or low in self.lexicon() or bare and bare in self.lexicon():
            return "word"
        return "other"

    def known(self, token: str) -> bool:
        return self.kind(token) == "word"

    def debris(self, text: str) -> bool:
        """A short line that is no text: four tokens at most, fewer than half of them words, and it does not end a
        sentence, unless it shows a head misread: capitals inside its words (`xI INrropucTion.`), or a number at one
        end (`xx Imrrépuorton.`)."""
        tokens = _tokens(text)
        if not tokens or len(tokens) > 4 or len(text) > 45:
            return False
        kinds = [self.kind(t) for t in tokens]
        rest = [k for k in kinds if k != "roman"]
        if not rest or 2 * rest.count("word") >= len(rest):
            return False
        ends = "number" in (kinds[0], kinds[-1])
        return not text.rstrip().endswith(_TERMINAL) or ends or bool(_INNER_CAP.search(text))


def head_debris(text: str, heads: list[str], words: Words, keys: list[str], want: int | None = None) -> bool:
    """Whether a line where one of `heads` (letter keys) is expected is that head misread: debris (`Words.debris`)
    that shares enough letters with it (`keys`: the line's keys, with and without its last short word), or that
    holds the page's number `want` at one end, misread (`xeaviij Juznenverron,` on page 38)."""
    if leader(text) or not words.debris(text):
        return False
    tokens = _tokens(text)
    if want is not None and (held(tokens[0], want) or held(tokens[-1], want)):
        return True
    numbered = words.kind(tokens[0]) == "number" or words.kind(tokens[-1]) == "number"
    best = max((ratio(k, h) for k in keys for h in heads), default=0.0)
    return best >= HEAD_RATIO or numbered and best >= NUMBERED_RATIO


def held(token: str, want: int) -> bool:
    """Whether a token is page number `want` misread: in arabic figures (`fuzzy_number`), or in roman numerals with
    one letter in three wrong at most (`xeaviij` for xxxviij, `xxxx` for xxxix; the printer's final i is a j)."""
    if fuzzy_number(token, want):
        return True
    low = token.lower()
    if not low.isalpha() or len(low) < 3:
        return False
    roman = to_roman(want)
    return any(Levenshtein.distance(low, form) <= len(form) // 3 for form in {roman, roman[:-1] + "j"})


def number_debris(text: str, words: Words) -> bool:
    """Whether a line at a page edge where the book prints its numbers is one misread (`adix`, `Ej`, `w`): a single
    bare token of one to six letters or digits, not a word."""
    tokens = text.split()
    if len(tokens) != 1 or not 1 <= len(text) <= 6 or not text.isalnum():
        return False
    return words.kind(text) in ("number", "other") and not text.isdigit()


def roman_like(text: str) -> bool:
    """A lower-case token of three letters or more, four in five of them roman numerals' (`xivif` for xlvij): a
    roman page number misread, where a chapter's title, alone over its first page, is a word in capitals."""
    return (
        len(text) >= 3
        and text.isalpha()
        and text.islower()
        and 5 * sum(c in "ivxlcdmj" for c in text) >= 4 * len(text)
    )


_FURNITURE = {"running_header", "running_footer", "page_number"}


def edge_debris(view: PageView, clusters: list[list[HeadCand]], words: Words) -> None:
    """Furniture misread past matching its copies, on the pages where none was found at an edge that carries it.

    A head misread (`head_debris`) where a cluster's head is expected (every page of its span, or every other one);
    at the top of pages in a book that prints furniture at the top of most pages, a page number misread
    (`number_debris`), but for a page that opens a chapter (its one word is the title, `PREFAG`) unless the word is
    roman numerals misread (`roman_like`). A line that goes on
    with a word hyphenated at the end of the page before is text.
    """
    full = [p for p in range(view.n) if view._full(p)]
    for where in ("top", "bottom"):
        own = [m for m in clusters if m[0].zone == where and all(c.end is None for c in m)]
        slots = [(medoid(m), expected_pages(m, view.odd)) for m in own]
        found = {p for p in range(view.n) if _has_furniture(view, p, where)}
        numbered = where == "top" and full and sum(p in found for p in full) >= 0.6 * len(full)
        for p in range(view.n):
            heads = [head for head, pages in slots if p in pages]
            if p in found or not heads and not numbered:
                continue
            edge = view.edge_line(p, where)
            if not edge or edge[0] in view.headings or where == "top" and _goes_on(view, p):
                continue
            text = view.clean[edge[0]]
            want = _want(view, p)
            if heads and head_debris(text, heads, words, _keys(text), want):
                view.removed[edge[0]] = REASON[where]
            elif numbered and (not view._opening(p) or roman_like(text)) and number_debris(text, words):
                view.removed[edge[0]] = REASON[where]  # over a chapter, a word is its title (`PREFAG`)


def _want(view: PageView, p: int) -> int | None:
    """The number page p should carry: as expected from the runs of numbers, or counted from a page at most two
    pages away that prints its own (where a run breaks off: `xxxvj`, then pages misread past parsing)."""
    if p in view.pages.expected:
        return view.pages.expected[p]
    numbers = view.pages.numbers
    near = [(abs(d), numbers[p + d].value + (-d)) for d in (-2, -1, 1, 2) if p + d in numbers]
    return min(near)[1] if near and min(near)[1] > 0 else None


def _has_furniture(view: PageView, p: int, where: str) -> bool:
    """Whether a head or a number was found among the ZONE lines at that edge of page p."""
    nb = view.pages.lines[p]
    zone = nb[:ZONE] if where == "top" else nb[-ZONE:]
    return any(view.removed.get(i) in _FURNITURE or i in view.cuts for i in zone)


def _goes_on(view: PageView, p: int) -> bool:
    """Whether the page before p ends with a word hyphenated across the break (its last line, or the one above a
    short last line: a signature mark may stand under the text)."""
    before = [i for i in view.pages.lines[p - 1] if i not in view.removed] if p else []
    if len(before) >= 2 and len(view.clean[before[-1]]) <= 8:
        before.pop()
    return bool(before) and view.clean[before[-1]].endswith("-")
