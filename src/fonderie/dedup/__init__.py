"""Deduplication: exact (hash of normalized text) and near (MinHash LSH over word 5-grams), datasketch-compatible.

Modules, in the order data flows through them:
    normalize       the two text normalizations (exact; near: NFKC, lowercase, digits, French elisions) and shingles
    exact           128-bit hashes of exactly-normalized text, and each group's first copy
    minhash         vectorized MinHash signatures equal to datasketch's; MinhashConfig
    bands           LSH bands and rows for a threshold, as datasketch chooses them (without importing it)
    lsh             band keys and candidate pairs
    jaccard         verification of candidate pairs: exact (shingle sets) or estimated (signatures) Jaccard
    clusters        candidate pairs, union-find, the keep rule and the clusters table
    files           the Parquet files the datatrove phases (fonderie.steps.dedup) hand each other
    document_index  those files' documents numbered in keep order, for the clustering phases
    records         JSONL records of `fonderie dedup`: parsed, checked, written as json.dumps does
    workers         its per-document work in forked worker processes, results in input order
    jsonl           all of it on one JSONL file, every record annotated (`fonderie dedup`)

`find_duplicates` runs all of it in memory on a list of texts; `dedup_jsonl` (jsonl) does it on a JSONL file
without holding the texts, and the steps in fonderie.steps.dedup split it into phases that run as parallel
datatrove tasks. Importing this package costs numpy and these modules only: polars and pyarrow (clusters table,
keep order) are imported where used, and files/document_index (which import datatrove) are never imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from fonderie.dedup.clusters import Clusters, candidate_pairs, find_clusters
from fonderie.dedup.exact import exact_hash, exact_representatives, hashes_to_array
from fonderie.dedup.jaccard import VERIFY_MODES, ShingleJaccard, SignatureJaccard, check_verify, shingle_sets
from fonderie.dedup.lsh import band_keys, has_shingles
from fonderie.dedup.minhash import MinhashConfig, MinHasher

__all__ = ["VERIFY_MODES", "Clusters", "MinhashConfig", "cluster_signatures", "find_duplicates"]


def cluster_signatures(
    signatures: np.ndarray,
    exact: np.ndarray | None,
    config: MinhashConfig,
    verify: str,
    texts: Callable[[np.ndarray], Iterable[str]] | None = None,
    shingles: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> Clusters:
    """Clusters of documents given in keep order, from their (n, num_perm) signatures and (n, 2) exact hashes.

    `verify` is how candidate pairs are checked against `config.jaccard_threshold` (fonderie.dedup.jaccard):
    "exact" needs `texts` (sorted document numbers -> their texts, in that order: only the documents in a candidate
    pair are asked for), or `shingles` (sorted document numbers -> their shingle sets, as `shingle_sets` gives them:
    for a caller that computes them its own way, e.g. in worker processes).
    """
    verify = check_verify(verify)
    if verify == "exact" and texts is None and shingles is None:
        raise ValueError("verify='exact' needs the texts of the documents in candidate pairs (`texts` or `shingles`)")
    keys = band_keys(signatures, config.bands, config.rows)
    docs = np.flatnonzero(has_shingles(signatures))
    rep = exact_representatives(exact) if exact is not None else None
    a, b = candidate_pairs(rep, ((keys[docs, band], docs) for band in range(config.bands)))
    del keys

    def load(involved: np.ndarray):
        if verify == "exact":
            sets = shingles(involved) if shingles is not None else shingle_sets(texts(involved), config.ngram)
            return ShingleJaccard(involved, *sets)
        return SignatureJaccard(involved, signatures[involved])

    threshold = None if verify == "none" else config.jaccard_threshold
    return find_clusters(len(signatures), rep, a, b, load, threshold)


def find_duplicates(
    texts: list[str], config: MinhashConfig | None = None, batch_size: int = 1000, verify: str | None = None
) -> Clusters:
    """Exact and near-duplicate clusters of `texts`; each cluster keeps its first text (smallest index).

    `verify`: "exact", "estimate" or "none" (fonderie.dedup.jaccard); None: "exact" when `config.verify`, else "none".
    """
    config = config or MinhashConfig()
    verify = verify or ("exact" if config.verify else "none")
    hasher = MinHasher(config)
    parts = [hasher.signatures(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    signatures = np.concatenate(parts) if parts else np.zeros((0, config.num_perm), dtype=np.uint32)
    exact = hashes_to_array([exact_hash(t) for t in texts])
    return cluster_signatures(signatures, exact, config, verify, lambda docs: (texts[i] for i in docs))
