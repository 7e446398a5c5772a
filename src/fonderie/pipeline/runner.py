"""Runs a pipeline: stage after stage, each on the configured executor, resuming whatever is already done.

Per stage folder `OUTPUT/NN_<stage>/`:
    part-NNNNN.parquet      kept documents, one shard per task
    excluded/               dropped documents with `drop_reason`
    stats/NNNNN.json        each task's counters; stats.json merges them; `fonderie status` reads them
    completions/NNNNN       datatrove's marker: that task is done and is skipped by a rerun
    logs/                   each task's log (logs/task_NNNNN.log) and the console output of the run
    stage.json              the settings the shards depend on (a rerun with other settings is refused) and runs
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from pathlib import Path

from fonderie.config.pipeline import PipelineConfig
from fonderie.errors import ConfigError, RunStateError, StageFailed
from fonderie.pipeline.display import StageProgress
from fonderie.pipeline.executors import local_executor, ray_executor, slurm_executors, write_slurm_scripts
from fonderie.pipeline.stages import StagePlan, build_plans
from fonderie.pipeline.stages.base import Phase
from fonderie.pipeline.stats import funnel, write_merged_stats


@contextlib.contextmanager
def stderr_to(path: Path):
    """Send file descriptor 2 (this process and the workers it starts) to a log file; the terminal keeps stdout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _check_settings(plan: StagePlan) -> dict:
    """The stage.json of this folder, refusing to resume shards written with other settings."""
    path = Path(plan.folder, "stage.json")
    if not path.exists():
        return {"settings": plan.settings, "tasks": plan.tasks, "runs": []}
    meta = json.loads(path.read_text())
    if meta.get("settings") != plan.settings:
        changed = sorted(k for k in plan.settings if meta.get("settings", {}).get(k) != plan.settings[k])
        raise RunStateError(
            f"{plan.folder} was written with other settings ({', '.join(changed)} changed); its shards cannot be "
            f"resumed or mixed with new ones. Delete that folder (and the stages after it) or set another `output`."
        )
    return meta


def _save_meta(plan: StagePlan, meta: dict) -> None:
    path = Path(plan.folder, "stage.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


# the last line of a Python traceback: `package.module.ErrorClass: message` (loguru writes it flush left)
_EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_]\w*\.)*"  # the module path, dropped
    r"([A-Za-z_]\w*(?:Error|Exception|Failed|Interrupt|Exit)\w*)"  # the class
    r"(?::\s*(.*))?$"  # the message
)


def task_error(log: Path) -> str | None:
    """`ErrorClass: message` of the exception that ended a task, from its log; None if the log holds none."""
    found = None
    for line in log.read_text(errors="replace").splitlines():
        if m := _EXCEPTION_LINE.match(line.rstrip()):
            found = f"{m[1]}: {m[2]}" if m[2] else m[1]
    return found


def _failure_hint(phase: Phase, label: str) -> str:
    """One line: the failing task, its own error message and where its whole log is."""
    logs = sorted(Path(phase.folder, "logs").glob("task_*.log"))
    failed = [(p, error) for p in logs if (error := task_error(p))]
    if not failed:
        return f"stage {label} failed; its logs are in {Path(phase.folder, 'logs')}"
    log, error = failed[0]
    others = f" (and {len(failed) - 1} more task(s))" if len(failed) > 1 else ""
    task = log.stem.removeprefix("task_")
    return f"stage {label} failed in task {task}{others}: {error} (log: {log})"


def _run_phase(phase: Phase, label: str, cfg: PipelineConfig, out) -> float:
    """Run the unfinished tasks of one phase; returns its wall time in seconds."""
    already = phase.completed_tasks()
    executor = (ray_executor if cfg.executor.kind == "ray" else local_executor)(phase, cfg.executor)
    progress = StageProgress(phase.folder, label, phase.tasks, already, stream=out)
    start = time.time()
    progress.start()
    try:
        with stderr_to(Path(phase.folder, "logs", "console.log")):
            executor.run()
    except Exception as e:
        progress.stop()
        raise StageFailed(_failure_hint(phase, label)) from e
    progress.stop()
    if not phase.is_complete():
        raise StageFailed(_failure_hint(phase, label))
    write_merged_stats(phase.folder)
    return time.time() - start


