"""`fonderie export RUN OUT`: a trained run as a Hugging Face Llama checkpoint.

OUT gets config.json, model.safetensors and the tokenizer files, ready for
`transformers.AutoModelForCausalLM.from_pretrained(OUT)` and `AutoTokenizer.from_pretrained(OUT)`.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a trained run as a Hugging Face Llama checkpoint (config, safetensors, tokenizer)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("run", help="a run folder written by `fonderie train`")
    p.add_argument("out", help="the folder to write (replaced if it exists)")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.training.export import export

    out = export(args.run, args.out)
    print(f"{out}: config.json, model.safetensors, tokenizer; load with AutoModelForCausalLM.from_pretrained")
    return 0
