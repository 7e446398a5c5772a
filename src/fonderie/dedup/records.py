"""JSONL records for `fonderie dedup`: a line parsed and checked, and the output's JSON written as json.dumps does.

JSON is parsed by the standard library: orjson parses ~2x faster, but that is ~0.08 s of a 30 MB file's ~3 s, and
it turns integers beyond 64 bits into floats (json keeps them), which would change the output.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

from fonderie.errors import InputError

ADDED_KEYS = ("cluster_id", "duplicate_of")

# json.dumps(x, ensure_ascii=False) and json.loads(s) build or look up their encoder and decoder on every call:
# ~25% of their time on JSONL lines; these are the same objects, made once
_ENCODER = json.JSONEncoder(ensure_ascii=False)
DECODER = json.JSONDecoder()
dumps = _ENCODER.encode


def decode_line(line: bytes) -> str:
    """The line as json.loads(line) decodes it before parsing, for UTF-8 (its detection of UTF-16 and -32 aside):
    ~15% of a parse is that detection."""
    return line.decode("utf-8", "surrogatepass")


def without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text  # json.loads(bytes) skips a UTF-8 byte order mark


def load_line(line: bytes) -> dict:
    """The record of a line already checked by `parse_record` (on an earlier reading of the file)."""
    return DECODER.decode(without_bom(decode_line(line)))


def parse_record(line: bytes, path: str, lineno: int) -> tuple[dict, str]:
    """The record of one line, with `id` and `text` checked, and the line decoded; InputError naming the line
    otherwise."""
    try:
        decoded = decode_line(line)
        record = DECODER.decode(without_bom(decoded))
    except ValueError as e:  # UnicodeDecodeError included
        raise InputError(f"{path}:{lineno}: not valid JSON ({e})") from None
    if not isinstance(record, dict):
        raise InputError(f"{path}:{lineno}: a record must be a JSON object, not {type(record).__name__}")
    for key in ("id", "text"):
        if record.get(key) is None:
            raise InputError(f"{path}:{lineno}: record has no `{key}` (fields: {', '.join(record) or 'none'})")
    if isinstance(record["id"], bool) or not isinstance(record["id"], str | int):
        raise InputError(f"{path}:{lineno}: `id` must be a string or an integer, not {record['id']!r}")
    if not isinstance(record["text"], str):
        raise InputError(f"{path}:{lineno}: `text` must be a string, not {type(record['text']).__name__}")
    return record, decoded


def dump_id(doc_id: str | int) -> str:
    """json.dumps(doc_id, ensure_ascii=False) of a string or integer id, ~5x faster."""
    return encode_basestring(doc_id) if isinstance(doc_id, str) else int.__repr__(doc_id)


def is_canonical(record: dict, decoded: str) -> bool:
    """Whether the line is what the output writes for its record before the added keys: json.dumps(record), as
    Python's json writes JSONL, and without those keys. Such a line is copied into the output and the keys
    appended to it, instead of being parsed and written again (~10% of a run)."""
    return not any(key in record for key in ADDED_KEYS) and decoded.rstrip("\r\n") == dumps(record)
