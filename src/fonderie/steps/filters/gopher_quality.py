from __future__ import annotations

import re

from datatrove.data import Document
from datatrove.pipeline.filters.gopher_quality_filter import GopherQualityFilter
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.text import split_into_words

from fonderie.text.stopwords import stop_words
from fonderie.text.words import word_tokenizer

# datatrove's reasons -> ours, each named after the failure (datatrove's `gopher_enough_stop_words` fires when
# there are too FEW stop words; its `*_avg_threshold` reasons are about the mean word length)
REASONS = {
    "gopher_short_doc": "gopher_short_doc",
    "gopher_long_doc": "gopher_long_doc",
    "gopher_below_avg_threshold": "gopher_words_too_short",
    "gopher_above_avg_threshold": "gopher_words_too_long",
    "gopher_too_many_hashes": "gopher_too_many_hashes",
    "gopher_too_many_ellipsis": "gopher_too_many_ellipses",
    "gopher_too_many_bullets": "gopher_too_many_bullet_lines",
    "gopher_too_many_end_ellipsis": "gopher_too_many_ellipsis_lines",
    "gopher_below_alpha_threshold": "gopher_too_few_alpha_words",
    "gopher_enough_stop_words": "gopher_too_few_stop_words",
}
TOO_FEW_ALPHA_WORDS = "gopher_too_few_alpha_words"
TOO_MUCH_MOJIBAKE = "gopher_too_much_mojibake"
TOO_MANY_UPPERCASE_WORDS = "gopher_too_many_uppercase_words"

# punctuation of running text, which French typography sets apart with spaces (`« Oui ! »`): the alpha-word rule
# leaves these tokens out, as Gopher's whitespace-split words carried them attached to a word
PROSE_PUNCTUATION = frozenset(".,;:!?…«»\"'’‘“”()[]—–-") | {"...", "--", "!!", "!!!", "?!", "!?", "??"}
_HAS_LETTER = re.compile(r"[^\W\d_]")
# UTF-8 read as Latin-1 / Windows-1252: `Ã©` for é, `Â«` for «, `â€™` for ’, `ï¿½` for the replacement character
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€|ï¿½|\ufffd")


