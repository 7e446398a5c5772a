"""The paragraph view of a book: printed lines rejoined where the text was only wrapped.

A book's lines are hard-wrapped by its typesetter (or its OCR), so most of them end mid-sentence, and a short line
is usually the last line of a paragraph, not a menu item. Rules written for web pages judge lines (FineWeb's
punctuated lines, C4's short lines, Gopher's duplicate lines); on a book they judge its paragraphs instead:
consecutive non-blank lines joined by one space, paragraphs being separated by blank lines (as page furniture
leaves them, and as ELTeC-style text with one paragraph per line already is).
"""

from __future__ import annotations

import re

_BLANK_LINES = re.compile(r"\n[^\S\n]*\n\s*")


def paragraph_blocks(text: str) -> list[list[str]]:
    """Each paragraph as its printed lines (stripped, non-blank), in order."""
    blocks = []
    for block in _BLANK_LINES.split(text.strip()):
        lines = [line.strip() for line in block.split("\n")]
        if lines := [line for line in lines if line]:
            blocks.append(lines)
    return blocks


def paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`, each one line (its printed lines joined by one space)."""
    return [" ".join(lines) for lines in paragraph_blocks(text)]


def paragraph_view(text: str) -> str:
    """`text` with every paragraph on one line, paragraphs separated by one blank line."""
    return "\n\n".join(paragraphs(text))
