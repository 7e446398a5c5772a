"""`fonderie train --data TOKENS --out RUN`: pretrain the compact Llama-style model on a token folder.

The same as `python -m fonderie.train`; for several GPUs or CPU processes use
`torchrun --nproc_per_node N -m fonderie.train ...`. Writes RUN/metrics.jsonl, RUN/config.json and RUN/checkpoint/;
`--resume` continues the same loss curve from the checkpoint.
"""

from __future__ import annotations

import json
import sys


def add_arguments(parser):
    parser.add_argument("--data", required=True, help="a token folder (manifest.json) or a tokenize stage folder")
    parser.add_argument("--out", required=True, help="the run folder: metrics, plots, config, checkpoint")
    parser.add_argument("--preset", help="model size: tiny, shakespeare, 10m, 50m, 125m (default: tiny)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a TrainConfig or ModelConfig field: max_steps=2000, n_layer=6 (repeatable)")  # fmt: skip
    parser.add_argument("--resume", action="store_true", help="continue from RUN/checkpoint, same loss curve")
    return parser


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="pretrain the compact Llama-style model on token shards (metrics, checkpoints, resume)",
        description=__doc__.split("\n\n")[1],
    )
    add_arguments(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.train import train

    sets = ([f"preset={args.preset}"] if args.preset else []) + args.set
    try:
        summary = train(args.data, args.out, sets, resume=args.resume)
    except ValueError as e:  # a setting or a token folder that does not fit: the message says which
        print(f"fonderie train: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
