"""The `fonderie` command: run pipelines, read their funnel, inspect their shards."""

from __future__ import annotations

import argparse
import json
import sys

from fonderie import __version__


def _cmd_run(args) -> int:
    from fonderie.config import load_pipeline
    from fonderie.runner import run_pipeline

    overrides = list(args.set)
    for key in ("executor", "tasks", "workers"):
        if getattr(args, key) is not None:
            overrides.append(f"executor.{'kind' if key == 'executor' else key}={getattr(args, key)}")
    cfg = load_pipeline(args.pipeline, overrides)
    funnels = run_pipeline(cfg, stage=args.stage, dry_run=args.dry_run)
    for f in funnels:
        dropped = sum(f["dropped"].values())
        print(f"{f['folder']}: read {f['read']:,}  kept {f['kept']:,}  dropped {dropped:,}")
    if funnels:
        print(f"funnel: fonderie status {cfg.output}    shards: fonderie inspect {cfg.output}/{funnels[-1]['folder']}")
    return 0


def _cmd_status(args) -> int:
    from fonderie.stats import pipeline_status

    status = pipeline_status(args.output_dir)
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    from humanize import naturalsize
    from rich.console import Console
    from rich.table import Table

    table = Table("stage", "tasks", "read", "kept", "dropped", "in", "out", "seconds")
    for s in status["stages"]:
        tasks = f"{s['tasks_completed']}/{s['tasks']}" if s["tasks"] else str(s["tasks_completed"])
        dropped = sum(s["dropped"].values())
        table.add_row(
            s["folder"],
            tasks,
            f"{s['read']:,}",
            f"{s['kept']:,}",
            f"{dropped:,}",
            naturalsize(s["bytes_in"]),
            naturalsize(s["bytes_out"]),
            f"{s['seconds']:,.1f}",
        )
    console = Console()
    console.print(table)
    for s in status["stages"]:
        if s["dropped"]:
            reasons = ", ".join(f"{n:,} {r}" for r, n in s["dropped"].items())
            console.print(f"{s['folder']} dropped: {reasons}")
        if s["read"] != s["kept"] + sum(s["dropped"].values()) and s["tasks_completed"] == s["tasks"]:
            console.print(f"[red]{s['folder']}: read != kept + dropped; please report this as a bug[/]")
    return 0


def _cmd_inspect(args) -> int:
    from fonderie.inspect_shards import print_summary, summarize

    summary = summarize(args.path, sample_rows=args.rows)
    if args.json:
        print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    else:
        print_summary(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fonderie",
        description="From raw text to a clean, deduplicated, tokenized, published training corpus.",
    )
    parser.add_argument("--version", action="version", version=f"fonderie {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a pipeline's stages (all, or one), resuming what is already done",
        description="Run the stages of a pipeline file in order; finished tasks are skipped.",
    )
    run.add_argument("pipeline", help="pipeline file, e.g. pipelines/sample.yaml")
    run.add_argument("--stage", help="run only this stage (by name, e.g. `ingest`, or folder, e.g. `01_ingest`)")
    run.add_argument("--executor", choices=["local", "slurm", "ray"], help="override executor.kind")
    run.add_argument("--tasks", type=int, help="override executor.tasks (keep it the same to resume a run)")
    run.add_argument("--workers", type=int, help="override executor.workers (tasks running at once)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override any config key, e.g. --set output=out/x --set inputs.web.path='crawl/*.warc.gz'",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and print the plan; on Slurm, also write the sbatch scripts without submitting",
    )
    run.set_defaults(func=_cmd_run)

    status = sub.add_parser(
        "status",
        help="per-stage funnel of a run: read, kept, dropped by reason, bytes, time",
        description="Print the funnel of every stage of an output directory.",
    )
    status.add_argument("output_dir", help="the pipeline's `output` directory")
    status.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    status.set_defaults(func=_cmd_status)

    inspect = sub.add_parser(
        "inspect",
        help="summary of a Parquet shard file or folder (rows, schema, lengths, sample)",
        description="Summarize Parquet shards with polars lazy scans (works on folders larger than memory).",
    )
    inspect.add_argument("path", help="a .parquet file or a folder of them, e.g. out/sample/01_ingest")
    inspect.add_argument("--rows", type=int, default=3, help="sample rows to show (default 3)")
    inspect.add_argument("--json", action="store_true", help="print the summary as JSON")
    inspect.set_defaults(func=_cmd_inspect)
    return parser


def main(argv: list[str] | None = None) -> int:
    from fonderie.config import ConfigError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"fonderie: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"fonderie: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nfonderie: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except Exception as e:
        from fonderie.runner import StageFailed

        if isinstance(e, StageFailed):
            print(f"fonderie: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
