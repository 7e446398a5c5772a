import json
import pickle
import shutil

import numpy as np
import polars as pl
import pytest
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from dedup.dedup_texts import OVERESTIMATED, TEXTS, UNDERESTIMATED, edit, replaced

from fonderie.dedup.minhash import MinhashConfig
from fonderie.dedup.normalize import shingles
from fonderie.steps.dedup.candidate_pairs import CandidatePairs
from fonderie.steps.dedup.duplicate_clusterer import DuplicateClusterer
from fonderie.steps.dedup.duplicate_filter import DuplicateFilter
from fonderie.steps.dedup.exact_signature import ExactHashSignature
from fonderie.steps.dedup.minhash_signature import MinhashSignature
from fonderie.steps.dedup.shingle_hashes import ShingleHashes
from fonderie.steps.readers.jsonl import JsonlDocumentReader

LONG = [f"{text} {TEXTS[(i + 1) % len(TEXTS)]}" for i, text in enumerate(TEXTS)]  # ~110 words each
BOILERPLATE = "Cet article vous a plu ? Abonnez-vous à notre lettre d'information et suivez-nous sur les réseaux."


def corpus_files() -> dict[str, list[str]]:
    """Six files of texts: originals, exact copies (respaced), near copies, and boilerplate-only lookalikes."""
    files: dict[str, list[str]] = {f"f{i}.jsonl": [] for i in range(6)}
    for i, text in enumerate(LONG):
        files[f"f{i}.jsonl"].append(text)
        files[f"f{(i + 1) % 6}.jsonl"].append("  " + text.replace(" ", "\n", 3))  # exact copy
        files[f"f{(i + 2) % 6}.jsonl"].append(edit(text, i, typos=1))  # near copy
        files[f"f{(i + 3) % 6}.jsonl"].append(edit(text, 10 + i, drop=2))  # near copy
        files[f"f{(i + 4) % 6}.jsonl"].append(f"{text.split('.')[0]}. {BOILERPLATE}")  # notes, not duplicates
    return files


def true_jaccard(text: str, others: list[str]) -> float:
    """The highest Jaccard of text's shingles with those of any of `others`."""
    a = set(shingles(text))
    return max(len(a & set(shingles(o))) / len(a | set(shingles(o))) for o in others)


def run_steps(
    folder, files: dict[str, list[str]], tasks: int, source_priority=(), verify=None, config=None
) -> list[str]:
    """The phases, each task given the documents of files[rank::tasks] as a reader would: signatures, then
    (verify="exact") candidate pairs and shingle hashes, then clusters, then the filter."""
    names = sorted(files)

    def docs(rank):
        return [Document(text=t, id=f"{n.split('.')[0]}/{n}#{k}", metadata={}) for n in names[rank::tasks]
                for k, t in enumerate(files[n])]  # fmt: skip

    for rank in range(tasks):
        signed = MinhashSignature(folder, config, batch_size=4)(
            ExactHashSignature(folder)(docs(rank), rank, tasks), rank, tasks
        )
        assert [d.id for d in signed] == [d.id for d in docs(rank)]  # passed through, in order
    if verify == "exact":
        assert list(CandidatePairs(folder, source_priority=source_priority)(None, 0, 1)) == []
        for rank in range(tasks):
            hashed = ShingleHashes(folder, batch_size=3)(docs(rank), rank, tasks)
            assert [d.id for d in hashed] == [d.id for d in docs(rank)]
    assert list(DuplicateClusterer(folder, source_priority=source_priority, verify=verify)(None, 0, 1)) == []
    return sorted(d.id for rank in range(tasks) for d in DuplicateFilter(folder)(docs(rank), rank, tasks))


