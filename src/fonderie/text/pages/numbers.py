"""Page numbers: parse every printed style (arabic, roman, OCR-confused), then keep only those that form a sequence.

A number alone proves nothing (years, list items, table cells are numbers too); a run of numbers that grows by one
per page, page after page, is what a paginated book looks like. `fit_chains` finds those runs; `roman_ends` adds to
an arabic run the few roman numerals of a front matter that count on into it (`vij`, `viij`, then `[9]`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# OCR reads 1 as l, I, i, |, ! and 0 as O, o; with at least one real digit in the token these are safe to fix
_SAFE = str.maketrans("lIi|!Oo", "1111100")
# wider confusions, only tried against the number a page is expected to carry
_WIDE = {"l": "1", "I": "1", "i": "1", "|": "1", "!": "1", "j": "1", "J": "1", "t": "1", "T": "7", "O": "0", "o": "0",
         "D": "0", "Q": "0", "S": "5", "s": "5", "$": "5", "Z": "2", "z": "2", "B": "8", "G": "6", "b": "6", "g": "9",
         "q": "9", "y": "9", "ÿ": "9", "A": "4"}  # fmt: skip
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN_RE = re.compile(r"[ivxlcdm]+j?|[IVXLCDM]+J?")
_ARABIC_RE = re.compile(r"[0-9lIi|!Oo]{1,4}")
_DECO = r"[\s\-—–_~=·•*«»<>:|]*"
_WORD = r"(?:(?:page|pages|pag|pg|p|pp|seite|s|folio|fol|f)\.?\s*)?"
_LINE_RE = re.compile(
    rf"^{_DECO}(?P<word>{_WORD})(?P<open>[\[({{]?)\s*(?P<num>[^\s/\[\](){{}}]{{1,8}})"
    rf"(?:\s*(?:/|of|de|sur|von)\s*(?P<total>[\dlIOo]{{1,5}}))?\s*(?P<close>[\])}}]?){_DECO}$",
    re.IGNORECASE,
)
_PAIRS = {"": "", "(": ")", "[": "]", "{": "}"}
_SEP = r"[\s\-—–.,:;|*=·•]"
_NUM_HEAD_RE = re.compile(rf"^{_SEP}*(?P<num>[^\s\-—–]{{1,8}}){_SEP}+(?P<head>\S.{{1,80}})$")
_HEAD_NUM_RE = re.compile(rf"^(?P<head>.{{1,80}}?\w[^\w]*?){_SEP}+(?P<num>[^\s\-—–]{{1,8}}?)[\s.,;:\-—–|*]*$")


@dataclass
class NumberCand:
    """A number printed where a page number could be: `pos` is the page index (form feeds) or a character offset."""

    line: int
    value: int
    system: str  # "arabic" | "roman"
    where: str  # "whole" (the line is the number), "start" or "end" (fused with a head), "inline" (long line)
    pos: int
    end: int = 0  # for "start"/"inline": characters of the line up to the end of the number
    head: str = ""
    style: str = ""
    extra: dict = field(default_factory=dict)


Fits = Callable[[NumberCand, NumberCand], bool]  # whether a candidate is printed like a run's member


def roman_value(token: str) -> int | None:
    """Value of a roman numeral in one case, old-style final j allowed (`xij` = 12); None if not canonical."""
    if not _ROMAN_RE.fullmatch(token):
        return None
    t = token.lower().replace("j", "i")
    total = 0
    for a, b in zip(t, t[1:] + " ", strict=True):
        v = _ROMAN[a]
        total += -v if b != " " and _ROMAN[b] > v else v
    return total if total and (to_roman(total) == t or t.endswith("iiii")) else None


def to_roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
                 (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
        while n >= v:
            out += s
            n -= v
    return out


def arabic_value(token: str) -> int | None:
    """`12`, or an OCR-confused `l2`, `I2`, `1O` (at least one real digit); None otherwise."""
    if not _ARABIC_RE.fullmatch(token) or not any(c.isdigit() for c in token):
        return None
    return int(token.translate(_SAFE))


def parse_number(token: str) -> tuple[int, str] | None:
    """(value, system) of a page-number token, arabic first."""
    v = arabic_value(token)
    if v is not None:
        return v, "arabic"
    v = roman_value(token)
    return (v, "roman") if v is not None else None


def fuzzy_number(token: str, expected: int) -> bool:
    """Whether an OCR token is the expected page number misread (`s54` for 154, `2G7` for 267, `t2ÿ` for 129).

    Confusable characters cost nothing; one other substitution, insertion or deletion is allowed from 3 digits up.
    The token must hold a real digit, so a word never passes.
    """
    token = token.strip(".,;:'\"‘’“”()[]")
    bare = re.sub(r"/[\dlIOo]+$", "", token)  # `4B/232`, `26/27O`, `I/270`: the total marks a page number
    token, total = bare, bare != token
    want = str(expected)
    if not token or not (total or any(c.isdigit() for c in token)) or abs(len(token) - len(want)) > 1:
        return False
    mapped = "".join(_WIDE.get(c, c) for c in token)
    if mapped == want:
        return True
    if len(want) < 3:
        return False
    if len(mapped) == len(want):
        return sum(a != b for a, b in zip(mapped, want, strict=True)) <= 1
    short, long_ = sorted((mapped, want), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _style(text: str) -> str:
    return re.sub(r"[0-9lIiOo|!]+|\b[ivxlcdmj]+\b", "#", text.lower())


def line_number(text: str, line: int, pos: int) -> NumberCand | None:
    """The number of a line that is nothing but a page number: `12`, `- 12 -`, `Page 12`, `p. 12`, `12/300`, `[12]`,
    `(12)`, `xii`. `12.` and `12)` are list items, not page numbers."""
    m = _LINE_RE.match(text)
    if not m or _PAIRS[m["open"]] != m["close"] or text.rstrip().endswith((".", ")")) and not m["close"]:
        return None
    parsed = parse_number(m["num"])
    if parsed is None or (parsed[1] == "roman" and m["word"] and len(m["num"]) > 4):
        return None
    return NumberCand(line, parsed[0], parsed[1], "whole", pos, style=_style(text))


def fused_number(text: str, line: int, pos: int) -> NumberCand | None:
    """A short line that is a head fused with a number: `12 LES MISÉRABLES`, `LIVRE PREMIER 13`."""
    for where, rx in (("start", _NUM_HEAD_RE), ("end", _HEAD_NUM_RE)):
        m = rx.match(text)
        if m:
            parsed = parse_number(m["num"].strip(".,;:"))
            # upper-case roman numerals next to a word are chapter and part numbers (CHAPITRE XII), not pages
            if parsed and (parsed[1] == "arabic" or m["num"].islower()) and sum(c.isalpha() for c in m["head"]) >= 2:
                return NumberCand(line, parsed[0], parsed[1], where, pos, end=m.end("num"), head=m["head"].strip())
    return None


def _link(a: NumberCand, b: NumberCand, page_chars: float | None, mixed: bool = False) -> tuple[bool, bool]:
    """(allowed, exact) for b following a in one sequence (`mixed`: across numeral systems)."""
    dv = b.value - a.value
    if a.system != b.system and not mixed or dv < 1 or dv > 8:
        return False, False
    dp = b.pos - a.pos
    if page_chars is None:  # positions are page indexes
        return 0 < dp <= 8 and abs(dv - dp) <= 2, dv == dp
    per = dp / dv  # a page may be short (a chapter's last), not much longer than the usual
    return 0.05 * page_chars <= per <= 1.7 * page_chars, 0.75 * page_chars <= per <= 1.3 * page_chars


def fit_chains(cands: list[NumberCand], min_len: int, page_chars: float | None = None) -> list[list[NumberCand]]:
    """Runs of candidates whose values grow with their position, longest first, no two on one position.

    Dynamic programming over the candidates sorted by position: each one extends the best run among the candidates
    up to 8 pages (or 8 page lengths) before it. A run is accepted with at least `min_len` members; its members and
    any other candidate on the same positions are then set aside and the next run is searched (front matter in roman
    numerals, then the body in arabic ones; or two volumes in one file).
    """
    chains = []
    pool = sorted(cands, key=lambda c: (c.pos, c.line))
    window = 8 if page_chars is None else 8.5 * page_chars
    while pool:
        best: list[tuple[int, int]] = []
        parent: list[int] = []
        lo = 0
        for i, c in enumerate(pool):
            while pool[lo].pos < c.pos - window:
                lo += 1
            score, par = (1, 0), -1
            for j in range(max(lo, i - 300), i):
                ok, exact = _link(pool[j], c, page_chars)
                if ok and pool[j].pos < c.pos:
                    s = (best[j][0] + 1, best[j][1] + exact)
                    if s > score:
                        score, par = s, j
            best.append(score)
            parent.append(par)
        i = max(range(len(pool)), key=lambda k: best[k])
        if best[i][0] < min_len:
            break
        chain = []
        while i >= 0:
            chain.append(pool[i])
            i = parent[i]
        chain.reverse()
        chains.append(chain)
        taken = {c.pos for c in chain}
        pool = [c for c in pool if c.pos not in taken]
    return chains


def roman_ends(
    chain: list[NumberCand], free: list[NumberCand], page_chars: float | None, fits: Fits
) -> list[NumberCand]:
    """An arabic run with the roman numerals that count on into it (`vij`, `viij` before `[9]`) or on from it.

    Printers numbered the front matter in roman numerals and the body in arabic ones, often with one count across
    both; a front matter of one to three pages is too short to be a run of its own, but a numeral whose value and
    place lead exactly to the run's first number is its page's number all the same (a chance `vij` must also fall
    on the very page before, at one page's distance). `free` are the candidates no run took; `fits(c, member)`
    says whether c is printed like the run's member next to it (at the same page edge, a lower-case numeral).
    """
    if chain[0].system != "arabic":
        return chain
    out = list(chain)

    def follows(a: NumberCand, b: NumberCand) -> bool:
        _, exact = _link(a, b, page_chars, mixed=True)
        return exact and b.value - a.value <= 2 and a.pos < b.pos

    romans = [c for c in free if c.system == "roman" and c.where != "inline"]  # words like `di`, `vi` in a page
    while True:
        before = [c for c in romans if follows(c, out[0]) and fits(c, out[0])]
        after = [c for c in romans if follows(out[-1], c) and fits(c, out[-1])]
        if not before and not after:
            return out
        if before:
            out.insert(0, max(before, key=lambda c: c.pos))
        if after:
            out.append(min(after, key=lambda c: c.pos))
        romans = [c for c in romans if c.pos not in (out[0].pos, out[-1].pos)]


def estimate_page_chars(cands: list[NumberCand]) -> float | None:
    """Typical distance in characters between numbers n and n+1 (the page length), from the most common distance."""
    by_value: dict[tuple[str, int], list[int]] = {}
    for c in cands:
        by_value.setdefault((c.system, c.value), []).append(c.pos)
    gaps = []
    for (system, v), positions in by_value.items():
        for p in positions:
            nxt = [q - p for q in by_value.get((system, v + 1), ()) if 0 < q - p < 40_000]
            if nxt:
                gaps.append(min(nxt))
    if len(gaps) < 3:
        return None
    bins: dict[int, list[int]] = {}
    for g in gaps:
        bins.setdefault(int(g**0.25 * 8), []).append(g)  # ~12% wide bins
    top = max(bins, key=lambda b: len(bins[b]) + len(bins.get(b - 1, ())) + len(bins.get(b + 1, ())))
    near = sorted(bins[top] + bins.get(top - 1, []) + bins.get(top + 1, []))
    return float(near[len(near) // 2]) if len(near) >= 3 else None
