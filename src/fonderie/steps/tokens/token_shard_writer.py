from __future__ import annotations

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from fonderie.tokens import EOS
from fonderie.tokens.files import SPLITS, ShardRoller, hash64, shuffle_salt, split_of, write_parts


class TokenShardWriter(PipelineStep):
    """Encodes documents in batches and writes them as Parquet token shards, one row per document.

    Each document's ids (fonderie.tokens.encoder.TokenEncoder: tiktoken when provably identical to HF
    `tokenizers`, HF otherwise) get the EOS id appended and go to the split their `split` metadata names (`train` or
    `val`, set by the input's `split:`), else to `train/` or `val/` by a hash of the id (`val_fraction`), so the
    split does not depend on tasks or order. Shards are `SPLIT/shard-RRRRR-KKKKK.parquet`
    (RRRRR the task, KKKKK its rank in the task), roll over at `shard_tokens`, have row groups of about
    `row_group_tokens` (fonderie.tokens.files.ShardRoller), are written `.tmp` and renamed when the task succeeds;
    `.parts/RRRRR.json` then records each shard's rows, tokens, bytes and sha256 for the manifest phase.
    With `shuffle_seed`, rows go instead to `shuffle_folder/bucket-BBBBB/SPLIT/` by a seeded hash of the id, for
    TokenShardShuffler to sort into the final shards.
    The first documents of each task, up to `check_chars` characters, are also encoded by HF; any difference
    stops the task.
    Memory: one batch of documents and their ids, plus one row group per split (per bucket when shuffling).
    Input: documents (`source` in metadata; else the first part of the id; `split` optional).
    Output: the same documents.
    Drops: none (an empty document is a row holding only EOS).
    Metadata added: none. Counts `total` (documents written), `tokens` (EOS included), `bytes_out` (bytes of
        token ids), `documents_<split>`, `tokens_<split>`, and `hf_fallback_documents` (documents the fast path
        left to HF for their characters).

    Args:
        output_folder: the token folder (`NN_tokenize/tokens`)
        tokenizer: a tokenizer.json or the folder that holds it
        val_fraction: share of the documents without a `split` (by id hash) written to `val/`
        shard_tokens: a shard is closed once it holds this many tokens
        row_group_tokens: rows are written in row groups of about this many tokens
        threads: encoding threads of this task
        batch_documents: documents encoded together, at most
        batch_chars: characters encoded together, at most (a batch holds at least one document)
        shuffle_seed: None writes final shards; an int writes shuffle buckets (see above)
        shuffle_folder: where the buckets go (required with `shuffle_seed`)
        shuffle_buckets: how many buckets (the tasks of the shuffle phase)
        check_chars: characters of each task checked against HF; 0 checks nothing
    """

    name = "🔢 Token shards"
    type = "💽 - WRITER"

    def __init__(
        self,
        output_folder: DataFolderLike,
        tokenizer: str,
        val_fraction: float = 0.005,
        shard_tokens: int = 100_000_000,
        row_group_tokens: int = 1 << 20,
        threads: int = 1,
        batch_documents: int = 4096,
        batch_chars: int = 4_000_000,
        shuffle_seed: int | None = None,
        shuffle_folder: DataFolderLike | None = None,
        shuffle_buckets: int = 16,
        check_chars: int = 262_144,
    ):
        super().__init__()
        if not 0 <= val_fraction < 1:
            raise ValueError(f"val_fraction={val_fraction!r} must be in [0, 1)")
        for key, value in (("shard_tokens", shard_tokens), ("row_group_tokens", row_group_tokens),
                           ("threads", threads), ("batch_documents", batch_documents), ("batch_chars", batch_chars),
                           ("shuffle_buckets", shuffle_buckets)):  # fmt: skip
            if value < 1:
                raise ValueError(f"{key}={value!r} must be >= 1")
        if check_chars < 0:
            raise ValueError(f"check_chars={check_chars!r} must be >= 0")
        if shuffle_seed is not None and shuffle_folder is None:
            raise ValueError(f"shuffle_seed={shuffle_seed!r} needs a shuffle_folder")
        self.output_folder = get_datafolder(output_folder)
        self.tokenizer = tokenizer
        self.val_fraction = val_fraction
        self.shard_tokens, self.row_group_tokens = shard_tokens, row_group_tokens
        self.threads, self.batch_documents, self.batch_chars = threads, batch_documents, batch_chars
        self.shuffle_seed, self.shuffle_buckets, self.check_chars = shuffle_seed, shuffle_buckets, check_chars
        self.shuffle_folder = get_datafolder(shuffle_folder) if shuffle_folder is not None else None

    def _batches(self, data: DocumentsPipeline):
        batch, chars = [], 0
        for doc in data:
            batch.append(doc)
            chars += len(doc.text)
            if len(batch) >= self.batch_documents or chars >= self.batch_chars:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    def _rollers(self, rank: int, dtype: str) -> dict:
        if self.shuffle_seed is None:
            return {split: ShardRoller(self.output_folder, split, rank, dtype, self.shard_tokens,
                                       self.row_group_tokens) for split in SPLITS}  # fmt: skip
        # every bucket buffers a row group: keep their sum near one row group of the final shards
        row_group = max(1024, self.row_group_tokens // self.shuffle_buckets)
        return {
            (split, b): ShardRoller(get_datafolder(self.shuffle_folder.resolve_paths(f"bucket-{b:05d}")), split, rank,
                                    dtype, 1 << 62, row_group)
            for split in SPLITS
            for b in range(self.shuffle_buckets)
        }  # fmt: skip

    def _check(self, encoder, batch: list[Document], arrays: list[np.ndarray], budget: int) -> int:
        """Stops the task if the fast path and HF disagree on one of the first documents of the batch (the first
        one, then more up to `budget` characters; see TokenEncoder); returns the characters checked."""
        chars, n = 0, 0
        while n < len(batch) and (n == 0 or chars + len(batch[n].text) <= budget):
            chars += len(batch[n].text)
            n += 1
        reference = encoder.hf_encode_batch([d.text for d in batch[:n]])
        for doc, ids, ref in zip(batch[:n], arrays[:n], reference, strict=True):
            if ids.tolist() != ref:
                raise RuntimeError(f"{doc.id}: tiktoken ids differ from HF tokenizers' ids; please report this bug")
        return chars

    def _write(self, encoder, batch: list[Document], rollers: dict, budget: int) -> int:
        """Encodes and writes one batch; returns the characters checked against HF."""
        arrays = encoder.encode_batch([d.text for d in batch])
        checked = self._check(encoder, batch, arrays, budget) if budget > 0 and encoder.fast else 0
        groups: dict = {}
        itemsize = np.dtype(encoder.dtype).itemsize
        for doc, ids in zip(batch, arrays, strict=True):
            split = doc.metadata.get("split") or split_of(doc.id, self.val_fraction)
            if split not in SPLITS:
                raise ValueError(f"{doc.id}: split {split!r} is not one of {SPLITS}")
            key = split
            if self.shuffle_seed is not None:
                key = (split, (hash64(doc.id, shuffle_salt(self.shuffle_seed)) * self.shuffle_buckets) >> 64)
            source = doc.metadata.get("source") or doc.id.split("/", 1)[0]
            group = groups.setdefault(key, ([], [], []))
            group[0].append(doc.id)
            group[1].append(source)
            group[2].append(ids)
            n = len(ids) + 1
            self.stat_update("total", f"documents_{split}")
            self.stat_update("tokens", f"tokens_{split}", value=n)
            self.stat_update("bytes_out", value=n * itemsize)
        for key, (ids, sources, token_arrays) in groups.items():
            rollers[key].add(ids, sources, token_arrays, eos=encoder.eos_id)
        return checked

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from fonderie.tokens.encoder import TokenEncoder

        encoder = TokenEncoder(self.tokenizer, threads=self.threads)
        if encoder.eos_id is None:
            raise ValueError(f"{self.tokenizer}: the tokenizer has no {EOS} token")
        if not encoder.fast:
            logger.warning(f"encoding with HF tokenizers (slower): {encoder.slow_reason}")
        rollers = self._rollers(rank, encoder.dtype)
        budget = self.check_chars
        try:
            for batch in self._batches(data):
                with self.track_time(unit="batch"):
                    budget -= self._write(encoder, batch, rollers, budget)
                yield from batch
        except BaseException:
            for roller in rollers.values():
                roller.abort()
            raise
        finally:
            encoder.close()
        records = [record for roller in rollers.values() for record in roller.close()]
        self.stat_update("hf_fallback_documents", value=encoder.hf_documents)
        info = {"rank": rank, "tokenizer_sha256": encoder.sha256, "vocab_size": encoder.vocab_size,
                "dtype": encoder.dtype, "eos_id": encoder.eos_id, "fast_encoder": encoder.fast,
                "hf_fallback_documents": encoder.hf_documents, "shards": records}  # fmt: skip
        write_parts(self.shuffle_folder if self.shuffle_seed is not None else self.output_folder, rank, info)
