from fonderie.text.paragraphs import paragraph_blocks, paragraph_view, paragraphs


def test_wrapped_lines_are_rejoined_into_paragraphs():
    text = "  Le blé est la plante\nla plus utile.\n \n\nCHAPITRE II\n\n\nOn a confondu\nla carie.\n"
    assert paragraphs(text) == ["Le blé est la plante la plus utile.", "CHAPITRE II", "On a confondu la carie."]
    assert paragraph_blocks(text)[0] == ["Le blé est la plante", "la plus utile."]
    assert paragraph_view(text) == "Le blé est la plante la plus utile.\n\nCHAPITRE II\n\nOn a confondu la carie."
