"""What every reader of raw inputs shares: where the files are, how a record becomes a document, and its id."""

from __future__ import annotations

import os
from glob import has_magic

from datatrove.data import Document
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.utils.logging import logger

from fonderie.pipeline.documents import REJECT_KEY

# record fields that have a typed column of their own; anything else lands in `extra`
KNOWN_FIELDS = ("url", "title", "date", "language", "license")
# a record's fields named like fonderie's own columns, or private (`_`): kept renamed, so neither side is lost
RESERVED_FIELDS = ("id", "text", "source", "file", "split", "extra", "filter_reason", "drop_reason")


def record_fields(record: dict) -> dict:
    """A JSONL record's or Parquet row's fields, those in RESERVED_FIELDS or starting with `_` renamed
    `record_<name>` (a record's `source` must not replace the input's, its `text` the text, its `_id` vanish)."""
    return {f"record_{k}" if k in RESERVED_FIELDS or k.startswith("_") else k: v for k, v in record.items()}


def split_path(path: str) -> tuple[str, str | None]:
    """`data/web/*.warc.gz` -> (`data/web`, `*.warc.gz`); a file -> (its folder, its name); a folder -> (it, None)."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if has_magic(part):
            return "/".join(parts[:i]) or ".", "/".join(parts[i:])
    if "://" not in path and os.path.isfile(path):
        return os.path.dirname(path) or ".", os.path.basename(path)
    return path, None


class InputDocumentReader(BaseDiskReader):
    """Base of the input readers: files from a path or glob, stable ids, input-level metadata, marked bad records.

    Subclasses override only `read_file` and build each document with `new_document`.

    Args:
        path: a file, a folder (read recursively) or a glob such as `crawl/**/*.warc.gz`
        source: the input's name, first part of every id and the `source` column
        license: written to the `license` column of every document
        language: hint written to `language` when a record has none
        text_key: the record field that holds the text (jsonl, parquet)
        split: `train` or `val` written to every document's `split` (the tokenize stage then writes it to that split
            instead of choosing by id hash); None writes nothing
    """

    def __init__(
        self,
        path: str,
        source: str,
        license: str | None = None,
        language: str | None = None,
        text_key: str = "text",
        limit: int = -1,
        split: str | None = None,
    ):
        folder, pattern = split_path(path)
        super().__init__(folder, glob_pattern=pattern, recursive=True, text_key=text_key, limit=limit)
        self.source = source
        self.license = license
        self.language = language
        if split not in (None, "train", "val"):
            raise ValueError(f"split must be None, 'train' or 'val', got {split!r}")
        self.split = split
        self._warned: set[str] = set()

    def new_document(
        self,
        filepath: str,
        index: int,
        text: str | None,
        fields: dict | None = None,
        reject: str | None = None,
        detail: str = "",
    ) -> Document:
        """One record as a document. With `reject` (or no text) it is marked, and ReaderRejectFilter drops it."""
        fields = dict(fields or {})
        meta = {"source": self.source, "file": filepath, "license": self.license, "language": self.language}
        for key in KNOWN_FIELDS:
            value = fields.pop(key, None)
            if key == "language" and value is None:
                value = fields.pop("lang", None)
            if value is not None:
                meta[key] = value if isinstance(value, str) else str(value)
        meta.update(fields)
        if self.split is not None:
            meta["split"] = self.split
        if reject is None and not (isinstance(text, str) and text.strip()):
            reject = "empty_text"
        if reject:
            meta[REJECT_KEY] = reject
            self.warn_once(reject, f"{self.data_folder.resolve_paths(filepath)} record {index}", detail)
        text = text if isinstance(text, str) else ""
        self.stat_update("bytes_in", value=len(text.encode("utf-8", "surrogatepass")), unit="doc")
        return Document(text=text, id=f"{self.source}/{filepath}#{index}", metadata=meta)

    def warn_once(self, reason: str, where: str, detail: str = "") -> None:
        """Log the first record dropped for each reason, with where it is; the stats count all of them."""
        if reason in self._warned:
            return
        self._warned.add(reason)
        logger.warning(f"[{self.source}] {where}: {reason}{f' ({detail})' if detail else ''}; counted and dropped")
