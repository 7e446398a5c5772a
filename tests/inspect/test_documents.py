import polars as pl
import pytest

from fonderie.errors import InputError
from fonderie.inspect.documents import shard_files, summarize


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
