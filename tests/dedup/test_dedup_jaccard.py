import numpy as np
import pytest
from dedup.dedup_texts import OVERESTIMATED, TEXTS, UNDERESTIMATED, edit, replaced

from fonderie.dedup import find_duplicates
from fonderie.dedup.jaccard import ShingleJaccard, check_verify, shingle_sets, sorted_intersection_size
from fonderie.dedup.minhash import MinhashConfig, MinHasher, estimated_jaccard, poly_hash32
from fonderie.dedup.normalize import shingles
from fonderie.errors import RunStateError


def true_jaccard(x: str, y: str) -> float:
    a, b = set(shingles(x)), set(shingles(y))
    return len(a & b) / len(a | b)


SAMPLES = [
    TEXTS[0],
    TEXTS[0] + " " + TEXTS[0],  # every shingle of the first half again: a set counts them once
    "trois mots seulement",  # fewer words than a shingle: one shingle of all of them
    "",  # no word: no shingle
    "L’homme qu'il voit aujourd'hui, peut-être en 1987 ou en 2024.",
]


def test_shingle_sets_are_each_texts_distinct_shingles():
    values, offsets = shingle_sets(SAMPLES, batch_size=2)  # batches of 2: the sets do not depend on them
    assert values.dtype == np.uint64 and len(offsets) == len(SAMPLES) + 1
    for d, text in enumerate(SAMPLES):
        own = values[offsets[d] : offsets[d + 1]]
        assert (np.diff(own) > 0).all()  # sorted, each once
        assert len(own) == len(set(shingles(text)))
        assert set((own >> np.uint64(32)).tolist()) == {poly_hash32(s) for s in shingles(text)}  # same hash, 64 bits


def test_exact_jaccard_is_the_jaccard_of_the_shingle_sets():
    texts = [TEXTS[0], edit(TEXTS[0], 1, typos=3), edit(TEXTS[0], 2, drop=4), TEXTS[1], TEXTS[0] + " " + TEXTS[1]]
    texts += replaced(OVERESTIMATED)
    jaccard = ShingleJaccard(np.arange(len(texts)), *shingle_sets(texts))
    a, b = np.triu_indices(len(texts), 1)
    expected = [true_jaccard(texts[i], texts[j]) for i, j in zip(a, b, strict=True)]
    assert jaccard(a, b).tolist() == np.float32(expected).tolist()
    subset = ShingleJaccard(np.array([3, 8]), *shingle_sets([texts[3], texts[0]]))  # any sorted document numbers
    assert subset(np.array([3]), np.array([8])) == np.float32(true_jaccard(texts[3], texts[0]))


def test_sorted_intersection_size():
    x, y = np.array([1, 5, 9, 12], dtype=np.uint64), np.array([0, 5, 12, 13, 20], dtype=np.uint64)
    assert sorted_intersection_size(x, y) == sorted_intersection_size(y, x) == 2
    assert sorted_intersection_size(x, np.zeros(0, dtype=np.uint64)) == 0
    assert sorted_intersection_size(np.array([30], dtype=np.uint64), y) == 0  # beyond the last value


@pytest.mark.parametrize(("positions", "duplicates"), [(OVERESTIMATED, False), (UNDERESTIMATED, True)])
def test_exact_verification_decides_the_pairs_the_estimate_gets_wrong(positions, duplicates):
    texts = replaced(positions)
    signatures = MinHasher(MinhashConfig()).signatures(texts)
    truth, estimate = true_jaccard(*texts), estimated_jaccard(signatures[0], signatures[1])
    assert (truth >= 0.8) == duplicates and (estimate >= 0.8) != duplicates  # the estimate is on the wrong side
    config = MinhashConfig(bands=56, rows=2, threshold=0.8)  # same signatures; a pair this close is a candidate
    exact, estimated = (find_duplicates(texts, config, verify=verify) for verify in ("exact", "estimate"))
    assert exact.candidate_pairs == estimated.candidate_pairs == 1
    assert exact.root.tolist() == ([0, 0] if duplicates else [0, 1])
    assert estimated.root.tolist() == ([0, 1] if duplicates else [0, 0])
    assert exact.verified_pairs == int(duplicates)
    if duplicates:
        assert exact.jaccard[1] == exact.match_jaccard[1] == np.float32(truth)  # the Jaccard reported is exact too
    assert find_duplicates(texts, config).root.tolist() == exact.root.tolist()  # exact is the default


def test_verify_modes():
    assert (
        find_duplicates(replaced(OVERESTIMATED), MinhashConfig(bands=56, rows=2, threshold=0.8), verify="none").root[1]
        == 0
    )
    with pytest.raises(ValueError, match="verify='fast' is not one of"):
        check_verify("fast")
    with pytest.raises(ValueError, match="verify='exact' needs the texts"):
        from fonderie.dedup import cluster_signatures

        cluster_signatures(np.zeros((1, 112), np.uint32), None, MinhashConfig(), "exact")


def test_shingle_sets_that_do_not_fit_their_documents_are_refused():
    with pytest.raises(RunStateError, match="2 shingle sets for 3 documents"):
        ShingleJaccard(np.array([0, 1, 2]), np.array([5, 6], dtype=np.uint64), np.array([0, 1, 2]))
