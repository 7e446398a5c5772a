"""`fonderie export RUN OUT`: a trained run as a Hugging Face Llama checkpoint.

OUT gets config.json, model.safetensors and the tokenizer files, ready for
`transformers.AutoModelForCausalLM.from_pretrained(OUT)` and `AutoTokenizer.from_pretrained(OUT)`. OUT must be new,
empty or an earlier export (fonderie_export.json); --force writes into any folder, replacing only those files.
"""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a trained run as a Hugging Face Llama checkpoint (config, safetensors, tokenizer)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("run", help="a run folder written by `fonderie train`")
    p.add_argument("out", help="the folder to write: new, empty or an earlier export (its files are replaced)")
    p.add_argument("--force", action="store_true",
                   help="write into a folder holding other files; only the export's files are replaced")  # fmt: skip
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.training.export import export

    out = export(args.run, args.out, force=args.force)
    print(f"{out}: config.json, model.safetensors, tokenizer; load with AutoModelForCausalLM.from_pretrained")
    return 0
