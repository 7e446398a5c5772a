"""Whose folder is OUTPUT: a run writes only its own names there, and refuses a folder that holds anything else.

A pipeline's `output` may be typed wrong (`output: .`, `output: ~`, a folder of books): a run then writes its stage
folders among the user's files and rewrites `pipeline.yaml` over whatever had that name. So before anything is
written (a run, or a Slurm dry run, which writes scripts), the folder must be new, empty, or hold only what runs
write: OWN_FILES and stage folders `NN_<stage>`. Anything else is refused, naming a few of those entries, unless
`--force`, which writes beside them (a run never deletes a file of the user's). The pipeline file being run is
never overwritten, not even with `--force`.
"""

from __future__ import annotations

from pathlib import Path

from fonderie.errors import RunStateError
from fonderie.folders import listing
from fonderie.pipeline.stats import STAGE_DIR  # OUTPUT/NN_<stage>, as PipelineConfig.stage_dirs names them

OWN_FILES = {"pipeline.yaml", "submit_slurm.sh"}  # the resolved config; the Slurm dry run's chain of sbatch calls


def check_output(output: Path, force: bool = False, pipeline_file: Path | None = None) -> None:
    """RunStateError when `output` holds entries no run wrote (unless `force`), or when the run would write its
    resolved config over `pipeline_file`."""
    resolved = output / "pipeline.yaml"
    if pipeline_file is not None and resolved.exists() and resolved.resolve() == Path(pipeline_file).resolve():
        raise RunStateError(f"{pipeline_file} is the file a run writes its resolved config to ({resolved}): move the "
                            "pipeline file, or set another `output`")  # fmt: skip
    if force or not output.is_dir():
        return
    foreign = sorted(p.name for p in output.iterdir() if p.name not in OWN_FILES and not _stage_dir(p))
    if foreign:
        raise RunStateError(f"{output} holds files a run did not write ({listing(foreign)}): set "
                            "another `output`, or --force to write the stage folders beside them")  # fmt: skip


def _stage_dir(path: Path) -> bool:
    return path.is_dir() and STAGE_DIR.match(path.name) is not None
