import pytest
from conftest import FR, html_page
from datatrove.data import Document

from fonderie.steps.filters.html_extract import HtmlExtractFilter

EMPTY_SHELL = b"<html><head><title>Vide</title></head><body><div><img src='a.png'></div></body></html>"


def _doc(i, html: bytes, fmt="html"):
    return Document(text=html.decode(), id=f"w#{i}", metadata={"_format": fmt} if fmt else {})


@pytest.mark.parametrize("extractor", ["trafilatura", "resiliparse"])
def test_extracts_main_text_and_names_failures(extractor):
    f = HtmlExtractFilter(extractor, timeout=20)
    docs = [_doc(0, html_page("Le marché", FR[:3])), _doc(1, EMPTY_SHELL), _doc(2, b"plain text kept", fmt=None)]
    kept = list(f(docs))
    assert [d.id for d in kept] == ["w#0", "w#2"]
    assert FR[0] in kept[0].text and "<p>" not in kept[0].text and "Mentions" not in kept[0].text
    assert kept[0].metadata["title"] == "Le marché" and "_format" not in kept[0].metadata
    assert kept[1].text == "plain text kept"
    assert f.stats["dropped_html_no_main_text"].total == 1


def test_bad_settings_fail_at_construction():
    with pytest.raises(ValueError, match="extractor='lxml'"):
        HtmlExtractFilter("lxml")
    with pytest.raises(ValueError, match="timeout=0"):
        HtmlExtractFilter(timeout=0)
