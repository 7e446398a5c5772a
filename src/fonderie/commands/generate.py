"""`fonderie generate RUN --prompt TEXT`: sample continuations from a trained run (its last checkpoint).

Top-k and nucleus (top-p) sampling at a temperature, seeded; `--temperature 0` is greedy. The same as
`python -m fonderie.generate`.
"""

from __future__ import annotations


def add_arguments(parser):
    parser.add_argument("run", help="a run folder written by `fonderie train`")
    parser.add_argument("--prompt", required=True, help="text to continue (at least one token: no BOS is trained)")
    parser.add_argument("--max-new-tokens", type=int, default=100, help="tokens to sample after the prompt")
    parser.add_argument("--temperature", type=float, default=0.8, help="< 1 sharper, > 1 more random, 0 greedy")
    parser.add_argument("--top-k", type=int, default=50, help="sample among the k most likely tokens (0: all)")
    parser.add_argument("--top-p", type=float, default=None, help="nucleus: the smallest set of mass p (off)")
    parser.add_argument("--seed", type=int, default=1337, help="the same seed gives the same text")
    parser.add_argument("--num-samples", type=int, default=1, help="continuations to print")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    return parser


def register(sub) -> None:
    p = sub.add_parser(
        "generate",
        help="sample text from a trained run (top-k, top-p, temperature, seed)",
        description=__doc__.split("\n\n")[1],
    )
    add_arguments(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.generate import main as generate_main

    return generate_main(args)
