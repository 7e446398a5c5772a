"""Short stop-word lists, one per language: the function words that any running text of the language contains.

Gopher's quality rule keeps a document only if it holds at least two of 8 English function words (`the`, `be`,
`to`, `of`, `and`, `that`, `have`, `with`); lists of keywords, tables, code and navigation menus hold none. The
lists below play that part for other languages: a dozen to twenty of the most frequent words of running text
(articles, prepositions, conjunctions, the copula), elided forms included for French and Italian. They are not
exhaustive stop-word lists for search or topic modelling. English is Gopher's own list.
"""

from __future__ import annotations

from functools import lru_cache

STOP_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("the", "be", "to", "of", "and", "that", "have", "with"),
    "fr": tuple("le la les l' un une des de du d' et à au est que qu' qui en".split()),
    "de": tuple("der die das den dem des und ist nicht zu mit von ein eine im sich auf".split()),
    "es": tuple("el la los las de del y que en un una es por con se no para".split()),
    "it": tuple("il lo la le gli di del della e che è un una per non in l' un' d'".split()),
    "pt": tuple("o a os as de do da dos das e que em um uma não para com".split()),
    "nl": tuple("de het een en van is dat op te in niet met die".split()),
}

# ISO 639-2/3 codes (as fastText and GlotLID labels give them) of the languages above
_ALIASES = {
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "spa": "es",
    "ita": "it",
    "por": "pt",
    "nld": "nl",
    "dut": "nl",
}


def base_language(code: str | None) -> str | None:
    """`fr`, `fra`, `fra_Latn`, `fr-FR`, `__label__fra_Latn` -> `fr`; the base code for any other, None if empty."""
    if not code:
        return None
    base = code.removeprefix("__label__").replace("-", "_").split("_", 1)[0].lower()
    return _ALIASES.get(base, base)


@lru_cache(maxsize=64)
def stop_words(language: str | None) -> frozenset[str] | None:
    """The stop words of `language` as they can be written (lower case, capitalized, upper case, with `'` or `’`),
    so that a word matches whatever its case; None when there is no list for the language."""
    words = STOP_WORDS.get(base_language(language))
    if words is None:
        return None
    forms = set()
    for word in words:
        for w in (word, word.replace("'", "’")):
            forms.update((w, w.capitalize(), w.upper()))
    return frozenset(forms)
