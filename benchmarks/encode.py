"""Tokenization speed and memory: fonderie's tokenize stage against HF `encode_batch` and datatrove, same run.

    python benchmarks/encode.py --data ../shared/data [--mb 50] [--tasks 2 --workers 2 --threads 1] [--repeats 2]

1. Documents: the ELTeC French novels (data/french_corpus, in chunks of 40 paragraphs) and web text (the article
   bodies of data/web/html_pages, the cc_net documents of data/web/cc_net_text, and Tatoeba sentences in 112
   languages from data/langid, 40 to a document), repeated with new ids until `--mb` MB of UTF-8; written as
   document shards (what the dedup stage leaves) with 8 files, and again at 4x the size.
2. A byte-level BPE of 32,768 tokens trained by fonderie (tokens.train) on one copy of the corpus.
3. Each measurement runs in a child process (wall time; peak resident memory of every process it started):
   - `hf_encode_batch`: HF `Tokenizer.encode_batch` on the texts already in memory, batches of 1,000 (HF uses
     every core with its own threads), ids kept as a digest per document;
   - `ours`: the tokenize stage's phases (DocumentShardReader -> TokenShardWriter, then ManifestWriter) through
     datatrove's LocalPipelineExecutor: shards in, verified-format token shards and manifest out;
   - `datatrove`: DocumentShardReader -> datatrove's DocumentTokenizer (its `.ds` format, EOS appended, no
     shuffle, which is less work than its default) with the same executor settings.
   Every measurement is repeated `--repeats` times and the fastest kept (other jobs share the machine).
4. `identical_ids`: for every document, the ids in our shards (EOS removed) equal HF's.
5. Memory: our stage on 1x and 4x the input; its peak must not grow with the input.
Progress goes to stderr; the figures are one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_results import add_out_argument, write_result

VOCAB_SIZE = 32768
SHARDS = 8


def log(msg: str) -> None:
    print(f"[encode bench] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------ corpus
def base_documents(data: Path) -> list[tuple[str, str, str]]:
    """(source, language, text) of one copy of the corpus."""
    docs = []
    for path in sorted((data / "french_corpus/eltec_fra").glob("*.txt")):
        paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        docs += [("books", "fr", "\n\n".join(paragraphs[i : i + 40])) for i in range(0, len(paragraphs), 40)]
    truth = json.loads((data / "web/html_pages/ground-truth.json").read_text(encoding="utf-8"))
    docs += [("web", "en", page["articleBody"]) for page in truth.values() if page.get("articleBody")]
    with gzip.open(data / "web/cc_net_text/cc_en_head-0091.jsonl.gz", "rt", encoding="utf-8") as f:
        docs += [("web", "en", json.loads(line)["text"]) for line in f if line.strip()]
    by_language: dict[str, list[str]] = {}
    for line in (data / "langid/tatoeba_laser112.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        language, _, text = line.partition("\t")
        by_language.setdefault(language, []).append(text)
    for language, sentences in sorted(by_language.items()):
        docs += [("tatoeba", language, " ".join(sentences[i : i + 40])) for i in range(0, len(sentences), 40)]
    return docs


def write_corpus(base: list[tuple[str, str, str]], folder: Path, mb: float) -> dict:
    """Copies of `base`, new ids each time, until `mb` MB: document shards as a previous stage writes them."""
    from datatrove.data import Document

    from fonderie.pipeline.documents import document_schema
    from fonderie.steps.writers.document_shards import DocumentShardWriter

    size = sum(len(t.encode("utf-8")) for _, _, t in base)
    copies = max(1, round(mb * 1e6 / size))
    docs = [
        Document(text=t, id=f"{s}/copy{c}.txt#{i}", metadata={"source": s, "language": lang})
        for c in range(copies)
        for i, (s, lang, t) in enumerate(base)
    ]
    for rank in range(SHARDS):
        list(DocumentShardWriter(str(folder), document_schema())(iter(docs[rank::SHARDS]), rank=rank))
    return {"documents": len(docs), "mb": round(copies * size / 1e6, 2), "copies": copies}


def read_texts(folder: Path) -> tuple[list[str], list[str]]:
    import pyarrow.parquet as pq

    table = pq.read_table(sorted(folder.glob("part-*.parquet")), columns=["id", "text"])
    return table.column("id").to_pylist(), table.column("text").to_pylist()


def digest(ids) -> str:
    import numpy as np

    return hashlib.blake2b(np.asarray(ids, dtype=np.uint32).tobytes(), digest_size=16).hexdigest()


# ------------------------------------------------------------------------------------------------ measurements
def child(kind: str, work: Path, corpus: str, tasks: int, workers: int, threads: int) -> dict:
    """One measurement in this (child) process; returns seconds and what to check."""
    from datatrove.executor import LocalPipelineExecutor

    from fonderie.steps.readers.document_shards import DocumentShardReader

    docs, tokenizer = work / corpus, work / "tokenizer"
    out = work / f"{kind}_{corpus}"
    result: dict = {}
    if kind == "hf":
        from tokenizers import Tokenizer

        hf = Tokenizer.from_file(str(tokenizer / "tokenizer.json"))
        ids, texts = read_texts(docs)
        seconds, digests = 0.0, {}
        for i in range(0, len(texts), 1000):
            start = time.perf_counter()
            batch = [encoding.ids for encoding in hf.encode_batch(texts[i : i + 1000])]
            seconds += time.perf_counter() - start  # the digests below are not HF's work: off the clock
            digests.update((doc_id, digest(v)) for doc_id, v in zip(ids[i : i + 1000], batch, strict=True))
        result["digests"] = digests
    else:
        if kind == "ours":
            from fonderie.steps.tokens.manifest_writer import ManifestWriter
            from fonderie.steps.tokens.token_shard_writer import TokenShardWriter

            tokens = str(out / "tokens")
            phases = [
                ([DocumentShardReader(str(docs)), TokenShardWriter(tokens, str(tokenizer), threads=threads)], tasks),
                ([ManifestWriter(tokens, str(tokenizer), parts=tasks)], 1),
            ]
        else:
            from datatrove.pipeline.tokens import DocumentTokenizer

            step = DocumentTokenizer(str(out / "ds"), str(tokenizer / "tokenizer.json"), eos_token="<|eos|>",
                                     shuffle_documents=False)  # fmt: skip
            phases = [([DocumentShardReader(str(docs)), step], tasks)]
        start = time.perf_counter()
        for i, (pipeline, n) in enumerate(phases):
            logs = str(out / f"logs{i}")
            # spawn, as fonderie's local executor: every worker process starts clean and its peak memory is its own
            LocalPipelineExecutor(pipeline, tasks=n, workers=min(workers, n), logging_dir=logs, start_method="spawn",
                                  skip_completed=False).run()  # fmt: skip
        seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text()
    own = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # spawned workers: their own peak
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    return result | {"seconds": seconds, "cpu_seconds": round(cpu, 1), "peak_rss_mb": max(own, workers_peak) / 1024}


def measured(kind: str, args, corpus: str) -> dict:
    """One run of a measurement in a child process."""
    cmd = [sys.executable, __file__, "--child", kind, "--work", str(args.work), "--corpus", corpus,
           "--tasks", str(args.tasks), "--workers", str(args.workers), "--threads", str(args.threads)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    run = json.loads(proc.stdout.strip().splitlines()[-1])
    log(f"{kind} on {corpus}: {run['seconds']:.2f} s, {run['cpu_seconds']:.1f} s CPU, {run['peak_rss_mb']:.0f} MB")
    return run


def fastest(args, kinds: tuple[str, ...], corpus: str) -> dict[str, dict]:
    """The fastest of `--repeats` runs of each kind, run in turns (hf, ours, datatrove, hf, ...) so that a busy
    spell on the machine does not fall on one kind only."""
    best: dict[str, dict] = {}
    for _ in range(args.repeats):
        for kind in kinds:
            run = measured(kind, args, corpus)
            if kind not in best or run["seconds"] < best[kind]["seconds"]:
                best[kind] = run
    return best


def identical(work: Path, hf_digests: dict[str, str]) -> tuple[bool, int]:
    """Whether every document's ids in our shards (EOS removed) are HF's; and how many documents were compared."""
    import pyarrow.parquet as pq

    seen = 0
    for path in sorted((work / "ours_x1" / "tokens").glob("*/*.parquet")):
        shard = pq.ParquetFile(path)
        for i in range(shard.num_row_groups):
            group = shard.read_row_group(i, columns=["id", "input_ids"])
            for doc_id, ids in zip(group.column("id").to_pylist(), group.column("input_ids").to_pylist(), strict=True):
                if hf_digests.get(doc_id) != digest(ids[:-1]):
                    log(f"{doc_id}: ids differ from HF's")
                    return False, seen
                seen += 1
    return seen == len(hf_digests), seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--mb", type=float, default=50, help="MB of text at 1x (default 50)")
    parser.add_argument("--tasks", type=int, default=2, help="tasks of the tokenize phase (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="tasks run at once (default 2: this machine's cores)")
    parser.add_argument("--threads", type=int, default=1, help="encoding threads per task (default 1)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each measurement; the fastest is kept")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, deleted)")
    add_out_argument(parser, __file__)
    parser.add_argument("--child", choices=["hf", "ours", "datatrove"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.work, args.corpus, args.tasks, args.workers, args.threads)))
        return
    with tempfile.TemporaryDirectory(prefix="fonderie-tokenize-bench-") as tmp:
        args.work = args.work or Path(tmp)
        write_result(run(args), args.out)


def run(args) -> dict:
    from datatrove.io import get_datafolder

    from fonderie.tokens.encoder import TokenEncoder
    from fonderie.tokens.train import save_tokenizer, train_tokenizer

    base = base_documents(args.data)
    log(f"one copy: {len(base):,} documents, {sum(len(t.encode()) for _, _, t in base) / 1e6:.1f} MB")
    start = time.perf_counter()
    tokenizer = train_tokenizer(([t for _, _, t in base[i : i + 1000]] for i in range(0, len(base), 1000)), VOCAB_SIZE)
    save_tokenizer(tokenizer, get_datafolder(str(args.work / "tokenizer")))
    train_seconds = time.perf_counter() - start
    encoder = TokenEncoder(str(args.work / "tokenizer"))
    log(f"tokenizer: {encoder.vocab_size:,} tokens in {train_seconds:.1f} s; fast encoder: {encoder.fast}")
    x1 = write_corpus(base, args.work / "x1", args.mb)
    x4 = write_corpus(base, args.work / "x4", 4 * args.mb)
    log(f"corpus: 1x {x1}, 4x {x4}")

    runs = fastest(args, ("hf", "ours", "datatrove"), "x1")
    hf, ours, datatrove = runs["hf"], runs["ours"], runs["datatrove"]
    ours_x4 = measured("ours", args, "x4")
    same, compared = identical(args.work, hf.pop("digests"))
    manifest = json.loads((args.work / "ours_x1" / "tokens" / "manifest.json").read_text())

    def rate(m: dict) -> float:
        return round(x1["mb"] / m["seconds"], 2)

    def cpu_rate(m: dict) -> float:  # what one core does, whatever else runs on the machine
        return round(x1["mb"] / m["cpu_seconds"], 2)

    figures = {
        "input_mb": x1["mb"],
        "documents": x1["documents"],
        "tokens": manifest["totals"]["tokens"],
        "vocab_size": encoder.vocab_size,
        "cores": os.cpu_count(),
        "ours_config": {"tasks": args.tasks, "workers": args.workers, "threads": args.threads},
        "fast_encoder": encoder.fast and manifest["encoder"]["fast"],
        "hf_fallback_documents": manifest["encoder"]["hf_fallback_documents"],
        "ours_mb_s": rate(ours),
        "hf_encode_batch_mb_s": rate(hf),
        "datatrove_mb_s": rate(datatrove),
        "ours_vs_hf_encode_batch": round(hf["seconds"] / ours["seconds"], 2),
        "ours_vs_datatrove": round(datatrove["seconds"] / ours["seconds"], 2),
        "mb_per_cpu_second": {"ours": cpu_rate(ours), "hf": cpu_rate(hf), "datatrove": cpu_rate(datatrove)},
        "identical_ids": same,
        "documents_compared": compared,
        "peak_rss_mb_1x": round(ours["peak_rss_mb"], 1),
        "peak_rss_mb_4x": round(ours_x4["peak_rss_mb"], 1),
        "ours_4x_mb_s": round(x4["mb"] / ours_x4["seconds"], 2),
        "hf_peak_rss_mb_1x": round(hf["peak_rss_mb"], 1),
        "datatrove_peak_rss_mb_1x": round(datatrove["peak_rss_mb"], 1),
        "tokenizer_train_seconds": round(train_seconds, 1),
    }
    log(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
