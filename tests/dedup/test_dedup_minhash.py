import numpy as np
import pytest
from dedup.dedup_texts import TEXTS, edit

from fonderie.dedup import minhash
from fonderie.dedup.lsh import band_keys, bucket_pairs
from fonderie.dedup.minhash import (
    MAX_HASH,
    MinhashConfig,
    MinHasher,
    estimated_jaccard,
    poly_hash32,
    poly_shingle_hashes,
)
from fonderie.dedup.normalize import encode_batch, shingles

SAMPLES = [*TEXTS, edit(TEXTS[0], 1, typos=3), "Trop court.", "", "...", "𠀀 mot rare 😀 et 12 chiffres"]


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize("hashfunc", ["poly32", "sha1"])
def test_hash_values_equal_datasketch(scheme, hashfunc):
    datasketch = pytest.importorskip("datasketch")
    config = MinhashConfig(num_perm=64, bands=8, rows=8, seed=7, scheme=scheme, hashfunc=hashfunc)
    hasher = MinHasher(config)
    ours = hasher.signatures(SAMPLES)
    for text, signature in zip(SAMPLES, ours, strict=True):
        theirs = datasketch.MinHash(num_perm=64, seed=7, hashfunc=hasher.hashfunc, scheme=scheme)
        for s in shingles(text):
            theirs.update(s)
        assert np.array_equal(theirs.hashvalues, signature), text


def test_sha1_hashfunc_is_datasketchs_default():
    datasketch = pytest.importorskip("datasketch")
    ours = MinHasher(MinhashConfig(hashfunc="sha1")).signatures(TEXTS[:2])
    for text, signature in zip(TEXTS[:2], ours, strict=True):
        theirs = datasketch.MinHash(num_perm=112)  # default seed, scheme and hash function
        theirs.update_batch(shingles(text))
        assert np.array_equal(theirs.hashvalues, signature)


def test_lean_minhash_lsh_and_jaccard_work_on_our_signatures():
    datasketch = pytest.importorskip("datasketch")
    config = MinhashConfig()
    texts = [*TEXTS, edit(TEXTS[0], 1, typos=2), edit(TEXTS[1], 2, drop=3), edit(TEXTS[1], 3, typos=1)]
    sigs = MinHasher(config).signatures(texts)
    lean = [minhash.as_datasketch(s, config) for s in sigs]
    assert lean[0].jaccard(lean[6]) == pytest.approx(estimated_jaccard(sigs[0], sigs[6]))
    lsh = datasketch.MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
    for i, m in enumerate(lean):
        lsh.insert(i, m)
    theirs = {(i, j) for i, m in enumerate(lean) for j in lsh.query(m) if i < j}
    keys = band_keys(sigs, config.bands, config.rows)
    ours = set()
    for b in range(config.bands):
        a, c = bucket_pairs(keys[:, b], np.arange(len(texts)))
        ours |= set(zip(a.tolist(), c.tolist(), strict=True))
    assert ours == theirs and (0, 6) in ours and (1, 8) in ours
    restored = datasketch.LeanMinHash.deserialize(_serialized(lean[7]))
    assert np.array_equal(restored.hashvalues, sigs[7])


def _serialized(m):
    buf = bytearray(m.bytesize())
    m.serialize(buf)
    return buf


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.8, 112), (0.7, 128), (0.5, 64), (0.95, 256)])
@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.1, 0.9)])
def test_bands_and_rows_from_threshold_are_datasketchs(threshold, num_perm, weights):
    datasketch = pytest.importorskip("datasketch")
    config = MinhashConfig.from_threshold(threshold, num_perm, weights=weights)
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    assert (config.bands, config.rows) == (lsh.b, lsh.r)
    assert config.jaccard_threshold == threshold


def test_threshold_weights_favour_recall_when_pairs_are_verified():
    pytest.importorskip("datasketch")
    verified, unverified = MinhashConfig.from_threshold(0.8), MinhashConfig.from_threshold(0.8, verify=False)
    assert (unverified.bands, unverified.rows) == (9, 12)  # datasketch's default weights
    assert verified.bands > unverified.bands  # more bands of fewer rows: fewer missed pairs


def test_default_is_14_bands_of_8_rows():
    config = MinhashConfig()
    assert (config.num_perm, config.bands, config.rows) == (112, 14, 8)
    assert config.jaccard_threshold == pytest.approx((1 / 14) ** (1 / 8))
    assert MinhashConfig.from_threshold(0.8, 112, bands=10).rows == 11


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bands": 20, "rows": 8}, "bands=20"),
        ({"num_perm": 0}, "num_perm=0"),
        ({"threshold": 1.5}, "threshold=1.5"),
        ({"scheme": "affine64"}, "scheme='affine64'"),
        ({"hashfunc": "md5"}, "hashfunc='md5'"),
        ({"ngram": 0}, "ngram=0"),
    ],
)
def test_bad_settings_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MinhashConfig(**kwargs)


def test_vectorized_shingle_hashes_equal_poly_hash32(monkeypatch):
    monkeypatch.setattr(minhash, "_CHUNK", 64)  # several prefix-sum slices, and words longer than one
    texts = [*SAMPLES, "mot " * 50 + "z" * 200 + " fin"]
    hashes, offsets = poly_shingle_hashes(encode_batch(texts), 5)
    for d, text in enumerate(texts):
        assert hashes[offsets[d] : offsets[d + 1]].tolist() == [poly_hash32(s) for s in shingles(text)], text


def test_signatures_do_not_depend_on_the_batch():
    hasher = MinHasher(MinhashConfig())
    together = hasher.signatures(SAMPLES)
    for text, signature in zip(SAMPLES, together, strict=True):
        assert np.array_equal(hasher.signatures([text])[0], signature)
    assert (together[SAMPLES.index("")] == MAX_HASH).all()
    assert hasher.signatures([]).shape == (0, 112)


def test_estimated_jaccard_tracks_the_true_one():
    base = " ".join(f"mot{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}" for i in range(400))
    words = base.split()
    variant = " ".join(words[:300] + [w + "x" for w in words[300:]])
    a, b = set(shingles(base)), set(shingles(variant))
    true = len(a & b) / len(a | b)
    sigs = MinHasher(MinhashConfig(num_perm=256, bands=16, rows=16)).signatures([base, variant])
    assert abs(estimated_jaccard(sigs[0], sigs[1]) - true) < 0.1
