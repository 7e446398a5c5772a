"""Exact and MinHash near-duplicate clusters of a JSONL file, every record kept and annotated (`fonderie dedup`).

Each output line is the input record, in input order, plus `cluster_id` (the `id` of the cluster's kept document:
the same for all members, the record's own id when it is unique) and `duplicate_of` (that id for the documents a
dedup would drop, null for kept ones). A cluster keeps its first document in input order; exact duplicates (equal
after NFKC and whitespace collapsing) share a cluster too. Candidate pairs are verified by the exact Jaccard of
their shingle sets (`verify="exact"`, the default), by the signatures' estimate, or not at all.

The input is read three times: its lines counted (to size the arrays once), then every record for its signature,
then every record again for the output; under exact verification, the records of the documents in a candidate pair
are read once more in between, each by seeking to its line. Memory holds per document its id, the offset of its
line and ~4 * num_perm + 8 * bands + 25 bytes, during the first pass also its first line number by id (to name a
repeated id: ~100 bytes), plus 8 bytes per distinct shingle of each document in a candidate
pair under exact verification, never the texts (but those of the few blocks of lines being worked on: 2 per
worker, 1 MiB each).

The per-document work of the first pass (parsing, signatures, exact hashes) and the shingling of the documents in
candidate pairs run in `workers` forked processes (default: the usable cores), in blocks of lines reassembled in
input order (fonderie.dedup.workers): the output does not depend on their number. Progress bars are shown only
when stderr is a terminal (tqdm is not even imported otherwise: ~70 ms).

Nothing of the user's is overwritten: the output (and the clusters table) may replace an earlier output of this
command (recognised by its first line's `cluster_id` and `duplicate_of`, by the table's columns), any other
existing file only with `force`, and never the input.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator

import numpy as np

from fonderie.dedup.minhash import MinhashConfig
from fonderie.dedup.records import ADDED_KEYS, dump_id, dumps, load_line, parse_record
from fonderie.dedup.workers import SHINGLE_TASK_DOCS, byte_ranges, ordered_map, shingle_block, sign_block
from fonderie.errors import ConfigError, InputError, RunStateError

READ_CHUNK = 1 << 24  # bytes read at a time to count the lines
PROGRESS_LINES = 1000  # lines between two updates of a progress bar (an update per line cost ~3% of a run)
__all__ = ["ADDED_KEYS", "dedup_jsonl"]


class _NoBar:
    """What a progress bar offers, doing nothing: stderr is not a terminal (a log, a pipe, a test)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def _progress(size: int, desc: str, unit: str = "B"):
    if not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=size, unit=unit, unit_scale=True, desc=desc, file=sys.stderr, delay=2)


def _lines(path: str, bar) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every non-blank line; the progress bar moves every PROGRESS_LINES."""
    offset = shown = 0
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            if line and not line.isspace():  # what line.strip() tells, without copying the line
                yield lineno, line
            offset += len(line)
            if lineno % PROGRESS_LINES == 0:
                bar.update(offset - shown)
                shown = offset
    bar.update(offset - shown)


def _count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(READ_CHUNK), b"")) + 1


def _first_pass(pool, workers: int, path: str, config: MinhashConfig, size: int):
    """(ids, byte offsets, canonical, signatures, exact hashes) of every record of `path`, in input order; the
    first bad record or repeated id in input order raises InputError, whatever the number of workers."""
    lines = _count_lines(path)  # at most this many records: arrays are allocated once
    signatures = np.empty((lines, config.num_perm), dtype=np.uint32)
    exact = np.empty((lines, 2), dtype=np.uint64)
    offsets = np.empty(lines, dtype=np.int64)
    canonical = np.empty(lines, dtype=bool)
    ids: list = []
    first_line: dict = {}
    lineno = 1  # of the first line of the next range
    ranges = byte_ranges(size)
    tasks = ((path, config, start, end) for start, end in ranges)
    with _progress(size, "signatures") as bar:
        for (start, end), result in zip(ranges, ordered_map(pool, workers, sign_block, tasks), strict=False):
            block_lines, block_ids, indices, *arrays, bad = result
            for doc_id, index in zip(block_ids, indices, strict=True):
                if doc_id in first_line:
                    raise InputError(
                        f"{path}:{lineno + index}: id {doc_id!r} already used on line {first_line[doc_id]}"
                    )
                first_line[doc_id] = lineno + index
            if bad is not None:
                with open(path, "rb") as f:
                    f.seek(bad[1])
                    parse_record(f.readline(), path, lineno + bad[0])  # raises its InputError, line numbered
                raise InputError(f"{path}:{lineno + bad[0]}: the file changed while it was being read")
            rows = slice(len(ids), len(ids) + len(block_ids))
            offsets[rows], canonical[rows], signatures[rows], exact[rows] = arrays
            ids += block_ids
            lineno += block_lines
            bar.update(end - start)
    n = len(ids)
    return ids, offsets[:n], canonical[:n], signatures[:n], exact[:n]


def _shingle_sets(pool, workers: int, path: str, offsets: np.ndarray, ngram: int, docs: np.ndarray):
    """(values, offsets) of the shingle sets of documents `docs` (sorted), as fonderie.dedup.jaccard.shingle_sets
    gives them, each record read again at its line's byte offset (checked on the first reading)."""
    starts = offsets[docs].tolist()
    tasks = ((path, ngram, starts[i : i + SHINGLE_TASK_DOCS]) for i in range(0, len(starts), SHINGLE_TASK_DOCS))
    values, sizes = [np.zeros(0, dtype=np.uint64)], [np.zeros(0, dtype=np.int64)]
    with _progress(len(docs), "shingles", unit="doc") as bar:
        for v, s in ordered_map(pool, workers, shingle_block, tasks):
            values.append(v)
            sizes.append(s)
            bar.update(len(s))
    bounds = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(sizes), out=bounds[1:])
    return np.concatenate(values), bounds


