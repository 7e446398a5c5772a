"""The dedup stage in a pipeline: planted duplicates found across inputs, same kept rows with 1 task or 4, pairs
verified by exact Jaccard (the default) or by the signatures' estimate."""

import json
import re
from pathlib import Path

import polars as pl
import pytest
from dedup.dedup_texts import OVERESTIMATED, UNDERESTIMATED, replaced
from helpers import excluded, rows, run

from fonderie.errors import ConfigError

BASE = "Le conseil municipal de Saint-Aubin a voté mardi soir la rénovation de la piscine couverte, fermée depuis"
TEXTS = [
    BASE + " deux ans. Les travaux commenceront au printemps et dureront dix-huit mois selon le maire du village.",
    "La fromagerie coopérative du haut Jura fête ses cent ans avec une journée portes ouvertes et un marché de "
    "producteurs ; les visiteurs pourront suivre la fabrication du comté de la traite du matin à la mise en cave.",
    "Volunteers planted two hundred trees along the canal path during the spring weekend, and the town council "
    "promised benches and lights before the summer holidays start in July for the families of the district.",
]


def _write(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    near = TEXTS[0].replace("dix-huit mois", "dix-huit mois environ")  # one word added
    lines = [{"text": TEXTS[0]}, {"text": TEXTS[1]}, {"text": near}, {"text": TEXTS[2]}]
    (data / "a.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n")
    copy = [{"text": "  " + TEXTS[1].replace(" ", "  ") + "\n"}, {"text": TEXTS[2]}]  # whitespace-only change
    (data / "b.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in copy) + "\n")
    return data


def _pipeline(tmp_path: Path, data: Path, out: str, tasks: int, extra: str = "") -> Path:
    path = tmp_path / f"{out}.yaml"
    path.write_text(f"""
output: {tmp_path / out}
executor: {{kind: local, tasks: {tasks}, workers: 2}}
inputs:
  - {{source: b, format: jsonl, path: "{data}/b.jsonl"}}
  - {{source: a, format: jsonl, path: "{data}/a.jsonl"}}
stages:
  - {{kind: ingest}}
  - {{kind: dedup{extra}}}
""")
    return path


def test_duplicates_dropped_with_reasons_and_clusters_table(tmp_path):
    data = _write(tmp_path)
    _, f = run(_pipeline(tmp_path, data, "one", 1, ", source_priority: [a]"))
    assert (f["read"], f["kept"]) == (6, 3) and f["dropped"] == {"exact_duplicate": 2, "near_duplicate": 1}
    stage = tmp_path / "one" / "02_dedup"
    gone = excluded(stage).select("id", "drop_reason", "duplicate_of")
    assert gone.rows() == [
        ("a/a.jsonl#2", "near_duplicate", "a/a.jsonl#0"),
        ("b/b.jsonl#0", "exact_duplicate", "a/a.jsonl#1"),  # `a` has priority, so its copy is kept
        ("b/b.jsonl#1", "exact_duplicate", "a/a.jsonl#3"),
    ]
    kept = rows(stage)
    assert kept["dup_cluster_size"].to_list() == [2, 2, 2]
    clusters = pl.read_parquet(stage / "dedup" / "clusters.parquet")
    assert set(clusters["cluster_id"]) == {"a/a.jsonl#0", "a/a.jsonl#1", "a/a.jsonl#3"}


def test_same_kept_rows_with_one_task_or_four(tmp_path):
    data = _write(tmp_path)
    run(_pipeline(tmp_path, data, "one", 1))
    run(_pipeline(tmp_path, data, "four", 4))
    one, four = tmp_path / "one" / "02_dedup", tmp_path / "four" / "02_dedup"
    assert rows(one).equals(rows(four)) and excluded(one).equals(excluded(four))
    assert pl.read_parquet(one / "dedup" / "clusters.parquet").equals(
        pl.read_parquet(four / "dedup" / "clusters.parquet")
    )
    summary = json.loads((four / "dedup" / "clusters.json").read_text())
    assert summary["verify"] == "exact" and summary["near_duplicate"] == 1  # exact verification is the default
    assert len(list((four / "dedup" / "shingles").glob("*.parquet"))) == 4  # the shingles phase ran with 4 tasks


def _near_threshold(tmp_path: Path) -> Path:
    """A text and two copies: true Jaccard 0.759 (estimated 0.857) and 0.802 (estimated 0.750)."""
    data = tmp_path / "near"
    data.mkdir()
    texts = [*replaced(OVERESTIMATED), replaced(UNDERESTIMATED)[1]]
    (data / "a.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts[:2]))
    (data / "b.jsonl").write_text(json.dumps({"text": texts[2]}) + "\n")
    return data


@pytest.mark.parametrize(
    ("verify", "dropped"),
    [("exact", ["b/b.jsonl#0"]), ("estimate", ["a/a.jsonl#1"]), ("none", ["a/a.jsonl#1", "b/b.jsonl#0"])],
)
def test_verification_by_exact_jaccard_or_estimate_or_none(tmp_path, verify, dropped):
    data = _near_threshold(tmp_path)
    for tasks in (1, 4):  # 56 bands of 2 rows: every pair of these is an LSH candidate
        _, f = run(
            _pipeline(tmp_path, data, f"{verify}{tasks}", tasks, f", threshold: 0.8, bands: 56, verify: {verify}")
        )
        assert f["kept"] == 3 - len(dropped) and f["dropped"] == {"near_duplicate": len(dropped)}
        stage = tmp_path / f"{verify}{tasks}" / "02_dedup"
        assert excluded(stage)["id"].to_list() == dropped
        assert (stage / "dedup" / "shingles").exists() == (verify == "exact")  # the phases exact verification adds
        assert json.loads((stage / "dedup" / "clusters.json").read_text())["verify"] == verify
    clusters = [pl.read_parquet(tmp_path / f"{verify}{k}" / "02_dedup" / "dedup" / "clusters.parquet") for k in (1, 4)]
    assert clusters[0].equals(clusters[1])


@pytest.mark.parametrize("value", ["maybe", "true"])
def test_verify_must_be_a_mode(tmp_path, value):
    data = _write(tmp_path)
    with pytest.raises(ConfigError, match=re.escape("'exact', 'estimate' or 'none'")):
        run(_pipeline(tmp_path, data, "x", 1, f", verify: {value}"))


def test_nothing_to_do_is_a_config_error(tmp_path):
    data = _write(tmp_path)
    with pytest.raises(ConfigError, match="both false"):
        run(_pipeline(tmp_path, data, "x", 1, ", exact: false, near: false"))


@pytest.mark.parametrize("settings", [{}, {"num_perm": 128}, {"num_perm": 128, "bands": 16}, {"threshold": 0.8}])
def test_the_stage_and_the_command_build_the_same_minhash_settings(settings):
    import argparse

    from fonderie.commands.dedup import config_from_args
    from fonderie.config.stages import DedupStage
    from fonderie.pipeline.stages.dedup import minhash_config

    stage = DedupStage(kind="dedup", **settings)
    args = argparse.Namespace(num_perm=stage.num_perm, bands=stage.bands, threshold=stage.threshold, verify="exact")
    assert minhash_config(stage) == config_from_args(args)
    if settings == {"num_perm": 128}:
        assert (minhash_config(stage).bands, minhash_config(stage).rows) == (14, 9)  # rows = num_perm // bands