@pytest.mark.parametrize("verify", ["exact", "estimate"])
def test_kept_set_and_clusters_do_not_depend_on_the_task_count(tmp_path, verify):
    files = corpus_files()
    kept1 = run_steps(tmp_path / "one", files, 1, verify=verify)
    kept4 = run_steps(tmp_path / "four", files, 4, verify=verify)
    assert kept1 == kept4
    one, four = pl.read_parquet(tmp_path / "one/clusters.parquet"), pl.read_parquet(tmp_path / "four/clusters.parquet")
    assert one.equals(four)
    assert len(kept1) == len(TEXTS) * 2  # each original, and each of the 6 boilerplate notes
    near = [t for f in files.values() for t in f if "\n" in t and not t.startswith("  ")]
    assert min(true_jaccard(t, LONG) for t in near) > 0.8  # the near copies are near indeed...
    notes = [t for f in files.values() for t in f if t.endswith(BOILERPLATE)]
    assert max(true_jaccard(a, [b]) for a in notes for b in notes if a != b) < 0.7  # ...and the notes are not
    summary = json.loads((tmp_path / "four/clusters.json").read_text())
    assert summary["clusters"] == 6 and summary["exact_duplicate"] + summary["near_duplicate"] == 18
    # a copy is an exact_duplicate when it equals the kept document, which may be a near copy read first
    assert summary["exact_duplicate"] >= 1 and summary["near_duplicate"] >= 12
    assert summary["tasks"] == 4 and sum(summary["documents_per_task"].values()) == 30
    assert set(one["reason"].drop_nulls()) == {"exact_duplicate", "near_duplicate"} and summary["verify"] == verify
    if verify == "exact":  # the Jaccard column is the exact one: check it against the texts
        text = {f"{n.split('.')[0]}/{n}#{k}": t for n, texts in files.items() for k, t in enumerate(texts)}
        near = one.filter(pl.col("reason") == "near_duplicate").rows(named=True)
        assert all(r["jaccard"] == np.float32(true_jaccard(text[r["id"]], [text[r["cluster_id"]]])) for r in near)


def test_exact_verification_decides_the_pairs_the_estimate_gets_wrong(tmp_path):
    over, under = replaced(OVERESTIMATED), replaced(UNDERESTIMATED)  # true 0.759 (est. 0.857), 0.802 (est. 0.750)
    files = {"a.jsonl": [over[0]], "b.jsonl": [over[1], under[1]]}  # over[0] == under[0]
    config = MinhashConfig(bands=56, rows=2, threshold=0.8)  # both pairs are LSH candidates
    assert run_steps(tmp_path / "exact", files, 2, verify="exact", config=config) == ["a/a.jsonl#0", "b/b.jsonl#0"]
    assert run_steps(tmp_path / "estimate", files, 2, verify="estimate", config=config) == [
        "a/a.jsonl#0",
        "b/b.jsonl#1",
    ]
    candidates = json.loads((tmp_path / "exact/candidates.json").read_text())
    assert candidates["candidate_pairs"] == 3 and candidates["documents_in_pairs_per_task"] == {"0": 1, "1": 2}
    shingles = pl.read_parquet(tmp_path / "exact/shingles")
    assert sorted(shingles["id"]) == ["a/a.jsonl#0", "b/b.jsonl#0", "b/b.jsonl#1"] and set(shingles["count"]) == {146}


def test_filter_drops_with_reasons_and_metadata(tmp_path):
    files = {"a.jsonl": [TEXTS[0], TEXTS[1]], "b.jsonl": ["  " + TEXTS[0], edit(TEXTS[1], 0, typos=1)]}
    run_steps(tmp_path, files, 2)
    docs = [Document(text=t, id=f"b/b.jsonl#{k}", metadata={}) for k, t in enumerate(files["b.jsonl"])]
    step = DuplicateFilter(tmp_path)
    assert list(step(docs, 1, 2)) == []
    assert [d.metadata["duplicate_of"] for d in docs] == ["a/a.jsonl#0", "a/a.jsonl#1"]
    assert step.stats["dropped_exact_duplicate"].total == 1 and step.stats["dropped_near_duplicate"].total == 1
    kept = [Document(text=t, id=f"a/a.jsonl#{k}", metadata={}) for k, t in enumerate(files["a.jsonl"])]
    assert [d.metadata["dup_cluster_size"] for d in DuplicateFilter(tmp_path)(kept, 0, 2)] == [2, 2]
    alone = Document(text="x", id="c./c.jsonl#0", metadata={})
    assert next(iter(DuplicateFilter(tmp_path)([alone], 0, 1))).metadata["dup_cluster_size"] == 1


