"""Page furniture of books, as pure functions over one document's text (no pipeline): `strip_page_furniture`.

furniture.py  the entry point: pages found, furniture decided, lines removed, hyphens rejoined
layout.py     pages from form feeds or inferred from number sequences; numbers.py: page numbers, roman too
heads.py      running heads (fuzzy, by parity); marks.py: signature marks; inline.py: heads inside long lines
view.py       one page's lines and zones; decide.py: what is furniture; debris.py: OCR debris of furniture
hyphen.py     words hyphenated across a line or page break, rejoined when a word list vouches for them
"""
