"""A document's pages as the furniture decisions see them: their edges, chapter openings, titles."""

from __future__ import annotations

import bisect
import re

from fonderie.text.pages.heads import HeadCand, cluster_parity, head_key, medoid, ratio
from fonderie.text.pages.layout import Pages
from fonderie.text.pages.numbers import NumberCand

REASON = {"top": "running_header", "bottom": "running_footer"}
_TERMINAL = tuple('.!?…»"”)')
_DASHES = {"-", "--", "—", "–", "·", "|"}


def _junk(text: str) -> bool:
    """A line with no letter nor digit (OCR specks, rules)."""
    return not any(c.isalnum() for c in text)


def _bare(text: str, head: str) -> bool:
    """Whether a line is its head alone: no word with digits or symbols, no extra letters (`LE PARFAIT`, or the OCR's
    `BOULANG ER.`, but not `70 LE PARFAIT`, `xo LE PARFAIT` nor `& LE PARFAIT`)."""
    words = [re.sub(r"['’-]", "", w.strip(".,;:")) for w in text.split() if w not in _DASHES]
    return all(w.isalpha() for w in words) and len(head_key(text)) < len(head) + 2


def _keys(line: str) -> list[str]:
    """Keys of a line, and of the line without its last word when that is short: OCR debris of a page number that
    did not parse (`BourancER rég`)."""
    words = line.split()
    keys = [head_key(line)]
    if len(words) > 1 and len(words[-1]) <= 5:
        keys.append(head_key(" ".join(words[:-1])))
    return keys


