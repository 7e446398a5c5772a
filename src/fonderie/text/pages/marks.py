"""Printers' marks at the foot of old books' pages: signature marks and catchwords.

A signature mark (`A`, `A ij`, `Bb iij`) names the gathering (letters, doubled past Z) and the leaf (a roman numeral)
so the binder can fold and order the sheets; it is printed under the last line of the first leaves of a gathering.
A catchword is the first word of the next page, printed under the last line, alone or flush right on the line of
the signature mark (`B ij        sortent`). Both are recognised only at the foot of a page, and only when the book
shows several of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from fonderie.text.pages.heads import ratio

_SIG_RE = re.compile(r"(?P<g>(?P<l>[A-Za-z])(?i:(?P=l)){0,2})\s?(?P<leaf>[ijvxIJVXlÿüy1]{1,5})?")
_JUNK = " \t“”‘’'\"!*.,;:()[]{}#«»<>=°-—_~"
_FOLD = str.maketrans("ÀÂÉÈÊËÎÏÔÛÙÇàâéèêëîïôûùç", "AAEEEEIIOUUCaaeeeeiiouuc")
_WORD = re.compile(r"[^\W\d_]+")


def signature_mark(text: str) -> bool:
    """`A`, `Aj`, `A ij`, `aiij`, `Bb iij`, `Z` (OCR forms: ÿ or y for ij, 1 or l for i)."""
    t = text.strip(_JUNK).translate(_FOLD)
    if not t or len(t) > 8:
        return False
    m = _SIG_RE.fullmatch(t)
    if not m:
        return False
    gathering, leaf = m["g"], m["leaf"] or ""
    if gathering.islower() and not leaf:  # a lone lower-case letter is a word (`a`, `y`), not a mark
        return False
    return not (len(gathering) == 1 and gathering.isupper() and leaf.isupper() and len(leaf) == 1)  # `IV`, `XI`


def _letters(text: str) -> str:
    return "".join(_WORD.findall(text)).lower()


def catchword(last: str, next_first: str) -> bool:
    """Whether the last line of a page (one or two words) repeats the first words of the next page."""
    words = [w for w in last.split() if _WORD.search(w)]
    if not 1 <= len(words) <= 2 or len(last) > 24:
        return False
    want = _letters(last)
    if len(want) < 2:
        return False
    head = next_first.split()[: len(words) + 1]
    for n in range(1, len(words) + 2):
        got = _letters(" ".join(head[:n]))
        if got and ratio(want, got) >= 0.6:
            return True
    return False


def mark_and_catchword(last: str, next_first: str) -> bool:
    """Whether the last line of a page is a signature mark and a catchword side by side (`B ij      sortent`): the
    mark centred, the next page's first word flush right on the same line."""
    words = last.split()
    if len(words) < 2 or not signature_mark(" ".join(words[:-1])):
        return False
    # words pass for marks too (`Il`, `A`, `Aj`): the line is furniture only if its last word is the next page's
    # first one, that word itself (an OCR slip allowed from five letters), not a share of the letters of the line
    # as `catchword` compares
    first = next((w for w in next_first.split() if _WORD.search(w)), "")
    word, first = _letters(words[-1].translate(_FOLD)), _letters(first.translate(_FOLD))
    return len(word) >= 2 and ratio(word, first) >= 0.8


def find_marks(
    pages: list[list[int]], clean: list[str], removed: set[int], n_min: int, known: Callable[[str], bool] | None = None
) -> dict[int, str]:
    """{line: reason} for signature marks and catchwords among the last lines of each page.

    `pages` holds each printed page's non-blank line indexes (inferred pages cut where a head shows a page starts);
    lines already in `removed` (page numbers) are skipped, so a mark under a footer number is still found; a last line
    that holds a mark and the catchword (`mark_and_catchword`) is a signature mark. A kind of mark counts only if found
    on `n_min` pages or more. In a book that has five marks or more, a short last line that holds no word (of the book,
    or `known`: of its language, `FIN.`) is a mark the OCR damaged (`5æ`, `Gw`, `Pñ`).
    """
    sigs: dict[int, str] = {}
    catches: dict[int, str] = {}
    lasts = []
    for p, nb in enumerate(pages):
        tail = [i for i in nb[-4:] if i not in removed]
        if len(tail) < 2:
            continue
        lasts.append(tail[-1])
        nxt = next((i for i in (pages[p + 1] if p + 1 < len(pages) else []) if i not in removed), None)
        for i in tail[-2:]:
            if signature_mark(clean[i]):
                sigs[i] = "signature_mark"
        if nxt is not None and mark_and_catchword(clean[tail[-1]], clean[nxt]):
            sigs[tail[-1]] = "signature_mark"
        k = next((k for k in range(len(tail) - 1, 0, -1) if tail[k] not in sigs and _WORD.search(clean[tail[k]])), 0)
        if k and nxt is not None and catchword(clean[tail[k]], clean[nxt]):
            catches[tail[k]] = "catchword"
    if len(sigs) >= 5:
        words = Counter(w.lower() for t in clean for w in _WORD.findall(t))
        for i in lasts:
            text = clean[i]
            if i not in sigs and i not in catches and len(text.replace(" ", "")) <= 5:
                if not any(len(w) >= 2 and (words[w.lower()] >= 3 or known and known(w)) for w in _WORD.findall(text)):
                    sigs[i] = "signature_mark"
    out: dict[int, str] = {}
    for found in (sigs, catches):
        if len(found) >= n_min:
            out.update(found)
    return out
