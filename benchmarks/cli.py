"""Start-up time of every `fonderie` command, and `fonderie dedup` end to end against a plain datasketch script.

    python benchmarks/cli.py [--data ../shared/data] [--out benchmarks/results/cli.json] [--mb 7 80]

1. Start-up: wall time of `fonderie --help` and of `fonderie <command> --help` for every command of
   fonderie.commands.COMMANDS (median of 5 runs, each a new process of the venv's `fonderie` entry point), and the
   modules `python -X importtime` finds slowest to import for `fonderie dedup --help` and for a `fonderie dedup` run
   on a one-line file (recorded, not asserted), with whether that run or `fonderie langid` imported datatrove's
   pipeline stack or torch (they must not).
2. `fonderie dedup` on JSONL files of ~7 and ~80 MB built from real documents: the labelled set of
   benchmarks/dedup.py (Reuters-21578 wire stories with their real re-issued copies, ELTeC French novel chunks with
   realistic edits, overlapping windows, shared boilerplate), the cc_net web paragraphs, then documents made by
   benchmarks/dedup.py's `synthetic_corpus` from all of them (originals of two passages, near copies, exact copies)
   up to the size. Against it, in the same run, a plain datasketch script (`PLAIN_SCRIPT`: json, the same word
   5-grams, MinHash.bulk, MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM) with datasketch's default weights,
   union-find keeping the first document, the same output). Each tool runs as its documentation says for that
   threshold: `fonderie dedup --threshold THRESHOLD` (its bands and rows favour recall under exact verification)
   against MinHashLSH(threshold=...); the bands and rows of both are recorded. The script also runs with fonderie's
   bands and rows (`datasketch_same_bands`), so that neither figure owes anything to the choice of bands. All are
   subprocesses, timed by wall clock, alternating; `fonderie dedup` uses its default workers (the usable cores,
   recorded with the load average before and after). The figure is the median of `--repeat` runs on the small file
   and one run on the large one. Each is scored by pairwise precision and recall against the exact Jaccard truth
   (benchmarks/dedup.py's `true_jaccard_pairs` and `components`: all pairs of documents whose exact shingle Jaccard
   is >= the threshold, and their connected components).
Progress goes to stderr; the figures are one JSON line on stdout, also written to `--out`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from dedup import components, labelled_set, pairwise_scores, synthetic_corpus, true_jaccard_pairs  # benchmarks/

from fonderie.commands import COMMANDS
from fonderie.dedup.bands import optimal_bands_rows
from fonderie.dedup.minhash import MinhashConfig
from fonderie.dedup.normalize import shingles
from fonderie.dedup.workers import usable_cores

STARTUP_RUNS = 5  # processes per command line; the median is reported
IMPORT_OFFENDERS = 12  # top-level modules listed per importtime profile
THRESHOLD = 0.8  # Jaccard of the dedup runs (benchmarks/dedup.py's headline); bands and rows follow from it
NUM_PERM = 112
# modules a `fonderie dedup` or `fonderie langid` run must not import: datatrove's pipeline stack, torch
FORBIDDEN = ("datatrove.pipeline", "datatrove.executor", "torch")
SHINGLE_CHECK_DOCS = 500  # documents on which the plain script's shingles are compared with fonderie's

# What a user would write with datasketch alone: the same word 5-grams as fonderie.dedup.normalize (NFKC,
# lowercase, decimal digits as 0, words of letters, digits and marks), its default sha1 hash, MinHash.bulk in
# batches, MinHashLSH for the threshold (its default weights choose bands and rows), union-find keeping the first
# document of each cluster, and the same output lines as `fonderie dedup`. Documents without any word are kept
# alone, as fonderie does.
PLAIN_SCRIPT = r"""
import json, re, sys, unicodedata
from datasketch import MinHash, MinHashLSH

DIGIT, WORD = re.compile(r"\d"), re.compile(r"[^\W_]+")


def shingles(text, n=5):
    words = WORD.findall(DIGIT.sub("0", unicodedata.normalize("NFKC", text).lower()))
    spans = [words] if 0 < len(words) < n else (words[i : i + n] for i in range(len(words) - n + 1))
    return [" ".join(s).encode("utf-8", "surrogatepass") for s in spans]


