"""`pretrain`: a compact model trained on the token shards of the pipeline's `tokenize` stage (one task).

    OUTPUT/NN_pretrain/run/        checkpoint/, config.json, metrics.jsonl, loss.png, the tokenizer (fonderie.train)
    OUTPUT/NN_pretrain/sample.txt  a continuation of the stage's `prompt`

`fonderie generate OUTPUT/NN_pretrain/run --prompt ...` samples from it, `fonderie export` converts it for
transformers. Longer or multi-GPU runs use `fonderie train` / `torchrun -m fonderie.train` on the same shards.
"""

from __future__ import annotations

import json
import os

from fonderie.config import ConfigError, PipelineConfig, PretrainStage
from fonderie.stages.base import Phase, StagePlan, absolute
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
    sets = [f"preset={stage.preset}", f"max_steps={stage.max_steps}", f"batch_size={stage.batch_size}",
            f"learning_rate={stage.learning_rate}"]  # fmt: skip
    sets += [f"{key}={json.dumps(value) if not isinstance(value, str) else value}" for key, value in stage.set.items()]
    # a wrong preset or field fails now, naming the key, not after the stages before it have run
    from fonderie.model import config_from_preset
    from fonderie.train import parse_sets

    try:
        _, model_sets = parse_sets(sets)
        config_from_preset(stage.preset, **model_sets)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"stages.{stage.stage_name}: {e}") from None
    trainer = Pretrainer(tokens, os.path.join(folder, "run"), sets, stage.prompt)
    return [Phase("", [trainer], 1, folder)], previous.schema, tokens
