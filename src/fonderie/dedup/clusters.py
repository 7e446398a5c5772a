"""From exact groups and candidate pairs to clusters, one kept document each, and the table that explains them.

Documents are numbered 0..n-1 in keep order: the caller sorts them so that a smaller index is the one to keep
(`keep_order`: source priority, then file, then record position). Then:

1. exact duplicates link every copy to its group's first document (`fonderie.dedup.exact`);
2. LSH candidate pairs among those first copies (`candidate_pairs`) are verified: a pair whose Jaccard is below
   the threshold is not a link. That Jaccard is exact (shingle sets) or estimated (signatures), see
   `fonderie.dedup.jaccard`;
3. connected components of all links (union-find, below) are the clusters, and each keeps its smallest index.

A dropped document is an `exact_duplicate` when its text equals the kept one's (same exact hash), otherwise a
`near_duplicate` (possibly through a chain: a ~ b ~ c puts c with a even when c and a are further apart; its
`matched_with` then says which document it was linked to).

Union-find is done by rounds of hooking and pointer jumping (Shiloach-Vishkin style) in numpy: each round links
every edge's larger root under the smaller one, then halves paths until every document points at its root. The
root of a component is its smallest index, i.e. the document it keeps. Rounds are few (path graphs take one).
It was measured against scipy.sparse.csgraph.connected_components (same roots, after mapping each label to its
smallest node), best of 3 on this 2-core machine: 1M nodes and 500k random pairs 0.09 s against 0.09 s, 500k pairs
between near neighbours (chains, as LSH finds copies) 0.11 s against 0.10 s, 100k nodes and 50k pairs 0.004 s
against 0.009 s; importing scipy.sparse.csgraph alone takes ~0.27 s. So the hand-written one stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from fonderie.dedup.lsh import bucket_pairs, unique_pairs

if TYPE_CHECKING:
    import pyarrow as pa

# sorted document numbers -> a function of pairs (a, b) of those documents -> their Jaccard, float32
PairJaccard = Callable[[np.ndarray, np.ndarray], np.ndarray]
JaccardLoader = Callable[[np.ndarray], PairJaccard]

KEPT, EXACT_DUPLICATE, NEAR_DUPLICATE = 0, 1, 2
REASONS = {EXACT_DUPLICATE: "exact_duplicate", NEAR_DUPLICATE: "near_duplicate"}


# polars and pyarrow are imported where they are used: they take ~0.2 s to import, and `fonderie dedup` without
# --clusters needs neither
@lru_cache(maxsize=1)
def clusters_schema() -> pa.Schema:
    """The columns of the clusters table (clusters.parquet, `fonderie dedup --clusters`)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),  # a document in a cluster of two or more
            pa.field("cluster_id", pa.string(), nullable=False),  # the id of the cluster's kept document
            pa.field("cluster_size", pa.int64(), nullable=False),
            pa.field("duplicate_of", pa.string()),  # = cluster_id for dropped documents, null for the kept one
            pa.field("reason", pa.string()),  # exact_duplicate | near_duplicate, null for the kept one
            # Jaccard with the kept document (1 for exact copies): exact (shingle sets) under verify="exact", else
            # estimated from the signatures (`verify` is in clusters.json)
            pa.field("jaccard", pa.float32()),
            pa.field("matched_with", pa.string()),  # the member it is most similar to among its direct links
            pa.field("matched_jaccard", pa.float32()),  # their Jaccard, exact or estimated as `jaccard`
        ]
    )


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of n nodes, the smallest node of its component under edges (a[i], b[i])."""
    parent = np.arange(n, dtype=np.int64)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    while a.size:
        ra, rb = parent[a], parent[b]
        differ = ra != rb
        a, b, ra, rb = a[differ], b[differ], ra[differ], rb[differ]  # edges inside a component are done for good
        if not a.size:
            break
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))  # hook: roots only move to smaller roots
        while True:  # jump: every node to its root (parents are always smaller, so this ends)
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


@dataclass
class Clusters:
    """Per document (index in keep order), its cluster and why it is kept or dropped."""

    root: np.ndarray  # (n,) int64: the kept document of its cluster (itself when kept)
    reason: np.ndarray  # (n,) int8: KEPT, EXACT_DUPLICATE or NEAR_DUPLICATE
    size: np.ndarray  # (n,) int64: documents in its cluster
    jaccard: np.ndarray  # (n,) float32: Jaccard with the kept document; NaN for kept ones
    match: np.ndarray  # (n,) int64: its most similar direct link (-1: none)
    match_jaccard: np.ndarray  # (n,) float32: Jaccard of that link; NaN without one
    candidate_pairs: int  # pairs found by LSH among the first copies of exact groups
    verified_pairs: int  # of which passed verification (all of them without it)

    def counts(self) -> dict[str, int]:
        """documents, kept, exact_duplicate, near_duplicate, and clusters (of two documents or more)."""
        kept = self.root == np.arange(len(self.root))
        return {
            "documents": len(self.root),
            "kept": int(np.count_nonzero(kept)),
            REASONS[EXACT_DUPLICATE]: int(np.count_nonzero(self.reason == EXACT_DUPLICATE)),
            REASONS[NEAR_DUPLICATE]: int(np.count_nonzero(self.reason == NEAR_DUPLICATE)),
            "clusters": int(np.count_nonzero(kept & (self.size > 1))),
        }


def _best_links(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each node, the neighbour of highest weight (ties: the smallest), and that weight."""
    match, match_j = np.full(n, -1, dtype=np.int64), np.full(n, np.nan, dtype=np.float32)
    order = np.lexsort((dst, -weight, src))
    nodes, first = np.unique(src[order], return_index=True)
    match[nodes], match_j[nodes] = dst[order][first], weight[order][first]
    return match, match_j


