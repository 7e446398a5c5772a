"""`feedback ask`: prompts files, rounds, reruns, per-candidate seeds, the token ids tuning sees, both model kinds."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

torch = pytest.importorskip("torch")

from feedback.projects import MAX_NEW_TOKENS, PROMPTS, SEED, N, tiny_project, tiny_run  # noqa: E402

from fonderie.cli import main as cli  # noqa: E402
from fonderie.errors import InputError  # noqa: E402
from fonderie.feedback import store  # noqa: E402
from fonderie.feedback.generate import ask, candidate_seed, load_model, read_prompts, tuning_ids  # noqa: E402
from fonderie.feedback.project import init_project, templated  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def rows(project, sql="SELECT * FROM candidates ORDER BY id", args=()):
    db = sqlite3.connect(project / "feedback.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def test_the_shared_project_has_three_questions_with_n_candidates(tmp_path):
    project = tiny_project(tmp_path)
    assert [r["text"] for r in rows(project, "SELECT text FROM prompts ORDER BY id")] == PROMPTS
    candidates = rows(project)
    assert len(candidates) == len(PROMPTS) * N
    first = candidates[0]
    assert first["templated_prompt"] == templated(PROMPTS[0], "Question : {prompt}\nRéponse :")
    assert json.loads(first["params"]) == {"temperature": 0.8, "top_p": 0.95, "top_k": 50,
                                           "max_new_tokens": MAX_NEW_TOKENS}  # fmt: skip
    assert first["seed"] == candidate_seed(SEED, first["prompt_id"], 0)
    assert all(0 < len(json.loads(c["token_ids"])) <= MAX_NEW_TOKENS for c in candidates)
    assert first["model_fingerprint"] == rows(project, "SELECT model_fingerprint FROM rounds")[0][0]


def test_a_rerun_skips_and_a_candidate_is_reproduced_from_its_seed_alone(tmp_path):
    project = tiny_project(tmp_path)
    counts = ask(project)
    assert counts["prompts_generated"] == 0 and counts["skipped"] == 3 and counts["round"] == 1
    llm = load_model(tiny_run(), device="cpu")
    c = rows(project)[4]
    prompt_ids = llm.encode(c["templated_prompt"])
    sampling = {**json.loads(c["params"]), "n": 1}
    assert llm.sample(prompt_ids, [c["seed"]], sampling) == [json.loads(c["token_ids"])]
    assert llm.decode(json.loads(c["token_ids"])) == c["text"]


def test_the_token_ids_are_those_tuning_will_build(tmp_path):
    """Tuning tokenizes the templated prompt and the completion apart and concatenates them (never the joined
    text: BPE merges can cross the boundary): the prompt part is what generation consumed, the rest what it
    produced, so a candidate's stored ids need no re-tokenization."""
    project = tiny_project(tmp_path)
    llm = load_model(tiny_run(), device="cpu")
    template = "Question : {prompt}\nRéponse :"
    for c in rows(project):
        ids = json.loads(c["token_ids"])
        prompt = rows(project, "SELECT text FROM prompts WHERE id = ?", (c["prompt_id"],))[0][0]
        full = tuning_ids(llm, prompt, ids, template)
        assert full == llm.encode(c["templated_prompt"]) + ids
        # greedy from the same prompt ids continues exactly as the model does on the tuning sequence
    greedy = llm.sample(llm.encode(templated(PROMPTS[0], template)), [0], {"temperature": 0, "top_k": 0,
                        "top_p": 1.0, "max_new_tokens": 5})[0]  # fmt: skip
    seq = torch.tensor([tuning_ids(llm, PROMPTS[0], greedy, template)])
    logits, _ = llm.model(seq)
    n_prompt = len(llm.encode(templated(PROMPTS[0], template)))
    assert logits[0, n_prompt - 1 : -1].argmax(-1).tolist() == greedy
    # a completion given as text is encoded alone, without the prompt
    assert tuning_ids(llm, PROMPTS[0], " Paris.", template)[n_prompt:] == llm.encode(" Paris.", prompt=False)


