import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from helpers import excluded, rows, run

from fonderie.config.pipeline import load_pipeline
from fonderie.errors import ConfigError, RunStateError, StageFailed
from fonderie.pipeline.runner import run_pipeline, setting_changes
from fonderie.pipeline.stats import pipeline_status


def test_ingest_funnel_is_exact(corpus, pipeline_file, tmp_path):
    (f,) = run(pipeline_file())
    expected = corpus["expected"]
    assert (f["read"], f["kept"]) == (expected["read"], expected["kept"])
    assert f["dropped"] == dict(sorted(expected["dropped"].items(), key=lambda kv: (-kv[1], kv[0])))
    assert f["read"] == f["kept"] + sum(f["dropped"].values())
    out = tmp_path / "out" / "01_ingest"
    kept, dropped = rows(out), excluded(out)
    assert kept.height == f["kept"] and dropped.height == sum(f["dropped"].values())
    assert dropped["drop_reason"].value_counts().height == len(expected["dropped"])
    assert f["bytes_out"] == sum(len(t.encode()) for t in kept["text"])
    assert (out / "stats.json").exists() and (out / "logs" / "task_00000.log").exists()
    assert (tmp_path / "out" / "pipeline.yaml").exists() and (out / "stage.json").exists()
    assert not list(out.rglob("*.tmp"))
    web = kept.filter(kept["source"] == "web")
    assert web["license"].to_list() == ["CC-BY-4.0"] * 2 and web["url"].null_count() == 0
    news = kept.filter(kept["id"] == "news/news.jsonl#8").row(0, named=True)
    assert json.loads(news["extra"]) == {"author": "A. Writer", "record_id": "n-42"} and news["language"] == "fr"


def test_rerun_of_finished_pipeline_does_nothing(pipeline_file, tmp_path):
    path = pipeline_file()
    run(path)
    shard = next((tmp_path / "out" / "01_ingest").glob("part-*.parquet"))
    before = shard.stat().st_mtime_ns
    (again,) = run(path)
    assert shard.stat().st_mtime_ns == before
    meta = json.loads((tmp_path / "out" / "01_ingest" / "stage.json").read_text())
    assert len(meta["runs"]) == 1 and again["read"] == again["kept"] + sum(again["dropped"].values())


def test_same_rows_with_one_task_or_four(pipeline_file, tmp_path):
    run(pipeline_file(tmp_path / "one", tasks=1, workers=1))
    run(pipeline_file(tmp_path / "four", tasks=4, workers=2))
    one, four = tmp_path / "one" / "01_ingest", tmp_path / "four" / "01_ingest"
    assert len(list(four.glob("part-*.parquet"))) > 1
    assert rows(one).equals(rows(four)) and excluded(one).equals(excluded(four))
    s1, s4 = pipeline_status(tmp_path / "one")["stages"][0], pipeline_status(tmp_path / "four")["stages"][0]
    assert {k: s1[k] for k in ("read", "kept", "dropped")} == {k: s4[k] for k in ("read", "kept", "dropped")}


def test_other_settings_are_refused_instead_of_mixed(pipeline_file):
    path = pipeline_file()
    run(path)
    with pytest.raises(RunStateError, match=r"other settings \(tasks \(per phase\): \[1\] → \[3\]\), and 1 task"):
        run(path, "executor.tasks=3")
    with pytest.raises(RunStateError, match=r"\(stages\.ingest\.extractor: trafilatura → resiliparse\)"):
        run(path, "stages.ingest.extractor=resiliparse")
    run(path, "executor.workers=4")  # how many run at once does not change the output


def test_refusal_names_each_changed_setting(pipeline_file, corpus):
    path = pipeline_file()
    run(path)
    books = corpus["root"] / "books"
    with pytest.raises(RunStateError) as refused:
        run(path, "stages.ingest.extraction_timeout=30", f"inputs.books.path={books}/tome1.txt")
    assert (
        f"(stages.ingest.extraction_timeout: 60.0 → 30.0; inputs.books.path: {books}/*.txt → {books}/tome1.txt)"
        in str(refused.value)
    )


