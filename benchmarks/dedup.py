"""Near-duplicate quality and MinHash speed: fonderie's dedup against exact Jaccard, datasketch and datatrove.

    python benchmarks/dedup.py --data ../shared/data [--threshold 0.8] [--docs 100000]

1. A labelled set from real documents: the Reuters-21578 wire stories (`<BODY>` of data/neardup/reuters21578,
   which holds real re-issued and corrected copies) and chunks of the ELTeC French novels with realistic edits
   (one or two of: publisher boilerplate added, a sentence dropped or inserted, OCR-like typos, lines reflowed with
   hyphenation; 1 or 2 copies of half the chunks, so copies of copies are there too), plus hard
   negatives: overlapping windows of the same novel, and different short chunks sharing the same boilerplate.
2. Quality: the true Jaccard of every pair of documents, computed exactly on the same word 5-gram shingles
   (sparse matrix product); the truth clusters are the connected components of pairs with Jaccard >= threshold.
   Our clusters (exact + MinHash LSH + verification, bands and rows from the threshold as datasketch picks them)
   are scored by pairwise precision and recall (pairs of documents put in the same cluster).
3. Speed, one process, CPU time (so that other processes on the machine do not count), on the same documents:
   ours (`MinHasher.signatures`, batches of 1,000), datasketch's `MinHash.update` loop and `MinHash.bulk` (both
   given the shingles of a lowercase `\\w+` split, shingling included in their time), and datatrove's
   `MinhashDedupSignature` (its default English spaCy word tokenizer; its sha1 hash, since its default xxhash
   fails on str input with xxhash >= 4), which also writes and sorts its bucket files.
4. End to end on `--docs` documents generated from the same texts (originals made of two passages each, near
   copies, exact copies): fonderie's five dedup phases on datatrove's local executor, one worker (signatures with
   4 tasks, candidate pairs with 1, shingle sets with 4, exact-Jaccard clusters with 1, filter with 4), and
   `fonderie dedup` on one JSONL file, each in its own process: wall time and peak memory, and bytes per document
   from the difference between a run on half the documents and on all of them.
Progress goes to stderr; the figures are one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_results import add_out_argument, write_result

from fonderie.dedup import find_duplicates
from fonderie.dedup.jaccard import shingle_sets
from fonderie.dedup.lsh import band_keys
from fonderie.dedup.minhash import LSH_WEIGHTS, MinhashConfig, MinHasher
from fonderie.dedup.normalize import shingles

BOILERPLATES = [
    "Ce texte vous est proposé par la bibliothèque numérique de la ville. Toute reproduction, même partielle, est "
    "interdite sans autorisation écrite. Pour signaler une erreur de transcription, écrivez-nous depuis la page de "
    "contact du site.",
    "Chapitre précédent | Sommaire | Chapitre suivant. Partager sur les réseaux sociaux. Imprimer cette page. "
    "Ajouter à mes favoris. Télécharger le livre complet au format EPUB ou PDF.",
    "Édition électronique établie d'après l'édition originale conservée à la bibliothèque municipale ; "
    "l'orthographe et la ponctuation d'origine ont été respectées, les coquilles manifestes corrigées.",
]
SENTENCE_END = re.compile(r"(?<=[.!?…»])\s+")


def log(msg: str) -> None:
    print(f"[dedup bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- labelled set
def reuters_bodies(data: Path) -> list[str]:
    bodies = []
    for path in sorted((data / "neardup/reuters21578").glob("*.sgm")):
        for body in re.findall(r"<BODY>(.*?)</BODY>", path.read_text("latin-1"), re.S):
            text = html.unescape(body.replace("&#3;", "")).strip()
            if len(text.split()) >= 5:
                bodies.append(text)
    return bodies


def novels(data: Path) -> list[list[str]]:
    """Each novel as its list of paragraphs."""
    paths = sorted((data / "french_corpus/eltec_fra").glob("*.txt"))
    return [[p.strip() for p in path.read_text().split("\n\n") if p.strip()] for path in paths]


def typos(text: str, rate: float, rng: random.Random) -> str:
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 3 and rng.random() < rate:
            j = rng.randrange(len(w) - 1)
            kind = rng.randrange(3)
            words[i] = (w[:j] + w[j + 1] + w[j] + w[j + 2 :], w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:])[kind]
    return " ".join(words)


def reflow(text: str, rng: random.Random) -> str:
    """Rewrapped at 60-75 characters; a long word at a line end is sometimes hyphenated across the break."""
    width, lines, line = rng.randint(60, 75), [], ""
    for w in text.split():
        if line and len(line) + len(w) + 1 > width:
            if len(w) > 7 and rng.random() < 0.3:
                cut = rng.randint(3, len(w) - 3)
                line, w = f"{line} {w[:cut]}-", w[cut:]
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    return "\n".join([*lines, line])


def edited(text: str, other: str, rng: random.Random) -> str:
    """A near copy: one realistic edit (three times in four) or two, each of a realistic size."""
    kinds = rng.sample(["boilerplate", "drop", "insert", "typos", "reflow"], 1 if rng.random() < 0.75 else 2)
    sentences = SENTENCE_END.split(text)
    if "drop" in kinds and len(sentences) > 4:
        del sentences[rng.randrange(len(sentences))]  # a corrected or shortened version
    if "insert" in kinds:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(SENTENCE_END.split(other)))  # an update
    text = " ".join(sentences)
    if "typos" in kinds:
        text = typos(text, rng.uniform(0.002, 0.01), rng)  # OCR-like noise
    if "boilerplate" in kinds:  # a page template around the text
        b = rng.choice(BOILERPLATES)
        text = rng.choice([f"{b}\n\n{text}", f"{text}\n\n{b}", f"{b}\n\n{text}\n\n{b}"])
    return reflow(text, rng) if "reflow" in kinds else text  # another edition's line breaks and hyphenation


def labelled_set(data: Path, rng: random.Random) -> tuple[list[str], dict]:
    docs = reuters_bodies(data)
    counts = {"reuters": len(docs)}
    bases = []
    for paragraphs in novels(data):
        i = 0
        while i < len(paragraphs) - 12:
            n = rng.randint(3, 8)
            bases.append((paragraphs, i, n))
            i += n + rng.randint(4, 20)  # gaps, so the novels' own chunks do not overlap
    rng.shuffle(bases)
    originals = ["\n\n".join(p[i : i + n]) for p, i, n in bases]
    docs += originals
    copies = [k for k in range(len(bases) // 2) for _ in range(rng.randint(1, 2))]
    near = [edited(originals[k], rng.choice(originals), rng) for k in copies]
    overlapping = ["\n\n".join(p[i + n // 2 : i + n // 2 + n]) for p, i, n in bases[: len(bases) // 5]]
    shared_boilerplate = [f"{p[i]}\n\n{BOILERPLATES[k % 3]}" for k, (p, i, _) in enumerate(bases[: len(bases) // 4])]
    docs += near + overlapping + shared_boilerplate
    counts["novel_chunks"], counts["near_copies"] = len(originals), len(near)
    counts["overlapping_windows"], counts["shared_boilerplate"] = len(overlapping), len(shared_boilerplate)
    french = docs[counts["reuters"] :]
    rng.shuffle(french)  # copies are not always after their original
    return docs[: counts["reuters"]] + french, counts


# ---------------------------------------------------------------------------------------------- quality
def true_jaccard_pairs(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, Jaccard) of every pair i < j with at least one shared shingle: exact, by sparse matrix product."""
    from scipy.sparse import csr_matrix

    vocab: dict[bytes, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        ids = {vocab.setdefault(s, len(vocab)) for s in shingles(text)}
        rows += [i] * len(ids)
        cols += ids
    x = csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(texts), len(vocab)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = (x @ x.T).tocoo()
    upper = inter.row < inter.col
    i, j, shared = inter.row[upper], inter.col[upper], inter.data[upper]
    return i, j, shared / (sizes[i] + sizes[j] - shared)


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    return connected_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)[1]