def _is_annotated_jsonl(path: str) -> bool:
    """Whether `path` is an output of this command: its first line a record with cluster_id and duplicate_of."""
    try:
        with open(path, "rb") as f:
            record = load_line(f.readline())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and set(ADDED_KEYS) <= record.keys()


def _is_clusters_table(path: str) -> bool:
    """Whether `path` is a clusters table this command wrote (by its columns)."""
    import pyarrow.parquet as pq

    from fonderie.dedup.clusters import clusters_schema

    try:
        return set(clusters_schema().names) <= set(pq.read_schema(path).names)
    except (OSError, ValueError):  # not Parquet (pyarrow's ArrowInvalid is a ValueError)
        return False


def check_outputs(input_path: str, output_path: str, clusters_path: str | None, force: bool) -> None:
    """RunStateError unless every file to write is new or an earlier output of this command (or `force`); the input
    is never an output, even with `force`."""
    outputs = [("--output", output_path, _is_annotated_jsonl)]
    if clusters_path:
        outputs.append(("--clusters", clusters_path, _is_clusters_table))
    real = [os.path.realpath(input_path), *(os.path.realpath(path) for _, path, _ in outputs)]
    if len(set(real)) < len(real):
        raise RunStateError(f"{output_path}: the input and the outputs must be three different files (input "
                            f"{input_path}, --output {output_path}, --clusters {clusters_path})")  # fmt: skip
    for flag, path, ours in outputs:
        if os.path.isdir(path):
            raise RunStateError(f"{flag} {path} is a folder; name a file")
        if os.path.exists(path) and not force and not ours(path):
            raise RunStateError(f"{flag} {path} exists and is not an output of fonderie dedup: another name, or "
                                "--force to replace it")  # fmt: skip


def dedup_jsonl(
    input_path: str,
    output_path: str,
    config: MinhashConfig,
    clusters_path: str | None = None,
    verify: str = "exact",
    workers: int | None = None,
    force: bool = False,
) -> dict:
    """Annotates `input_path` into `output_path` (and writes the clusters table to `clusters_path`); returns the
    counts (`Clusters.counts`). `workers`: processes for the per-document work (default: the usable cores; 1: all
    in this process). Raises InputError naming the file and line of a bad record, or a repeated id; RunStateError
    for an output that would replace a file that is not an earlier output (unless `force`) or the input."""
    from fonderie.dedup import cluster_signatures
    from fonderie.dedup.workers import BLOCK_BYTES, usable_cores, worker_pool

    workers = usable_cores() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers={workers!r} must be an integer >= 1")
    check_outputs(input_path, output_path, clusters_path, force)
    size = os.path.getsize(input_path)
    if size <= BLOCK_BYTES:
        workers = 1  # one block of lines: nothing to share, and starting workers would cost more than it saves
    with worker_pool(workers) as pool:
        ids, offsets, canonical, signatures, exact = _first_pass(pool, workers, input_path, config, size)
        shingles = functools.partial(_shingle_sets, pool, workers, input_path, offsets, config.ngram)
        clusters = cluster_signatures(signatures, exact, config, verify, shingles=shingles)
    del signatures, exact, offsets, shingles
    _write(input_path, output_path, ids, clusters.root, canonical, size)
    if clusters_path:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from fonderie.dedup.clusters import clusters_table

        # .tmp then renamed, as the output: a half-written table would pass for an earlier run's (check_outputs)
        pq.write_table(clusters_table(pa.array([str(i) for i in ids]), clusters), clusters_path + ".tmp",
                       compression="zstd")  # fmt: skip
        os.replace(clusters_path + ".tmp", clusters_path)
    return clusters.counts()


def _write(input_path: str, output_path: str, ids: list, root: np.ndarray, canonical: np.ndarray, size: int):
    """Every record of `input_path`, in order, with its cluster_id and duplicate_of, written as one file: what
    json.dumps(record | {cluster_id, duplicate_of}, ensure_ascii=False) writes, a canonical line
    (fonderie.dedup.records.is_canonical) being that line with the two keys appended."""
    root, canonical = root.tolist(), canonical.tolist()
    with _progress(size, "writing") as bar, open(output_path + ".tmp", "wb") as out:
        for i, (_, line) in enumerate(_lines(input_path, bar)):
            cluster_id = ids[root[i]]
            if canonical[i]:
                dumped = dump_id(cluster_id)
                end = f', "cluster_id": {dumped}, "duplicate_of": {dumped if root[i] != i else "null"}}}\n'
                out.write(line.rstrip(b"\r\n")[:-1] + end.encode("utf-8", "surrogatepass"))
            else:
                record = load_line(line)
                record["cluster_id"], record["duplicate_of"] = cluster_id, cluster_id if root[i] != i else None
                out.write((dumps(record) + "\n").encode("utf-8", "surrogatepass"))
    os.replace(output_path + ".tmp", output_path)
