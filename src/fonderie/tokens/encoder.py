"""`TokenEncoder`: the ids HF `tokenizers` gives for a `tokenizer.json`, computed by tiktoken when that is exact.

HF's `Tokenizer.encode_batch` pays for offsets, alignments and an Oniguruma pre-tokenizer; tiktoken computes only
ids, several times faster with the same ids (benchmarks/encode.py). Exactness is established, not hoped for:

1. Structure (checked when loaded; any deviation -> HF does the encoding, and `slow_reason` says why): a BPE model
   without dropout, unknown token, byte fallback or affixes; normalizer NFC or none; fonderie's pre-tokenizer
   (`PRETOKENIZE_PATTERN` split, then byte-level without its own regex or prefix space); every added token special.
2. Merges: tiktoken merges any adjacent pair whose concatenation is a token, HF only listed merges. Both pick the
   lowest rank first, so they agree when (a) token ids grow with merge order, (b) every multi-byte token is made
   by exactly one merge, and (c) each token `t` made by merge `(l, r)` is split by tiktoken's rule, using only
   ranks below `t`'s, into exactly `(l, r)`. Then, by induction over the merge steps of any word, tiktoken never
   merges a pair HF would not (the pair's span would have to violate (c)), so both make the same merges in the
   same order. (a)-(c) are checked for every token when loaded (~0.3 s for 32k tokens).
3. Characters: the same regex runs in two engines (Oniguruma, fancy-regex) and NFC in two libraries (Python's
   `unicodedata`, HF's Rust tables), whose Unicode versions differ. A document containing any character that
   Python does not know (unassigned in its Unicode version, or a lone surrogate) or whose NFC the two libraries
   disagree on (probed once per process against the installed HF normalizer) is encoded by HF. Every other
   character is covered by tests that encode every assigned code point in several contexts both ways.
4. Runtime: the token writer encodes the first 256k characters of each task both ways, stops on any difference.

Special tokens written in a document (`<|eos|>` in a web page about LLMs) are encoded as the text they are, never
as the special id: a document cannot forge a boundary or a chat turn. The HF reference with the same behaviour is
`Tokenizer.encode_batch(texts, add_special_tokens=False)` with `encode_special_tokens = True`.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import fsspec
import numpy as np

from fonderie.errors import InputError
from fonderie.tokens import EOS, PRETOKENIZE_PATTERN
from fonderie.tokens.files import token_dtype


class NotMappable(Exception):
    """The tokenizer cannot be encoded by tiktoken with provably identical ids (the message says why)."""


@lru_cache(maxsize=1)
def byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet (what `tokenizers.pre_tokenizers.ByteLevel` writes), character -> byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + shifted)
            shifted += 1
    return {c: b for b, c in chars.items()}


@lru_cache(maxsize=1)
def _byte_level_table() -> dict[int, int]:
    """str.translate table: byte-level character -> the character of the same byte in Latin-1."""
    return {ord(c): b for c, b in byte_decoder().items()}


def _token_bytes(token: str) -> bytes:
    try:
        return token.translate(_byte_level_table()).encode("latin-1")
    except UnicodeEncodeError:
        raise NotMappable(f"token {token!r} is not in the byte-level alphabet") from None


def _split_below(token: bytes, limit: int, ranks: dict[bytes, int]) -> list[bytes]:
    """tiktoken's merge rule on `token` alone, with ranks below `limit` only (pair ranks kept up to date, so
    each step looks up two pairs, not all of them)."""
    parts = [token[i : i + 1] for i in range(len(token))]
    pairs = [ranks.get(a + b, limit) for a, b in zip(parts, parts[1:], strict=False)]
    while len(parts) > 2:
        best = min(pairs)
        if best >= limit:
            break
        at = pairs.index(best)  # the leftmost of equal ranks, as tiktoken
        parts[at : at + 2] = [parts[at] + parts[at + 1]]
        del pairs[at]
        if at > 0:
            pairs[at - 1] = ranks.get(parts[at - 1] + parts[at], limit)
        if at < len(pairs):
            pairs[at] = ranks.get(parts[at] + parts[at + 1], limit)
    return parts


def check_merges(ranks: dict[bytes, int], merges: list[tuple[bytes, bytes]]) -> None:
    """Conditions (a)-(c) of the module docstring; raises NotMappable naming the first token that breaks one."""
    if len(ranks) != 256 + len(merges):
        raise NotMappable(f"{len(ranks)} tokens are not the 256 bytes plus {len(merges)} merges")
    previous = max(ranks[bytes([b])] for b in range(256)) if len(merges) else 0
    for left, right in merges:
        token = left + right
        rank = ranks.get(token)
        if rank is None:
            raise NotMappable(f"merge {left!r} + {right!r} makes no token of the vocabulary")
        if rank <= previous:
            raise NotMappable(f"token {token!r} (id {rank}) is out of merge order")
        previous = rank
        if _split_below(token, rank, ranks) != [left, right]:
            raise NotMappable(f"token {token!r} is not split into its merge {left!r} + {right!r} by lower ranks")


def tiktoken_encoding(spec: dict):
    """A `tiktoken.Encoding` with the ids of this tokenizer.json, or NotMappable (see the module docstring)."""
    import tiktoken

    model = spec.get("model") or {}
    if model.get("type") != "BPE":
        raise NotMappable(f"model is {model.get('type')!r}, not BPE")
    for key in ("dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix"):
        if model.get(key):
            raise NotMappable(f"BPE {key}={model[key]!r}")
    if model.get("byte_fallback"):
        raise NotMappable("BPE byte_fallback is on")
    normalizer = spec.get("normalizer")
    if normalizer is not None and normalizer.get("type") != "NFC":
        raise NotMappable(f"normalizer {normalizer.get('type')!r} (only NFC or none map onto tiktoken)")
    pre = spec.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
    split = steps[0] if steps else {}
    if not (
        len(steps) == 2
        and split.get("type") == "Split"
        and split.get("pattern") == {"Regex": PRETOKENIZE_PATTERN}
        and split.get("behavior") == "Isolated"
        and not split.get("invert")
        and steps[1].get("type") == "ByteLevel"
        and not steps[1].get("add_prefix_space")
        and not steps[1].get("use_regex", True)
    ):
        raise NotMappable("the pre-tokenizer is not fonderie's (regex split, then byte-level without regex)")
    added = spec.get("added_tokens") or []
    if not all(t.get("special") for t in added):
        raise NotMappable("a non-special added token is matched inside text by HF; tiktoken cannot do that")
    special = {t["content"] for t in added}
    ranks = {_token_bytes(t): i for t, i in model["vocab"].items() if t not in special}
    if any(bytes([b]) not in ranks for b in range(256)):
        raise NotMappable("the vocabulary lacks some of the 256 byte tokens")
    merges = [m.split(" ") if isinstance(m, str) else m for m in model.get("merges", [])]
    check_merges(ranks, [(_token_bytes(a), _token_bytes(b)) for a, b in merges])
    specials = {t["content"]: t["id"] for t in added}
    return tiktoken.Encoding("fonderie", pat_str=PRETOKENIZE_PATTERN, mergeable_ranks=ranks, special_tokens=specials)


@lru_cache(maxsize=2)
def unsafe_characters(nfc: bool) -> np.ndarray:
    """A bool per code point: documents holding one are encoded by HF (point 3 of the module docstring)."""
    table = np.ones(0x110000, dtype=bool)  # unsafe unless Python knows the character
    category, decomposition, combining = unicodedata.category, unicodedata.decomposition, unicodedata.combining
    composed = []
    # planes 4 to 13 hold no character as of Unicode 16: they stay unsafe without asking Python, which saves most
    # of the time (were one ever assigned, its documents would just go to HF); the other planes are asked
    for cp in (*range(0x40000), *range(0xE0000, 0x110000)):
        c = chr(cp)
        if category(c) != "Cn":
            table[cp] = False
            if decomposition(c) or combining(c):
                composed.append(c)
    table[0xD800:0xE000] = True  # lone surrogates: repaired to U+FFFD, then left to HF
    if nfc:
        from tokenizers.normalizers import NFC, NFD

        nfc_hf, nfd_hf = NFC(), NFD()
        for c in composed:
            nfd = unicodedata.normalize("NFD", c)
            if nfd_hf.normalize_str(c) != nfd:
                table[[ord(c), *map(ord, nfd)]] = True  # and its parts: Python would compose them, HF not
            elif combining(c):
                # a different combining class shows as a different order next to the lowest or highest class
                for probe in ("a" + c + "\u0334", "a\u0345" + c):
                    if nfc_hf.normalize_str(probe) != unicodedata.normalize("NFC", probe):
                        table[ord(c)] = True
    return table


def _repair_surrogates(text: str) -> str:
    """Pairs become their character, lone surrogates U+FFFD (what tiktoken does; HF cannot take them at all)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def read_tokenizer_json(path: str) -> str:
    """The text of `path` (a tokenizer.json, or a folder holding one); fsspec URLs work."""
    fs, root = fsspec.core.url_to_fs(path)
    if fs.isdir(root):
        root = root.rstrip("/") + "/tokenizer.json"
    if not fs.isfile(root):
        raise InputError(f"{path}: no tokenizer.json there")
    with fs.open(root, "rb") as f:
        return f.read().decode("utf-8")


