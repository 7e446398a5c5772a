from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from fonderie.tokens.files import PARTS_DIR, SPLITS, ShardRoller, hash64, shuffle_salt, write_parts


class TokenShardShuffler(PipelineStep):
    """The global shuffle of token rows: task b sorts bucket b by a seeded hash of the ids into final shards.

    TokenShardWriter (with `shuffle_seed`) sent each row to bucket `hash * buckets >> 64`, so buckets are
    consecutive ranges of the hash; sorting each by (hash, id) and writing bucket after bucket orders the whole
    corpus by a seeded hash of its ids: a uniform random permutation of the documents, the same for any number
    of encoding tasks. Shards are `SPLIT/shard-BBBBB-KKKKK.parquet`, rolled over, `.tmp` then renamed, and
    `.parts/BBBBB.json` records them for the manifest phase (with the tokenizer fingerprint of the encoding tasks).
    Memory: one bucket of one split (its token rows; about 1/buckets of the split).
    Input: nothing (documents given are passed through).
    Output: the same documents.
    Drops: none.
    Metadata added: none. Counts `total` and `tokens` of the rows it writes.

    Args:
        shuffle_folder: where TokenShardWriter wrote the buckets (and its `.parts/`)
        output_folder: the token folder
        shuffle_seed: the seed the buckets were made with
        buckets: how many buckets there are (this phase runs one task per bucket)
        shard_tokens: a shard is closed once it holds this many tokens
        row_group_tokens: rows are written in row groups of about this many tokens
    """

    name = "🔀 Token shuffle"
    type = "💽 - WRITER"

    def __init__(
        self,
        shuffle_folder: DataFolderLike,
        output_folder: DataFolderLike,
        shuffle_seed: int,
        buckets: int,
        shard_tokens: int = 100_000_000,
        row_group_tokens: int = 1 << 20,
    ):
        super().__init__()
        for key, value in (
            ("buckets", buckets),
            ("shard_tokens", shard_tokens),
            ("row_group_tokens", row_group_tokens),
        ):
            if value < 1:
                raise ValueError(f"{key}={value!r} must be >= 1")
        self.shuffle_folder = get_datafolder(shuffle_folder)
        self.output_folder = get_datafolder(output_folder)
        self.shuffle_seed, self.buckets = shuffle_seed, buckets
        self.shard_tokens, self.row_group_tokens = shard_tokens, row_group_tokens

    def _encoding(self) -> dict:
        """What the encoding tasks used (they must all agree): tokenizer fingerprint, vocabulary, dtype, EOS."""
        keys = ("tokenizer_sha256", "vocab_size", "dtype", "eos_id", "fast_encoder")
        seen = {}
        for name in self.shuffle_folder.list_files(PARTS_DIR, glob_pattern="*.json", recursive=False):
            with self.shuffle_folder.open(name, "r") as f:
                part = json.load(f)
            seen[json.dumps({k: part[k] for k in keys}, sort_keys=True)] = part
        if len(seen) != 1:
            raise RuntimeError(f"{self.shuffle_folder.path}: encoding tasks disagree on the tokenizer or none ran")
        part = next(iter(seen.values()))
        return {k: part[k] for k in keys}

    def _bucket(self, bucket: int, split: str, dtype: str) -> list[dict]:
        folder = self.shuffle_folder
        files = folder.list_files(f"bucket-{bucket:05d}/{split}", glob_pattern="*.parquet", recursive=False)
        tables = []
        for name in files:
            with folder.open(name, "rb") as f:
                tables.append(pq.read_table(f))
        roller = ShardRoller(self.output_folder, split, bucket, dtype, self.shard_tokens, self.row_group_tokens)
        table = pa.concat_tables(tables).combine_chunks() if tables else None
        del tables
        if table is None or table.num_rows == 0:
            return roller.close()
        ids = table.column("id").to_pylist()
        salt = shuffle_salt(self.shuffle_seed)
        order = sorted(range(len(ids)), key=lambda i: (hash64(ids[i], salt), ids[i]))
        column = table.column("input_ids").chunk(0)
        offsets, values = column.offsets.to_numpy(), column.values.to_numpy()
        sources = table.column("source").to_pylist()
        step = 1024
        try:
            for start in range(0, len(order), step):
                rows = order[start : start + step]
                arrays = [values[offsets[i] : offsets[i + 1]] for i in rows]
                roller.add([ids[i] for i in rows], [sources[i] for i in rows], arrays)
                self.stat_update("total", value=len(rows))
                self.stat_update("tokens", value=int(sum(len(a) for a in arrays)))
        except BaseException:
            roller.abort()
            raise
        return roller.close()

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        with self.track_time():
            encoding = self._encoding()
            for bucket in range(rank, self.buckets, world_size):  # one bucket per task when tasks == buckets
                records = [r for split in SPLITS for r in self._bucket(bucket, split, encoding["dtype"])]
                write_parts(self.output_folder, bucket, {"rank": bucket, **encoding, "shards": records})