def test_source_priority_decides_which_copy_is_kept(tmp_path):
    files = {"a.jsonl": [TEXTS[0]], "b.jsonl": [TEXTS[0]]}
    assert run_steps(tmp_path / "default", files, 1) == ["a/a.jsonl#0"]
    assert run_steps(tmp_path / "priority", files, 1, source_priority=["b"]) == ["b/b.jsonl#0"]


def test_filter_refuses_documents_the_signatures_did_not_see(tmp_path):
    files = {"a.jsonl": TEXTS[:3]}
    run_steps(tmp_path, files, 1)
    with pytest.raises(RuntimeError, match="read 2 documents but its signature task read 3"):
        list(DuplicateFilter(tmp_path)([Document(text=t, id=str(i), metadata={}) for i, t in enumerate(TEXTS[:2])]))


@pytest.mark.parametrize("phase", [ExactHashSignature, MinhashSignature])
def test_either_signature_phase_alone(tmp_path, phase):
    docs = [Document(text=t, id=f"s/f.jsonl#{i}", metadata={}) for i, t in
            enumerate([TEXTS[0], TEXTS[0].replace(" ", "\n"), TEXTS[1], ""])]  # fmt: skip
    assert len(list(phase(tmp_path)(docs, 0, 1))) == 4
    list(DuplicateClusterer(tmp_path)(None, 0, 1))
    filtered = DuplicateFilter(tmp_path)
    assert [d.id for d in filtered(docs, 0, 1)] == ["s/f.jsonl#0", "s/f.jsonl#2", "s/f.jsonl#3"]
    reason = "exact_duplicate" if phase is ExactHashSignature else "near_duplicate"  # minhash alone: Jaccard 1
    assert filtered.stats[f"dropped_{reason}"].total == 1


@pytest.mark.parametrize("verify", ["exact", "estimate"])
def test_no_documents(tmp_path, verify):
    assert list(MinhashSignature(tmp_path)(ExactHashSignature(tmp_path)([], 0, 1), 0, 1)) == []
    if verify == "exact":
        list(CandidatePairs(tmp_path)(None, 0, 1))
        assert list(ShingleHashes(tmp_path)([], 0, 1)) == []
    list(DuplicateClusterer(tmp_path, verify=verify)(None, 0, 1))
    assert pl.read_parquet(tmp_path / "clusters.parquet").height == 0
    assert list(DuplicateFilter(tmp_path)([], 0, 1)) == []


def test_clusterer_needs_signatures_and_sane_settings(tmp_path):
    with pytest.raises(FileNotFoundError, match="no exact/ or minhash/ signature files"):
        DuplicateClusterer(tmp_path).cluster()
    with pytest.raises(ValueError, match="threshold=0"):
        DuplicateClusterer(tmp_path, threshold=0)
    with pytest.raises(ValueError, match="batch_size=0"):
        MinhashSignature(tmp_path, batch_size=0)


def test_shingle_hashes_with_another_task_count(tmp_path):
    files = corpus_files()
    run_steps(tmp_path, files, 3, verify="exact")
    before = pl.read_parquet(tmp_path / "clusters.parquet")
    shutil.rmtree(tmp_path / "shingles")
    every = [Document(text=t, id=f"{n.split('.')[0]}/{n}#{k}", metadata={}) for n in sorted(files)
             for k, t in enumerate(files[n])]  # fmt: skip
    list(ShingleHashes(tmp_path)(every, 0, 1))  # one task: it loads the documents in pairs of all 3
    DuplicateClusterer(tmp_path, verify="exact").cluster()
    assert pl.read_parquet(tmp_path / "clusters.parquet").equals(before)


