from conftest import html_page, write_warc

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.readers import WarcDocumentReader


def test_every_record_is_a_document_and_only_html_responses_survive(tmp_path):
    latin = "<html><head><title>Café</title></head><body><p>Déjà là.</p></body></html>".encode("latin-1")
    write_warc(tmp_path / "c.warc.gz", [
        ("https://a.fr/", html_page("Accueil", ["Bonjour à tous."]), "text/html; charset=utf-8", "200 OK"),
        ("https://a.fr/l", latin, "text/html; charset=ISO-8859-1", "200 OK"),
        ("https://a.fr/img", b"\x89PNG", "image/png", "200 OK"),
        ("https://a.fr/gone", b"<html>404</html>", "text/html", "404 Not Found"),
        ("https://a.fr/e", b"", "text/html", "200 OK"),
    ])  # fmt: skip
    docs = list(WarcDocumentReader(str(tmp_path / "c.warc.gz"), "web")())
    assert len(docs) == 11  # warcinfo + 5 requests + 5 responses
    assert [d.id for d in docs] == [f"web/c.warc.gz#{i}" for i in range(11)]
    by_reason = [d.metadata.get(REJECT_KEY) for d in docs]
    assert by_reason.count("warc_not_response") == 6
    assert by_reason[6] == "warc_not_html" and by_reason[8] == "http_status_not_ok" and by_reason[10] == "empty_text"
    html, latin_doc = docs[2], docs[4]
    assert by_reason[2] is None and html.metadata["_format"] == "html" and "Bonjour à tous." in html.text
    assert html.metadata["url"] == "https://a.fr/" and html.metadata["date"].startswith("20")
    assert "Déjà là." in latin_doc.text  # decoded with the header's charset
