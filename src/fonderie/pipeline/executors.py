"""datatrove executors built from the `executor` section: local processes, a Slurm job array, or Ray tasks.

The local executor's processes belong to the run: `owned_processes` ends every process a phase started (the pool's
workers, the HTML extractor's sandboxes they fork, ...) when the phase ends, whether it succeeded, failed or was
interrupted, so none outlives the command holding its output pipe or racing a rerun for the same shards.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import signal
import sys
import time
from copy import deepcopy

from fonderie.config.pipeline import ExecutorConfig
from fonderie.pipeline.stages import StagePlan
from fonderie.pipeline.stages.base import Phase


def local_executor(phase: Phase, cfg: ExecutorConfig):
    from datatrove.executor import LocalPipelineExecutor

    workers = phase.tasks if cfg.workers == -1 else min(cfg.workers, phase.tasks)
    # spawn: each worker starts clean and inherits this process's stderr as it is now (logs go to the stage folder)
    return LocalPipelineExecutor(
        phase.pipeline, tasks=phase.tasks, workers=workers, logging_dir=phase.folder, start_method="spawn"
    )


# prctl(2) options: a "subreaper" adopts its orphaned descendants instead of PID 1, so a sandbox whose worker was
# killed stays in our tree, where it can be found and ended
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37
TERM_GRACE_SECONDS = 3.0  # SIGTERM, then SIGKILL for whatever still runs (the resource tracker ignores SIGTERM)
KILL_WAIT_SECONDS = 2.0  # after SIGKILL: only a process stuck in the kernel (D state) takes longer; we stop waiting
POLL_SECONDS = 0.05


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) of every process in /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # it exited while we read the table
            continue
        # `pid (command) state ppid ...`: the command may hold spaces and parentheses, so cut at the last `)`
        state, ppid = stat[stat.rindex(b")") + 2 :].split()[:2]
        table[int(entry.name)] = (int(ppid), state.decode())
    return table


def descendants(root: int, spare: set[int] = frozenset(), table: dict | None = None) -> dict[int, str]:
    """pid -> state of every process below `root`, not looking below the `spare` ones (nor including them)."""
    table = _process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        if pid not in spare and pid not in found:
            found[pid] = table[pid][1]
            todo.extend(children.get(pid, []))
    return found


def _subreaper(on: bool | None = None) -> bool:
    """Whether this process adopts its orphaned descendants; `on` sets it first. False off Linux."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if on is not None:
        libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
    flag = ctypes.c_int(0)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
    return bool(flag.value)


def _trackers() -> set[int]:
    """This process's multiprocessing resource trackers: they serve every later phase and exit with us."""
    pids = set()
    for name in ("multiprocess.resource_tracker", "multiprocessing.resource_tracker"):
        if module := sys.modules.get(name):
            pids.add(getattr(module._resource_tracker, "_pid", None))
    return pids - {None}


def end_descendants(spare: set[int]) -> list[int]:
    """SIGTERM every descendant but `spare` (and theirs), SIGKILL those left after a grace; returns those signalled."""
    me, sig = os.getpid(), signal.SIGTERM
    deadline = time.monotonic() + TERM_GRACE_SECONDS
    signalled: dict[int, int] = {}  # pid -> the last signal sent
    while alive := [p for p, state in descendants(me, spare).items() if state != "Z"]:
        if time.monotonic() > deadline:
            if sig == signal.SIGKILL:
                break
            sig, deadline = signal.SIGKILL, time.monotonic() + KILL_WAIT_SECONDS
        for pid in alive:
            if signalled.get(pid) != sig:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                signalled[pid] = sig
        time.sleep(POLL_SECONDS)
    _reap(me, spare)
    return sorted(signalled)


def _reap(me: int, spare: set[int]) -> None:
    """Collect the exit status of our dead children: multiprocessing's through its own bookkeeping (so its Process
    objects stay consistent), the adopted orphans directly."""
    for name in ("multiprocess", "multiprocessing"):
        if module := sys.modules.get(name):
            module.active_children()
    for pid, (ppid, state) in _process_table().items():
        if ppid == me and state == "Z" and pid not in spare:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


