"""Jaccard similarity of candidate pairs, the two ways to verify them: estimated from MinHash signatures, or exact
from each document's set of shingle hashes.

- `estimate`: the share of equal values of the two signatures (datasketch's `MinHash.jaccard`). Its standard
  deviation is sqrt(J (1 - J) / num_perm): ~0.04 at J = 0.8 with 112 values, so pairs within ~0.1 of the
  threshold fall on the wrong side now and then (benchmarks/dedup.py measures how often).
- `exact`: |A & B| / |A | B| of the two shingle sets, each the sorted unique 64-bit hashes of a document's
  shingles (`shingle_sets`). Two different shingles share a hash with probability ~2**-64, so this is
  `len(a & b) / len(a | b)` of `fonderie.dedup.normalize.shingles`. It needs the documents' shingles again, but
  only those of the documents in a candidate pair, 8 bytes per distinct shingle.
- `none`: every candidate pair is a link (their estimated Jaccard still fills the clusters table).

Pairs are given as document numbers; a scorer is built for the sorted `docs` that take part in some pair, and holds
only their signatures or shingle sets.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np

from fonderie.dedup.minhash import estimated_jaccard, poly_shingle_hashes64
from fonderie.dedup.normalize import encode_batch
from fonderie.errors import RunStateError

VERIFY_MODES = ("exact", "estimate", "none")


def check_verify(verify: str) -> str:
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify={verify!r} is not one of {VERIFY_MODES}")
    return verify


def unique_per_segment(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, sizes): each segment values[offsets[d]:offsets[d + 1]] sorted, without repeats, all concatenated;
    and each one's size. The segments are sorted in place one by one: ~15x faster than one lexsort by
    (segment, value) on batches of 1,000 documents (~2 ms against ~25 ms), the loop costing ~1 us per segment."""
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        values[start:end].sort()
    new = np.ones(len(values), dtype=bool)
    new[1:] = values[1:] != values[:-1]
    new[offsets[:-1][np.diff(offsets) > 0]] = True  # a segment's first value is new even if the last one ended so
    doc = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    return values[new], np.bincount(doc[new], minlength=len(offsets) - 1)


def _batch_shingle_sets(texts: list[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    # a shingle repeated in a text counts once
    return unique_per_segment(*poly_shingle_hashes64(encode_batch(texts), ngram))


def shingle_sets(texts: Iterable[str], ngram: int = 5, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(values, offsets): the sorted unique 64-bit hashes of each text's shingles (`poly_shingle_hashes64`); text d
    owns values[offsets[d]:offsets[d + 1]] (a text without words owns none). Texts are hashed `batch_size` at a
    time, so an iterator of texts is never held whole."""
    values, sizes, batch = [np.zeros(0, dtype=np.uint64)], [np.zeros(0, dtype=np.int64)], []
    for text in itertools.chain(texts, [None]):
        if text is not None:
            batch.append(text)
        if batch and (text is None or len(batch) >= batch_size):
            v, s = _batch_shingle_sets(batch, ngram)
            values.append(v)
            sizes.append(s)
            batch = []
    sizes = np.concatenate(sizes)
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return np.concatenate(values), offsets


def sorted_intersection_size(x: np.ndarray, y: np.ndarray) -> int:
    """How many values two sorted arrays of unique values share."""
    if len(x) > len(y):
        x, y = y, x
    if not len(x):
        return 0
    pos = np.searchsorted(y, x)  # the smaller one looked up in the larger one: |x| log |y|
    return int(np.count_nonzero(y[np.minimum(pos, len(y) - 1)] == x))


class SignatureJaccard:
    """Estimated Jaccard of pairs among `docs` (sorted document numbers), from their signatures (one row each)."""

    def __init__(self, docs: np.ndarray, signatures: np.ndarray):
        self.docs, self.signatures = docs, signatures

    def __call__(self, a: np.ndarray, b: np.ndarray, step: int = 4096) -> np.ndarray:
        x, y = np.searchsorted(self.docs, a), np.searchsorted(self.docs, b)
        # `step` pairs at a time: two (step, num_perm) copies instead of two (pairs, num_perm) ones
        parts = [
            estimated_jaccard(self.signatures[x[i : i + step]], self.signatures[y[i : i + step]])
            for i in range(0, len(x), step)
        ]
        return np.concatenate([np.zeros(0), *parts]).astype(np.float32)


class ShingleJaccard:
    """Exact Jaccard of pairs among `docs` (sorted document numbers), from their shingle sets: document docs[k]
    owns values[offsets[k]:offsets[k + 1]], sorted and unique (as `shingle_sets` gives them)."""

    def __init__(self, docs: np.ndarray, values: np.ndarray, offsets: np.ndarray):
        if len(offsets) != len(docs) + 1:  # shingle files of the stage's earlier phase that do not fit its documents
            raise RunStateError(f"{len(offsets) - 1} shingle sets for {len(docs)} documents: the shingles phase "
                                "wrote for other documents; rerun it")  # fmt: skip
        self.docs, self.values, self.offsets = docs, values, offsets

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        x, y = np.searchsorted(self.docs, a), np.searchsorted(self.docs, b)
        start, size = self.offsets[:-1], np.diff(self.offsets)
        out = np.empty(len(x), dtype=np.float32)
        # one pair at a time: a few microseconds each, and the pairs are few (those LSH found)
        for p, (i, j) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
            shared = sorted_intersection_size(
                self.values[start[i] : start[i] + size[i]], self.values[start[j] : start[j] + size[j]]
            )
            union = size[i] + size[j] - shared
            out[p] = shared / union if union else 1.0
        return out
