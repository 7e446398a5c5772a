"""The files the dedup phases hand each other, all under one folder, all Parquet (zstd) readable with polars.

    exact/XXXXX.parquet        one per signature task (ExactHashSignature), rows in the task's document order:
        id        string   the document id
        hash      binary(16)  BLAKE2b-128 of the exactly-normalized text (fonderie.dedup.exact)
    minhash/XXXXX.parquet      one per signature task (MinhashSignature), rows in the task's document order:
        id        string
        band_000 .. band_{bands-1}   uint64  LSH bucket key of each band; null when the text has no word
        signature fixed_size_list<uint32>[num_perm]  the MinHash values (datasketch-compatible)
        + schema metadata `fonderie.minhash`: the MinhashConfig as JSON (the clustering checks they all agree)
    clusters.parquet           (DuplicateClusterer) one row per document in a cluster of 2+, grouped by cluster,
                               kept document first; columns in fonderie.dedup.clusters.CLUSTERS_SCHEMA
    assignments/XXXXX.parquet  (DuplicateClusterer) the same rows, split by the signature task that read the
                               document: id, duplicate_of, reason, cluster_size; what DuplicateFilter task XXXXX
                               loads (a document absent from them is alone in its cluster, and kept)
    clusters.json              (DuplicateClusterer) counts, settings, and documents per signature task

Bands are columns rather than files: Parquet reads one column without the others, so the clustering loads one
band at a time (8 bytes per document) from one file per task. Only ids are compressed (zstd): hashes, keys and
signatures are random bits. Signature files take ~4 * num_perm + 8 * bands + 16 bytes per document (~600 by
default). Every file is written as `.tmp` and renamed when complete, so a folder never shows half a file.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.io import DataFolder, DataFolderLike, get_datafolder

from fonderie.dedup.exact import HASH_BYTES
from fonderie.dedup.minhash import MinhashConfig

EXACT_DIR, MINHASH_DIR, ASSIGNMENTS_DIR = "exact", "minhash", "assignments"
CLUSTERS_FILE, SUMMARY_FILE = "clusters.parquet", "clusters.json"
CONFIG_KEY = b"fonderie.minhash"
ROW_GROUP = 16384  # rows buffered before a row group is written
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


def task_file(directory: str, rank: int) -> str:
    return f"{directory}/{rank:05d}.parquet"


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
        self._rows = 0

    def write(self, columns: dict) -> None:
        batch = pa.record_batch(columns, schema=self.schema)
        self._pending.append(batch)
        self._rows += batch.num_rows
        if self._rows >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_batches(self._pending, self.schema), row_group_size=self._rows)
        self._pending, self._rows = [], 0

    def close(self, ok: bool = True) -> None:
        if ok:
            self._flush()
        self._writer.close()
        self._file.close()
        if ok:
            self.folder.mv(self.path + ".tmp", self.path)


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