def test_exact_verification_needs_its_phases_in_order(tmp_path):
    docs = [Document(text=t, id=f"s/f.jsonl#{i}", metadata={}) for i, t in enumerate([TEXTS[0], TEXTS[0] + " fin"])]
    with pytest.raises(FileNotFoundError, match="candidates.json is missing: run CandidatePairs first"):
        list(ShingleHashes(tmp_path)(docs, 0, 1))
    list(ExactHashSignature(tmp_path)(docs, 0, 1))
    with pytest.raises(FileNotFoundError, match="no minhash/ files; run MinhashSignature first"):
        CandidatePairs(tmp_path).find()
    list(MinhashSignature(tmp_path)(docs, 0, 1))
    with pytest.raises(FileNotFoundError, match="candidates.parquet is missing: run CandidatePairs, then Shingle"):
        DuplicateClusterer(tmp_path, verify="exact").cluster()
    CandidatePairs(tmp_path).find()
    with pytest.raises(ValueError, match="2 documents of candidate pairs have no shingle hashes"):
        DuplicateClusterer(tmp_path, verify="exact").cluster()
    with pytest.raises(RuntimeError, match="task 0 read 1 documents but its signature task read 2"):
        list(ShingleHashes(tmp_path)(docs[:1], 0, 1))
    list(ShingleHashes(tmp_path)(docs, 0, 1))
    with pytest.raises(ValueError, match="rerun CandidatePairs"):  # the pairs number documents in another order
        DuplicateClusterer(tmp_path, source_priority=["x"], verify="exact").cluster()
    assert DuplicateClusterer(tmp_path, verify="exact").cluster()["near_duplicate"] == 1
    with pytest.raises(ValueError, match="verify='fast' is not one of"):
        DuplicateClusterer(tmp_path, verify="fast")
    with pytest.raises(ValueError, match="batch_size=0"):
        ShingleHashes(tmp_path, batch_size=0)
    with pytest.raises(ValueError, match="all_pairs_limit=1"):
        CandidatePairs(tmp_path, all_pairs_limit=1)


def test_phases_as_datatrove_executor_runs(tmp_path):
    """signatures with N tasks, candidates with 1, shingles with N, clustering with 1, filter with N: the way a
    pipeline stage chains them."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, texts in corpus_files().items():
        (inputs / name).write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts))
    kept = {}
    for tasks in (1, 3):
        folder = tmp_path / f"dedup{tasks}"
        config = MinhashConfig(threshold=0.75)
        sign = [JsonlDocumentReader(str(inputs), "news"), ExactHashSignature(folder), MinhashSignature(folder, config)]
        hashes = [JsonlDocumentReader(str(inputs), "news"), ShingleHashes(folder)]
        cluster = [CandidatePairs(folder), DuplicateClusterer(folder, verify="exact")]
        pickle.loads(pickle.dumps([*sign, *hashes, *cluster]))  # executors that spawn processes pickle the steps
        LocalPipelineExecutor(sign, tasks=tasks, workers=1, logging_dir=str(folder / "logs/sign")).run()
        LocalPipelineExecutor(cluster[:1], tasks=1, workers=1, logging_dir=str(folder / "logs/candidates")).run()
        LocalPipelineExecutor(hashes, tasks=tasks, workers=1, logging_dir=str(folder / "logs/shingles")).run()
        LocalPipelineExecutor(cluster[1:], tasks=1, workers=1, logging_dir=str(folder / "logs/cluster")).run()
        out = tmp_path / f"kept{tasks}"
        keep = [JsonlDocumentReader(str(inputs), "news"), DuplicateFilter(folder), _Collect(out)]
        LocalPipelineExecutor(keep, tasks=tasks, workers=1, logging_dir=str(folder / "logs/filter")).run()
        kept[tasks] = sorted(line for f in out.glob("*.txt") for line in f.read_text().split())
    assert kept[1] == kept[3] and len(kept[1]) == 12


class _Collect(PipelineStep):  # a PipelineStep that writes the ids it sees, one file per task
    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def run(self, data, rank=0, world_size=1):
        self.folder.mkdir(exist_ok=True)
        (self.folder / f"{rank}.txt").write_text("\n".join(d.id for d in data))
        yield from ()