def main(src, dst, num_perm, threshold, params=None):
    with open(src, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    parent = list(range(len(records)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=params)
    for start in range(0, len(records), 1000):
        batch = [shingles(r["text"]) for r in records[start : start + 1000]]
        for i, (s, m) in enumerate(zip(batch, MinHash.bulk(batch, num_perm=num_perm)), start):
            if not s:
                continue
            for j in lsh.query(m):
                a, b = find(i), find(j)
                parent[max(a, b)] = min(a, b)
            lsh.insert(i, m)
    with open(dst, "w", encoding="utf-8") as out:
        for i, r in enumerate(records):
            root = find(i)
            r["cluster_id"] = records[root]["id"]
            r["duplicate_of"] = records[root]["id"] if root != i else None
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


params = tuple(int(v) for v in sys.argv[5].split(",")) if len(sys.argv) > 5 else None  # (bands, rows)
main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), params)
"""


def log(msg: str) -> None:
    print(f"[cli bench] {msg}", file=sys.stderr, flush=True)


def fonderie_command() -> list[str]:
    """The venv's `fonderie` entry point next to this interpreter, else `python -m fonderie`."""
    script = Path(sys.executable).parent / "fonderie"
    return [str(script)] if script.exists() else [sys.executable, "-m", "fonderie"]


def wall(args: list[str], **kwargs) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------- start-up
def import_profile(args: list[str], stdin: bytes = b"") -> dict:
    """Top-level modules by cumulative import time (ms) of one `python -X importtime` run, and forbidden ones."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], input=stdin, capture_output=True, check=True)
    top, names = [], set()
    for line in proc.stderr.decode().splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            names.add(m.group(4))
            if len(m.group(3)) == 1:  # one space: imported by the program itself, not by another module
                top.append((int(m.group(2)) / 1000, m.group(4)))
    top.sort(reverse=True)
    return {
        "total_ms": round(sum(ms for ms, _ in top), 1),
        "top_ms": {name: round(ms, 1) for ms, name in top[:IMPORT_OFFENDERS]},
        "forbidden_imported": sorted(n for n in names if n.startswith(FORBIDDEN)),
    }


def startup(work: Path) -> dict:
    fonderie = fonderie_command()
    # module strip_pages registers the command strip-pages
    lines = {"--help": ["--help"]} | {f"{c} --help": [c.replace("_", "-"), "--help"] for c in COMMANDS}
    seconds = {}
    for name, args in lines.items():
        seconds[name] = round(statistics.median(wall([*fonderie, *args]) for _ in range(STARTUP_RUNS)), 3)
        log(f"fonderie {name}: {seconds[name]} s")
    tiny = work / "tiny.jsonl"
    tiny.write_text('{"id": 1, "text": "une ligne de texte pour voir"}\n')
    dedup_run = ["-m", "fonderie", "dedup", str(tiny), "-o", str(work / "tiny.out.jsonl"), "--threshold", "0.8"]
    return {
        "seconds_median_of_5": seconds,
        "importtime_dedup_help": import_profile(["-m", "fonderie", "dedup", "--help"]),
        "importtime_dedup_run": import_profile(dedup_run),
        "importtime_langid_run": import_profile(["-m", "fonderie", "langid"], "Bonjour à tous\n".encode()),
    }


# ---------------------------------------------------------------------------------------------- corpus
def cc_net_records(data: Path) -> list[dict]:
    with gzip.open(data / "web/cc_net_text/cc_en_head-0091.jsonl.gz", "rt", encoding="utf-8") as f:
        return [{"text": r["text"], "url": r["id"], "source": "cc_net"} for r in map(json.loads, f)]


def corpora(data: Path, sizes_mb: list[float], rng: random.Random) -> dict[float, list[dict]]:
    """Records (id, text, source, url for web ones) of each size, each corpus the start of the next one."""
    texts, counts = labelled_set(data, rng)
    log(f"labelled set: {len(texts):,} documents: {counts}")
    records = [{"text": t, "source": "reuters" if k < counts["reuters"] else "eltec"} for k, t in enumerate(texts)]
    records += cc_net_records(data)
    sources = [r["text"] for r in records]
    size = sum(len(t.encode()) for t in sources)
    per_doc = size / len(sources)  # a first guess of a synthetic document's size, then what they measured
    out = {}
    for mb in sorted(sizes_mb):
        while size < mb * 1e6:  # few calls: each one splits all the sources into sentences
            missing = int((mb * 1e6 - size) / per_doc) + 1
            extra = synthetic_corpus(sources, missing, rng)  # 70% originals, 20% near copies, 10% exact copies
            records += [{"text": t, "source": "synthetic"} for t in extra]
            added = sum(len(t.encode()) for t in extra)
            size, per_doc = size + added, added / len(extra)
        out[mb] = [{"id": f"doc-{k}", **r} for k, r in enumerate(records)]
    return out


def write_jsonl(records: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def cluster_labels(path: Path) -> np.ndarray:
    """Each output record's cluster (its cluster_id, as a number) in input order."""
    index: dict = {}
    with open(path, encoding="utf-8") as f:
        return np.array([index.setdefault(json.loads(line)["cluster_id"], len(index)) for line in f])


