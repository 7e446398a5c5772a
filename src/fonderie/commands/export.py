"""`fonderie export RUN OUT`: a trained run as a Hugging Face Llama checkpoint.

OUT gets config.json, model.safetensors and the tokenizer files, ready for
`transformers.AutoModelForCausalLM.from_pretrained(OUT)` and `AutoTokenizer.from_pretrained(OUT)`.
"""

from __future__ import annotations


def add_arguments(parser):
    parser.add_argument("run", help="a run folder written by `fonderie train`")
    parser.add_argument("out", help="the folder to write (replaced if it exists)")
    return parser


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a trained run as a Hugging Face Llama checkpoint (config, safetensors, tokenizer)",
        description=__doc__.split("\n\n")[1],
    )
    add_arguments(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.export import main as export_main

    return export_main(args)
