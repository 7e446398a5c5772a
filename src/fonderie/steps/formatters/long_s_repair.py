from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from fonderie.pipeline.documents import is_book
from fonderie.text.long_s import repair_long_s
from fonderie.text.pages.hyphen import LEXICON_LANGUAGES, lexicon

# the pyspellchecker word lists (word -> frequency) that decide an `f` read for a long s


class LongSRepairFormatter(PipelineStep):
    """Reads back as `s` the long s (ſ) of old books, as OCR writes it: `ſ`, `{` and `f` (`{péciatement`,
    `efpèce`, `fur`), so that an 18th-century book is not taken for code and its words are words.

    The rules and the evidence a document must show before any `f` is changed are in `fonderie.text.long_s`: `ſ`
    and `{` before a lower-case letter always become `s`; a lower-case non-final `f` only in a document where many
    words are unknown as written and known with an `s`, and only where the word list of the document's `language`
    (pyspellchecker's, bundled: no download) knows the `s` form and not the `f` form (or as a far rarer word).
    Only documents the run knows are books are read (`_book`: an input's `kind: book`, or pages found by page
    furniture): in code, `{return` is not a word.
    Input: documents, after language ID (the word list follows `language`).
    Output: the same documents, long s repaired.
    Drops: none.
    Metadata added: `long_s_repairs`: letters changed in a book (0 when none), absent on other documents. Counts
        `docs_repaired`, `long_s_char`, `long_s_curly` and `long_s_f` (letters changed) in its stats.

    Args:
        default_language: the word list used when a book has no `language` (or one without a list)
    """

    name = "ſ Long s repair"
    type = "✂️ - FORMAT"

    def __init__(self, default_language: str = "fr"):
        if default_language not in LEXICON_LANGUAGES:
            raise ValueError(f"default_language={default_language!r} must be one of {LEXICON_LANGUAGES}")
        super().__init__()
        self.default_language = default_language

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update("total")
            if is_book(doc):
                with self.track_time():
                    language = doc.metadata.get("language")
                    result = repair_long_s(doc.text, lexicon(language if language in LEXICON_LANGUAGES
                                                             else self.default_language))  # fmt: skip
                    doc.text = result.text
                    doc.metadata["long_s_repairs"] = result.total
                    if result.total:
                        self.stat_update("docs_repaired")
                    for kind, n in result.counts.items():
                        self.stat_update(kind, value=n)
            yield doc
