"""Where the pages are: form feeds when the extractor wrote them, else the run of page numbers itself.

Without form feeds, every short line that parses as a page number is a candidate, positioned by its character
offset; the typical distance between numbers n and n+1 gives the page length, and a run of at least four numbers
spaced by about one page length each (`fit_chains`) marks the page breaks. Text with no such run is not paged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fonderie.text.pages.inline import LONG_LINE, heads_after_numbers, inline_number
from fonderie.text.pages.numbers import (
    Fits,
    NumberCand,
    estimate_page_chars,
    fit_chains,
    fused_number,
    fuzzy_number,
    line_number,
    roman_ends,
    roman_value,
)

ZONE = 3  # non-blank lines at the top and at the bottom of a page where furniture is looked for
SHORT_LINE = 80
_DECOR = set("-—–_~=·•*«»<>:|()[]{}.,/ ")
_STRIP = ".,;:()[]{}-—–_~=·•*«»<>|/"


@dataclass
class Pages:
    """Pages as lists of their non-blank line indexes, and what is known of their numbers."""

    lines: list[list[int]]
    mode: str  # "form_feed" | "inferred" | "none"
    numbers: dict[int, NumberCand] = field(default_factory=dict)  # page -> its number, as printed
    expected: dict[int, int] = field(default_factory=dict)  # page -> the number it should carry
    page_chars: float | None = None
    breaks: list[tuple[float, int]] = field(default_factory=list)  # inferred: (offset, number) of unnumbered pages
    offsets: list[int] = field(default_factory=list)  # inferred mode: character offset of each line
    twins: list[NumberCand] = field(default_factory=list)  # second copies of a page's number on the same page


def split_form_feeds(lines: list[str]) -> list[list[int]]:
    """Non-blank line indexes of each page; a form feed starts a page; empty pages are dropped."""
    pages: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if "\f" not in line:
            if line.strip():
                pages[-1].append(i)
            continue
        parts = line.split("\f")
        placed = bool(parts[0].strip())
        if placed:
            pages[-1].append(i)
        for part in parts[1:]:
            pages.append([])
            if part.strip() and not placed:
                pages[-1].append(i)
                placed = True
    return [p for p in pages if p]


def zone(page: list[int]) -> list[int]:
    """The first and last ZONE non-blank lines of a page, in order, without repeats."""
    return page[:ZONE] + [i for i in page[-ZONE:] if i not in page[:ZONE]]


def number_of(text: str, line: int, pos: int, top_line: bool) -> NumberCand | None:
    if len(text) > LONG_LINE:
        return inline_number(text, line, pos) if top_line else None
    if len(text) > SHORT_LINE:
        return None
    words = text.strip(_STRIP + " ").split() or [""]
    ends = (words[0].strip(_STRIP), words[-1].strip(_STRIP))
    if not any(c.isdigit() for c in ends[0] + ends[1]) and not any(roman_value(w) for w in ends):
        return None  # the cheap test: most lines neither start nor end with a number
    return line_number(text, line, pos) or fused_number(text, line, pos)


def rescue(text: str, expected: int) -> str | None:
    """Where a misread page number sits in a short line: "whole", "start" or "end"; None if absent."""
    words = text.split()
    if not words or len(text) > SHORT_LINE:
        return None
    hits = [k for k, w in enumerate(words) if fuzzy_number(w, expected)]
    if not hits:
        return None
    rest = "".join(w for k, w in enumerate(words) if k != hits[0])
    if all(c in _DECOR for c in rest) or rest.lower().rstrip(".") in ("p", "page", "pag", "pg"):
        return "whole"
    return "start" if hits[0] == 0 else "end" if hits[0] == len(words) - 1 else None


def _expect(pages: Pages, n_pages: int) -> None:
    """Interpolate the number each page should carry between (and just beyond) the numbered ones."""
    known = sorted(pages.numbers.items())
    for (pa, a), (pb, b) in zip(known, known[1:], strict=False):
        if a.system == b.system and b.value - a.value == pb - pa:
            for p in range(pa + 1, pb):
                pages.expected[p] = a.value + p - pa
    if known:
        (p0, first), (p1, last) = known[0], known[-1]
        for d in (1, 2):
            if p0 - d >= 0 and first.value - d > 0:
                pages.expected[p0 - d] = first.value - d
            if p1 + d < n_pages:
                pages.expected[p1 + d] = last.value + d
    for p, c in pages.numbers.items():
        pages.expected[p] = c.value


def form_feed_pages(lines: list[str], clean: list[str]) -> Pages | None:
    """Pages split at form feeds, their numbers fitted to the page index; None if fewer than two pages."""
    split = split_form_feeds(lines)
    if len(split) < 2:
        return None
    pages = Pages(split, "form_feed")
    cands = []
    for p, nb in enumerate(split):
        for i in zone(nb):
            c = number_of(clean[i], i, p, i == nb[0])
            if c:
                cands.append(c)
    heads_after_numbers(cands, {c.line: clean[c.line] for c in cands})
    chains = fit_chains(cands, 3 if len(split) > 3 else 2)
    top = {i for nb in split for i in nb[:ZONE]}

    def fits(c: NumberCand, member: NumberCand) -> bool:
        return (c.line in top) == (member.line in top) and _lower(c, clean)

    for chain in _with_roman_ends(chains, cands, None, fits):
        pages.numbers.update({c.pos: c for c in chain})
    chosen = {id(c) for c in pages.numbers.values()}
    for c in cands:  # the same number printed twice on a page (at the head and at the foot)
        if id(c) not in chosen and c.pos in pages.numbers and pages.numbers[c.pos].value == c.value:
            pages.twins.append(c)
    _expect(pages, len(split))
    return pages


def inferred_pages(clean: list[str]) -> Pages:
    """Pages found from a regular run of page numbers in text without form feeds ("none" mode if there is none)."""
    offsets, pos = [], 0
    cands = []
    for i, text in enumerate(clean):
        offsets.append(pos)
        if text:
            c = number_of(text, i, pos, True)
            # without form feeds, a capital roman numeral alone is a chapter number (I, II, ...), not a page's
            if c and not (c.system == "roman" and c.where == "whole" and not text.islower()):
                cands.append(c)
        pos += len(text) + 1
    page_chars = estimate_page_chars(cands)
    chains = []
    if page_chars and 400 <= page_chars <= 8000:  # a printed page holds 1 to 5 thousand characters
        for chain in fit_chains(cands, 4, page_chars):
            styles = [("fused" if c.where in ("start", "end") else c.where, c.style, c.system) for c in chain]
            top = max(set(styles), key=styles.count)
            gaps = [(b.pos - a.pos) / (b.value - a.value) for a, b in zip(chain, chain[1:], strict=False)]
            regular = sum(0.75 * page_chars <= g <= 1.3 * page_chars for g in gaps)
            if styles.count(top) >= 0.6 * len(chain) and regular >= 0.6 * len(gaps):
                chains.append(chain)
        chains = _with_roman_ends(chains, cands, page_chars, lambda c, _: _lower(c, clean))
    nonblank = [i for i, t in enumerate(clean) if t]
    if not chains:
        return Pages([nonblank] if nonblank else [], "none")
    members = sorted((c for chain in chains for c in chain), key=lambda c: c.line)
    members, breaks = _fill_gaps(members, clean, offsets, page_chars)
    # pages before the first number and after the last one of a run (up to ten, up to the next run): their heads
    for chain in chains:
        first, last = chain[0], chain[-1]
        later = [c.pos for c in members if c.pos > last.pos]
        stop = min(later, default=pos) - 0.5 * page_chars
        breaks += [
            (last.pos + k * page_chars, last.value + k) for k in range(1, 11) if last.pos + k * page_chars < stop
        ]
        start = max([c.pos for c in members if c.pos < first.pos], default=0) + 0.5 * page_chars
        ahead = range(1, min(11, first.value))
        breaks += [(first.pos - k * page_chars, first.value - k) for k in ahead if first.pos - k * page_chars > start]
    breaks.sort()
    members = [c for k, c in enumerate(members) if k == 0 or c.line > members[k - 1].line]
    starts = [c.line for c in members]
    split, k = [[]], 0
    for i in nonblank:
        while k < len(starts) and i >= starts[k]:
            split.append([])
            k += 1
        split[-1].append(i)
    if not split[0]:
        split.pop(0)
    first_page = len(split) - len(members)
    pages = Pages(split, "inferred", page_chars=page_chars, breaks=breaks, offsets=offsets)
    pages.numbers = {first_page + k: c for k, c in enumerate(members)}
    heads_after_numbers(members, {c.line: clean[c.line] for c in members})
    _expect(pages, len(split))
    return pages


def _lower(c: NumberCand, clean: list[str]) -> bool:
    """Roman page numbers are printed in lower case (`vij`); a capital `I` or `IV` alone is a chapter's number."""
    return c.where != "whole" or clean[c.line].islower()


