import pytest

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.readers import TextFolderReader


def test_one_document_per_file_recursively(tmp_path):
    (tmp_path / "vol").mkdir()
    (tmp_path / "vol" / "tome1.txt").write_text("Page un\f\n2\nPage deux", encoding="utf-8")
    (tmp_path / "notes.md").write_bytes("\ufeff# Notes\nété".encode())
    (tmp_path / "latin.txt").write_bytes("déjà".encode("latin-1"))
    docs = {d.id: d for d in TextFolderReader(str(tmp_path), "books", language="fr")()}
    assert set(docs) == {"books/vol/tome1.txt#0", "books/notes.md#0", "books/latin.txt#0"}
    assert docs["books/vol/tome1.txt#0"].text == "Page un\f\n2\nPage deux"  # form feeds kept for page cleaning
    assert docs["books/vol/tome1.txt#0"].metadata["title"] == "tome1"
    assert docs["books/notes.md#0"].text == "# Notes\nété"  # BOM removed
    assert docs["books/latin.txt#0"].metadata[REJECT_KEY] == "undecodable_text"


def test_encoding_setting(tmp_path):
    (tmp_path / "latin.txt").write_bytes("déjà vu".encode("latin-1"))
    (doc,) = TextFolderReader(str(tmp_path / "*.txt"), "books", encoding="latin-1")()
    assert doc.text == "déjà vu" and REJECT_KEY not in doc.metadata


def _play(lines: int = 400) -> str:
    """A text with lines of varied lengths, ending in a newline like tiny shakespeare."""
    return "".join(f"LINE {i}: {'to be or not ' * (i % 7)}\n" for i in range(lines))


def test_slice_cuts_at_nanogpt_boundaries(tmp_path):
    text = _play()
    (tmp_path / "input.txt").write_text(text, encoding="utf-8")
    n = len(text)
    (head,) = TextFolderReader(str(tmp_path / "input.txt"), "s", slice=(0, 0.9))()
    (tail,) = TextFolderReader(str(tmp_path / "input.txt"), "v", slice=(0.9, 1.0))()
    assert head.text == text[: int(n * 0.9)] and tail.text == text[int(n * 0.9) :]  # nanoGPT's prepare.py
    assert head.id == "s/input.txt#0" and tail.id == "v/input.txt#0"


def test_chunks_in_order_at_line_ends_and_nothing_lost(tmp_path):
    text = _play()
    (tmp_path / "input.txt").write_text(text, encoding="utf-8")
    n = len(text)
    docs = list(TextFolderReader(str(tmp_path / "input.txt"), "s", slice=(0, 0.9), chunk_chars=500)())
    assert [d.id for d in docs] == [f"s/input.txt#{i}" for i in range(len(docs))] and len(docs) > 10
    assert "".join(d.text for d in docs) == text[: int(n * 0.9)]
    assert all(d.text.endswith("\n") and len(d.text) >= 500 for d in docs[:-1])
    assert all(len(d.text) < 500 + 120 for d in docs)  # a chunk ends at the first line end past 500 characters
    (whole,) = TextFolderReader(str(tmp_path / "input.txt"), "s", chunk_chars=len(text))()
    assert whole.text == text
    (tmp_path / "input.txt").write_text("a\nb\n\n\n", encoding="utf-8")  # blank lines alone would be dropped
    assert [d.text for d in TextFolderReader(str(tmp_path / "input.txt"), "s", chunk_chars=1)()] == ["a\n", "b\n\n\n"]


def test_split_metadata_and_bad_settings(tmp_path):
    (tmp_path / "a.txt").write_text("un\ndeux\n", encoding="utf-8")
    (doc,) = TextFolderReader(str(tmp_path), "s", split="val")()
    assert doc.metadata["split"] == "val"
    (doc,) = TextFolderReader(str(tmp_path), "s")()
    assert "split" not in doc.metadata
    for kwargs in ({"slice": (0.5, 0.5)}, {"slice": (-0.1, 1)}, {"slice": (0, 1.5)}, {"chunk_chars": 0},
                   {"split": "test"}):  # fmt: skip
        with pytest.raises(ValueError):
            TextFolderReader(str(tmp_path), "s", **kwargs)
