import numpy as np
import pyarrow as pa
import pytest
from dedup.dedup_texts import unique_words

from fonderie.dedup import find_duplicates
from fonderie.dedup.clusters import (
    EXACT_DUPLICATE,
    KEPT,
    NEAR_DUPLICATE,
    candidate_pairs,
    clusters_table,
    connected_components,
    find_clusters,
    keep_order,
)
from fonderie.dedup.exact import exact_hash, exact_representatives, hashes_to_array
from fonderie.dedup.jaccard import SignatureJaccard
from fonderie.dedup.lsh import band_keys, has_shingles
from fonderie.dedup.minhash import MinhashConfig, MinHasher
from fonderie.dedup.normalize import shingles


def true_jaccard(x: str, y: str) -> float:
    a, b = set(shingles(x)), set(shingles(y))
    return len(a & b) / len(a | b)


def test_union_find_is_transitive():
    root = connected_components(7, [1, 2, 3, 5], [2, 3, 4, 6])  # 1-2-3-4 chain, 5-6, 0 alone
    assert root.tolist() == [0, 1, 1, 1, 1, 5, 5]
    assert connected_components(5, [4, 3, 2, 1], [3, 2, 1, 0]).tolist() == [0] * 5  # any edge order


def test_union_find_matches_a_naive_one():
    rng = np.random.RandomState(0)
    n = 3000
    a, b = rng.randint(0, n, 2500), rng.randint(0, n, 2500)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for x, y in zip(a, b, strict=True):
        rx, ry = find(x), find(y)
        parent[max(rx, ry)] = min(rx, ry)
    assert connected_components(n, a, b).tolist() == [find(x) for x in range(n)]


def test_keep_order_is_source_priority_then_file_then_record_position():
    ids = ["web/b.jsonl#10", "web/b.jsonl#9", "books/a.txt#0", "web/a.jsonl#2", "loose"]
    assert [ids[i] for i in keep_order(ids)] == [
        "books/a.txt#0", "loose", "web/a.jsonl#2", "web/b.jsonl#9", "web/b.jsonl#10",
    ]  # fmt: skip
    assert [ids[i] for i in keep_order(pa.array(ids), ["web"])][:3] == ["web/a.jsonl#2", "web/b.jsonl#9",
                                                                         "web/b.jsonl#10"]  # fmt: skip
    for ties in (["a#01", "a#1", "a#2"], ["a#1", "a#01", "a#2"]):  # same position: the id decides
        assert [ties[i] for i in keep_order(ties)] == ["a#01", "a#1", "a#2"]
    with pytest.raises(ValueError, match="'web/a.jsonl#2' appears more than once"):
        keep_order([*ids, "web/a.jsonl#2"])


@pytest.fixture(scope="module")
def handcrafted():
    words = unique_words(400)
    a = " ".join(words[:120])
    d = " ".join(words[200:320])
    texts = [
        a,  # 0 kept
        "  " + a.replace(" ", "\n", 5),  # 1 exact duplicate of 0 (spacing only)
        " ".join(words[:60] + ["changé"] + words[61:120]),  # 2 near duplicate of 0: one word replaced
        d,  # 3 unrelated: kept
        " ".join(words[:60] + words[260:320]),  # 4 half of a, half of d: different document
        "",  # 5 no words: kept
        "",  # 6 exact duplicate of 5
        " ".join(words[:60] + ["changé"] + words[61:119] + ["encore"]),  # 7 near duplicate of 2 (and of 0)
    ]
    config = MinhashConfig(threshold=0.7)
    sigs = MinHasher(config).signatures(texts)
    keys = band_keys(sigs, config.bands, config.rows)
    docs = np.flatnonzero(has_shingles(sigs))
    rep = exact_representatives(hashes_to_array([exact_hash(t) for t in texts]))
    a, b = candidate_pairs(rep, [(keys[docs, band], docs) for band in range(config.bands)])
    return texts, sigs, find_clusters(len(texts), rep, a, b, estimate(sigs), threshold=0.7)


def estimate(sigs):
    return lambda docs: SignatureJaccard(docs, sigs[docs])


def test_near_duplicate_clusters_on_a_set_of_known_jaccard(handcrafted):
    texts, _, clusters = handcrafted
    assert true_jaccard(texts[0], texts[2]) > 0.9 and true_jaccard(texts[0], texts[4]) < 0.35
    assert clusters.root.tolist() == [0, 0, 0, 3, 4, 5, 5, 0]
    assert clusters.reason.tolist() == [KEPT, EXACT_DUPLICATE, NEAR_DUPLICATE, KEPT, KEPT, KEPT, EXACT_DUPLICATE,
                                        NEAR_DUPLICATE]  # fmt: skip
    assert clusters.size.tolist() == [4, 4, 4, 1, 1, 2, 2, 4]
    for i in (2, 7):
        assert abs(clusters.jaccard[i] - true_jaccard(texts[i], texts[0])) < 0.12
    assert clusters.jaccard[1] == 1.0 and np.isnan(clusters.jaccard[0])


def test_verification_drops_pairs_below_the_threshold(handcrafted):
    texts, sigs, _ = handcrafted
    docs = np.arange(len(texts))[has_shingles(sigs)]
    a, b = candidate_pairs(None, [(np.zeros(len(docs), dtype=np.uint64), docs)])  # one bucket: every document
    strict = find_clusters(len(texts), None, a, b, estimate(sigs), threshold=0.7)
    assert strict.candidate_pairs == 15  # the 6 documents with words, all paired
    assert strict.verified_pairs == 6  # the pairs among 0, 1, 2, 7
    assert strict.root.tolist() == [0, 0, 0, 3, 4, 5, 6, 0]
    loose = find_clusters(len(texts), None, a, b, estimate(sigs), threshold=None)
    assert set(loose.root[docs].tolist()) == {0}  # without verification, one bucket is one cluster


def test_find_duplicates_in_memory(handcrafted):
    texts, _, clusters = handcrafted
    found = find_duplicates(texts, MinhashConfig(threshold=0.7))
    assert found.root.tolist() == clusters.root.tolist() and found.reason.tolist() == clusters.reason.tolist()
    assert find_duplicates([]).root.tolist() == []


def test_clusters_table_says_who_matched_whom(handcrafted):
    texts, _, clusters = handcrafted
    ids = pa.array([f"doc{i}" for i in range(len(texts))])
    table = clusters_table(ids, clusters).to_pylist()
    assert [r["id"] for r in table] == ["doc0", "doc1", "doc2", "doc7", "doc5", "doc6"]
    first, copy, near, near2 = table[:4]
    assert first["duplicate_of"] is None and first["reason"] is None and first["cluster_id"] == "doc0"
    assert copy["reason"] == "exact_duplicate" and copy["duplicate_of"] == "doc0" and copy["jaccard"] == 1.0
    assert near["reason"] == "near_duplicate" and near["cluster_size"] == 4
    assert near2["matched_with"] == "doc2" and near2["matched_jaccard"] > near2["jaccard"] - 1e-6