def _with_roman_ends(
    chains: list[list[NumberCand]], cands: list[NumberCand], page_chars: float | None, fits: Fits
) -> list[list[NumberCand]]:
    """The runs, each with the roman numerals that count on into it or from it (`roman_ends`)."""
    taken = {c.pos for chain in chains for c in chain}
    out = []
    for chain in chains:
        chain = roman_ends(chain, [c for c in cands if c.pos not in taken], page_chars, fits)
        taken.update(c.pos for c in chain)
        out.append(chain)
    return out


def _fill_gaps(members, clean, offsets, page_chars):
    """Look for the numbers missing from the run between two of its members: printed anywhere between them (a
    chapter's first page has its number at the foot when the others have it at the head), or misread by the OCR
    near where it should be. The offsets where a page still has no number (or two members one number apart stand
    two pages apart) are returned so that its head can be looked for there."""
    out, breaks = [members[0]], []
    for a, b in zip(members, members[1:], strict=False):
        dv = b.value - a.value
        for k in range(1, dv):
            want = a.pos + k * (b.pos - a.pos) / dv
            found = None
            for i in range(max(a.line, out[-1].line) + 1, b.line):
                c = number_of(clean[i], i, offsets[i], True) if 0 < len(clean[i]) <= SHORT_LINE else None
                if c and c.value == a.value + k and c.system == a.system and c.where != "inline":
                    found = c
                    break
            for i in range(max(a.line, out[-1].line) + 1, b.line) if found is None else ():
                where = (
                    abs(offsets[i] - want) <= 0.3 * page_chars
                    and len(clean[i]) <= 24
                    and rescue(clean[i], a.value + k)
                )
                if where:
                    found = NumberCand(i, a.value + k, a.system, where, offsets[i])
                    break
            if found:
                out.append(found)
            else:
                breaks.append((want, a.value + k))
        out.append(b)
    # a member whose number was misread as the next one (`xv` printed for xiv) hides a page: two numbers one apart
    # stand two page lengths apart; that page's head is looked for one page length after the first
    for a, b in zip(out, out[1:], strict=False):
        if b.value - a.value == 1 and round((b.pos - a.pos) / page_chars) >= 2:
            breaks.append((a.pos + page_chars, a.value))  # a printed one too many: the hidden page is its number
    return out, breaks
