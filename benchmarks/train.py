"""The nanoGPT anchor: tiny Shakespeare through fonderie's own stages (pipelines/tinyshakespeare.yaml), in bits
per byte.

    python benchmarks/train.py --data ../shared/data/tinyshakespeare/input.txt [--set stages.pretrain.max_steps=900]

nanoGPT's README trains a "baby GPT" on CPU (4 layers, 4 heads, 128 dims, context 64, no dropout) to a val loss
of about 1.88 nats per character, 1.88 / ln 2 = 2.71 bits per character, the same as bits per byte on this ASCII
text; run as documented on this project's 2-core machine it takes 100 to 150 s, depending on the hour (so
`--nanogpt` times it in the same run). The pipeline splits the file as
nanoGPT does (the first 90% of the characters train, the last 10% validate), trains a byte-level BPE on the train
part, writes token shards, and pretrains a model no bigger than the baby GPT (preset `shakespeare`). Bits per byte
make the two comparable although our tokens are not characters. `--set` overrides any key of the pipeline.
With `--nanogpt DIR` (a checkout of github.com/karpathy/nanoGPT; nothing is downloaded), nanoGPT's documented CPU
run is made in the same run, on a copy of it, on the same file, after ours: its wall time and val loss are printed
beside ours (`nanogpt_seconds` includes its start-up, a few seconds).

Prints the stages' progress, then one JSON line: val_bpb, val_loss, train_seconds (wall time of the training loop,
its evaluations included), tokens_per_second, mfu (against the fp32 matmul peak measured on this CPU), the seconds
of every stage and the settings.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from bench_results import add_out_argument, write_result

from fonderie.config.pipeline import load_pipeline
from fonderie.pipeline.runner import run_pipeline
from fonderie.training.model import GPT, ModelConfig

PIPELINE = Path(__file__).resolve().parents[1] / "pipelines" / "tinyshakespeare.yaml"
NANOGPT_BPB = round(1.88 / 0.693147, 2)  # nanoGPT's documented val loss, in bits per character (= byte here)
# nanoGPT's README, "I only have a macbook": the baby GPT on CPU
NANOGPT_CPU = ["config/train_shakespeare_char.py", "--device=cpu", "--compile=False", "--eval_iters=20",
               "--log_interval=1", "--block_size=64", "--batch_size=12", "--n_layer=4", "--n_head=4", "--n_embd=128",
               "--max_iters=2000", "--lr_decay_iters=2000", "--dropout=0.0"]  # fmt: skip


def nanogpt(checkout: Path, data: Path, work: Path) -> dict:
    """nanoGPT's documented CPU run on `data`, in a copy of `checkout`: wall seconds and its last val loss."""
    repo = work / "nanogpt"
    shutil.copytree(checkout, repo, ignore=shutil.ignore_patterns(".git", "out*"), dirs_exist_ok=True)
    shutil.copyfile(data, repo / "data" / "shakespeare_char" / "input.txt")  # prepare.py downloads it otherwise
    subprocess.run([sys.executable, "data/shakespeare_char/prepare.py"], cwd=repo, check=True, capture_output=True)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "train.py", *NANOGPT_CPU], cwd=repo, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode:
        raise SystemExit(f"nanoGPT failed:\n{run.stderr[-2000:]}")
    evals = re.findall(r"step (\d+): train loss ([\d.]+), val loss ([\d.]+)", run.stdout)
    step, _, val = evals[-1]
    return {"nanogpt_seconds": round(seconds, 1), "nanogpt_val_loss": float(val),
            "nanogpt_val_bpb": round(float(val) / math.log(2), 4), "nanogpt_steps": int(step)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="tiny Shakespeare's input.txt (1,115,394 characters)")
    parser.add_argument("--work", help="the pipeline's output folder (default: a new temporary folder)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a key of pipelines/tinyshakespeare.yaml, e.g. stages.pretrain.max_steps=900",
    )
    parser.add_argument("--nanogpt", type=Path, help="a nanoGPT checkout: run its documented CPU run too, after ours")
    add_out_argument(parser, __file__)
    args = parser.parse_args()
    data = Path(args.data).resolve()
    if not data.is_file():
        parser.error(f"--data {args.data}: no such file")
    work = Path(args.work or tempfile.mkdtemp(prefix="fonderie-shakespeare-")).resolve()
    cfg = load_pipeline(PIPELINE, [f"inputs.*.path={data}", f"output={work}", *args.set])
    run_pipeline(cfg)

    stages = {}
    for _, dirname in cfg.stage_dirs():
        meta = json.loads((work / dirname / "stage.json").read_text())
        stages[dirname] = round(sum(r["seconds"] for r in meta["runs"]), 1)
    pretrain = next(d for s, d in cfg.stage_dirs() if s.kind == "pretrain")
    rows = [json.loads(line) for line in (work / pretrain / "run" / "metrics.jsonl").read_text().splitlines()]
    manifest = json.loads((work / next(d for s, d in cfg.stage_dirs() if s.kind == "tokenize") / "tokens" /
                           "manifest.json").read_text())  # fmt: skip
    stage = next(s for s in cfg.stages if s.kind == "pretrain")
    ingest = next(d for s, d in cfg.stage_dirs() if s.kind == "ingest")  # the val documents as the stages read them
    val_bytes = (
        pl.scan_parquet(work / ingest / "part-*.parquet")
        .filter(pl.col("split") == "val")
        .select(pl.col("text").str.len_bytes().sum())
        .collect()
        .item()
    )
    config = json.loads((work / pretrain / "run" / "config.json").read_text())["model"]
    model = GPT(ModelConfig(**config))
    params = model.num_params()
    result = {
        "val_bpb": round(rows[-1]["val_bpb"], 4),
        "val_loss": round(rows[-1]["val_loss"], 4),
        "train_seconds": round(rows[-1]["elapsed_s"], 1),
        "tokens_per_second": round(sum(r["tokens_per_second"] for r in rows) / len(rows)),
        "mfu": round(sum(r["mfu"] for r in rows) / len(rows), 4),
        "steps": rows[-1]["step"],
        "batch_size": stage.batch_size,
        "preset": stage.preset,
        "vocab_size": manifest["tokenizer"]["vocab_size"],
        "params": params,
        "non_embedding_params": params - model.config.vocab_size * model.config.n_embd,
        "nanogpt_non_embedding_params": 4 * 12 * 128 * 128,  # its 4 blocks of 128 dims (+ 8k embeddings of 65 chars)
        "bytes_per_val_token": round(val_bytes / manifest["splits"]["val"]["tokens"], 3),
        "stage_seconds": stages,
        "nanogpt_reference_bpb": NANOGPT_BPB,
        "output": str(work),
    }
    if args.nanogpt:
        result |= nanogpt(args.nanogpt, data, work)
    write_result(result, args.out)


if __name__ == "__main__":
    main()
