"""The files the dedup phases hand each other, all under one folder, all Parquet (zstd) readable with polars.

    exact/NNNNN.parquet        one per signature task (ExactHashSignature), rows in the task's document order:
        id        string   the document id
        hash      binary(16)  BLAKE2b-128 of the exactly-normalized text (fonderie.dedup.exact)
    minhash/NNNNN.parquet      one per signature task (MinhashSignature), rows in the task's document order:
        id        string
        band_000 .. band_{bands-1}   uint64  LSH bucket key of each band; null when the text has no word
        signature fixed_size_list<uint32>[num_perm]  the MinHash values (datasketch-compatible)
        + schema metadata `fonderie.minhash`: the MinhashConfig as JSON (the clustering checks they all agree)
    candidates.parquet         (CandidatePairs, exact verification only) every LSH candidate pair once:
        a, b      int64   the two documents' numbers in keep order (fonderie.dedup.clusters.keep_order), a < b
        + schema metadata `fonderie.candidates`: documents (n) and source_priority, which the numbers depend on
    candidates.json            (CandidatePairs) counts, settings, and documents per signature task
    involved/NNNNN.parquet     (CandidatePairs) per signature task, `id` of each of its documents in a candidate pair
    shingles/NNNNN.parquet     (ShingleHashes) one row per document of `involved/`, by the task that read it:
        id        string
        count     int64   its distinct shingles
        shingles  list<uint64>  their 64-bit hashes, sorted (fonderie.dedup.jaccard.shingle_sets)
        + schema metadata `fonderie.shingles`: the n-gram size
    clusters.parquet           (DuplicateClusterer) one row per document in a cluster of 2+, grouped by cluster,
                               kept document first; columns in fonderie.dedup.clusters.clusters_schema()
    assignments/NNNNN.parquet  (DuplicateClusterer) the same rows, split by the signature task that read the
                               document: id, duplicate_of, reason, cluster_size; what DuplicateFilter task NNNNN
                               loads (a document absent from them is alone in its cluster, and kept)
    clusters.json              (DuplicateClusterer) counts, settings, and documents per signature task

Bands are columns rather than files: Parquet reads one column without the others, so the clustering loads one
band at a time (8 bytes per document) from one file per task. Only ids are compressed (zstd): hashes, keys and
signatures are random bits. Signature files take ~4 * num_perm + 8 * bands + 16 bytes per document (~600 by
default); shingle files ~8 bytes per distinct shingle of the documents in a candidate pair (~8 * their words).
Every file is written as `.tmp` and renamed when complete, so a folder never shows half a file.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datatrove.io import DataFolder, DataFolderLike, get_datafolder

from fonderie.dedup.exact import HASH_BYTES
from fonderie.dedup.minhash import MinhashConfig

EXACT_DIR, MINHASH_DIR, ASSIGNMENTS_DIR = "exact", "minhash", "assignments"
INVOLVED_DIR, SHINGLES_DIR = "involved", "shingles"
CLUSTERS_FILE, SUMMARY_FILE = "clusters.parquet", "clusters.json"
CANDIDATES_FILE, CANDIDATES_SUMMARY = "candidates.parquet", "candidates.json"
CONFIG_KEY, CANDIDATES_KEY, SHINGLES_KEY = b"fonderie.minhash", b"fonderie.candidates", b"fonderie.shingles"
ROW_GROUP = 16384  # rows buffered before a row group is written...
ROW_GROUP_BYTES = 64 << 20  # ...or this many bytes (shingle sets of long documents: a book is megabytes)
EXACT_SCHEMA = pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("hash", pa.binary(HASH_BYTES))])
ASSIGNMENT_COLUMNS = ["id", "duplicate_of", "reason", "cluster_size"]
COMPRESSED = {"id"}


def dedup_folder(folder: DataFolderLike | os.PathLike) -> DataFolder:
    """The dedup folder as a datatrove DataFolder (a local path, a `pathlib.Path`, an fsspec URL or a DataFolder)."""
    return get_datafolder(os.fspath(folder) if isinstance(folder, os.PathLike) else folder)


def band_column(band: int) -> str:
    return f"band_{band:03d}"


def minhash_schema(config: MinhashConfig) -> pa.Schema:
    fields = [pa.field("id", pa.string(), nullable=False)]
    fields += [pa.field(band_column(b), pa.uint64()) for b in range(config.bands)]
    fields.append(pa.field("signature", pa.list_(pa.uint32(), config.num_perm)))
    return pa.schema(fields, metadata={CONFIG_KEY: json.dumps(config.to_dict(), sort_keys=True)})


def shingles_schema(ngram: int) -> pa.Schema:
    fields = [pa.field("id", pa.string(), nullable=False), pa.field("count", pa.int64(), nullable=False)]
    fields.append(pa.field("shingles", pa.list_(pa.uint64()), nullable=False))
    return pa.schema(fields, metadata={SHINGLES_KEY: json.dumps({"ngram": ngram})})


def task_file(directory: str, rank: int) -> str:
    return f"{directory}/{rank:05d}.parquet"


def task_files(folder: DataFolder, directory: str, summary: dict, rank: int, world_size: int):
    """(the files of `directory` a task of a later phase reads, how many documents the signature task of the same
    rank saw): its own file when the phase runs with the signature phase's task count, else every file (and None:
    the count is unknown). `summary` is the candidates' or the clusters' (both record tasks and per-task counts)."""
    if summary["tasks"] == world_size:
        return [task_file(directory, rank)], summary["documents_per_task"].get(str(rank), 0)
    return folder.list_files(directory), None


def check_seen(rank: int, seen: int, expected: int | None) -> None:
    """A task must read the documents its signature task read: other inputs would get other decisions."""
    if expected is not None and seen != expected:
        raise RuntimeError(
            f"task {rank} read {seen} documents but its signature task read {expected}: "
            "the inputs changed since the signature phase; rerun the dedup from the start"
        )


def file_rank(path: str) -> int:
    """The task number of `.../NNNNN.parquet`."""
    return int(path.rsplit("/", 1)[-1].removesuffix(".parquet"))


class ParquetShard:
    """Writes one Parquet file of `schema` in row groups of ROW_GROUP rows: `.tmp`, renamed by `close(ok=True)`."""

    def __init__(self, folder: DataFolder, path: str, schema: pa.Schema):
        self.folder, self.path, self.schema = folder, path, schema
        self._file = folder.open(path + ".tmp", "wb")
        # ids compress well; hashes, band keys and signatures are random bits that zstd would only slow down
        compression = {name: "zstd" if name in COMPRESSED else "none" for name in schema.names}
        self._writer = pq.ParquetWriter(
            self._file, schema, compression=compression, use_dictionary=False, write_statistics=["id"]
        )
        self._pending: list[pa.RecordBatch] = []
        self._rows = self._bytes = 0

    def write(self, columns: dict) -> None:
        batch = pa.record_batch(columns, schema=self.schema)
        self._pending.append(batch)
        self._rows += batch.num_rows
        self._bytes += batch.nbytes
        if self._rows >= ROW_GROUP or self._bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_batches(self._pending, self.schema), row_group_size=self._rows)
        self._pending, self._rows, self._bytes = [], 0, 0

    def close(self, ok: bool = True) -> None:
        if ok:
            self._flush()
        self._writer.close()
        self._file.close()
        if ok:
            self.folder.mv(self.path + ".tmp", self.path)


def write_json(folder: DataFolder, path: str, content: dict) -> None:
    with folder.open(path + ".tmp", "w") as fh:
        json.dump(content, fh, indent=2)
    folder.mv(path + ".tmp", path)


def read_json(folder: DataFolder, path: str, missing: str) -> dict:
    """The JSON file at `path`; FileNotFoundError saying `missing` (what to run first) when there is none."""
    if not folder.exists(path):
        raise FileNotFoundError(f"{folder.path}/{path} is missing: {missing}")
    with folder.open(path, "r") as fh:
        return json.load(fh)


def write_table(folder: DataFolder, path: str, table: pa.Table) -> None:
    with folder.open(path + ".tmp", "wb") as f:
        pq.write_table(table, f, compression="zstd", row_group_size=65536)
    folder.mv(path + ".tmp", path)


def read_table(folder: DataFolder, path: str, columns: list[str] | None = None) -> pa.Table:
    with folder.open(path, "rb") as f:
        return pq.read_table(f, columns=columns)


def read_minhash_config(folder: DataFolder, path: str) -> MinhashConfig:
    with folder.open(path, "rb") as f:
        metadata = pq.read_schema(f).metadata or {}
    if CONFIG_KEY not in metadata:
        raise ValueError(f"{path}: not a MinhashSignature file (no {CONFIG_KEY.decode()} metadata)")
    return MinhashConfig(**json.loads(metadata[CONFIG_KEY]))


def read_signature_rows(folder: DataFolder, path: str, rows: np.ndarray, num_perm: int) -> np.ndarray:
    """The signatures of `rows` (sorted row numbers) of one minhash file, reading a row group at a time."""
    out = np.empty((len(rows), num_perm), dtype=np.uint32)
    start = 0
    with folder.open(path, "rb") as f:
        for batch in pq.ParquetFile(f).iter_batches(columns=["signature"], batch_size=ROW_GROUP):
            lo, hi = np.searchsorted(rows, [start, start + batch.num_rows])
            if hi > lo:
                values = batch.column(0).flatten().to_numpy(zero_copy_only=False).reshape(-1, num_perm)
                out[lo:hi] = values[rows[lo:hi] - start]
            start += batch.num_rows
    return out


def write_candidates(folder: DataFolder, a: np.ndarray, b: np.ndarray, documents: int, source_priority: list[str]):
    key = json.dumps({"documents": documents, "source_priority": list(source_priority)})
    table = pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())})
    write_table(folder, CANDIDATES_FILE, table.replace_schema_metadata({CANDIDATES_KEY: key}))


def read_candidates(folder: DataFolder, documents: int, source_priority: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (a, b) CandidatePairs wrote, checked to number the same documents the same way."""
    if not folder.exists(CANDIDATES_FILE):
        raise FileNotFoundError(
            f"{folder.path}/{CANDIDATES_FILE} is missing: run CandidatePairs, then ShingleHashes, before clustering "
            "with verify='exact'"
        )
    table = read_table(folder, CANDIDATES_FILE)
    written = json.loads((table.schema.metadata or {}).get(CANDIDATES_KEY, b"{}"))
    expected = {"documents": documents, "source_priority": list(source_priority)}
    if written != expected:
        raise ValueError(f"{CANDIDATES_FILE} numbers the documents of {written}, not {expected}: rerun CandidatePairs")
    return table["a"].to_numpy(), table["b"].to_numpy()


