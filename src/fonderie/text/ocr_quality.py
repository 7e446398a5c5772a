"""How readable a text is, as the share of its words a word list knows: the measure of OCR quality that needs no
ground truth and no confidence scores (Gallica's OCR score, which Lucie used, is the OCR engine's own).

Tokens are the whitespace-separated pieces of the text, stripped of the punctuation around them. A token is
readable when it is a number, or when every part of it (split at apostrophes and hyphens: `l'espèce`,
`peut-être`) is a word the list knows, lower-cased. Pieces that are only punctuation (`&`, `—`, `«`) do not count;
pieces that mix letters and symbols (`m@ï`, `l1|`) or are symbols only (`%*$`) count as unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_EDGE_PUNCT = "\"'’‘“”«»()[].,;:!?…—–-_*&"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e|er|re|me|ème|°)?")
_PARTS = re.compile(r"['’-]")
_LETTERS = re.compile(r"[^\W\d_]+")
_ONLY_PUNCT = re.compile(r"[^\w\s]+")


def readable_share(text: str, lexicon: Mapping[str, int]) -> tuple[float, int]:
    """(share of readable tokens, tokens counted); (1.0, 0) for a text with no token to judge."""
    readable = counted = 0
    for raw in text.split():
        token = raw.strip(_EDGE_PUNCT)
        if not token:
            if _ONLY_PUNCT.fullmatch(raw) and len(raw) > 2:  # a run of symbols (`%*$#`), not a dash or a `&`
                counted += 1
            continue
        counted += 1
        if _NUMBER.fullmatch(token):
            readable += 1
        elif all(_LETTERS.fullmatch(p) and p.lower() in lexicon for p in _PARTS.split(token) if p):
            readable += 1
    return (readable / counted if counted else 1.0), counted
