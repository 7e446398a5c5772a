"""MinHash signatures of word shingles, vectorized with numpy, equal to datasketch's for the same inputs.

For the same shingles, `seed`, `num_perm`, permutation `scheme` and shingle hash function, `MinHasher.signatures`
returns the hash values `datasketch.MinHash(num_perm=..., seed=..., hashfunc=..., scheme=...)` reaches after
`update`-ing every shingle (`fonderie.dedup.normalize.shingles`), so datasketch's `LeanMinHash`, `MinHashLSH` and
`jaccard` work on ours (`as_datasketch`). Permutations are generated exactly as datasketch does from `seed`.

Shingle hash functions (`MinhashConfig.hashfunc`):
- `poly32` (default): a 64-bit polynomial hash of the shingle's code points (base `POLY_BASE`, mod 2**64), its
  length mixed in, finished with MurmurHash3's 64-bit finalizer; the high 32 bits. It is computable for all
  shingles of a batch at once: word hashes come from prefix sums over code points, shingle hashes from prefix sums
  over words. `poly_hash32` is the same function on one shingle's UTF-8 bytes, to pass to datasketch. Its whole
  64 bits (`poly_shingle_hashes64`) identify shingles for exact Jaccard.
- `sha1`: datasketch's default `sha1_hash32`, one Python call per shingle (about 10x slower than `poly32`).

How fast: the cost is an NFKC check (C), a few numpy passes per character, a few per shingle, then one
(num_perm, shingles) uint32 multiply-add-min (scheme `affine32`, in blocks that stay in the CPU caches). Plain numpy
is enough (~50 MB/s per core, `benchmarks/dedup.py`), so there is no compiled extension (numba) to install.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import asdict, dataclass

import numpy as np

from fonderie.dedup.bands import optimal_bands_rows  # datasketch's choice, without importing it
from fonderie.dedup.normalize import CodeBatch, encode_batch, shingles

SCHEMES = ("affine32", "legacy")
HASHFUNCS = ("poly32", "sha1")
POLY_BASE = 0x9E3779B97F4A7C15  # odd, so it is invertible mod 2**64 (prefix sums divide by its powers)
LENGTH_MIX = 0xC2B2AE3D27D4EB4F  # the shingle's length in code points, times this, is xor-ed in before mixing
MASK64 = (1 << 64) - 1
MAX_HASH = (1 << 32) - 1  # the value of an empty signature (no shingle), as in datasketch
_MERSENNE = np.uint64((1 << 61) - 1)
_U64 = np.uint64
_CHUNK = 1 << 17  # shingles hashed per pass (the power tables grow to the characters they span)
# (false positive, false negative) weights that choose bands and rows for a threshold (`from_threshold`), per way
# candidate pairs are verified (fonderie.dedup.jaccard): the cheaper a false positive, the more bands of fewer rows.
# Under exact verification a false positive costs one intersection of two shingle sets (and reading its documents
# again) and can never become a link, while a false negative is a duplicate missed for good, so it weighs 99x more:
# at 0.8 and 112 permutations that picks 16 x 7 (14 x 8 at 0.05 / 0.95, 9 x 12 at datasketch's 0.5 / 0.5). On
# benchmarks/cli.py's corpora every true pair we missed at 14 x 8 was one LSH never proposed (exact verification
# agreed with the truth on all of them, J 0.80-0.83): 16 x 7 raised pairwise recall from 0.9887 to 0.9986 (7 MB)
# and from 0.9915 to 0.9973 (80 MB) for 39% more candidate pairs, ~0.3 s of a ~4.5 s run on 80 MB; 18 x 6
# (0.005 / 0.995) reaches 0.9998 for twice the candidates (+0.7 s)
LSH_WEIGHTS = {"exact": (0.01, 0.99), "estimate": (0.1, 0.9), "none": (0.5, 0.5)}


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    return h ^ (h >> 33)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, in place (uint64): the shingle hashes and the LSH band keys."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer: datasketch's pre-mix of every input hash in the affine schemes."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def poly_hash32(data: bytes) -> int:
    """fonderie's shingle hash (`poly32`) of one UTF-8 shingle: pass it to datasketch as `hashfunc`."""
    text = data.decode("utf-8", "surrogatepass")
    h = 0
    for ch in text:
        h = (h * POLY_BASE + ord(ch)) & MASK64
    return _fmix64_int(h ^ ((len(text) * LENGTH_MIX) & MASK64)) >> 32


