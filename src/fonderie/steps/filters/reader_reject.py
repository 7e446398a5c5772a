from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from fonderie.pipeline.documents import REJECT_KEY


class ReaderRejectFilter(BaseFilter):
    """Drops the records a reader could not turn into a usable document, with the reader's reason.

    Readers never skip a record silently: they yield it marked with a reason, and this filter (always right after
    the readers) drops it, so the stage's stats count it and `excluded/` keeps it.
    Input: documents, some marked by a reader.
    Output: the unmarked documents, unchanged.
    Drops: whatever reason the reader gave (`invalid_json`, `empty_text`, `warc_not_response`, `warc_not_html`,
        `http_status_not_ok`, `undecodable_html`, `undecodable_text`, `truncated_file`, `not_a_json_object`,
        `wrong_format` (a whole file of another format, one record); see each reader's docstring).
    Metadata added: none.
    """

    name = "🚮 Reader rejects"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = doc.metadata.pop(REJECT_KEY, None)
        return (False, reason) if reason else True
