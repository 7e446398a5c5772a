"""datatrove executors built from the `executor` section: local processes, a Slurm job array, or Ray tasks."""

from __future__ import annotations

import json
import math
import os
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