class TokenEncoder:
    """Encodes texts into the ids of a tokenizer.json; tiktoken when exact (`fast`), HF `tokenizers` otherwise.

    Args:
        path: a tokenizer.json or the folder that holds it
        threads: texts encoded at once by tiktoken (it releases the GIL); HF uses its own thread pool
        fast: False forces HF (the reference the fast path is compared with)
    """

    def __init__(self, path: str, threads: int = 1, fast: bool = True):
        from tokenizers import Tokenizer

        if threads < 1:
            raise ValueError(f"threads={threads!r} must be >= 1")
        text = read_tokenizer_json(path)
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.hf = Tokenizer.from_str(text)
        self.hf.encode_special_tokens = True  # special tokens written in a document are text
        self.vocab_size = self.hf.get_vocab_size(with_added_tokens=True)
        self.dtype = token_dtype(self.vocab_size)
        self.eos_id = self.hf.token_to_id(EOS)
        spec = json.loads(text)
        self.nfc = (spec.get("normalizer") or {}).get("type") == "NFC"
        self.slow_reason: str | None = "fast=False" if not fast else None
        self._tiktoken = None
        if fast:
            try:
                self._tiktoken = tiktoken_encoding(spec)
            except NotMappable as e:
                self.slow_reason = str(e)
        self._pool = ThreadPoolExecutor(threads) if threads > 1 and self._tiktoken else None
        self.hf_documents = 0  # documents the fast path left to HF (characters of point 3)

    @property
    def fast(self) -> bool:
        return self._tiktoken is not None

    def _prepare(self, text: str) -> tuple[str, bool]:
        """The text tiktoken encodes (NFC done here, as HF's normalizer does it), or (repaired text, True) for HF."""
        if text.isascii():
            return text, False
        codepoints = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if unsafe_characters(self.nfc)[codepoints].any():
            if ((codepoints >= 0xD800) & (codepoints < 0xE000)).any():
                text = _repair_surrogates(text)
            return text, True
        if self.nfc and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        return text, False

    def _tiktoken_one(self, text: str) -> np.ndarray:
        return self._tiktoken.encode_to_numpy(text, allowed_special=set(), disallowed_special=())

    def encode_batch(self, texts: list[str]) -> list[np.ndarray]:
        """The ids of each text (uint32 arrays), without EOS."""
        if not self.fast:
            return [np.array(ids, dtype=np.uint32) for ids in self.hf_encode_batch(texts)]
        prepared = [self._prepare(t) for t in texts]
        out: list[np.ndarray | None] = [None] * len(texts)
        fast = [i for i, (_, slow) in enumerate(prepared) if not slow]
        encode = self._pool.map if self._pool else map
        for i, ids in zip(fast, encode(self._tiktoken_one, [prepared[i][0] for i in fast]), strict=True):
            out[i] = ids
        if slow := [i for i, (_, s) in enumerate(prepared) if s]:
            self.hf_documents += len(slow)
            for i, ids in zip(slow, self.hf_encode_batch([prepared[i][0] for i in slow]), strict=True):
                out[i] = np.array(ids, dtype=np.uint32)
        return out

    def hf_encode_batch(self, texts: list[str]) -> list[list[int]]:
        """HF's own ids, the reference: `encode_batch` without post-processing, special tokens as text."""
        texts = [_repair_surrogates(t) if not t.isascii() else t for t in texts]
        encode = getattr(self.hf, "encode_batch_fast", self.hf.encode_batch)  # no offsets: same ids, faster
        return [e.ids for e in encode(texts, add_special_tokens=False)]

    def decode(self, ids) -> str:
        return self.hf.decode([int(i) for i in ids], skip_special_tokens=False)

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown()