def pairwise_scores(predicted: np.ndarray, truth: np.ndarray) -> dict:
    def pairs(labels: np.ndarray) -> int:
        counts = np.unique(labels, return_counts=True)[1].astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(predicted.astype(np.int64) * (truth.max() + 1) + truth)
    ours, true = pairs(predicted), pairs(truth)
    precision, recall = both / ours if ours else 1.0, both / true if true else 1.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "pairs_ours": ours, "pairs_true": true}


def scored(texts: list[str], truth: np.ndarray, config: MinhashConfig, verify: str, pairs: tuple) -> dict:
    """Pairwise scores of our clusters, and the true pairs (i, j) that share no LSH bucket with `config`."""
    t0 = time.perf_counter()
    clusters = find_duplicates(texts, config, verify=verify)
    seconds = time.perf_counter() - t0
    signatures = np.concatenate(
        [MinHasher(config).signatures(texts[k : k + 1000]) for k in range(0, len(texts), 1000)]
    )
    keys = band_keys(signatures, config.bands, config.rows)
    missed = int(np.count_nonzero(~(keys[pairs[0]] == keys[pairs[1]]).any(axis=1)))
    return {
        "bands": config.bands,
        "rows": config.rows,
        **pairwise_scores(clusters.root, truth),
        "candidate_pairs": clusters.candidate_pairs,
        "verified_pairs": clusters.verified_pairs,
        "true_pairs": len(pairs[0]),
        "true_pairs_never_candidates": missed,
        "seconds": round(seconds, 2),
    }


