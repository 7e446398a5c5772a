"""Gold labels of the real OCR books for `benchmarks/page_furniture.py`: which words are page furniture.

The labels use what is known of each book and not what fonderie infers: the Parmentier pages' printed page numbers
and the book's three running heads (`LE PARFAIT`, `BOULANGER`, `INTRODUCTION`); the ICDAR books' running heads as
printed. Each document is returned as (name, text, rows, None) with rows = [(text piece, "body" | "furniture")].
"""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path

_HEADS = ("LEPARFAIT", "BOULANGER", "INTRODUCTION")
_ICDAR_HEADS = {
    "fr_monograph": ["CE QU'ON PEUT VOIR DANS UNE RUE."],
    "eng_monograph": ["OF FRYER BACON.", "THE FAMOUS HISTORY", "PREFACE.", "OF FRIER RUSH.", "A PLEASANT HISTORIE"],
}
_NOT_LETTER = re.compile(r"[^A-Z]")
_FOLD = str.maketrans("ÀÂÄÉÈÊËÎÏÔÖÛÙÜÇŸ", "AAAEEEEIIOOUUUCY")


def _key(text: str) -> str:
    return _NOT_LETTER.sub("", text.upper().translate(_FOLD))


def _sim(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _parmentier_head(text: str, printed: str) -> bool:
    """First line of a page: one of the book's heads (however misread), or a short line of page-number debris.

    The number printed at one end of the head, misread into letters, lowers the similarity (`BoviancEn; âss` on page
    255), so the head is also compared without its first or last word; a roman page number has no digit, so a word
    close to the page's own numeral (`xeaviij` on page XXXVIII, `xxxx` on XXXIX) marks the line as its head too.
    """
    if len(text) > 45:
        return False
    words = text.split()
    keys = {_key(text)}
    if len(words) > 1:
        keys |= {_key(" ".join(words[1:])), _key(" ".join(words[:-1]))}
    numbered = any(any(c.isdigit() for c in w) for w in words) and len(text) <= 30
    if printed and printed.isalpha():  # roman: the printer's final i is a j (`xxxviij`)
        forms = {printed.lower(), printed.lower()[:-1] + "j"}
        numbered = numbered or any(_sim(w.strip(".,;:—-").lower(), f) >= 0.6 for w in words for f in forms)
    return any(_sim(k, h) >= 0.55 for k in keys for h in _HEADS) or numbered or (len(words) <= 3 and len(text) <= 12)


def _parmentier_foot(text: str, next_first: str) -> bool:
    """Last line of a page: debris, a signature mark (a few letters) or a catchword (the next page's first word)."""
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    if not words or len(words) > 2:
        return False
    if _alnum(text) <= 5:
        return True
    nxt = next_first.split()[:1]
    return bool(nxt) and _sim(_key(text), _key(nxt[0])) >= 0.6


def parmentier_pages(data: Path) -> list[tuple[list[str], set[int], dict]]:
    """(lines, furniture line indexes, row) per page of the 1778 book."""
    rows = [json.loads(line) for line in (data / "ocr_pages/parmentier_1778/pages.jsonl").open()]
    pages = []
    for r in rows:
        lines = r["raw_ocr"].split("\n")
        nb = [i for i, line in enumerate(lines) if line.replace("\f", "").strip()]
        pages.append((lines, nb, r))
    out = []
    for k, (lines, nb, r) in enumerate(pages):
        furniture: set[int] = set()
        clean = [line.replace("\f", "").strip() for line in lines]
        body = [i for i in nb if _alnum(clean[i])]
        if k >= 1 and r["printed_page"] not in (None, "001") and body:
            furniture.update(i for i in nb if i < body[0])  # debris above the head
            if _parmentier_head(clean[body[0]], r["printed_page"]):
                furniture.add(body[0])
        if k >= 1 and len(body) > 2:
            nxt = pages[k + 1] if k + 1 < len(pages) else None
            first = ""
            if nxt:
                nclean = [line.replace("\f", "").strip() for line in nxt[0]]
                nbody = [i for i in nxt[1] if _alnum(nclean[i])]
                first = nclean[nbody[1]] if len(nbody) > 1 else ""
            furniture.update(i for i in nb if i > body[-1])
            if _parmentier_foot(clean[body[-1]], first):
                furniture.add(body[-1])
        out.append((lines, furniture, r))
    return out


def _human_check(pages) -> tuple[int, int]:
    """(agreements, checks) between the labels and the hand-cleaned pages, on each page's first and last lines."""
    agree = checks = 0
    for lines, furniture, r in pages:
        if not r.get("human_cleaned_text"):
            continue
        human = [_key(x) for x in r["human_cleaned_text"].replace("ſ", "s").split("\n") if x.strip()]
        nb = [i for i, line in enumerate(lines) if _alnum(line)]
        for i in {nb[0], nb[-1]} if nb else ():
            key = _key(lines[i].replace("f", "s"))
            in_human = any(_sim(key, h) >= 0.6 for h in human) if key else False
            agree += in_human != (i in furniture)
            checks += 1
    return agree, checks


def parmentier_docs(data: Path):
    pages = parmentier_pages(data)
    agree, checks = _human_check(pages)
    print(f"  parmentier labels agree with the hand-cleaned pages on {agree}/{checks} first and last lines")
    rows, texts = [], []
    for lines, furniture, _ in pages:
        texts.append("\n".join(lines))
        rows += [(line, "furniture" if i in furniture else "body") for i, line in enumerate(lines)]
    text = "\f".join(texts)
    book = (data / "ocr_pages/parmentier_1778/book_raw_ocr.txt").read_text()
    assert text == book, "book_raw_ocr.txt is not the raw_ocr pages joined by form feeds"
    yield "parmentier/form_feeds", text, rows, None
    yield "parmentier/no_form_feeds", text.replace("\f", "\n"), rows, None


def _numberish(tok: str) -> bool:
    return any(c.isdigit() for c in tok) and len(tok) <= 6


def icdar_head(text: str, heads: list[str]) -> int:
    """Characters of a flattened page taken by its running head and page number (0 if it has none)."""
    words = list(re.finditer(r"\S+", text[:300]))
    best = (0.0, 0)
    for start in (0, 1):
        if start and not (words and _numberish(words[0].group())):
            continue
        for head in heads:
            n_head = len(head.split())
            for n in (n_head - 1, n_head, n_head + 1):
                if n < 1 or start + n > len(words):
                    continue
                sim = _sim(_key(text[words[start].start() : words[start + n - 1].end()]), _key(head))
                after = start + n < len(words) and _numberish(words[start + n].group())
                if sim >= 0.75 and (start or after) and sim > best[0]:
                    best = (sim, words[start + n].end() if after and not start else words[start + n - 1].end())
    return best[1]


def icdar_docs(data: Path):
    rows = [json.loads(line) for line in (data / "ocr_pages/icdar2017_monographs/pages.jsonl").open()]
    books = {
        "fr": [r for r in rows if r["file"].startswith("fr_")],
        "en_bacon": [r for r in rows if r["file"].startswith("eng_") and int(Path(r["file"]).stem) <= 27],
        "en_rush": [r for r in rows if r["file"].startswith("eng_") and int(Path(r["file"]).stem) > 27],
    }
    for name, pages in books.items():
        pages.sort(key=lambda r: int(Path(r["file"]).stem))
        labeled, texts = [], []
        for r in pages:
            text = " ".join(r["ocr"].split())
            cut = icdar_head(text, _ICDAR_HEADS[r["file"].split("/")[0]])
            labeled += [(text[:cut], "furniture"), (text[cut:], "body")]
            texts.append(text)
        yield f"icdar/{name}/new_lines", "\n".join(texts), labeled, None
        yield f"icdar/{name}/form_feeds", "\n\f".join(texts), labeled, None
