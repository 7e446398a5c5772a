"""Sampling speed from a fonderie run (our KV cache) against transformers' `generate` on its export, same run.

    python benchmarks/generate.py [--presets 10m 50m] [--n 4] [--max-new-tokens 128] [--repeats 3] [--device cpu]

1. For each preset, a run folder with random-init weights (speed does not depend on training): the checkpoint
   files `fonderie.training.checkpoint` writes (model.safetensors, config.json, state.json) and a small BPE
   tokenizer (token ids are drawn at random, so its size does not matter; the model keeps the 32,768-token
   vocabulary its preset is named with), then `fonderie export` of it: both sides load the same weights.
2. The same prompt (16 random token ids) repeated for N candidates, sampled with the project defaults
   (temperature 0.8, top_k 50, top_p 0.95) for exactly `--max-new-tokens` tokens: EOS disabled on our side
   (eos_id=None) and min_new_tokens = max_new_tokens on transformers'. Ours draws each row from its own
   generator, as `feedback ask` does; ours without the cache is reported too.
3. Each measurement is repeated `--repeats` times and the fastest kept (other jobs share the machine);
   tokens/s = N * max_new_tokens / seconds. `speedup` = ours / transformers (goal: >= 1.5).
4. `greedy_identical`: greedy tokens of ours (cache) and transformers agree (random weights: near-ties may flip).
Progress goes to stderr; the figures are one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import torch
from bench_results import add_out_argument, write_result

PROMPT_TOKENS = 16
VOCAB_SIZE = 32768  # the presets' names count parameters with this vocabulary
TOKENIZER_VOCAB = 300  # any tokenizer will do: the prompts are random ids
SAMPLING = dict(temperature=0.8, top_k=50, top_p=0.95)


def log(msg: str) -> None:
    print(f"[generate bench] {msg}", file=sys.stderr, flush=True)


def write_run(folder: Path, preset: str) -> Path:
    """A run folder whose checkpoint holds a random-init model of `preset`: what load_run and export read."""
    from datatrove.io import get_datafolder
    from safetensors.torch import save_file

    from fonderie.tokens.train import save_tokenizer, train_tokenizer
    from fonderie.training.checkpoint import CHECKPOINT_DIR, TIED_HEAD, WEIGHTS
    from fonderie.training.model import GPT, config_from_preset

    torch.manual_seed(0)
    config = config_from_preset(preset, vocab_size=VOCAB_SIZE)
    model = GPT(config)
    run = folder / preset
    (run / CHECKPOINT_DIR).mkdir(parents=True)
    weights = {k: v.contiguous() for k, v in model.state_dict().items() if k != TIED_HEAD}
    save_file(weights, run / CHECKPOINT_DIR / WEIGHTS)
    (run / CHECKPOINT_DIR / "config.json").write_text(json.dumps({"model": asdict(config)}))
    (run / CHECKPOINT_DIR / "state.json").write_text(json.dumps({"step": 0, "data": [], "world_size": 1}))
    texts = ["Le chat a mangé la souris. Quelle est la capitale de la France ? Paris."] * 20
    save_tokenizer(train_tokenizer([texts], vocab_size=TOKENIZER_VOCAB), get_datafolder(str(run / "tokenizer")))
    return run


def best_of(fn, repeats: int) -> tuple[float, torch.Tensor]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_preset(folder: Path, preset: str, n: int, new: int, repeats: int, device: str) -> dict:
    import transformers

    from fonderie.training.checkpoint import load_run
    from fonderie.training.export import export

    run = write_run(folder, preset)
    hf_dir = export(run, folder / f"{preset}-hf")
    ours, _ = load_run(run, device)
    hf = transformers.AutoModelForCausalLM.from_pretrained(hf_dir, local_files_only=True).to(device).eval()
    prompt = torch.randint(0, VOCAB_SIZE, (1, PROMPT_TOKENS), generator=torch.Generator().manual_seed(1))
    idx = prompt.repeat(n, 1).to(device)  # (n, T): N candidates of one question

    def run_ours(use_cache=True):
        gens = [torch.Generator(device=device).manual_seed(i) for i in range(n)]
        return ours.generate(idx, new, eos_id=None, generator=gens, use_cache=use_cache, **SAMPLING)

    def run_hf():
        torch.manual_seed(0)
        with torch.no_grad():
            return hf.generate(idx, attention_mask=torch.ones_like(idx), do_sample=True, max_new_tokens=new,
                               min_new_tokens=new, pad_token_id=0, **SAMPLING)  # fmt: skip

    run_ours(), run_hf()  # warm-up: allocations, kernels
    ours_s, out = best_of(run_ours, repeats)
    hf_s, hf_out = best_of(run_hf, repeats)
    plain_s, _ = best_of(lambda: run_ours(use_cache=False), 1)
    assert out.shape == hf_out.shape == (n, PROMPT_TOKENS + new), (out.shape, hf_out.shape)
    greedy = ours.generate(idx[:1], new, temperature=0, eos_id=None)
    with torch.no_grad():
        hf_greedy = hf.generate(idx[:1], attention_mask=torch.ones_like(idx[:1]), do_sample=False,
                                max_new_tokens=new, min_new_tokens=new, pad_token_id=0)  # fmt: skip
    tokens = n * new
    result = {
        "params": ours.num_params(),
        "ours_tokens_per_s": round(tokens / ours_s, 1),
        "transformers_tokens_per_s": round(tokens / hf_s, 1),
        "ours_no_cache_tokens_per_s": round(tokens / plain_s, 1),
        "speedup": round(hf_s / ours_s, 2),
        "greedy_identical": bool(torch.equal(greedy, hf_greedy)),
    }
    log(f"{preset}: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="+", default=["10m", "50m"])
    parser.add_argument("--n", type=int, default=4, help="candidates per question (default 4)")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    add_out_argument(parser, __file__)
    args = parser.parse_args()
    import transformers

    result = {"n": args.n, "max_new_tokens": args.max_new_tokens, "prompt_tokens": PROMPT_TOKENS,
              "device": args.device, "threads": torch.get_num_threads(), "torch": torch.__version__,
              "transformers": transformers.__version__}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fonderie-generate-bench-") as tmp:
        for preset in args.presets:
            result[preset] = bench_preset(Path(tmp), preset, args.n, args.max_new_tokens, args.repeats, args.device)
    write_result(result, args.out)


if __name__ == "__main__":
    main()
