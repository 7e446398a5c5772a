"""Deduplication: exact (hash of normalized text) and near (MinHash LSH over word 5-grams), datasketch-compatible.

Modules, in the order data flows through them:
    normalize  the two text normalizations (exact; near: NFKC, lowercase, digits, French elisions) and shingles
    exact      128-bit hashes of exactly-normalized text, and each group's first copy
    minhash    vectorized MinHash signatures equal to datasketch's; MinhashConfig; bands and rows from a threshold
    lsh        band keys and candidate pairs
    clusters   verification, union-find, the keep rule and the clusters table
    files      the Parquet files the datatrove phases (fonderie.steps.dedup) hand each other

`find_duplicates` runs all of it in memory on a list of texts; `fonderie dedup` does it on a JSONL file, and the
steps in fonderie.steps.dedup split it into phases that run as parallel datatrove tasks.
"""

from __future__ import annotations

import numpy as np

from fonderie.dedup.clusters import Clusters, find_clusters
from fonderie.dedup.exact import exact_hash, hashes_to_array
from fonderie.dedup.lsh import band_keys, has_shingles
from fonderie.dedup.minhash import MinhashConfig, MinHasher

__all__ = ["Clusters", "MinhashConfig", "cluster_signatures", "find_duplicates"]


def cluster_signatures(signatures: np.ndarray, exact: np.ndarray | None, config: MinhashConfig) -> Clusters:
    """Clusters of documents given in keep order, from their (n, num_perm) signatures and (n, 2) exact hashes."""
    keys = band_keys(signatures, config.bands, config.rows)
    docs = np.flatnonzero(has_shingles(signatures))
    bands = ((keys[docs, b], docs) for b in range(config.bands))
    threshold = config.jaccard_threshold if config.verify else None
    return find_clusters(len(signatures), exact, bands, signatures.__getitem__, threshold)


def find_duplicates(texts: list[str], config: MinhashConfig | None = None, batch_size: int = 1000) -> Clusters:
    """Exact and near-duplicate clusters of `texts`; each cluster keeps its first text (smallest index)."""
    config = config or MinhashConfig()
    hasher = MinHasher(config)
    parts = [hasher.signatures(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    signatures = np.concatenate(parts) if parts else np.zeros((0, config.num_perm), dtype=np.uint32)
    return cluster_signatures(signatures, hashes_to_array([exact_hash(t) for t in texts]), config)
