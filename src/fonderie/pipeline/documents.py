"""The document shard schema and the conversions between datatrove `Document`s and Parquet rows.

Every stage writes the same typed columns (nullable unless said), so that `polars.scan_parquet("OUT/NN_x/*.parquet")`
reads a whole stage and later stages can add columns of their own:

    id        string, never null: `<source>/<file relative to the input folder>#<record position>`, stable across
              runs and task counts; tells where the document came from
    text      string, never null
    source    string, never null: the `source` name of the input
    url, title, date, language, license, file   string: what the input knows (date as given, ISO 8601 when known)
    split     string: `train` or `val` when the input fixes the token split (`split:`), null: by id hash
    extra     string: JSON object with any other input field (e.g. `author`), null when there is none

Metadata keys that start with `_` are private to a run (e.g. a reader's reject reason) and are never written.
The clean stage adds `long_s_repairs` (int64: letters read back as `s` in an OCR'd book, null elsewhere).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyarrow as pa
from datatrove.data import Document

# a reader marks a record it cannot turn into a document with this key; ReaderRejectFilter drops it with the reason
REJECT_KEY = "_reject_reason"
DROP_REASON = "drop_reason"
# set in the clean stage on a document the run knows is a book: "input" (its input says `kind: book`) or "pages"
# (page furniture found pages); False when its input says `kind: web`. Line-based quality rules then judge its
# paragraphs, and the rules aimed at code and web boilerplate do not apply (fonderie.text.paragraphs)
BOOK_KEY = "_book"


def is_book(doc: Document) -> bool:
    """Whether the clean stage marked `doc` as (part of) a book."""
    return bool(doc.metadata.get(BOOK_KEY))


CORE_COLUMNS = ("id", "text", "source", "url", "title", "date", "language", "license", "file", "split", "extra")
_NOT_NULL = {"id", "text", "source"}


def document_schema(extra: Iterable[tuple[str, pa.DataType]] = ()) -> pa.Schema:
    """The core columns, then the columns that stages add (each a name and an Arrow type)."""
    fields = [pa.field(c, pa.string(), nullable=c not in _NOT_NULL) for c in CORE_COLUMNS]
    fields += [pa.field(name, dtype) for name, dtype in extra]
    return pa.schema(fields)


def excluded_schema(schema: pa.Schema) -> pa.Schema:
    """Dropped documents keep every column plus the reason they were dropped."""
    return schema.append(pa.field(DROP_REASON, pa.string(), nullable=False))


def document_to_row(doc: Document, schema: pa.Schema) -> dict:
    """A Document as a row of `schema`; metadata with no column of its own goes into `extra`."""
    meta = doc.metadata
    row = {"id": doc.id, "text": doc.text}
    extra = json.loads(meta["extra"]) if meta.get("extra") else {}
    for key, value in meta.items():
        if key.startswith("_") or key in ("extra", "filter_reason"):
            continue
        if key in schema.names:
            row[key] = value
        elif value is not None:
            extra[key] = value
    if DROP_REASON in schema.names:
        row[DROP_REASON] = meta.get("filter_reason") or "unnamed"
    row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str) if extra else None
    return {name: row.get(name) for name in schema.names}


def row_to_document(row: dict) -> Document:
    """A shard row back into a Document (the inverse of `document_to_row` for the core columns)."""
    row = dict(row)
    row.pop(DROP_REASON, None)
    return Document(text=row.pop("text"), id=row.pop("id"), metadata={k: v for k, v in row.items() if v is not None})
