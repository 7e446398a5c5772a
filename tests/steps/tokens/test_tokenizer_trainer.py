"""TokenizerTrainer: reads document shards itself, writes a loadable tokenizer, a report and its stats."""

import json

import pytest
from tokens.token_texts import documents, write_document_shards

from fonderie.steps.tokens.tokenizer_trainer import TokenizerTrainer
from fonderie.tokens.encoder import TokenEncoder


def test_trains_saves_and_reports_per_language(tmp_path):
    write_document_shards(tmp_path / "docs", documents(400), shards=3)
    trainer = TokenizerTrainer(str(tmp_path / "docs"), str(tmp_path / "stage"), vocab_size=600, sample_bytes=20_000,
                               heldout_fraction=0.1)  # fmt: skip
    assert list(trainer.run(None, rank=0)) == []
    folder = tmp_path / "stage" / "tokenizer"
    assert {p.name for p in folder.iterdir()} == {
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "report.json"
    }  # fmt: skip
    report = json.loads((folder / "report.json").read_text())
    sample = report["sample"]
    assert sample["documents_scanned"] == 400 and 0 < sample["bytes"] <= 1.2 * 20_000
    assert {(s["source"], s["language"]) for s in sample["strata"]} >= {("books", "fr"), ("web", "und")}
    assert all(s["sampled_documents"] > 0 for s in sample["strata"])  # small strata are not starved
    assert report["fast_encoder"] and report["vocab_size"] == 600
    assert report["heldout"]["fr"]["fertility"] > 1 and report["heldout"]["fr"]["bytes_per_token"] > 1
    assert trainer.stats["fertility_fr"].total == report["heldout"]["fr"]["fertility"]
    assert trainer.stats["sample_bytes"].total == sample["bytes"]
    assert TokenEncoder(str(folder)).sha256 == report["tokenizer_sha256"]


def test_other_ranks_do_nothing_and_an_empty_stage_is_an_error(tmp_path):
    (tmp_path / "docs").mkdir()
    trainer = TokenizerTrainer(str(tmp_path / "docs"), str(tmp_path / "stage"), vocab_size=600)
    assert list(trainer.run(None, rank=1, world_size=2)) == [] and not (tmp_path / "stage").exists()
    with pytest.raises(RuntimeError, match="no documents"):
        list(trainer.run(None, rank=0))


@pytest.mark.parametrize(
    "kwargs, message",
    [({"vocab_size": 200}, "vocab_size=200"), ({"balance": 2}, "balance=2"), ({"heldout_fraction": 1}, "heldout"),
     ({"extra_special_tokens": ["<|eos|>"]}, "built in")],
)  # fmt: skip
def test_bad_settings_name_the_value(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        TokenizerTrainer(str(tmp_path), str(tmp_path), **kwargs)


def test_a_language_with_too_few_held_back_documents_is_flagged_in_report_and_status(tmp_path, capsys):
    from datatrove.utils.stats import PipelineStats

    from fonderie.cli import main
    from fonderie.tokens.train import MIN_HELDOUT_DOCUMENTS

    write_document_shards(tmp_path / "docs", documents(400), shards=2)
    stage = tmp_path / "out" / "03_tokenizer"
    trainer = TokenizerTrainer(str(tmp_path / "docs"), str(stage), vocab_size=600, sample_bytes=20_000,
                               heldout_fraction=0.3)  # fmt: skip
    list(trainer.run(None, rank=0))
    heldout = json.loads((stage / "tokenizer" / "report.json").read_text())["heldout"]
    few = {lang for lang, m in heldout.items() if m["too_few_documents"]}
    assert few == {lang for lang, m in heldout.items() if m["documents"] < MIN_HELDOUT_DOCUMENTS}
    assert "fr" not in few and {"en", "de"} <= few  # 6 French texts in 9, one English, one German
    assert trainer.stats["heldout_documents_de"].total == heldout["de"]["documents"]
    (stage / "stats").mkdir()
    (stage / "stats" / "00000.json").write_text(PipelineStats([trainer]).to_json())
    assert main(["status", str(tmp_path / "out")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps at 80 columns in a pipe
    assert f"de {heldout['de']['fertility']:.2f}" in out
    assert f"{heldout['de']['documents']} documents: too few to trust" in out
    assert "fr " in out and f"{heldout['fr']['documents']} documents" not in out