@contextlib.contextmanager
def owned_processes():
    """Every process started inside this block ends with it (success, failure, SIGINT or SIGTERM).

    Processes that already existed are spared, and so are this process's resource trackers. Linux only (it reads
    /proc and adopts orphans with prctl); elsewhere it does nothing.
    """
    if not os.path.isdir("/proc"):
        yield
        return
    spare = set(descendants(os.getpid()))
    was_subreaper = _subreaper()
    _subreaper(True)
    try:
        yield
    finally:
        # a second Ctrl-C or SIGTERM must not cut the cleanup short: it is delivered when the block is left
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            end_descendants(spare | _trackers())
            _subreaper(was_subreaper)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def ray_executor(phase: Phase, cfg: ExecutorConfig):
    import ray
    from datatrove.executor.ray import RayPipelineExecutor

    if not ray.is_initialized():
        ray.init(address=cfg.ray.address, include_dashboard=False, log_to_driver=True)
    return RayPipelineExecutor(
        phase.pipeline,
        tasks=phase.tasks,
        workers=cfg.workers,
        logging_dir=phase.folder,
        cpus_per_task=cfg.ray.cpus_per_task,
        mem_per_cpu_gb=cfg.ray.mem_per_cpu_gb,
    )


def slurm_executors(plans: list[StagePlan], cfg: ExecutorConfig) -> list:
    """One job array per phase of each stage, each depending on the previous one (`afterok`)."""
    from datatrove.executor.slurm import SlurmPipelineExecutor

    s = cfg.slurm
    executors = []
    phases = [
        (f"{plan.name}_{phase.name}" if phase.name else plan.name, phase) for plan in plans for phase in plan.phases
    ]
    for name, phase in phases:
        executors.append(
            SlurmPipelineExecutor(
                phase.pipeline,
                tasks=phase.tasks,
                time=s.time,
                partition=s.partition,
                cpus_per_task=s.cpus_per_task,
                mem_per_cpu_gb=s.mem_per_cpu_gb,
                workers=cfg.workers,
                job_name=f"{s.job_name}_{name}",
                qos=s.qos,
                env_command=s.env_command,
                venv_path=s.venv_path,
                sbatch_args=dict(s.sbatch_args),
                max_array_size=s.max_array_size,
                depends=executors[-1] if executors else None,
                logging_dir=phase.folder,
                slurm_logs_folder=os.path.join(phase.folder, "slurm_logs"),
            )
        )
    return executors


def write_slurm_scripts(executors: list, output: str) -> str:
    """Dry run: write each stage's sbatch script and pickled pipeline, and `submit_slurm.sh` chaining them.

    This is what `SlurmPipelineExecutor.launch_job` writes before calling `sbatch`; nothing is submitted.
    Returns the path of the submit script.
    """
    import dill
    from dill import CONTENTS_FMODE

    lines = [
        "#!/bin/bash",
        "# Submits every stage's job array, each after the previous one succeeded.",
        "set -euo pipefail",
    ]
    previous = ""
    for ex in executors:
        ranks = ex.get_incomplete_ranks()
        if not ranks:
            lines.append(f"# {ex.job_name}: all {ex.tasks} tasks already complete")
            continue
        job = deepcopy(ex)
        job.depends = None  # the dependency is expressed in submit_slurm.sh, not pickled with the job
        with ex.logging_dir.open("executor.pik", "wb") as f:
            dill.dump(job, f, fmode=CONTENTS_FMODE)
        with ex.logging_dir.open("ranks_to_run.json", "w") as f:
            json.dump(ranks, f)
        arrays = math.ceil(len(ranks) / ex.max_array_size)
        command = f"srun -l -n 1 launch_pickled_pipeline {ex.logging_dir.resolve_paths('executor.pik')}"
        script = ex.get_launch_file_contents(ex.get_sbatch_args(min(len(ranks), ex.max_array_size)), command)
        with ex.logging_dir.open("launch_script.slurm", "w") as f:
            f.write(script)
        path = ex.logging_dir.resolve_paths("launch_script.slurm")
        var = ex.job_name.replace("-", "_").upper()
        for offset in range(arrays):
            dep = f" --dependency=afterok:${previous}" if previous else ""
            lines.append(f'{var}=$(sbatch --parsable --export=ALL,RUN_OFFSET={offset}{dep} "{path}")')
        lines.append(f'echo "{ex.job_name}: job ${var}"')
        previous = "{" + var + "}"
    submit = os.path.join(output, "submit_slurm.sh")
    with open(submit, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(submit, 0o755)
    return submit
