import numpy as np

from fonderie.dedup.exact import exact_hash, exact_representatives, hashes_to_array


def test_exact_hash_ignores_spacing_and_presentation_forms_only():
    a = exact_hash("Le chat dort.\nIl rêve.")
    assert exact_hash("  Le chat\u00a0dort.   Il rêve. ") == a
    assert exact_hash("Le chat dort. Il rêve.") == a
    assert exact_hash("le chat dort. Il rêve.") != a
    assert exact_hash("Le chat dort, Il rêve.") != a
    assert len(a) == 16


def test_representative_is_the_smallest_index_with_the_same_hash():
    texts = ["b", "a", "b", "c", "a", "b"]
    rep = exact_representatives(hashes_to_array([exact_hash(t) for t in texts]))
    assert rep.tolist() == [0, 1, 0, 3, 1, 0]
    assert exact_representatives(np.zeros((0, 2), dtype=np.uint64)).tolist() == []
