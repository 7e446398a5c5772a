"""Tokenizer training: pre-tokenization choices, stratified hash sampling, files transformers loads as is."""

import json

import pytest
from datatrove.io import get_datafolder
from tokens.token_texts import CORPUS, FRENCH, documents, temporary_folder, tokenizer_dir, write_document_shards

from fonderie.tokens import SPECIAL_TOKENS
from fonderie.tokens.encoder import TokenEncoder
from fonderie.tokens.train import new_tokenizer, sample_texts, scan_strata, stratum_quotas


def pieces(text: str) -> list[str]:
    """Pre-tokens as text (undoing the byte-level alphabet)."""
    from fonderie.tokens.encoder import byte_decoder

    decode = byte_decoder()
    return [bytes(decode[c] for c in p).decode() for p, _ in new_tokenizer().pre_tokenizer.pre_tokenize_str(text)]


def test_french_elisions_keep_the_apostrophe_with_the_shortened_word():
    assert pieces("l'homme") == ["l'", "homme"]
    assert pieces("Qu’il vit aujourd'hui jusqu'à l’État") == ["Qu’", "il", " vit", " aujourd'", "hui", " jusqu'", "à",
                                                               " l’", "État"]  # fmt: skip
    # an apostrophe not followed by a letter is punctuation, never the start of a word
    assert pieces("les élèves' cahiers, l' espace") == ["les", " élèves", "'", " cahiers", ",", " l", "'", " espace"]


def test_digits_one_by_one_spaces_kept_for_the_next_word_inverted_pronouns_whole():
    assert pieces("en 2024,  dit-il") == ["en", " ", "2", "0", "2", "4", ",", " ", " dit", "-il"]
    assert pieces("« Bonjour ! »\n\nFin") == ["«", " Bonjour", " !", " »\n\n", "Fin"]


def test_special_tokens_have_fixed_ids_and_vocab_holds_every_byte():
    encoder = TokenEncoder(str(tokenizer_dir()))
    assert [encoder.hf.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(len(SPECIAL_TOKENS)))
    assert encoder.vocab_size == 1000 and encoder.dtype == "uint16" and encoder.eos_id == 1


def test_transformers_loads_the_folder_and_encodes_exactly_as_ours():
    transformers = pytest.importorskip("transformers", reason="transformers is not installed (it is in the dev extra)")
    hf = transformers.PreTrainedTokenizerFast.from_pretrained(str(tokenizer_dir()))
    ours = TokenEncoder(str(tokenizer_dir()))
    plain = [t for t in CORPUS if "<|" not in t]
    assert [hf(t)["input_ids"] for t in plain] == [ids.tolist() for ids in ours.encode_batch(plain)]
    assert (hf.bos_token, hf.eos_token, hf.pad_token, hf.eos_token_id) == ("<|bos|>", "<|eos|>", "<|pad|>", 1)
    assert set(SPECIAL_TOKENS) <= set(hf.all_special_tokens)
    assert hf.decode(hf(FRENCH[1])["input_ids"]) == FRENCH[1]  # no space clean-up before `!` and `?`
    # a document's `<|eos|>` is text for us; transformers does the same when asked to split special tokens
    split = transformers.PreTrainedTokenizerFast.from_pretrained(str(tokenizer_dir()), split_special_tokens=True)
    assert [split(t)["input_ids"] for t in CORPUS] == [ids.tolist() for ids in ours.encode_batch(CORPUS)]
    chat = hf.apply_chat_template([{"role": "user", "content": "Salut"}], tokenize=False, add_generation_prompt=True)
    assert chat == "<|bos|><|user|>Salut<|end|><|assistant|>"


def test_stratum_quotas_water_fill():
    sizes = {"big": 1000, "mid": 100, "tiny": 1}
    assert stratum_quotas(sizes, 10_000, 0.5) == {"big": 1000, "mid": 100, "tiny": 1}  # everything fits
    q = stratum_quotas(sizes, 300, 1.0)
    assert q["tiny"] == pytest.approx(300 / 1101) and q["big"] == pytest.approx(1000 * 300 / 1101)
    q = stratum_quotas(sizes, 300, 0.0)  # equal shares: tiny is taken whole, the rest split evenly
    assert q["tiny"] == 1 and q["mid"] == pytest.approx(100) and q["big"] == pytest.approx(199)
    assert sum(stratum_quotas(sizes, 300, 0.5).values()) == pytest.approx(300)


def test_sampling_is_stratified_deterministic_and_streams_by_id_hash():
    folder = temporary_folder()
    docs = documents(300)
    write_document_shards(folder, docs, shards=3)
    data = get_datafolder(str(folder))
    files = data.list_files(glob_pattern="part-*.parquet", recursive=False)
    strata = scan_strata(data, files)
    assert sum(s["documents"] for s in strata.values()) == 300 and ("books", "und") in strata
    rates = {k: 0.5 for k in strata}

    def sample(order):
        heldout, counts = {}, {}
        texts = [t for batch in sample_texts(data, order, rates, b"s", 0.1, heldout, 10**9, counts) for t in batch]
        return sorted(texts), {k: sorted(v) for k, v in heldout.items()}, counts

    texts, heldout, counts = sample(files)
    assert (texts, heldout) == sample(list(reversed(files)))[:2]  # shard order does not matter
    assert 90 < len(texts) < 180 and 10 < sum(len(h) for h in heldout.values()) < 60
    assert set(counts) == set(strata)  # every stratum is represented
    assert not set(texts) & {t for h in heldout.values() for t in h}  # held-back texts are never trained on


def test_saved_files_are_what_transformers_reads():
    config = json.loads((tokenizer_dir() / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast" and config["clean_up_tokenization_spaces"] is False
    special = json.loads((tokenizer_dir() / "special_tokens_map.json").read_text())
    assert special["eos_token"] == "<|eos|>" and "<|assistant|>" in special["additional_special_tokens"]
    spec = json.loads((tokenizer_dir() / "tokenizer.json").read_text())
    assert spec["normalizer"]["type"] == "NFC" and spec["post_processor"] is None


def test_val_documents_never_train_the_tokenizer_and_are_held_back_for_the_report():
    folder = temporary_folder()
    docs = documents(120)
    for d in docs[::4]:
        d.metadata["split"] = "val"
    write_document_shards(folder, docs, shards=2)
    data = get_datafolder(str(folder))
    files = data.list_files(glob_pattern="part-*.parquet", recursive=False)
    val: dict = {}
    strata = scan_strata(data, files, val)
    assert val["documents"] == 30 and sum(s["documents"] for s in strata.values()) == 90
    assert val["bytes"] == sum(len(d.text.encode()) for d in docs[::4])
    heldout, counts = {}, {}
    rates = {k: 1.0 for k in strata}  # every train document is sampled
    texts = [t for batch in sample_texts(data, files, rates, b"s", 0.0, heldout, 10**9, counts) for t in batch]
    assert sorted(texts) == sorted(d.text for d in docs if d.metadata.get("split") != "val")
    assert sorted(t for h in heldout.values() for t in h) == sorted(d.text for d in docs[::4])
