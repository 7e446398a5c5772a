"""Running headers and footers: short lines that come back at the same place, page after page.

Lines at the top and bottom of each page are compared by their letters only (case, accents, digits and punctuation
dropped), with an edit-distance ratio so that OCR misspellings (`BOULANGER`, `BOVIANGER`, `BouzANGER`) still match.
Lines that match on nearby pages (running heads alternate between even and odd pages, and chapter heads change every
few dozen pages) form a cluster; a cluster is furniture when it is seen on enough pages and rarely in the body.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from fonderie.text.pages.numbers import parse_number

_NOT_LETTER = re.compile(r"[^A-Z]")
LINK_RATIO = 0.7  # two heads on nearby pages are the same head
EXTEND_RATIO = 0.5  # a line where a known head is expected, misspelled by the OCR


@dataclass
class HeadCand:
    page: int
    line: int
    zone: str  # "top" | "bottom"
    key: str
    end: int | None = None  # characters of the line taken by an inline head (None: the whole line)
    numbered: bool = False  # the line also holds this page's number
    tag: str = ""  # roman_tag of the line
    odd: int = 0  # the page's number is odd (its index when the number is unknown)


def ratio(a: str, b: str) -> float:
    """1 - edit distance / longer length (1.0 for equal strings)."""
    if not a or not b:
        return 0.0
    if min(len(a), len(b)) < 0.5 * max(len(a), len(b)):
        return 0.0
    return 1.0 - Levenshtein.distance(a, b) / max(len(a), len(b))


_DIGIT_WORD = re.compile(r"\S*\d\S*")


def _numeric(match: re.Match) -> str:
    """A word that is mostly digits goes (`12`, `T12`, `z3`); a word with a misread letter stays (`KALBRI5`)."""
    word = match.group()
    return " " if 2 * sum(c.isdigit() for c in word) >= sum(c.isalnum() for c in word) else word


def head_key(text: str) -> str:
    """Letters only, upper case, accents dropped; words of digits and a lower-case roman numeral at either end are
    dropped (`12 LES MISÉRABLES` → LESMISERABLES, `INTRODUCTION. xxj` → INTRODUCTION)."""
    text = _DIGIT_WORD.sub(_numeric, text)
    words = text.split()
    if len(words) > 1:
        for k in (-1, 0):
            w = words[k].strip(".,;:")
            if w.islower() and parse_number(w):
                words.pop(k)
        text = " ".join(words)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
    return _NOT_LETTER.sub("", text.upper())


def roman_tag(text: str) -> str:
    """The capital roman numerals of a line (`CHAPITRE XII` → XII): heads that differ only there are different
    lines (chapter twelve's title is not chapter thirteen's), so heads must agree on them to match."""
    return " ".join(w for w in (t.strip(".,;:()[]—-") for t in text.split()) if w.isupper() and parse_number(w))


def cluster_heads(cands: list[HeadCand], min_pages: int, body_keys) -> list[list[HeadCand]]:
    """Clusters of candidates that match on pages at most 4 apart, kept when found on `min_pages` pages or more,
    on at least a quarter of the pages they span, and at least twice as often at page edges as in the body
    (`body_keys(key)`: how many lines away from the page edges have that key)."""
    parent = list(range(len(cands)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(cands)), key=lambda i: cands[i].page)
    grams = [{k[i : i + 2] for i in range(len(k) - 1)} for k in (c.key for c in cands)]
    for n, i in enumerate(order):
        a = cands[i]
        for j in order[n + 1 :]:
            b = cands[j]
            if b.page > a.page + 4:
                break
            if b.page == a.page or b.zone != a.zone or b.tag != a.tag or find(i) == find(j):
                continue
            # cheap bounds first: an edit changes the length by one at most and destroys two letter pairs at most
            la, lb = len(a.key), len(b.key)
            edits = int((1 - LINK_RATIO) * max(la, lb))
            if abs(la - lb) > edits or len(grams[i] & grams[j]) < min(len(grams[i]), len(grams[j])) - 2 * edits:
                continue
            if ratio(a.key, b.key) >= LINK_RATIO:
                parent[find(j)] = find(i)
    groups: dict[int, list[HeadCand]] = {}
    for i, c in enumerate(cands):
        groups.setdefault(find(i), []).append(c)
    kept = []
    for members in _merge([g for g in groups.values() if len({c.page for c in g}) >= 2]):
        pages = {c.page for c in members}
        span = max(pages) - min(pages) + 1
        in_body = sum(body_keys(k) for k in {c.key for c in members})
        if len(pages) >= min_pages and len(pages) * 4 >= span and in_body * 2 <= len(members):
            kept.append(sorted(members, key=lambda c: c.line))
    return kept


def _merge(groups: list[list[HeadCand]]) -> list[list[HeadCand]]:
    """Join clusters of the same head that a run of badly misread pages (or of pages without heads) split apart."""
    merged: list[tuple[str, str, int, list[HeadCand]]] = []
    for members in sorted(groups, key=lambda g: min(c.page for c in g)):
        head, where = medoid(members), members[0].zone
        parity, first = cluster_parity(members), min(c.page for c in members)
        for m in merged:
            near = first - max(c.page for c in m[3]) <= 12
            similar = ratio(m[0], head)
            if m[1] == where and m[2] == parity and (similar >= 0.95 or near and similar >= 0.8):
                m[3].extend(members)
                break
        else:
            merged.append((head, where, parity, members))
    return [m[3] for m in merged]


def cluster_parity(members: list[HeadCand]) -> int:
    """0 or 1 when the head is printed on even or odd pages only, -1 when on both."""
    pages = {c.page: c.odd for c in members}
    odd = sum(pages.values())
    return 1 if odd >= 0.8 * len(pages) else 0 if odd <= 0.2 * len(pages) else -1


def medoid(members: list[HeadCand]) -> str:
    """The member key closest to all others (the head as printed, when the OCR misspelled most copies)."""
    keys = [c.key for c in members][:40]
    return max(set(keys), key=lambda k: (sum(ratio(k, o) for o in keys), keys.count(k)))


def expected_pages(members: list[HeadCand], odd: list[int]) -> set[int]:
    """Pages where a cluster's head should be: every page of its span, or every other one when it alternates
    (`odd`: each page's parity)."""
    pages = sorted({c.page for c in members})
    parity = cluster_parity(members) if len(pages) >= 3 else -1
    lo, hi = max(0, pages[0] - 2), min(len(odd) - 1, pages[-1] + 2)
    if parity >= 0:
        return {p for p in range(lo, hi + 1) if odd[p] == parity}
    return set(range(max(0, pages[0] - 1), min(len(odd) - 1, pages[-1] + 1) + 1))


def matches_head(key: str, head: str, holds_number: bool) -> bool:
    """A line where a head is expected is that head if close enough, or closer still when it holds the page number."""
    if not key:
        return holds_number
    r = ratio(key, head) if len(key) <= 2 * len(head) + 4 else 0.0
    return r >= EXTEND_RATIO or (holds_number and (r >= 0.3 or len(key) <= len(head) + 4))