class MultilingualGopherQualityFilter(GopherQualityFilter):
    """Gopher's quality rules (Rae et al. 2021, via datatrove) with French-aware words and per-language stop words.

    datatrove's rules run on the words of `fonderie.text.words` (elisions split, no model download) with the stop
    words of the document's language; two are adapted to French typography (alpha words, ellipsis lines, below).
    Two rules are added for junk that Gopher lets through once stop words match whatever their case: text in
    capitals (spam) and mojibake that Unicode repair could not undo.
    Words are computed once per text and shared with the other quality filters (datatrove's `split_into_words`
    cache, keyed on text and tokenizer).
    Input: documents, ideally with `language` (ISO 639-1 or -3 code) from the language-ID step.
    Output: the documents that pass, unchanged.
    Drops (checked in this order; "words" leave out punctuation marks, "tokens" count them):
        `gopher_too_much_mojibake`: more than `max_mojibake_ratio` mojibake sequences (`Ã©`, `â€™`, `�`) per token
        `gopher_too_many_uppercase_words`: more than `max_uppercase_words_ratio` of the tokens of 3+ characters
            are in capitals (`GAGNEZ 5000€ PAR MOIS DEPUIS CHEZ VOUS !!!`), and more than 3 of them
        then datatrove's rules:
        `gopher_short_doc` / `gopher_long_doc`: fewer than `min_doc_words` / more than `max_doc_words` words (no
            word at all is short whatever `min_doc_words`)
        `gopher_words_too_short` / `gopher_words_too_long`: mean word length outside the bounds (symbol runs,
            base64 and hex blobs, URL lists)
        `gopher_too_many_hashes` / `gopher_too_many_ellipses`: `#` or ellipses per token above
            `max_symbol_word_ratio` (hashtag spam, truncated teasers)
        `gopher_too_many_bullet_lines`: more than `max_bullet_lines_ratio` of lines start with `•` or `-`
        `gopher_too_many_ellipsis_lines`: more than `max_ellipsis_lines_ratio` of lines end with an ellipsis
            (0.5, not Gopher's 0.3: French dialogue ends paragraphs with `…`; 3% of novel chunks had over 0.3)
        `gopher_too_few_stop_words`: fewer than `min_stop_words` distinct stop words of the document's language,
            in any case (keyword lists, menus, tags); skipped for a language without a list
            (`fonderie.text.stopwords`: fr, en, de, es, it, pt, nl)
        `gopher_too_few_alpha_words`: fewer than `min_alpha_words_ratio` of the tokens contain a letter (tables,
            numbers, code, symbol runs); punctuation of running text (`.,;:!?…«»()—`) is left out of the count, as
            French typography sets it apart (`« Oui ! »`), where Gopher's whitespace-split words had it attached
            (counted, 7% of French novel chunks fall under 0.8)
    Metadata added: none.

    Args:
        default_language: the language of documents without `language` metadata
        min_doc_words, max_doc_words, min_avg_word_length, max_avg_word_length, max_symbol_word_ratio,
            max_bullet_lines_ratio, max_ellipsis_lines_ratio, min_stop_words: datatrove's (and Gopher's) rules;
            None disables a rule. `min_doc_words` is 30, not 50: a short news item or forum answer of two or three
            sentences is good text; shorter junk (`merci !`, `+1`) has a handful of words
        min_alpha_words_ratio: datatrove's `max_non_alpha_words_ratio`, renamed after what it is
        max_uppercase_words_ratio: share of tokens of 3+ characters in capitals above which a document is spam
        max_mojibake_ratio: mojibake sequences per token above which a document is unreadable
        exclusion_writer: where dropped documents are written
    """

    name = "🥇 Gopher quality (multilingual)"

    def __init__(
        self,
        default_language: str = "fr",
        min_doc_words: int | None = 30,
        max_doc_words: int | None = 100_000,
        min_avg_word_length: float | None = 3,
        max_avg_word_length: float | None = 10,
        max_symbol_word_ratio: float | None = 0.1,
        max_bullet_lines_ratio: float | None = 0.9,
        max_ellipsis_lines_ratio: float | None = 0.5,
        min_alpha_words_ratio: float | None = 0.8,
        min_stop_words: int | None = 2,
        max_uppercase_words_ratio: float | None = 0.4,
        max_mojibake_ratio: float | None = 0.02,
        exclusion_writer: DiskWriter | None = None,
    ):
        if stop_words(default_language) is None:
            raise ValueError(f"default_language={default_language!r} has no stop-word list in fonderie.text")
        for name, value in (
            ("min_alpha_words_ratio", min_alpha_words_ratio),
            ("max_uppercase_words_ratio", max_uppercase_words_ratio),
            ("max_mojibake_ratio", max_mojibake_ratio),
            ("max_bullet_lines_ratio", max_bullet_lines_ratio),
            ("max_ellipsis_lines_ratio", max_ellipsis_lines_ratio),
        ):
            if value is not None and not 0 <= value <= 1:
                raise ValueError(f"{name}={value!r} must be in [0, 1]")
        if min_doc_words is not None and max_doc_words is not None and min_doc_words > max_doc_words:
            raise ValueError(f"min_doc_words={min_doc_words!r} is above max_doc_words={max_doc_words!r}")
        super().__init__(
            min_doc_words=min_doc_words,
            max_doc_words=max_doc_words,
            min_avg_word_length=min_avg_word_length,
            max_avg_word_length=max_avg_word_length,
            max_symbol_word_ratio=max_symbol_word_ratio,
            max_bullet_lines_ratio=max_bullet_lines_ratio,
            max_ellipsis_lines_ratio=max_ellipsis_lines_ratio,
            max_non_alpha_words_ratio=None,  # computed here, without punctuation marks
            min_stop_words=min_stop_words,
            exclusion_writer=exclusion_writer,
        )
        self.default_language = default_language
        self.max_uppercase_words_ratio = max_uppercase_words_ratio
        self.max_mojibake_ratio = max_mojibake_ratio
        self.min_alpha_words_ratio = min_alpha_words_ratio
        self._min_stop_words = min_stop_words
        # datatrove's rules call split_into_words(text, self.language), which takes a WordTokenizer as language
        self.language = word_tokenizer()

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        text = doc.text
        words = split_into_words(text, self.language)
        if not words:  # datatrove divides by the number of words
            return False, REASONS["gopher_short_doc"]
        if self.max_mojibake_ratio is not None and (n_mojibake := len(_MOJIBAKE.findall(text))):
            if n_mojibake > self.max_mojibake_ratio * max(len(words), 1):
                return False, TOO_MUCH_MOJIBAKE
        if self.max_uppercase_words_ratio is not None:
            long_words = [w for w in words if len(w) > 2]  # leaves out `L'`, `À`, initials
            n_upper = sum(map(str.isupper, long_words))
            if n_upper > 3 and n_upper > self.max_uppercase_words_ratio * len(long_words):
                return False, TOO_MANY_UPPERCASE_WORDS
        # the stop words of this document's language; the rule is skipped for a language without a list
        language_stop_words = stop_words(doc.metadata.get("language") or self.default_language)
        self.stop_words = language_stop_words or frozenset()
        self.min_stop_words = self._min_stop_words if language_stop_words is not None else None
        result = super().filter(doc)
        if result is not True:
            return False, REASONS.get(result[1], result[1])
        if self.min_alpha_words_ratio is not None and self._alpha_words_ratio(words) < self.min_alpha_words_ratio:
            return False, TOO_FEW_ALPHA_WORDS
        return True

    @staticmethod
    def _alpha_words_ratio(words: list[str]) -> float:
        """Share of the tokens, punctuation of running text left out, that contain a letter."""
        n_alpha = n_punctuation = 0
        for w in words:
            if w.isalpha():
                n_alpha += 1
            elif w in PROSE_PUNCTUATION:
                n_punctuation += 1
            elif _HAS_LETTER.search(w):
                n_alpha += 1
        return n_alpha / max(len(words) - n_punctuation, 1)
