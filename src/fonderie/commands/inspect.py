from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="summary of a run folder, or of a Parquet shard file or folder (rows, schema, lengths, sample)",
        description="Summarize Parquet shards with polars lazy scans (works on folders larger than memory). "
        "A run folder (a pipeline's `output`) gets one line per stage: rows kept and dropped, size, columns added. "
        "Token shards (a folder with manifest.json, or an `input_ids` column) get tokens per split and source, "
        "length percentiles and sample rows decoded with their tokenizer. An `excluded/` folder shows each "
        "sample row's drop_reason.",
    )
    p.add_argument(
        "path", help="a run folder, a .parquet file or a folder of them, e.g. out/sample, out/sample/02_clean/excluded"
    )
    p.add_argument("--rows", type=int, default=3, help="sample rows to show (default 3)")
    p.add_argument(
        "--sample", choices=("first", "random"), default="first", help="which rows: the first ones, or drawn at random"
    )
    p.add_argument("--seed", type=int, default=0, help="the random draw's seed: the same seed shows the same rows")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.errors import ConfigError
    from fonderie.inspect.run import is_run_folder
    from fonderie.inspect.tokens import is_token_path

    if args.rows < 0:
        raise ConfigError(f"--rows must be 0 or more, got {args.rows}")
    if is_run_folder(args.path):  # a whole run: a line per stage, not every shard of every stage mixed
        from fonderie.inspect.run import print_run_summary as show
        from fonderie.inspect.run import summarize_run

        summary = summarize_run(args.path)
    else:
        if is_token_path(args.path):  # token shards have figures of their own
            from fonderie.inspect.tokens import print_token_summary as show
            from fonderie.inspect.tokens import summarize_tokens as summarize
        else:
            from fonderie.inspect.documents import print_summary as show
            from fonderie.inspect.documents import summarize
        # a namespace built by hand (tests/pipeline/stages/test_token_stages.py) may predate --sample and --seed
        sample, seed = args.sample, args.seed
        summary = summarize(args.path, sample_rows=args.rows, sample=sample, seed=seed)
    if args.json:
        print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    else:
        show(summary)
    return 0