# ---------------------------------------------------------------------------------------------- dedup
def dedup_runs(records: list[dict], work: Path, repeat: int) -> dict:
    texts = [r["text"] for r in records]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    src = work / f"in_{len(records)}.jsonl"
    write_jsonl(records, src)
    ours = MinhashConfig.from_settings(NUM_PERM, None, THRESHOLD, "exact")  # what `--threshold` picks
    theirs = optimal_bands_rows(THRESHOLD, NUM_PERM)  # MinHashLSH's, with its default weights
    script = work / "plain_datasketch.py"
    script.write_text(PLAIN_SCRIPT)
    commands = {
        "fonderie": [*fonderie_command(), "dedup", str(src), "-o", str(work / "fonderie.jsonl")]
        + ["--threshold", str(THRESHOLD), "--num-perm", str(NUM_PERM)],
        "datasketch": [sys.executable, str(script), str(src), str(work / "datasketch.jsonl")]
        + [str(NUM_PERM), str(THRESHOLD)],
        # the same script given fonderie's bands and rows: the speed-up owes nothing to the choice of bands
        "datasketch_same_bands": [sys.executable, str(script), str(src), str(work / "datasketch_same_bands.jsonl")]
        + [str(NUM_PERM), str(THRESHOLD), f"{ours.bands},{ours.rows}"],
    }
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for k in range(repeat):
        for name in commands if k % 2 == 0 else reversed(commands):
            seconds[name].append(wall(commands[name]))
            log(f"{mb:.1f} MB, {name}: {seconds[name][-1]:.2f} s")
    t0 = time.perf_counter()
    i, j, jac = true_jaccard_pairs(texts)
    true = jac >= THRESHOLD
    truth = components(len(texts), i[true], j[true])
    log(f"{mb:.1f} MB: exact Jaccard truth in {time.perf_counter() - t0:.1f} s, {np.count_nonzero(true):,} pairs")
    out: dict = {
        "documents": len(records),
        "mb": round(mb, 2),
        "bands_rows": {
            "fonderie": [ours.bands, ours.rows],
            "datasketch": list(theirs),
            "datasketch_same_bands": [ours.bands, ours.rows],
        },  # fmt: skip
    }
    for name in commands:
        out[name] = {
            "seconds": round(statistics.median(seconds[name]), 2),
            "runs": [round(s, 2) for s in seconds[name]],
            **pairwise_scores(cluster_labels(work / f"{name}.jsonl"), truth),
        }
    out["speedup"] = round(out["datasketch"]["seconds"] / out["fonderie"]["seconds"], 2)
    out["speedup_same_bands"] = round(out["datasketch_same_bands"]["seconds"] / out["fonderie"]["seconds"], 2)
    log(f"{mb:.1f} MB: {out}")
    return out


def plain_shingles_agree(texts: list[str], work: Path) -> float:
    """Share of documents whose shingles the plain script computes as fonderie.dedup.normalize does."""
    namespace: dict = {}
    exec(PLAIN_SCRIPT.split("\ndef main")[0], namespace)  # the script's imports and its `shingles`
    same = sum(namespace["shingles"](t) == shingles(t) for t in texts[:SHINGLE_CHECK_DOCS])
    return round(same / min(len(texts), SHINGLE_CHECK_DOCS), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cli.json"), help="JSON file to write")
    parser.add_argument("--mb", type=float, nargs="+", default=[7, 80], help="sizes of the JSONL files (MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool on the smallest file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the edits and of the synthetic documents")
    args = parser.parse_args()
    results: dict = {"usable_cores": usable_cores(), "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results["startup"] = startup(work)
        sets = corpora(args.data, args.mb, random.Random(args.seed))
        smallest = min(sets)
        results["plain_script_shingles_equal_share"] = plain_shingles_agree([r["text"] for r in sets[smallest]], work)
        results["dedup"] = {
            f"{mb:g}MB": dedup_runs(records, work, args.repeat if mb == smallest else 1)
            for mb, records in sets.items()
        }
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    line = json.dumps(results, ensure_ascii=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
