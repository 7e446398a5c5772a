"""The layout of a token folder, its dtypes, the deterministic hashes that split and shuffle, and `ShardRoller`.

Everything that decides where a document goes is a hash of its id (never of the task, the order or the time), so
1 task or 40 put the same rows in the same split, and a shuffle orders them the same way.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fonderie.errors import InputError

if TYPE_CHECKING:  # training imports this module; it must run where only torch and pyarrow are installed
    from datatrove.io import DataFolder

TOKENS_DIR = "tokens"  # inside the tokenize stage folder
MANIFEST_FILE = "manifest.json"
TOKENIZER_DIR = "tokenizer"  # the copy of the tokenizer inside a token folder (and the trained one's folder)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
PARTS_DIR = ".parts"  # one JSON per task that wrote final shards: what it wrote, read by the manifest phase
SPLITS = ("train", "val")
TMP_SUFFIX = ".tmp"

_VAL_SALT = b"fonderie/val"


def token_dtype(vocab_size: int) -> str:
    """uint16 while every id fits (vocabularies up to 65,536), else uint32."""
    return "uint16" if vocab_size <= 1 << 16 else "uint32"


def token_schema(dtype: str) -> pa.Schema:
    """One row per document; `input_ids` ends with the EOS id, `n_tokens` is its length."""
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("input_ids", pa.list_(pa.from_numpy_dtype(np.dtype(dtype))), nullable=False),
            pa.field("n_tokens", pa.int64(), nullable=False),
        ]
    )


def hash64(text: str, salt: bytes) -> int:
    """A 64-bit keyed hash (BLAKE2b), the same on every machine and Python version (unlike `hash`)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8, key=salt).digest()
    return int.from_bytes(digest, "little")


def unit_hash(text: str, salt: bytes) -> float:
    """`hash64` mapped to [0, 1): a document is kept at rate r when this is below r."""
    return hash64(text, salt) / 2**64


def split_of(doc_id: str, val_fraction: float) -> str:
    return "val" if val_fraction > 0 and unit_hash(doc_id, _VAL_SALT) < val_fraction else "train"


def shuffle_salt(seed: int) -> bytes:
    return f"fonderie/shuffle/{seed}".encode()


def shard_path(split: str, prefix: int, index: int) -> str:
    """`train/shard-RRRRR-KKKKK.parquet`: the task (or shuffle bucket) that wrote it, then its rank in that task."""
    return f"{split}/shard-{prefix:05d}-{index:05d}.parquet"


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_tokens_dir(path: str | Path) -> Path:
    """The folder that holds `manifest.json`: `path` itself, or its `tokens/` (a tokenize stage folder)."""
    path = Path(path)
    for candidate in (path, path / TOKENS_DIR):
        if (candidate / MANIFEST_FILE).is_file():
            return candidate
    raise InputError(f"{path}: no {MANIFEST_FILE} here or in {path / TOKENS_DIR}; is the tokenize stage done?")


def write_parts(folder: DataFolder, rank: int, info: dict) -> None:
    """What one task wrote (its shard records), for the manifest phase; written after its shards are renamed."""
    name = f"{PARTS_DIR}/{rank:05d}.json"
    with folder.open(name + TMP_SUFFIX, "w") as f:
        json.dump(info, f, indent=1)
    folder.mv(name + TMP_SUFFIX, name)


