"""Long s (ſ) as OCR reads it: `ſ` itself, `{` (Tesseract: `{péciatement`) and, most often, `f` (`fur`, `eft`).

Printers set a long s at the start and in the middle of a word, never at its end, and never as a capital. Repairs:
- `ſ` becomes `s` (modern spelling; a transcription that kept it is the same text);
- `{` directly before a lower-case letter, at the start or inside a word, becomes `s` (`{a` -> `sa`);
- a lower-case `f` that is not the last letter becomes `s` when the word list knows the word with that `s`
  and not as written (`efpèce` -> `espèce`, `fuffifant` -> `suffisant`), or knows it only as a word at least
  `F_FORM_RARITY` times rarer (`fur` -> `sur`, `fans` -> `sans`; `font`/`sont` and `fait`/`sait` stay).
The `f` repair runs only on a document that shows the long s: at least `MIN_EVIDENCE` words and `MIN_EVIDENCE_SHARE`
of its words unknown as written and known with an `s` (`eft`, `fe`, `fon`): a modern book's `au fur et à mesure`
stays, and a word-list gap is not mistaken for a long s. Capitalised words (proper names) are never changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations

# `{` before a lower-case word that ends like prose (space, punctuation, apostrophe), not like code (`{x: 2}`)
_CURLY_S = re.compile(r"\{(?=[a-zà-ÿœæ][^\W\d_]*(?:[\s.,;!?'’»)-]|$))")
_WORD = re.compile(r"[^\W\d_]+")
MIN_EVIDENCE = 3  # words unknown with their `f`, known with an `s`: below this, a document is not long-s text
MIN_EVIDENCE_SHARE = 0.005  # ... and at least this share of its words (a few OCR slips are not a typeface)
F_FORM_RARITY = 50  # an `f` word this many times rarer than its `s` form (`fur` 1.2k / `sur` 1.7M) is a long s
MAX_F_PER_WORD = 5  # candidate spellings are 2**f; a longer run of `f` is not a word worth guessing
# French elided forms the word lists lack (the apostrophe cuts `jufqu'à` into `jufqu` + `à`)
ELIDED = {"jusqu": 1_000_000, "lorsqu": 100_000, "puisqu": 100_000, "quoiqu": 10_000, "quelqu": 100_000}


@dataclass
class LongSRepairs:
    text: str
    counts: Counter = field(default_factory=Counter)  # `long_s_char`, `long_s_curly`, `long_s_f`: letters fixed

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _s_form(word: str, lexicon: Mapping[str, int]) -> str | None:
    """The most frequent spelling of `word` with some of its non-final `f` read as `s`, if the word list prefers
    it to the word as written; None otherwise."""
    if not word.islower() or "f" not in word[:-1]:
        return None
    seen = lexicon.get(word, 0)
    spots = [i for i, c in enumerate(word[:-1]) if c == "f"]
    if len(spots) > MAX_F_PER_WORD:
        return None
    best, best_count = None, 0
    for k in range(1, len(spots) + 1):
        for chosen in combinations(spots, k):
            letters = list(word)
            for i in chosen:
                letters[i] = "s"
            candidate = "".join(letters)
            count = lexicon.get(candidate, 0) or ELIDED.get(candidate, 0)
            if count > best_count:
                best, best_count = candidate, count
    if best is None or best_count < max(seen, 1) * (F_FORM_RARITY if seen else 1):
        return None
    return best


def repair_long_s(text: str, lexicon: Mapping[str, int] | None) -> LongSRepairs:
    """`text` with its long s read back as `s`; `lexicon` (word -> frequency) enables the `f` repair."""
    counts = Counter()
    if "ſ" in text:
        counts["long_s_char"] = text.count("ſ")
        text = text.replace("ſ", "s")
    if "{" in text:
        text, n = _CURLY_S.subn("s", text)
        if n:
            counts["long_s_curly"] = n
    if not lexicon or "f" not in text:
        return LongSRepairs(text, counts)
    words = Counter(_WORD.findall(text))
    fixes = {w: s for w in words if (s := _s_form(w, lexicon)) is not None}
    evidence = sum(words[w] for w in fixes if lexicon.get(w, 0) == 0)
    if evidence < MIN_EVIDENCE or evidence < MIN_EVIDENCE_SHARE * sum(words.values()):
        return LongSRepairs(text, counts)
    counts["long_s_f"] = sum(words[w] * sum(a != b for a, b in zip(w, s, strict=True)) for w, s in fixes.items())
    text = _WORD.sub(lambda m: fixes.get(m.group(0), m.group(0)), text)
    return LongSRepairs(text, counts)
