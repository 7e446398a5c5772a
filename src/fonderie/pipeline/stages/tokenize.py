"""`tokenize`: the documents as Parquet token shards, split into train and val, with a manifest written last.

    main      (N tasks)        documents -> TokenShardWriter -> tokens/{train,val}/shard-RRRRR-KKKKK.parquet
    shuffle   (buckets tasks)  only with `shuffle_seed`: the writer fills shuffle/buckets/, TokenShardShuffler
                               sorts each bucket by a seeded hash of the ids into tokens/{train,val}/shard-BBBBB-*
    manifest  (1 task)         ManifestWriter -> tokens/manifest.json (+ tokens/tokenizer/, a copy)

Where the inputs come from: the documents are those of the nearest stage before this one that writes documents
(skipping a `tokenizer` stage, which writes none: so `dedup -> tokenizer -> tokenize` tokenizes dedup's
documents, the ones the tokenizer was trained on); the tokenizer is `tokenizer:` when set, else the `tokenizer/`
folder of the nearest `tokenizer` stage before this one. Both are found from the pipeline's stage list, so the
stage works with any stage names.
"""

from __future__ import annotations

import json
import os

from fonderie.config.pipeline import PipelineConfig
from fonderie.config.stages import TokenizeStage
from fonderie.errors import ConfigError
from fonderie.pipeline.stages.base import Phase, StagePlan, absolute
from fonderie.steps.progress import ProgressTracker
from fonderie.steps.readers.document_shards import DocumentShardReader
from fonderie.steps.tokens.manifest_writer import ManifestWriter
from fonderie.steps.tokens.token_shard_shuffler import TokenShardShuffler
from fonderie.steps.tokens.token_shard_writer import TokenShardWriter
from fonderie.tokens.files import TOKENIZER_DIR, TOKENS_DIR, token_dtype, token_schema

NO_DOCUMENTS = ("tokenizer", "tokenize", "pretrain")  # stage kinds whose folder holds no document shards


def _inputs(stage: TokenizeStage, cfg: PipelineConfig) -> tuple[str, str, str]:
    """(documents folder, tokenizer folder, documents folder name) of this stage; see the module docstring."""
    output = absolute(cfg.output)
    before = cfg.stage_dirs_before(stage.stage_name)
    documents = next((d for s, d in reversed(before) if s.kind not in NO_DOCUMENTS), None)
    if documents is None:
        raise ConfigError(f"stages.{stage.stage_name}: no stage before it writes documents to tokenize")
    if stage.tokenizer is not None:
        return os.path.join(output, documents), absolute(stage.tokenizer), documents
    trainer = next(((s, d) for s, d in reversed(before) if s.kind == "tokenizer"), None)
    if trainer is None:
        raise ConfigError(
            f"stages.{stage.stage_name}: no `tokenizer` stage before it; add one or set `tokenizer:` to a folder "
            "holding a tokenizer.json"
        )
    return os.path.join(output, documents), os.path.join(output, trainer[1], TOKENIZER_DIR), documents


def _vocab_size(stage: TokenizeStage, cfg: PipelineConfig, tokenizer: str) -> int:
    """The vocabulary size the plan's schema follows: the tokenizer stage's setting (the tokenizer does not exist
    yet when the plan is made), or the given tokenizer's. The manifest's `dtype` is what the shards hold."""
    if stage.tokenizer is None:
        return next(
            s.vocab_size for s, _ in reversed(cfg.stage_dirs_before(stage.stage_name)) if s.kind == "tokenizer"
        )
    path = os.path.join(tokenizer, "tokenizer.json") if os.path.isdir(tokenizer) else tokenizer
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError(f"stages.{stage.stage_name}.tokenizer: cannot read {path} ({e})") from None
    ids = [t["id"] for t in spec.get("added_tokens", [])] + list(spec["model"]["vocab"].values())
    return max(ids) + 1


def build_tokenize(stage: TokenizeStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    documents, tokenizer, documents_dirname = _inputs(stage, cfg)
    tokens = os.path.join(folder, TOKENS_DIR)
    shuffled = stage.shuffle_seed is not None
    buckets = os.path.join(folder, "shuffle", "buckets")
    writer = TokenShardWriter(
        tokens,
        tokenizer,
        val_fraction=stage.val_fraction,
        shard_tokens=stage.shard_tokens,
        row_group_tokens=stage.row_group_tokens,
        threads=stage.threads,
        shuffle_seed=stage.shuffle_seed,
        shuffle_folder=buckets if shuffled else None,
        shuffle_buckets=stage.shuffle_buckets,
    )
    phases = [Phase("", [DocumentShardReader(documents), ProgressTracker(folder), writer], tasks, folder)]
    if shuffled:
        shuffler = TokenShardShuffler(
            buckets, tokens, stage.shuffle_seed, stage.shuffle_buckets, stage.shard_tokens, stage.row_group_tokens
        )
        phases.append(Phase("shuffle", [shuffler], stage.shuffle_buckets, os.path.join(folder, "shuffle")))
    settings = {
        "val_fraction": stage.val_fraction,
        "shuffle_seed": stage.shuffle_seed,
        "shard_tokens": stage.shard_tokens,
        "row_group_tokens": stage.row_group_tokens,
    }
    manifest = ManifestWriter(
        tokens, tokenizer, stage.shuffle_buckets if shuffled else tasks, settings, buckets if shuffled else None
    )
    phases.append(Phase("manifest", [manifest], 1, os.path.join(folder, "manifest")))
    schema = token_schema(token_dtype(_vocab_size(stage, cfg, tokenizer)))
    return phases, schema, {"documents": documents_dirname, "tokenizer": tokenizer}
