"""What every reader of raw inputs shares: where the files are, that each is the declared format, how a record
becomes a document, and its id."""

from __future__ import annotations

import os
from abc import abstractmethod
from glob import has_magic

from datatrove.data import Document
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.utils.logging import logger

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.readers.sniff import Look, look_at_file

# record fields that have a typed column of their own; anything else lands in `extra`
KNOWN_FIELDS = ("url", "title", "date", "language", "license")
# a record's fields named like fonderie's own columns, or private (`_`): kept renamed, so neither side is lost
RESERVED_FIELDS = ("id", "text", "source", "file", "split", "extra", "filter_reason", "drop_reason")
# a file whose first bytes are plainly another format: dropped whole, as one record (see `wrong_format`)
WRONG_FORMAT = "wrong_format"
# reasons about a whole file are logged for every file, not once per task: each names a file to fix


def record_fields(record: dict) -> dict:
    """A JSONL record's or Parquet row's fields, those in RESERVED_FIELDS or starting with `_` renamed
    `record_<name>` (a record's `source` must not replace the input's, its `text` the text, its `_id` vanish)."""
    return {f"record_{k}" if k in RESERVED_FIELDS or k.startswith("_") else k: v for k, v in record.items()}


def split_path(path: str) -> tuple[str, str | None]:
    """`data/web/*.warc.gz` -> (`data/web`, `*.warc.gz`); a file -> (its folder, a glob of its name only); a folder
    -> (it, None)."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if has_magic(part):
            return "/".join(parts[:i]) or ".", "/".join(parts[i:])
    if "://" not in path and os.path.isfile(path):
        return os.path.dirname(path) or ".", exact_pattern(os.path.basename(path))
    return path, None


def exact_pattern(name: str) -> str:
    """A glob that matches the file `name` only (a name with `*`, `?` or `[` never gets here: it is a glob).
    datatrove reads a pattern without a wildcard as a suffix (`news.jsonl` becomes `*news.jsonl`, which also reads
    `fake_news.jsonl`): one letter or digit goes in brackets instead (`[n]ews.jsonl`; not `!`, `^` or `-`, which
    mean something inside brackets)."""
    i = next((i for i, c in enumerate(name) if c.isalnum()), None)
    return name if i is None else f"{name[:i]}[{name[i]}]{name[i + 1 :]}"


class InputDocumentReader(BaseDiskReader):
    """Base of the input readers: files from a path or glob, stable ids, input-level metadata, marked bad records.

    Subclasses override only `read_file`, which starts with `wrong_format(filepath)`, and build each document with
    `new_document`; each says which first bytes it reads in `accepts` (see `sniff.py`).

    Why a file of the wrong format is dropped rather than stopping the run: one stray file in a folder of
    thousands (a README, a `.md5` next to each `.warc.gz`) must not crash every task that meets it, and by the
    project's rule whatever is read leaves kept or dropped with a named reason. It is dropped as ONE record,
    `wrong_format` (`<source>/<file>#0`, its look in `extra.looks_like`), never as thousands of per-record drops,
    and each such file is logged by name. An input whose files are all the wrong format is a mistake in the
    pipeline file, and the ingest stage refuses it while it is planned (`pipeline/stages/ingest.py`).

    Args:
        path: a file, a folder (read recursively) or a glob such as `crawl/**/*.warc.gz`
        source: the input's name, first part of every id and the `source` column
        license: written to the `license` column of every document
        language: hint written to `language` when a record has none
        text_key: the record field that holds the text (jsonl, parquet)
        split: `train` or `val` written to every document's `split` (the tokenize stage then writes it to that split
            instead of choosing by id hash); None writes nothing
    """

    input_format = ""  # the `format:` of the inputs this reader reads, for messages

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

    @abstractmethod
    def accepts(self, look: Look, filepath: str) -> bool:
        """Whether a file that looks like this is one this reader reads (positive signs of another format only);
        every format's reader says it (datatrove's bases are ABCs: a reader without it cannot be built)."""

    def format_mismatch(self, filepath: str) -> Look | None:
        """How the file looks when that is not the declared format; None when it is (or cannot be told)."""
        look = look_at_file(self.data_folder, filepath)
        return None if self.accepts(look, filepath) else look

    def mismatch(self, look: Look, filepath: str) -> str:
        """What is wrong with a file that looks like this, said after its name."""
        return f"looks like {look}, not {self.input_format}"

    def wrong_format(self, filepath: str) -> Document | None:
        """The whole file as one document marked `wrong_format` if its first bytes are another format; else None."""
        look = self.format_mismatch(filepath)
        if look is None:
            return None
        detail = self.mismatch(look, filepath)
        return self.new_document(filepath, 0, "", {"looks_like": str(look)}, reject=WRONG_FORMAT, detail=detail)

    def input_files(self) -> list[str]:
        """Every file this reader reads, relative to its folder, sorted (the list datatrove splits over tasks)."""
        return self.data_folder.list_files(recursive=self.recursive, glob_pattern=self.glob_pattern)

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
        """Log the first record dropped for each reason (each file for WRONG_FORMAT), with where it is; the stats
        count all of them."""
        if reason in self._warned and reason != WRONG_FORMAT:
            return
        self._warned.add(reason)
        logger.warning(f"[{self.source}] {where}: {reason}{f' ({detail})' if detail else ''}; counted and dropped")
