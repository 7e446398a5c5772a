"""`fonderie inspect` on a run folder (a pipeline's `output`): one line per stage, not every shard mixed."""

import json

import polars as pl

from fonderie.cli import main
from fonderie.inspect.run import summarize_run
from fonderie.inspect.tokens import summarize_tokens


def shard(path, rows: int, **extra) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = {"id": [f"{path.stem}-{i}" for i in range(rows)], "text": ["du texte"] * rows, "source": ["s"] * rows}
    pl.DataFrame({**columns, **{k: [v] * rows for k, v in extra.items()}}).write_parquet(path)


def stage_json(folder, kind: str) -> None:
    (folder / "stage.json").write_text(json.dumps({"settings": {"stage": {"kind": kind}}, "runs": []}))


def make_run(root):
    """ingest kept 5 and dropped 2; clean added a column and dropped nothing; a tokenizer; a tokenize stage."""
    root.mkdir(parents=True)
    (root / "pipeline.yaml").write_text("output: out\n")
    shard(root / "01_ingest" / "part-00000.parquet", 3)
    shard(root / "01_ingest" / "part-00001.parquet", 2)
    shard(root / "01_ingest" / "excluded" / "part-00000-reader.parquet", 2, drop_reason="empty_text")
    stage_json(root / "01_ingest", "ingest")
    shard(root / "02_clean" / "part-00000.parquet", 5, language_score=0.9)  # a schema the ingest shards lack
    stage_json(root / "02_clean", "clean")
    (root / "03_tokenizer" / "tokenizer").mkdir(parents=True)
    (root / "03_tokenizer" / "tokenizer" / "tokenizer.json").write_text("{}")
    (root / "03_tokenizer" / "tokenizer" / "report.json").write_text('{"vocab_size": 4096}')
    stage_json(root / "03_tokenizer", "tokenizer")
    splits = {"train": {"documents": 4, "tokens": 900}, "val": {"documents": 1, "tokens": 200}}
    manifest = {"totals": {"shards": 2, "bytes": 5000}, "splits": splits}
    (root / "04_tokenize" / "tokens").mkdir(parents=True)
    (root / "04_tokenize" / "tokens" / "manifest.json").write_text(json.dumps(manifest))
    return root


def test_a_run_folder_gets_one_line_per_stage(tmp_path, capsys):
    run = make_run(tmp_path / "out")
    stages = summarize_run(run)["stages"]
    assert [(s["folder"], s["kind"]) for s in stages] == [
        ("01_ingest", "ingest"), ("02_clean", "clean"), ("03_tokenizer", "tokenizer"), ("04_tokenize", "tokenize")
    ]  # fmt: skip
    assert (stages[0]["rows"], stages[0]["dropped"], stages[0]["files"]) == (5, 2, 2)
    assert stages[0]["new_columns"] == ["id", "text", "source"] and "drop_reason" not in stages[0]["columns"]
    assert (stages[1]["rows"], stages[1]["dropped"], stages[1]["new_columns"]) == (5, 0, ["language_score"])
    assert stages[2]["vocab_size"] == 4096 and stages[3]["splits"]["val"] == {"documents": 1, "tokens": 200}

    assert main(["inspect", str(run)]) == 0
    out = capsys.readouterr().out
    assert "4 stage(s)" in out and "02_clean: adds columns language_score" in out
    assert "03_tokenizer: tokenizer/, vocabulary 4,096" in out and "val 1 documents, 200 tokens" in out
    assert f"fonderie status {run}" in out


def test_token_shards_sample_random_rows_with_their_split(tmp_path):
    for split, rows in (("train", 6), ("val", 4)):
        path = tmp_path / "tokens" / split / "shard-00000-00000.parquet"
        path.parent.mkdir(parents=True)
        ids = [f"{split}-{i}" for i in range(rows)]
        frame = {"id": ids, "source": ["s"] * rows, "input_ids": [[1, 2, 3]] * rows, "n_tokens": [3] * rows}
        pl.DataFrame(frame).write_parquet(path)
    first = summarize_tokens(tmp_path / "tokens", sample_rows=2)["sample"]
    assert [(r["id"], r["split"]) for r in first] == [("train-0", "train"), ("train-1", "train")]
    drawn = summarize_tokens(tmp_path / "tokens", sample_rows=10, sample="random", seed=1)["sample"]
    assert sorted(r["id"] for r in drawn) == sorted([f"train-{i}" for i in range(6)] + [f"val-{i}" for i in range(4)])
    assert all(r["id"].startswith(r["split"]) and r["text"] is None for r in drawn)  # no tokenizer here: ids shown
