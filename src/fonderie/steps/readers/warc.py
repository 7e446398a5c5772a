from __future__ import annotations

import re

from warcio.archiveiterator import ArchiveIterator

from fonderie.steps.readers.input_base import InputDocumentReader
from fonderie.steps.readers.sniff import Look

HTML_TYPES = ("text/html", "application/xhtml+xml")
WARC_COMPRESSIONS = (None, "gzip")  # what warcio reads, whatever the file's name
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


class WarcDocumentReader(InputDocumentReader):
    """WARC and ARC files (`.warc`, `.warc.gz` with one gzip member per record), e.g. Common Crawl segments.

    Input: every record of the file. HTTP `response` records whose body is HTML become documents holding the HTML
        (decoded with the charset of the HTTP header, else UTF-8, else the detected one); HtmlExtractFilter then
        turns it into text. WET `conversion` records (plain text) become documents directly.
    Output: one document per record, id `<source>/<file>#<record position, 0-based>`; `url` from WARC-Target-URI,
        `date` from WARC-Date.
    Drops (marked here, dropped by ReaderRejectFilter; each one kept in `excluded/` without its body):
        `warc_not_response`: warcinfo, request, metadata, revisit and resource records
        `http_status_not_ok`: a response whose HTTP status is not 2xx (redirects, errors)
        `warc_not_html`: a response whose payload is not HTML (images, PDF, JSON, ...)
        `undecodable_html`: an HTML body that no charset decodes
        `empty_text`: a response with an empty body
        `wrong_format`: the whole file, as one record, when its first bytes (gunzipped) are not a WARC or ARC
            record header (text, JSON Lines, Parquet, a zstd-compressed file); warcio would stop the task on it.
            The warning names the file and what it looks like.
    Metadata added: source, file, url, date, license and language from the input config.
    """

    name = "🕷 WARC"
    input_format = "warc"

    def accepts(self, look: Look, filepath: str) -> bool:
        # an unreadable gzip stream is left to warcio, whose error names it
        return look.kind in ("warc", "empty", "unknown") and look.compression in WARC_COMPRESSIONS

    def read_file(self, filepath: str):
        if (rejected := self.wrong_format(filepath)) is not None:
            yield rejected
            return
        with self.data_folder.open(filepath, "rb") as f:
            for index, record in enumerate(ArchiveIterator(f, arc2warc=True)):
                with self.track_time():
                    doc = self._record_document(filepath, index, record)
                yield doc

    def _record_document(self, filepath: str, index: int, record):
        headers = record.rec_headers
        fields = {"url": headers.get_header("WARC-Target-URI"), "date": headers.get_header("WARC-Date")}
        if record.rec_type == "conversion":  # WET: already plain text
            body = record.content_stream().read()
            return self.new_document(filepath, index, body.decode("utf-8", "replace"), fields)
        if record.rec_type != "response" or record.http_headers is None:
            return self.new_document(filepath, index, "", fields, reject="warc_not_response")
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            fields["http_status"] = status
            return self.new_document(filepath, index, "", fields, reject="http_status_not_ok", detail=status)
        content_type = record.http_headers.get_header("Content-Type") or ""
        payload_type = headers.get_header("WARC-Identified-Payload-Type") or content_type.split(";")[0].strip()
        if payload_type.lower() not in HTML_TYPES:
            fields["content_type"] = payload_type
            return self.new_document(filepath, index, "", fields, reject="warc_not_html", detail=payload_type)
        html = _decode(record.content_stream().read(), content_type)
        if html is None:
            return self.new_document(filepath, index, "", fields, reject="undecodable_html")
        fields["_format"] = "html"  # private: tells HtmlExtractFilter to extract this one
        return self.new_document(filepath, index, html, fields)


def _decode(body: bytes, content_type: str) -> str | None:
    """Header charset, then UTF-8, then detection; None when nothing decodes the whole body."""
    candidates = []
    if m := _CHARSET.search(content_type):
        candidates.append(m.group(1))
    candidates.append("utf-8")
    for charset in candidates:
        try:
            return body.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    import cchardet  # faust-cchardet, from datatrove[io]

    detected = cchardet.detect(body).get("encoding")
    if detected:
        try:
            return body.decode(detected)
        except (UnicodeDecodeError, LookupError):
            return None
    return None
