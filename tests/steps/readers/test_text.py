from fonderie.documents import REJECT_KEY
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
