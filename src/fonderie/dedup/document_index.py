"""The documents of a dedup run, numbered in keep order, and what the signature phase recorded about them.

The signature phase writes one `exact/` and/or one `minhash/` file per task (formats in fonderie.dedup.files).
`DocumentIndex.open` reads their ids, puts every document in keep order (fonderie.dedup.clusters.keep_order:
`source_priority`, then file, then record position, all read from the ids) and numbers them 0..n-1 in that order;
the clustering phases (CandidatePairs, DuplicateClusterer) work on those numbers only. The order depends on the ids
alone, so the numbers are the same whatever the number of signature tasks, and the same in every phase that opens
the same files. Exact hashes, LSH band keys and signatures are then read on demand, in that numbering: band keys
one band at a time (8 bytes per document), signatures only for the documents asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from datatrove.io import DataFolder

from fonderie.dedup.clusters import keep_order
from fonderie.dedup.exact import exact_representatives
from fonderie.dedup.files import (
    EXACT_DIR,
    MINHASH_DIR,
    band_column,
    file_rank,
    read_minhash_config,
    read_signature_rows,
    read_table,
)
from fonderie.dedup.minhash import MinhashConfig


@dataclass
class DocumentIndex:
    """Every document the signature phase saw, numbered in keep order (its index in `ids`)."""

    folder: DataFolder
    exact_files: list[str]  # one per signature task (or none)
    minhash_files: list[str]  # one per signature task (or none)
    ranks: list[int]  # the signature task of each file
    offsets: np.ndarray  # (files + 1,) int64: where each file's documents start, counted in file order
    order: np.ndarray  # (n,) int64: keep-order number -> position in the files
    index: np.ndarray  # (n,) int64: position in the files -> keep-order number
    ids: pa.Array  # (n,) the ids in keep order
    config: MinhashConfig | None  # the MinhashSignature settings; None without minhash files

    @classmethod
    def open(cls, folder: DataFolder, source_priority: list[str] = ()) -> DocumentIndex:
        exact = folder.list_files(EXACT_DIR, glob_pattern="*.parquet")
        minhash = folder.list_files(MINHASH_DIR, glob_pattern="*.parquet")
        if not exact and not minhash:
            raise FileNotFoundError(
                f"{folder.path}: no {EXACT_DIR}/ or {MINHASH_DIR}/ signature files; "
                "run ExactHashSignature and/or MinhashSignature on the documents first"
            )
        if exact and minhash and len(exact) != len(minhash):
            raise ValueError(f"{len(exact)} exact signature files but {len(minhash)} minhash ones: rerun phase 1")
        files = minhash or exact
        ids = [read_table(folder, f, ["id"])["id"] for f in files]
        if exact and minhash:
            for e, m, i in zip(exact, minhash, ids, strict=True):
                if not read_table(folder, e, ["id"])["id"].equals(i):
                    raise ValueError(f"{e} and {m} list different documents: both must come from the same run")
        config = None
        if minhash:
            configs = {read_minhash_config(folder, f) for f in minhash}
            if len(configs) > 1:
                raise ValueError(
                    f"{MINHASH_DIR}/ files were written with different settings: {sorted(map(str, configs))}"
                )
            config = configs.pop()
        offsets = np.concatenate([[0], np.cumsum([len(i) for i in ids])]).astype(np.int64)
        all_ids = pa.chunked_array([c for i in ids for c in i.chunks], pa.string())
        order = keep_order(all_ids, source_priority)
        index = np.empty(len(order), dtype=np.int64)
        index[order] = np.arange(len(order))
        sorted_ids = all_ids.take(pa.array(order)).combine_chunks()
        return cls(folder, exact, minhash, [file_rank(f) for f in files], offsets, order, index, sorted_ids, config)

    @property
    def n(self) -> int:
        return len(self.order)

    def task_documents(self) -> Iterator[tuple[int, np.ndarray]]:
        """(rank, keep-order numbers of its documents) for each signature task, in the task's own order."""
        for i, rank in enumerate(self.ranks):
            yield rank, self.index[self.offsets[i] : self.offsets[i + 1]]

    def documents_per_task(self) -> dict[str, int]:
        return {str(rank): int(self.offsets[i + 1] - self.offsets[i]) for i, rank in enumerate(self.ranks)}

    def exact_representatives(self) -> np.ndarray | None:
        """For each document, the first document (in keep order) with the same exact hash; None without exact files."""
        if not self.exact_files:
            return None
        chunks = [c for f in self.exact_files for c in read_table(self.folder, f, ["hash"])["hash"].chunks]
        hashes = pa.concat_arrays(chunks) if chunks else pa.array([], pa.binary(16))
        n = self.n
        words = np.frombuffer(hashes.buffers()[1], dtype="<u8") if n else np.zeros(0, np.uint64)
        exact = words[2 * hashes.offset : 2 * (hashes.offset + n)].reshape(-1, 2)  # zero copy, in file order
        return exact_representatives(exact[self.order])

    def bands(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per LSH band, (keys, keep-order numbers) of the documents that have shingles, one band at a time."""
        for b in range(self.config.bands if self.config else 0):
            column = pa.chunked_array(
                [c for f in self.minhash_files for c in read_table(self.folder, f, [band_column(b)])[0].chunks],
                pa.uint64(),
            )
            valid = column.is_valid().to_numpy(zero_copy_only=False)
            keys = column.fill_null(0).to_numpy()
            yield keys[valid], self.index[valid]

    def signatures(self, wanted: np.ndarray) -> np.ndarray:
        """The (len(wanted), num_perm) signatures of the documents numbered `wanted`, read file by file."""
        num_perm = self.config.num_perm
        positions = self.order[wanted]
        out = np.empty((len(wanted), num_perm), dtype=np.uint32)
        by_position = np.argsort(positions)
        sorted_positions = positions[by_position]
        for i, f in enumerate(self.minhash_files):
            lo, hi = np.searchsorted(sorted_positions, self.offsets[i : i + 2])
            if hi > lo:
                rows = sorted_positions[lo:hi] - self.offsets[i]
                out[by_position[lo:hi]] = read_signature_rows(self.folder, f, rows, num_perm)
        return out
