"""The nanoGPT anchor: tiny shakespeare through fonderie's tokenizer, token shards and trainer, in bits per byte.

    python benchmarks/train.py --data /path/to/tinyshakespeare/input.txt

nanoGPT's README trains a "baby GPT" on CPU (4 layers, 4 heads, 128 dims, context 64, no dropout) to a val loss
of about 1.88 nats per character, 1.88 / ln 2 = 2.71 bits per character, the same as bits per byte on this ASCII
text. The split is nanoGPT's (data/shakespeare_char/prepare.py): the first 90% of the characters train, the last
10% validate. We train a byte-level BPE on the train part with fonderie's tokenizer trainer, write token shards and
a manifest as the tokenize stage does, and train a model no bigger than the baby GPT (preset `shakespeare`, GQA
off) with fonderie.train. Bits per byte make the two comparable although our tokens are not characters.

Prints progress, then one JSON line: val_bpb, val_loss, train_seconds, tokens_per_second, mfu, the settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts a script's folder first on sys.path, so benchmarks/tokenize.py would shadow the standard library's
# `tokenize` (which linecache, inspect and huggingface_hub import) for every script run from this folder
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.append(str(Path(__file__).resolve().parent))  # sibling modules (paginate, page_labels) stay importable

import argparse
import json
import tempfile
import time

# benchmarks/tokenize.py shadows the standard library's `tokenize` (which torch's imports use): drop this folder
# from the import path before importing anything else
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch  # noqa: E402
from datatrove.io import get_datafolder  # noqa: E402

from fonderie.steps.tokens.manifest_writer import ManifestWriter  # noqa: E402
from fonderie.tokens.files import TOKENIZER_DIR, ShardRoller, file_sha256, token_dtype, write_parts  # noqa: E402
from fonderie.tokens.train import save_tokenizer, train_tokenizer  # noqa: E402
from fonderie.train import train  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--data", required=True, help="tiny shakespeare's input.txt (1,115,394 characters)")
parser.add_argument("--work", help="folder for the token shards and the run (default: a temporary folder)")
parser.add_argument("--vocab-size", type=int, default=512, help="BPE vocabulary, the 256 bytes and specials included")
parser.add_argument("--max-steps", type=int, default=600, help="optimizer steps")
parser.add_argument("--batch-size", type=int, default=32, help="sequences of 64 tokens per step")
parser.add_argument("--learning-rate", type=float, default=2e-3, help="peak learning rate")
parser.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads; 1 by default: matrices of 128 gain little from more, and a busy core "
                    "makes the others spin-wait (0: torch's default)")  # fmt: skip
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)

# ---------------------------------------------------------------------------------------------------------------------
# nanoGPT's split, then the train part cut into ~64 kB documents at line ends: a row group (here one document)
# is the unit the loader shuffles, and each document's trailing EOS is one token in 20,000
text = Path(args.data).read_text(encoding="utf-8")
n = len(text)
splits = {"train": text[: int(n * 0.9)], "val": text[int(n * 0.9) :]}


def documents(part: str, size: int = 65536) -> list[str]:
    docs, start = [], 0
    while start < len(part):
        end = part.find("\n", start + size)
        end = len(part) if end < 0 else end + 1
        docs.append(part[start:end])
        start = end
    return docs


work = Path(args.work or tempfile.mkdtemp(prefix="fonderie-shakespeare-"))
tokens_dir = work / "tokens"
t0 = time.perf_counter()
tokenizer = train_tokenizer([documents(splits["train"])], vocab_size=args.vocab_size, min_frequency=2)
save_tokenizer(tokenizer, get_datafolder(str(work / TOKENIZER_DIR)))
eos = tokenizer.token_to_id("<|eos|>")
dtype = token_dtype(tokenizer.get_vocab_size())
records = []
for split, part in splits.items():
    docs = documents(part)
    roller = ShardRoller(get_datafolder(str(tokens_dir)), split, 0, dtype, 1 << 30, 1)  # one row group per document
    arrays = [torch.tensor(e.ids).numpy() for e in tokenizer.encode_batch(docs)]
    roller.add([f"shakespeare/{split}#{i}" for i in range(len(docs))], ["shakespeare"] * len(docs), arrays, eos)
    records += roller.close()
sha = file_sha256(work / TOKENIZER_DIR / "tokenizer.json")
write_parts(get_datafolder(str(tokens_dir)), 0, {"rank": 0, "tokenizer_sha256": sha, "dtype": dtype,
                                                 "shards": records})  # fmt: skip
list(ManifestWriter(str(tokens_dir), str(work / TOKENIZER_DIR), parts=1).run(None, 0, 1))
manifest = json.loads((tokens_dir / "manifest.json").read_text())
bytes_per_token = len(splits["val"].encode()) / manifest["splits"]["val"]["tokens"]
counts = manifest["splits"]
print(f"tokenized in {time.perf_counter() - t0:.1f}s: {counts['train']['tokens']:,} train tokens, "
      f"{counts['val']['tokens']:,} val tokens, {bytes_per_token:.2f} bytes per val token", flush=True)  # fmt: skip

# ---------------------------------------------------------------------------------------------------------------------
# The baby GPT's shape; nanoGPT trains 5,000 steps of 12 x 64 characters, we train fewer, longer (in bytes) batches
sets = [
    "preset=shakespeare",
    f"batch_size={args.batch_size}",
    f"max_steps={args.max_steps}",
    f"learning_rate={args.learning_rate}",
    "warmup_steps=50",
    "min_lr_ratio=0.1",
    "weight_decay=0.1",
    "beta2=0.99",  # nanoGPT's shakespeare_char: few tokens per step, so a longer second-moment memory
    f"eval_every={args.max_steps}",
    "eval_batches=0",  # the whole val split
    f"log_every={max(1, args.max_steps // 20)}",
    f"checkpoint_every={args.max_steps}",
    "device=cpu",
]
t0 = time.perf_counter()
summary = train(tokens_dir, work / "run", sets)
train_seconds = time.perf_counter() - t0
rows = [json.loads(line) for line in (work / "run" / "metrics.jsonl").read_text().splitlines()]
speed = [r["tokens_per_second"] for r in rows]
result = {
    "val_bpb": round(summary["val_bpb"], 4),
    "val_loss": round(summary["val_loss"], 4),
    "train_seconds": round(train_seconds, 1),
    "tokens_per_second": round(sum(speed) / len(speed)),
    "mfu": round(sum(r["mfu"] for r in rows) / len(rows), 4),
    "steps": args.max_steps,
    "batch_size": args.batch_size,
    "vocab_size": args.vocab_size,
    "bytes_per_token": round(bytes_per_token, 3),
    "threads": torch.get_num_threads(),
    "nanogpt_reference_bpb": round(1.88 / 0.6931, 2),
}
print(json.dumps(result))
sys.exit(0)