def read_shingle_sets(folder: DataFolder, ids: pa.Array, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """The shingle sets of the documents `ids` from every `shingles/` file, in the order of `ids`: document k owns
    values[offsets[k]:offsets[k + 1]]. Memory: the values (8 bytes per shingle) and a row group at a time."""
    files = folder.list_files(SHINGLES_DIR, glob_pattern="*.parquet")
    for path in files:
        with folder.open(path, "rb") as f:
            written = json.loads((pq.read_schema(f).metadata or {}).get(SHINGLES_KEY, b"{}"))
        if written.get("ngram") != ngram:
            raise ValueError(f"{path}: shingles of {written.get('ngram')} words, but signatures of {ngram}")
    heads = [read_table(folder, path, ["id", "count"]) for path in files]
    found = pa.chunked_array([c for h in heads for c in h["id"].chunks], pa.string())
    pos = pc.index_in(found, value_set=ids).fill_null(-1).to_numpy().astype(np.int64)
    if (pos < 0).any():
        stray = found[int(np.flatnonzero(pos < 0)[0])].as_py()
        raise ValueError(
            f"{SHINGLES_DIR}/ has {stray!r}, in no candidate pair: rerun ShingleHashes after CandidatePairs"
        )
    sizes, seen = np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    sizes[pos] = np.concatenate([np.zeros(0, np.int64), *(h["count"].to_numpy() for h in heads)])
    seen[pos] = True
    if not seen.all():
        missing = ids[int(np.flatnonzero(~seen)[0])].as_py()
        raise ValueError(
            f"{np.count_nonzero(~seen)} documents of candidate pairs have no shingle hashes (e.g. {missing!r}): "
            "run ShingleHashes on the same documents after CandidatePairs"
        )
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    values, row = np.empty(offsets[-1], dtype=np.uint64), 0
    for path in files:
        with folder.open(path, "rb") as f:
            for batch in pq.ParquetFile(f).iter_batches(columns=["shingles"], batch_size=1024):
                lists = batch.column(0)
                lengths = pc.list_value_length(lists).to_numpy().astype(np.int64)
                flat = lists.flatten().to_numpy()
                # the k-th value of the batch goes to its document's offset plus its rank within the document
                shift = np.repeat(offsets[pos[row : row + len(lengths)]] - (np.cumsum(lengths) - lengths), lengths)
                values[shift + np.arange(len(flat))] = flat
                row += len(lengths)
    return values, offsets