def run_stage(plan: StagePlan, cfg: PipelineConfig, out=None) -> dict:
    """Run the unfinished phases of one stage on the local or Ray executor; returns its funnel."""
    out = out or sys.stdout  # looked up now, not at import: a caller may have replaced sys.stdout since
    meta = _check_settings(plan)
    if plan.is_complete():
        print(f"{plan.dirname}: already complete ({plan.tasks}/{plan.tasks} tasks), nothing to do", file=out)
        return funnel(plan.folder)
    _save_meta(plan, meta)
    tasks_run = plan.tasks - plan.completed_tasks()
    seconds = 0.0
    for phase in plan.phases:
        if not phase.is_complete():
            label = f"{plan.dirname}:{phase.name}" if phase.name else plan.dirname
            seconds += _run_phase(phase, label, cfg, out)
    meta["runs"].append({"executor": cfg.executor.kind, "tasks_run": tasks_run, "seconds": round(seconds, 3)})
    _save_meta(plan, meta)
    return funnel(plan.folder)


def run_pipeline(cfg: PipelineConfig, stage: str | None = None, dry_run: bool = False, out=None) -> list:
    """Run every stage in order (or only `stage`, whose predecessors must be complete); progress goes to `out`
    (default: standard output)."""
    out = out or sys.stdout
    plans = build_plans(cfg)
    names = [p.name for p in plans] + [p.dirname for p in plans]
    if stage is not None and stage not in names:
        raise ConfigError(f"--stage {stage!r}: no such stage; this pipeline has {[p.name for p in plans]}")
    selected = [p for p in plans if stage is None or stage in (p.name, p.dirname)]
    if stage is not None:
        before = plans[: plans.index(selected[0])]
        if before and not before[-1].is_complete() and not dry_run:
            raise RunStateError(f"--stage {stage}: the stage before it, {before[-1].dirname}, is not complete")
    output = Path(plans[0].folder).parent
    if dry_run:
        return _dry_run(cfg, selected, output, out)
    output.mkdir(parents=True, exist_ok=True)
    (output / "pipeline.yaml").write_text(cfg.dump())
    if cfg.executor.kind == "slurm":
        for plan in selected:
            _save_meta(plan, _check_settings(plan))
        slurm_executors(selected, cfg.executor)[-1].run()
        print(f"submitted {len(selected)} stage(s) to Slurm; follow with `fonderie status {output}`", file=out)
        return []
    return [run_stage(plan, cfg, out) for plan in selected]


def _dry_run(cfg: PipelineConfig, plans: list[StagePlan], output: Path, out) -> list:
    print(f"dry run: {len(plans)} stage(s) on the {cfg.executor.kind} executor, output {output}", file=out)
    for plan in plans:
        for phase in plan.phases:
            steps = " -> ".join(type(s).__name__ for s in phase.pipeline)
            label = f"{plan.dirname}:{phase.name}" if phase.name else plan.dirname
            state = f"{phase.completed_tasks()}/{phase.tasks} tasks done"
            print(f"  {label}: {phase.tasks} tasks ({state})\n    {steps}", file=out)
    if cfg.executor.kind == "slurm":
        output.mkdir(parents=True, exist_ok=True)
        (output / "pipeline.yaml").write_text(cfg.dump())
        for plan in plans:
            _save_meta(plan, _check_settings(plan))
        submit = write_slurm_scripts(slurm_executors(plans, cfg.executor), str(output))
        print(f"wrote each stage's launch_script.slurm and {submit} (nothing submitted)", file=out)
    return []
