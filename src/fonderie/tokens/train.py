"""Training fonderie's tokenizer: a stratified sample streamed from document shards, HF byte-level BPE, the files
`transformers` loads, and a report of fertility and bytes per token per language on held-back documents.

Sampling, in two streamed passes over the shards (never the corpus in memory):
1. `scan_strata` reads the `source`, `language` and `text` columns and sums documents and UTF-8 bytes per
   (source, language) stratum.
2. `stratum_quotas` shares `sample_bytes` among strata in proportion to size**balance (1: as in the corpus,
   0: the same for every stratum, 0.5 in between: small strata are over-represented), water-filling: a stratum
   smaller than its share is taken whole and the rest is shared again. Each stratum's rate is quota / size.
3. `sample_texts` keeps a document when a keyed hash of its id, mapped to [0, 1), falls under its stratum's rate
   (after the first `heldout_fraction`, which is held back for the report). The sample is the same whatever the
   shard layout or order, and only kept texts become Python strings.
Documents of the val split (`split` column, set by an input's `split: val`) never train the tokenizer: they are
what the model is evaluated on, so they are left out of the strata and only ever held back for the report.

BPE training memory grows with the distinct pre-tokens of the sample (HF counts words, tokenizers#1824), so it
is bounded by `sample_bytes`, not by the corpus: about 1 GB of text is what tokenizers are usually trained on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datatrove.io import DataFolder

from fonderie.tokens import BOS, EOS, PAD, PRETOKENIZE_PATTERN, ROLE_TOKENS, SPECIAL_TOKENS
from fonderie.tokens.files import TMP_SUFFIX, split_of, unit_hash

UNDETERMINED = "und"  # the stratum of documents without a language
# below this many held-back documents a language's fertility is one author's style more than the language's (a
# book, a forum): reported, but flagged `too_few_documents`, and `fonderie status` says so
MIN_HELDOUT_DOCUMENTS = 20
# <|bos|><|system|>...<|end|><|user|>...<|end|><|assistant|>...<|end|>: the turns of the feedback stage
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] not in ['system', 'user', 'assistant'] %}"
    "{{ raise_exception('role must be system, user or assistant, not ' + message['role']) }}{% endif %}"
    "<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def new_tokenizer():
    """An untrained byte-level BPE with fonderie's normalizer (NFC) and pre-tokenizer (see fonderie.tokens)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def train_tokenizer(batches, vocab_size: int, min_frequency: int = 2, extra_special_tokens=()):
    """Trains on an iterable of texts or lists of texts; special tokens get ids 0, 1, ... (`<|eos|>` is 1)."""
    from tokenizers import pre_tokenizers, trainers

    tokenizer = new_tokenizer()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[*SPECIAL_TOKENS, *extra_special_tokens],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # all 256 bytes: no text is ever unknown
        show_progress=False,
    )
    tokenizer.train_from_iterator(batches, trainer)
    return tokenizer


def transformers_files(extra_special_tokens=()) -> dict[str, dict]:
    """tokenizer_config.json and special_tokens_map.json: `PreTrainedTokenizerFast.from_pretrained(DIR)` loads
    the folder as is, with no post-processor (no BOS added) and no space clean-up on decode (French puts a space
    before `!`, `?`, `;` and `:`)."""
    named = {"bos_token": BOS, "eos_token": EOS, "pad_token": PAD}
    additional = [*ROLE_TOKENS, *extra_special_tokens]
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **named,
        "additional_special_tokens": additional,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        "chat_template": CHAT_TEMPLATE,
    }
    return {
        "tokenizer_config.json": config,
        "special_tokens_map.json": {**named, "additional_special_tokens": additional},
    }