def _prose(text: str) -> bool:
    """A line of running text (eight words or more, nearly all in lower case), which a head never is."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return len(words) >= 8 and sum(w[0].islower() for w in words) >= 0.75 * len(words)


def _upper_share(texts: list[str]) -> float:
    letters = [c for t in texts for c in t if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


class PageView:
    """The pages of one document and what has been decided so far: `removed` {line: reason} for whole lines, `cuts`
    {line: (chars, reason)} for heads at the start of a long line, `numbered` {line: page number it holds}."""

    def __init__(self, pages: Pages, clean: list[str]):
        self.pages, self.clean = pages, clean
        self.removed: dict[int, str] = {}
        self.cuts: dict[int, tuple[int, str]] = {}
        self.numbered: dict[int, NumberCand] = {}
        self.headings: set[int] = set()  # lines like a head, kept as a chapter's own title
        self._near: dict[int, list[int]] | None = None  # page -> lines where an unnumbered page should start
        self._around: set[int] = set()
        self.n = len(pages.lines)
        self.page_of = {i: p for p, nb in enumerate(pages.lines) for i in nb}
        self.upper_half = {i for nb in pages.lines for i in nb[: (len(nb) + 1) // 2]}
        self.odd = [pages.expected[p] % 2 if p in pages.expected else p % 2 for p in range(self.n)]
        self.median_lines = sorted(len(nb) for nb in pages.lines)[self.n // 2] if self.n else 0
        self.median_span = sorted(nb[-1] - nb[0] + 1 for nb in pages.lines if nb)[self.n // 2] if self.n else 0

    def _edges(self, p: int, where: str, k: int = 2) -> list[int]:
        nb = [i for i in self.pages.lines[p] if i not in self.removed and i not in self.cuts]
        return nb[:k] if where == "top" else nb[-k:]

    def edge_line(self, p: int, where: str) -> list[int]:
        """The line at page p's edge, past OCR specks: its first line of text, or its last one ([] if none)."""
        lines = [i for i in self._edges(p, where, 3) if not _junk(self.clean[i])]
        return lines[:1] if where == "top" else lines[-1:]

    def _full(self, p: int) -> bool:
        """Whether page p holds a page of text (not a title page, a part title, a plate)."""
        return len(self.pages.lines[p]) >= 0.4 * self.median_lines

    def _opening(self, p: int) -> bool:
        """Whether page p opens a chapter: the page before it is short and ends a paragraph (the previous chapter's
        last page)."""
        if p == 0:
            return False
        prev = self.pages.lines[p - 1]
        body = [i for i in prev if i not in self.removed and not _junk(self.clean[i])]
        last = self.clean[body[-1]] if body else ""
        # the page ends a paragraph, or with a title (`Deuxième partie`)
        ends = len(body) <= 3 or last.endswith(_TERMINAL) or len(last) <= 40 and last[:1].isupper()
        return ends and prev[-1] - prev[0] + 1 < 0.9 * self.median_span

    def _between_paragraphs(self, line: int) -> bool:
        """Whether a line stands between the end of a paragraph and the start of another, as a title does (a running
        head mostly falls in the middle of a paragraph)."""
        before = [i for i in range(max(0, line - 8), line) if self.clean[i] and i not in self.removed]
        after = [i for i in range(line + 1, min(len(self.clean), line + 8)) if self.clean[i] and i not in self.removed]
        if not after:
            return False
        ends = not before or self.clean[before[-1]].endswith(_TERMINAL)
        nxt = self.clean[after[0]]
        return ends and (nxt[:1].isupper() or nxt[:1] in '—–-«"“')

    def _chapter_heading(self, line: int, numbered: bool, head: dict) -> bool:
        """Whether a copy of a head is a chapter's own title (a chapter titled `III` has `III` as running head).

        It must be bare (the head alone, no number) at the top of a page that has no number fused with a head, with
        no copy of the head removed on the four pages before (a chapter's title comes before its running heads),
        and the page must open a chapter, or lie on the other parity than an alternating head, or the head be
        otherwise printed with the number (`LE PARFAIT` opening the first chapter of a book headed `2 LE PARFAIT`).
        """
        if numbered or head["where"] != "top" or not _bare(self.clean[line], head["key"]):
            return False
        p = self.page_of[line]
        number = self.pages.numbers.get(p)
        if number is not None and number.where != "whole" and number.line in self.upper_half:
            return False
        if any(q in head["removed_pages"] for q in range(p - 4, p)):
            return False  # a head removed on the pages just before: this is the same head again
        if head.get("book_wide"):
            # a head on most pages of the whole book is the book's own (title, author): even where its first copy
            # seems to open a chapter (after a short page), it is that head again, not a chapter's title
            return False
        top = [i for i in self._edges(p, "top", 3) if not _junk(self.clean[i])]
        if line not in top:  # inside an inferred page, where an unnumbered page starts
            return self._between_paragraphs(line)
        if self._opening(p) or head["parity"] >= 0 and self.odd[p] != head["parity"]:
            return line in top[:2]
        return head["share"] >= 0.6 and line == top[0] or self._between_paragraphs(line)

    def whole_titles(self, clusters: list[list[HeadCand]]) -> set[int]:
        """Lines that print the book's title whole: a bare copy of the head of one parity, then, on the next line
        but one at most, a bare copy of the head of the other (`LE PARFAIT` / `BOULANGER` over the first chapter,
        where the running heads split the title between the pages of each spread)."""
        halves = [
            (medoid(m), cluster_parity(m)) for m in clusters if m[0].zone == "top" and all(c.end is None for c in m)
        ]
        halves = [(h, parity) for h, parity in halves if parity >= 0]
        if len({parity for _, parity in halves}) < 2:
            return set()

        def half(i: int) -> set[int]:
            text = self.clean[i]
            return {parity for h, parity in halves if _bare(text, h) and ratio(head_key(text), h) >= 0.8}

        titles = set()
        for i in sorted({c.line for m in clusters for c in m}):
            below = [j for j in range(i + 1, min(len(self.clean), i + 4)) if self.clean[j]][:1]
            below = [j for j in below if self.page_of.get(j) == self.page_of.get(i)]
            if below and (first := half(i)) and (second := half(below[0])) and len(first | second) == 2:
                titles |= {i, below[0]}
        return titles

    def _break_lines(self, p: int | None = None) -> list[int]:
        """Inferred pages: the short lines within half a page of where an unnumbered page should start; for page p,
        only the four nearest to each such place (candidates for the head clusters); all of them when p is None."""
        if self._near is None:
            self._near, self._around = {}, set()
            offsets, reach = self.pages.offsets, self.pages.page_chars
            for at, _ in self.pages.breaks:
                lo, hi = bisect.bisect_left(offsets, at - 0.5 * reach), bisect.bisect_right(offsets, at + 0.5 * reach)
                near = [i for i in range(lo, hi) if self.clean[i] and len(self.clean[i]) <= 60]
                self._around.update(near)
                near = [i for i in near if abs(offsets[i] - at) <= 0.3 * reach]
                for i in sorted(near, key=lambda i: abs(offsets[i] - at))[:4]:
                    self._near.setdefault(self.page_of[i], []).append(i)
        return sorted(self._around) if p is None else self._near.get(p, [])

    def near_break(self, i: int) -> int | None:
        """Inferred pages: the number of the unnumbered page that should start within half a page of line i."""
        if not self.pages.breaks:
            return None
        at, reach = self.pages.offsets[i], 0.5 * self.pages.page_chars
        k = bisect.bisect_left(self.pages.breaks, (at, 0))
        near = [b for b in self.pages.breaks[max(0, k - 1) : k + 1] if abs(b[0] - at) <= reach]
        return min(near, key=lambda b: abs(b[0] - at))[1] if near else None
