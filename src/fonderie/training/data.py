"""Streams a fonderie token folder into (x, y) batches for pretraining, resumable to the exact next batch.

The unit of work is a Parquet row group (the tokenize stage writes them about 1M tokens each). Every epoch the
row groups of a split are put in a seeded random order, and reader r of R takes `order[r::R]`, where a reader is
one (DDP rank, DataLoader worker) pair: R = world_size * num_workers (nanochat splits row groups across ranks the
same way). No row group is read twice in an epoch, none is left out.

A reader concatenates its documents (each already ends with EOS, so EOS separates them) and cuts the stream
into sequences of block_size + 1 tokens that overlap by one: x = seq[:-1], y = seq[1:] (nanoGPT). Documents
cross sequence boundaries, so no token is cropped; the alternative, BOS-aligned packing, wastes a third of the
tokens (nanochat's dataloader.py) for a small gain at this scale.

A reader's position is (epoch, cursor, offset): its stream restarts by reading its cursor-th row group of that
epoch's order and skipping `offset` tokens. Each batch carries the position after it, so the trainer saves the
position of the batch it last consumed, whatever the DataLoader prefetched, and resumes exactly after it.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from fonderie.errors import ConfigError, InputError, RunStateError
from fonderie.tokens.files import TOKENIZER_DIR, file_sha256, find_tokens_dir
from fonderie.tokens.manifest import read_manifest

# ---------------------------------------------------------------------------------------------------------------------
# The token folder


def open_tokens(path: str | Path, vocab_size: int | None = None) -> tuple[Path, dict]:
    """(the token folder, its manifest), after checking the tokenizer copy against the manifest's fingerprint and,
    given a model's vocab_size, that every token id fits in it."""
    folder = find_tokens_dir(path)
    manifest = read_manifest(folder)
    tokenizer = folder / TOKENIZER_DIR / "tokenizer.json"
    expected = manifest["tokenizer"]["sha256"]
    if not tokenizer.is_file():
        raise InputError(f"{tokenizer}: missing; the shards cannot be decoded or checked without it")
    if (found := file_sha256(tokenizer)) != expected:
        raise InputError(
            f"{tokenizer}: sha256 {found[:12]}… is not the tokenizer the shards were encoded with ({expected[:12]}…); "
            "run `fonderie verify` on the folder"
        )
    if vocab_size is not None:
        check_vocab(folder, manifest, vocab_size)
    return folder, manifest


def check_vocab(folder: Path, manifest: dict, vocab_size: int) -> None:
    """A model's vocab_size must be the tokenizer's: every token id then fits its embedding."""
    if vocab_size != manifest["tokenizer"]["vocab_size"]:
        raise ConfigError(
            f"the model's vocab_size={vocab_size} differs from the tokenizer's {manifest['tokenizer']['vocab_size']} "
            f"in {folder}/manifest.json; set the model's vocab_size from the manifest"
        )


def row_groups(folder: Path, manifest: dict, split: str) -> list[tuple[str, int]]:
    """Every (shard path, row group index) of a split, in manifest order."""
    units = []
    for shard in manifest["shards"]:
        if shard["split"] == split and shard["rows"] > 0:
            n = pq.ParquetFile(folder / shard["path"]).num_row_groups
            units += [(shard["path"], i) for i in range(n)]
    return units


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """A permutation of range(n), the same on every rank and worker for a (seed, epoch)."""
    return np.random.default_rng([seed, epoch]).permutation(n).tolist()


# ---------------------------------------------------------------------------------------------------------------------
# One reader's stream


