"""`fonderie generate RUN --prompt TEXT`: sample continuations from a trained run (its last checkpoint).

Top-k and nucleus (top-p) sampling at a temperature, seeded; `--temperature 0` is greedy.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "generate",
        help="sample text from a trained run (top-k, top-p, temperature, seed)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("run", help="a run folder written by `fonderie train`")
    p.add_argument("--prompt", required=True, help="text to continue (at least one token: no BOS is trained)")
    p.add_argument("--max-new-tokens", type=int, default=100, help="tokens to sample after the prompt")
    p.add_argument("--temperature", type=float, default=0.8, help="< 1 sharper, > 1 more random, 0 greedy")
    p.add_argument("--top-k", type=int, default=50, help="sample among the k most likely tokens (0: all)")
    p.add_argument("--top-p", type=float, default=None, help="nucleus: the smallest set of mass p (off)")
    p.add_argument("--seed", type=int, default=1337, help="the same seed gives the same text")
    p.add_argument("--num-samples", type=int, default=1, help="continuations to print")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.training.generate import generate

    texts = generate(args.run, args.prompt, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                     top_k=args.top_k, top_p=args.top_p, seed=args.seed, num_samples=args.num_samples,
                     device=args.device)  # fmt: skip
    for i, text in enumerate(texts):
        if i:
            print("-" * 40)
        print(text)
    return 0
