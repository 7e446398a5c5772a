"""`fonderie feedback export`: SFT, DPO, KTO and events Parquet files that `datasets` reads as TRL wants them."""

from __future__ import annotations

import os

import polars as pl
import pytest
from feedback.projects import stand_in_project

from fonderie.errors import InputError, RunStateError
from fonderie.feedback import store
from fonderie.feedback.export import MARKER, export

# `datasets` must never reach the network from a test: it reads these when it is imported
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

TEMPLATE = "Question : {prompt}\nRéponse :"


def make_project(tmp_path):
    return stand_in_project(tmp_path, template=TEMPLATE)


def ask(db, round_id: int, question: str, answers: list[str], source: str = "ask") -> tuple[int, list[int]]:
    prompt_id = store.add_prompt(db, round_id, question, author="ana", source=source)
    rows = [{"text": a, "templated_prompt": TEMPLATE.replace("{prompt}", question), "model_fingerprint": "fp",
             "params": {"temperature": 0.8}, "seed": i, "token_ids": [i]} for i, a in enumerate(answers)]  # fmt: skip
    return prompt_id, store.add_candidates(db, prompt_id, round_id, rows)


def load(path):
    """The file as `datasets` loads it (offline, cache in the test's folder): the columns TRL will see."""
    import datasets

    datasets.config.HF_DATASETS_OFFLINE = True  # in case another test imported datasets before the env was set
    return datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(path.parent / ".hf"))


def features(ds, columns):
    return {c: ds.features[c].dtype for c in columns}


@pytest.fixture
def project(tmp_path):
    """Round 1: two questions, ana and ben on them, every kind of decision, an undo and a change of mind."""
    project = make_project(tmp_path)
    db = project.connect()
    p1, (a, b, a2) = ask(db, 1, "Quelle heure est-il ?", [" Midi.", " Minuit.", " Midi."])  # a2 repeats a
    p2, (d, e) = ask(db, 1, "Combien font 2 + 2 ?", [" 4.", " 5."])
    store.add_event(db, "ana", p1, [b, a2, a], "choice", {"best": a})  # vs b only: a2 is the same text as a
    store.add_event(db, "ana", p2, [d], "thumbs", {"label": True})
    store.add_event(db, "ana", p2, [e], "thumbs", {"label": False})
    store.add_event(db, "ana", p1, [b], "thumbs", {"label": True})
    store.add_event(db, "ana", p1, [b], "thumbs", {"label": False})  # changed her mind: only this one counts
    store.add_event(db, "ben", p2, [e], "correction", {"text": " 4, pas 5."})
    store.add_event(db, "ben", p2, [e, d], "choice", {"best": "tie"})  # no pair
    store.add_event(db, "ben", p1, [a], "thumbs", {"label": True})  # same SFT row as ana's choice: written once
    undone = store.add_event(db, "ben", p1, [b], "thumbs", {"label": True})
    store.add_event(db, "ben", p1, [b], "undo", {"undoes": undone})
    store.add_event(db, "ben", p2, [d, e], "skip", {})
    db.close()
    return project


def test_each_file_is_read_by_datasets_with_trl_columns_and_types(project, tmp_path):
    out = tmp_path / "out"
    counts = export(project.dir, out)
    assert counts == {"sft": 3, "dpo": 2, "kto": 4, "events": 11}
    q1 = TEMPLATE.replace("{prompt}", "Quelle heure est-il ?")
    q2 = TEMPLATE.replace("{prompt}", "Combien font 2 + 2 ?")

    sft = load(out / "sft.parquet")
    assert features(sft, ["prompt", "completion"]) == {"prompt": "string", "completion": "string"}
    assert [(r["prompt"], r["completion"], r["kind"]) for r in sft] == [
        (q1, " Midi.", "choice"), (q2, " 4.", "thumbs"), (q2, " 4, pas 5.", "correction")]  # fmt: skip

    dpo = load(out / "dpo.parquet")
    assert features(dpo, ["prompt", "chosen", "rejected"]) == {"prompt": "string", "chosen": "string",
                                                               "rejected": "string"}  # fmt: skip
    assert [(r["prompt"], r["chosen"], r["rejected"], r["annotator"]) for r in dpo] == [
        (q1, " Midi.", " Minuit.", "ana"), (q2, " 4, pas 5.", " 5.", "ben")]  # fmt: skip
    assert dpo[1]["chosen_candidate_id"] is None  # a correction is no candidate

    kto = load(out / "kto.parquet")
    assert features(kto, ["prompt", "completion", "label"]) == {"prompt": "string", "completion": "string",
                                                                "label": "bool"}  # fmt: skip
    rows = [(r["prompt"], r["completion"], r["label"], r["annotator"]) for r in kto]
    assert rows == [(q2, " 4.", True, "ana"), (q2, " 5.", False, "ana"), (q1, " Minuit.", False, "ana"),
                    (q1, " Midi.", True, "ben")]  # fmt: skip

    events = load(out / "events.parquet")
    assert len(events) == 11 and events.features["time"].dtype.startswith("timestamp")
    assert [r["kind"] for r in events if not r["current"]] == ["thumbs", "thumbs", "undo", "skip"]
    assert {r["model"] for r in events} == {str(project.config["model"])}
    assert not list(out.glob("*.tmp"))


def test_polars_reads_the_files_as_they_are(project, tmp_path):
    export(project.dir, tmp_path / "out")
    kto = pl.read_parquet(tmp_path / "out" / "kto.parquet")
    assert kto.schema["label"] == pl.Boolean and kto.schema["prompt"] == pl.String
    assert pl.read_parquet(tmp_path / "out" / "events.parquet").schema["candidate_ids"] == pl.List(pl.Int64)


def test_filters_by_round_annotator_and_source(project, tmp_path):
    db = project.connect()
    round_2 = store.add_round(db, "runs/next", "fp2", TEMPLATE)
    p, (c,) = ask(db, round_2, "Quelle heure est-il ?", [" Treize heures."], source="web")
    store.add_event(db, "ana", p, [c], "thumbs", {"label": True})
    db.close()

    assert export(project.dir, tmp_path / "r2", round_id=round_2) == {"sft": 1, "dpo": 0, "kto": 1, "events": 1}
    assert export(project.dir, tmp_path / "ben", annotator="ben") == {"sft": 2, "dpo": 1, "kto": 1, "events": 6}
    assert export(project.dir, tmp_path / "web", source="web")["kto"] == 1
    # an empty file keeps its columns and types (datasets 5 refuses a 0-row Parquet file: polars reads it)
    empty = pl.read_parquet(tmp_path / "r2" / "dpo.parquet")
    assert empty.height == 0 and empty.schema["chosen"] == pl.String


def test_output_folder_new_empty_or_an_earlier_export(project, tmp_path):
    out = tmp_path / "out"
    export(project.dir, out)
    assert (out / MARKER).is_file()
    assert export(project.dir, out)["sft"] == 3  # an earlier export is rewritten

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(RunStateError, match="notes.txt.*--force"):
        export(project.dir, foreign)
    assert export(project.dir, foreign, force=True)["dpo"] == 2
    assert (foreign / "notes.txt").read_text() == "mine"

    (tmp_path / "empty").mkdir()
    export(project.dir, tmp_path / "empty")
    (tmp_path / "file").write_text("")
    with pytest.raises(RunStateError, match="a file"):
        export(project.dir, tmp_path / "file")


def test_a_folder_that_is_no_project_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not a feedback project"):
        export(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
