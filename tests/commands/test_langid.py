import io
import re
import subprocess
import sys

from fonderie.cli import main
from fonderie.commands import langid as command

LINES = [
    "Bonjour, je m'appelle Marie et j'habite à Lyon.",
    "",
    "The library reopened on Monday after a year of repairs.",
    "   ",
    "12 345,67 €",
    "Der Zug nach Berlin hat zwanzig Minuten Verspätung.",
    "Il treno per Roma parte dal binario tre.",
]
EXPECTED_LANGS = ["fr", "und", "en", "und", "und", "de", "it"]


def test_cli_prints_language_tab_score_per_line_in_order():
    stdin = "\n".join(LINES) + "\r\nÉlise est partie à la gare avant l'aube."  # a CRLF, and no final newline
    done = subprocess.run(
        [sys.executable, "-m", "fonderie", "langid"], input=stdin.encode(), capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode().split("\n")
    assert out[-1] == ""  # every line, the last one too, ends with a newline
    out = out[:-1]
    assert len(out) == len(LINES) + 1
    assert all(re.fullmatch(r"[a-z]{2,3}\t[01]\.\d{4}", line) for line in out), out
    assert [line.split("\t")[0] for line in out] == [*EXPECTED_LANGS, "fr"]
    assert out[1] == "und\t0.0000" and out[3] == "und\t0.0000"
    assert 0.9 < float(out[0].split("\t")[1]) <= 1.0


def test_lines_and_characters_split_across_reads(monkeypatch):
    monkeypatch.setattr(command, "CHUNK_BYTES", 3)  # cuts lines, and UTF-8 sequences ("à", "è"), between reads
    out = io.StringIO()
    text = "\n".join(LINES) + "\n"
    assert command.label_lines(io.BytesIO(text.encode()), out) == len(LINES)
    assert [line.split("\t")[0] for line in out.getvalue().splitlines()] == EXPECTED_LANGS
    whole = io.StringIO()
    command.label_lines(io.BytesIO(text.encode()), whole)
    assert whole.getvalue() == out.getvalue()


def test_empty_input_bad_bytes_and_only_newlines():
    out = io.StringIO()
    assert command.label_lines(io.BytesIO(b""), out) == 0 and out.getvalue() == ""
    assert command.label_lines(io.BytesIO(b"\n\n"), out) == 2 and out.getvalue() == "und\t0.0000\nund\t0.0000\n"
    out = io.StringIO()
    assert command.label_lines(io.BytesIO("Le café est très chaud ce matin.".encode("latin-1")), out) == 1
    assert out.getvalue().startswith("fr\t")  # undecodable bytes are replaced, the line still labelled


def test_help_lists_the_command():
    from fonderie.cli import build_parser

    assert "langid" in build_parser().format_help()


def test_a_file_argument_is_read_like_stdin(tmp_path, capsys):
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    assert main(["langid", str(path)]) == 0
    from_file = capsys.readouterr().out
    assert [line.split("\t")[0] for line in from_file.splitlines()] == EXPECTED_LANGS
    done = subprocess.run(
        [sys.executable, "-m", "fonderie", "langid", "-"], input=path.read_bytes(), capture_output=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.decode() == from_file  # `-` is stdin, and labels the same


def test_an_unreadable_file_is_one_line(tmp_path, capsys):
    assert main(["langid", str(tmp_path / "nope.txt")]) == 2
    assert capsys.readouterr().err == f"fonderie: {tmp_path / 'nope.txt'}: cannot read (No such file or directory)\n"
