import io
import json
import random

import polars as pl
import pytest
from rich.console import Console

from fonderie.cli import main
from fonderie.errors import InputError
from fonderie.inspect.documents import pick_rows, print_summary, shard_files, summarize


def test_summary_of_a_folder(tmp_path):
    for i in range(3):
        texts = [f"{'x' * (10 * j)}" for j in range(1, 101)]
        pl.DataFrame({"id": [f"{i}-{j}" for j in range(100)], "text": texts, "source": ["s"] * 100}).write_parquet(
            tmp_path / f"part-{i:05d}.parquet"
        )
    (tmp_path / "part-00009.parquet.tmp").write_bytes(b"half a shard")
    s = summarize(tmp_path, sample_rows=2)
    assert s["rows"] == 300 and s["files"] == 3 and s["columns"]["text"] == "String"
    assert s["text_chars"]["min"] == 10 and s["text_chars"]["max"] == 1000 and 500 <= s["text_chars"]["p50"] <= 510
    assert s["by_source"] == {"s": 300} and len(s["sample"]) == 2


def test_missing_paths_are_named(tmp_path):
    with pytest.raises(InputError, match="no .parquet files"):
        shard_files(tmp_path)
    with pytest.raises(InputError, match="no such file or folder"):
        shard_files(tmp_path / "nope")


def write_shards(folder, files: int, rows: int, row_group_size: int = 7, **columns) -> None:
    """`files` shards of `rows` rows, ids numbered across them ("0", "1", ...), small row groups."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        ids = [str(f * rows + r) for r in range(rows)]
        extra = {name: [value] * rows for name, value in columns.items()}
        frame = pl.DataFrame({"id": ids, "text": [f"text {i}" for i in ids], "source": ["s"] * rows, **extra})
        frame.write_parquet(folder / f"part-{f:05d}.parquet", row_group_size=row_group_size)


def test_random_rows_are_seeded_drawn_from_every_file_and_read_from_the_right_row_group(tmp_path):
    write_shards(tmp_path, files=3, rows=40)
    files = shard_files(tmp_path)
    assert [row["id"] for _, row in pick_rows(files, 3)] == ["0", "1", "2"]
    picked = pick_rows(files, 12, "random", seed=5)
    expected = sorted(random.Random(5).sample(range(120), 12))
    assert [int(row["id"]) for _, row in picked] == expected  # row group and offset arithmetic lands on the row
    assert all(file.name == f"part-{int(row['id']) // 40:05d}.parquet" for file, row in picked)
    assert picked == pick_rows(files, 12, "random", seed=5) != pick_rows(files, 12, "random", seed=6)
    assert len(pick_rows(files, 500, "random")) == 120  # more rows asked than there are: all of them


def test_cli_sample_random_with_seed(tmp_path, capsys):
    write_shards(tmp_path, files=2, rows=30)
    assert main(["inspect", str(tmp_path), "--rows", "4", "--sample", "random", "--seed", "9", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [int(r["id"]) for r in summary["sample"]] == sorted(random.Random(9).sample(range(60), 4))


def test_sample_rows_of_excluded_show_their_drop_reason(tmp_path):
    write_shards(tmp_path / "excluded", files=1, rows=3, drop_reason="warc_not_html")
    out = io.StringIO()
    print_summary(summarize(tmp_path / "excluded"), Console(file=out, width=200))
    sample = out.getvalue().split("sample rows")[1]
    assert "drop_reason" in sample.splitlines()[2]  # the header, under the top border
    assert all(any(f"│ {i} " in line and "warc_not_html" in line for line in sample.splitlines()) for i in range(3))


def test_an_empty_excluded_folder_means_nothing_dropped(tmp_path, capsys):
    stage = tmp_path / "02_clean"
    (stage / "excluded").mkdir(parents=True)
    assert main(["inspect", str(stage / "excluded")]) == 0
    assert (
        capsys.readouterr().out.strip() == f"{stage / 'excluded'}: nothing dropped (this stage excluded no document)"
    )
    (stage / "excluded").rmdir()  # a stage that never dropped anything has no excluded/ at all
    (stage / "stage.json").write_text("{}")
    assert main(["inspect", str(stage / "excluded"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nothing_dropped"] is True
    assert main(["inspect", str(tmp_path / "elsewhere" / "excluded")]) == 2  # no stage there: a missing path


@pytest.mark.parametrize("name, content", [("notes.txt", b"plain words\n"), ("half.parquet", b"PAR1 cut short")])
def test_a_file_that_is_not_parquet_is_one_line_naming_it(tmp_path, capsys, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"fonderie: {path}: not a Parquet file (expected shards written by a fonderie stage, or any .parquet)\n"
    )
