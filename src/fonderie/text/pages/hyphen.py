"""Words hyphenated at a line or page break: rejoin `inter-` + `rompu`, keep `porte-` + `parole`.

The evidence that the joined form is a word, or that the hyphenated form is a compound, is the document's own
vocabulary (the same word written whole elsewhere in it) and `pyspellchecker`'s offline word lists (shipped inside
the wheel; nothing is downloaded). Without evidence either way, a break before a lower-case
letter is a typesetter's hyphenation and is rejoined, except before the usual second halves of French compounds
(`dit-` + `il`, `lui-` + `même`, `peut-` + `être`).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_LEFT = re.compile(r"([^\W\d_]+(?:['’-][^\W\d_]+)*)-$")
_RIGHT = re.compile(r"^([^\W\d_]+)")
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
# second halves of French compounds (`dit-il`, `peut-être`, `celui-ci`, `au-dessus`, `quelques-uns`)
COMPOUND_TAILS = frozenset(
    "je tu il elle on nous vous ils elles le la les moi toi lui leur leurs y en ce ci là même mêmes t ça être "
    "dessus dessous delà deçà devant derrière uns unes".split()
)
# languages whose word lists the long-s repair and the OCR-quality rule use (pyspellchecker ships more; these are
# the Latin-script ones where a known-word share says something about OCR)
LEXICON_LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pt")


@lru_cache(maxsize=8)
def lexicon(language: str) -> frozenset[str] | dict:
    """Word list of a language from pyspellchecker's bundled data; empty for a language it does not ship."""
    from spellchecker import SpellChecker  # here, not at import: loading its lists takes time, and only books need it

    try:
        return SpellChecker(language=language, distance=1).word_frequency.dictionary
    except ValueError:  # a language pyspellchecker does not ship
        return frozenset()


def vocabulary(text: str) -> Counter:
    """Lower-cased words of the document, compounds (`porte-parole`) counted whole."""
    return Counter(_WORD.findall(text.lower().replace("’", "'")))


class HyphenJoiner:
    """Decides, for a line ending in `left-` followed by a line starting with `right`, whether to rejoin."""

    def __init__(self, text: str, languages: tuple[str, ...]):
        self.vocab = vocabulary(text)
        self.lexicons = [lexicon(lang) for lang in languages]

    def _known(self, word: str) -> int:
        """2 if the document writes the word whole somewhere, 1 if a word list has it, 0 otherwise."""
        word = word.lower().replace("’", "'")
        if self.vocab.get(word, 0) > 0:
            return 2
        bare = _ELISION.sub("", word)
        return int(any(word in lex or bare in lex for lex in self.lexicons))

    def split(self, line: str, next_line: str) -> tuple[str, str] | None:
        """(left, right) fragments if `line` ends with a word hyphen and `next_line` starts with a word."""
        left = _LEFT.search(line)
        right = _RIGHT.match(next_line)
        if not left or not right:
            return None
        return left.group(1), right.group(1)

    def should_join(self, left: str, right: str) -> bool:
        last = re.split(r"['’-]", left)[-1]
        joined, compound = left + right, left + "-" + right
        score_join = max(self._known(joined), self._known(last + right))
        score_compound = max(self._known(compound), self._known(last + "-" + right))
        if score_join != score_compound:
            return score_join > score_compound
        if score_join:  # both known: trust the document, then the hyphen (`sur-` + `tout`)
            return self.vocab.get(joined.lower(), 0) > self.vocab.get(compound.lower(), 0)
        return right[0].islower() and right.lower() not in COMPOUND_TAILS
