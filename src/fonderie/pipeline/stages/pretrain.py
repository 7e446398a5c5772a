"""`pretrain`: a compact model trained on the token shards of the pipeline's `tokenize` stage (one task).

    OUTPUT/NN_pretrain/run/        checkpoint/, config.json, metrics.jsonl, loss.png, the tokenizer (fonderie.training)
    OUTPUT/NN_pretrain/sample.txt  a continuation of the stage's `prompt`

`fonderie generate OUTPUT/NN_pretrain/run --prompt ...` samples from it, `fonderie export` converts it for
transformers. Longer or multi-GPU runs use `fonderie train` / `torchrun -m fonderie train` on the same shards.
"""

from __future__ import annotations

import os

from fonderie.config.pipeline import PipelineConfig
from fonderie.config.stages import PretrainStage
from fonderie.errors import ConfigError
from fonderie.pipeline.stages.base import Phase, StagePlan, absolute
from fonderie.steps.train.pretrainer import Pretrainer
from fonderie.tokens.files import TOKENS_DIR


def _tokens(stage: PretrainStage, cfg: PipelineConfig) -> str:
    if stage.tokens is not None:
        return absolute(stage.tokens)
    before = cfg.stage_dirs_before(stage.stage_name)
    tokenize = next((d for s, d in reversed(before) if s.kind == "tokenize"), None)
    if tokenize is None:
        raise ConfigError(f"stages.{stage.stage_name}: no `tokenize` stage before it; add one or set `tokens:`")
    return os.path.join(absolute(cfg.output), tokenize, TOKENS_DIR)


def build_pretrain(stage: PretrainStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    tokens = _tokens(stage, cfg)
    fields = {"preset": stage.preset, "max_steps": stage.max_steps, "batch_size": stage.batch_size,
              "learning_rate": stage.learning_rate, **stage.set}  # fmt: skip
    # the step checks every field against the trainer's configs now, naming the key, not after the stages before
    # it have run
    try:
        trainer = Pretrainer(tokens, os.path.join(folder, "run"), fields, stage.prompt)
    except ConfigError as e:  # the trainer's settings name the field: say which stage holds it
        raise ConfigError(f"stages.{stage.stage_name}: {e}") from None
    return [Phase("", [trainer], 1, folder)], previous.schema, tokens
