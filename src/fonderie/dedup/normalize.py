"""Text normalization for deduplication, and the words that shingles are made of.

Two normalizations, one per kind of duplicate:

- exact (`normalize_exact`): Unicode NFKC, then every run of whitespace collapsed to one space and the ends
  stripped. Case, punctuation and digits are kept: two texts are exact duplicates when they differ only in
  spacing, line breaks or Unicode presentation forms (non-breaking spaces, ligatures, full-width letters).
- near (`words`): NFKC, then each character by itself (`mapped_char`):
    * a decimal digit (any script) becomes `0`, so "1987" and "2024" are the same word `0000`;
    * a letter, a digit-like character or a combining mark is part of a word, lowercased (`İ` becomes `i`);
    * anything else (punctuation, symbols, whitespace, apostrophes, hyphens, `_`) separates words.
  French elisions and compounds split at the apostrophe or hyphen, typographic (’) or straight ('):
  `L’homme qu'il voit` → `l homme qu il voit`, `aujourd'hui` → `aujourd hui`, `peut-être` → `peut être`.
  Accents are kept (`été` ≠ `ete`). Shingles are the word n-grams joined by one space; a text with fewer than n
  words is one shingle of all its words, and a text with no word has no shingle.

`words` is the readable reference; `encode_batch` is the same normalization for many texts at once as arrays of
code points (what the vectorized MinHash in `fonderie.dedup.minhash` consumes). A test checks that they agree.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SEPARATOR, WORD, DIGIT = 0, 1, 2  # character classes
_BMP = 0x10000  # the Basic Multilingual Plane is mapped through a table; rarer code points one by one


def char_class(ch: str) -> int:
    """SEPARATOR, WORD or DIGIT for one character (already NFKC-normalized and lowercased)."""
    if ch.isdecimal():
        return DIGIT
    if ch.isalnum() or unicodedata.category(ch).startswith("M"):
        return WORD
    return SEPARATOR


def mapped_char(ch: str) -> str:
    """What one NFKC-normalized character becomes: " " (separator), "0" (digit), or itself lowercased."""
    cls = char_class(ch)
    if cls != WORD:
        return " " if cls == SEPARATOR else "0"
    lower = ch.lower()
    return lower[0]  # one character: İ (U+0130), the only one in the BMP that lowercases to two, becomes i


@lru_cache(maxsize=1)
def _bmp_table() -> np.ndarray:
    """`mapped_char` of each code point of the Basic Multilingual Plane (~30 ms to build, once per process)."""
    chars = [chr(c) for c in range(_BMP)]
    table = np.array([ord(c.lower()[0]) for c in chars], dtype=np.uint32)
    for c, ch in enumerate(chars):
        if not ch.isalnum() or ch.isdecimal():  # the alphanumeric ones are words, already lowercased
            table[c] = ord(mapped_char(ch))
    return table


def normalize_exact(text: str) -> str:
    """The text two exact duplicates share: NFKC, whitespace runs collapsed to one space, ends stripped."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _nfkc(text: str) -> str:
    # most text already is normalized, and checking is several times faster than normalizing
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def words(text: str) -> list[str]:
    """The words of `text` after near-duplicate normalization (see the module docstring)."""
    table = _bmp_table()
    return "".join(chr(table[ord(c)]) if ord(c) < _BMP else mapped_char(c) for c in _nfkc(text)).split()


def shingles(text: str, n: int = 5) -> list[bytes]:
    """The word n-grams of `text`, UTF-8 encoded, as given to `datasketch.MinHash.update` (duplicates included)."""
    w = words(text)
    if not w:
        return []
    spans = [w] if len(w) < n else (w[i : i + n] for i in range(len(w) - n + 1))
    return [" ".join(s).encode("utf-8", "surrogatepass") for s in spans]


@dataclass
class CodeBatch:
    """Several texts normalized at once: their code points and where their words are.

    Word positions index `codes`; `doc_words[d]:doc_words[d + 1]` are the words of text d.
    """

    codes: np.ndarray  # (total characters,) uint32: code points, digits replaced by `0`, separators by ` `
    word_starts: np.ndarray  # (words,) int64: position of each word's first character
    word_ends: np.ndarray  # (words,) int64: one past each word's last character
    doc_words: np.ndarray  # (texts + 1,) int64: offsets of each text's words


def _normalize_joined(texts: list[str]) -> tuple[str, np.ndarray]:
    """NFKC of the texts joined by one space, and where each text starts in the result."""
    joined = " ".join(texts)
    if not unicodedata.is_normalized("NFKC", joined):  # normalize text by text: their lengths may change
        texts = [_nfkc(t) for t in texts]
        joined = " ".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    return joined, starts


def encode_batch(texts: list[str]) -> CodeBatch:
    """Normalize `texts` for near-duplicate detection, vectorized (same words as `words`, per text)."""
    normalized, doc_starts = _normalize_joined(texts)
    codes = np.frombuffer(normalized.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _bmp_table()
    if codes.size and codes.max() >= _BMP:  # emoji, historic scripts, CJK extensions: few, mapped one by one
        rare = codes >= _BMP
        values, inverse = np.unique(codes[rare], return_inverse=True)
        codes = table[np.minimum(codes, _BMP - 1)]
        codes[rare] = np.array([ord(mapped_char(chr(v))) for v in values], dtype=np.uint32)[inverse]
    else:
        codes = table[codes]
    sep = codes == ord(" ")
    # a word starts where a non-separator follows a separator (or the start), and ends before the next separator
    inside = ~sep
    starts = inside.copy()
    starts[1:] &= sep[:-1]
    ends = inside.copy()
    ends[:-1] &= sep[1:]
    word_starts = np.flatnonzero(starts)
    word_ends = np.flatnonzero(ends) + 1
    doc_words = np.empty(len(texts) + 1, dtype=np.int64)
    doc_words[:-1] = np.searchsorted(word_starts, doc_starts)
    doc_words[-1] = len(word_starts)
    return CodeBatch(codes, word_starts, word_ends, doc_words)
