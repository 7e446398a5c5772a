import polars as pl
import pytest
from datatrove.data import Document

from fonderie.pipeline.documents import document_schema, row_to_document
from fonderie.steps.writers.document_shards import DocumentShardWriter


def _docs(n):
    for i in range(n):
        yield Document(text=f"texte {i} é", id=f"s/f#{i}", metadata={"source": "s", "url": f"u{i}", "author": "A"})


def test_writes_typed_shard_and_round_trips(tmp_path):
    writer = DocumentShardWriter(str(tmp_path), document_schema())
    assert len(list(writer(_docs(3000), rank=3))) == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-00003.parquet"]
    df = pl.read_parquet(tmp_path / "part-00003.parquet")
    assert df.columns[:3] == ["id", "text", "source"] and df.schema["url"] == pl.String
    assert df.height == 3000 and df["extra"][0] == '{"author": "A"}'
    back = row_to_document(df.row(5, named=True))
    assert back.id == "s/f#5" and back.text == "texte 5 é" and back.metadata["url"] == "u5"
    assert writer.stats["bytes_out"].total == sum(len(f"texte {i} é".encode()) for i in range(3000))


def test_a_failed_task_leaves_only_a_tmp_file(tmp_path):
    def failing():
        yield from _docs(10)
        raise RuntimeError("task died")

    writer = DocumentShardWriter(str(tmp_path), document_schema())
    with pytest.raises(RuntimeError):
        list(writer(failing(), rank=0))
    assert [p.name for p in tmp_path.iterdir()] == ["part-00000.parquet.tmp"]


def test_shards_read_back_by_the_next_stage(tmp_path):
    from fonderie.steps.readers.document_shards import DocumentShardReader

    writer = DocumentShardWriter(str(tmp_path), document_schema())
    written = list(writer(_docs(2500), rank=0))
    (tmp_path / "part-00001.parquet.tmp").write_bytes(b"an unfinished task")
    back = list(DocumentShardReader(str(tmp_path))())
    assert [(d.id, d.text) for d in back] == [(d.id, d.text) for d in written]
    assert back[0].metadata == {"source": "s", "url": "u0", "extra": '{"author": "A"}'}
