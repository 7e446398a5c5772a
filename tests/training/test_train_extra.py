"""The `train` extra is all that `fonderie train`, `generate` and `export` need: they run here in child processes
that can import only its dependency closure (no datatrove, polars, pydantic, pandas...), as on a machine set up
with `pip install --no-deps .` and the extra's packages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from tokens.token_texts import documents, temporary_folder, write_token_folder  # noqa: E402
from training.train_extra import PIPELINE_ONLY, env_with_only_the_train_extra  # noqa: E402


@pytest.mark.slow  # five child processes that each import torch
def test_train_generate_export_need_only_the_train_extra(tmp_path):
    tokens = write_token_folder(temporary_folder(), documents(60), val_fraction=0.1, row_group_tokens=300)
    env = env_with_only_the_train_extra(tmp_path / "site")

    def python(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, cwd=tmp_path)

    blocked = python("-c", f"import importlib\nfor m in {sorted(PIPELINE_ONLY)!r}:\n"
                     "    try:\n        importlib.import_module(m)\n    except ModuleNotFoundError:\n"
                     "        print(m)")  # fmt: skip
    assert blocked.stdout.split() == sorted(PIPELINE_ONLY), blocked.stderr  # the finder is in place

    done = python("-m", "fonderie", "train", "--help")
    assert done.returncode == 0 and "--resume" in done.stdout, done.stderr
    run = tmp_path / "run"
    sets = ["preset=tiny", "max_steps=2", "block_size=32", "batch_size=2", "eval_every=2", "eval_batches=1",
            "log_every=1", "threads=1"]  # fmt: skip
    done = python("-m", "fonderie", "train", "--data", str(tokens), "--out", str(run), *[f"--set={s}" for s in sets])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["step"] == 2
    assert (run / "checkpoint" / "model.safetensors").is_file() and (run / "loss.png").is_file()

    done = python("-m", "fonderie", "generate", str(run), "--prompt", "Le", "--max-new-tokens", "4")
    assert done.returncode == 0 and done.stdout.startswith("Le"), done.stderr
    done = python("-m", "fonderie", "export", str(run), str(tmp_path / "hf"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hf" / "config.json").is_file() and (tmp_path / "hf" / "model.safetensors").is_file()
