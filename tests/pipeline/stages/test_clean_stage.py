"""The clean stage with its defaults (`language: {languages: [fr]}` and nothing else) on an OCR'd book: kept, its
long s repaired and counted; the same text from a web input and unreadable OCR from a book input dropped."""

import json
from pathlib import Path

import pytest
from helpers import excluded, rows, run
from text.ocr_book_texts import MODERN, NOISY_OCR, OCR_BOOK

from fonderie.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def _pipeline(tmp_path: Path, book_kind: str = "book") -> Path:
    data = tmp_path / "data"
    (data / "books").mkdir(parents=True)
    (data / "books" / "parmentier.txt").write_text(OCR_BOOK, encoding="utf-8")
    (data / "books" / "unreadable.txt").write_text(NOISY_OCR, encoding="utf-8")
    (data / "web.jsonl").write_text(json.dumps({"text": OCR_BOOK}, ensure_ascii=False) + "\n")
    path = tmp_path / "p.yaml"
    path.write_text(f"""
output: {tmp_path / "out"}
executor: {{kind: local, tasks: 1, workers: 1}}
inputs:
  - {{source: books, format: text, path: "{data}/books", kind: {book_kind}, language: fr}}
  - {{source: web, format: jsonl, path: "{data}/web.jsonl"}}
stages:
  - {{kind: ingest}}
  - {{kind: clean, language: {{languages: [fr]}}}}
""")
    return path


@pytest.mark.timeout(300)
def test_books_survive_cleaning_and_unreadable_ocr_does_not(tmp_path):
    funnels = run(_pipeline(tmp_path))
    clean = tmp_path / "out" / "02_clean"
    kept = rows(clean)
    assert kept["id"].to_list() == ["books/parmentier.txt#0"]
    assert kept["text"][0] == MODERN.strip()
    assert kept["long_s_repairs"][0] == 10
    dropped = dict(zip(*excluded(clean).select("id", "drop_reason"), strict=True))
    assert dropped == {"books/unreadable.txt#0": "ocr_unreadable", "web/web.jsonl#0": "c4_curly_bracket"}
    assert funnels[-1]["kept"] + sum(funnels[-1]["dropped"].values()) == funnels[-1]["read"]


def test_an_input_kind_must_be_book_or_web(tmp_path):
    with pytest.raises(ConfigError, match="kind"):
        run(_pipeline(tmp_path, book_kind="magazine"))


def test_readme_says_what_the_clean_defaults_do():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The pipeline file") :]
    section = section[: section.index("\n## ", 3)]
    assert "kind: book" in section and "ocr_unreadable" in section
    assert "every source" in section  # page furniture's default, `sources: null`
