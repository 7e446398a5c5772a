import pytest
from datatrove.data import Document

from fonderie.pipeline.documents import BOOK_KEY
from fonderie.steps.formatters.page_furniture import PageFurnitureFormatter

BODY = [
    "Le boulanger du village ouvre sa boutique à six heures du matin,",
    "et les habitants viennent chercher leur pain encore chaud ; la",
    "rivière a débordé cette nuit après trois jours de pluie fine et",
    "la mairie a fermé le vieux pont de pierre qui mène au moulin.",
]


def paged(pages: int = 8) -> str:
    out = []
    for n in range(1, pages + 1):
        head = f"{n} LE PAIN DU VILLAGE" if n % 2 == 0 else f"HISTOIRE DU BLÉ {n}"
        lines = [head, ""] + [f"{line} ({n}.{k})" for k in range(5) for line in BODY]
        out.append("\n".join(lines))
    return "\n\f".join(out) + "\n"


def docs():
    return [
        Document(text=paged(), id="book", metadata={}),
        Document(text="Bonjour.\n\nRépondre\n\nCiter\n\n12\n", id="post", metadata={}),
        Document(text="", id="empty", metadata={}),
    ]


def test_strips_pages_counts_them_and_never_drops():
    step = PageFurnitureFormatter()
    out = list(step(docs()))
    assert [d.id for d in out] == ["book", "post", "empty"]
    assert "LE PAIN DU VILLAGE" not in out[0].text and "HISTOIRE DU BLÉ" not in out[0].text and "\f" not in out[0].text
    assert out[1].text == "Bonjour.\n\nRépondre\n\nCiter\n\n12\n"
    assert "removed_spans" not in out[0].metadata
    stats = step.stats
    assert stats["pages_detected"].total == 8 and stats["docs_paged"].total == 1
    assert stats["removed_running_header"].total == 8
    assert stats["lines_removed"].total >= 16  # the 8 heads and the blank line under each


def test_records_removed_spans_on_request():
    out = list(PageFurnitureFormatter(record_spans=True)(docs()))
    spans = out[0].metadata["removed_spans"]
    assert spans[0] == {"line": 1, "reason": "running_header", "text": "HISTOIRE DU BLÉ 1"}
    assert all(set(s) == {"line", "reason", "text"} for s in spans)
    assert out[1].metadata["removed_spans"] == []


@pytest.mark.parametrize(
    "kwargs, message",
    [({"inline_heads": "yes"}, "inline_heads='yes'"), ({"languages": ("klingon",)}, "languages=")],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PageFurnitureFormatter(**kwargs)


def test_only_selected_sources_are_cleaned():
    paged = "\f".join(f"Texte de la page {n}, assez long pour une page.\n{n}" for n in range(1, 8))
    docs = [Document(text=paged, id=str(i), metadata={"source": s}) for i, s in enumerate(["books", "web"])]
    out = list(PageFurnitureFormatter(sources=["books"])(docs))
    assert out[1].text == paged and out[0].text != paged
    with pytest.raises(ValueError, match="sources="):
        PageFurnitureFormatter(sources="books")


def test_paged_documents_are_marked_as_books_and_unpaged_ones_untouched():
    web_page = 'Accueil\nSe connecter\n\nLe marché rouvre samedi.\n{"a": 1}\n- liste\n'
    declared_web = Document(text=paged(), id="declared_web", metadata={BOOK_KEY: False})
    out = list(PageFurnitureFormatter()([*docs(), Document(text=web_page, id="web", metadata={}), declared_web]))
    assert out[0].metadata[BOOK_KEY] == "pages"
    assert BOOK_KEY not in out[1].metadata and BOOK_KEY not in out[3].metadata
    assert out[3].text == web_page  # the default runs on every source: text without pages comes back as it was
    assert out[4].metadata[BOOK_KEY] is False  # an input declared `kind: web` stays web
