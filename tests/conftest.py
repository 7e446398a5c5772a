"""Small hermetic fixtures: a corpus in every input format, written fresh for each test that asks for it."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FR = [
    "Le boulanger du village ouvre sa boutique à six heures. Les habitants viennent chercher leur pain chaud.",
    "La rivière a débordé cette nuit après trois jours de pluie ; la mairie a fermé le pont de pierre.",
    "Au marché du samedi, on trouve des fromages de chèvre, des pommes du verger et du miel de lavande.",
    "L'école accueille cette année quarante élèves répartis en deux classes, dont une classe unique.",
    "Le musée expose des outils anciens : faux, fléaux et rouets prêtés par les familles de la vallée.",
    "Qu'il pleuve ou qu'il vente, l'association organise chaque dimanche une marche de dix kilomètres.",
]
EN = [
    "The library reopened on Monday after a year of repairs to its roof and its reading room.",
    "Volunteers planted two hundred trees along the canal path during the spring weekend.",
]

HTML = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav><a href="/">Accueil</a> | <a href="/contact">Contact</a></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>Tous droits réservés. Mentions légales. Cookies.</footer></body></html>"""


def html_page(title: str, paragraphs: list[str], lang: str = "fr") -> bytes:
    body = "".join(f"<p>{p} {p}</p>" for p in paragraphs)
    return HTML.format(title=title, paragraphs=body, lang=lang).encode("utf-8")


def write_warc(path: Path, pages: list[tuple[str, bytes, str, str]]) -> None:
    """pages: (uri, body, content type, http status line) -> warcinfo + request/response pairs."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record("test.warc.gz", {"software": "fonderie-tests"}))
        for uri, body, ctype, status in pages:
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", http_headers=req))
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
            writer.write_record(record)


def _jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n" for r in records
    )


@pytest.fixture
def corpus(tmp_path: Path) -> dict:
    """A corpus with every format and every kind of bad record; returns paths and the expected funnel."""
    root = tmp_path / "corpus"
    (root / "web").mkdir(parents=True)
    (root / "dumps").mkdir()
    (root / "books").mkdir()
    write_warc(
        root / "web" / "crawl.warc.gz",
        [
            ("https://example.fr/a", html_page("Le pont", FR[:3]), "text/html; charset=utf-8", "200 OK"),
            ("https://example.org/b", html_page("Trees", EN, "en"), "text/html", "200 OK"),
            ("https://example.fr/logo.png", b"\x89PNG\r\n\x1a\n", "image/png", "200 OK"),
            ("https://example.fr/old", b"", "text/html", "301 Moved Permanently"),
        ],
    )
    news = [{"text": t, "url": f"https://news.fr/{i}", "title": f"Titre {i}", "date": "2024-03-05"} for i, t in
            enumerate(FR)]  # fmt: skip
    news.insert(2, b'{"text": "tronqu')  # a malformed line
    news.append({"title": "sans texte", "text": ""})
    news.append({"text": EN[0], "author": "A. Writer", "id": "n-42"})
    (root / "dumps" / "news.jsonl").write_bytes(_jsonl(news))
    (root / "dumps" / "forum.jsonl.gz").write_bytes(gzip.compress(_jsonl([{"text": t} for t in EN]), mtime=0))
    zst = zstandard.ZstdCompressor().compress(_jsonl([{"text": t, "lang": "fr"} for t in FR[3:]]))
    (root / "dumps" / "encyclo.jsonl.zst").write_bytes(zst)
    table = pa.table({"text": [FR[0], FR[1], None], "title": ["a", "b", "c"], "url": ["u1", "u2", "u3"]})
    pq.write_table(table, root / "dumps" / "articles.parquet")
    (root / "books" / "tome1.txt").write_text("\n\n".join(FR) + "\f\n12\n" + "\n".join(FR), encoding="utf-8")
    (root / "books" / "tome2.txt").write_bytes("Un livre en latin-1 : été".encode("latin-1"))
    (root / "books" / "empty.txt").write_text("   \n")
    expected = {
        "read": 9 + 9 + 2 + 3 + 3 + 3,  # warc records, news lines, forum, encyclo, parquet rows, books
        "kept": 2 + 7 + 2 + 3 + 2 + 1,
        "dropped": {
            "warc_not_response": 5,  # warcinfo + 4 requests
            "warc_not_html": 1,
            "http_status_not_ok": 1,
            "invalid_json": 1,
            "empty_text": 3,  # news record with "", parquet null, empty book
            "undecodable_text": 1,
        },
    }
    return {"root": root, "expected": expected}


def pipeline_yaml(corpus_root: Path, output: Path, tasks: int = 1, workers: int = 1, extra: str = "") -> str:
    return f"""
output: {output}
executor: {{kind: local, tasks: {tasks}, workers: {workers}}}
inputs:
  - {{source: web, format: warc, path: "{corpus_root}/web/*.warc.gz", license: CC-BY-4.0}}
  - {{source: news, format: jsonl, path: "{corpus_root}/dumps/news.jsonl", language: fr}}
  - {{source: forum, format: jsonl, path: "{corpus_root}/dumps/forum.jsonl.gz"}}
  - {{source: encyclo, format: jsonl, path: "{corpus_root}/dumps/encyclo.jsonl.zst"}}
  - {{source: articles, format: parquet, path: "{corpus_root}/dumps/articles.parquet"}}
  - {{source: books, format: text, path: "{corpus_root}/books/*.txt"}}
stages:
  - kind: ingest
    extraction_timeout: 60  # a loaded CI machine must not time a page out and change the expected rows
{extra}"""


@pytest.fixture
def pipeline_file(tmp_path: Path, corpus: dict):
    """Writes a pipeline file over the corpus fixture; call it with the output dir and executor settings."""

    def make(output: Path | None = None, tasks: int = 1, workers: int = 1, extra: str = "") -> Path:
        path = tmp_path / f"pipeline_{tasks}_{workers}.yaml"
        path.write_text(pipeline_yaml(corpus["root"], output or tmp_path / "out", tasks, workers, extra))
        return path

    return make


@pytest.fixture(scope="module")
def one_torch_thread():
    """Matrices as small as the training tests' gain nothing from threads, and on a shared CI machine the second
    thread's spin-waits cost 10x (measured here: 0.2 ms per tiny linear on 1 thread, 2 to 14 ms on 2 with a core
    busy). Torch is imported here only, so tests without it do not load it."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
