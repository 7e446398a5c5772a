from __future__ import annotations

from dataclasses import asdict

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.formatters.base import BaseFormatter
from datatrove.utils.typeshelper import StatHints

from fonderie.pipeline.documents import BOOK_KEY
from fonderie.text.pages.furniture import INLINE_HEADS, PageCleanResult, strip_page_furniture

# word lists pyspellchecker ships in its wheel
LANGUAGES = ("ar", "de", "en", "es", "eu", "fa", "fr", "it", "lv", "nl", "pt", "ru")


class PageFurnitureFormatter(BaseFormatter):
    """Removes the page furniture of books (page numbers, running heads and feet, signature marks, catchwords) and
    rejoins what the page breaks split (paragraphs, and words hyphenated at a line or page end).

    Decisions come from the document's structure, never from one line alone (see `fonderie.text.pages.furniture`):
    pages are the form feeds an extractor wrote, or a regular run of page numbers; a number counts only as part of a
    sequence that grows with the pages; a head only when it comes back at the same edge of nearby pages. Text that
    is not paged (web pages, posts) comes back unchanged, but for form feeds and words hyphenated at a line end.
    Input: documents, typically PDF or OCR text of books (form feeds kept).
    Output: the same documents, furniture removed, form feeds gone, hyphenated words and split paragraphs rejoined.
    Drops: none; a document is never dropped.
    Metadata added: `removed_spans` when `record_spans` is set: one dict per change, `{"line": 1-based input line,
        "reason": "page_number" | "running_header" | "running_footer" | "signature_mark" | "catchword" |
        "page_break" | "form_feed" | "hyphen_join", "text": what was removed}`. `_book` (private to the run) set to
        "pages" when pages were found and no input kind decided it: the quality filters then judge the document as
        a book. Counts `pages_detected`, `lines_removed`, `docs_paged`, `hyphen_joins` and `removed_<reason>` in
        its stats.

    Args:
        record_spans: write `removed_spans` to each document's metadata (an audit trail; it costs space)
        inline_heads: heads at the start of a long line (OCR pages flattened to one line): "auto" (cut them when
            the pages are form feeds or the heads are in capitals), True (always) or False (never)
        join_hyphens: rejoin words hyphenated across a line or page break
        languages: pyspellchecker word lists used as evidence that a rejoined word exists (the document's own
            vocabulary always is)
        sources: clean only the documents of these inputs (their `source`, e.g. ["books"]); others pass untouched
            and are counted as `docs_not_selected`. None: every document
    """

    name = "📖 Page furniture"

    def __init__(
        self,
        record_spans: bool = False,
        inline_heads: str | bool = "auto",
        join_hyphens: bool = True,
        languages: tuple[str, ...] = ("fr", "en"),
        sources: list[str] | tuple[str, ...] | None = None,
    ):
        if inline_heads not in INLINE_HEADS:
            raise ValueError(f"inline_heads={inline_heads!r} is not one of {INLINE_HEADS}")
        unknown = [lang for lang in languages if lang not in LANGUAGES]
        if isinstance(languages, str) or unknown:
            raise ValueError(f"languages={languages!r} must be a tuple of {LANGUAGES}")
        if isinstance(sources, str) or (sources is not None and not sources):
            raise ValueError(f"sources={sources!r} must be a non-empty list of input names, or None for all")
        super().__init__()
        self.record_spans = record_spans
        self.sources = frozenset(sources) if sources is not None else None
        self.options = {"inline_heads": inline_heads, "join_hyphens": join_hyphens, "languages": tuple(languages)}

    def _clean(self, text: str) -> PageCleanResult:
        result = strip_page_furniture(text, **self.options)
        if result.pages:
            self.stat_update("docs_paged")
            self.stat_update("pages_detected", value=result.pages)
        if result.lines_removed:
            self.stat_update("lines_removed", value=result.lines_removed)
        for r in result.removals:
            self.stat_update("hyphen_joins" if r.reason == "hyphen_join" else f"removed_{r.reason}")
        return result

    def format(self, text: str) -> str:
        return self._clean(text).text

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # datatrove's hook `format(text)` cannot see the document; choosing documents by source and recording spans
        # need its metadata, so this is BaseFormatter.run with those two added
        for doc in data:
            self.stat_update(StatHints.total)
            if self.sources is not None and doc.metadata.get("source") not in self.sources:
                self.stat_update("docs_not_selected")
                yield doc
                continue
            with self.track_time():
                result = self._clean(doc.text)
                doc.text = result.text
                if result.pages:
                    doc.metadata.setdefault(BOOK_KEY, "pages")
                if self.record_spans:
                    doc.metadata["removed_spans"] = [asdict(r) for r in result.removals]
            yield doc