def sha1_hash32(data: bytes) -> int:
    """datasketch's default hash function (`datasketch.hashfunc.sha1_hash32`): the first 4 bytes of SHA-1."""
    return struct.unpack("<I", hashlib.sha1(data).digest()[:4])[0]


_POWERS = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]  # POLY_BASE**i and its inverse**i, grown
_POLY_BASE_INV = _U64(pow(POLY_BASE, -1, 1 << 64))
_SPACE_TERM = _U64(32 * int(_POLY_BASE_INV) & MASK64)  # a space after a word, one position later: 32 * P**-1


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    if len(_POWERS[0]) < n:
        n = max(n, 2 * len(_POWERS[0]))
        for k, base in enumerate((POLY_BASE, int(_POLY_BASE_INV))):
            p = np.full(n, base, dtype=np.uint64)
            p[0] = 1
            _POWERS[k] = np.cumprod(p, dtype=np.uint64)  # wraps mod 2**64, as wanted
    return _POWERS[0], _POWERS[1]


def _word_hashes(batch: CodeBatch, w0: int, w1: int) -> np.ndarray:
    """Polynomial hash of words w0..w1-1: P**(e-1) * (G[e] - G[s]), G the prefix sums of code[j] * P**-j."""
    base = batch.word_starts[w0]
    seg = batch.codes[base : batch.word_ends[w1 - 1]]
    p, q = _powers(len(seg) + 1)
    prefix = np.zeros(len(seg) + 1, dtype=np.uint64)
    np.cumsum(seg * q[: len(seg)], out=prefix[1:])
    s, e = batch.word_starts[w0:w1] - base, batch.word_ends[w0:w1] - base
    return p[e - 1] * (prefix[e] - prefix[s])


def poly_shingle_hashes(batch: CodeBatch, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, offsets): `poly_hash32` of every shingle of every text; text d owns hashes[offsets[d]:offsets[d+1]]."""
    hashes, offsets = poly_shingle_hashes64(batch, n)
    return (hashes >> _U64(32)).astype(np.uint32), offsets


def poly_shingle_hashes64(batch: CodeBatch, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, offsets): the whole 64-bit hash of every shingle, whose high 32 bits are its `poly_hash32`; text d
    owns hashes[offsets[d]:offsets[d+1]]. Exact verification (fonderie.dedup.jaccard) compares shingle sets by
    these 64 bits, so two different shingles look equal with probability ~2**-64 instead of 2**-32.

    A shingle is the canonical string w_k + " " + ... + w_m. With C_v the position of word v in the canonical
    string of the batch (relative to the chunk), its hash is P**(b-1) * (G[m] - G[k]) + hash(w_m), where b is its
    end and G the prefix sums over words of P**-(C_v + len_v - 1) * (hash(w_v) + 32 * P**-1): each word with the
    space after it. Shingles are processed in chunks, so the power tables stay small.
    """
    counts = np.diff(batch.doc_words)
    per_doc = np.where(counts > 0, np.maximum(counts - n + 1, 1), 0)
    offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    first = np.repeat(batch.doc_words[:-1], per_doc) + (np.arange(offsets[-1]) - np.repeat(offsets[:-1], per_doc))
    last = first + np.repeat(np.minimum(counts, n), per_doc) - 1  # a text of fewer than n words is one shingle
    word_len = batch.word_ends - batch.word_starts
    out = np.empty(len(first), dtype=np.uint64)
    for s0 in range(0, len(first), _CHUNK):
        k, m = first[s0 : s0 + _CHUNK], last[s0 : s0 + _CHUNK]
        w0, w1 = k[0], m[-1] + 1
        hashes, lengths = _word_hashes(batch, w0, w1), word_len[w0:w1]
        canonical = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1] + 1, out=canonical[1:])
        p, q = _powers(int(canonical[-1] + lengths[-1]) + 1)
        prefix = np.zeros(len(lengths) + 1, dtype=np.uint64)
        np.cumsum(q[canonical + lengths - 1] * (hashes + _SPACE_TERM), out=prefix[1:])
        k, m = k - w0, m - w0
        end = canonical[m] + lengths[m]
        h = p[end - 1] * (prefix[m] - prefix[k]) + hashes[m]
        h ^= (end - canonical[k]).astype(np.uint64) * _U64(LENGTH_MIX)
        out[s0 : s0 + len(k)] = h
    return fmix64(out), offsets


