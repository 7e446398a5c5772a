import json
import subprocess
import sys

import polars as pl
import pytest
from dedup.dedup_texts import OVERESTIMATED, TEXTS, UNDERESTIMATED, annotated_corpus, replaced

from fonderie.cli import main
from fonderie.dedup.minhash import LSH_WEIGHTS


def run(*argv: str) -> int:
    """`fonderie dedup ARGV` as the command line runs it (a FonderieError printed as one line, exit status 2)."""
    return main(["dedup", *argv])


def write_jsonl(path, records) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records))
    return str(path)


def test_listed_by_fonderie_help():
    from fonderie.cli import build_parser

    assert "dedup" in build_parser().format_help()


def test_every_record_in_input_order_with_cluster_id_and_duplicate_of(tmp_path, capsys):
    records = annotated_corpus()
    src = write_jsonl(tmp_path / "in.jsonl", records[:3] + [""] + records[3:])  # a blank line is not a record
    out = tmp_path / "out.jsonl"
    assert run(src, "-o", str(out), "--clusters", str(tmp_path / "clusters.parquet")) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["b", 7, "a", "c", "d", "e"]
    assert [r["cluster_id"] for r in rows] == ["b", 7, "b", 7, "d", "e"]  # first in input order is kept
    assert [r["duplicate_of"] for r in rows] == [None, None, "b", 7, None, None]
    assert rows[0]["url"] == "https://x.fr/b" and rows[2]["text"] == records[2]["text"]  # records unchanged
    assert "6 documents, 4 kept; 1 exact and 1 near duplicates in 2 clusters" in capsys.readouterr().out
    table = pl.read_parquet(tmp_path / "clusters.parquet")
    assert table["id"].to_list() == ["b", "a", "7", "c"] and table["reason"].to_list()[1] == "exact_duplicate"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text": "x"}, "in.jsonl:2: record has no `id` (fields: text)"),
        ({"id": "x"}, "in.jsonl:2: record has no `text` (fields: id)"),
        ('{"id": "x", "text": ', "in.jsonl:2: not valid JSON"),
        ([1, 2], "in.jsonl:2: a record must be a JSON object, not list"),
        ({"id": ["x"], "text": "t"}, "in.jsonl:2: `id` must be a string or an integer"),
        ({"id": "a", "text": "t"}, "in.jsonl:2: id 'a' already used on line 1"),
    ],
)
def test_bad_record_is_named_by_its_line(tmp_path, capsys, line, message):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "t"}, line])
    assert run(src, "-o", str(tmp_path / "out.jsonl")) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("fonderie: ") and err.count("\n") == 1  # one line, no traceback
    assert not (tmp_path / "out.jsonl").exists()


def test_threshold_num_perm_and_bands(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--num-perm", "128", "--bands", "16") == 0
    assert "(threshold 0.71, 16 bands x 8 rows, exact verification)" in capsys.readouterr().out
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--threshold", "0.9", "--bands", "10") == 0
    assert "(threshold 0.90, 10 bands x 11 rows, exact verification)" in capsys.readouterr().out
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--bands", "200") == 2
    assert "bands=200" in capsys.readouterr().err
    assert run(str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")) == 2
    assert "missing.jsonl: no such file or directory" in capsys.readouterr().err
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--workers", "0") == 2
    assert "workers=0 must be an integer >= 1" in capsys.readouterr().err


def test_threshold_alone_uses_datasketchs_bands(tmp_path, capsys):
    datasketch = pytest.importorskip("datasketch")
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    for verify in ("exact", "estimate", "none"):
        assert run(src, "-o", str(tmp_path / "o.jsonl"), "--threshold", "0.8", "--verify", verify) == 0
        lsh = datasketch.MinHashLSH(threshold=0.8, num_perm=112, weights=LSH_WEIGHTS[verify])
        assert f"{lsh.b} bands x {lsh.r} rows, {verify} verification" in capsys.readouterr().out
    assert (lsh.b, lsh.r) == (9, 12)  # unverified: datasketch's own default weights


@pytest.mark.parametrize("verify", ["exact", "estimate"])
def test_verify_exact_or_estimate(tmp_path, capsys, verify):
    """The copies' Jaccard with the original: 0.759 (estimated 0.857) and 0.802 (estimated 0.750)."""
    texts = [*replaced(OVERESTIMATED), replaced(UNDERESTIMATED)[1]]
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(texts)])
    out = tmp_path / "out.jsonl"
    args = ["-o", str(out), "--threshold", "0.8", "--bands", "56", "--verify", verify]  # every pair is a candidate
    assert run(src, *args, "--clusters", str(tmp_path / "c.parquet")) == 0
    duplicate_of = [json.loads(line)["duplicate_of"] for line in out.read_text().splitlines()]
    assert duplicate_of == ([None, None, 0] if verify == "exact" else [None, 0, None])
    if verify == "exact":
        table = pl.read_parquet(tmp_path / "c.parquet")
        assert table["jaccard"][1] == pytest.approx(0.802, abs=1e-3)  # exact, not the estimate


def test_verify_must_be_a_mode(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": "t"}])
    with pytest.raises(SystemExit):
        run(src, "-o", str(tmp_path / "o.jsonl"), "--verify", "fast")
    assert "invalid choice: 'fast'" in capsys.readouterr().err


def test_does_not_import_the_pipeline_stack_or_torch(tmp_path):
    """`fonderie dedup` starts at once: neither datatrove's pipeline nor torch (nor datasketch, nor scipy, nor tqdm
    when stderr is not a terminal)."""
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": "un petit texte"}])
    code = (
        "import sys; from fonderie.cli import main; "
        f"main(['dedup', {src!r}, '-o', {str(tmp_path / 'o.jsonl')!r}, '--threshold', '0.8']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'datatrove', 'datasketch', 'scipy', "
        "'polars', 'pyarrow', 'tqdm')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_an_existing_file_is_replaced_only_if_an_earlier_output_or_forced(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", annotated_corpus())
    notes = tmp_path / "notes.jsonl"
    notes.write_text("mine\n")
    assert run(src, "-o", str(notes)) == 2  # was replaced without a word
    assert "--output " + str(notes) + " exists and is not an output of fonderie dedup" in capsys.readouterr().err
    assert notes.read_text() == "mine\n"
    (tmp_path / "c.parquet").write_text("mine")
    assert run(src, "-o", str(tmp_path / "out.jsonl"), "--clusters", str(tmp_path / "c.parquet")) == 2
    assert not (tmp_path / "out.jsonl").exists() and (tmp_path / "c.parquet").read_text() == "mine"
    assert run(src, "-o", src, "--force") == 2  # the input, even with --force
    assert "the input and the outputs must be three different files" in capsys.readouterr().err
    assert run(src, "-o", str(tmp_path / "out.jsonl"), "--clusters", str(tmp_path / "c.parquet"), "--force") == 0
    # a second run over its own outputs needs no --force; --force replaces the user's file
    assert run(src, "-o", str(tmp_path / "out.jsonl"), "--clusters", str(tmp_path / "c.parquet")) == 0
    assert run(src, "-o", str(notes), "--force") == 0 and "cluster_id" in notes.read_text()
