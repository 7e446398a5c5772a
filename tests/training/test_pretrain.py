"""The trainer end to end on CPU: metrics, checkpoints, bits per byte, exact resume, DDP over gloo."""

from __future__ import annotations

import json
import math
import os
import socket

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from tokens.token_texts import documents, temporary_folder, write_token_folder  # noqa: E402
from training.runs import train  # noqa: E402

from fonderie.cli import main  # noqa: E402
from fonderie.errors import ConfigError, RunStateError  # noqa: E402
from fonderie.training.data import token_bytes  # noqa: E402
from fonderie.training.pretrain import lr_at  # noqa: E402
from fonderie.training.settings import RunSettings, TrainConfig  # noqa: E402

# a few steps of the tiny model on 32-token sequences: enough to see the loss move, seconds on CPU
SETS = ["preset=tiny", "block_size=32", "batch_size=4", "max_steps=8", "warmup_steps=2", "eval_every=4",
        "log_every=1", "eval_batches=0", "learning_rate=3e-3"]  # fmt: skip


# tiny matrices: one torch thread (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tokens():
    return write_token_folder(temporary_folder(), documents(240), tasks=2, val_fraction=0.1, row_group_tokens=300)


def metrics(run) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_a_run_writes_metrics_checkpoint_and_config(tokens, tmp_path):
    assert main(["train", "--data", str(tokens), "--out", str(tmp_path), *[f"--set={s}" for s in SETS]]) == 0
    rows = metrics(tmp_path)
    assert [r["step"] for r in rows] == list(range(1, 9))
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    assert {"val_loss", "val_bpb"} <= set(rows[3]) and "val_loss" not in rows[2]
    assert all(r["tokens_per_second"] > 0 and 0 < r["mfu"] < 1 for r in rows)
    elapsed = [r["elapsed_s"] for r in rows]  # wall time of the run so far, evaluations included
    assert elapsed == sorted(elapsed) and elapsed[0] > 0
    names = {p.name for p in (tmp_path / "checkpoint").iterdir()}
    assert {"model.safetensors", "optimizer.pt", "state.json", "config.json", "rng-0.pt"} <= names
    assert not (tmp_path / "checkpoint.tmp").exists()
    state = json.loads((tmp_path / "checkpoint" / "state.json").read_text())
    assert state["step"] == 8 and len(state["data"]) == 1
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model"]["vocab_size"] == 1000 and config["model"]["block_size"] == 32


def test_val_bpb_is_nats_over_bytes(tokens, tmp_path):
    summary = train(tokens, tmp_path, SETS)
    # the whole val split is one stream: every token but the first is a target once
    from tokenizers import Tokenizer

    ids = []
    for shard in sorted((tokens / "val").glob("*.parquet")):
        ids += pc.list_flatten(pq.read_table(shard, columns=["input_ids"]).column("input_ids")).to_pylist()
    # the bytes of the decoded text, not token_bytes (which evaluate uses): EOS decodes to nothing, as it counts 0
    tokenizer = Tokenizer.from_file(str(tokens / "tokenizer" / "tokenizer.json"))
    text_bytes = len(tokenizer.decode(ids, skip_special_tokens=True).encode("utf-8"))
    assert int(token_bytes(tokens)[torch.tensor(ids)].sum()) == text_bytes
    n_bytes = text_bytes - len(tokenizer.decode(ids[:1]).encode("utf-8"))  # rows order aside, a sum
    nats = summary["val_loss"] * (len(ids) - 1)
    # the stream starts at a shuffled row group, whose first token is no target: a few bytes out of thousands
    assert summary["val_bpb"] == pytest.approx(nats / n_bytes / math.log(2), rel=5e-3)


def test_schedule_warms_up_then_decays():
    c = TrainConfig(learning_rate=1.0, warmup_steps=10, max_steps=110, min_lr_ratio=0.1)
    assert lr_at(0, c) == pytest.approx(0.1) and lr_at(9, c) == pytest.approx(1.0)
    assert lr_at(60, c) == pytest.approx(0.55) and lr_at(110, c) == pytest.approx(0.1)


