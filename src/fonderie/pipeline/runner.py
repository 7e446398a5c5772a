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
import shutil
import sys
import time
from pathlib import Path

from fonderie.config.pipeline import PipelineConfig
from fonderie.errors import ConfigError, RunStateError, StageFailed
from fonderie.pipeline.display import StageProgress
from fonderie.pipeline.executors import (
    local_executor,
    owned_processes,
    ray_executor,
    slurm_executors,
    write_slurm_scripts,
)
from fonderie.pipeline.output import check_output
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


UNSET = "(unset)"  # how a setting that one side lacks is shown


def _show(value) -> str:
    return value if isinstance(value, str) and value else json.dumps(value, ensure_ascii=False)


def _by_source(items: list):
    """A list of inputs keyed by source name (as `--set inputs.<source>.path` names them), or the list unchanged."""
    if all(isinstance(i, dict) and "source" in i for i in items):
        sources = [i["source"] for i in items]
        if len(set(sources)) == len(sources):
            return dict(zip(sources, items, strict=True))
    return items


def setting_changes(old, new, path: str = "") -> list[str]:
    """Each leaf setting that differs, as `path: old → new` (dicts are followed key by key; inputs by source)."""
    old, new = (_by_source(v) if isinstance(v, list) else v for v in (old, new))
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(old) + [k for k in new if k not in old]
        return [
            change
            for k in keys
            for change in setting_changes(old.get(k, UNSET), new.get(k, UNSET), f"{path}.{k}" if path else str(k))
        ]
    if old == new:
        return []
    return [f"{path}: {_show(old)} → {_show(new)}"]


def _changes(plan: StagePlan, old: dict) -> list[str]:
    """What differs from the recorded settings, named as in the pipeline file (`stages.<name>.<key>`)."""
    names = {"stage": f"stages.{plan.name}", "tasks": "tasks (per phase)"}
    return setting_changes(*({names.get(k, k): v for k, v in s.items()} for s in (old, plan.settings)))


def _start_over(plan: StagePlan) -> None:
    """Remove what a stage's failed attempt left (`.tmp` shards, excluded/, progress/, logs/, ...), so none of it
    mixes with a run under new settings. Only called when no task of any phase completed."""
    for entry in Path(plan.folder).iterdir():
        if entry.name == "stage.json":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _check_settings(plan: StagePlan, out) -> dict:
    """The stage.json of this folder, refusing to resume shards written with other settings.

    A folder in which no task completed holds no work to keep: new settings replace the old ones there, and the
    failed attempt's files are removed."""
    fresh = {"settings": plan.settings, "tasks": plan.tasks, "runs": []}
    path = Path(plan.folder, "stage.json")
    if not path.exists():
        return fresh
    meta = json.loads(path.read_text())
    if meta.get("settings") == plan.settings:
        return meta
    changes = "; ".join(_changes(plan, meta.get("settings") or {}))
    # completions of every phase, including tasks beyond the new task count
    done = len(list(Path(plan.folder).rglob("completions/*")))
    if done == 0:
        _start_over(plan)
        print(f"{plan.dirname}: no task had completed; starting over with new settings ({changes})", file=out)
        return fresh
    raise RunStateError(
        f"{plan.folder} was written with other settings ({changes}), and {done} task(s) completed; "
        f"their shards cannot be resumed or mixed with new ones. Delete that folder (and the stages after it), set "
        f"another `output`, or rerun with the settings it was written with."
    )


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
    # the local executor's processes are ours: they end with the phase, however it ends (Ray's belong to Ray)
    owned = owned_processes() if cfg.executor.kind == "local" else contextlib.nullcontext()
    start = time.time()
    progress.start()
    try:
        # processes end before fd 2 is restored: what they print as they die goes to the log, not the terminal
        with stderr_to(Path(phase.folder, "logs", "console.log")), owned:
            executor.run()
    except Exception as e:
        raise StageFailed(_failure_hint(phase, label)) from e
    finally:
        progress.stop()  # also on Ctrl-C and SIGTERM: the progress line ends before the command's last words
    if not phase.is_complete():
        raise StageFailed(_failure_hint(phase, label))
    write_merged_stats(phase.folder)
    return time.time() - start


def run_stage(plan: StagePlan, cfg: PipelineConfig, out=None) -> dict:
    """Run the unfinished phases of one stage on the local or Ray executor; returns its funnel."""
    out = out or sys.stdout  # looked up now, not at import: a caller may have replaced sys.stdout since
    meta = _check_settings(plan, out)
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


def run_pipeline(cfg: PipelineConfig, stage: str | None = None, dry_run: bool = False, out=None, *,
                 force: bool = False, pipeline_file: Path | None = None) -> list:  # fmt: skip
    """Run every stage in order (or only `stage`, whose predecessors must be complete); progress goes to `out`
    (default: standard output). OUTPUT must be new or a run's own (`force`: write beside other files; see
    pipeline/output.py); `pipeline_file`, the file `cfg` was read from, is never overwritten."""
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
    check_output(output, force, pipeline_file)
    if dry_run:
        return _dry_run(cfg, selected, output, out)
    output.mkdir(parents=True, exist_ok=True)
    (output / "pipeline.yaml").write_text(cfg.dump())
    if cfg.executor.kind == "slurm":
        for plan in selected:
            _save_meta(plan, _check_settings(plan, out))
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
            _save_meta(plan, _check_settings(plan, out))
        submit = write_slurm_scripts(slurm_executors(plans, cfg.executor), str(output))
        print(f"wrote each stage's launch_script.slurm and {submit} (nothing submitted)", file=out)
    return []