def quality(texts: list[str], thresholds: list[float], reuters: int, headline: float) -> dict:
    t0 = time.perf_counter()
    i, j, jac = true_jaccard_pairs(texts)
    log(f"exact Jaccard of all {len(texts) * (len(texts) - 1) // 2:,} pairs in {time.perf_counter() - t0:.1f} s")
    edges = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.01]
    counts = np.histogram(jac, bins=edges)[0].tolist()
    bins = [f"{a}-{b}" if b <= 1 else "1" for a, b in zip(edges, edges[1:], strict=False)]
    out: dict = {"true_pairs_by_jaccard": dict(zip(bins, counts, strict=True))}
    for t in thresholds:
        pairs = (i[jac >= t], j[jac >= t])
        truth = components(len(texts), *pairs)
        real = (i < reuters) & (j < reuters) & (jac >= t)  # the Reuters wire stories alone: real duplicates only
        truth_real = components(reuters, i[real], j[real])
        out[str(t)] = {}
        for verify in ("exact", "estimate"):
            config = MinhashConfig.from_threshold(t, 112, weights=LSH_WEIGHTS[verify])
            real_root = find_duplicates(texts[:reuters], config, verify=verify).root
            out[str(t)][verify] = {
                **scored(texts, truth, config, verify, pairs),
                "reuters_only": pairwise_scores(real_root, truth_real),
            }
        config = MinhashConfig.from_threshold(t, 112, weights=LSH_WEIGHTS["estimate"])
        out[str(t)]["exact_at_estimate_bands"] = scored(texts, truth, config, "exact", pairs)
        log(f"threshold {t}: {out[str(t)]}")
    t = headline  # how much more permutations buy: the estimate's error shrinks as 1/sqrt(num_perm)
    pairs = (i[jac >= t], j[jac >= t])
    truth = components(len(texts), *pairs)
    for num_perm in (256, 512, 1024):
        config = MinhashConfig.from_threshold(t, num_perm)
        out[f"{t}_num_perm_{num_perm}"] = scored(texts, truth, config, "estimate", pairs)
        log(f"threshold {t}, {num_perm} permutations: {out[f'{t}_num_perm_{num_perm}']}")
    return out


# ---------------------------------------------------------------------------------------------- speed
def simple_shingles(text: str) -> list[bytes]:
    w = re.findall(r"\w+", text.lower())
    return [" ".join(w[k : k + 5]).encode() for k in range(max(len(w) - 4, 1))]


