"""Mistakes a user can make, met as the user meets them: through `fonderie`, one line on stderr, exit 2 for what
they wrote (a pipeline file, a `--set`, a path), 1 for a run that failed, and never a traceback."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fonderie.cli import main

SRC = Path(__file__).resolve().parents[1] / "src" / "fonderie"

# token folders are not needed to refuse a bad model: the stage checks its settings while the plan is built
PRETRAIN = """output: {out}
inputs: [{{source: notes, format: text, path: {inputs}}}]
stages:
  - kind: ingest
  - kind: pretrain
    tokens: {inputs}
{settings}
"""


def fails(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.strip()


def pretrain_pipeline(tmp_path: Path, settings: str) -> Path:
    (tmp_path / "notes").mkdir(exist_ok=True)
    (tmp_path / "notes" / "a.txt").write_text("Une note.\n")
    path = tmp_path / "p.yaml"
    path.write_text(PRETRAIN.format(out=tmp_path / "out", inputs=tmp_path / "notes", settings=settings))
    return path


@pytest.mark.parametrize(
    "settings,expected",
    [
        ("    set: {n_head: 5}", "stages.pretrain: n_embd=64 is not a multiple of n_head=5"),
        ("    preset: huge", "stages.pretrain: preset='huge': no such model preset; known: tiny,"),
        ("    set: {max_stepz: 3}", "stages.pretrain: max_stepz: no such training or model setting; did you mean "
         "max_steps?"),
        ("    set: {warmup_steps: many}", "stages.pretrain: warmup_steps='many': expected int"),
    ],
)  # fmt: skip
def test_a_bad_model_in_a_pipeline_file_is_one_line(tmp_path, capsys, settings, expected):
    code, err = fails(["run", str(pretrain_pipeline(tmp_path, settings)), "--dry-run"], capsys)
    assert code == 2 and err.startswith(f"fonderie: {expected}")
    assert len(err.splitlines()) == 1


def test_a_bad_preset_override_is_one_line(tmp_path, capsys):
    path = pretrain_pipeline(tmp_path, "    preset: tiny")
    code, err = fails(["run", str(path), "--dry-run", "--set", "stages.pretrain.set.n_kv_head=3"], capsys)
    assert (code, err) == (2, "fonderie: stages.pretrain: n_head=4 is not a multiple of n_kv_head=3")


@pytest.mark.parametrize(
    "sets,expected",
    [
        (["n_head=5"], "--set n_embd=64 is not a multiple of n_head=5"),
        (["max_stepz=3"], "--set max_stepz: no such training or model setting; did you mean max_steps?"),
        (["max_steps=1.5"], "--set max_steps=1.5: expected int"),
        (["learning_rate=fast"], "--set learning_rate='fast': expected float"),
        (["batch_size=0"], "--set batch_size=0 must be at least 1"),
        (["max_steps"], "--set 'max_steps': expected KEY.PATH=VALUE, e.g. --set executor.tasks=8"),
        (["model.n_layer=2"], "--set 'model.n_layer=2': a training setting has no dots (max_steps=2000, n_layer=6)"),
    ],
)
def test_a_bad_train_set_is_one_line_before_any_work(tmp_path, capsys, sets, expected):
    argv = ["train", "--data", str(tmp_path / "no_tokens"), "--out", str(tmp_path / "run")]
    code, err = fails(argv + [f"--set={s}" for s in sets], capsys)
    assert (code, err) == (2, f"fonderie: {expected}")
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_a_bad_run_set_is_one_line(tmp_path, capsys):
    path = pretrain_pipeline(tmp_path, "")
    code, err = fails(["run", str(path), "--set", "executor.tasks=many"], capsys)
    assert code == 2 and err.startswith(f"fonderie: {path}: executor.tasks: Input should be a valid integer")
    assert err.endswith("(got 'many')") and len(err.splitlines()) == 1
    code, err = fails(["run", str(path), "--set", "executor.tasks=many", "--set", "executor.workers=0"], capsys)
    header, *errors = err.splitlines()
    assert header == f"fonderie: {path}: invalid pipeline config (2 errors)"
    assert [e.split(":")[0] for e in errors] == ["  executor.tasks", "  executor.workers"]
    assert fails(["run", str(path), "--set", "executor"], capsys) == (
        2, "fonderie: --set 'executor': expected KEY.PATH=VALUE, e.g. --set executor.tasks=8")  # fmt: skip


def test_unreadable_inputs_are_named(tmp_path, capsys):
    missing = tmp_path / "nope"
    assert fails(["run", str(missing / "p.yaml")], capsys) == (
        2, f"fonderie: {missing / 'p.yaml'}: cannot read pipeline file (No such file or directory)")  # fmt: skip
    assert fails(["inspect", str(missing)], capsys) == (2, f"fonderie: {missing}: no such file or folder")
    assert fails(["status", str(missing)], capsys) == (2, f"fonderie: {missing}: no such output directory")
    code, err = fails(["train", "--data", str(missing), "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and err.startswith(f"fonderie: {missing}: no manifest.json here")
    code, err = fails(["generate", str(missing), "--prompt", "Le"], capsys)
    assert (code, err) == (2, f"fonderie: {missing / 'checkpoint'}: no model.safetensors; has the run written a "
                              "checkpoint yet?")  # fmt: skip


def test_a_failed_stage_prints_the_tasks_own_error(tmp_path):
    """A Parquet input without its text column: the task fails; the console names the task, its error and its log
    (a process of its own, as a user runs it: the tasks' own stderr goes to their logs, not the terminal)."""
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "a.parquet")
    path = tmp_path / "p.yaml"
    inputs = f"[{{source: t, format: parquet, path: {tmp_path / 'a.parquet'}}}]"
    path.write_text(f"output: {tmp_path / 'out'}\ninputs: {inputs}\nstages: [{{kind: ingest}}]\n")
    done = subprocess.run([sys.executable, "-m", "fonderie", "run", str(path)], capture_output=True, text=True)
    log = tmp_path / "out" / "01_ingest" / "logs" / "task_00000.log"
    error = f"ValueError: {tmp_path / 'a.parquet'}: no column 'text' to read text from (columns: ['body']); set "
    expected = f"fonderie: stage 01_ingest failed in task 00000: {error}`text_key` on this input (log: {log})"
    assert (done.returncode, done.stderr.strip()) == (1, expected)


def test_checks_survive_python_O():
    """`python -O` strips asserts: the checks a user can trigger are not asserts, so they still hold."""
    code = "from fonderie.training.model import ModelConfig\nModelConfig(n_head=5, n_kv_head=5, n_embd=64)"
    done = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True)
    assert done.returncode == 1 and "ConfigError: n_embd=64 is not a multiple of n_head=5" in done.stderr


def test_no_assert_guards_what_a_user_can_break():
    """Every check raises the project's errors: none is an assert (python -O would remove it)."""
    found = [path.relative_to(SRC).as_posix() for path in SRC.rglob("*.py")
             if any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(path.read_text())))]  # fmt: skip
    assert found == []
