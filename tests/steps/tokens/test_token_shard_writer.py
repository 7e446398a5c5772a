"""TokenShardWriter, TokenShardShuffler and ManifestWriter as datatrove steps."""

import json

import numpy as np
import polars as pl
import pytest
from tokens.token_texts import documents, tokenizer_dir, write_token_folder

from fonderie.steps.tokens.manifest_writer import ManifestWriter
from fonderie.steps.tokens.token_shard_shuffler import TokenShardShuffler
from fonderie.steps.tokens.token_shard_writer import TokenShardWriter
from fonderie.tokens.encoder import TokenEncoder
from fonderie.tokens.files import hash64, shuffle_salt


def test_rows_are_the_documents_ids_plus_eos_readable_by_polars(tmp_path):
    docs = documents(60)
    tokens = write_token_folder(tmp_path, docs, val_fraction=0.25)
    df = pl.read_parquet(tmp_path / "tokens" / "train").vstack(pl.read_parquet(tokens / "val"))
    assert df.schema["input_ids"] == pl.List(pl.UInt16) and df.schema["n_tokens"] == pl.Int64
    assert sorted(df["id"]) == sorted(d.id for d in docs) and df.height == 60
    encoder = TokenEncoder(str(tokenizer_dir()))
    by_id = {d.id: d for d in docs}
    for row in df.iter_rows(named=True):
        ids = row["input_ids"]
        assert ids[-1] == 1 and len(ids) == row["n_tokens"] and row["source"] == by_id[row["id"]].metadata["source"]
        assert ids[:-1] == encoder.encode_batch([by_id[row["id"]].text])[0].tolist()
    assert encoder.decode(df["input_ids"][0]) == by_id[df["id"][0]].text + "<|eos|>"


def test_writer_counts_the_funnel_and_tokens(tmp_path):
    writer = TokenShardWriter(str(tmp_path / "tokens"), str(tokenizer_dir()), val_fraction=0.3)
    out = list(writer.run(iter(documents(40)), rank=0))
    assert len(out) == 40 and writer.stats["total"].total == 40
    split_docs = writer.stats["documents_train"].total + writer.stats["documents_val"].total
    split_tokens = writer.stats["tokens_train"].total + writer.stats["tokens_val"].total
    assert split_docs == 40 and split_tokens == writer.stats["tokens"].total
    assert writer.stats["bytes_out"].total == 2 * writer.stats["tokens"].total
    assert json.loads((tmp_path / "tokens" / ".parts" / "00000.json").read_text())["rank"] == 0


def test_a_failed_task_leaves_only_tmp_files_and_no_record(tmp_path):
    def failing():
        yield from documents(30)
        raise RuntimeError("task died")

    writer = TokenShardWriter(str(tmp_path), str(tokenizer_dir()), row_group_tokens=50, batch_documents=8)
    with pytest.raises(RuntimeError, match="task died"):
        list(writer.run(failing(), rank=0))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and all(p.name.endswith(".tmp") for p in files)


def test_a_difference_with_hf_stops_the_task(tmp_path, monkeypatch):
    monkeypatch.setattr(TokenEncoder, "hf_encode_batch", lambda self, texts: [[0] for _ in texts])
    writer = TokenShardWriter(str(tmp_path), str(tokenizer_dir()))
    with pytest.raises(RuntimeError, match="tiktoken ids differ"):
        list(writer.run(iter(documents(5)), rank=0))


@pytest.mark.parametrize(
    "kwargs, message",
    [({"val_fraction": 1.0}, "val_fraction=1.0"), ({"shard_tokens": 0}, "shard_tokens=0"),
     ({"threads": 0}, "threads=0"), ({"shuffle_seed": 3}, "shuffle_seed=3 needs a shuffle_folder")],
)  # fmt: skip
def test_bad_settings_name_the_value(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        TokenShardWriter(str(tmp_path), str(tokenizer_dir()), **kwargs)


def _shuffled(tmp_path, tasks: int) -> dict:
    tokens, buckets = tmp_path / f"t{tasks}" / "tokens", tmp_path / f"t{tasks}" / "buckets"
    docs = documents(150)
    for rank in range(tasks):
        writer = TokenShardWriter(str(tokens), str(tokenizer_dir()), val_fraction=0.1, shard_tokens=1500,
                                  shuffle_seed=11, shuffle_folder=str(buckets), shuffle_buckets=3)  # fmt: skip
        list(writer.run(iter(docs[rank::tasks]), rank=rank, world_size=tasks))
    for bucket in range(3):
        list(TokenShardShuffler(str(buckets), str(tokens), 11, 3, shard_tokens=1500).run(None, bucket, 3))
    list(ManifestWriter(str(tokens), str(tokenizer_dir()), parts=3, cleanup=str(buckets)).run(None, 0, 1))
    assert not buckets.exists()
    return json.loads((tokens / "manifest.json").read_text())


def test_the_global_shuffle_is_the_same_with_any_task_count(tmp_path):
    one, three = _shuffled(tmp_path, 1), _shuffled(tmp_path, 3)
    assert [(s["path"], s["sha256"]) for s in one["shards"]] == [(s["path"], s["sha256"]) for s in three["shards"]]
    train = pl.read_parquet(sorted((tmp_path / "t1" / "tokens" / "train").glob("*.parquet")))
    keys = [hash64(i, shuffle_salt(11)) for i in train["id"]]
    assert keys == sorted(keys) and train["id"].to_list() != sorted(train["id"])  # ordered by the seeded hash


def test_the_manifest_waits_for_every_task(tmp_path):
    writer = TokenShardWriter(str(tmp_path), str(tokenizer_dir()))
    list(writer.run(iter(documents(10)), rank=0, world_size=2))
    with pytest.raises(RuntimeError, match=r"task\(s\) \[1\]"):
        list(ManifestWriter(str(tmp_path), str(tokenizer_dir()), parts=2).run(None, 0, 1))
    assert not (tmp_path / "manifest.json").exists()


def test_uint32_ids_for_a_large_vocabulary(tmp_path):
    from datatrove.io import get_datafolder

    from fonderie.tokens.files import ShardRoller

    roller = ShardRoller(get_datafolder(str(tmp_path)), "train", 0, "uint32", 10**6, 10**6)
    roller.add(["a#0"], ["a"], [np.array([70000, 5], dtype=np.uint32)], eos=1)
    roller.close()
    assert pl.read_parquet(tmp_path / "train")["input_ids"].to_list() == [[70000, 5, 1]]
