"""TokenEncoder: tiktoken's ids are HF tokenizers' ids, on every document and every code point; decode round-trips."""

import json
import unicodedata

import numpy as np
import pytest
from tokenizers import Tokenizer
from tokens.token_texts import CORPUS, FRENCH, LONG, MESSY, MULTILINGUAL, tokenizer_dir

from fonderie.errors import InputError
from fonderie.tokens.encoder import NotMappable, TokenEncoder, check_merges, unsafe_characters


@pytest.fixture(scope="module")
def encoder():
    return TokenEncoder(str(tokenizer_dir()), threads=2)


def hf_reference(texts: list[str]) -> list[list[int]]:
    """HF's own `encode_batch` on the saved file, special tokens written in a text encoded as text."""
    hf = Tokenizer.from_file(str(tokenizer_dir() / "tokenizer.json"))
    hf.encode_special_tokens = True
    return [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]


def test_fast_ids_equal_hf_encode_batch_on_every_document(encoder):
    assert encoder.fast, encoder.slow_reason
    docs = CORPUS + [t.upper() for t in CORPUS] + [FRENCH[0] * 50, "🤖" * 3000, "é" * 5000 + "1" * 500]
    ours = encoder.encode_batch(docs)
    assert [ids.tolist() for ids in ours] == hf_reference(docs)
    assert encoder.hf_documents == 0  # the fast path did the work: nothing was left to HF
    assert all(ids.dtype == np.uint32 for ids in ours)


def test_without_special_token_text_hf_defaults_agree_too(encoder):
    hf = Tokenizer.from_file(str(tokenizer_dir() / "tokenizer.json"))
    docs = [t for t in CORPUS if "<|" not in t]
    assert [ids.tolist() for ids in encoder.encode_batch(docs)] == [e.ids for e in hf.encode_batch(docs)]


def test_special_tokens_in_a_document_are_text(encoder):
    ids = encoder.encode_batch(["<|eos|>"])[0].tolist()
    eos = encoder.hf.token_to_id("<|eos|>")
    assert eos == 1 and eos not in ids and len(ids) > 1
    assert encoder.decode(ids) == "<|eos|>"


@pytest.mark.parametrize("text", FRENCH + MULTILINGUAL + [t for t in MESSY if "NFD" not in t] + [LONG])
def test_decode_encode_round_trips_byte_exactly(encoder, text):
    assert encoder.decode(encoder.encode_batch([text])[0]).encode("utf-8") == text.encode("utf-8")


def test_non_nfc_text_comes_back_nfc():
    encoder = TokenEncoder(str(tokenizer_dir()))
    text = next(t for t in MESSY if "NFD" in t)
    assert not unicodedata.is_normalized("NFC", text)
    ids = encoder.encode_batch([text])[0]
    assert encoder.decode(ids) == unicodedata.normalize("NFC", text) and ids.tolist() == hf_reference([text])[0]


def test_every_assigned_code_point_in_context_encodes_like_hf(encoder):
    """The regex engines and NFC tables of both paths agree on each character the fast path takes (all of
    them, except the bulk of CJK, Hangul, Tangut and private use ranges, sampled: their properties are uniform)."""
    unsafe = unsafe_characters(nfc=True)

    def bulk(cp: int) -> bool:
        ranges = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x17000, 0x18AFF), (0x20000, 0x3FFFF))
        return unicodedata.category(chr(cp)) == "Co" or any(a <= cp <= b for a, b in ranges)

    chosen = [cp for cp in range(0x110000) if not unsafe[cp] and (cp % 61 == 0 or not bulk(cp))]
    assert len(chosen) > 30_000

    def contexts(c: str) -> str:  # word, digits, space, elision, doubled, line break
        return f"a{c}b {c}1{c}'{c}é {c}{c}\n{c} "

    texts = ["".join(contexts(chr(cp)) for cp in chosen[i : i + 500]) for i in range(0, len(chosen), 500)]
    before = encoder.hf_documents
    assert [ids.tolist() for ids in encoder.encode_batch(texts)] == encoder.hf_encode_batch(texts)
    assert encoder.hf_documents == before


def test_characters_python_does_not_know_go_to_hf(encoder):
    unassigned = "\U000e0080"  # unassigned in every Unicode version so far
    lone_surrogate = "\udc80"
    before = encoder.hf_documents
    ids = encoder.encode_batch([f"a{unassigned}b", f"x{lone_surrogate}y", "plain"])
    assert encoder.hf_documents == before + 2
    assert ids[0].tolist() == hf_reference([f"a{unassigned}b"])[0]
    assert encoder.decode(ids[1]) == "x\ufffdy"  # a lone surrogate cannot be UTF-8: replaced, as tiktoken does


def test_a_tokenizer_tiktoken_cannot_reproduce_is_encoded_by_hf(tmp_path):
    from tokenizers import decoders, models, pre_tokenizers, trainers

    gpt2_style = Tokenizer(models.BPE())
    gpt2_style.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    gpt2_style.decoder = decoders.ByteLevel()
    gpt2_style.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=400, show_progress=False))
    gpt2_style.save(str(tmp_path / "tokenizer.json"))
    encoder = TokenEncoder(str(tmp_path))
    assert not encoder.fast and "pre-tokenizer" in encoder.slow_reason
    assert [i.tolist() for i in encoder.encode_batch(FRENCH)] == [e.ids for e in gpt2_style.encode_batch(FRENCH)]


def test_tampered_merges_fall_back_with_the_reason(tmp_path):
    spec = json.loads((tokenizer_dir() / "tokenizer.json").read_text())
    merges = spec["model"]["merges"]
    merges[10], merges[11] = merges[11], merges[10]  # priorities no longer follow the ids
    (tmp_path / "tokenizer.json").write_text(json.dumps(spec))
    encoder = TokenEncoder(str(tmp_path))
    assert not encoder.fast and "out of merge order" in encoder.slow_reason


def test_check_merges_known_answers():
    ranks = {bytes([b]): b for b in range(256)}
    ranks |= {b"ab": 256, b"bc": 257, b"abc": 258}
    check_merges(ranks, [(b"a", b"b"), (b"b", b"c"), (b"ab", b"c")])  # consistent: tiktoken splits abc as ab + c
    with pytest.raises(NotMappable, match="not split into its merge"):
        check_merges(ranks, [(b"a", b"b"), (b"b", b"c"), (b"a", b"bc")])  # HF makes abc from a + bc: tiktoken never
    with pytest.raises(NotMappable, match="makes no token"):
        check_merges(ranks, [(b"a", b"b"), (b"b", b"c"), (b"c", b"c")])


def test_bad_settings_name_the_value():
    with pytest.raises(ValueError, match="threads=0"):
        TokenEncoder(str(tokenizer_dir()), threads=0)
    with pytest.raises(InputError, match="no tokenizer.json"):
        TokenEncoder("/nonexistent/folder")
