"""A tiny trained run and a feedback project on it, shared by the feedback tests (store, generate, export, server).

    from feedback.projects import tiny_project, tiny_run
    project = tiny_project(tmp_path)   # initialized, 3 questions asked, 3 candidates each (round 1)

The run is trained once per test session (a few steps of the `tiny` preset on a hermetic token folder, one torch
thread) and the project built once; each call copies that project into a fresh folder, so tests may write to it.
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

PROMPTS = ["Quelle est la capitale de la France ?", "Qui a écrit Les Misérables ?", "Combien font deux et deux ?"]
N = 3  # candidates per question
MAX_NEW_TOKENS = 12  # short answers: the tests need candidates, not good ones
SEED = 0


@lru_cache(maxsize=1)
def tiny_run() -> Path:
    """A fonderie run folder (checkpoint/ + tokenizer/) of the tiny preset, trained for a few steps."""
    import torch
    from tokens.token_texts import documents, temporary_folder, write_token_folder
    from training.runs import train

    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add contention
    try:
        folder = temporary_folder()
        tokens = write_token_folder(folder, documents(120), val_fraction=0.1, row_group_tokens=400)
        train(tokens, folder / "run", ["block_size=64", "batch_size=4", "max_steps=4", "warmup_steps=2",
                                       "eval_every=4", "eval_batches=1", "learning_rate=3e-3"])  # fmt: skip
    finally:
        torch.set_num_threads(n)
    return folder / "run"


@lru_cache(maxsize=1)
def _built_project() -> Path:
    import torch
    from tokens.token_texts import temporary_folder

    from fonderie.feedback.generate import ask
    from fonderie.feedback.project import init_project

    folder = temporary_folder() / "project"
    init_project(folder, tiny_run(), sampling={"n": N, "max_new_tokens": MAX_NEW_TOKENS})
    questions = folder.parent / "questions.txt"
    questions.write_text("\n".join(PROMPTS) + "\n", encoding="utf-8")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ask(folder, questions, seed=SEED)
    finally:
        torch.set_num_threads(n)
    return folder


def tiny_project(tmp_dir: str | Path) -> Path:
    """A copy, in tmp_dir/project, of a project on `tiny_run()` with PROMPTS asked and N candidates each."""
    target = Path(tmp_dir) / "project"
    shutil.copytree(_built_project(), target)
    return target


def stand_in_project(tmp_path: Path, template: str | None = None):
    """A project for a stand-in transformers folder (its weights are only hashed, never loaded): for tests of the
    store, export, import and stats, which need no model; round 1 started."""
    from fonderie.feedback.project import init_project

    model = tmp_path / "model"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    (model / "tokenizer.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"not real weights")
    return init_project(tmp_path / "project", model, template=template)