class TokenStream:
    """The sequences of one reader (reader of readers), from a position; `epochs=None` loops forever, otherwise the
    last sequence of the last epoch is shorter (TokenBatches pads it), so no token is lost."""

    def __init__(self, folder: Path, units: list[tuple[str, int]], block_size: int, reader: int, readers: int,
                 seed: int, eos_id: int, epochs: int | None = None):  # fmt: skip
        # training needs every reader fed; a finite pass (evaluation) may leave a reader without work
        if len(units) < readers and epochs is None:
            raise ConfigError(f"{len(units)} row groups cannot feed {readers} readers (ranks x workers); use fewer "
                              "DataLoader workers or GPUs, or tokenize with a smaller row_group_tokens")  # fmt: skip
        self.folder, self.units, self.block_size = folder, units, block_size
        self.reader, self.readers, self.seed, self.eos_id, self.epochs = reader, readers, seed, eos_id, epochs
        self._file: tuple[str, pq.ParquetFile] | None = None  # the last shard read: row groups come in random order
        # across every shard, so a cache of all of them would hold one open file per shard (thousands at scale)

    def _mine(self, epoch: int) -> list[int]:
        return epoch_order(len(self.units), self.seed, epoch)[self.reader :: self.readers]

    def _read(self, unit: int) -> np.ndarray:
        path, group = self.units[unit]
        if self._file is None or self._file[0] != path:
            if self._file is not None:
                self._file[1].close()
            self._file = (path, pq.ParquetFile(self.folder / path))
        table = self._file[1].read_row_group(group, columns=["input_ids"])
        return pc.list_flatten(table.column("input_ids")).to_numpy().astype(np.int64)

    def _positions(self, epoch: int, cursor: int):
        """(epoch, cursor, unit) of every row group this reader reads from (epoch, cursor) on."""
        while self.epochs is None or epoch < self.epochs:
            mine = self._mine(epoch)
            for c in range(cursor, len(mine)):
                yield epoch, c, mine[c]
            epoch, cursor = epoch + 1, 0

    def sequences(self, position: tuple[int, int, int] = (0, 0, 0)):
        """Yields (seq of block_size + 1 tokens, or fewer at the very end; the position after it)."""
        epoch, cursor, offset = position
        positions = self._positions(epoch, cursor)
        buffer: deque[tuple[int, int, np.ndarray]] = deque()  # (epoch, cursor, tokens) from the first unread group
        buffered = 0  # tokens in buffer
        need = self.block_size + 1
        last = (epoch, cursor - 1)  # the last row group read: (epoch, cursor)
        while True:
            while buffered - offset < need:  # fill: read row groups until a whole sequence is there
                nxt = next(positions, None)
                if nxt is None:
                    break
                tokens = self._read(nxt[2])
                last = nxt[:2]
                buffer.append((nxt[0], nxt[1], tokens))
                buffered += len(tokens)
            available = buffered - offset
            if available <= 1:  # the end (finite epochs): the last token was already a target
                return
            take = min(need, available)
            if len(buffer) == 1:
                seq = buffer[0][2][offset : offset + take]
            else:  # a sequence across row groups (once per group, or small groups): join them
                seq = np.concatenate([t for _, _, t in buffer])[offset : offset + take]
            offset += take - 1  # the last target is the first input of the next sequence
            while buffer and len(buffer[0][2]) <= offset:  # drop the row groups fully consumed
                offset -= len(buffer[0][2])
                buffered -= len(buffer[0][2])
                buffer.popleft()
            if buffer:
                after = (buffer[0][0], buffer[0][1], offset)
            else:
                after = self._next_position(*last)
            yield seq, after
            if take < need:
                return

    def _next_position(self, epoch: int, cursor: int) -> tuple[int, int, int]:
        """The position just after row group `cursor` of `epoch` when nothing of it is left in the buffer."""
        if cursor + 1 < len(self._mine(epoch)):
            return epoch, cursor + 1, 0
        return epoch + 1, 0, 0


# ---------------------------------------------------------------------------------------------------------------------
# Batches, across DDP ranks and DataLoader workers


