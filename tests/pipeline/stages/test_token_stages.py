"""The tokenizer and tokenize stages built from a pipeline config, their phases run with datatrove's executor."""

import argparse
import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from datatrove.executor import LocalPipelineExecutor
from tokens.token_texts import documents, write_document_shards

from fonderie.config.pipeline import ExecutorConfig, InputConfig, PipelineConfig
from fonderie.config.stages import IngestStage, TokenizerStage, TokenizeStage
from fonderie.errors import ConfigError
from fonderie.pipeline.documents import document_schema
from fonderie.pipeline.stages.base import StagePlan
from fonderie.pipeline.stages.tokenize import build_tokenize
from fonderie.pipeline.stages.tokenizer import build_tokenizer
from fonderie.pipeline.stats import funnel
from fonderie.tokens.manifest import read_manifest, verify_tokens

DOCS = 160


def _config(output: Path, *stages) -> PipelineConfig:
    # built without validation: `inputs` names no real file
    inputs = [InputConfig(source="web", format="jsonl", path="unused")]
    return PipelineConfig.model_construct(output=str(output), inputs=inputs, executor=ExecutorConfig(),
                                          stages=[IngestStage(kind="ingest"), *stages])  # fmt: skip


def _run(phases) -> None:
    for phase in phases:
        LocalPipelineExecutor(phase.pipeline, tasks=phase.tasks, workers=1, logging_dir=phase.folder).run()


def _ingested(output: Path) -> StagePlan:
    folder = output / "01_ingest"
    write_document_shards(folder, documents(DOCS), shards=4)
    return StagePlan("01_ingest", str(folder), [], document_schema())


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, StagePlan]:
    """A pipeline output with ingested documents, a trained tokenizer stage and a tokenize stage (1 task)."""
    output = tmp_path_factory.mktemp("pipeline")
    ingest = _ingested(output)
    stage = TokenizerStage(kind="tokenizer", vocab_size=700, sample_bytes=40_000)
    cfg = _config(output, stage)
    folder = str(output / "02_tokenizer")
    phases, schema, inputs = build_tokenizer(stage, cfg, folder, 4, ingest)
    assert [p.tasks for p in phases] == [1] and schema == ingest.schema
    assert inputs == {"documents": "01_ingest", "val_fraction": 0.0}  # no tokenize stage in this config
    _run(phases)
    plan = StagePlan("02_tokenizer", folder, phases, schema)
    _tokenize(output, plan, 1)
    return output, plan


def _tokenize(output: Path, previous: StagePlan, tasks: int, **settings):
    stage = TokenizeStage(kind="tokenize", val_fraction=0.2, shard_tokens=3000, **settings)
    cfg = _config(output, TokenizerStage(kind="tokenizer", vocab_size=700), stage)
    folder = output / "03_tokenize"
    phases, schema, inputs = build_tokenize(stage, cfg, str(folder), tasks, previous)
    _run(phases)
    return folder, phases, schema, inputs


def _rows(tokens: Path) -> dict[str, set]:
    """Every row of each split, as (id, source, input_ids, n_tokens)."""
    return {
        split: {(r[0], r[1], tuple(r[2]), r[3]) for r in pl.read_parquet(tokens / split).rows()}
        for split in ("train", "val")
    }


