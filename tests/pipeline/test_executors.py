import json
import os
import subprocess
import sys

import dill
import pytest
from helpers import rows, run

from fonderie.pipeline.stats import pipeline_status


def test_slurm_dry_run_writes_sbatch_scripts_and_submits_nothing(pipeline_file, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # any attempt to call sbatch would fail
    out = tmp_path / "slurm_out"
    path = pipeline_file(out, tasks=300)
    sets = ["executor.kind=slurm", "executor.workers=50", "executor.slurm.partition=prepost",
            "executor.slurm.sbatch_args.account=abc", "executor.slurm.venv_path=/opt/venv/bin/activate"]  # fmt: skip
    from fonderie.config.pipeline import load_pipeline
    from fonderie.pipeline.runner import run_pipeline

    run_pipeline(load_pipeline(path, sets), dry_run=True, out=open(tmp_path / "log.txt", "w"))
    stage = out / "01_ingest"
    script = (stage / "launch_script.slurm").read_text()
    assert "#SBATCH --array=0-299%50" in script and "#SBATCH --partition=prepost" in script
    assert "#SBATCH --account=abc" in script and "source /opt/venv/bin/activate" in script
    assert f"launch_pickled_pipeline {stage / 'executor.pik'}" in script
    assert json.loads((stage / "ranks_to_run.json").read_text()) == list(range(300))
    job = dill.loads((stage / "executor.pik").read_bytes())
    assert job.world_size == 300 and [type(s).__name__ for s in job.pipeline][-1] == "DocumentShardWriter"
    submit = (out / "submit_slurm.sh").read_text()
    assert "sbatch --parsable --export=ALL,RUN_OFFSET=0" in submit and str(stage / "launch_script.slurm") in submit
    assert not list(stage.glob("part-*")) and not (stage / "completions").exists()


def test_fr_web_example_dry_runs(tmp_path, monkeypatch):
    from pathlib import Path

    from conftest import write_warc

    from fonderie.config.pipeline import load_pipeline
    from fonderie.pipeline.runner import run_pipeline

    root = Path(__file__).resolve().parents[2]
    crawl = tmp_path / "cc" / "segments" / "1" / "warc"  # the cluster's crawl, as far as the dry run looks
    crawl.mkdir(parents=True)
    write_warc(crawl / "a.warc.gz", [])
    sets = [f"output={tmp_path / 'fr'}", f"inputs.*.path={tmp_path}/cc/segments/*/warc/*.warc.gz"]
    cfg = load_pipeline(root / "pipelines" / "fr_web.yaml", sets)
    run_pipeline(cfg, dry_run=True, out=open(tmp_path / "log.txt", "w"))
    script = (tmp_path / "fr" / "01_ingest" / "launch_script.slurm").read_text()
    # 16,000 tasks in arrays of the cluster's max_array_size (1,001), 400 running at once
    assert "#SBATCH --array=0-1000%400" in script and "#SBATCH --account=my_project" in script


@pytest.mark.slow
def test_ray_executor_on_a_local_ray_instance(pipeline_file, tmp_path, corpus):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        (f,) = run(pipeline_file(tmp_path / "ray_out", tasks=3), "executor.kind=ray", "executor.workers=2")
    finally:
        ray.shutdown()
    run(pipeline_file(tmp_path / "local_out", tasks=1))
    assert rows(tmp_path / "ray_out" / "01_ingest").equals(rows(tmp_path / "local_out" / "01_ingest"))
    assert f["read"] == corpus["expected"]["read"] and f["kept"] == corpus["expected"]["kept"]
    assert pipeline_status(tmp_path / "ray_out")["stages"][0]["tasks_completed"] == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and adopts orphans with prctl")
def test_owned_processes_end_orphans_and_spare_what_was_there(tmp_path):
    from fonderie.pipeline.executors import descendants, owned_processes

    before = subprocess.Popen(["sleep", "60"])  # started outside the block: not the block's to end
    pid_file = tmp_path / "orphan.pid"
    try:
        with owned_processes():
            # a child that starts a grandchild and exits at once, as a killed worker leaves its extractor sandbox
            subprocess.run(["sh", "-c", f"sleep 60 & echo $! > {pid_file}"], check=True)
            orphan = int(pid_file.read_text())
            assert orphan in descendants(os.getpid())  # adopted by us, not by PID 1
        assert orphan not in descendants(os.getpid()) and not os.path.exists(f"/proc/{orphan}")
        assert before.poll() is None
    finally:
        before.kill()
        before.wait()
