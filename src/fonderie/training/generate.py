"""Samples text from a trained run, like nanoGPT's sample.py.

    fonderie generate runs/sample --prompt "Le chat a mangé la" --max-new-tokens 100 --top-k 50
    fonderie generate runs/sample --prompt "Le chat a mangé la" --temperature 0      # greedy

The run folder holds everything needed: checkpoint/ (weights and the resolved config) and tokenizer/ (copied from
the token folder when training started). Documents were trained without a BOS, each ending with EOS, so a prompt
is encoded as is and generation stops at EOS. The model reads the prompt once and then one token a step
(its KV cache, training/kv_cache.py).
"""

from __future__ import annotations

from pathlib import Path

import torch

from fonderie.errors import InputError, RunStateError
from fonderie.tokens import EOS
from fonderie.tokens.files import TOKENIZER_DIR
from fonderie.training.checkpoint import load_run


def load_tokenizer(run: str | Path):
    from tokenizers import Tokenizer

    path = Path(run) / TOKENIZER_DIR / "tokenizer.json"
    if not path.is_file():
        raise RunStateError(f"{path}: missing; the trainer copies the tokenizer into the run folder")
    return Tokenizer.from_file(str(path))


def generate(run: str | Path, prompt: str, max_new_tokens: int = 100, temperature: float = 0.8,
             top_k: int | None = 50, top_p: float | None = None, seed: int = 1337, num_samples: int = 1,
             device: str = "cpu") -> list[str]:  # fmt: skip
    """num_samples continuations of prompt (the prompt included), decoded to text."""
    model, _ = load_run(run, device)
    tokenizer = load_tokenizer(run)
    eos = tokenizer.token_to_id(EOS)
    ids = tokenizer.encode(prompt).ids
    if not ids:
        raise InputError("the prompt is empty: the model was trained without BOS, so it needs at least one token")
    idx = torch.tensor([ids] * num_samples, dtype=torch.long, device=device)  # (num_samples, T)
    generator = torch.Generator(device=device).manual_seed(seed)
    out = model.generate(idx, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p, eos_id=eos,
                         generator=generator)  # fmt: skip
    texts = []
    for row in out.tolist():
        if eos is not None and eos in row[len(ids) :]:
            row = row[: len(ids) + row[len(ids) :].index(eos)]  # what follows EOS is another document
        texts.append(tokenizer.decode(row, skip_special_tokens=True))
    return texts
