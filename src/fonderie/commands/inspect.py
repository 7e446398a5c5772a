from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="summary of a Parquet shard file or folder (rows, schema, lengths, sample)",
        description="Summarize Parquet shards with polars lazy scans (works on folders larger than memory).",
    )
    p.add_argument("path", help="a .parquet file or a folder of them, e.g. out/sample/01_ingest")
    p.add_argument("--rows", type=int, default=3, help="sample rows to show (default 3)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.inspect_shards import print_summary, summarize

    summary = summarize(args.path, sample_rows=args.rows)
    if args.json:
        print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    else:
        print_summary(summary)
    return 0
