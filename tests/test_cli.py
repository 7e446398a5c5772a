import json
import os
import subprocess
import sys


def fonderie(*args, cwd=None):
    env = dict(os.environ, COLUMNS="200")  # rich wraps at the terminal width
    return subprocess.run([sys.executable, "-m", "fonderie", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_help_lists_every_command_with_a_description():
    out = fonderie("--help").stdout
    for command in ("run", "status", "inspect"):
        assert f"    {command} " in out
    run_help = fonderie("run", "--help").stdout
    for flag in ("--stage", "--executor", "--tasks", "--workers", "--set", "--dry-run"):
        assert flag in run_help


HEAVY = {"torch", "datatrove", "polars", "pyarrow", "pydantic", "numpy"}  # seconds of imports between them


def test_the_parser_and_every_help_import_nothing_heavy():
    """`fonderie --help` and `fonderie CMD --help` stay instant: a command imports what it needs when it runs."""
    code = f"""
import sys
import fonderie.cli
fonderie.cli.build_parser()
print(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r}))
from fonderie.commands import COMMANDS
for command in ["", *(name.replace("_", "-") for name in COMMANDS)]:
    try:
        fonderie.cli.main([command, "--help"] if command else ["--help"])
    except SystemExit:
        pass
print(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[]", f"building the parser imported {lines[0]}"
    assert lines[-1] == "[]", f"a `--help` imported {lines[-1]}"
    assert "strip-pages" in done.stdout and "--max-new-tokens" in done.stdout  # the helps were printed


def test_run_status_inspect(pipeline_file, tmp_path, corpus):
    out = tmp_path / "out"
    done = fonderie("run", str(pipeline_file(out)), "--tasks", "2", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "01_ingest: read" in done.stdout and "tasks 2/2" in done.stdout
    status = json.loads(fonderie("status", str(out), "--json").stdout)
    assert [s["name"] for s in status["stages"]] == ["ingest"]
    for s in status["stages"]:
        assert set(s) >= {"name", "read", "kept", "dropped", "bytes_in", "bytes_out", "seconds"}
        assert s["read"] == s["kept"] + sum(s["dropped"].values())
        assert s["read"] == corpus["expected"]["read"] and s["seconds"] > 0 and s["bytes_in"] > s["bytes_out"] > 0
    table = fonderie("status", str(out)).stdout
    assert "01_ingest" in table and "invalid_json" in table
    shown = fonderie("inspect", str(out / "01_ingest")).stdout
    assert "rows in 2 file(s)" in shown and "text length" in shown and "sample rows" in shown
    summary = json.loads(fonderie("inspect", str(out / "01_ingest" / "excluded"), "--json").stdout)
    assert summary["by_drop_reason"]["warc_not_response"] == 5


def test_errors_are_one_clear_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("output: x\ninputs: []\nstages: [{kind: ingest}]\n")
    res = fonderie("run", str(bad))
    assert res.returncode == 2 and f"{bad}" in res.stderr and "inputs" in res.stderr
    assert "Traceback" not in res.stderr
    res = fonderie("status", str(tmp_path / "missing"))
    assert res.returncode == 2 and "no such output directory" in res.stderr
    res = fonderie("inspect", str(tmp_path))
    assert res.returncode == 2 and "no .parquet files" in res.stderr


def test_dry_run_prints_the_plan_and_writes_nothing(pipeline_file, tmp_path):
    res = fonderie("run", str(pipeline_file(tmp_path / "o")), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "JsonlDocumentReader" in res.stdout and "HtmlExtractFilter" in res.stdout
    assert not (tmp_path / "o").exists()
