from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run a pipeline's stages (all, or one), resuming what is already done",
        description="Run the stages of a pipeline file in order; finished tasks are skipped.",
    )
    p.add_argument("pipeline", help="pipeline file, e.g. pipelines/sample.yaml")
    p.add_argument("--stage", help="run only this stage (by name, e.g. `ingest`, or folder, e.g. `01_ingest`)")
    p.add_argument("--executor", choices=["local", "slurm", "ray"], help="override executor.kind")
    p.add_argument("--tasks", type=int, help="override executor.tasks (keep it the same to resume a run)")
    p.add_argument("--workers", type=int, help="override executor.workers (tasks running at once)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override any config key, e.g. --set output=out/x --set inputs.web.path='crawl/*.warc.gz' "
        "(`inputs.*.path=...`: every input)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and print the plan; on Slurm, also write the sbatch scripts without submitting",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write the stage folders into an `output` that holds other files too (they are left untouched)",
    )
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.config.pipeline import load_pipeline
    from fonderie.pipeline.runner import run_pipeline

    overrides = list(args.set)
    for key in ("executor", "tasks", "workers"):
        if getattr(args, key) is not None:
            overrides.append(f"executor.{'kind' if key == 'executor' else key}={getattr(args, key)}")
    cfg = load_pipeline(args.pipeline, overrides)
    funnels = run_pipeline(cfg, stage=args.stage, dry_run=args.dry_run, force=args.force, pipeline_file=args.pipeline)
    for f in funnels:
        if not f["documents"]:
            print(f"{f['folder']}: done in {f['seconds']:,.1f} s (a model stage: no documents pass through it)")
            continue
        dropped = sum(f["dropped"].values())
        print(f"{f['folder']}: read {f['read']:,}  kept {f['kept']:,}  dropped {dropped:,}")
    shards = [f["folder"] for f in funnels if f["kept"]]  # stages that wrote documents or tokens
    if funnels:
        hint = f"    shards: fonderie inspect {cfg.output}/{shards[-1]}" if shards else ""
        print(f"funnel: fonderie status {cfg.output}{hint}")
    return 0