@dataclass(frozen=True)
class MinhashConfig:
    """What a MinHash signature and its LSH buckets depend on; the same on every task of a run."""

    num_perm: int = 112  # hash values per signature; 14 bands x 8 rows is FineWeb's and Lucie's setting
    bands: int = 14  # LSH bands: two documents are candidates when all the values of one band are equal
    rows: int = 8  # values per band; bands * rows <= num_perm (datasketch also allows leaving some unused)
    threshold: float | None = None  # Jaccard to verify pairs at; None: the S-curve's midpoint (1/bands)**(1/rows)
    verify: bool = True  # keep only candidate pairs whose Jaccard >= threshold (exact or estimated: dedup.jaccard)
    ngram: int = 5  # words per shingle
    seed: int = 1  # seed of the permutations, as datasketch's `seed` (its default is 1)
    scheme: str = "affine32"  # datasketch's permutations: affine32 (its default since 2.0) or legacy (before 2.0)
    hashfunc: str = "poly32"  # shingle hash: poly32 (vectorized, `poly_hash32`) or sha1 (datasketch's default)

    def __post_init__(self):
        if self.num_perm < 1:
            raise ValueError(f"num_perm={self.num_perm!r} must be >= 1")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands={self.bands!r} x rows={self.rows!r} must be >= 1 and <= num_perm={self.num_perm}")
        if self.threshold is not None and not 0 < self.threshold <= 1:
            raise ValueError(f"threshold={self.threshold!r} must be in (0, 1]")
        if self.ngram < 1:
            raise ValueError(f"ngram={self.ngram!r} must be >= 1")
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme={self.scheme!r} is not one of {SCHEMES}")
        if self.hashfunc not in HASHFUNCS:
            raise ValueError(f"hashfunc={self.hashfunc!r} is not one of {HASHFUNCS}")

    @classmethod
    def from_threshold(
        cls,
        threshold: float,
        num_perm: int = 112,
        bands: int | None = None,
        weights: tuple[float, float] | None = None,
        **kwargs,
    ):
        """A config for `threshold`: bands and rows as datasketch's MinHashLSH picks them for `num_perm` and
        `weights` (false positive, false negative), or `num_perm // bands` rows when `bands` is given.

        With verification (the default), a false positive of the LSH costs one signature comparison while a false
        negative is a duplicate missed for good, so `weights` default to LSH_WEIGHTS["estimate"]; without it, to
        LSH_WEIGHTS["none"] (datasketch's own default). Exact verification is the one to pass LSH_WEIGHTS["exact"].
        """
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold={threshold!r} must be in (0, 1]")
        if weights is None:
            weights = LSH_WEIGHTS["estimate" if kwargs.get("verify", True) else "none"]
        if bands is None:
            bands, rows = optimal_bands_rows(threshold, num_perm, *weights)
        else:
            rows = num_perm // bands if bands >= 1 else 0
        return cls(num_perm=num_perm, bands=bands, rows=rows, threshold=threshold, **kwargs)

    @classmethod
    def from_settings(cls, num_perm: int = 112, bands: int | None = None, threshold: float | None = None,
                      verify: str = "exact"):  # fmt: skip
        """The config a dedup stage or `fonderie dedup` asks for: from `threshold` as datasketch picks bands and rows
        for the `verify` mode (from_threshold), else `bands` (default 14) of num_perm // bands rows."""
        checked = verify != "none"
        if threshold is not None:
            return cls.from_threshold(threshold, num_perm, bands, LSH_WEIGHTS[verify], verify=checked)
        bands = 14 if bands is None else bands
        return cls(num_perm=num_perm, bands=bands, rows=num_perm // bands if bands > 0 else 0, verify=checked)

    @property
    def jaccard_threshold(self) -> float:
        return self.threshold if self.threshold is not None else (1 / self.bands) ** (1 / self.rows)

    def to_dict(self) -> dict:
        return asdict(self)


class MinHasher:
    """Computes the signatures of batches of texts for one `MinhashConfig`."""

    def __init__(self, config: MinhashConfig):
        self.config = config
        gen = np.random.RandomState(config.seed)  # the same draws as datasketch.MinHash._init_permutations
        if config.scheme == "legacy":
            ab = [(gen.randint(1, _MERSENNE, dtype=np.uint64), gen.randint(0, _MERSENNE, dtype=np.uint64))
                  for _ in range(config.num_perm)]  # fmt: skip
            self.a, self.b = np.array(ab, dtype=np.uint64).T.copy()
        else:
            self.a = gen.randint(0, 1 << 31, config.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
            self.b = gen.randint(0, 1 << 32, config.num_perm, dtype=np.uint32)
        self.hashfunc = poly_hash32 if config.hashfunc == "poly32" else sha1_hash32

    def shingle_hashes(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(hashes, offsets) of the shingles of `texts` under the configured hash function."""
        if self.config.hashfunc == "poly32":
            return poly_shingle_hashes(encode_batch(texts), self.config.ngram)
        per_doc = [[sha1_hash32(s) for s in shingles(t, self.config.ngram)] for t in texts]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(h) for h in per_doc], out=offsets[1:])
        return np.fromiter((h for d in per_doc for h in d), dtype=np.uint32, count=offsets[-1]), offsets

    def _permute(self, h: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Permuted values of shingle hashes `h` (already fmix32-ed for affine32) into out[:, :len(h)]."""
        out = out[:, : len(h)]
        if self.config.scheme == "legacy":
            phv = (self.a[:, None] * h.astype(np.uint64)[None, :] + self.b[:, None]) % _MERSENNE
            np.bitwise_and(phv, _U64(MAX_HASH), out=out, casting="unsafe")
        else:  # wraps mod 2**32, which is the scheme's modulus
            np.multiply(self.a[:, None], h[None, :], out=out)
            np.add(out, self.b[:, None], out=out)
        return out

    def signatures(self, texts: list[str]) -> np.ndarray:
        """(len(texts), num_perm) uint32 signatures; a text without words gets the empty one (all MAX_HASH)."""
        hashes, offsets = self.shingle_hashes(texts)
        if self.config.scheme == "affine32":
            hashes = _fmix32(hashes)  # datasketch pre-mixes every input hash once
        out = np.full((self.config.num_perm, len(texts)), MAX_HASH, dtype=np.uint32)
        step = 8192  # shingles per pass: a (num_perm, step) block stays in the caches (measured best)
        buf = np.empty((self.config.num_perm, min(step, len(hashes))), dtype=np.uint32)
        with np.errstate(over="ignore"):
            for r0 in range(0, len(hashes), step):
                block = self._permute(hashes[r0 : r0 + step], buf)
                d0 = int(np.searchsorted(offsets, r0, "right")) - 1
                d1 = int(np.searchsorted(offsets, r0 + block.shape[1], "left"))
                docs = np.arange(d0, d1)
                docs = docs[offsets[docs + 1] > offsets[docs]]  # texts with shingles in this block
                local = np.maximum(offsets[docs], r0) - r0
                out[:, docs] = np.minimum(out[:, docs], np.minimum.reduceat(block, local, axis=1))
        return np.ascontiguousarray(out.T)


def estimated_jaccard(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Share of equal values between signatures (rows of x and y): datasketch's `MinHash.jaccard`."""
    return np.count_nonzero(x == y, axis=-1) / x.shape[-1]


def as_datasketch(signature: np.ndarray, config: MinhashConfig):
    """A `datasketch.LeanMinHash` holding `signature` (datasketch must be installed)."""
    from datasketch import LeanMinHash

    values = signature.astype(np.uint64) if config.scheme == "legacy" else signature
    return LeanMinHash(seed=config.seed, hashvalues=values, scheme=config.scheme)