def save_tokenizer(tokenizer, folder: DataFolder, extra_special_tokens=()) -> None:
    """tokenizer.json and the transformers files into `folder`, each written `.tmp` then renamed."""
    files = {"tokenizer.json": tokenizer.to_str(pretty=True)}
    files |= {
        n: json.dumps(c, indent=2, ensure_ascii=False) for n, c in transformers_files(extra_special_tokens).items()
    }
    for name, text in files.items():
        with folder.open(name + TMP_SUFFIX, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        folder.mv(name + TMP_SUFFIX, name)


# ------------------------------------------------------------------------------------------------------ sampling
def _columns(shard: pq.ParquetFile, wanted: list[str]) -> list[str]:
    """`wanted`, `id` (the val split of a document without `split` is its id's), and `split` if the shard has it
    (shards of older runs may not)."""
    return [*wanted, *["id"] * ("id" not in wanted), *["split"] * ("split" in shard.schema_arrow.names)]


def _val(batch: pa.RecordBatch, val_fraction: float) -> pa.BooleanArray:
    """Whether each document of the batch goes to the val split, by the tokenize stage's rule: its `split` if it
    has one, else its id's hash at `val_fraction` (fonderie.tokens.files.split_of)."""
    split = batch.column("split") if "split" in batch.schema.names else pa.nulls(batch.num_rows, pa.string())
    if not val_fraction:
        return pc.fill_null(pc.equal(split, "val"), False)
    pairs = zip(split.to_pylist(), batch.column("id").to_pylist(), strict=True)
    return pa.array([s == "val" if s else split_of(i, val_fraction) == "val" for s, i in pairs])


def scan_strata(
    folder: DataFolder, files: list[str], val: dict | None = None, val_fraction: float = 0.0
) -> dict[tuple[str, str], dict]:
    """{(source, language): {"documents", "bytes"}} of every shard (pass 1), val documents apart (added up in
    `val`, {"documents", "bytes"}, when given)."""
    strata: dict[tuple[str, str], dict] = {}
    for path in files:
        with folder.open(path, "rb") as f, pq.ParquetFile(f) as shard:
            for batch in shard.iter_batches(batch_size=65536, columns=_columns(shard, ["source", "language", "text"])):
                is_val = _val(batch, val_fraction)
                if val is not None:
                    val["documents"] = val.get("documents", 0) + (pc.sum(is_val).as_py() or 0)
                    sizes = pc.binary_length(batch.column("text")).filter(is_val)
                    val["bytes"] = val.get("bytes", 0) + (pc.sum(sizes).as_py() or 0)
                batch = batch.filter(pc.invert(is_val))
                table = pa.table(
                    {
                        "source": batch.column("source"),
                        "language": pc.fill_null(batch.column("language"), UNDETERMINED),
                        "bytes": pc.binary_length(batch.column("text")),
                    }
                )
                grouped = table.group_by(["source", "language"]).aggregate([("bytes", "sum"), ("bytes", "count")])
                for row in grouped.to_pylist():
                    counts = strata.setdefault((row["source"], row["language"]), {"documents": 0, "bytes": 0})
                    counts["documents"] += row["bytes_count"]
                    counts["bytes"] += row["bytes_sum"]
    return strata


def stratum_quotas(sizes: dict, total: int, balance: float) -> dict:
    """Bytes to sample per stratum: `total` shared in proportion to size**balance, water-filled (module doc)."""
    weights = {k: float(s) ** balance for k, s in sizes.items() if s > 0}
    quotas = {k: 0.0 for k in sizes}
    remaining, open_ = float(total), set(weights)
    while open_:
        weight = sum(weights[k] for k in open_)
        full = {k for k in open_ if sizes[k] <= remaining * weights[k] / weight}
        if not full:
            quotas |= {k: remaining * weights[k] / weight for k in open_}
            break
        for k in full:
            quotas[k] = float(sizes[k])
            remaining -= sizes[k]
        open_ -= full
    return quotas


def sample_texts(
    folder: DataFolder,
    files: list[str],
    rates: dict[tuple[str, str], float],
    salt: bytes,
    heldout_fraction: float,
    heldout: dict[str, list[str]],
    heldout_bytes: int,
    counts: dict[tuple[str, str], dict],
    val_fraction: float = 0.0,
) -> Iterator[list[str]]:
    """Batches of sampled texts (pass 2). Held-back documents go to `heldout[language]` (up to `heldout_bytes`
    of UTF-8 per language); what was sampled is added up in `counts[stratum]`. A val document is never sampled;
    it is held back whatever its hash (where `heldout_bytes` leaves room)."""
    held_size: dict[str, int] = {}
    for path in files:
        with folder.open(path, "rb") as f, pq.ParquetFile(f) as shard:
            columns = _columns(shard, ["id", "source", "language", "text"])
            for batch in shard.iter_batches(batch_size=4096, columns=columns):
                ids = batch.column("id").to_pylist()
                sources = batch.column("source").to_pylist()
                languages = pc.fill_null(batch.column("language"), UNDETERMINED).to_pylist()
                sizes = pc.binary_length(batch.column("text")).to_pylist()
                vals = _val(batch, val_fraction).to_pylist()
                keep, hold = [], []
                for i, (doc_id, source, language) in enumerate(zip(ids, sources, languages, strict=True)):
                    u = unit_hash(doc_id, salt)
                    if vals[i] or u < heldout_fraction:
                        if held_size.get(language, 0) < heldout_bytes:
                            held_size[language] = held_size.get(language, 0) + sizes[i]
                            hold.append(i)
                    elif (u - heldout_fraction) / (1 - heldout_fraction) < rates[(source, language)]:
                        keep.append(i)
                        stratum = counts.setdefault((source, language), {"documents": 0, "bytes": 0})
                        stratum["documents"] += 1
                        stratum["bytes"] += sizes[i]
                texts = batch.column("text")
                if hold:
                    for i, text in zip(hold, texts.take(pa.array(hold, pa.int64())).to_pylist(), strict=True):
                        heldout.setdefault(languages[i], []).append(text)
                if keep:
                    yield texts.take(pa.array(keep, pa.int64())).to_pylist()


def heldout_report(encoder, heldout: dict[str, list[str]]) -> dict[str, dict]:
    """Per language: documents, words (whitespace-separated), UTF-8 bytes, tokens (no EOS), fertility (tokens per
    word), bytes per token, and whether the documents were too few to trust those (MIN_HELDOUT_DOCUMENTS)."""
    report = {}
    for language in sorted(heldout):
        texts = heldout[language]
        tokens = sum(len(ids) for ids in encoder.encode_batch(texts))
        words = sum(len(t.split()) for t in texts)
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        report[language] = {
            "documents": len(texts),
            "words": words,
            "bytes": size,
            "tokens": tokens,
            "fertility": round(tokens / words, 4) if words else None,
            "bytes_per_token": round(size / tokens, 4) if tokens else None,
            "too_few_documents": len(texts) < MIN_HELDOUT_DOCUMENTS,
        }
    return report
