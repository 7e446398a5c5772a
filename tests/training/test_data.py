"""The pretraining data loader: fingerprint checks, packing, the split across ranks and workers, exact resume."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

torch = pytest.importorskip("torch")

from tokens.token_texts import documents, temporary_folder, write_token_folder  # noqa: E402

from fonderie.errors import ConfigError, InputError  # noqa: E402
from fonderie.training.data import Loader, TokenBatches, open_tokens, row_groups  # noqa: E402


@pytest.fixture(scope="module")
def tokens():
    """A real token folder from the tokenize stage's writers: 2 tasks, row groups of ~300 tokens (a few dozen)."""
    return write_token_folder(temporary_folder(), documents(240), tasks=2, val_fraction=0.1, row_group_tokens=300)


def all_tokens(folder, manifest, split="train") -> list[int]:
    out = []
    for path, group in row_groups(folder, manifest, split):
        table = pq.ParquetFile(folder / path).read_row_group(group, columns=["input_ids"])
        out += pc.list_flatten(table.column("input_ids")).to_pylist()
    return out


def seen_tokens(batches) -> list[int]:
    """The tokens of one reader's epoch: every input (padding left out: its target is -1), and the last target,
    which is the epoch's last token (an EOS) and the input of nothing."""
    out, last = [], None
    for b in batches:
        x, y = b["x"].numpy(), b["y"].numpy()
        out += x[y != -1].tolist()
        last = y[y != -1][-1]
    return out + [int(last)]


def test_fingerprint_and_vocab_checked(tokens, tmp_path):
    folder, manifest = open_tokens(tokens, vocab_size=1000)
    assert manifest["tokenizer"]["vocab_size"] == 1000
    with pytest.raises(ConfigError, match="vocab_size=512 differs"):
        open_tokens(tokens, vocab_size=512)
    # a tokenizer that is not the one the shards were encoded with
    import shutil

    copy = tmp_path / "tokens"
    shutil.copytree(tokens, copy)
    path = copy / "tokenizer" / "tokenizer.json"
    data = json.loads(path.read_text())
    data["added_tokens"] = data["added_tokens"][:1]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="not the tokenizer the shards were encoded with"):
        open_tokens(copy)


def test_packing_documents_end_with_eos(tokens):
    folder, manifest = open_tokens(tokens)
    eos = manifest["tokenizer"]["eos_id"]
    batches = list(TokenBatches(folder, manifest, "train", 4, 32, epochs=1))
    first = batches[0]
    assert first["x"].shape == (4, 32) and first["y"].shape == (4, 32)
    # y is x shifted by one, and consecutive sequences overlap by one token
    assert torch.equal(first["x"][0, 1:], first["y"][0, :-1])
    assert first["x"][1, 0] == first["y"][0, -1]
    assert (first["x"] == eos).any()  # documents are separated by their EOS


@pytest.mark.parametrize("world_size,num_workers", [(1, 1), (2, 1), (2, 3), (3, 2)])
def test_ranks_and_workers_split_an_epoch_exactly(tokens, world_size, num_workers):
    """Run each (rank, worker) reader in turn, as the DataLoader workers of each rank would: together they see
    every token of the split once."""
    folder, manifest = open_tokens(tokens)
    expected = all_tokens(folder, manifest)
    seen = []
    for rank in range(world_size):
        for worker in range(num_workers):
            ds = TokenBatches(folder, manifest, "train", 3, 16, seed=7, rank=rank, world_size=world_size,
                              num_workers=num_workers, start_worker=worker, epochs=1)  # fmt: skip
            seen += seen_tokens(ds)  # outside a DataLoader, start_worker picks the worker played
    assert len(seen) == len(expected) == manifest["splits"]["train"]["tokens"]
    assert Counter(seen) == Counter(expected)


