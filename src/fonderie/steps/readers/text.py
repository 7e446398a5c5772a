from __future__ import annotations

from pathlib import PurePosixPath

from fonderie.steps.readers.input_base import InputDocumentReader


class TextFolderReader(InputDocumentReader):
    """Plain-text files, one document per file (`.txt`, `.md`, PDF or OCR text dumps with form feeds kept).

    Input: files decoded with `encoding` (default utf-8; a UTF-8 byte-order mark is removed).
    Output: one document per file, id `<source>/<file>#0`, `title` set to the file name without extension.
    Drops (marked here, dropped by ReaderRejectFilter):
        `undecodable_text`: bytes that are not valid in `encoding`; the warning names the file and the byte offset
            (set `encoding: latin-1` or `cp1252` on the input if that is what the files are)
        `empty_text`: the file is empty or only whitespace
    Metadata added: source, file, title, license and language from the input config.

    Args:
        encoding: how the files are decoded
    """

    name = "📄 Text files"

    def __init__(self, *args, encoding: str = "utf-8", **kwargs):
        super().__init__(*args, **kwargs)
        self.encoding = encoding

    def read_file(self, filepath: str):
        with self.track_time():
            with self.data_folder.open(filepath, "rb") as f:
                raw = f.read()
            fields = {"title": PurePosixPath(filepath).stem}
            try:
                text = raw.decode("utf-8-sig" if self.encoding.lower() in ("utf-8", "utf8") else self.encoding)
            except UnicodeDecodeError as e:
                detail = f"byte {e.start}: {raw[e.start : e.start + 4]!r} is not {self.encoding}"
                doc = self.new_document(filepath, 0, "", fields, reject="undecodable_text", detail=detail)
            else:
                doc = self.new_document(filepath, 0, text, fields)
        yield doc
