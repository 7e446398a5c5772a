"""`fonderie train --data TOKENS --out RUN`: pretrain the compact Llama-style model on a token folder.

For several GPUs or CPU processes: `torchrun --nproc_per_node N -m fonderie train ...` (every rank runs this
command; rank 0 prints). Writes RUN/metrics.jsonl, RUN/config.json and RUN/checkpoint/; `--resume` continues the
same loss curve from the checkpoint. RUN must be new, empty or a run's folder unless --force.
"""

from __future__ import annotations

import json
import os


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="pretrain the compact Llama-style model on token shards (metrics, checkpoints, resume)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("--data", required=True, help="a token folder (manifest.json) or a tokenize stage folder")
    p.add_argument("--out", required=True, help="the run folder: metrics, plots, config, checkpoint")
    p.add_argument("--preset", help="model size: tiny, shakespeare, 10m, 50m, 125m (default: tiny)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a TrainConfig or ModelConfig field: max_steps=2000, n_layer=6 (repeatable)")  # fmt: skip
    p.add_argument("--resume", action="store_true", help="continue from RUN/checkpoint, same loss curve")
    p.add_argument("--allow-schedule-change", action="store_true",
                   help="with --resume: accept a changed max_steps, warmup_steps, learning_rate or min_lr_ratio "
                   "(refused otherwise: the curve would no longer be the run's)")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="write into a folder that holds other files (only the run's own files are written), or "
                   "start over a checkpointed run without --resume")  # fmt: skip
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.training.pretrain import pretrain
    from fonderie.training.settings import RunSettings

    settings = RunSettings.from_overrides(([f"preset={args.preset}"] if args.preset else []) + args.set)
    summary = pretrain(args.data, args.out, settings, resume=args.resume, force=args.force,
                       allow_schedule_change=args.allow_schedule_change)  # fmt: skip
    if int(os.environ.get("RANK", 0)) == 0:  # under torchrun, one line for the whole run
        print(json.dumps(summary))
    return 0
