"""`tokenizer`: a byte-level BPE trained on a stratified sample of the previous stage's documents (1 task).

    OUTPUT/NN_tokenizer/tokenizer/   tokenizer.json, tokenizer_config.json, special_tokens_map.json, report.json

The stage writes no documents: the `tokenize` stage after it reads the documents this stage sampled (those of the
stage before it) with the tokenizer in `tokenizer/` (fonderie.pipeline.stages.tokenize). Its schema is the previous
stage's, carried forward unchanged.
"""

from __future__ import annotations

from fonderie.config.pipeline import PipelineConfig
from fonderie.config.stages import TokenizerStage
from fonderie.pipeline.stages.base import Phase, StagePlan
from fonderie.steps.tokens.tokenizer_trainer import TokenizerTrainer


def build_tokenizer(stage: TokenizerStage, cfg: PipelineConfig, folder: str, tasks: int, previous: StagePlan | None):
    # the val split of the tokenize stage that will use this tokenizer: its val documents are not trained on
    after = cfg.stages[len(cfg.stage_dirs_before(stage.stage_name)) + 1 :]
    tokenize = next((s for s in after if s.kind == "tokenize" and s.tokenizer is None), None)
    val_fraction = tokenize.val_fraction if tokenize is not None else 0.0
    trainer = TokenizerTrainer(
        previous.folder,
        folder,
        vocab_size=stage.vocab_size,
        sample_bytes=stage.sample_bytes,
        balance=stage.balance,
        heldout_fraction=stage.heldout_fraction,
        heldout_bytes=stage.heldout_bytes,
        min_frequency=stage.min_frequency,
        extra_special_tokens=stage.extra_special_tokens,
        seed=stage.seed,
        val_fraction=val_fraction,
    )
    # one task whatever `tasks` says: BPE training is one process (HF parallelizes it with threads)
    return (
        [Phase("", [trainer], 1, folder)],
        previous.schema,
        {"documents": previous.dirname, "val_fraction": val_fraction},
    )
