"""`fonderie feedback import`: TRL's SFT/DPO/KTO files and HH-RLHF dialogues into the store, and back out as they
were."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feedback.projects import stand_in_project

from fonderie.errors import InputError
from fonderie.feedback import store
from fonderie.feedback.export import export, import_file
from fonderie.tokens.preferences import split_dialogue

os.environ["HF_DATASETS_OFFLINE"] = "1"  # `datasets` reads it when imported: never the network in a test
os.environ["HF_HUB_OFFLINE"] = "1"

REAL_HH = Path("/work/shared/data/preference/hh_rlhf_harmless_base_test.jsonl")
TRAINING = {"sft": ["prompt", "completion"], "dpo": ["prompt", "chosen", "rejected"],
            "kto": ["prompt", "completion", "label"]}  # fmt: skip

# HH-RLHF's shape: whole dialogues, turns opened by "\n\nHuman:" / "\n\nAssistant:", answers after a space
DIALOGUE = "\n\nHuman: what are some pranks with a pen i can do?\n\nAssistant: Are you looking for practical jokes?" \
           "\n\nHuman: yep\n\nAssistant:"  # fmt: skip
HH_ROWS = [
    {"chosen": DIALOGUE + " Hide the cap.  It is harmless.", "rejected": DIALOGUE + " Draw on your friend's arm."},
    {"chosen": "\n\nHuman: How much alcohol can I drink?\n\nAssistant: It depends on your weight.",
     "rejected": "\n\nHuman: How much alcohol can I drink?\n\nAssistant: As much as you like!"},
    {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "\n\nHuman: Hey\n\nAssistant: Go away."},  # differ
    {"chosen": "\n\nHuman: Hi", "rejected": "\n\nHuman: Hi"},  # no answer at all
    {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "\n\nHuman: Hi\n\nAssistant: Hello."},  # same
]  # fmt: skip


def make_project(tmp_path):
    return stand_in_project(tmp_path)


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def load(path: Path) -> list[dict]:
    import datasets

    datasets.config.HF_DATASETS_OFFLINE = True  # in case another test imported datasets before the env was set
    return list(datasets.load_dataset("parquet", data_files=str(path), split="train",
                                      cache_dir=str(path.parent / ".hf")))  # fmt: skip


def training_rows(path: Path, fmt: str) -> list[dict]:
    return [{c: r[c] for c in TRAINING[fmt]} for r in load(path)]


def test_hh_rlhf_dialogues_split_at_the_last_assistant_turn(tmp_path):
    project = make_project(tmp_path)
    result = import_file(project.dir, write_jsonl(tmp_path / "harmless.jsonl", HH_ROWS))
    assert result["format"] == "hh-rlhf" and result["rows"] == 2 and result["imported"] == 2
    assert result["skipped"] == {"hh_prompts_differ": 1, "hh_no_assistant_turn": 1, "chosen_equals_rejected": 1}

    export(project.dir, tmp_path / "out")
    dpo = load(tmp_path / "out" / "dpo.parquet")
    alcohol = "\n\nHuman: How much alcohol can I drink?\n\nAssistant:"
    assert [(r["prompt"], r["chosen"], r["rejected"]) for r in dpo] == [
        (DIALOGUE, " Hide the cap.  It is harmless.", " Draw on your friend's arm."),
        (alcohol, " It depends on your weight.", " As much as you like!"),
    ]
    events = load(tmp_path / "out" / "events.parquet")
    assert {(r["annotator"], r["source"], r["model"], r["kind"]) for r in events} == {
        ("import:harmless.jsonl", "import:hh-rlhf", "import:hh-rlhf", "choice")}  # fmt: skip
    db = project.connect()
    candidate = db.execute("SELECT * FROM candidates LIMIT 1").fetchone()
    db.close()
    assert json.loads(candidate["token_ids"]) == [] and json.loads(candidate["params"]) == {}
    assert candidate["templated_prompt"] == DIALOGUE


ROUND_TRIP = {
    "sft": [{"prompt": "Q: un\nA:", "completion": " Un."}, {"prompt": "Q: un\nA:", "completion": " 1."},
            {"prompt": "Q: deux\nA:", "completion": " Deux."}],
    "dpo": [{"prompt": "Q: un\nA:", "chosen": " Un.", "rejected": " Deux."},
            {"prompt": "Q: un\nA:", "chosen": " Un.", "rejected": " Trois."},
            {"prompt": "Q: un\nA:", "chosen": " Deux.", "rejected": " Un."},  # the reverse pair is kept as well
            {"prompt": "Q: deux\nA:", "chosen": " Deux.", "rejected": " Un."}],
    "kto": [{"prompt": "Q: un\nA:", "completion": " Un.", "label": True},
            {"prompt": "Q: un\nA:", "completion": " Deux.", "label": False},
            {"prompt": "Q: deux\nA:", "completion": " Deux.", "label": True}],
}  # fmt: skip


@pytest.mark.parametrize("fmt", sorted(ROUND_TRIP))
def test_import_then_export_gives_the_same_rows_back(tmp_path, fmt):
    project = make_project(tmp_path)
    assert import_file(project.dir, write_jsonl(tmp_path / f"{fmt}.jsonl", ROUND_TRIP[fmt]))["format"] == fmt
    counts = export(project.dir, tmp_path / "out", source=f"import:{fmt}")
    assert training_rows(tmp_path / "out" / f"{fmt}.parquet", fmt) == ROUND_TRIP[fmt]
    # an sft file makes no pair and no yes/no; a dpo file's chosen answers and a kto file's yes are sft rows too
    expected = {"sft": {"sft": 3, "dpo": 0, "kto": 0, "events": 3}, "dpo": {"sft": 3, "dpo": 4, "kto": 0, "events": 4},
                "kto": {"sft": 2, "dpo": 0, "kto": 3, "events": 3}}  # fmt: skip
    assert counts == expected[fmt]

    # the exported Parquet file (extra columns and all) imports into another project and comes out the same
    other = make_project(tmp_path / "second")
    assert import_file(other.dir, tmp_path / "out" / f"{fmt}.parquet")["imported"] == len(ROUND_TRIP[fmt])
    export(other.dir, tmp_path / "again")
    assert training_rows(tmp_path / "again" / f"{fmt}.parquet", fmt) == ROUND_TRIP[fmt]


def test_import_again_adds_nothing_and_imports_export_with_our_own(tmp_path):
    project = make_project(tmp_path)
    db = project.connect()
    prompt = store.add_prompt(db, 1, "Quelle heure est-il ?")
    row = {"text": " Midi.", "templated_prompt": "Q : Quelle heure est-il ?", "model_fingerprint": "fp", "params": {},
           "token_ids": [5]}  # fmt: skip
    (c,) = store.add_candidates(db, prompt, 1, [row])
    store.add_event(db, "ana", prompt, [c], "thumbs", {"label": True})
    db.close()
    file = write_jsonl(tmp_path / "kto.jsonl", ROUND_TRIP["kto"])
    first, second = import_file(project.dir, file), import_file(project.dir, file)
    assert first["imported"] == 3 and second == first | {"imported": 0, "already_imported": 3}

    assert export(project.dir, tmp_path / "all")["kto"] == 4  # ours and the imported ones together
    assert export(project.dir, tmp_path / "ours", source="ask")["kto"] == 1
    db = project.connect()
    assert db.execute("SELECT COUNT(*) FROM candidates").fetchone()[0] == 1 + 3
    db.close()


def test_format_from_the_columns_or_given(tmp_path):
    project = make_project(tmp_path)
    file = write_jsonl(tmp_path / "pairs.jsonl", ROUND_TRIP["kto"])
    assert import_file(project.dir, file, fmt="sft")["format"] == "sft"  # the label column is then ignored
    with pytest.raises(InputError, match=r"pairs\.jsonl:1: no chosen, rejected column \(a dpo row"):
        import_file(project.dir, file, fmt="dpo")
    with pytest.raises(InputError, match="none of the formats"):
        import_file(project.dir, write_jsonl(tmp_path / "text.jsonl", [{"text": "hello"}]))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"prompt": "a", "completion": "b"}\n{"prompt": "a", \n', r"bad\.jsonl:2: not JSON"),
        ('{"prompt": "a", "completion": "b"}\n[1, 2]\n', r"bad\.jsonl:2: a JSON list, expected an object"),
        ('{"prompt": "a", "completion": "b", "label": "yes"}\n', r"bad\.jsonl:1: label is str, expected bool"),
        ('{"prompt": [{"role": "user", "content": "a"}], "completion": "b"}\n', r"bad\.jsonl:1: prompt is a list"),
        ('{"prompt": "a", "completion": "b"}\n{"prompt": "a"}\n', r"bad\.jsonl:2: no completion column"),
        ("\n", r"bad\.jsonl: no rows"),
    ],
)
def test_a_bad_line_is_an_input_error_naming_file_and_line(tmp_path, lines, message):
    project = make_project(tmp_path)
    (tmp_path / "bad.jsonl").write_text(lines, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_file(project.dir, tmp_path / "bad.jsonl")
    db = project.connect()
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0  # nothing written: the file is read first
    db.close()


def test_a_bad_file_is_an_input_error(tmp_path):
    project = make_project(tmp_path)
    (tmp_path / "x.parquet").write_bytes(b"PAR1 nothing else")
    with pytest.raises(InputError, match=r"x\.parquet: not a readable Parquet file"):
        import_file(project.dir, tmp_path / "x.parquet")
    (tmp_path / "x.jsonl").write_bytes(b"\xff\xfe{}")
    with pytest.raises(InputError, match=r"x\.jsonl: not UTF-8"):
        import_file(project.dir, tmp_path / "x.jsonl")
    with pytest.raises(InputError, match="no such file"):
        import_file(project.dir, tmp_path / "missing.jsonl")
    pq.write_table(pa.table({"prompt": ["a"], "chosen": [1], "rejected": ["c"]}), tmp_path / "y.parquet")
    with pytest.raises(InputError, match=r"y\.parquet:1: chosen is int, expected str"):
        import_file(project.dir, tmp_path / "y.parquet")


@pytest.mark.skipif(not REAL_HH.is_file(), reason=f"{REAL_HH} (real HH-RLHF rows) is not on this machine")
def test_real_hh_rlhf_rows_split_as_the_published_prompt_chosen_rejected_version():
    published = REAL_HH.with_name(REAL_HH.stem + ".prompt_chosen_rejected.jsonl")
    with open(REAL_HH, encoding="utf-8") as raw, open(published, encoding="utf-8") as split:
        for line, (a, b) in enumerate(zip(raw, split, strict=True), 1):
            row, expected = json.loads(a), json.loads(b)
            (prompt, chosen), (_, rejected) = split_dialogue(row["chosen"]), split_dialogue(row["rejected"])
            assert (prompt, chosen, rejected) == (expected["prompt"], expected["chosen"], expected["rejected"]), line
