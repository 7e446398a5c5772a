"""Running heads inside a line: OCR pages flattened to one line each (`246 CE QU'ON PEUT VOIR DANS UNE RUE. homme.`).

There the head is a prefix of the page's only line, so its end must be found: it is the page number when the head
comes first (`OF FRYER BACON. 249 my studies`), and where the words stop matching those of nearby pages when the
number comes first (`222 THE FAMOUS HISTORY Fryer Bacon` against `226 THE FAMOUS HISTORY did foresee`).
"""

from __future__ import annotations

import re

from fonderie.text.pages.heads import head_key, ratio
from fonderie.text.pages.numbers import NumberCand, fuzzy_number, parse_number

_TOKEN = re.compile(r"\S+")
_PUNCT = ".,;:'\"‘’“”-—"
LONG_LINE = 150  # characters: longer lines are paragraphs or whole flattened pages, never a head on their own


def _tokens(text: str, start: int, n: int = 12) -> list[tuple[str, int]]:
    """(letters key, end offset) of the first `n` words from `start`."""
    return [(head_key(m.group()), m.end()) for m in _TOKEN.finditer(text, start, start + 400)][:n]


def inline_number(text: str, line: int, pos: int) -> NumberCand | None:
    """The first page-number-like word among the first ten of a long line, with the words before it as the head."""
    words = list(_TOKEN.finditer(text, 0, 400))[:10]
    for k, m in enumerate(words):
        tok = m.group().strip(_PUNCT)
        parsed = parse_number(tok)
        if parsed and (parsed[1] == "arabic" or tok.islower()):
            head = text[: words[k - 1].end()].strip() if k else ""
            return NumberCand(line, parsed[0], parsed[1], "inline", pos, end=m.end(), head=head, extra={"k": k})
    return None


def _same_words(a: list[tuple[str, int]], b: list[tuple[str, int]], n: int) -> bool:
    if len(a) < n or len(b) < n:
        return False
    misses = [i for i in range(n) if not (a[i][0] == b[i][0] or ratio(a[i][0], b[i][0]) >= 0.5)]
    return not misses or (n >= 4 and len(misses) == 1 and misses[0] != n - 1)


def heads_after_numbers(cands: list[NumberCand], texts: dict[int, str]) -> None:
    """For long lines that start with their number, the head is the words that nearby such lines share.

    Sets `head` and `extra["head_end"]` on each candidate whose first words match those of two neighbours (one when
    it has a single neighbour); neighbours are the three such lines before and after.
    """
    first = [c for c in cands if c.where == "inline" and c.extra["k"] == 0]
    words = [_tokens(texts[c.line], c.end) for c in first]
    for i, c in enumerate(first):
        near = [words[j] for j in range(max(0, i - 3), min(len(first), i + 4)) if j != i]
        need = min(2, len(near))
        size = 0
        for n in range(1, min(10, len(words[i])) + 1):
            if need and sum(_same_words(words[i], w, n) for w in near) >= need:
                size = n
            else:
                break
        if size:
            end = words[i][size - 1][1]
            c.head = texts[c.line][c.end : end].strip()
            c.extra["head_end"] = end


def match_prefix(text: str, head: str, expected: int | None) -> int | None:
    """End offset of a known head at the start of a long line, with an optional number (or OCR debris of one) before
    or after it; None if the line does not start with that head."""
    want = head_key(head)
    n_head = sum(bool(head_key(w)) for w in head.split())  # the head's words, not its number
    words = list(_TOKEN.finditer(text, 0, 400))[: n_head + 3]
    if not want or len(words) < n_head:
        return None
    lead = words[0].group()
    skip = int(
        any(ch.isdigit() for ch in lead) and len(lead) <= 6 or expected is not None and fuzzy_number(lead, expected)
    )
    best, end = 0.0, None
    for n in (n_head, n_head - 1, n_head + 1):
        if n < 1 or skip + n > len(words):
            continue
        r = ratio(head_key(text[words[skip].start() : words[skip + n - 1].end()]), want)
        if r >= 0.7 and r > best:
            best, end = r, skip + n
    if end is None:
        return None
    if end < len(words):
        tail = words[end].group()
        number = tail.strip(_PUNCT)
        if expected is not None and fuzzy_number(tail, expected) or number.isdigit() and len(number) <= 4:
            end += 1
    return words[end - 1].end()