def test_resume_continues_the_same_loss_curve(tokens, tmp_path):
    straight = tmp_path / "straight"
    train(tokens, straight, SETS)
    halves = tmp_path / "halves"
    train(tokens, halves, [*SETS, "run_steps=4"])
    assert json.loads((halves / "checkpoint" / "state.json").read_text())["step"] == 4
    with pytest.raises(RunStateError, match="checkpointed at step 4: --resume continues it"):
        train(tokens, halves, SETS)  # the same command again, without --resume: refused, nothing overwritten
    with pytest.raises(RunStateError, match="no checkpoint to resume"):
        train(tokens, tmp_path / "never_ran", SETS, resume=True)
    at_checkpoint = json.loads((halves / "checkpoint" / "state.json").read_text()).get("elapsed_s", 0)
    train(tokens, halves, ["run_steps=0"], resume=True)
    a, b = metrics(straight), metrics(halves)
    assert [r["step"] for r in a] == [r["step"] for r in b]
    for x, y in zip(a, b, strict=True):
        assert x["train_loss"] == pytest.approx(y["train_loss"], abs=1e-5)
        assert x.get("val_loss", 0) == pytest.approx(y.get("val_loss", 0), abs=1e-5)
    # the wall time goes on from the checkpoint's (it restarted from 0 on resume)
    elapsed = [r["elapsed_s"] for r in b]
    assert elapsed == sorted(elapsed) and elapsed[4] > at_checkpoint >= elapsed[3] > 0


def test_resume_with_another_schedule_is_refused_unless_allowed(tokens, tmp_path):
    train(tokens, tmp_path, [*SETS, "run_steps=2"])
    with pytest.raises(RunStateError, match=r"another schedule than the run's \(max_steps: 8 → 16, learning_rate: "
                                            r"0.003 → 0.001\)"):  # fmt: skip
        train(tokens, tmp_path, ["max_steps=16", "learning_rate=1e-3", "run_steps=1"], resume=True)
    assert json.loads((tmp_path / "checkpoint" / "state.json").read_text())["step"] == 2  # nothing ran
    train(tokens, tmp_path, ["max_steps=16", "run_steps=1"], resume=True, allow_schedule_change=True)
    assert metrics(tmp_path)[-1]["step"] == 3
    assert json.loads((tmp_path / "config.json").read_text())["train"]["max_steps"] == 16
    assert main(["train", "--data", str(tokens), "--out", str(tmp_path), "--resume", "--set=warmup_steps=1"]) == 2


def test_warmup_must_end_before_the_last_step():
    with pytest.raises(ConfigError, match="warmup_steps=8 must be less than max_steps=8"):
        RunSettings.from_overrides(["max_steps=8", "warmup_steps=8"])
    with pytest.raises(ConfigError, match="warmup_steps=100 must be less than max_steps=50"):
        TrainConfig(max_steps=50)
    # the default warmup (100) was not chosen: a short run gets a tenth of its steps, and a note says so
    short = RunSettings.from_overrides(["max_steps=50"])
    assert short.train_config().warmup_steps == 5 and "warming up over 5 step(s)" in short.warmup_clamped()
    assert RunSettings.from_overrides(["max_steps=500"]).warmup_clamped() is None


def test_without_a_terminal_each_logged_step_is_one_whole_line(tokens, tmp_path, capsys):
    train(tokens, tmp_path, [*SETS, "log_every=2", "eval_every=8"])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("step ")]
    assert [ln.split()[1] for ln in lines] == ["2/8", "4/8", "6/8", "8/8"]
    assert all("train_loss" in ln and "elapsed_s" in ln for ln in lines) and "val_bpb" in lines[-1]


