"""The ingest stage refuses, while it is planned (a run or a `--dry-run`), an input that names no file or whose
files are all another format: one line, exit 2, before any task starts."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from conftest import html_page, write_warc
from helpers import run

from fonderie.cli import main
from fonderie.config.pipeline import load_pipeline
from fonderie.errors import ConfigError
from fonderie.pipeline.stages import build_plans

PIPELINE = """output: {out}
inputs:
  - {{source: web, format: {format}, path: "{path}"}}
stages:
  - kind: ingest
"""


def pipeline(tmp_path: Path, path: str, format: str = "jsonl") -> Path:
    file = tmp_path / "p.yaml"
    file.write_text(PIPELINE.format(out=tmp_path / "out", format=format, path=path))
    return file


def fails(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.strip()


def crawl(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = html_page("Le pont", ["Il a rouvert lundi."])
    pages = [(f"https://a.fr/{i}", page, "text/html", "200 OK") for i in range(3)]
    write_warc(folder / "a.warc.gz", pages)
    return folder / "a.warc.gz"


@pytest.mark.parametrize("dry_run", [["--dry-run"], []])
@pytest.mark.parametrize("path, problem", [
    ("crawl/*.warc.gz", "matches no file"),
    ("crawl/**/*.warc.gz", "matches no file"),
    ("dumps/news.jsonl", "does not exist"),
    ("empty", "is a folder with no file in it"),
])  # fmt: skip
def test_a_path_that_names_no_file_is_one_line(tmp_path, capsys, monkeypatch, dry_run, path, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "crawl").mkdir()  # the folder is there, the files are not
    code, err = fails(["run", str(pipeline(tmp_path, path)), *dry_run], capsys)
    hint = "; point it at your files with --set 'inputs.web.path=/my/files/*'"
    assert (code, err) == (2, f"fonderie: inputs.web.path: {path!r} {problem}{hint}")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_an_input_whose_files_are_all_another_format_is_refused(tmp_path, capsys):
    warc = crawl(tmp_path / "crawl")
    code, err = fails(["run", str(pipeline(tmp_path, str(warc))), "--dry-run"], capsys)
    assert (code, err) == (2, f"fonderie: inputs.web.format: '{warc}' looks like gzip-compressed warc, not jsonl; "
                              "set `format: warc`?")  # fmt: skip
    book = tmp_path / "books" / "tome1.txt"
    book.parent.mkdir()
    book.write_text("Chapitre I\n\nIl était une fois.\n")
    (tmp_path / "books" / "tome2.txt").write_text("Chapitre II\n")
    code, err = fails(["run", str(pipeline(tmp_path, str(book.parent), "warc"))], capsys)
    assert (code, err) == (2, f"fonderie: inputs.web.format: '{book}' looks like text, not warc; so do all 2 of its "
                              "files sniffed; set `format: text`?")  # fmt: skip
    gz = tmp_path / "lines.jsonl"
    gz.write_bytes(gzip.compress(b'{"text": "Une ligne."}\n'))
    with pytest.raises(ConfigError, match=r"jsonl, but its name says uncompressed \(name it \*\.jsonl\.gz\)$"):
        build_plans(load_pipeline(pipeline(tmp_path, str(gz))))


def test_a_stray_file_is_dropped_as_one_record_and_the_rest_is_read(tmp_path):
    """Not all files wrong: the plan is built, and the stray one is counted once, never record by record."""
    crawl(tmp_path / "crawl")
    (tmp_path / "crawl" / "notes.jsonl").write_text('{"note": "not a WARC"}\n' * 1000)
    (f,) = run(pipeline(tmp_path, str(tmp_path / "crawl"), "warc"))
    assert f["dropped"]["wrong_format"] == 1 and f["read"] == 7 + 1  # warcinfo + 3 request/response pairs, the file
    assert f["kept"] + sum(f["dropped"].values()) == f["read"]


def test_a_finished_ingest_does_not_need_its_inputs(tmp_path):
    crawl(tmp_path / "crawl")
    path = pipeline(tmp_path, str(tmp_path / "crawl" / "*.warc.gz"), "warc")
    run(path)
    shutil.rmtree(tmp_path / "crawl")  # moved away once read: later stages and reruns do not read it again
    assert build_plans(load_pipeline(path))[0].is_complete()


def test_urls_are_left_to_the_tasks(tmp_path):
    """A remote path is not listed while planning (credentials may exist only where tasks run)."""
    assert build_plans(load_pipeline(pipeline(tmp_path, "memory://nowhere/*.jsonl")))


ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "pipelines").glob("*.yaml")))
def test_shipped_pipelines_pass_the_input_checks_where_their_data_is(name, tmp_path, monkeypatch):
    """`load_pipeline` checks no path (tests/config loads every shipped pipeline anywhere); planning does, and a
    shipped pipeline whose inputs are on this machine must pass it: they are the declared format."""
    monkeypatch.chdir(ROOT)  # their relative paths are relative to the repository root
    cfg = load_pipeline(ROOT / "pipelines" / name, [f"output={tmp_path}"])
    try:
        plans = build_plans(cfg)
    except ConfigError as e:
        missing = ("matches no file; point it at your files", "does not exist; point it at your files")
        if not any(problem in str(e) for problem in missing):
            raise
        pytest.skip(f"its data is not on this machine: {e}")
    assert plans[0].name == "ingest" and json.dumps(plans[0].settings["inputs"])
