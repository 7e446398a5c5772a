import io

from conftest import html_page, write_warc
from warcio.warcwriter import WARCWriter

from fonderie.pipeline.documents import REJECT_KEY
from fonderie.steps.filters.html_extract import HtmlExtractFilter
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


def test_wet_conversion_records_are_documents_as_they_are(tmp_path):
    """A WET file (Common Crawl's extracted text): each `conversion` record's text is the document, no HTML
    extraction; its warcinfo header is dropped like any non-response record."""
    text = "Le pont a rouvert lundi.\nLes travaux ont duré un an."
    path = tmp_path / "c.warc.wet.gz"
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "fonderie-tests"}))
        for uri, body in (("https://a.fr/pont", text.encode()), ("https://a.fr/vide", b"")):
            payload = io.BytesIO(body)
            writer.write_record(
                writer.create_warc_record(uri, "conversion", payload=payload, warc_content_type="text/plain")
            )
    docs = list(WarcDocumentReader(str(path), "cc")())
    assert [d.metadata.get(REJECT_KEY) for d in docs] == ["warc_not_response", None, "empty_text"]
    page = docs[1]
    assert page.text == text and "_format" not in page.metadata  # already text: HtmlExtractFilter lets it through
    assert page.metadata["url"] == "https://a.fr/pont" and page.metadata["date"].startswith("20")
    assert HtmlExtractFilter().filter(page) is True and page.text == text
