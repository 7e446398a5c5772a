import argparse
import json

import polars as pl
import pytest
from dedup.dedup_texts import TEXTS, edit

from fonderie.commands import dedup


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fonderie")
    dedup.register(parser.add_subparsers())
    args = parser.parse_args(["dedup", *argv])
    return args.func(args)


def write_jsonl(path, records) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records))
    return str(path)


def test_listed_by_fonderie_help():
    from fonderie.cli import build_parser

    assert "dedup" in build_parser().format_help()


def test_every_record_in_input_order_with_cluster_id_and_duplicate_of(tmp_path, capsys):
    long = [f"{t} {TEXTS[(i + 1) % len(TEXTS)]}" for i, t in enumerate(TEXTS)]
    records = [
        {"id": "b", "text": long[0], "url": "https://x.fr/b"},
        {"id": 7, "text": long[1]},
        {"id": "a", "text": long[0].replace(" ", "\n  ")},  # exact duplicate of b (spacing only)
        {"id": "c", "text": edit(long[1], 1, typos=1)},  # near duplicate of 7
        {"id": "d", "text": long[2]},
        {"id": "e", "text": ""},
    ]
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
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_threshold_num_perm_and_bands(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--num-perm", "128", "--bands", "16") == 0
    assert "(threshold 0.71, 16 bands x 8 rows)" in capsys.readouterr().out
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--threshold", "0.9", "--bands", "10") == 0
    assert "(threshold 0.90, 10 bands x 11 rows)" in capsys.readouterr().out
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--bands", "200") == 2
    assert "bands=200" in capsys.readouterr().err


def test_threshold_alone_uses_datasketchs_bands(tmp_path, capsys):
    datasketch = pytest.importorskip("datasketch")
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    assert run(src, "-o", str(tmp_path / "o.jsonl"), "--threshold", "0.8") == 0
    lsh = datasketch.MinHashLSH(threshold=0.8, num_perm=112, weights=(0.1, 0.9))  # pairs are verified
    assert f"{lsh.b} bands x {lsh.r} rows" in capsys.readouterr().out