def test_prompts_files_text_and_jsonl(tmp_path):
    text = tmp_path / "q.txt"
    text.write_text("Première ?\n\n  Deuxième ?  \n", encoding="utf-8")
    assert read_prompts(text) == [("Première ?", None), ("Deuxième ?", None)]
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text('{"prompt": "Un ?", "id": 7}\n\n{"prompt": "Deux ?"}\n{"prompt": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"q.jsonl:4: not JSON"):
        read_prompts(jsonl)
    jsonl.write_text('{"prompt": "Un ?", "id": 7}\n{"text": "Deux ?"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"q.jsonl:2: expected an object with a non-empty string `prompt`"):
        read_prompts(jsonl)
    jsonl.write_text('{"prompt": "Un ?", "id": 7}\n', encoding="utf-8")
    assert read_prompts(jsonl) == [("Un ?", "7")]


def test_new_questions_then_a_new_model_starts_round_two_on_every_question(tmp_path):
    project = tiny_project(tmp_path)
    more = tmp_path / "more.txt"
    more.write_text(PROMPTS[0] + "\nEt la capitale de l'Italie ?\n", encoding="utf-8")
    counts = ask(project, more, sampling={"n": 2})
    assert (counts["prompts_added"], counts["prompts_generated"], counts["skipped"]) == (1, 1, 1)
    assert counts["candidates"] == 2 and counts["round"] == 1
    run2 = tmp_path / "run2"
    shutil.copytree(tiny_run(), run2)
    counts = ask(project, model=run2, sampling={"n": 2, "temperature": 0})
    assert counts["round"] == 2 and counts["prompts_generated"] == 4 and counts["candidates"] == 8
    assert counts["duplicates"] == 4  # greedy: the two candidates of a question are the same text
    round2 = rows(project, "SELECT duplicate_of FROM candidates WHERE round = 2 ORDER BY id")
    assert [r[0] is None for r in round2] == [True, False] * 4
    assert rows(project, "SELECT model FROM rounds WHERE id = 2")[0][0] == str(run2)
    assert ask(project, model=run2)["round"] == 2  # the same model again: no new round


def test_prompt_ids_flag_generates_for_the_servers_questions(tmp_path, capsys):
    project = tiny_project(tmp_path)
    db = store.connect(project / "feedback.sqlite")
    new = store.add_prompt(db, 1, "Typed in the page ?", author="ana", source="web")
    db.close()
    assert cli(["feedback", "ask", str(project), "--prompt-ids", f"{new},1", "--n", "2"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert (counts["prompts_generated"], counts["skipped"], counts["candidates"]) == (1, 1, 2)
    assert cli(["feedback", "ask", str(project), "--prompt-ids", "999"]) == 2
    assert "no prompt with id 999" in capsys.readouterr().err


def test_a_transformers_folder_gets_the_same_templated_text(tmp_path):
    pytest.importorskip("transformers")
    from fonderie.training.export import export

    export(tiny_run(), tmp_path / "hf")
    project = init_project(tmp_path / "p", tmp_path / "hf", sampling={"n": 2, "max_new_tokens": 6})
    assert project.config["model_kind"] == "transformers"
    (tmp_path / "q.txt").write_text(PROMPTS[1] + "\n", encoding="utf-8")
    counts = ask(project.dir, tmp_path / "q.txt", seed=3)
    assert counts["candidates"] == 2
    candidates = rows(project.dir)
    assert candidates[0]["templated_prompt"] == templated(PROMPTS[1], project.config["template"])
    assert all(len(json.loads(c["token_ids"])) <= 6 for c in candidates)
    again = init_project(tmp_path / "p2", tmp_path / "hf", sampling={"n": 2, "max_new_tokens": 6})
    ask(again.dir, tmp_path / "q.txt", seed=3)
    assert [c["token_ids"] for c in rows(again.dir)] == [c["token_ids"] for c in candidates]  # seeded
