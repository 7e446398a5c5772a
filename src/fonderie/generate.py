"""Samples text from a trained run, like nanoGPT's sample.py.

    python -m fonderie.generate runs/sample --prompt "Le chat a mangé la" --max-new-tokens 100 --top-k 50
    fonderie generate runs/sample --prompt "Le chat a mangé la" --temperature 0      # greedy

The run folder holds everything needed: checkpoint/ (weights and the resolved config) and tokenizer/ (copied from
the token folder when training started). Documents were trained without a BOS, each ending with EOS, so a prompt
is encoded as is and generation stops at EOS.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from fonderie.model import GPT, ModelConfig
from fonderie.tokens import EOS
from fonderie.tokens.files import TOKENIZER_DIR


def load_run(run: str | Path, device: str = "cpu") -> tuple[GPT, dict]:
    """The model of a run's last checkpoint (in eval mode) and its resolved config."""
    from safetensors.torch import load_file

    ckpt = Path(run) / "checkpoint"
    if not (ckpt / "model.safetensors").is_file():
        raise FileNotFoundError(f"{ckpt}: no model.safetensors; has the run written a checkpoint yet?")
    config = json.loads((ckpt / "config.json").read_text())
    model = GPT(ModelConfig(**config["model"]))
    # the tied head is saved once, as the embedding: strict=False lets lm_head.weight come from the tie
    missing, unexpected = model.load_state_dict(load_file(ckpt / "model.safetensors"), strict=False)
    assert missing == ["lm_head.weight"] and not unexpected, f"{ckpt}: {missing=} {unexpected=}"
    return model.to(device).eval(), config


def load_tokenizer(run: str | Path):
    from tokenizers import Tokenizer

    path = Path(run) / TOKENIZER_DIR / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; the trainer copies the tokenizer into the run folder")
    return Tokenizer.from_file(str(path))


def generate(run: str | Path, prompt: str, max_new_tokens: int = 100, temperature: float = 0.8,
             top_k: int | None = 50, top_p: float | None = None, seed: int = 1337, num_samples: int = 1,
             device: str = "cpu") -> list[str]:  # fmt: skip
    """num_samples continuations of prompt (the prompt included), decoded to text."""
    model, config = load_run(run, device)
    tokenizer = load_tokenizer(run)
    eos = tokenizer.token_to_id(EOS)
    ids = tokenizer.encode(prompt).ids
    if not ids:
        raise ValueError("the prompt is empty: the model was trained without BOS, so it needs at least one token")
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


def main(args) -> int:
    texts = generate(args.run, args.prompt, args.max_new_tokens, args.temperature, args.top_k, args.top_p,
                     args.seed, args.num_samples, args.device)  # fmt: skip
    for i, text in enumerate(texts):
        if i:
            print("-" * 40)
        print(text)
    return 0


if __name__ == "__main__":
    import argparse

    from fonderie.commands.generate import add_arguments  # one definition of the flags, shared with the CLI

    parser = argparse.ArgumentParser(prog="python -m fonderie.generate", description=__doc__.split("\n\n")[0])
    raise SystemExit(main(add_arguments(parser).parse_args()))
