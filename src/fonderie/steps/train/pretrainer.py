from __future__ import annotations

from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep


class Pretrainer(PipelineStep):
    """Pretrains a model on token shards (fonderie.train) and writes a generated sample: the `pretrain` stage.

    Run as one task: training uses every core of its machine (torchrun runs multi-process training outside the
    pipeline: `torchrun --nproc_per_node N -m fonderie.train`). A run interrupted by a crash resumes from its last
    checkpoint when the stage is run again.
    Input: nothing (documents given are passed through); the token shards of `tokens`.
    Output: `run/`: checkpoint/ (safetensors weights, optimizer, data position), config.json, metrics.jsonl,
        loss.png, the tokenizer; `sample.txt`: a continuation of `prompt`.
    Drops: none.
    Metadata added: none. Records `val_bpb`, `val_loss` and `tokens_per_second` in its stats.

    Args:
        tokens: the token folder (manifest.json, train/, val/)
        run: where the run is written
        sets: TrainConfig and model fields, `key=value` (as `fonderie train --set`)
        prompt: text the sample continues
    """

    name = "🏋 Pretrainer"
    type = "🏋 - TRAIN"

    def __init__(self, tokens: str, run: str, sets: list[str], prompt: str):
        super().__init__()
        if not prompt.strip():
            raise ValueError(f"prompt={prompt!r} must not be empty: the sample continues it")
        self.tokens, self.run_dir, self.sets, self.prompt = tokens, run, list(sets), prompt

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from fonderie.generate import generate
        from fonderie.train import train

        if data:
            yield from data
        if rank != 0:
            return
        resume = (Path(self.run_dir) / "checkpoint").exists()
        with self.track_time():
            result = train(self.tokens, self.run_dir, self.sets, resume=resume)
            (sample,) = generate(self.run_dir, self.prompt, max_new_tokens=60, seed=0)
        Path(self.run_dir).parent.joinpath("sample.txt").write_text(sample + "\n", encoding="utf-8")
        for key in ("val_bpb", "val_loss", "tokens_per_second"):
            if isinstance(result.get(key), (int, float)):
                self.stat_update(key, value=result[key])
