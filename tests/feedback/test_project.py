"""A feedback project: init checks the model, the template and the folder; open_project names what is wrong."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("torch")

from feedback.projects import tiny_run  # noqa: E402

from fonderie.cli import main as cli  # noqa: E402
from fonderie.errors import ConfigError, InputError, RunStateError  # noqa: E402
from fonderie.feedback.project import (  # noqa: E402
    DEFAULT_TEMPLATE,
    fingerprint,
    init_project,
    open_project,
    templated,
)


def test_init_writes_the_config_the_store_and_round_one(tmp_path):
    run = tiny_run()
    project = init_project(tmp_path / "p", run, sampling={"n": 2})
    again = open_project(tmp_path / "p")
    assert again.config == project.config
    c = project.config
    assert c["model"] == str(run.resolve()) and c["model_kind"] == "fonderie" and c["template"] == DEFAULT_TEMPLATE
    assert c["sampling"] == {"n": 2, "temperature": 0.8, "top_p": 0.95, "top_k": 50, "max_new_tokens": 128}
    db = sqlite3.connect(project.store)
    rounds = db.execute("SELECT id, model, model_fingerprint, template FROM rounds").fetchall()
    assert rounds == [(1, str(run.resolve()), fingerprint(run, "fonderie"), DEFAULT_TEMPLATE)]
    assert rounds[0][2].startswith("sha256:")


def test_init_refuses_a_used_folder_a_bad_template_and_a_non_model(tmp_path):
    run = tiny_run()
    init_project(tmp_path / "p", run)
    with pytest.raises(RunStateError, match="already"):
        init_project(tmp_path / "p", run)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(RunStateError, match="not empty"):
        init_project(tmp_path / "full", run)
    with pytest.raises(ConfigError, match=r"must contain \{prompt\}"):
        init_project(tmp_path / "t", run, template="Question :")
    with pytest.raises(ConfigError, match="temperature"):
        init_project(tmp_path / "t", run, sampling={"temperature": -1})
    with pytest.raises(InputError, match="expected a fonderie run .checkpoint/ and tokenizer/. or a transformers"):
        init_project(tmp_path / "t", tmp_path / "full")
    with pytest.raises(InputError, match="no such model folder"):
        init_project(tmp_path / "t", tmp_path / "nowhere")
    assert not (tmp_path / "t").exists()  # nothing written before the checks


def test_open_project_names_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="not a feedback project"):
        open_project(tmp_path)
    project = init_project(tmp_path / "p", tiny_run())
    path = project.dir / "project.yaml"
    text = path.read_text()
    path.write_text("model: [unclosed\n")
    with pytest.raises(InputError, match="project.yaml: not valid YAML"):
        open_project(project.dir)
    path.write_text(text.replace(str(tiny_run().resolve()), str(tmp_path / "gone")))
    with pytest.raises(InputError, match="gone does not exist"):
        open_project(project.dir)
    assert open_project(project.dir, check_model=False).config["model"] == str(tmp_path / "gone")


def test_templated_is_a_plain_replace():
    assert templated("2 + 2 ?", DEFAULT_TEMPLATE) == "Question : 2 + 2 ?\nRéponse :"
    assert templated("{a: 1}", "Q {prompt} {x}") == "Q {a: 1} {x}"  # braces are not format fields


def test_init_command_prints_one_line(tmp_path, capsys):
    assert cli(["feedback", "init", str(tmp_path / "p"), "--model", str(tiny_run()), "--n", "2"]) == 0
    assert "round 1" in capsys.readouterr().out
    assert cli(["feedback", "init", str(tmp_path / "p"), "--model", str(tiny_run())]) == 2
    assert capsys.readouterr().err.count("\n") == 1
