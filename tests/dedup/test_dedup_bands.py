import pytest

from fonderie.dedup import bands
from fonderie.dedup.minhash import LSH_WEIGHTS

datasketch_lsh = pytest.importorskip("datasketch.lsh")


@pytest.mark.parametrize("num_perm", [16, 112, 128])
@pytest.mark.parametrize("weights", sorted(set(LSH_WEIGHTS.values())))
def test_same_choice_as_datasketch(num_perm, weights):
    for threshold in (0.1, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0):
        expected = datasketch_lsh._optimal_param(threshold, num_perm, *weights)
        assert bands.optimal_bands_rows.__wrapped__(threshold, num_perm, *weights) == expected, threshold


def test_datasketch_decides_near_ties_and_large_num_perm(monkeypatch):
    calls = []
    monkeypatch.setattr(bands, "_datasketch_choice", lambda *args: calls.append(args) or (1, 1))
    monkeypatch.setattr(bands, "TIE_MARGIN", 1.0)  # every choice is then too close to call
    assert bands.optimal_bands_rows.__wrapped__(0.8, 112, 0.5, 0.5) == (1, 1)
    monkeypatch.setattr(bands, "TIE_MARGIN", 1e-6)
    assert bands.optimal_bands_rows.__wrapped__(0.8, bands.MAX_NUM_PERM + 1, 0.5, 0.5) == (1, 1)
    assert len(calls) == 2
