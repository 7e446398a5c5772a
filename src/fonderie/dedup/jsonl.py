"""Exact and MinHash near-duplicate clusters of a JSONL file, every record kept and annotated (`fonderie dedup`).

Each output line is the input record, in input order, plus `cluster_id` (the `id` of the cluster's kept document:
the same for all members, the record's own id when it is unique) and `duplicate_of` (that id for the documents a
dedup would drop, null for kept ones). A cluster keeps its first document in input order; exact duplicates (equal
after NFKC and whitespace collapsing) share a cluster too. Candidate pairs are verified by the exact Jaccard of
their shingle sets (`verify="exact"`, the default), by the signatures' estimate, or not at all.

The input is read three times: its lines counted (to size the arrays once), then every record for its signature,
then every record again for the output; under exact verification, the records of the documents in a candidate pair
are read once more in between, each by seeking to its line. Memory holds per document its id, the offset of its
line and ~4 * num_perm + 8 * bands + 25 bytes, plus 8 bytes per distinct shingle of each document in a candidate
pair under exact verification, never the texts.

JSON is parsed by the standard library: orjson parses ~2x faster, but that is ~0.08 s of a 30 MB file's ~3 s, and
it turns integers beyond 64 bits into floats (json keeps them), which would change the output.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Iterator
from json.encoder import encode_basestring

import numpy as np

from fonderie.dedup.minhash import MinhashConfig
from fonderie.errors import InputError

BATCH_DOCS = 1000  # texts hashed together: numpy's per-call costs are spread over a batch
BATCH_CHARS = 4_000_000  # ... unless their characters reach this (the batch's arrays grow with them)
READ_CHUNK = 1 << 24  # bytes read at a time to count the lines
PROGRESS_LINES = 1000  # lines between two updates of a progress bar (an update per line cost ~3% of a run)
ADDED_KEYS = ("cluster_id", "duplicate_of")


def _decode(line: bytes) -> str:
    """The line as json.loads(line) decodes it before parsing, for UTF-8 (its detection of UTF-16 and -32 aside):
    ~15% of a parse is that detection."""
    return line.decode("utf-8", "surrogatepass")


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text  # json.loads(bytes) skips a UTF-8 byte order mark


def _record(line: bytes, path: str, lineno: int) -> tuple[dict, str]:
    """The record of one line, with `id` and `text` checked, and the line decoded; InputError naming the line
    otherwise."""
    try:
        decoded = _decode(line)
        record = _DECODER.decode(_without_bom(decoded))
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


# json.dumps(x, ensure_ascii=False) and json.loads(s) build or look up their encoder and decoder on every call:
# ~25% of their time on JSONL lines; these are the same objects, made once
_ENCODER = json.JSONEncoder(ensure_ascii=False)
_DECODER = json.JSONDecoder()
_dumps = _ENCODER.encode


def _dump_id(doc_id: str | int) -> str:
    """json.dumps(doc_id, ensure_ascii=False) of a string or integer id, ~5x faster."""
    return encode_basestring(doc_id) if isinstance(doc_id, str) else int.__repr__(doc_id)


def _is_canonical(record: dict, decoded: str) -> bool:
    """Whether the line is what the output writes for its record before the added keys: json.dumps(record), as
    Python's json writes JSONL, and without those keys. Such a line is copied into the output and the keys
    appended to it, instead of being parsed and written again (~10% of a run)."""
    return not any(key in record for key in ADDED_KEYS) and decoded.rstrip("\r\n") == _dumps(record)


def _lines(path: str, bar) -> Iterator[tuple[int, int, bytes]]:
    """(byte offset, line number, line) of every non-blank line; the progress bar moves every PROGRESS_LINES."""
    offset = shown = 0
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            if line and not line.isspace():  # what line.strip() tells, without copying the line
                yield offset, lineno, line
            offset += len(line)
            if lineno % PROGRESS_LINES == 0:
                bar.update(offset - shown)
                shown = offset
    bar.update(offset - shown)


def _texts(path: str, offsets: np.ndarray, wanted: np.ndarray) -> Iterator[str]:
    """The texts of the records numbered `wanted` (sorted), each read at its line's byte offset."""
    with open(path, "rb") as f, _progress(len(wanted), "shingles") as bar:
        for start in offsets[wanted].tolist():
            f.seek(start)
            bar.update()
            yield _DECODER.decode(_without_bom(_decode(f.readline())))["text"]  # checked on the first reading