def cpu_seconds(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def speed(texts: list[str], work: Path, subset_mb: float) -> dict:
    from datasketch import MinHash
    from datatrove.data import Document
    from datatrove.pipeline.dedup.minhash import MinhashConfig as DatatroveConfig
    from datatrove.pipeline.dedup.minhash import MinhashDedupSignature
    from datatrove.utils.hashing import HashConfig

    subset, size = [], 0
    for t in texts:
        if size >= subset_mb * 1e6:
            break
        subset.append(t)
        size += len(t.encode())
    mb = size / 1e6
    hasher, hasher256 = MinHasher(MinhashConfig()), MinHasher(MinhashConfig(num_perm=256, bands=16, rows=16))

    def ours(docs):
        return lambda: [hasher.signatures(docs[k : k + 1000]) for k in range(0, len(docs), 1000)]

    def ours256(docs):
        return lambda: [hasher256.signatures(docs[k : k + 1000]) for k in range(0, len(docs), 1000)]

    def loop():
        for t in subset:
            m = MinHash(num_perm=112, seed=1)
            for s in simple_shingles(t):
                m.update(s)

    def datatrove():
        config = DatatroveConfig(hash_config=HashConfig(hash_fc="sha1"))
        step = MinhashDedupSignature(str(work / "datatrove_sigs"), config=config)
        step.get_shingles("warm up")  # loads the tokenizer outside the timing
        return lambda: step.run(Document(text=t, id=str(k)) for k, t in enumerate(subset))

    ours(subset[:10])()
    all_mb = sum(len(t.encode()) for t in texts) / 1e6
    seconds = {
        "ours": cpu_seconds(ours(subset), repeat=5),
        "ours_all_documents": cpu_seconds(ours(texts), repeat=3),
        "ours_256_permutations": cpu_seconds(ours256(subset), repeat=3),
        "ours_shingle_sets": cpu_seconds(lambda: shingle_sets(subset), repeat=3),  # exact verification's hashing
        "datasketch_update_loop": cpu_seconds(loop),
        "datasketch_bulk": cpu_seconds(lambda: MinHash.bulk([simple_shingles(t) for t in subset], num_perm=112), 2),
        "datatrove": cpu_seconds(datatrove()),
    }
    rate = {k: round((all_mb if k == "ours_all_documents" else mb) / s, 3) for k, s in seconds.items()}
    log(f"signature MB/s per core: {rate}")
    peers = ("datasketch_update_loop", "datasketch_bulk", "datatrove")
    ratios = {f"ours_vs_{k}": round(rate["ours"] / rate[k], 1) for k in peers}
    return {"documents": len(subset), "mb": round(mb, 3), "mb_per_s_per_core": rate, **ratios}


# ---------------------------------------------------------------------------------------------- end to end
def synthetic_corpus(sources: list[str], n: int, rng: random.Random) -> list[str]:
    """n documents: 70% originals (two passages from random places), 20% near copies, 10% exact copies."""
    sentences = [s for text in sources for s in SENTENCE_END.split(text.replace("\n", " ")) if s.strip()]
    docs: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.7 or len(docs) < 100:
            parts = []
            for _ in range(2):
                start = rng.randrange(len(sentences) - 8)
                parts.append(" ".join(sentences[start : start + rng.randint(2, 6)]))
            docs.append("\n\n".join(parts))
        elif r < 0.9:
            docs.append(edited(rng.choice(docs), rng.choice(docs), rng))
        else:
            docs.append("  " + rng.choice(docs).replace(" ", "\n", 2))
    return docs


def write_inputs(docs: list[str], work: Path) -> None:
    """4 JSONL files for the phases (`in/part-K.jsonl`), and one with ids for the CLI, for all and half the docs."""
    (work / "in").mkdir()
    (work / "in_half").mkdir()
    quarter = len(docs) // 4
    for k in range(4):
        lines = "".join(
            json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in docs[k * quarter : (k + 1) * quarter]
        )
        (work / "in" / f"part-{k}.jsonl").write_text(lines)
        if k < 2:
            (work / "in_half" / f"part-{k}.jsonl").write_text(lines)
    for name, part in (("all.jsonl", docs[: 4 * quarter]), ("half.jsonl", docs[: 2 * quarter])):
        lines = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(part))
        (work / name).write_text(lines)


