"""A run's checkpoint: written by rank 0 as a `.tmp` folder and renamed, so a crash never leaves half of one.

RUN/checkpoint/model.safetensors   the weights; the tied head is the embedding, stored once
RUN/checkpoint/optimizer.pt        AdamW's state
RUN/checkpoint/state.json          step, world size, every rank's data position, the run's wall time so far
RUN/checkpoint/rng-RANK.pt         every rank's RNG states
RUN/checkpoint/config.json         the resolved config (TrainConfig, ModelConfig, data, tokenizer fingerprint)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch

from fonderie.errors import RunStateError
from fonderie.training.model import GPT, ModelConfig

CHECKPOINT_DIR = "checkpoint"
CHECKPOINT_NAMES = (CHECKPOINT_DIR, f"{CHECKPOINT_DIR}.tmp", f"{CHECKPOINT_DIR}.old")  # all that `save` touches
WEIGHTS = "model.safetensors"
TIED_HEAD = "lm_head.weight"  # safetensors refuses shared tensors: the head is restored from the embedding


def ordinary_permissions(path: Path) -> None:
    """rw for everyone the umask lets read and write (0644 under the usual 022), as `open` would have made it:
    safetensors 0.8 writes its files 0600."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def saved_step(run: Path) -> int | None:
    """The step of the run's checkpoint, None when it has none."""
    state = run / CHECKPOINT_DIR / "state.json"
    return json.loads(state.read_text())["step"] if state.is_file() else None


def save(run: Path, model: torch.nn.Module, optimizer, step: int, positions: list, rngs: list, resolved: dict,
         elapsed_s: float = 0.0):  # fmt: skip
    """Write every rank's data position and RNG state with the weights and optimizer (rank 0 only); `elapsed_s`
    is the run's wall time up to now, which a resumed run goes on counting from. Only the checkpoint's own names
    are touched in RUN: checkpoint/, checkpoint.tmp/, checkpoint.old/."""
    from safetensors.torch import save_file

    tmp, ckpt, old = run / f"{CHECKPOINT_DIR}.tmp", run / CHECKPOINT_DIR, run / f"{CHECKPOINT_DIR}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    weights = {k: v.contiguous() for k, v in model.state_dict().items() if k != TIED_HEAD}
    save_file(weights, tmp / WEIGHTS)
    ordinary_permissions(tmp / WEIGHTS)
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    for rank, state in enumerate(rngs):
        torch.save(state, tmp / f"rng-{rank}.pt")
    state = {"step": step, "data": positions, "world_size": len(positions), "elapsed_s": round(elapsed_s, 3)}
    (tmp / "state.json").write_text(json.dumps(state))
    (tmp / "config.json").write_text(json.dumps(resolved, indent=1))
    if ckpt.exists():
        ckpt.rename(old)
    tmp.rename(ckpt)
    shutil.rmtree(old, ignore_errors=True)


def load_weights(model: GPT, run: Path, device: str | torch.device = "cpu") -> None:
    """The checkpoint's weights into `model`; a file that does not fit the model's shape is a RunStateError."""
    from safetensors.torch import load_file

    path = run / CHECKPOINT_DIR / WEIGHTS
    # the tied head is saved once, as the embedding: strict=False lets lm_head.weight come from the tie
    try:
        missing, unexpected = model.load_state_dict(load_file(path, device=str(device)), strict=False)
    except RuntimeError as e:  # a size mismatch: another model's weights
        raise RunStateError(f"{path}: weights of another model shape ({str(e).splitlines()[-1].strip()})") from None
    if missing != [TIED_HEAD] or unexpected:
        raise RunStateError(f"{path}: not this model's weights (missing {missing}, unexpected {unexpected})")


def resume(run: Path, model: GPT, optimizer, rank: int, world: int, device: torch.device) -> tuple[int, dict, float]:
    """Weights, optimizer and this rank's RNG state restored; returns (step, this rank's data position, the run's
    wall time at the checkpoint: 0 for a checkpoint written before it was saved)."""
    ckpt = run / CHECKPOINT_DIR
    state = json.loads((ckpt / "state.json").read_text())
    if state["world_size"] != world:
        raise RunStateError(f"{ckpt} was written by {state['world_size']} rank(s); resume with as many (each rank's "
                            f"data position is saved), not {world}")  # fmt: skip
    load_weights(model, run, device)
    optimizer.load_state_dict(torch.load(ckpt / "optimizer.pt", map_location=device, weights_only=True))
    rng = torch.load(ckpt / f"rng-{rank}.pt", weights_only=False)
    torch.set_rng_state(rng["cpu"])
    if device.type == "cuda" and rng.get("cuda") is not None:
        torch.cuda.set_rng_state(rng["cuda"], device)
    return state["step"], state["data"][rank], state.get("elapsed_s", 0.0)


def load_run(run: str | Path, device: str = "cpu") -> tuple[GPT, dict]:
    """The model of a run's last checkpoint (in eval mode) and its resolved config."""
    ckpt = Path(run) / CHECKPOINT_DIR
    if not (ckpt / WEIGHTS).is_file():
        raise RunStateError(f"{ckpt}: no {WEIGHTS}; has the run written a checkpoint yet?")
    config = json.loads((ckpt / "config.json").read_text())
    model = GPT(ModelConfig(**config["model"]))
    load_weights(model, Path(run))
    return model.to(device).eval(), config