def _progress(size: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=size, unit="B", unit_scale=True, desc=desc, file=sys.stderr, delay=2)


def _count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(READ_CHUNK), b"")) + 1


def _sign(hasher, batch: list[str], signatures: np.ndarray, exact: np.ndarray) -> None:
    """Signatures and exact hashes of a batch of texts, into the rows given (views of the run's arrays).

    Measured: computing signatures in a second thread while the first parses the next records gained nothing on
    2 cores (the process still used one core's time), so all of it runs in one thread."""
    from fonderie.dedup.exact import exact_hashes

    signatures[:] = hasher.signatures(batch)
    exact[:] = exact_hashes(batch)


def dedup_jsonl(
    input_path: str,
    output_path: str,
    config: MinhashConfig,
    clusters_path: str | None = None,
    verify: str = "exact",
) -> dict:
    """Annotates `input_path` into `output_path` (and writes the clusters table to `clusters_path`); returns the
    counts (`Clusters.counts`). Raises InputError naming the file and line of a bad record, or a repeated id."""
    from fonderie.dedup import cluster_signatures
    from fonderie.dedup.minhash import MinHasher

    hasher = MinHasher(config)
    size = os.path.getsize(input_path)
    lines = _count_lines(input_path)  # at most this many records: arrays are allocated once
    signatures = np.empty((lines, config.num_perm), dtype=np.uint32)
    exact = np.empty((lines, 2), dtype=np.uint64)
    offsets = np.empty(lines, dtype=np.int64)
    canonical = np.empty(lines, dtype=bool)
    ids, first_line, batch, chars = [], {}, [], 0

    with _progress(size, "signatures") as bar:
        for offset, lineno, line in _lines(input_path, bar):
            record, decoded = _record(line, input_path, lineno)
            doc_id = record["id"]
            if doc_id in first_line:
                raise InputError(f"{input_path}:{lineno}: id {doc_id!r} already used on line {first_line[doc_id]}")
            first_line[doc_id] = lineno
            offsets[len(ids)], canonical[len(ids)] = offset, _is_canonical(record, decoded)
            ids.append(doc_id)
            batch.append(record["text"])
            chars += len(record["text"])
            if len(batch) >= BATCH_DOCS or chars >= BATCH_CHARS:
                rows = slice(len(ids) - len(batch), len(ids))
                _sign(hasher, batch, signatures[rows], exact[rows])
                batch, chars = [], 0
    rows = slice(len(ids) - len(batch), len(ids))
    _sign(hasher, batch, signatures[rows], exact[rows])
    del first_line
    n = len(ids)

    texts = functools.partial(_texts, input_path, offsets)
    clusters = cluster_signatures(signatures[:n], exact[:n], config, verify, texts)
    del signatures, exact, offsets, texts
    _write(input_path, output_path, ids, clusters.root, canonical[:n], size)
    if clusters_path:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from fonderie.dedup.clusters import clusters_table

        pq.write_table(clusters_table(pa.array([str(i) for i in ids]), clusters), clusters_path, compression="zstd")
    return clusters.counts()


def _write(input_path: str, output_path: str, ids: list, root: np.ndarray, canonical: np.ndarray, size: int):
    """Every record of `input_path`, in order, with its cluster_id and duplicate_of, written as one file: what
    json.dumps(record | {cluster_id, duplicate_of}, ensure_ascii=False) writes, a canonical line (`_is_canonical`)
    being that line with the two keys appended."""
    root, canonical = root.tolist(), canonical.tolist()
    with _progress(size, "writing") as bar, open(output_path + ".tmp", "wb") as out:
        for i, (_, _, line) in enumerate(_lines(input_path, bar)):
            cluster_id = ids[root[i]]
            if canonical[i]:
                dumped = _dump_id(cluster_id)
                end = f', "cluster_id": {dumped}, "duplicate_of": {dumped if root[i] != i else "null"}}}\n'
                out.write(line.rstrip(b"\r\n")[:-1] + end.encode("utf-8", "surrogatepass"))
            else:
                record = _DECODER.decode(_without_bom(_decode(line)))
                record["cluster_id"], record["duplicate_of"] = cluster_id, cluster_id if root[i] != i else None
                out.write((_dumps(record) + "\n").encode("utf-8", "surrogatepass"))
    os.replace(output_path + ".tmp", output_path)
