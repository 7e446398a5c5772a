"""`fonderie run` writes only its own names in OUTPUT: a folder of the user's is refused, or shared with --force."""

from __future__ import annotations

from pathlib import Path

import pytest

from fonderie.cli import main
from fonderie.errors import RunStateError
from fonderie.pipeline.output import check_output


def pipeline(tmp_path: Path, output: Path, name: str = "p.yaml") -> Path:
    (tmp_path / "notes").mkdir(exist_ok=True)
    (tmp_path / "notes" / "a.txt").write_text("Une note assez longue pour être gardée telle quelle.\n")
    path = tmp_path / name
    path.write_text(f"output: {output}\ninputs: [{{source: notes, format: text, path: {tmp_path / 'notes'}}}]\n"
                    "stages: [{kind: ingest}]\n")  # fmt: skip
    return path


def test_a_folder_of_the_users_is_refused_then_shared_with_force(tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    (precious / "pipeline.yaml").write_text("# mine too, but a run's name: it is the resolved config")
    path = pipeline(tmp_path, precious)
    assert main(["run", str(path), "--dry-run"]) == 2  # a dry run validates: refused the same way
    err = capsys.readouterr().err.strip()
    assert err == (f"fonderie: {precious} holds files a run did not write (notes.txt): set another `output`, or "
                   "--force to write the stage folders beside them")  # fmt: skip
    assert main(["run", str(path)]) == 2 and not (precious / "01_ingest").exists()
    assert main(["run", str(path), "--force"]) == 0
    assert (precious / "notes.txt").read_text() == "mine" and (precious / "01_ingest" / "stage.json").exists()
    assert main(["run", str(path)]) == 2  # still the user's folder: --force again to rerun
    assert main(["run", str(path), "--force"]) == 0 and "already complete" in capsys.readouterr().out


def test_a_runs_own_folder_reruns_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    path = pipeline(tmp_path, out)
    assert main(["run", str(path)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["01_ingest", "pipeline.yaml"]
    assert main(["run", str(path)]) == 0 and "already complete" in capsys.readouterr().out


def test_the_pipeline_file_is_never_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    path = pipeline(out, out, name="pipeline.yaml")  # the user keeps the pipeline file in its own output
    before = path.read_text()
    for force in (False, True):
        with pytest.raises(RunStateError, match="is the file a run writes its resolved config to"):
            check_output(out, force, path)
    assert main(["run", str(path), "--force"]) == 2 and path.read_text() == before


def test_missing_or_empty_output_is_fine(tmp_path):
    check_output(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_output(tmp_path / "empty")