def test_one_task_or_four_give_the_same_rows_and_totals(trained, tmp_path):
    output, tokenizer_plan = trained
    folder, phases, schema, inputs = _tokenize(output, tokenizer_plan, 1)  # rerun: every task is already done
    assert [(p.name, p.tasks) for p in phases] == [("", 1), ("manifest", 1)]
    assert inputs == {"documents": "01_ingest", "tokenizer": str(output / "02_tokenizer" / "tokenizer")}
    one = read_manifest(folder / "tokens")
    rows_one = _rows(folder / "tokens")

    other = tmp_path / "other"
    _ingested(other)
    tokenizer = str(output / "02_tokenizer" / "tokenizer")  # the same tokenizer, named in the stage this time
    folder4, phases4, _, inputs4 = _tokenize(other, tokenizer_plan, 4, tokenizer=tokenizer)
    assert [(p.name, p.tasks) for p in phases4] == [("", 4), ("manifest", 1)] and inputs4["tokenizer"] == tokenizer
    four = read_manifest(folder4 / "tokens")
    assert _rows(folder4 / "tokens") == rows_one
    assert four["splits"] == {k: {**v, "shards": four["splits"][k]["shards"], "bytes": four["splits"][k]["bytes"]}
                              for k, v in one["splits"].items()}  # fmt: skip
    assert four["tokenizer"]["sha256"] == one["tokenizer"]["sha256"] and four["totals"]["shards"] > 2
    assert verify_tokens(folder / "tokens")[0] == [] == verify_tokens(folder4 / "tokens")[0]
    assert pq.read_schema(next((folder / "tokens" / "train").glob("*.parquet"))).equals(schema)
    f = funnel(folder4)
    assert f["read"] == f["kept"] == DOCS and f["dropped"] == {} and f["bytes_out"] > 0


def test_the_shuffled_stage_has_the_same_rows(trained, tmp_path):
    output, tokenizer_plan = trained
    other = tmp_path / "shuffled"
    _ingested(other)
    tokenizer = str(output / "02_tokenizer" / "tokenizer")
    folder, phases, _, _ = _tokenize(other, tokenizer_plan, 2, tokenizer=tokenizer, shuffle_seed=3, shuffle_buckets=2)
    assert [(p.name, p.tasks) for p in phases] == [("", 2), ("shuffle", 2), ("manifest", 1)]
    assert not (folder / "shuffle" / "buckets").exists() and verify_tokens(folder / "tokens")[0] == []
    assert _rows(folder / "tokens") == _rows(output / "03_tokenize" / "tokens")  # made by the fixture, unshuffled
    assert funnel(folder)["read"] == funnel(folder)["kept"] == DOCS


def test_the_tokenizer_report_and_the_inspect_command(trained, capsys):
    output, _ = trained
    report = json.loads((output / "02_tokenizer" / "tokenizer" / "report.json").read_text())
    assert report["sample"]["documents_scanned"] == DOCS and report["fast_encoder"]
    from fonderie.commands.inspect import main as inspect

    folder = output / "03_tokenize"
    assert inspect(argparse.Namespace(path=str(folder), rows=2, json=True, sample="first", seed=0)) == 0
    summary = json.loads(capsys.readouterr().out)
    manifest = read_manifest(folder / "tokens")
    assert {k: (v["documents"], v["tokens"]) for k, v in summary["splits"].items()} == {
        k: (v["documents"], v["tokens"]) for k, v in manifest["splits"].items()
    }
    # short documents decode whole, with their EOS, using tokens/tokenizer/
    assert len(summary["sample"]) == 2
    assert all(row["text"].endswith(")<|eos|>") for row in summary["sample"])
    assert (
        inspect(argparse.Namespace(path=str(folder / "tokens" / "val"), rows=1, json=True, sample="first", seed=0))
        == 0
    )
    assert list(json.loads(capsys.readouterr().out)["splits"]) == ["val"]  # a split folder: only its shards
    assert inspect(argparse.Namespace(path=str(folder / "tokens"), rows=1, json=False, sample="first", seed=0)) == 0
    assert "tokens per document" in capsys.readouterr().out


def test_a_tokenize_stage_needs_documents_and_a_tokenizer(tmp_path):
    stage = TokenizeStage(kind="tokenize")
    with pytest.raises(ConfigError, match="no `tokenizer` stage before it"):
        build_tokenize(stage, _config(tmp_path, stage), str(tmp_path / "02_tokenize"), 1, None)
    named = TokenizeStage(kind="tokenize", tokenizer=str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="cannot read"):
        build_tokenize(named, _config(tmp_path, named), str(tmp_path / "02_tokenize"), 1, None)


