"""Exact duplicates: a 128-bit hash of the exactly-normalized text, and the representative of each group.

Two documents are exact duplicates when their texts are equal after `normalize_exact` (NFKC, whitespace runs
collapsed): the hash is BLAKE2b-128 of that text in UTF-8, so a false match needs a 128-bit collision (none
expected below ~10**18 documents).
"""

from __future__ import annotations

import hashlib

import numpy as np

from fonderie.dedup.normalize import normalize_exact

HASH_BYTES = 16


def exact_hash(text: str) -> bytes:
    """The 16-byte hash two exact duplicates share."""
    data = normalize_exact(text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=HASH_BYTES).digest()


def exact_hashes(texts: list[str]) -> np.ndarray:
    """`exact_hash` of each text, as an (n, 2) uint64 array (`hashes_to_array`)."""
    return hashes_to_array([exact_hash(t) for t in texts]) if texts else np.zeros((0, 2), dtype=np.uint64)


def hashes_to_array(hashes: list[bytes] | bytes) -> np.ndarray:
    """16-byte hashes (a list, or their concatenation) as an (n, 2) uint64 array, for vectorized grouping."""
    data = b"".join(hashes) if isinstance(hashes, list) else hashes
    return np.frombuffer(data, dtype="<u8").reshape(-1, 2)


def exact_representatives(hashes: np.ndarray) -> np.ndarray:
    """For each document (row of `hashes`), the smallest index with the same hash: itself when it comes first.

    Indices are the keep order (index 0 is kept first), so a representative is the document its group keeps.
    """
    n = len(hashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(n), hashes[:, 1], hashes[:, 0]))  # by hash, then index
    sorted_hashes = hashes[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (sorted_hashes[1:] != sorted_hashes[:-1]).any(axis=1)
    first = order[np.flatnonzero(new_group)]  # each group's smallest index
    rep = np.empty(n, dtype=np.int64)
    rep[order] = np.repeat(first, np.diff(np.append(np.flatnonzero(new_group), n)))
    return rep