def test_a_folder_of_the_users_is_refused_unless_forced(tokens, tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    argv = ["train", "--data", str(tokens), "--out", str(precious), *[f"--set={s}" for s in SETS], "--set=max_steps=3"]
    assert main(argv) == 2
    assert "precious is not empty (notes.txt) and holds no run" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    assert main([*argv, "--force"]) == 0  # the run's files beside the user's
    assert (precious / "notes.txt").read_text() == "mine" and (precious / "checkpoint").is_dir()
    # --force over a checkpointed run starts it over (its own files only), where --resume would continue it
    assert main([*argv, "--force", "--set=max_steps=4"]) == 0
    assert [r["step"] for r in metrics(precious)] == [1, 2, 3, 4] and (precious / "notes.txt").exists()
    # a folder of the user's under a name the run writes into is refused even with --force
    (tmp_path / "other" / "checkpoint").mkdir(parents=True)
    with pytest.raises(RunStateError, match="checkpoint is not a run's"):
        train(tokens, tmp_path / "other", SETS, force=True)
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["checkpoint"]


def test_wrong_vocab_is_refused(tokens, tmp_path):
    with pytest.raises(ConfigError, match="vocab_size=999 differs from the tokenizer's 1000"):
        train(tokens, tmp_path, [*SETS, "vocab_size=999"])
    assert main(["train", "--data", str(tokens), "--out", str(tmp_path), "--set", "vocab_size=999"]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_rank(rank: int, world: int, port: int, tokens, out, sets):
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))  # fmt: skip
    torch.set_num_threads(1)
    train(tokens, out, sets)


@pytest.mark.slow
def test_two_gloo_ranks_match_one_process(tokens, tmp_path):
    """2 ranks x 1 micro-batch == 1 process x 2 micro-batches: the same global batch, the same data (reader r of
    2 is rank r there, DataLoader worker r here), so the same gradients and losses."""
    one = tmp_path / "one"
    train(tokens, one, [*SETS, "grad_accum=2", "num_workers=2", "max_steps=4"])
    two = tmp_path / "two"
    sets = [*SETS, "grad_accum=1", "max_steps=4"]
    torch.multiprocessing.spawn(_ddp_rank, args=(2, _free_port(), tokens, two, sets), nprocs=2, join=True)
    a, b = metrics(one), metrics(two)
    assert [r["step"] for r in a] == [r["step"] for r in b] == [1, 2, 3, 4]
    for x, y in zip(a, b, strict=True):
        assert x["train_loss"] == pytest.approx(y["train_loss"], abs=1e-4)
    assert len(json.loads((two / "checkpoint" / "state.json").read_text())["data"]) == 2


@pytest.mark.slow  # end to end: the script and its two `fonderie train` children, each importing torch
def test_the_gpu_benchmark_script_runs_on_the_cpu(tokens, tmp_path):
    """benchmarks/train_gpu.py is run on a lent GPU machine, rarely: this keeps it working between those times,
    with only the `train` extra importable, as there (its `fonderie train` children inherit that)."""
    import subprocess
    import sys
    from pathlib import Path

    from training.train_extra import env_with_only_the_train_extra

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "train_gpu.py"
    env = env_with_only_the_train_extra(tmp_path / "site")
    done = subprocess.run([sys.executable, str(script), "--data", str(tokens), "--device", "cpu", "--preset", "tiny",
                           "--steps", "12", "--variants", "2:eager,4:eager", "--set", "block_size=32", "--set",
                           "threads=1", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "train_gpu.json")],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    assert [v["name"] for v in figures["variants"]] == ["2:eager", "4:eager"]
    for variant in figures["variants"]:
        assert variant["tokens_per_second"] > 0 and 0 < variant["mfu"] < 1 and variant["vocab_size"] == 1000
        assert variant["params"] > 0 and math.isfinite(variant["last_loss"]) and variant["step_ms"] > 0
    assert (tmp_path / "runs" / "4_eager" / "checkpoint" / "model.safetensors").is_file()
