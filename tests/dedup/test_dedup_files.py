import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dedup.dedup_texts import TEXTS, edit

from fonderie.dedup import files
from fonderie.dedup.files import (
    SHINGLES_DIR,
    ParquetShard,
    dedup_folder,
    read_shingle_sets,
    shingles_schema,
    task_file,
)
from fonderie.dedup.jaccard import shingle_sets

TEXTS_AND_EDITS = [edit(t, seed, typos=seed % 3, drop=seed % 2) for seed in range(4) for t in TEXTS]


def write_shingles(folder, rank: int, ids: list[str], texts: list[str], ngram: int = 5) -> None:
    shard = ParquetShard(folder, task_file(SHINGLES_DIR, rank), shingles_schema(ngram))
    for k in range(0, len(texts), 2):  # batches of 2 documents, as ShingleHashes writes them
        values, offsets = shingle_sets(texts[k : k + 2], ngram)
        lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pa.array(values, pa.uint64()))
        shard.write({"id": ids[k : k + 2], "count": np.diff(offsets), "shingles": lists})
    shard.close()


def test_shingle_sets_read_back_in_the_order_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "ROW_GROUP_BYTES", 512)  # a row group per batch of 2 documents
    folder = dedup_folder(tmp_path)
    ids = [f"s/f.jsonl#{k}" for k in range(len(TEXTS_AND_EDITS))]
    half = len(ids) // 2
    write_shingles(folder, 0, ids[:half], TEXTS_AND_EDITS[:half])
    write_shingles(folder, 1, ids[half:], TEXTS_AND_EDITS[half:])
    assert pq.ParquetFile(tmp_path / "shingles/00000.parquet").num_row_groups > 2
    order = np.random.default_rng(0).permutation(len(ids))
    values, offsets = read_shingle_sets(folder, pa.array([ids[k] for k in order]), ngram=5)
    expected_values, expected_offsets = shingle_sets([TEXTS_AND_EDITS[k] for k in order])
    assert np.array_equal(offsets, expected_offsets) and np.array_equal(values, expected_values)


def test_shingle_sets_must_match_the_documents_and_the_ngram(tmp_path):
    folder = dedup_folder(tmp_path)
    write_shingles(folder, 0, ["a", "b"], TEXTS[:2])
    with pytest.raises(ValueError, match="1 documents of candidate pairs have no shingle hashes \\(e.g. 'c'\\)"):
        read_shingle_sets(folder, pa.array(["a", "b", "c"]), ngram=5)
    with pytest.raises(ValueError, match="has 'b', in no candidate pair"):
        read_shingle_sets(folder, pa.array(["a"]), ngram=5)
    with pytest.raises(ValueError, match="shingles of 5 words, but signatures of 3"):
        read_shingle_sets(folder, pa.array(["a", "b"]), ngram=3)
