"""Locality-sensitive hashing of MinHash signatures: band keys, and the candidate pairs that share one.

Band b of a signature is its values [b * rows, (b + 1) * rows), as in datasketch's MinHashLSH; two documents are
candidates when all the values of at least one band are equal. A band is reduced to a 64-bit key (a chain of
MurmurHash3 finalizers over its values), so buckets are sorted runs of equal keys; two different bands share a key
with probability 2**-64, and verification (`fonderie.dedup.clusters`) removes such pairs anyway.

Pairs of a bucket: every pair when the bucket holds at most `all_pairs_limit` documents; in a bigger bucket (a
template shared by thousands of pages) each document is paired with the bucket's first document and with the one
before it, so the bucket stays connected with 2k pairs instead of k**2 / 2.
"""

from __future__ import annotations

import numpy as np

from fonderie.dedup.minhash import MAX_HASH, fmix64
from fonderie.errors import InputError

_K = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(documents, bands) uint64 keys; equal keys <=> equal band values (up to 64-bit collisions)."""
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for b in range(bands):  # one band at a time: the uint64 copy of the values stays small
            key = np.zeros(len(signatures), dtype=np.uint64)
            for value in signatures[:, b * rows : (b + 1) * rows].T.astype(np.uint64):
                key = fmix64(key * _K + value)
            keys[:, b] = key
    return keys


def has_shingles(signatures: np.ndarray) -> np.ndarray:
    """Documents with at least one shingle; the others (no word at all) have the empty signature and no bucket."""
    return (signatures != MAX_HASH).any(axis=1)


def bucket_pairs(keys: np.ndarray, docs: np.ndarray, all_pairs_limit: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (a, b), a < b, among `docs` (distinct ids) whose `keys` in one band are equal."""
    if len(keys) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    same = keys[1:] == keys[:-1]
    shared = np.zeros(len(keys), dtype=bool)  # in a bucket of 2+ (most documents are alone in theirs)
    shared[1:] |= same
    shared[:-1] |= same
    keys, docs = keys[shared], docs[shared].astype(np.int64)
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(keys)))
    pos = np.arange(len(keys))
    group_start = np.repeat(starts, sizes)
    group_size = np.repeat(sizes, sizes)
    # small buckets: element p pairs with every later element of its bucket
    later = np.where(group_size <= all_pairs_limit, group_start + group_size - 1 - pos, 0)
    left = np.repeat(pos, later)
    first_of = np.repeat(np.cumsum(later) - later, later)
    right = left + 1 + (np.arange(len(left)) - first_of)
    # big buckets: element p pairs with the bucket's first element and with p - 1
    big = np.flatnonzero((group_size > all_pairs_limit) & (pos > group_start))
    chain = big[big - 1 > group_start[big]]
    left = np.concatenate([left, group_start[big], chain - 1])
    right = np.concatenate([right, big, chain])
    return docs[left], docs[right]


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a < b) without repeats, sorted; the same pair found in several bands counts once."""
    if a.size and max(a.max(), b.max()) >= 2**32:
        raise InputError("more than 2**32 documents in one deduplication: pairs are packed in 64 bits; split the run")
    packed = np.unique((a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64))
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(2**32 - 1)).astype(np.int64)