def candidate_pairs(
    rep: np.ndarray | None, bands: Iterable[tuple[np.ndarray, np.ndarray]], all_pairs_limit: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """LSH candidate pairs (a < b, sorted, each once) among the first copies of exact groups.

    Args:
        rep: each document's exact representative (`exact_representatives`), or None when there are no exact hashes
        bands: per LSH band, (keys, documents): the band key of each document that has shingles
        all_pairs_limit: buckets up to this size give all their pairs (see `fonderie.dedup.lsh`)
    """
    found_a, found_b = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for keys, docs in bands:
        if rep is not None:
            first_copy = rep[docs] == docs  # later exact copies follow their first one
            keys, docs = keys[first_copy], docs[first_copy]
        a, b = bucket_pairs(keys, docs, all_pairs_limit)
        found_a.append(a)
        found_b.append(b)
    return unique_pairs(np.concatenate(found_a), np.concatenate(found_b))


def find_clusters(
    n: int,
    rep: np.ndarray | None = None,
    a: np.ndarray = (),
    b: np.ndarray = (),
    load_jaccard: JaccardLoader | None = None,
    threshold: float | None = None,
) -> Clusters:
    """Clusters of n documents numbered in keep order.

    Args:
        n: number of documents
        rep: each document's exact representative (`exact_representatives`), or None to skip exact duplicates
        a, b: the candidate pairs (`candidate_pairs`)
        load_jaccard: the documents of the pairs (sorted) -> their Jaccard function (`fonderie.dedup.jaccard`);
            None leaves the Jaccard columns empty (NaN) and keeps every pair
        threshold: candidate pairs of a lower Jaccard are not links; None keeps every pair
    """
    rep = np.arange(n, dtype=np.int64) if rep is None else rep
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    candidates = len(a)
    pair_j = np.full(len(a), np.nan, dtype=np.float32)
    jaccard_of = None
    if load_jaccard is not None and len(a):
        jaccard_of = load_jaccard(np.unique(np.concatenate([a, b])))
        pair_j = jaccard_of(a, b)
        if threshold is not None:
            ok = pair_j >= threshold
            a, b, pair_j = a[ok], b[ok], pair_j[ok]
    copies = np.flatnonzero(rep != np.arange(n))
    root = connected_components(n, np.concatenate([copies, a]), np.concatenate([rep[copies], b]))
    index = np.arange(n)
    reason = np.where(root == index, KEPT, np.where(rep == root, EXACT_DUPLICATE, NEAR_DUPLICATE)).astype(np.int8)
    jaccard = np.where(reason == EXACT_DUPLICATE, 1.0, np.nan).astype(np.float32)
    near = np.flatnonzero(reason == NEAR_DUPLICATE)
    if near.size and jaccard_of is not None:  # a near duplicate's first copy and its kept document had pairs
        jaccard[near] = jaccard_of(rep[near], root[near])
    ones = np.ones(len(copies), dtype=np.float32)
    match, match_j = _best_links(
        n,
        np.concatenate([copies, rep[copies], a, b]),
        np.concatenate([rep[copies], copies, b, a]),
        np.concatenate([ones, ones, pair_j, pair_j]),
    )
    size = np.bincount(root, minlength=n)[root]
    return Clusters(root, reason, size, jaccard, match, match_j, candidates, len(a))


def keep_order(ids: pa.Array | pa.ChunkedArray | list[str], source_priority: list[str] = ()) -> np.ndarray:
    """Indices that sort `ids` into keep order: sources in `source_priority` first (in that order), then the
    others; within a source by file, then record position (ids are `<source>/<file>#<position>`; an id without
    `#<digits>` sorts as position -1). Raises ValueError on a repeated id."""
    import polars as pl

    ids = pl.Series("id", ids, dtype=pl.String)
    keys = {"position": ids.str.extract(r"#(\d+)$").cast(pl.Int64).fill_null(-1)}
    keys["prefix"] = ids.str.replace(r"#\d+$", "").rank("dense").cast(pl.UInt32)  # sorting integers is lighter
    if source_priority:
        rank = {source: i for i, source in enumerate(source_priority)}
        source = ids.str.extract(r"^([^/]*)")
        keys["priority"] = source.replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
    order = [k for k in ("priority", "prefix", "position") if k in keys]
    frame = pl.DataFrame(keys).with_row_index("index").sort(order)
    if frame.select(pl.all_horizontal([pl.col(k) == pl.col(k).shift(1) for k in order]).any()).item():
        # equal keys: a repeated id (refused), or different ids (`a#1`, `a#01`) where the id breaks the tie
        repeated = ids.filter(ids.is_duplicated())
        if len(repeated):
            raise ValueError(f"document ids must be unique: {repeated[0]!r} appears more than once")
        frame = frame.with_columns(id=ids.rank("dense").gather(frame["index"])).sort([*order, "id"])
    return frame["index"].to_numpy().astype(np.int64)


def clusters_table(ids: pa.Array, clusters: Clusters, members: np.ndarray | None = None) -> pa.Table:
    """The rows of `clusters_schema()` for `members` (default: every document in a cluster of 2+), grouped by
    cluster, its kept document first. `ids` are in keep order."""
    import pyarrow as pa

    if members is None:
        members = np.flatnonzero(clusters.size > 1)
    members = members[np.lexsort((members, clusters.root[members]))]
    root, reason, match = clusters.root[members], clusters.reason[members], clusters.match[members]
    kept = reason == KEPT
    names = np.array([None, *REASONS.values()], dtype=object)
    has_match = match >= 0
    return pa.table(
        {
            "id": ids.take(pa.array(members)),
            "cluster_id": ids.take(pa.array(root)),
            "cluster_size": pa.array(clusters.size[members], pa.int64()),
            "duplicate_of": ids.take(pa.array(root, mask=kept)),
            "reason": pa.array(names[reason], pa.string()),
            "jaccard": pa.array(clusters.jaccard[members], pa.float32(), from_pandas=True),
            "matched_with": ids.take(pa.array(np.where(has_match, match, 0), mask=~has_match)),
            "matched_jaccard": pa.array(clusters.match_jaccard[members], pa.float32(), from_pandas=True),
        },
        schema=clusters_schema(),
    )
