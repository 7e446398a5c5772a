import numpy as np

from fonderie.dedup.clusters import connected_components
from fonderie.dedup.lsh import band_keys, bucket_pairs, has_shingles, unique_pairs
from fonderie.dedup.minhash import MAX_HASH


def test_band_keys_equal_exactly_when_band_values_are_equal():
    sig = np.arange(24, dtype=np.uint32).reshape(2, 12)
    sig[1, :4] = sig[0, :4]  # same first band only
    keys = band_keys(sig, bands=3, rows=4)
    assert keys.shape == (2, 3) and keys.dtype == np.uint64
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] != keys[1, 1] and keys[0, 2] != keys[1, 2]


def test_has_shingles():
    sig = np.full((2, 4), MAX_HASH, dtype=np.uint32)
    sig[1, 0] = 3
    assert has_shingles(sig).tolist() == [False, True]


def test_small_buckets_give_all_pairs():
    keys = np.array([7, 3, 7, 7, 3, 9], dtype=np.uint64)
    docs = np.array([10, 11, 12, 13, 14, 15])
    a, b = bucket_pairs(keys, docs)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(10, 12), (10, 13), (11, 14), (12, 13)]


def test_big_buckets_stay_connected_with_a_star_and_a_chain():
    docs = np.arange(100, 0, -1)
    a, b = bucket_pairs(np.zeros(100, dtype=np.uint64), docs, all_pairs_limit=10)
    assert len(a) == 99 + 98 and (a < b).all()
    assert (connected_components(101, a, b)[1:] == 1).all()


def test_unique_pairs():
    a, b = unique_pairs(np.array([1, 0, 1]), np.array([2, 5, 2]))
    assert a.tolist() == [0, 1] and b.tolist() == [5, 2]
