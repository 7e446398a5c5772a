import argparse
import io
import sys

from fonderie.commands import strip_pages

WORDS = "meunier meule farine salle chanson vallée rivière moulin grain pain four matin soir village pont".split()
BOOK = "\n\f".join(
    f"{n} LE MOULIN\n\n"
    + "\n".join(" ".join(WORDS[(n * 7 + k * 3 + j) % len(WORDS)] for j in range(9)) for k in range(12))
    + f".\n\n- {n} -"
    for n in range(1, 9)
)


def run(argv, stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="fonderie")
    strip_pages.register(parser.add_subparsers())
    args = parser.parse_args(["strip-pages", *argv])
    out, err, old = io.StringIO(), io.StringIO(), (sys.stdin, sys.stdout, sys.stderr)
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = args.func(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def test_prints_the_cleaned_text_and_explains_each_removed_line(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text(BOOK, encoding="utf-8")
    code, out, err = run([str(path), "--explain"])
    assert code == 0 and "LE MOULIN" not in out and "- 3 -" not in out and "\f" not in out
    assert len(out.splitlines()) == 8 * 12  # the body lines: each page goes on with the paragraph (lower case)
    rows = [line.split("\t") for line in err.splitlines()]
    assert all(len(r) == 3 and r[0].isdigit() for r in rows)
    lines = BOOK.split("\n")
    for number, reason, text in rows:
        assert reason in ("page_number", "running_header", "page_break", "form_feed")
        assert " ".join(lines[int(number) - 1].split()) == text
    assert ["1", "running_header", "1 LE MOULIN"] in rows


def test_reads_stdin_and_keeps_stderr_quiet_without_explain():
    code, out, err = run(["-"], stdin=BOOK)
    assert code == 0 and "LE MOULIN" not in out and err == ""
    code, out, _ = run(["-"], stdin="Un texte sans pages.\n")
    assert out == "Un texte sans pages.\n"
