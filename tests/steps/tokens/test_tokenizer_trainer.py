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