def test_a_pipeline_run_from_jsonl_to_verified_token_shards(tmp_path):
    from helpers import run

    from fonderie.cli import main

    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps({"text": d.text}, ensure_ascii=False) + "\n" for d in documents(DOCS)))
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"""
output: {tmp_path / "out"}
executor: {{kind: local, tasks: 2, workers: 1}}
inputs: [{{source: web, format: jsonl, path: "{data}", language: fr}}]
stages:
  - {{kind: ingest}}
  - {{kind: tokenizer, vocab_size: 700, sample_bytes: 40000}}
  - {{kind: tokenize, val_fraction: 0.1}}
""")
    funnels = run(pipeline)
    assert [(f["name"], f["kept"]) for f in funnels] == [("ingest", DOCS), ("tokenizer", 0), ("tokenize", DOCS)]
    assert [f["documents"] for f in funnels] == [True, False, True]  # the tokenizer is a model stage
    # the documents tokenize sends to val by id hash were not in the tokenizer's sample either
    report = json.loads((tmp_path / "out" / "02_tokenizer" / "tokenizer" / "report.json").read_text())
    val = read_manifest(tmp_path / "out" / "03_tokenize" / "tokens")["splits"]["val"]["documents"]
    assert report["sample"]["val_fraction"] == 0.1 and report["sample"]["val_documents_excluded"] == val > 0
    assert main(["verify", str(tmp_path / "out" / "03_tokenize")]) == 0


def test_nanogpt_split_of_one_text_file_through_the_stages(tmp_path):
    """Two inputs slice one file (first 90% train, last 10% val, as nanoGPT): the token splits follow the inputs'
    `split`, not the id hash, and every character lands in exactly one document."""
    from helpers import run

    text = "".join(
        f"SPEAKER {i % 13}:\n{'Now is the winter of our discontent ' * (1 + i % 3)}\n\n" for i in range(600)
    )
    assert 45_000 < len(text) < 60_000
    data = tmp_path / "input.txt"
    data.write_text(text, encoding="utf-8")
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"""
output: {tmp_path / "out"}
executor: {{kind: local, tasks: 2, workers: 1}}
inputs:
  - {{source: shakespeare, format: text, path: "{data}", slice: [0, 0.9], chunk_chars: 1000, split: train}}
  - {{source: shakespeare_val, format: text, path: "{data}", slice: [0.9, 1.0], chunk_chars: 1000, split: val}}
stages:
  - {{kind: ingest}}
  - {{kind: tokenizer, vocab_size: 512, heldout_fraction: 0.05}}
  - {{kind: tokenize, val_fraction: 0}}
""")
    funnels = run(pipeline)
    n, cut = len(text), int(len(text) * 0.9)
    documents = pl.read_parquet(tmp_path / "out" / "01_ingest" / "*.parquet")
    by_source = {
        source: documents.filter(pl.col("source") == source)
        .with_columns(pl.col("id").str.extract(r"#(\d+)$").cast(pl.Int64).alias("k"))
        .sort("k")
        for source in ("shakespeare", "shakespeare_val")
    }
    head, tail = by_source["shakespeare"], by_source["shakespeare_val"]
    assert "".join(head["text"]) == text[:cut] and "".join(tail["text"]) == text[cut:n]
    assert set(head["split"]) == {"train"} and set(tail["split"]) == {"val"}
    assert len(head) > 30 and len(tail) > 3
    kept = len(head) + len(tail)
    assert [(f["name"], f["kept"]) for f in funnels] == [("ingest", kept), ("tokenizer", 0), ("tokenize", kept)]

    tokens = tmp_path / "out" / "03_tokenize" / "tokens"
    rows = {split: pl.read_parquet(tokens / split) for split in ("train", "val")}
    assert set(rows["val"]["id"]) == set(tail["id"]) and set(rows["train"]["id"]) == set(head["id"])
    manifest = read_manifest(tokens)
    for split in ("train", "val"):
        assert manifest["splits"][split]["documents"] == len(rows[split])
        assert manifest["splits"][split]["tokens"] == rows[split]["n_tokens"].sum()
    assert manifest["totals"]["documents"] == kept
    assert verify_tokens(tokens)[0] == []