class TokenBatches(IterableDataset):
    """Batches of B sequences: {"x": (B, T), "y": (B, T), "reader": r, "position": (epoch, cursor, offset)}.

    positions: the position of each reader of this rank (its num_workers readers), as saved in a checkpoint.
    `start_worker` rotates which reader each DataLoader worker plays: a new DataLoader iterator always starts with
    worker 0, so after k batches the reader of worker 0 must be the one that was due, (k mod num_workers).
    """

    def __init__(self, folder: Path, manifest: dict, split: str, batch_size: int, block_size: int, *, seed: int = 0,
                 rank: int = 0, world_size: int = 1, num_workers: int = 0, positions: list | None = None,
                 start_worker: int = 0, epochs: int | None = None):  # fmt: skip
        super().__init__()
        self.folder, self.batch_size, self.block_size = folder, batch_size, block_size
        self.units = row_groups(folder, manifest, split)
        self.eos_id = manifest["tokenizer"]["eos_id"]
        self.seed, self.rank, self.world_size, self.epochs = seed, rank, world_size, epochs
        self.workers = max(1, num_workers)
        self.positions = [tuple(p) for p in positions] if positions else [(0, 0, 0)] * self.workers
        if len(self.positions) != self.workers:
            raise RunStateError(f"{len(self.positions)} saved data positions for {self.workers} DataLoader workers")
        self.start_worker = start_worker

    def __iter__(self):
        info = get_worker_info()
        worker = (info.id if info else 0) + self.start_worker
        local = worker % self.workers  # which of this rank's readers this worker plays
        reader = self.rank * self.workers + local
        stream = TokenStream(self.folder, self.units, self.block_size, reader, self.world_size * self.workers,
                             self.seed, self.eos_id, self.epochs)  # fmt: skip
        T = self.block_size
        xs, ys = [], []
        for seq, position in stream.sequences(self.positions[local]):
            x = np.full(T, self.eos_id, dtype=np.int64)
            y = np.full(T, -1, dtype=np.int64)  # a short last sequence: its missing targets are ignored
            x[: len(seq) - 1], y[: len(seq) - 1] = seq[:-1], seq[1:]
            xs.append(x)
            ys.append(y)
            if len(xs) == self.batch_size:
                yield {"x": torch.from_numpy(np.stack(xs)), "y": torch.from_numpy(np.stack(ys)),
                       "reader": local, "position": position}  # fmt: skip
                xs, ys = [], []
        if xs:  # finite epochs: the last, smaller batch
            yield {"x": torch.from_numpy(np.stack(xs)), "y": torch.from_numpy(np.stack(ys)),
                   "reader": local, "position": position}  # fmt: skip


class Loader:
    """The batches of one rank, with the state a checkpoint needs: each reader's position and which is next."""

    def __init__(self, folder: Path, manifest: dict, split: str, batch_size: int, block_size: int, *, seed: int = 0,
                 rank: int = 0, world_size: int = 1, num_workers: int = 0, state: dict | None = None,
                 pin_memory: bool = False):  # fmt: skip
        workers = max(1, num_workers)
        state = state or {"positions": [(0, 0, 0)] * workers, "batches": 0}
        if len(state["positions"]) != workers:
            saved = len(state["positions"])
            raise RunStateError(f"the checkpoint's data position was saved with {saved} DataLoader workers per rank; "
                                f"resume with --set num_workers={saved}")  # fmt: skip
        self.positions = [tuple(p) for p in state["positions"]]
        self.batches = state["batches"]  # consumed by the trainer: the round robin over workers is at batches % W
        dataset = TokenBatches(folder, manifest, split, batch_size, block_size, seed=seed, rank=rank,
                               world_size=world_size, num_workers=num_workers, positions=self.positions,
                               start_worker=self.batches % workers)  # fmt: skip
        # pin_memory (for CUDA): a copy from pageable memory makes CUDA wait for the GPU to drain; from pinned memory
        # `non_blocking` really queues it. The DataLoader pins on a thread of its own when it has workers.
        loader = DataLoader(dataset, batch_size=None, num_workers=num_workers, persistent_workers=num_workers > 0,
                            pin_memory=pin_memory)  # fmt: skip
        self._it = iter(loader)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        batch = next(self._it)
        self.positions[batch["reader"]] = tuple(int(v) for v in batch["position"])
        self.batches += 1
        return batch["x"], batch["y"]

    def state(self) -> dict:
        return {"positions": [list(p) for p in self.positions], "batches": self.batches}


def token_bytes(folder: Path) -> torch.Tensor:
    """UTF-8 bytes of each token id (vocab,), for bits per byte: a byte-level BPE token's vocabulary string has one
    character per byte (GPT-2's bytes_to_unicode); special tokens such as EOS are no text and count 0 bytes."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_DIR / "tokenizer.json"))
    special = {t.content for t in tokenizer.get_added_tokens_decoder().values() if t.special}
    n = tokenizer.get_vocab_size()
    return torch.tensor([0 if (s := tokenizer.id_to_token(i)) in special or s is None else len(s) for i in range(n)])
