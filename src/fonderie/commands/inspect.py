from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="summary of a Parquet shard file or folder (rows, schema, lengths, sample), documents or tokens",
        description="Summarize Parquet shards with polars lazy scans (works on folders larger than memory). "
        "Token shards (a folder with manifest.json, or an `input_ids` column) get tokens per split and source, "
        "length percentiles and sample rows decoded with their tokenizer.",
    )
    p.add_argument("path", help="a .parquet file or a folder of them, e.g. out/sample/01_ingest or 05_tokenize")
    p.add_argument("--rows", type=int, default=3, help="sample rows to show (default 3)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.inspect.tokens import is_token_path

    if is_token_path(args.path):  # token shards have figures of their own
        from fonderie.inspect.tokens import print_token_summary as show
        from fonderie.inspect.tokens import summarize_tokens as summarize
    else:
        from fonderie.inspect.documents import print_summary as show
        from fonderie.inspect.documents import summarize
    summary = summarize(args.path, sample_rows=args.rows)
    if args.json:
        print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    else:
        show(summary)
    return 0
