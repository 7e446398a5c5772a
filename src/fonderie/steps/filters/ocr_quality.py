from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from fonderie.pipeline.documents import is_book
from fonderie.text.ocr_quality import readable_share
from fonderie.text.pages.hyphen import LEXICON_LANGUAGES, lexicon

OCR_UNREADABLE = "ocr_unreadable"
# Calibrated on the 93 ICDAR 2017 monograph pages (shared/data/ocr_pages) against their ground truth, by
# benchmarks/quality_thresholds.py: the real OCR pages score 0.49 to 0.99 (median 0.905, the noisiest at 2.4%
# character errors), their ground truth 0.48 to 0.99; the same ground truth with 10% of its letters garbled
# scores 0.36-0.73 (1 page of 93 below 0.45), with 20% median 0.45 (51 below), with 30% at most 0.43 (all below).
# Lucie kept Gallica OCR scored >= 90 (the engine's confidence, near 10% wrong words); this drops only the
# unreadable, about a fifth of the letters wrong and more.
MIN_READABLE_SHARE = 0.45
MIN_TOKENS = 50  # fewer tokens say too little about the OCR: a title page, a table, a short chunk


class OcrQualityFilter(BaseFilter):
    """Drops OCR that cannot be read: pages of symbols, text garbled beyond its words.

    The measure is the share of a document's tokens that are numbers or words its language's word list knows
    (`fonderie.text.ocr_quality`; pyspellchecker's lists, bundled), computed after the long s is repaired. Good
    OCR of old books scores 0.85 to 0.95 (rare words, names, Latin and OCR slips are the rest); a page with a fifth
    of its characters wrong scores under 0.46. It judges only the documents the run knows are books (an input's
    `kind: book`, or pages found by page furniture): web text is judged by the Gopher and C4 rules, and a word
    list's gaps (slang, brands) say nothing about a web page. A book in a language without a word list is kept and
    counted as `docs_without_lexicon`.
    Input: documents, after language ID (the word list follows `language`) and long-s repair.
    Output: the documents that pass, unchanged.
    Drops:
        `ocr_unreadable`: fewer than `min_readable_share` of its tokens are known words or numbers (with at least
            `min_tokens` tokens to judge)
    Metadata added: none.

    Args:
        min_readable_share: the share of readable tokens a book must reach; default calibrated on ICDAR 2017
        min_tokens: a shorter document is not judged
        default_language: the word list used when a book has no `language`
        exclusion_writer: where dropped documents are written
    """

    name = "🔎 OCR quality"

    def __init__(
        self,
        min_readable_share: float = MIN_READABLE_SHARE,
        min_tokens: int = MIN_TOKENS,
        default_language: str = "fr",
        exclusion_writer: DiskWriter | None = None,
    ):
        if not 0 <= min_readable_share <= 1:
            raise ValueError(f"min_readable_share={min_readable_share!r} must be in [0, 1]")
        if min_tokens < 1:
            raise ValueError(f"min_tokens={min_tokens!r} must be >= 1")
        if default_language not in LEXICON_LANGUAGES:
            raise ValueError(f"default_language={default_language!r} must be one of {LEXICON_LANGUAGES}")
        super().__init__(exclusion_writer)
        self.min_readable_share = min_readable_share
        self.min_tokens = min_tokens
        self.default_language = default_language

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not is_book(doc):
            return True
        language = doc.metadata.get("language") or self.default_language
        if language not in LEXICON_LANGUAGES:
            self.stat_update("docs_without_lexicon")
            return True
        share, tokens = readable_share(doc.text, lexicon(language))
        if tokens < self.min_tokens:
            self.stat_update("docs_too_short_to_judge")
            return True
        if share < self.min_readable_share:
            return False, OCR_UNREADABLE
        return True
