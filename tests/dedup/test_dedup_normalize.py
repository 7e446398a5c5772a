import numpy as np
import pytest
from dedup.dedup_texts import TEXTS

from fonderie.dedup.normalize import encode_batch, normalize_exact, shingles, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L’homme qu'il voit", ["l", "homme", "qu", "il", "voit"]),  # typographic and straight apostrophes
        ("aujourd'hui, peut-être", ["aujourd", "hui", "peut", "être"]),  # accents kept, hyphens split
        ("En 1987 : 3,5 %", ["en", "0000", "0", "0"]),  # every digit becomes 0
        ("«\u00a0Oui\u00a0», dit-il…", ["oui", "dit", "il"]),  # guillemets, non-breaking spaces, ellipsis
        ("ﬁn ＡＢＣ x_y", ["fin", "abc", "x", "y"]),  # NFKC: ligature, full-width letters; underscore splits
        ("", []),
        ("?! …", []),
    ],
)
def test_words(text, expected):
    assert words(text) == expected


def test_shingles_are_word_ngrams_joined_by_one_space():
    assert shingles("Un deux, trois quatre cinq six", 5) == [
        b"un deux trois quatre cinq",
        b"deux trois quatre cinq six",
    ]
    assert shingles("Trop court !", 5) == [b"trop court"]  # fewer than n words: one shingle of all of them
    assert shingles("...", 5) == []


def test_encode_batch_agrees_with_words():
    texts = [*TEXTS, "", "a", "  espaces  en   trop  ", "𠀀b 😀 c𝟘1 İx", "x" * 5000, "é\u0301 ǅ ß"]
    batch = encode_batch(texts)
    assert len(batch.doc_words) == len(texts) + 1
    for d, text in enumerate(texts):
        span = range(batch.doc_words[d], batch.doc_words[d + 1])
        got = ["".join(map(chr, batch.codes[batch.word_starts[w] : batch.word_ends[w]])) for w in span]
        assert got == words(text), text
    assert batch.codes.dtype == np.uint32


def test_normalize_exact_collapses_whitespace_and_applies_nfkc_only():
    assert normalize_exact(" Le\u00a0chat\n\n dort\t") == "Le chat dort"
    assert normalize_exact("ﬁn") == "fin"
    assert normalize_exact("Le chat") != normalize_exact("le chat")  # case is kept
