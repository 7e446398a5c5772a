"""Baseline: a re-implementation of the Lucie project's page-number remover, for `benchmarks/page_furniture.py`.

Lucie (OpenLLM-France, Lucie-Training `tokenization/text.py`, `remove_page_numbers`) cleans PDF text in two passes:

1. Look for page n = 2, 3, ... in turn: a line holding the number (with OCR confusions 1 -> [1lIij]) at its start or
   end (only non-word characters on the other side), after the previous page's match and at most 80,000 characters
   per page further. Up to 5 candidates are kept per page; the search stops after 7 pages in a row without one (and
   after page 100 in this first pass).
2. Count which of 9 delimiter patterns (`— 2 —`, `- 2 -`, `_ 2 _`, `(2)`, `[2]`, `{2}`, `2 -`, `2,`, `2.` and the
   same with a total, `2/10`) the candidates match most; rerun the search with that pattern only, and delete the
   pattern from the first candidate of each page (the rest of its line is kept).

Written from that description for this benchmark; it is not part of fonderie.
"""

from __future__ import annotations

import re

MAX_HOLE = 7
BEAM = 5
MAX_PAGE_CHARS = 80_000

PATTERNS = (
    [rf"{re.escape(d)}\s*\d{{1,5}}(/\d{{2,5}})?\s*{re.escape(d)}" for d in ("_", "-", "—")]
    + [rf"{re.escape(a)}\s*\d{{1,5}}(/\d{{2,5}})?\s*{re.escape(b)}" for a, b in (("(", ")"), ("[", "]"), ("{", "}"))]
    + [rf"(\b\d{{1,5}}(/\d{{2,5}})?\s*{re.escape(d)}>?($| ))|(<?(^| ){re.escape(d)}\s*\d{{1,5}}\b)" for d in "-,."]
)


def _number_regex(n: int) -> str:
    s = str(n)
    return s.replace("1", "[1lIij]") if set(s) > {"1"} else s


def _search(text: str, pattern: str | None) -> list[list[tuple[int, str, int]]]:
    """Candidates (start, matched text, end) for pages 2, 3, ... until MAX_HOLE pages in a row have none."""
    found: list[list[tuple[int, str, int]]] = []
    page, last_page, hole, min_index = 2, 0, 0, 0
    while hole < MAX_HOLE:
        avg = min_index / (page - 1) if len(found) > 5 else None
        num = _number_regex(page)
        number_pattern = pattern.replace("\\d{1,5}", str(page)) if pattern else None
        line_rx = rf"(\n[^\n]*\b{num}(/\d{{2,5}})?\b[^\n\w]*\n)|(\n[^\n\w]*\b{num}(/\d{{2,5}})?\b[^\n]*\n)"
        cands: list[tuple[int, str, int]] = []
        for m in re.finditer(line_rx, text):
            start, end, content = m.start(), m.end(), m.group()
            if number_pattern:  # second pass: only the pattern itself is taken
                sub = re.search(number_pattern, content)
                if not sub:
                    continue
                start, end, content = m.start() + sub.start(), m.start() + sub.end(), sub.group()
            after = min_index < start
            near = start - min_index < MAX_PAGE_CHARS * (page - last_page)
            if pattern is not None or (after and near):
                if not cands:
                    min_index = min(start, min_index + avg / 10) if avg else start
                    last_page = page
                if len(cands) >= BEAM:
                    break
                cands.append((start, content, end))
        if cands:
            found.append(cands)
            hole = 0
        else:
            hole += 1
        page += 1
        if pattern is None and page > 100:
            break
    return found


def remove_page_numbers(text: str) -> str:
    """Lucie's two-pass removal of page numbers (see the module docstring)."""
    found = _search(text, None)
    counts = [0] * len(PATTERNS)
    for cands in found:
        for _, content, _ in cands:
            for k, pattern in enumerate(PATTERNS):
                if re.search(pattern, content):
                    counts[k] += 1
    best = max(range(len(PATTERNS)), key=lambda k: counts[k])
    if counts[best] == 0:
        return text
    pattern = PATTERNS[best]
    selected, min_index = [], 0
    for cands in _search(text, pattern):
        for start, content, end in cands:
            if start > min_index:
                min_index = end
                selected.append((start, content, end))
    for start, content, end in reversed(selected):
        rest = re.sub(pattern, "", content, count=1).strip()
        text = text[:start].rstrip() + ("\n" + rest + "\n" if rest else "\n") + text[end:].lstrip()
    return text