def test_dataloader_workers_split_an_epoch(tokens):
    folder, manifest = open_tokens(tokens)
    ds = TokenBatches(folder, manifest, "train", 2, 16, seed=1, num_workers=2, epochs=1)
    batches = list(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2))
    assert {b["reader"] for b in batches} == {0, 1}
    seen = [t for r in (0, 1) for t in seen_tokens(b for b in batches if b["reader"] == r)]
    assert Counter(seen) == Counter(all_tokens(folder, manifest))


def test_seeded_order_changes_per_epoch(tokens):
    folder, manifest = open_tokens(tokens)

    def first_batches(seed, n):
        ds = iter(TokenBatches(folder, manifest, "train", 2, 16, seed=seed))
        return [next(ds)["x"] for _ in range(n)]

    a, b = first_batches(3, 3), first_batches(3, 3)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not torch.equal(first_batches(4, 1)[0], a[0])
    # the second epoch reads the row groups in another order
    per_epoch = len(list(TokenBatches(folder, manifest, "train", 2, 16, seed=3, epochs=1)))
    ds = iter(TokenBatches(folder, manifest, "train", 2, 16, seed=3))
    epoch0 = [next(ds)["x"] for _ in range(per_epoch)]
    epoch1 = [next(ds)["x"] for _ in range(3)]
    assert not torch.equal(epoch0[0], epoch1[0])


@pytest.mark.parametrize("num_workers", [0, 2])
def test_resume_gives_the_exact_next_batches(tokens, num_workers):
    folder, manifest = open_tokens(tokens)
    args = (folder, manifest, "train", 8, 64)
    per_epoch = manifest["splits"]["train"]["tokens"] // (8 * 64)
    assert 17 < per_epoch < 40
    straight = Loader(*args, seed=5, num_workers=num_workers)
    expected = [straight.next() for _ in range(40)]  # across an epoch boundary, resumed mid-epoch
    first = Loader(*args, seed=5, num_workers=num_workers)
    got = [first.next() for _ in range(17)]
    state = json.loads(json.dumps(first.state()))  # as a checkpoint stores it
    resumed = Loader(*args, seed=5, num_workers=num_workers, state=state)
    got += [resumed.next() for _ in range(23)]
    for (x0, y0), (x1, y1) in zip(expected, got, strict=True):
        assert torch.equal(x0, x1) and torch.equal(y0, y1)


def test_too_many_readers_is_a_clear_error(tokens):
    folder, manifest = open_tokens(tokens)
    n = len(row_groups(folder, manifest, "val"))
    with pytest.raises(ConfigError, match="row groups cannot feed"):
        next(iter(TokenBatches(folder, manifest, "val", 2, 16, world_size=n + 1)))
    # one pass (evaluation) is fine: the extra rank just has nothing to read
    seen = [seen_tokens(TokenBatches(folder, manifest, "val", 2, 16, rank=r, world_size=n + 1, epochs=1))
            for r in range(n)]  # fmt: skip
    assert list(TokenBatches(folder, manifest, "val", 2, 16, rank=n, world_size=n + 1, epochs=1)) == []
    assert sum(map(len, seen)) == manifest["splits"]["val"]["tokens"]


def test_token_ids_are_int64_for_embedding(tokens):
    folder, manifest = open_tokens(tokens)
    batch = next(iter(TokenBatches(folder, manifest, "val", 2, 16)))
    assert batch["x"].dtype == torch.int64
    assert int(batch["x"].max()) < manifest["tokenizer"]["vocab_size"]
    assert np.all(batch["y"].numpy() >= -1)


def test_a_stream_holds_one_shard_open_at_a_time(tokens):
    """Row groups come in random order across every shard: caching each opened file would hold one descriptor per
    shard, thousands at scale."""
    import os

    folder, manifest = open_tokens(tokens)
    shards = {path for path, _ in row_groups(folder, manifest, "train")}
    assert len(shards) >= 2
    before = len(os.listdir("/proc/self/fd"))
    most = max(len(os.listdir("/proc/self/fd")) for _ in TokenBatches(folder, manifest, "train", 4, 32, epochs=1))
    assert most - before <= 1  # while the stream runs
