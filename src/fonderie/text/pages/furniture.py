"""Strip page furniture (page numbers, running heads, printers' marks) from the text of a book, and rejoin what the
page breaks split.

    result = strip_page_furniture(text)
    result.text, result.pages, result.removals  # [Removal(line=12, reason="page_number", text="- 12 -"), ...]

Decisions come from the document's structure, never from one line alone: pages are the form feeds an extractor
wrote, or else a regular run of page numbers (`pages_layout`); numbers count only as a sequence that grows with
the pages (`pages_numbers`); heads only when they come back at the same edge of nearby pages (`pages_heads`,
`pages_inline` for pages flattened into one line); signature marks and catchwords only when the book shows several
(`pages_marks`); furniture the OCR misread past matching its copies only at an edge where the book prints it, on a
page where none was found, and only when it is no text (`pages_debris`). A document with no page structure comes
back unchanged, but for form feeds and the rejoining of words hyphenated at a line end (`pages_hyphen`). Lines are
the input's `\n`-separated lines; a form feed starts a page (extractors write it at the start of a page's first
line; one inside a line ends the page after that line).

Reasons of a `Removal` (one per input line that is not in the output, `line` counted from 1 in the input):
    page_number      a line that is only the page number (`12`, `- 12 -`, `Page 12`, `[12]`, `xii`, OCR `l2`)
    running_header   a head at the top of a page, with or without the number (`12 LES MISÉRABLES`); for a page
                     flattened into one line, only the head is cut from the line and `text` is what was cut
    running_footer   the same at the foot of a page
    signature_mark   a printer's gathering mark at the foot of a page (`A ij`, `Bb iij`), or the mark with the
                     catchword beside it on one line (`B ij      sortent`)
    catchword        the next page's first word printed alone at the foot of a page
    page_break       a blank line, or a line of OCR debris, at a page break (removed so a paragraph split by the
                     break is rejoined; one blank line is kept where a paragraph really ends)
    form_feed        a line that held nothing but form feeds
    hyphen_join      not a removed line but a change: the line ended with a word hyphenated across the line or
                     page break; the word moves up whole to this line, rejoined (`inter-rompu -> interrompu`) or,
                     for a compound, with its hyphen (`porte-parole -> porte-parole`); a next line left empty goes
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fonderie.text.pages.decide import Decision
from fonderie.text.pages.hyphen import HyphenJoiner
from fonderie.text.pages.layout import form_feed_pages, inferred_pages

REASONS = (
    "page_number",
    "running_header",
    "running_footer",
    "signature_mark",
    "catchword",
    "page_break",
    "form_feed",
    "hyphen_join",
)
INLINE_HEADS = ("auto", True, False)
_TERMINAL = tuple('.!?…:»"”)]')
_CUT_STRIP = " \t.,;:"


@dataclass
class Removal:
    line: int  # 1-based line of the input
    reason: str
    text: str


@dataclass
class PageCleanResult:
    text: str
    removals: list[Removal]
    pages: int  # pages found (0: the text is not paged)
    lines_removed: int = 0  # input lines absent from the output (a line only cut, or rejoined, is still there)


_DEBRIS = set("“”‘’'\"*#•~=_¬^`°<>|\\/—–-")


def _junk(text: str) -> bool:
    """OCR debris (quotes, dashes, specks), not punctuation a paragraph could end with (`!`, `?`, `»`)."""
    return 0 < len(text) <= 3 and all(c in _DEBRIS or c.isspace() for c in text)


def strip_page_furniture(
    text: str,
    *,
    inline_heads: str | bool = "auto",
    join_hyphens: bool = True,
    languages: tuple[str, ...] = ("fr", "en"),
) -> PageCleanResult:
    """Remove the page furniture of `text`; never fails, an unpaged text comes back as it was.

    Args:
        inline_heads: heads at the start of a long line (OCR pages flattened to one line each). "auto": cut them
            when the pages are form feeds, or when the inferred heads are in capitals; True: always; False: never.
        join_hyphens: rejoin words hyphenated across a line or page break (document vocabulary, then word lists).
        languages: pyspellchecker word lists (a dependency) used as evidence for rejoining.
    """
    if inline_heads not in INLINE_HEADS:
        raise ValueError(f"inline_heads={inline_heads!r} is not one of {INLINE_HEADS}")
    lines = text.split("\n")
    clean = [" ".join(line.split()) for line in lines]  # form feeds and runs of spaces (`-layout` columns) go
    pages = form_feed_pages(lines, clean) or inferred_pages(clean)
    decision = Decision(pages, clean, inline_heads, languages)
    removed, cuts = decision.removed, decision.cuts
    out = [line.replace("\f", "") if "\f" in line else line for line in lines]
    for i, (end, _) in cuts.items():
        out[i] = clean[i][end:].lstrip(_CUT_STRIP)
    blank_after = _seams(lines, clean, removed, cuts)
    removals = [Removal(i + 1, r, clean[i]) for i, r in removed.items()]
    removals += [Removal(i + 1, r, clean[i][:end]) for i, (end, r) in cuts.items()]
    if join_hyphens:
        removals += _join(out, removed, languages, text)
    kept = []
    for i, line in enumerate(out):
        if i not in removed:
            kept.append(line)
            if i in blank_after:
                kept.append("")
    removals.sort(key=lambda r: r.line)
    n_pages = len(pages.lines) if pages.mode != "none" else 0
    return PageCleanResult("\n".join(kept), removals, n_pages, len(out) - len(kept) + len(blank_after))


def _seams(lines: list[str], clean: list[str], removed: dict[int, str], cuts: dict) -> set[int]:
    """Blank lines and debris around page breaks join `removed`; returns the lines after which a blank line must be
    inserted (a paragraph ends at the break in a text whose paragraphs are separated by blank lines)."""
    n = len(lines)
    blank_style = sum(not t for t in clean) >= 0.1 * max(1, sum(bool(t) for t in clean))
    insert: set[int] = set()
    i = 0
    while i < n:
        if not (i in removed or not clean[i] or _junk(clean[i])):
            i += 1
            continue
        j = i
        while j < n and (j in removed or not clean[j] or _junk(clean[j])):
            j += 1
        run = range(i, j)
        brk = any(k in removed for k in run) or any("\f" in lines[k] for k in run)
        brk = brk or j < n and (lines[j].lstrip(" \t").startswith("\f") or j in cuts)
        if brk:
            prev = i - 1 if i > 0 else None
            free = [k for k in run if k not in removed and not (k == n - 1 and lines[k] == "")]
            cont = prev is None or j >= n or not clean[prev].endswith(_TERMINAL) or clean[j][:1].islower()
            keep = None
            if not cont and blank_style:
                keep = next((k for k in free if not clean[k] and "\f" not in lines[k]), None)
                if keep is None:
                    insert.add(prev)
            for k in free:
                if k != keep:
                    removed[k] = "form_feed" if "\f" in lines[k] and not clean[k] else "page_break"
        i = j
    return insert


_RIGHT = re.compile(r"\S+")


def _join(out: list[str], removed: dict[int, str], languages, text: str) -> list[Removal]:
    """Rejoin words hyphenated at the end of a line whose next line in the output follows without a blank."""
    joiner = None
    joins = []
    kept = [i for i in range(len(out)) if i not in removed]
    for a, b in zip(kept, kept[1:], strict=False):
        line, nxt = out[a].rstrip(), out[b].lstrip()
        if not line.endswith("-") or not nxt or line.endswith("--"):
            continue
        joiner = joiner or HyphenJoiner(text, languages)
        parts = joiner.split(line, nxt)
        if not parts:
            continue
        left, right = parts
        join = joiner.should_join(left, right)
        token = _RIGHT.match(nxt).group()
        # the word moves up whole: `interrompu`, or a compound with its hyphen, `porte-parole`
        out[a] = (line[:-1] if join else line) + token
        out[b] = nxt[len(token) :].lstrip()
        if not out[b]:
            removed[b] = "hyphen_join"
        joins.append(Removal(a + 1, "hyphen_join", f"{left}-{right} -> {left}{'' if join else '-'}{right}"))
    return joins
