from __future__ import annotations

import json
import time

from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from fonderie.tokens import PRETOKENIZE_PATTERN, SPECIAL_TOKENS
from fonderie.tokens.files import TMP_SUFFIX, TOKENIZER_DIR

REPORT_FILE = "report.json"


class TokenizerTrainer(PipelineStep):
    """Trains fonderie's byte-level BPE on a stratified sample of a document stage's shards (run it as 1 task).

    Documents of the val split (an input's `split: val`, or, without one, their id's hash at `val_fraction`, as the
    tokenize stage will split them) never train it: they are held back for the report only.
    Reads `part-*.parquet` of `documents` itself, in two streamed passes (fonderie.tokens.train: sizes per
    (source, language), then a hash-based sample per stratum), so the corpus is never in memory; trains with HF
    `tokenizers` (NFC, fonderie's pre-tokenizer: French elisions kept with their word, digits one by one);
    writes `OUTPUT/NN_tokenizer/tokenizer/`: tokenizer.json, tokenizer_config.json, special_tokens_map.json (what
    `transformers.PreTrainedTokenizerFast.from_pretrained` loads) and report.json (sample, strata, fertility and
    bytes per token per language on held-back documents, encoder mode).
    Input: nothing (documents given are passed through).
    Output: the same documents.
    Drops: none.
    Metadata added: none. Counts `documents_scanned`, `val_documents_excluded`, `bytes_scanned`, `sample_documents`,
        `sample_bytes`, `heldout_documents`, `vocab_size`, and per held-back language `fertility_<lang>` (tokens
        per word), `bytes_per_token_<lang>` and `heldout_documents_<lang>` (what they were measured on: below
        fonderie.tokens.train.MIN_HELDOUT_DOCUMENTS, too few to trust).

    Args:
        documents: the folder of the document shards to sample (the stage before the tokenizer)
        output_folder: the tokenizer stage's folder; the tokenizer goes to its `tokenizer/` subfolder
        vocab_size: tokens in the vocabulary, special tokens and the 256 bytes included (<= 65,536: uint16 shards)
        sample_bytes: UTF-8 bytes of text to train on, shared among strata
        balance: stratum weights are size**balance: 1 proportional to the corpus, 0 equal for every stratum
        heldout_fraction: documents held back from training (by id hash) to measure the tokenizer
        heldout_bytes: at most this much held-back text per language is measured
        min_frequency: a pair seen fewer times is never merged
        extra_special_tokens: special tokens after the built-in ones (fonderie.tokens.SPECIAL_TOKENS)
        seed: salt of the sampling hash: another seed, another sample
        val_fraction: the tokenize stage's: documents it will send to val by id hash are not trained on either
    """

    name = "🔤 Tokenizer trainer"
    type = "🔢 - TOKENIZER"

    def __init__(
        self,
        documents: DataFolderLike,
        output_folder: DataFolderLike,
        vocab_size: int = 32768,
        sample_bytes: int = 1_000_000_000,
        balance: float = 0.5,
        heldout_fraction: float = 0.01,
        heldout_bytes: int = 2_000_000,
        min_frequency: int = 2,
        extra_special_tokens: list[str] | tuple[str, ...] = (),
        seed: int = 0,
        val_fraction: float = 0.0,
    ):
        super().__init__()
        specials = len(SPECIAL_TOKENS) + len(extra_special_tokens)
        if vocab_size < 256 + specials + 1:
            raise ValueError(f"vocab_size={vocab_size!r} must exceed 256 bytes + {specials} special tokens")
        if sample_bytes < 1:
            raise ValueError(f"sample_bytes={sample_bytes!r} must be >= 1")
        if not 0 <= balance <= 1:
            raise ValueError(f"balance={balance!r} must be in [0, 1]")
        if not 0 <= heldout_fraction < 1:
            raise ValueError(f"heldout_fraction={heldout_fraction!r} must be in [0, 1)")
        if not 0 <= val_fraction < 1:
            raise ValueError(f"val_fraction={val_fraction!r} must be in [0, 1)")
        if heldout_bytes < 0 or min_frequency < 1:
            raise ValueError(f"heldout_bytes={heldout_bytes!r} must be >= 0, min_frequency={min_frequency!r} >= 1")
        if clash := sorted(set(extra_special_tokens) & set(SPECIAL_TOKENS)):
            raise ValueError(f"extra_special_tokens={clash!r} are built in already")
        self.documents = get_datafolder(documents)
        self.output = get_datafolder(output_folder)
        self.vocab_size, self.sample_bytes, self.balance = vocab_size, sample_bytes, balance
        self.heldout_fraction, self.heldout_bytes = heldout_fraction, heldout_bytes
        self.min_frequency, self.extra_special_tokens, self.seed = min_frequency, list(extra_special_tokens), seed
        self.val_fraction = val_fraction

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if rank != 0:
            return
        with self.track_time():
            report = self.train()
        logger.info(f"tokenizer: {report['vocab_size']:,} tokens, held-back text: {report['heldout']}")

    def train(self) -> dict:
        from fonderie.tokens.encoder import TokenEncoder
        from fonderie.tokens.train import (
            heldout_report,
            sample_texts,
            save_tokenizer,
            scan_strata,
            stratum_quotas,
            train_tokenizer,
        )

        start = time.time()
        files = self.documents.list_files(glob_pattern="part-*.parquet", recursive=False)
        val: dict = {}
        strata = scan_strata(self.documents, files, val, self.val_fraction)
        if not strata:
            raise RuntimeError(f"{self.documents.path}: no documents to train a tokenizer on (val ones excepted)")
        sizes = {k: v["bytes"] for k, v in strata.items()}
        quotas = stratum_quotas(sizes, self.sample_bytes, self.balance)
        # a rate applies to the documents not held back: scaled so that the quota is what gets trained on
        trainable = 1 - self.heldout_fraction
        rates = {k: min(1.0, quotas[k] / (sizes[k] * trainable)) if sizes[k] else 0.0 for k in strata}
        heldout: dict[str, list[str]] = {}
        sampled: dict = {}
        salt = f"fonderie/tokenizer/{self.seed}".encode()
        batches = sample_texts(self.documents, files, rates, salt, self.heldout_fraction, heldout, self.heldout_bytes,
                               sampled, self.val_fraction)  # fmt: skip
        tokenizer = train_tokenizer(batches, self.vocab_size, self.min_frequency, self.extra_special_tokens)
        trained = time.time()
        folder = get_datafolder(self.output.resolve_paths(TOKENIZER_DIR))
        save_tokenizer(tokenizer, folder, self.extra_special_tokens)
        encoder = TokenEncoder(folder.resolve_paths("tokenizer.json"))
        measured = heldout_report(encoder, heldout)
        report = {
            "vocab_size": encoder.vocab_size,
            "vocab_size_requested": self.vocab_size,
            "tokenizer_sha256": encoder.sha256,
            "special_tokens": [*SPECIAL_TOKENS, *self.extra_special_tokens],
            "pretokenize_pattern": PRETOKENIZE_PATTERN,
            "fast_encoder": encoder.fast,
            "fast_encoder_unavailable_because": encoder.slow_reason,
            "sample": {
                "documents_scanned": sum(v["documents"] for v in strata.values()) + val.get("documents", 0),
                "val_documents_excluded": val.get("documents", 0),
                "val_bytes_excluded": val.get("bytes", 0),
                "bytes_scanned": sum(sizes.values()) + val.get("bytes", 0),
                "documents": sum(v["documents"] for v in sampled.values()),
                "bytes": sum(v["bytes"] for v in sampled.values()),
                "sample_bytes": self.sample_bytes,
                "balance": self.balance,
                "heldout_fraction": self.heldout_fraction,
                "val_fraction": self.val_fraction,
                "seed": self.seed,
                "strata": [
                    {
                        "source": s,
                        "language": lang,
                        **strata[(s, lang)],
                        "rate": round(rates[(s, lang)], 6),
                        "sampled_documents": sampled.get((s, lang), {}).get("documents", 0),
                        "sampled_bytes": sampled.get((s, lang), {}).get("bytes", 0),
                    }
                    for s, lang in sorted(strata)
                ],  # fmt: skip
            },
            "heldout": measured,
            "seconds": {"sample_and_train": round(trained - start, 3), "total": round(time.time() - start, 3)},
        }
        with folder.open(REPORT_FILE + TMP_SUFFIX, "w") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
        folder.mv(REPORT_FILE + TMP_SUFFIX, REPORT_FILE)
        self._count(report)
        return report

    def _count(self, report: dict) -> None:
        sample = report["sample"]
        self.stat_update("documents_scanned", value=sample["documents_scanned"])
        self.stat_update("val_documents_excluded", value=sample["val_documents_excluded"])
        self.stat_update("bytes_scanned", value=sample["bytes_scanned"])
        self.stat_update("sample_documents", value=sample["documents"])
        self.stat_update("sample_bytes", value=sample["bytes"])
        self.stat_update("heldout_documents", value=sum(m["documents"] for m in report["heldout"].values()))
        self.stat_update("vocab_size", value=report["vocab_size"])
        for language, m in report["heldout"].items():
            if m["fertility"] is not None:
                self.stat_update(f"fertility_{language}", value=m["fertility"])
                self.stat_update(f"bytes_per_token_{language}", value=m["bytes_per_token"])
                self.stat_update(f"heldout_documents_{language}", value=m["documents"])
