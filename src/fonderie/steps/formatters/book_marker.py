from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from fonderie.pipeline.documents import BOOK_KEY


class BookMarker(PipelineStep):
    """Marks the documents of the inputs declared `kind: book` (or `kind: web`) for the steps after it.

    Whether a text is a book changes how it is judged: its printed lines are wrapped, so the line-based quality
    rules look at its paragraphs, and the rules aimed at code and web boilerplate (C4's `{`, `javascript`, policy
    lines) do not apply. Page furniture marks the documents in which it finds pages; this step marks the ones the
    pipeline file declares, paged or not (ELTeC-style text with one paragraph per line).
    Input: documents.
    Output: the same documents, text unchanged.
    Drops: none.
    Metadata added: `_book` (private to the run, never written): "input" for a `book_sources` document, False for
        a `web_sources` one (page furniture then never marks it). Counts `docs_marked_book` in its stats.

    Args:
        book_sources: the `source` of every input declared `kind: book`
        web_sources: the `source` of every input declared `kind: web`
    """

    name = "📚 Book marker"
    type = "✂️ - FORMAT"

    def __init__(self, book_sources: list[str] | tuple[str, ...] = (), web_sources: list[str] | tuple[str, ...] = ()):
        if isinstance(book_sources, str) or isinstance(web_sources, str):
            raise ValueError(f"book_sources={book_sources!r}, web_sources={web_sources!r} must be lists of sources")
        if overlap := set(book_sources) & set(web_sources):
            raise ValueError(f"sources {sorted(overlap)} cannot be both books and web")
        super().__init__()
        self.book_sources = frozenset(book_sources)
        self.web_sources = frozenset(web_sources)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update("total")
            source = doc.metadata.get("source")
            if source in self.book_sources:
                doc.metadata[BOOK_KEY] = "input"
                self.stat_update("docs_marked_book")
            elif source in self.web_sources:
                doc.metadata[BOOK_KEY] = False
            yield doc
