"""The per-document work of `fonderie dedup` (fonderie.dedup.jsonl), in worker processes.

Parsing a record, checking whether its line can be copied as it is, its MinHash signature and its exact hash are
pure CPU work on one document: ~75% of a run, which one Python thread cannot spread over cores (a second thread
gained nothing, the GIL). So the file is cut into byte ranges (`byte_ranges`), and a pool of forked workers
(`worker_pool`) each reads the lines that start in a range and computes their records' values (`sign_block`);
`ordered_map` gives the results back in input order, with at most `IN_FLIGHT_PER_WORKER` ranges per worker sent
and not yet consumed, so memory holds the results of a few ranges, never the file's texts. Every value computed for
a document depends on that document alone, so the output is the same byte for byte whatever the number of workers
(1: everything runs in the main process, through the same functions). The texts of the documents in candidate
pairs are read again and shingled the same way (`shingle_block`).

Workers are forked (they inherit the loaded modules: no re-import, ~10 ms each to start); where fork is not
available, everything runs in the main process.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from fonderie.dedup.exact import exact_hashes
from fonderie.dedup.jaccard import shingle_sets
from fonderie.dedup.minhash import MinhashConfig, MinHasher
from fonderie.dedup.records import is_canonical, load_line, parse_record
from fonderie.errors import InputError

# bytes of whole lines per task: ~1,200 documents of a web corpus, enough to spread numpy's per-call costs (the
# signatures of a block are computed at once), few enough that 2 workers share a 7 MB file evenly
BLOCK_BYTES = 1 << 20
IN_FLIGHT_PER_WORKER = 2  # tasks sent per worker and not yet consumed: one being computed, one waiting
SHINGLE_TASK_DOCS = 500  # documents of candidate pairs read again and shingled per task


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, as a container or taskset limits it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def worker_pool(workers: int):
    """A pool of `workers` forked processes, or None (work in this process) for one worker or without fork."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:  # terminated on leaving, error or not
        yield pool


def ordered_map(pool, workers: int, func: Callable, tasks: Iterable) -> Iterator:
    """func(task) for every task, in order: in `pool` of `workers` processes, or in this process when `pool` is
    None. `tasks` is read only as tasks are sent, and IN_FLIGHT_PER_WORKER per worker at most are sent and not yet
    consumed (Pool.imap would read all of `tasks` ahead: the whole file in memory)."""
    if pool is None:
        yield from map(func, tasks)
        return
    pending: deque = deque()
    limit = IN_FLIGHT_PER_WORKER * workers
    for task in tasks:
        pending.append(pool.apply_async(func, (task,)))
        if len(pending) >= limit:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def byte_ranges(size: int, block_bytes: int | None = None) -> list[tuple[int, int]]:
    """[start, end) ranges that cover a file of `size` bytes, `block_bytes` long (default BLOCK_BYTES, read at
    call time); a range owns the lines that start in it."""
    block_bytes = block_bytes or BLOCK_BYTES
    return [(start, min(start + block_bytes, size)) for start in range(0, size, block_bytes)]


def _owned_lines(f, start: int, end: int) -> bytes:
    """The lines of file `f` that start in [start, end), the last one whole (it may end after `end`)."""
    if start:
        f.seek(start - 1)
        f.readline()  # the end of a line begun before `start` (just b"\n" when one ends at start - 1)
    pos = f.tell()
    data = f.read(max(end - pos, 0))
    return data + f.readline() if data and not data.endswith(b"\n") else data


@lru_cache(maxsize=4)
def _hasher(config: MinhashConfig) -> MinHasher:
    return MinHasher(config)  # once per process and config, not per block


def sign_block(task: tuple[str, MinhashConfig, int, int]) -> tuple:
    """(lines, ids, line indices, byte offsets, canonical, signatures, exact hashes, bad) of the records of the
    lines that start in byte range [start, end) of `path`: `lines` counts those lines, blank ones (no record)
    included; line indices count from the range's first line, which only the caller knows the number of. A bad
    record stops the block: `bad` is then its (line index, byte offset) and the caller parses it again to raise its
    InputError, after checking the records before it for a repeated id; None otherwise."""
    path, config, start, end = task
    with open(path, "rb") as f:  # read here, not sent by the main process: that copy cost ~10% of a run
        data = _owned_lines(f, start, end)
        offset = f.tell() - len(data)
    ids, indices, offsets, canonical, texts = [], [], [], [], []
    index = -1
    for index, line in enumerate(io.BytesIO(data)):  # splits at b"\n" only, as reading the file does
        if not line.isspace():
            try:
                record, decoded = parse_record(line, path, index)
            except InputError:
                return index + 1, ids, indices, None, None, None, None, (index, offset)
            ids.append(record["id"])
            indices.append(index)
            offsets.append(offset)
            canonical.append(is_canonical(record, decoded))
            texts.append(record["text"])
        offset += len(line)
    signatures = _hasher(config).signatures(texts)
    exact = exact_hashes(texts)
    offsets, canonical = np.array(offsets, dtype=np.int64), np.array(canonical, dtype=bool)
    return index + 1, ids, indices, offsets, canonical, signatures, exact, None


def shingle_block(task: tuple[str, int, list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(values, sizes): the shingle sets (fonderie.dedup.jaccard.shingle_sets) of the records at the given byte
    offsets of `path`, concatenated, and the size of each."""
    path, ngram, offsets = task
    with open(path, "rb") as f:

        def texts() -> Iterator[str]:
            for start in offsets:
                f.seek(start)
                yield load_line(f.readline())["text"]

        values, bounds = shingle_sets(texts(), ngram)
    return values, np.diff(bounds)
