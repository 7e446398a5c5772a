from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from fonderie.text import langid

LANG_UNDETERMINED = "lang_undetermined"
LANG_NOT_WANTED = "lang_not_wanted"
LANG_BELOW_THRESHOLD = "lang_below_threshold"

# Calibrated on shared/data with benchmarks/langid.py. lid.176's score for lines it labels French, 1st percentile:
# Tatoeba French sentences (median 37 characters) 0.452, ELTeC novel paragraphs under 50 characters 0.293, all
# ELTeC paragraphs 0.502. datatrove's 0.65 drops 2.4% of those Tatoeba lines and 10.4% of those short paragraphs;
# 0.5 drops 1.4% and 5.3%. At 0.25 none of the Tatoeba lines and 0.56% of the short paragraphs are dropped (0.09%
# of all paragraphs), and of the 44,928 non-French Tatoeba lines 320 (0.71%) are kept: lines of languages close to
# French that lid.176 labels French (Occitan, Interlingue, Catalan, Interlingua), of which 0.5 would drop 69%
# instead of 21%. No threshold keeps the 6 of 500 Tatoeba French lines (1.2%) that lid.176 labels another language
# ("Tu me comprends." en, "La nuit on dort." de). The French web, news and forum texts of sample_corpus score 0.95
# to 1.0; a two-word forum reply ("merci !") 0.46, kept.
DEFAULT_MIN_SCORE = 0.25


class FastTextLanguageFilter(BaseFilter):
    """Labels each document with its language (fastText lid.176) and keeps those in the wanted languages.

    Detection is the truth: the detected label replaces any `language` the input gave (an input's hint is often a
    site's or a dump's default, wrong for part of its records); the hint is kept under `language_hint`.
    Input: documents.
    Output: the documents whose detected language is wanted with a score of at least its threshold; all documents
        when `languages` is empty (labelling only).
    Drops:
        `lang_undetermined`: the text has no letter (empty, blank, digits or symbols only), so no language to keep
            (kept, labelled `und`, when `languages` is empty)
        `lang_not_wanted`: the detected language is not in `languages`
        `lang_below_threshold`: the detected language is wanted but its score is below its `min_score` (lid.176
            unsure: very short text, a close language, a mix of languages)
    Metadata added:
        language: lid.176's code of the detected language (ISO 639-1 where there is one: `fr`, `en`), `und` for text
            with no letter
        language_score: the model's probability for it, a float in [0, 1]
        language_hint: the `language` the document arrived with, when it had one
        language_shares (with `paragraph_shares`): [{"language": "fr", "share": 0.8}, ...], the share of the
            characters in each language, largest first, paragraph by paragraph (see `fonderie.text.langid`)

    Args:
        languages: codes to keep, e.g. ["fr"]; None or empty keeps every document (labels only)
        min_score: threshold on the score, one for all, or per language ({"fr": 0.25, "en": 0.5}; a wanted
            language left out gets the default, 0.25, calibrated so that short plain French is kept)
        paragraph_shares: also identify each paragraph, so mixed documents can be seen (one more prediction per
            paragraph of 50 characters or more)
        exclusion_writer: where dropped documents are written
    """

    name = "🌍 Language ID"

    def __init__(
        self,
        languages: list[str] | str | None = None,
        min_score: float | dict[str, float] = DEFAULT_MIN_SCORE,
        paragraph_shares: bool = False,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        languages = [languages] if isinstance(languages, str) else list(languages or [])
        known = set(langid.LABELS)
        unknown = [lang for lang in languages if lang not in known]
        if unknown:
            raise ValueError(
                f"languages={unknown!r}: not lid.176 codes (ISO 639-1 where one exists, e.g. 'fr', not 'fra')"
            )
        scores = min_score.items() if isinstance(min_score, dict) else [("every language", min_score)]
        for lang, score in scores:
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
                raise ValueError(f"min_score={score!r} for {lang!r} must be a number in [0, 1]")
        if isinstance(min_score, dict):
            if not languages and min_score:
                raise ValueError(f"min_score={min_score!r} per language needs `languages`: nothing is filtered")
            extra = [lang for lang in min_score if lang not in languages]
            if extra:
                raise ValueError(f"min_score has thresholds for {extra!r}, which are not in languages={languages!r}")
            thresholds = {lang: min_score.get(lang, DEFAULT_MIN_SCORE) for lang in languages}
        else:
            thresholds = dict.fromkeys(languages, min_score)
        self.languages = languages
        self.min_score = {lang: float(score) for lang, score in thresholds.items()}
        self.paragraph_shares = paragraph_shares

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        lang, score = langid.predict(doc.text)
        hint = doc.metadata.get("language")
        if hint:
            doc.metadata["language_hint"] = hint
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = score
        if self.paragraph_shares:
            shares = langid.paragraph_shares(doc.text)
            doc.metadata["language_shares"] = [{"language": k, "share": v} for k, v in shares.items()]
        if not self.languages:
            return True
        if lang == langid.UNDETERMINED:
            return False, LANG_UNDETERMINED
        if lang not in self.min_score:
            return False, LANG_NOT_WANTED
        if score < self.min_score[lang]:
            return False, LANG_BELOW_THRESHOLD
        return True