def synthetic_signatures(folder: Path, n: int, tasks: int = 4) -> None:
    """Signature files of n documents without texts, for the clustering's memory at scale: random signatures,
    10% of them near copies of another (10 of 112 values changed) and 5% exact copies."""
    import pyarrow as pa

    from fonderie.dedup.exact import HASH_BYTES
    from fonderie.dedup.files import (
        EXACT_DIR,
        EXACT_SCHEMA,
        MINHASH_DIR,
        ParquetShard,
        band_column,
        dedup_folder,
        minhash_schema,
        task_file,
    )
    from fonderie.dedup.lsh import band_keys

    config, gen, out = MinhashConfig(), np.random.default_rng(0), dedup_folder(folder)
    per_task = n // tasks
    for rank in range(tasks):
        sigs = gen.integers(0, 2**32 - 1, (per_task, config.num_perm), dtype=np.uint32)
        hashes = gen.integers(0, 2**63, (per_task, 2), dtype=np.uint64)
        near = gen.choice(per_task, per_task // 10, replace=False)
        sigs[near] = sigs[gen.integers(0, per_task, len(near))]
        sigs[near, :10] += np.uint32(1)
        exact = gen.choice(per_task, per_task // 20, replace=False)
        source = gen.integers(0, per_task, len(exact))
        sigs[exact], hashes[exact] = sigs[source], hashes[source]
        keys = band_keys(sigs, config.bands, config.rows)
        ids = [f"bench/part-{rank}.jsonl#{k}" for k in range(per_task)]
        shard = ParquetShard(out, task_file(MINHASH_DIR, rank), minhash_schema(config))
        columns = {"id": ids, "signature": pa.FixedSizeListArray.from_arrays(pa.array(sigs.ravel()), config.num_perm)}
        shard.write(columns | {band_column(b): keys[:, b] for b in range(config.bands)})
        shard.close()
        shard = ParquetShard(out, task_file(EXACT_DIR, rank), EXACT_SCHEMA)
        shard.write({"id": ids, "hash": [h.tobytes() for h in hashes]})
        shard.close()
    assert HASH_BYTES == 16


def run_phase(phase: str, work: Path, inputs: str) -> None:
    """One phase, in a process of its own, which then prints its peak resident memory (VmHWM: exec resets it,
    unlike getrusage's ru_maxrss, which a child inherits from the parent that forked it)."""
    from datatrove.executor import LocalPipelineExecutor

    from fonderie.cli import main as cli
    from fonderie.pipeline.documents import document_schema
    from fonderie.steps.dedup.candidate_pairs import CandidatePairs
    from fonderie.steps.dedup.duplicate_clusterer import DuplicateClusterer
    from fonderie.steps.dedup.duplicate_filter import DuplicateFilter
    from fonderie.steps.dedup.exact_signature import ExactHashSignature
    from fonderie.steps.dedup.minhash_signature import MinhashSignature
    from fonderie.steps.dedup.shingle_hashes import ShingleHashes
    from fonderie.steps.readers.jsonl import JsonlDocumentReader
    from fonderie.steps.writers.document_shards import DocumentShardWriter

    folder = work / f"dedup_{inputs}"
    if phase == "synth":
        synthetic_signatures(folder, int(inputs.split("_")[1]))
    elif phase == "cli":
        cli(["dedup", str(work / f"{inputs}.jsonl"), "-o", str(work / f"{inputs}.out.jsonl")])
    elif phase != "baseline":
        reader = JsonlDocumentReader(str(work / inputs), "bench")
        kept = DocumentShardWriter(str(folder / "kept"), document_schema())
        steps, tasks = {
            "sign": ([reader, ExactHashSignature(folder), MinhashSignature(folder)], 4),
            "candidates": ([CandidatePairs(folder)], 1),
            "shingles": ([reader, ShingleHashes(folder)], 4),
            "cluster": ([DuplicateClusterer(folder, verify="exact")], 1),
            "cluster_estimate": ([DuplicateClusterer(folder, verify="estimate")], 1),
            "filter": ([reader, DuplicateFilter(folder), kept], 4),
        }[phase]
        logs = str(folder / "logs" / phase)
        LocalPipelineExecutor(steps, tasks=tasks, workers=1, logging_dir=logs, skip_completed=False).run()
    status = Path("/proc/self/status").read_text()
    print("VmHWM_kB", re.search(r"VmHWM:\s+(\d+)", status).group(1))


def measured(phase: str, work: Path, inputs: str) -> dict:
    """Wall time and peak resident memory of one phase, run in a child process."""
    t0 = time.perf_counter()
    args = [sys.executable, __file__, "--phase", phase, "--work", str(work), "--inputs", inputs]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    peak_kb = int(proc.stdout.strip().splitlines()[-1].split()[-1])
    return {"seconds": round(time.perf_counter() - t0, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}


def end_to_end(docs: list[str], work: Path) -> dict:
    import pyarrow.parquet as pq

    write_inputs(docs, work)
    n, half = len(docs), len(docs) // 2
    out: dict = {"documents": n, "mb": round(sum(len(t.encode()) for t in docs) / 1e6, 1)}
    out["process_baseline"] = measured("baseline", work, "in")
    runs, phases = {}, ("sign", "candidates", "shingles", "cluster", "filter")
    for inputs in ("in_half", "in"):
        runs[inputs] = {p: measured(p, work, inputs) for p in phases}
        log(f"{inputs}: {runs[inputs]}")
    out["phases"] = runs["in"]
    summary = json.loads((work / "dedup_in" / "clusters.json").read_text())
    candidates = json.loads((work / "dedup_in" / "candidates.json").read_text())
    out["kept"] = summary["kept"]
    out["dropped"] = {k: summary[k] for k in ("exact_duplicate", "near_duplicate")}
    out["pairs"] = {k: summary[k] for k in ("candidate_pairs", "verified_pairs")}
    out["documents_in_pairs"] = candidates["documents_in_pairs"]
    shingles = pq.read_table(work / "dedup_in" / "shingles", columns=["count"])["count"].to_numpy().sum()
    out["shingle_bytes_per_document_in_pairs"] = round(8 * int(shingles) / max(out["documents_in_pairs"], 1))
    out["seconds"] = round(sum(p["seconds"] for p in out["phases"].values()), 2)
    out["peak_rss_mb"] = max(p["peak_rss_mb"] for p in out["phases"].values())
    out["bytes_per_document"] = {
        phase: round((runs["in"][phase]["peak_rss_mb"] - runs["in_half"][phase]["peak_rss_mb"]) * 2**20 / (n - half))
        for phase in phases
    }
    # the clustering phase alone with estimated verification instead (no candidates or shingles phase before it)
    out["cluster_estimate"] = measured("cluster_estimate", work, "in")
    summary = json.loads((work / "dedup_in" / "clusters.json").read_text())
    out["cluster_estimate"]["dropped"] = {k: summary[k] for k in ("exact_duplicate", "near_duplicate")}
    scale = {}
    for docs in (250_000, 1_000_000):  # the clustering alone, on signatures without texts
        measured("synth", work, f"synth_{docs}")
        scale[docs] = measured("cluster_estimate", work, f"synth_{docs}")
        log(f"clustering {docs:,} synthetic signatures: {scale[docs]}")
    grow = scale[1_000_000]["peak_rss_mb"] - scale[250_000]["peak_rss_mb"]
    out["cluster_at_scale"] = {f"{k:,}": v for k, v in scale.items()} | {
        "bytes_per_document": round(grow * 2**20 / 750_000)
    }
    cli = {name: measured("cli", work, name) for name in ("half", "all")}
    cli_bytes = (cli["all"]["peak_rss_mb"] - cli["half"]["peak_rss_mb"]) * 2**20 / (n - half)
    out["cli"] = {**cli["all"], "bytes_per_document": round(cli_bytes)}
    log(f"end to end: {out}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--threshold", type=float, default=0.8, help="Jaccard threshold of the headline figures")
    parser.add_argument("--docs", type=int, default=100_000, help="documents of the end-to-end run")
    parser.add_argument("--speed-mb", type=float, default=1.5, help="MB of documents the four signers all run on")
    parser.add_argument("--seed", type=int, default=0, help="seed of the edits and of the synthetic corpus")
    add_out_argument(parser, __file__)
    phases = ["baseline", "sign", "candidates", "shingles", "cluster", "cluster_estimate", "filter", "cli", "synth"]
    parser.add_argument("--phase", choices=phases, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return run_phase(args.phase, args.work, args.inputs)
    rng = random.Random(args.seed)
    texts, counts = labelled_set(args.data, rng)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    log(f"labelled set: {len(texts):,} documents, {mb:.1f} MB: {counts}")
    results: dict = {"labelled_set": {"documents": len(texts), "mb": round(mb, 2), **counts}}
    thresholds = sorted({args.threshold, 0.7, 0.8, 0.9})
    results["quality"] = quality(texts, thresholds, counts["reuters"], args.threshold)
    headline = results["quality"][str(args.threshold)]["exact"]  # the defaults: 112 permutations, exact verification
    results["quality_headline"] = {"threshold": args.threshold, "num_perm": 112, "verify": "exact", **headline}
    with tempfile.TemporaryDirectory() as tmp:
        results["speed"] = speed(texts, Path(tmp), args.speed_mb)
    with tempfile.TemporaryDirectory() as tmp:
        docs = synthetic_corpus(texts, args.docs, rng)
        results["end_to_end"] = end_to_end(docs, Path(tmp))
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    write_result(results, args.out)


if __name__ == "__main__":
    main()
