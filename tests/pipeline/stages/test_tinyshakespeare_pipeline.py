"""pipelines/tinyshakespeare.yaml as users run it, on a book of the sample corpus in place of tiny Shakespeare."""

import io
import json
from pathlib import Path

import polars as pl
import pytest

from fonderie.config.pipeline import load_pipeline
from fonderie.pipeline.runner import run_pipeline

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_one_file_split_by_position_trains_the_tokenizer_and_model_on_its_first_90_percent(tmp_path):
    book = ROOT / "sample_corpus" / "books" / "instruction_sur_les_abeilles.txt"
    sets = [f"inputs.*.path={book}", f"output={tmp_path}", "stages.tokenizer.vocab_size=512",
            "stages.pretrain.max_steps=4", "stages.pretrain.batch_size=4", "stages.pretrain.set.eval_every=4",
            "stages.pretrain.set.log_every=2", "stages.pretrain.set.warmup_steps=1"]  # fmt: skip
    cfg = load_pipeline(ROOT / "pipelines" / "tinyshakespeare.yaml", sets)
    run_pipeline(cfg, out=io.StringIO())
    text = book.read_text(encoding="utf-8")
    cut = int(0.9 * len(text))
    docs = pl.read_parquet(tmp_path / "01_ingest" / "part-*.parquet")
    val = docs.filter(pl.col("split") == "val")
    assert "".join(val.sort(pl.col("id").str.extract(r"#(\d+)$").cast(int))["text"]) == text[cut:]
    report = json.loads((tmp_path / "02_tokenizer" / "tokenizer" / "report.json").read_text())
    assert report["sample"]["val_documents_excluded"] == val.height > 0  # the val text never trains the tokenizer
    assert report["sample"]["documents"] <= docs.height - val.height
    manifest = json.loads((tmp_path / "03_tokenize" / "tokens" / "manifest.json").read_text())
    assert manifest["splits"]["val"]["documents"] == val.height
    rows = [json.loads(line) for line in (tmp_path / "04_pretrain" / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 4 and rows[-1]["val_bpb"] > 0 and rows[-1]["elapsed_s"] > 0
    assert (tmp_path / "04_pretrain" / "sample.txt").read_text().startswith("ROMEO:")
