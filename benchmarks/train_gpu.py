"""GPU pretraining throughput: the 125m preset in bf16 with torch.compile, tokens/s and MFU on one CUDA card.

    fonderie run pipelines/fr_novels.yaml                        # here: 32,768-token shards of French novels, ~4 MB
    python benchmarks/train_gpu.py --data out/fr_novels/04_tokenize [--steps 200] [--variants 16:compile,32:compile]

The second line is for the GPU machine. It needs only what `fonderie train` imports (torch, numpy, pyarrow,
pyyaml, rich, safetensors, tokenizers), not the pipeline's dependencies, so the token folder is built where
fonderie is installed and copied over; `src/` is put on the children's PYTHONPATH, so no install is needed there.

Each variant (`BATCH:compile` or `BATCH:eager`, sequences of the preset's 1,024 tokens per step) is one
`python -m fonderie train` run of its own, as a user's run would be: a fresh process compiles for its own
shapes. Its tokens/s and MFU are the medians over the log intervals after the first quarter of the steps (the
first ones hold compilation and warm-up). MFU is against the card's datasheet bf16 peak (PEAK_FLOPS in
fonderie.training.pretrain), and also against the bf16 matmul rate measured here on 8192^3 products, the ceiling
this card reaches in practice.

Prints a table, then one JSON line: device, torch, matmul_tflops, and per variant batch_size, compile,
tokens_per_second, tflops (achieved, by the trainer's FLOPs per token), mfu, mfu_vs_matmul, step_ms, params,
first_loss and last_loss, val_bpb.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from bench_results import add_out_argument, write_result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # fonderie need not be installed on the GPU machine

from fonderie.training.model import GPT, ModelConfig  # noqa: E402


def matmul_tflops(device: str) -> float | None:
    """The bf16 rate of 8192^3 products on random data (zeros run faster), median of 10 after 3 warm-ups."""
    if not device.startswith("cuda"):
        return None
    a, b = (torch.randn(8192, 8192, device=device, dtype=torch.bfloat16) for _ in range(2))
    times = []
    for i in range(13):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        a @ b
        end.record()
        torch.cuda.synchronize()
        if i >= 3:
            times.append(start.elapsed_time(end) / 1000)
    return 2 * 8192**3 / statistics.median(times) / 1e12


def parse_variants(text: str) -> list[tuple[int, bool]]:
    variants = []
    for item in text.split(","):
        batch, _, mode = item.strip().partition(":")
        if not batch.isdigit() or mode not in ("compile", "eager"):
            raise SystemExit(f"--variants {item!r}: expected BATCH:compile or BATCH:eager, e.g. 32:compile")
        variants.append((int(batch), mode == "compile"))
    return variants


def run_variant(data: Path, run_dir: Path, preset: str, batch: int, compiled: bool, steps: int, device: str,
                sets: list[str]) -> dict:  # fmt: skip
    """One training run in its own process; its figures from metrics.jsonl."""
    args = [f"preset={preset}", f"batch_size={batch}", f"compile={str(compiled).lower()}", f"max_steps={steps}",
            f"warmup_steps={max(1, steps // 10)}", "log_every=10", f"eval_every={steps}", "eval_batches=2",
            f"checkpoint_every={steps}", f"device={device}", *sets]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "fonderie", "train", "--data", str(data), "--out", str(run_dir)]
    command += [f"--set={s}" for s in args]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    config = json.loads((run_dir / "config.json").read_text())
    steady = [r for r in rows if r["step"] > max(10, steps // 4)] or rows[-1:]
    with torch.device("meta"):  # the model's shape alone: no memory, no init
        model = GPT(ModelConfig(**config["model"]))
    tokens_per_second = statistics.median(r["tokens_per_second"] for r in steady)
    mfu = statistics.median(r["mfu"] for r in steady)
    return {"batch_size": batch, "compile": compiled, "block_size": config["model"]["block_size"],
            "vocab_size": config["model"]["vocab_size"], "params": model.num_params(),
            "tokens_per_second": round(tokens_per_second), "mfu": round(mfu, 4),
            "tflops": round(tokens_per_second * model.flops_per_token() / 1e12, 3),
            "step_ms": round(1000 * batch * config["model"]["block_size"] / tokens_per_second, 2),
            "first_loss": rows[0]["train_loss"], "last_loss": rows[-1]["train_loss"],
            "val_bpb": rows[-1].get("val_bpb"), "wall_seconds": round(time.perf_counter() - start, 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "out/fr_novels/04_tokenize", help="a token folder")
    parser.add_argument("--preset", default="125m", help="model preset (default: 125m)")
    parser.add_argument("--steps", type=int, default=200, help="optimizer steps per variant (default: 200)")
    parser.add_argument(
        "--variants",
        default="16:compile,32:compile",
        help="comma-separated BATCH:compile|eager runs (default: 16:compile,32:compile)",
    )
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu, to check the script itself")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any `fonderie train --set` setting, for every variant (e.g. n_kv_head=12)",
    )
    parser.add_argument("--runs", type=Path, help="keep the runs here (default: a temporary folder)")
    add_out_argument(parser, __file__)
    args = parser.parse_args(argv)
    if not (args.data / "tokens" / "manifest.json").is_file() and not (args.data / "manifest.json").is_file():
        raise SystemExit(f"{args.data}: no token folder (manifest.json); build one with "
                         "`fonderie run pipelines/fr_novels.yaml` where fonderie is installed")  # fmt: skip
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("no CUDA device here; --device cpu checks the script on the CPU")
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    peak = matmul_tflops(args.device)
    results = []
    with tempfile.TemporaryDirectory(prefix="train_gpu-") as tmp:
        out = args.runs or Path(tmp)
        for batch, compiled in parse_variants(args.variants):
            name = f"{batch}:{'compile' if compiled else 'eager'}"
            print(f"{name:>12}  {args.steps} steps of {args.preset} ...", flush=True)  # compiling takes minutes
            run = run_variant(args.data, out / name.replace(":", "_"), args.preset, batch, compiled, args.steps,
                              args.device, args.set)  # fmt: skip
            run["name"] = name
            if peak:  # the achieved FLOP rate over the measured one (a card missing from PEAK_FLOPS has no mfu)
                run["mfu_vs_matmul"] = round(run["tflops"] / peak, 4)
            results.append(run)
            print(f"{name:>12}  {run['tokens_per_second']:>10,} tok/s  MFU {run['mfu']:.1%}  "
                  f"{run['step_ms']:.1f} ms/step  loss {run['first_loss']:.3f} -> {run['last_loss']:.3f}  "
                  f"({run['wall_seconds']} s)", flush=True)  # fmt: skip
    write_result({"device": device_name, "torch": torch.__version__, "preset": args.preset, "steps": args.steps,
                  "matmul_tflops": round(peak, 1) if peak else None, "variants": results}, args.out)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