class _HashingFile:
    """A write-only file that hashes and counts what goes through it, so a shard's sha256 costs no second read."""

    def __init__(self, f):
        self._f = f
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._f.write(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()

    @property
    def closed(self) -> bool:
        return self._f.closed


class ShardRoller:
    """Writes the rows of one split into shards that roll over once they hold `shard_tokens` tokens.

    Rows are buffered until `row_group_tokens` tokens, then written as one zstd row group: a reader streams a
    shard row group by row group with bounded memory, however long its documents. A shard is written under a
    `.tmp` name, and all of them are renamed by `close()` at the end of the task, so a task that fails publishes
    nothing (`abort()` leaves only `.tmp` files, which its rerun overwrites). `close()` returns one record per shard:
    path, split, rows, tokens, bytes, sha256 and per-source documents and tokens.
    """

    def __init__(
        self, folder: DataFolder, split: str, prefix: int, dtype: str, shard_tokens: int, row_group_tokens: int
    ):
        self.folder, self.split, self.prefix = folder, split, prefix
        self.dtype = np.dtype(dtype)
        self.schema = token_schema(dtype)
        # a shard only closes between row groups: a row group never outgrows the shard
        self.shard_tokens, self.row_group_tokens = shard_tokens, min(row_group_tokens, shard_tokens)
        self.records: list[dict] = []
        self._ids: list[str] = []
        self._sources: list[str] = []
        self._arrays: list[np.ndarray] = []
        self._pending = 0
        self._index = 0
        self._open: dict | None = None  # the shard being written: its writer, file, name and counts

    def add(self, ids: list[str], sources: list[str], arrays: list[np.ndarray], eos: int | None = None) -> None:
        """Rows to write; with `eos`, that id is appended to each row's tokens."""
        if eos is not None:
            suffix = np.array([eos], dtype=self.dtype)
            arrays = [np.concatenate((a.astype(self.dtype, copy=False), suffix)) for a in arrays]
        for doc_id, source, array in zip(ids, sources, arrays, strict=True):
            self._ids.append(doc_id)
            self._sources.append(source)
            self._arrays.append(array)
            self._pending += len(array)
            if self._pending >= self.row_group_tokens:
                self._flush()

    def _table(self) -> pa.Table:
        lengths = np.fromiter((len(a) for a in self._arrays), dtype=np.int64, count=len(self._arrays))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        values = pa.array(np.concatenate(self._arrays).astype(self.dtype, copy=False))
        input_ids = pa.ListArray.from_arrays(pa.array(offsets), values, type=self.schema.field("input_ids").type)
        columns = [
            pa.array(self._ids, pa.string()),
            pa.array(self._sources, pa.string()),
            input_ids,
            pa.array(lengths),
        ]
        return pa.Table.from_arrays(columns, schema=self.schema)

    def _flush(self) -> None:
        if not self._ids:
            return
        if self._open is None:
            name = shard_path(self.split, self.prefix, self._index)
            f = _HashingFile(self.folder.open(name + TMP_SUFFIX, "wb"))
            # statistics and dictionaries of token ids (min / max of list items, a dictionary of 65k values) help
            # no reader and cost memory and time: only the columns that benefit get them
            writer = pq.ParquetWriter(f, self.schema, compression="zstd", use_dictionary=["source"],
                                      write_statistics=["id", "source", "n_tokens"])  # fmt: skip
            self._open = {"name": name, "file": f, "writer": writer, "rows": 0, "tokens": 0, "sources": {}}
        shard = self._open
        shard["writer"].write_table(self._table(), row_group_size=len(self._ids))
        for source, array in zip(self._sources, self._arrays, strict=True):
            counts = shard["sources"].setdefault(source, {"documents": 0, "tokens": 0})
            counts["documents"] += 1
            counts["tokens"] += len(array)
        shard["rows"] += len(self._ids)
        shard["tokens"] += self._pending
        self._ids, self._sources, self._arrays, self._pending = [], [], [], 0
        if shard["tokens"] >= self.shard_tokens:
            self._close_shard()

    def _close_shard(self) -> None:
        shard, self._open = self._open, None
        shard["writer"].close()
        shard["file"].close()
        self.records.append(
            {
                "path": shard["name"],
                "split": self.split,
                "rows": shard["rows"],
                "tokens": shard["tokens"],
                "bytes": shard["file"].size,
                "sha256": shard["file"].sha256.hexdigest(),
                "sources": dict(sorted(shard["sources"].items())),
            }
        )
        self._index += 1

    def close(self) -> list[dict]:
        self._flush()
        if self._open is not None:
            self._close_shard()
        for record in self.records:
            self.folder.mv(record["path"] + TMP_SUFFIX, record["path"])
        return self.records

    def abort(self) -> None:
        """Closes the open shard without publishing it (its task failed)."""
        if self._open is not None:
            self._open["writer"].close()
            self._open["file"].close()
            self._open = None
