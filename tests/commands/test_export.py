"""`fonderie export RUN OUT` never destroys what it did not write: a user's folder is refused unless --force, and
even then only the export's own files are replaced; an earlier export is replaced file by file."""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import asdict

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from tokens.token_texts import tokenizer_dir  # noqa: E402

from fonderie.cli import main  # noqa: E402
from fonderie.errors import RunStateError  # noqa: E402
from fonderie.training import checkpoint  # noqa: E402
from fonderie.training.export import export  # noqa: E402
from fonderie.training.model import GPT, config_from_preset  # noqa: E402

MARKER = "fonderie_export.json"
EXPORTED = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            MARKER}  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run folder as `fonderie train` leaves it, without training: an untrained tiny model, checkpointed."""
    run = tmp_path_factory.mktemp("export") / "run"
    shutil.copytree(tokenizer_dir(), run / "tokenizer")
    torch.manual_seed(0)
    mc = config_from_preset("tiny", vocab_size=1000, block_size=32)
    model = GPT(mc)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    resolved = {"train": {}, "model": asdict(mc), "data": "", "world_size": 1, "tokenizer_sha256": ""}
    (run / "config.json").write_text(json.dumps(resolved))
    checkpoint.save(run, model, optimizer, 3, [{}], [{"cpu": torch.get_rng_state()}], resolved)
    return run


def test_a_folder_of_the_users_is_refused_and_left_as_it_was(run, tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    assert main(["export", str(run), str(precious)]) == 2  # the old export removed notes.txt and exited 0
    assert "precious is not empty (notes.txt) and holds no export" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]


def test_force_writes_the_export_beside_the_users_files(run, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    (precious / "config.json").write_text("{}")  # one of the export's names: --force replaces that one
    assert main(["export", str(run), str(precious), "--force"]) == 0
    assert {p.name for p in precious.iterdir()} == EXPORTED | {"notes.txt"}
    assert (precious / "notes.txt").read_text() == "mine"
    assert json.loads((precious / "config.json").read_text())["model_type"] == "llama"


def test_an_earlier_export_is_replaced_file_by_file_and_other_files_kept(run, tmp_path):
    out = tmp_path / "hf"
    export(run, out)
    (out / "README.md").write_text("model card")  # the user's addition to an export
    changed = shutil.copytree(run, tmp_path / "run")
    (changed / "tokenizer" / "special_tokens_map.json").unlink()  # the next export does not write this one
    export(changed, out)  # its own earlier output: no --force needed
    assert {p.name for p in out.iterdir()} == EXPORTED - {"special_tokens_map.json"} | {"README.md"}
    assert json.loads((out / MARKER).read_text())["run"] == str(changed.resolve())


def test_export_into_the_current_folder(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(run), "."]) == 0  # was ValueError: PosixPath('.') has an empty name
    assert {p.name for p in tmp_path.iterdir()} == EXPORTED


def test_the_run_folder_itself_is_refused_even_with_force(run):
    before = (run / "config.json").read_text()
    with pytest.raises(RunStateError, match="is the run folder itself"):
        export(run, run, force=True)
    assert (run / "config.json").read_text() == before


def test_a_file_is_refused(run, tmp_path):
    (tmp_path / "out").write_text("mine")
    with pytest.raises(RunStateError, match="is a file"):
        export(run, tmp_path / "out", force=True)


def test_exported_files_have_ordinary_permissions(run, tmp_path):
    export(run, tmp_path / "hf")
    umask = os.umask(0)
    os.umask(umask)
    for path in (tmp_path / "hf").iterdir():  # safetensors 0.8 writes 0600
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name
    assert stat.S_IMODE((run / "checkpoint" / "model.safetensors").stat().st_mode) == 0o666 & ~umask
