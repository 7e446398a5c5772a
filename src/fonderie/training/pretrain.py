"""Pretrains the Llama-style model of model.py on a fonderie token folder; reads top to bottom like nanoGPT's.

    fonderie train --data out/sample/05_tokenize --out runs/sample --preset tiny --set max_steps=200
    torchrun --nproc_per_node 8 -m fonderie train --data TOKENS --out RUN --preset 125m
    fonderie train --data TOKENS --out RUN --resume        # continues the same loss curve

Writes RUN/metrics.jsonl (one line per logged step: step, train_loss, lr, tokens_per_second, mfu, elapsed_s;
val_loss and val_bpb on eval steps), RUN/loss.png (with matplotlib), RUN/config.json, RUN/tokenizer/ (a copy, so
generate and export need nothing but RUN) and RUN/checkpoint/ (model.safetensors, optimizer.pt, state.json: step,
elapsed_s and the data position of every rank; rng-RANK.pt: RNG states; config.json), the checkpoint written as a
.tmp folder and renamed. RUN is a new or empty folder, or an earlier run's (its config.json says so); any other
folder is refused unless `force`, and even then only these names are written (and none of them may be a folder of
the user's). A resumed run keeps its schedule (SCHEDULE_FIELDS) unless `allow_schedule_change`, and its
elapsed_s goes on from the checkpoint's. Progress is a live bar on a terminal, one plain line per logged step
elsewhere (a log file, a pipe, a Slurm job).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from fonderie.errors import RunStateError
from fonderie.folders import refuse_foreign
from fonderie.tokens.files import TOKENIZER_DIR
from fonderie.training import checkpoint
from fonderie.training.data import Loader, TokenBatches, check_vocab, open_tokens, token_bytes
from fonderie.training.model import GPT
from fonderie.training.settings import SCHEDULE_FIELDS, RunSettings, TrainConfig

# bf16 dense peaks without sparsity, from the vendors' datasheets; the first key found in the device's name wins,
# so the PCIe and NVL cards (fewer SMs, lower clocks) come before the SXM ones that share their "H100"
PEAK_FLOPS = {"H100 PCIe": 756e12, "H100 NVL": 835e12, "H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12}


def datasheet_peak(device_name: str) -> float:
    """The bf16 dense peak of a CUDA card by its name; NaN for a card not in the table (no MFU beats a wrong one)."""
    return next((value for key, value in PEAK_FLOPS.items() if key in device_name), float("nan"))


def peak_flops(device: torch.device) -> float:
    if device.type == "cuda":
        return datasheet_peak(torch.cuda.get_device_name(device))
    # on CPU there is no datasheet figure: time fp32 matmuls, the operation training spends its time in, with the
    # threads training will use; the best of five rounds, as a peak is (one round is at the mercy of other work)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    a @ b
    best = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(4):
            a @ b
        best = max(best, 4 * 2 * 1024**3 / (time.perf_counter() - t0))
    return best


def lr_at(step: int, c: TrainConfig) -> float:
    """Linear warmup, then cosine decay to min_lr_ratio * learning_rate at max_steps (nanoGPT's get_lr)."""
    if step < c.warmup_steps:
        return c.learning_rate * (step + 1) / c.warmup_steps
    progress = min(1.0, (step - c.warmup_steps) / max(1, c.max_steps - c.warmup_steps))
    coeff = 0.5 * (1.0 + math.cos(math.pi * progress))  # 1 -> 0
    return c.learning_rate * (c.min_lr_ratio + (1 - c.min_lr_ratio) * coeff)


# what a run writes in RUN, and nothing else: `force` on a foreign folder replaces these names only
RUN_FILES = ("config.json", "metrics.jsonl", "loss.png", "loss.png.tmp")
RUN_FOLDERS = (TOKENIZER_DIR, *checkpoint.CHECKPOINT_NAMES)  # written into or replaced: never one of the user's


def is_run(folder: Path) -> bool:
    """Whether `folder` holds a run of this trainer: its config.json is the resolved config written at the start."""
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and {"train", "model", "tokenizer_sha256"} <= config.keys()


def check_out(out: Path, force: bool) -> None:
    """RUN must be new, empty or a run: a folder of the user's is never written into by accident."""
    own = f"{', '.join(RUN_FILES[:3])}, {'/, '.join(RUN_FOLDERS[:2])}/"
    instead = f"another --out, or --force to write the run's files there ({own}) beside the others"
    refuse_foreign(out, ours=is_run, force=force, holds="no run (no run config.json)", instead=instead)
    if not out.is_dir() or is_run(out):
        return
    theirs = [name for name in RUN_FOLDERS if (out / name).exists()]
    if theirs:
        raise RunStateError(f"{out}: {', '.join(theirs)} is not a run's, and a run would write into it or replace it "
                            "(even with --force); choose another --out")  # fmt: skip


def schedule_changes(saved: dict, c: TrainConfig) -> list[str]:
    """`name: saved → new` for each schedule field this resume would change."""
    return [f"{name}: {saved[name]} → {getattr(c, name)}" for name in SCHEDULE_FIELDS
            if name in saved and saved[name] != getattr(c, name)]  # fmt: skip


def pretrain(data: str | Path, out: str | Path, settings: RunSettings | None = None, resume: bool = False,
             force: bool = False, allow_schedule_change: bool = False) -> dict:  # fmt: skip
    """Train (or, with `resume`, go on training) the run in `out` on the token folder `data`; returns the last
    metrics line. `settings` are the fields set for this run (over the defaults, or the resumed run's). `force`
    writes the run into a folder holding other files, or starts over a checkpointed run (its checkpoint removed);
    `allow_schedule_change` lets a resume change max_steps, warmup_steps, learning_rate or min_lr_ratio."""
    out, settings = Path(out), settings or RunSettings()
    # -----------------------------------------------------------------------------------------------------------------
    # Distributed set-up: torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; a plain run is rank 0 of 1
    ddp = "RANK" in os.environ
    rank, world = (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])) if ddp else (0, 1)
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    master = rank == 0

    def print0(*args):
        if master:
            print(*args, flush=True)

    # -----------------------------------------------------------------------------------------------------------------
    # Config: defaults < the checkpoint's (on resume) < this run's settings
    check_out(out, force)
    saved_step = checkpoint.saved_step(out)
    if resume and saved_step is None:
        raise RunStateError(f"{out}: no checkpoint to resume ({out / checkpoint.CHECKPOINT_DIR} is missing); "
                            "leave out --resume to start")  # fmt: skip
    if not resume and saved_step is not None and not force:  # a finished or interrupted run: never overwritten
        raise RunStateError(f"{out} holds a run checkpointed at step {saved_step}: --resume continues it, another "
                            "--out starts a new one (or --force starts over, its checkpoint replaced)")  # fmt: skip
    saved = json.loads((out / "config.json").read_text()) if resume else {}
    c: TrainConfig = settings.train_config(saved.get("train"))
    changed = schedule_changes(saved.get("train", {}), c)
    if changed and not allow_schedule_change:
        raise RunStateError(f"{out}: --resume with another schedule than the run's ({', '.join(changed)}): the loss "
                            "curve would not be the one it continues; --allow-schedule-change to go on with it, or "
                            "leave those settings out")  # fmt: skip
    if c.threads:
        torch.set_num_threads(c.threads)
    want_cuda = c.device == "cuda" or (c.device == "auto" and torch.cuda.is_available())
    device = torch.device(f"cuda:{local_rank}" if want_cuda else "cpu")
    if ddp:
        dist.init_process_group("nccl" if want_cuda else "gloo")
    if want_cuda:
        torch.cuda.set_device(device)
    folder, manifest = open_tokens(data)  # checks the tokenizer copy against the shards' fingerprint
    if saved and saved["tokenizer_sha256"] != manifest["tokenizer"]["sha256"]:
        raise RunStateError(f"{folder} was encoded with another tokenizer than the run in {out} was trained on")
    # the vocabulary comes from the manifest unless the run (or --set) fixed one, which must then match it
    mc = settings.model_config(saved.get("model"), vocab_size=manifest["tokenizer"]["vocab_size"])
    check_vocab(folder, manifest, mc.vocab_size)
    tokens_per_step = c.batch_size * mc.block_size * c.grad_accum * world
    print0(f"{world} rank(s) on {device}; {tokens_per_step:,} tokens per step, {c.max_steps:,} steps")
    if note := settings.warmup_clamped(saved.get("train")):
        print0(note)
    if changed:
        print0(f"schedule changed on resume: {', '.join(changed)}")

    # -----------------------------------------------------------------------------------------------------------------
    # Model, optimizer, data; then the checkpoint's state over them
    torch.manual_seed(c.seed)  # the same init on every rank (DDP also broadcasts rank 0's weights)
    model = GPT(mc).to(device)
    print0(f"model: {model.num_params():,} parameters ({c.preset}), {asdict(mc)}")
    optimizer = model.configure_optimizers(c.weight_decay, c.learning_rate, (c.beta1, c.beta2), fused=want_cuda)
    step, data_state, elapsed_before = 0, None, 0.0
    if resume:
        step, data_state, elapsed_before = checkpoint.resume(out, model, optimizer, rank, world, device)
        print0(f"resumed from {out / checkpoint.CHECKPOINT_DIR} at step {step}")
    loader = Loader(folder, manifest, "train", c.batch_size, mc.block_size, seed=c.seed, rank=rank,
                    world_size=world, num_workers=c.num_workers, state=data_state, pin_memory=want_cuda)  # fmt: skip
    raw_model = model
    if c.compile:
        model = torch.compile(model)
    if ddp:
        model = DDP(model, device_ids=[local_rank] if want_cuda else None)
    # bf16 autocast on CUDA: matmuls in bf16, weights and optimizer in fp32, no loss scaling needed (unlike fp16)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if want_cuda else nullcontext()
    bytes_of = token_bytes(folder).to(device)

    # -----------------------------------------------------------------------------------------------------------------
    # Evaluation: loss in nats per token and bits per byte, sum(nats) / sum(UTF-8 bytes) / ln 2: comparable across
    # tokenizers, which a loss per token is not (a bigger vocabulary has fewer, harder tokens)
    # the same batches every time: one pass over the val split from its start, the tail padded (not dropped)
    val = TokenBatches(folder, manifest, "val", c.batch_size, mc.block_size, rank=rank, world_size=world, epochs=1)

    @torch.no_grad()
    def evaluate() -> tuple[float, float]:
        model.eval()
        totals = torch.zeros(3, device=device, dtype=torch.float64)  # nats, tokens, bytes
        for i, batch in enumerate(val):
            if c.eval_batches and i >= c.eval_batches:
                break
            x, y = batch["x"].to(device), batch["y"].to(device)
            with autocast:
                _, loss = raw_model(x, y, reduction="sum")
            valid = y != -1
            totals += torch.stack([loss.double(), valid.sum().double(), bytes_of[y[valid]].sum().double()])
        if ddp:
            dist.all_reduce(totals)
        model.train()
        nats, n_tokens, n_bytes = totals.tolist()
        return nats / max(n_tokens, 1), nats / max(n_bytes, 1) / math.log(2)

    # -----------------------------------------------------------------------------------------------------------------
    # Checkpoint: every rank's data position and RNG state, gathered; rank 0 writes them (checkpoint.py)
    def save_checkpoint():
        positions, rngs = [None] * world, [None] * world
        mine = {"cpu": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state(device) if want_cuda else None}
        if ddp:
            dist.all_gather_object(positions, loader.state())
            dist.all_gather_object(rngs, mine)
        else:
            positions, rngs = [loader.state()], [mine]
        if master:
            elapsed = elapsed_before + time.perf_counter() - began
            checkpoint.save(out, raw_model, optimizer, step, positions, rngs, resolved, elapsed_s=elapsed)
        if ddp:
            dist.barrier()

    resolved = {"train": asdict(c), "model": asdict(mc), "data": str(folder), "world_size": world,
                "tokenizer_sha256": manifest["tokenizer"]["sha256"]}  # fmt: skip
    metrics_path = out / "metrics.jsonl"
    if master:
        out.mkdir(parents=True, exist_ok=True)
        if not resume:  # --force over a checkpointed run: it starts over, so its checkpoint must not be resumed
            for name in checkpoint.CHECKPOINT_NAMES:  # a run's own (check_out refused a user's folder of that name)
                shutil.rmtree(out / name, ignore_errors=True)
        (out / "config.json").write_text(json.dumps(resolved, indent=1))
        # the run carries its tokenizer: generate and export need nothing but RUN
        shutil.copytree(folder / TOKENIZER_DIR, out / TOKENIZER_DIR, dirs_exist_ok=True)
        if resume and metrics_path.exists():  # lines past the checkpoint were logged by the interrupted run
            lines = [ln for ln in metrics_path.read_text().splitlines() if json.loads(ln)["step"] <= step]
            metrics_path.write_text("".join(ln + "\n" for ln in lines))
        elif not resume:
            metrics_path.write_text("")

    # -----------------------------------------------------------------------------------------------------------------
    # The training loop
    flops_per_step = raw_model.flops_per_token() * tokens_per_step
    peak = peak_flops(device) * world
    last_step = c.max_steps if not c.run_steps else min(c.max_steps, step + c.run_steps)
    summary: dict = {}
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    # without a terminal a live bar is one line redrawn, which a log file keeps only the last of, truncated to 80
    # columns: there, each logged step is printed as a whole line instead
    live = master and sys.stdout.isatty()
    bar = Progress(TextColumn("step {task.completed}/{task.total}"), BarColumn(), TextColumn("{task.description}"),
                   TimeRemainingColumn(), disable=not live)  # fmt: skip
    task = bar.add_task("", total=c.max_steps, completed=step)
    with bar:
        t0, start_step = time.perf_counter(), step
        began = t0  # the wall time of this invocation's training, evaluations and checkpoints included
        while step < last_step:
            lr = lr_at(step, c)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss_sum = torch.zeros((), device=device)
            for micro in range(c.grad_accum):
                x, y = loader.next()
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                # DDP all-reduces gradients on the last micro-batch only (nanoGPT's require_backward_grad_sync)
                sync = nullcontext() if not ddp or micro == c.grad_accum - 1 else model.no_sync()
                with sync, autocast:
                    _, loss = model(x, y)
                    loss = loss / c.grad_accum  # the gradient of the mean over the whole step
                loss.backward()
                loss_sum += loss.detach()
            if c.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            # -- logging: the loss is averaged over ranks only on log steps (a sync costs time)
            is_last = step == last_step
            if step % c.log_every == 0 or step % c.eval_every == 0 or is_last:
                if ddp:
                    dist.all_reduce(loss_sum, op=dist.ReduceOp.AVG)
                if want_cuda:
                    torch.cuda.synchronize()
                dt = (time.perf_counter() - t0) / (step - start_step)  # seconds per step since the last log
                row = {"step": step, "train_loss": round(loss_sum.item(), 6), "lr": lr,
                       "tokens_per_second": round(tokens_per_step / dt),
                       "mfu": flops_per_step / dt / peak}  # fmt: skip
                if step % c.eval_every == 0 or is_last:
                    row["val_loss"], row["val_bpb"] = evaluate()
                row["elapsed_s"] = round(elapsed_before + time.perf_counter() - began, 3)  # across resumes
                t0, start_step = time.perf_counter(), step  # evaluation and logging are not training time
                if master:
                    with metrics_path.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    figures = " ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "step")
                    if live:
                        bar.update(task, description=figures)
                    else:
                        print(f"step {step}/{c.max_steps} {figures}", flush=True)
                summary = row
            bar.update(task, completed=step)
            if step % c.checkpoint_every == 0 or is_last:
                save_checkpoint()
                t0, start_step = time.perf_counter(), step
    if master:
        plot_losses(metrics_path, out / "loss.png")
    if ddp:
        dist.destroy_process_group()
    return summary


def plot_losses(metrics: Path, png: Path) -> bool:
    """The loss curves as a PNG; needs matplotlib (optional), says so once otherwise."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"no {png.name}: matplotlib is not installed (pip install matplotlib)")
        return False
    rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([r["step"] for r in rows], [r["train_loss"] for r in rows], label="train loss")
    val = [r for r in rows if "val_loss" in r]
    ax.plot([r["step"] for r in val], [r["val_loss"] for r in val], "o-", label="val loss")
    ax.set(xlabel="step", ylabel="loss (nats/token)")
    ax.legend()
    fig.savefig(png.with_suffix(".png.tmp"), format="png", dpi=100)
    plt.close(fig)
    os.replace(png.with_suffix(".png.tmp"), png)
    return True
