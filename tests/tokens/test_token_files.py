"""Token shard files: rollover, row groups, `.tmp` then rename, checksums while writing, deterministic hashes."""

import hashlib

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from datatrove.io import get_datafolder

from fonderie.errors import InputError
from fonderie.tokens.files import ShardRoller, find_tokens_dir, hash64, split_of, token_dtype


def _rows(n: int, length: int) -> tuple[list[str], list[str], list[np.ndarray]]:
    ids = [f"s/f#{i}" for i in range(n)]
    return ids, ["a" if i % 2 else "b" for i in range(n)], [np.arange(length, dtype=np.uint32) + i for i in range(n)]


def test_shards_roll_over_at_the_token_target_with_row_groups_by_tokens(tmp_path):
    roller = ShardRoller(get_datafolder(str(tmp_path)), "train", 3, "uint16", shard_tokens=1000, row_group_tokens=250)
    roller.add(*_rows(50, 99), eos=1)  # 100 tokens a row with EOS: 5,000 tokens
    assert all(p.name.endswith(".parquet.tmp") for p in (tmp_path / "train").iterdir())  # nothing published yet
    records = roller.close()
    assert [r["path"] for r in records] == [f"train/shard-00003-{k:05d}.parquet" for k in range(5)]
    # a shard closes after the row group that reaches the target (row groups of 3 rows: 300 tokens >= 250)
    assert [r["tokens"] for r in records] == [1200] * 4 + [200] and sum(r["rows"] for r in records) == 50
    shard = pq.ParquetFile(tmp_path / records[0]["path"])
    assert shard.num_row_groups == 4 and shard.metadata.row_group(0).num_rows == 3  # 300 tokens >= 250
    for r in records:
        data = (tmp_path / r["path"]).read_bytes()
        assert r["bytes"] == len(data) and r["sha256"] == hashlib.sha256(data).hexdigest()
    df = pl.read_parquet(tmp_path / "train")
    assert df.schema["input_ids"] == pl.List(pl.UInt16) and df["n_tokens"].sum() == 5000
    assert df["input_ids"][0].to_list() == [*range(99), 1]
    assert records[0]["sources"] == {"a": {"documents": 6, "tokens": 600}, "b": {"documents": 6, "tokens": 600}}


def test_an_aborted_roller_publishes_nothing(tmp_path):
    roller = ShardRoller(get_datafolder(str(tmp_path)), "val", 0, "uint32", shard_tokens=100, row_group_tokens=10)
    roller.add(*_rows(30, 9))
    roller.abort()
    assert all(p.name.endswith(".tmp") for p in (tmp_path / "val").iterdir())


def test_dtype_follows_the_vocabulary_size():
    assert token_dtype(32768) == token_dtype(65536) == "uint16" and token_dtype(65537) == "uint32"


def test_hashes_are_stable_and_split_by_id_only():
    # a known answer: changing the hash would move documents between train and val in every corpus
    assert hash64("web/a.jsonl#0", b"fonderie/val") == 16247219399917658714  # blake2b, 8 bytes, little-endian
    ids = [f"src/file{i % 13}.jsonl#{i}" for i in range(20_000)]
    val = [i for i in ids if split_of(i, 0.05) == "val"]
    assert 850 < len(val) < 1150 and val[:3] == ["src/file5.jsonl#18", "src/file12.jsonl#25", "src/file7.jsonl#46"]
    # by id only: the same ids in another order, or alone, go where they went
    assert sorted(i for i in reversed(ids) if split_of(i, 0.05) == "val") == sorted(val)
    assert all(split_of(i, 0.05) == "val" for i in val[:50])
    assert all(split_of(i, 0.0) == "train" for i in ids[:100])


def test_find_tokens_dir(tmp_path):
    (tmp_path / "tokens").mkdir()
    (tmp_path / "tokens" / "manifest.json").write_text("{}")
    assert find_tokens_dir(tmp_path) == find_tokens_dir(tmp_path / "tokens") == tmp_path / "tokens"
    with pytest.raises(InputError, match="no manifest.json"):
        find_tokens_dir(tmp_path / "tokens" / "train")
