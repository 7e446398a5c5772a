from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from fonderie.dedup.clusters import EXACT_DUPLICATE, NEAR_DUPLICATE, REASONS, clusters_table, find_clusters, keep_order
from fonderie.dedup.files import (
    ASSIGNMENT_COLUMNS,
    ASSIGNMENTS_DIR,
    CLUSTERS_FILE,
    EXACT_DIR,
    MINHASH_DIR,
    SUMMARY_FILE,
    band_column,
    dedup_folder,
    read_minhash_config,
    read_signature_rows,
    read_table,
    task_file,
    write_table,
)


class DuplicateClusterer(PipelineStep):
    """Dedup phase 2: reads every task's signature files, finds the clusters, and writes who duplicates whom.

    Run it as one task after ExactHashSignature and/or MinhashSignature (other ranks do nothing). Documents are
    put in keep order (fonderie.dedup.clusters.keep_order: `source_priority`, then file, then record position, all
    read from the ids), exact copies are linked to their first copy, LSH candidate pairs are verified by estimated
    Jaccard, and connected components keep their first document. It writes `clusters.parquet` (for inspection:
    who matched whom, with estimated Jaccard), `assignments/XXXXX.parquet` (for DuplicateFilter) and
    `clusters.json` (formats in fonderie.dedup.files). The result does not depend on the number of signature tasks.
    Memory: ~300 bytes per document (measured from 250k to 1M documents by benchmarks/dedup.py: ids, index
    arrays, and the signatures of documents in candidate pairs, loaded for verification), plus a fixed ~0.3 GB;
    band keys are read one band at a time and texts never.
    Input: nothing (documents given are passed through).
    Output: the same documents.
    Drops: none (DuplicateFilter drops).
    Metadata added: none. Counts `documents`, `clusters` (of 2+), `exact_duplicate`, `near_duplicate`,
        `candidate_pairs`, `verified_pairs`.

    Args:
        folder: the dedup folder the signature phase wrote into
        source_priority: sources whose documents are kept first, in this order (the first part of ids); others after
        threshold: verify candidate pairs at this estimated Jaccard instead of the signature config's
            (MinhashConfig.jaccard_threshold, or no verification when its `verify` is False)
        all_pairs_limit: LSH buckets up to this size give all their pairs, bigger ones a star and a chain
    """

    name = "🕸 Duplicate clusters"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        folder: DataFolderLike,
        source_priority: list[str] | tuple[str, ...] = (),
        threshold: float | None = None,
        all_pairs_limit: int = 50,
    ):
        super().__init__()
        if threshold is not None and not 0 < threshold <= 1:
            raise ValueError(f"threshold={threshold!r} must be in (0, 1]")
        if all_pairs_limit < 2:
            raise ValueError(f"all_pairs_limit={all_pairs_limit!r} must be >= 2")
        self.folder = dedup_folder(folder)
        self.source_priority = list(source_priority)
        self.threshold = threshold
        self.all_pairs_limit = all_pairs_limit

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank == 0:
            with self.track_time():
                summary = self.cluster()
            for key in ("documents", "clusters", "candidate_pairs", "verified_pairs", *REASONS.values()):
                self.stat_update(key, value=summary[key])

    def _files(self) -> tuple[list[str], list[str]]:
        exact = self.folder.list_files(EXACT_DIR, glob_pattern="*.parquet")
        minhash = self.folder.list_files(MINHASH_DIR, glob_pattern="*.parquet")
        if not exact and not minhash:
            raise FileNotFoundError(
                f"{self.folder.path}: no {EXACT_DIR}/ or {MINHASH_DIR}/ signature files; "
                "run ExactHashSignature and/or MinhashSignature on the documents first"
            )
        if exact and minhash and len(exact) != len(minhash):
            raise ValueError(f"{len(exact)} exact signature files but {len(minhash)} minhash ones: rerun phase 1")
        return exact, minhash

    def cluster(self) -> dict:
        exact_files, minhash_files = self._files()
        files = minhash_files or exact_files
        ids = [read_table(self.folder, f, ["id"])["id"] for f in files]
        if exact_files and minhash_files:
            for e, m, i in zip(exact_files, minhash_files, ids, strict=True):
                if not read_table(self.folder, e, ["id"])["id"].equals(i):
                    raise ValueError(f"{e} and {m} list different documents: both must come from the same run")
        counts = [len(i) for i in ids]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        all_ids = pa.chunked_array([c for i in ids for c in i.chunks], pa.string())
        n = len(all_ids)
        order = keep_order(all_ids, self.source_priority)  # keep-order index -> position in the files
        index = np.empty(n, dtype=np.int64)
        index[order] = np.arange(n)  # position in the files -> keep-order index
        sorted_ids = all_ids.take(pa.array(order)).combine_chunks()
        del all_ids, ids

        exact = None
        if exact_files:
            chunks = [c for f in exact_files for c in read_table(self.folder, f, ["hash"])["hash"].chunks]
            hashes = pa.concat_arrays(chunks) if chunks else pa.array([], pa.binary(16))
            words = np.frombuffer(hashes.buffers()[1], dtype="<u8") if n else np.zeros(0, np.uint64)
            exact = words[2 * hashes.offset : 2 * (hashes.offset + n)].reshape(-1, 2)[order]  # zero copy, then sorted
            del hashes, chunks
        config, threshold, bands, loader = None, None, (), None
        if minhash_files:
            configs = {read_minhash_config(self.folder, f) for f in minhash_files}
            if len(configs) > 1:
                raise ValueError(
                    f"{MINHASH_DIR}/ files were written with different settings: {sorted(map(str, configs))}"
                )
            config = configs.pop()
            threshold = self.threshold or (config.jaccard_threshold if config.verify else None)
            bands = self._bands(minhash_files, index, config.bands)
            loader = self._signature_loader(minhash_files, order, offsets, config.num_perm)
        clusters = find_clusters(n, exact, bands, loader, threshold, self.all_pairs_limit)

        write_table(self.folder, CLUSTERS_FILE, clusters_table(sorted_ids, clusters))
        in_cluster = clusters.size > 1
        ranks = [int(f.rsplit("/", 1)[-1].removesuffix(".parquet")) for f in files]
        for i, rank in enumerate(ranks):
            members = index[offsets[i] : offsets[i + 1]]
            table = clusters_table(sorted_ids, clusters, members[in_cluster[members]]).select(ASSIGNMENT_COLUMNS)
            write_table(self.folder, task_file(ASSIGNMENTS_DIR, rank), table)
        summary = {
            "documents": n,
            "clusters": int(np.count_nonzero((clusters.root == np.arange(n)) & in_cluster)),
            "kept": int(np.count_nonzero(clusters.root == np.arange(n))),
            REASONS[EXACT_DUPLICATE]: int(np.count_nonzero(clusters.reason == EXACT_DUPLICATE)),
            REASONS[NEAR_DUPLICATE]: int(np.count_nonzero(clusters.reason == NEAR_DUPLICATE)),
            "candidate_pairs": clusters.candidate_pairs,
            "verified_pairs": clusters.verified_pairs,
            "threshold": threshold,
            "minhash": config.to_dict() if config else None,
            "source_priority": self.source_priority,
            "tasks": max(ranks) + 1,
            "documents_per_task": {str(rank): count for rank, count in zip(ranks, counts, strict=True)},
        }
        with self.folder.open(SUMMARY_FILE, "w") as fh:
            json.dump(summary, fh, indent=2)
        logger.info(f"dedup clusters: {json.dumps({k: summary[k] for k in list(summary)[:7]})}")
        return summary

    def _bands(self, files: list[str], index: np.ndarray, bands: int):
        """Per band, (keys, keep-order indices) of the documents that have shingles; one band in memory at a time."""
        for b in range(bands):
            column = pa.chunked_array(
                [c for f in files for c in read_table(self.folder, f, [band_column(b)])[0].chunks], pa.uint64()
            )
            valid = column.is_valid().to_numpy(zero_copy_only=False)
            keys = column.fill_null(0).to_numpy()
            yield keys[valid], index[valid]

    def _signature_loader(self, files: list[str], order: np.ndarray, offsets: np.ndarray, num_perm: int):
        def load(wanted: np.ndarray) -> np.ndarray:
            positions = order[wanted]
            out = np.empty((len(wanted), num_perm), dtype=np.uint32)
            by_position = np.argsort(positions)
            sorted_positions = positions[by_position]
            for rank, f in enumerate(files):
                lo, hi = np.searchsorted(sorted_positions, offsets[rank : rank + 2])
                if hi > lo:
                    rows = sorted_positions[lo:hi] - offsets[rank]
                    out[by_position[lo:hi]] = read_signature_rows(self.folder, f, rows, num_perm)
            return out

        return load