def test_setting_changes_are_leaves_with_their_path():
    old = {"stage": {"kind": "tokenizer", "vocab_size": 8192, "sample": {"docs": 10}}, "inputs": [{"source": "a"}]}
    new = {"stage": {"kind": "tokenizer", "vocab_size": 4096, "sample": {"docs": 20}, "seed": 1}, "inputs": []}
    assert setting_changes(old, new) == [
        "stage.vocab_size: 8192 → 4096",
        "stage.sample.docs: 10 → 20",
        "stage.seed: (unset) → 1",
        'inputs.a: {"source": "a"} → (unset)',
    ]


def test_stage_without_a_completed_task_starts_over_with_new_settings(pipeline_file, corpus, tmp_path):
    """A failed first attempt leaves `.tmp` shards, logs, progress; a rerun with other settings replaces them."""
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(corpus["root"] / "web" / "crawl.warc.gz", broken / "crawl.warc.gz")
    with open(broken / "crawl.warc.gz", "ab") as fh:  # good records, then bytes that are no gzip member
        fh.write(b"\x1f\x8b\x08\x04" + bytes(4096))
    path = pipeline_file(tasks=2)
    with pytest.raises(StageFailed):
        run(path, f"inputs.web.path={broken}/*.warc.gz", "executor.tasks=1")
    stage = tmp_path / "out" / "01_ingest"
    assert list(stage.glob("*.tmp")) and not list(stage.glob("completions/*"))
    (stage / "part-00007.parquet").write_bytes(b"a shard a killed task renamed but never marked complete")
    out = io.StringIO()
    (f,) = run_pipeline(load_pipeline(path), out=out)
    assert f"01_ingest: no task had completed; starting over with new settings (tasks (per phase): [1] → [2]; " \
        f"inputs.web.path: {broken}/*.warc.gz → {corpus['root']}/web/*.warc.gz)" in out.getvalue()  # fmt: skip
    assert (f["read"], f["kept"]) == (corpus["expected"]["read"], corpus["expected"]["kept"])
    run(pipeline_file(tmp_path / "straight", tasks=2))
    assert rows(stage).equals(rows(tmp_path / "straight" / "01_ingest"))
    assert sorted(p.name for p in stage.glob("part-*")) == ["part-00000.parquet", "part-00001.parquet"]
    assert not list(stage.rglob("*.tmp"))
    meta = json.loads((stage / "stage.json").read_text())
    assert meta["settings"]["tasks"] == [2] and len(meta["runs"]) == 1


def test_unknown_stage_is_named(pipeline_file):
    with pytest.raises(ConfigError, match="no such stage"):
        run(pipeline_file(), stage="dedup")
    (f,) = run(pipeline_file(), stage="01_ingest")
    assert f["kept"] > 0


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_output(tmp_path):
    """SIGKILL a run after its first task finished; the rerun finishes the rest and matches an uninterrupted run."""
    data = tmp_path / "data"
    data.mkdir()
    for f in range(4):
        with open(data / f"part{f}.jsonl", "w") as fh:
            for i in range(20000):
                fh.write(json.dumps({"text": f"document {f}-{i} " + "mot " * (i % 50), "title": str(i)}) + "\n")
    yaml = f"""
output: OUT
executor: {{kind: local, tasks: 4, workers: 1}}
inputs: [{{source: d, format: jsonl, path: "{data}/*.jsonl"}}]
stages: [{{kind: ingest}}]
"""
    (tmp_path / "a.yaml").write_text(yaml.replace("OUT", str(tmp_path / "killed")))
    (tmp_path / "b.yaml").write_text(yaml.replace("OUT", str(tmp_path / "straight")))
    stage = tmp_path / "killed" / "01_ingest"
    cmd = [sys.executable, "-m", "fonderie", "run", str(tmp_path / "a.yaml")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not list(stage.glob("completions/*")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(stage.glob("completions/*")))
    assert 1 <= done < 4, f"the kill should land mid-run ({done}/4 tasks done)"
    assert not (stage / "stats.json").exists()
    run(tmp_path / "a.yaml")
    run(tmp_path / "b.yaml")
    assert rows(stage).equals(rows(tmp_path / "straight" / "01_ingest"))
    (resumed,) = pipeline_status(tmp_path / "killed")["stages"]
    assert resumed["read"] == resumed["kept"] == 80000
    meta = json.loads((stage / "stage.json").read_text())
    assert meta["runs"][-1]["tasks_run"] == 4 - done
    assert not list(stage.rglob("*.tmp"))
