"""LSH bands and rows for a Jaccard threshold: datasketch's choice, computed without importing datasketch.

datasketch's `MinHashLSH` (`datasketch.lsh._optimal_param`) tries every (bands, rows) with bands * rows <= num_perm
and keeps the first that minimizes

    false_positive_weight * integral_0^t P(s) ds + false_negative_weight * integral_t^1 (1 - P(s)) ds,
    P(s) = 1 - (1 - s**rows)**bands  (the chance that two documents of Jaccard s share a bucket),

each integral by scipy's adaptive `quad`. Importing datasketch and scipy.integrate for it took ~1 s of every
`fonderie dedup --threshold` run (the computation itself ~10 ms), so the integrals are computed here with numpy.
P is a polynomial of degree bands * rows <= num_perm, so Gauss-Legendre quadrature with num_perm // 2 + 1 nodes
integrates it exactly (up to rounding), for all candidates at once. `quad` is accurate to ~1e-8 (its default
tolerance), so when the best two candidates are closer than `TIE_MARGIN` the choice is left to datasketch itself:
the result is always datasketch's. tests/dedup/test_dedup_bands.py compares both on a grid.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# objective differences below this are within quad's error: datasketch decides (quad's default tolerance is 1.5e-8)
TIE_MARGIN = 1e-6
# above this many permutations, the node and candidate tables grow (O(num_perm**2 log num_perm)): datasketch decides
MAX_NUM_PERM = 1024
_EXTRA_NODES = 4  # Gauss-Legendre nodes beyond the num_perm // 2 + 1 that make the quadrature exact


def _gauss_legendre(lo: float, hi: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(nodes)
    half = (hi - lo) / 2
    return lo + half * (x + 1), half * w


def _datasketch_choice(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    try:
        from datasketch.lsh import _optimal_param
    except ImportError as e:
        raise ImportError("choosing bands from a threshold uses datasketch: pip install datasketch") from e
    return _optimal_param(threshold, num_perm, fp_weight, fn_weight)


@lru_cache(maxsize=64)
def optimal_bands_rows(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) as datasketch's MinHashLSH picks them: minimizes weighted false positives + negatives."""
    if not 0 < threshold <= 1 or num_perm > MAX_NUM_PERM:
        return _datasketch_choice(threshold, num_perm, false_positive_weight, false_negative_weight)
    b = np.concatenate([np.full(num_perm // k, k) for k in range(1, num_perm + 1)]).astype(np.float64)
    r = np.concatenate([np.arange(1, num_perm // k + 1) for k in range(1, num_perm + 1)]).astype(np.float64)
    nodes = num_perm // 2 + 1 + _EXTRA_NODES
    error = np.zeros(len(b))
    for lo, hi, weight, positive in ((0.0, threshold, false_positive_weight, True),
                                     (threshold, 1.0, false_negative_weight, False)):  # fmt: skip
        if hi <= lo:
            continue
        s, w = _gauss_legendre(lo, hi, nodes)
        p = 1 - (1 - s[None, :] ** r[:, None]) ** b[:, None]  # P(s), one row per candidate
        error += weight * ((p if positive else 1 - p) @ w)
    best, second = np.partition(error, 1)[:2] if len(error) > 1 else (error[0], np.inf)
    if second - best < TIE_MARGIN:  # too close to call at quad's accuracy
        return _datasketch_choice(threshold, num_perm, false_positive_weight, false_negative_weight)
    k = int(np.argmin(error))
    return int(b[k]), int(r[k])
