import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.readers import ParquetDocumentReader


def test_rows_become_documents_with_typed_metadata(tmp_path):
    n = 2500  # more than one read batch
    table = pa.table({
        "body": [f"texte {i}" if i != 7 else None for i in range(n)],
        "url": [f"https://x/{i}" for i in range(n)],
        "views": list(range(n)),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=1000)
    docs = list(ParquetDocumentReader(str(tmp_path / "*.parquet"), "mag", text_key="body")())
    assert len(docs) == n
    assert docs[3].id == "mag/a.parquet#3" and docs[3].text == "texte 3"
    assert docs[3].metadata["url"] == "https://x/3" and docs[3].metadata["views"] == 3
    assert docs[7].metadata[REJECT_KEY] == "empty_text"
    assert docs[-1].id == f"mag/a.parquet#{n - 1}"


def test_missing_text_column_names_the_file(tmp_path):
    pq.write_table(pa.table({"content": ["a"]}), tmp_path / "b.parquet")
    with pytest.raises(ValueError, match=r"b\.parquet: no column 'text'.*content"):
        list(ParquetDocumentReader(str(tmp_path / "b.parquet"), "mag")())


def test_a_column_named_like_ours_is_kept_aside_not_swapped_in(tmp_path):
    from fonderie.pipeline.documents import document_schema, document_to_row

    pq.write_table(
        pa.table({"body": ["the real text"], "text": ["a summary"], "source": ["wiki"]}), tmp_path / "c.parquet"
    )
    (doc,) = ParquetDocumentReader(str(tmp_path / "c.parquet"), "mag", text_key="body")()
    row = document_to_row(doc, document_schema())
    assert (row["text"], row["source"]) == ("the real text", "mag")
    assert json.loads(row["extra"]) == {"record_source": "wiki", "record_text": "a summary"}
