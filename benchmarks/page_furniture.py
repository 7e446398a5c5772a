"""Page furniture removal on real books: fonderie's `strip_page_furniture` against a re-implementation of Lucie's.

    python benchmarks/page_furniture.py --data ../shared/data [--books 11] [--no-pdf]

Inputs, all with a known original text:
  - synthetic_books: the ELTeC French novels (and tiny Shakespeare, in verse) paginated by `paginate.py` in 11
    layouts (number styles `12`, `- 12 -`, `— 12 —`, `Page 12`, `p. 12`, `12/300`, `[12]`, `(12)`; heads alone,
    alternating, fused with the number; roman front matter; OCR misreadings; missing numbers; form feeds or not;
    words hyphenated at line ends), two layouts per book;
  - pdf_books: novels typeset by `enscript`, made PDF by `ps2pdf` and extracted by `pdftotext` (raw and -layout),
    the furniture being whatever the extracted text has that the original has not (skipped without the tools);
  - parmentier_ocr: Tesseract pages of a 1778 book (`book_raw_ocr.txt`, with form feeds, and the same with the
    form feeds replaced by new lines), the furniture labelled from the book's known heads and printed page numbers
    (first line of each page; signature marks and catchwords at the foot), checked against the hand-cleaned pages;
  - icdar_ocr: ICDAR 2017 pages flattened to one line each (running head and number at the start), one document per
    book part, pages joined by new lines and by form feeds; the furniture labelled from the known heads;
  - unpaged: texts with no pages (web pages, cc_net text, the novels and Shakespeare as they are): nothing may go.
Figures: furniture_left_pct (share of furniture words still in the output; goal <= 0.5) and body_lost_pct (share
of body words missing from the output; goal <= 0.1). Words are \\w+ runs, matched in order between input and
output (a word rejoined across a hyphen counts as both its halves kept). Prints one JSON object, last.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_results import add_out_argument, write_result
from lucie_pages import remove_page_numbers
from page_labels import icdar_docs, parmentier_docs
from paginate import LAYOUTS, paginate

from fonderie.text.pages.furniture import strip_page_furniture

_TOK = re.compile(r"\w+")
_LATIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "--", "–": "-", "…": "...", "œ": "oe", "Œ": "OE"})
_COMPOUND_TOK = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def kept_mask(inp: list[str], out: list[str], furniture: list[bool] | None = None) -> list[bool]:
    """For each input word, whether it is in the output: an in-order match that skips what was removed and takes a
    word rejoined across a hyphen (`interrompu` for `inter` ... `rompu`) as both its halves. Where an output word
    matches a furniture word and, just past it, a body word that goes on matching (a catchword repeats the next
    page's first word), the body word is credited: both alignments fit the output, the catchword's is the wrong one."""
    n, m = len(inp), len(out)
    kept = [False] * n
    i = j = 0
    while i < n and j < m:
        a, b = inp[i], out[j]
        if a == b and furniture and furniture[i]:
            k = next((k for k in range(i + 1, min(n, i + 12)) if not furniture[k]), None)
            if k is not None and inp[k : k + 3] == out[j : j + 3] and inp[i : i + 3] != out[j : j + 3]:
                i = k
                continue
        if a == b:
            kept[i] = True
            i, j = i + 1, j + 1
            continue
        if b.startswith(a) and len(b) > len(a):
            rest = b[len(a) :]
            ahead = out[j + 1 : j + 2]  # what follows the rejoined word must follow its second half (past furniture)
            k = next(
                (
                    k
                    for k in range(i + 1, min(n, i + 40))
                    if inp[k] == rest and any(inp[m : m + 1] == ahead for m in range(k + 1, k + 25))
                ),
                None,
            )
            if k is not None:
                kept[i] = kept[k] = True
                i, j = k + 1, j + 1
                continue
        d = next((d for d in range(1, 400) if i + d < n and inp[i + d : i + d + 3] == out[j : j + 3]), None)
        e = next((e for e in range(1, 400) if j + e < m and out[j + e : j + e + 3] == inp[i : i + 3]), None)
        if d is None and e is None:  # no three words agree again soon: one word, close by
            d = next((d for d in range(1, 12) if i + d < n and inp[i + d] == b), None)
            i, j = (i + d, j) if d else (i + 1, j + 1)
        elif e is None or (d is not None and d <= e):
            i += d
        else:
            j += e
    return kept


def score(labeled: list[tuple[str, str]], output: str) -> Counter:
    """Counts of furniture / body words in the input, and of those left / lost in the output."""
    words, labels = [], []
    for line, label in labeled:
        if label == "blank":
            continue
        toks = _TOK.findall(line)
        words += toks
        labels += [label] * len(toks)
    kept = kept_mask(words, _TOK.findall(output), [label == "furniture" for label in labels])
    c = Counter()
    for label, k in zip(labels, kept, strict=True):
        c[label] += 1
        if label == "furniture" and k:
            c["furniture_left"] += 1
        if label == "body" and not k:
            c["body_lost"] += 1
    return c


def hyphen_errors(original: str, output: str, splits: list[tuple[str, str]]) -> tuple[int, int]:
    """(words split at a line end whose right form is missing from the output, words split)."""
    want = Counter(w.lower() for w in _COMPOUND_TOK.findall(original))
    got = Counter(w.lower() for w in _COMPOUND_TOK.findall(output))
    split_words = {w.lower() for w, _ in splits}
    return sum(max(0, want[w] - got[w]) for w in split_words), len(splits)


def novels(data: Path, limit: int) -> list[tuple[str, str, list[str]]]:
    folder = data / "french_corpus" / "eltec_fra"
    meta = {}
    for row in (folder / "metadata.tsv").read_text().splitlines()[1:]:
        cols = row.split("\t")
        author = " ".join(reversed(cols[1].split("[")[0].split(", ")))
        meta[cols[0]] = (cols[2].split(",")[0].split("(")[0].strip(), author.strip())
    books = []
    for path in sorted(folder.glob("FRA*.txt"))[:limit]:
        title, author = meta.get(path.stem, (path.stem, ""))
        books.append((path.stem, title, author, [p for p in path.read_text().split("\n\n") if p.strip()]))
    shakespeare = (data / "tinyshakespeare" / "input.txt").read_text()[:300_000]
    paras = [p for p in shakespeare.split("\n\n") if p.strip()]
    books.append(("shakespeare", "Tiny Shakespeare", "William Shakespeare", paras))
    return books


def synthetic(data: Path, limit: int):
    for k, (name, title, author, paras) in enumerate(novels(data, limit)):
        for layout in (LAYOUTS[(2 * k) % len(LAYOUTS)], LAYOUTS[(2 * k + 1) % len(LAYOUTS)]):
            text, rows, splits = paginate(paras, title, author, layout, seed=k)
            yield f"{name}/{layout.name}", text, rows, ("\n\n".join(paras), splits)


def pdf_books(data: Path, limit: int):
    """Novels through enscript -> ps2pdf -> pdftotext; furniture = extracted words not in the original."""
    if not all(shutil.which(t) for t in ("enscript", "ps2pdf", "pdftotext")):
        print("pdf_books: enscript, ps2pdf or pdftotext missing (apt-get install enscript ghostscript poppler-utils)")
        return
    runs = [
        ("FRA06101_Sandeau", "MADEMOISELLE DE LA SEIGLIERE||Page $%", []),
        ("FRA06501_Gyp", "|- $% -|", ["-layout"]),
        ("FRA01101_Dombre", "Roger Dombre|UNE PUPILLE GENANTE|$%", ["-layout"]),
        ("FRA02501_Loti", "$%|MON FRERE YVES|", []),
    ][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        for name, header, opts in runs:
            src = (data / "french_corpus" / "eltec_fra" / f"{name}.txt").read_text()
            latin = src.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")
            txt, ps, pdf, out = (Path(tmp) / f"{name}.{x}" for x in ("txt", "ps", "pdf", "out"))
            txt.write_text(latin, encoding="latin-1")
            subprocess.run(["enscript", "-q", "-X", "latin1", "--word-wrap", "-f", "Times-Roman11", "-b", header,
                            "-o", str(ps), str(txt)], check=True)  # fmt: skip
            subprocess.run(["ps2pdf", str(ps), str(pdf)], check=True)
            subprocess.run(["pdftotext", "-enc", "UTF-8", *opts, str(pdf), str(out)], check=True)
            text = out.read_text()
            words = _TOK.findall(text)
            body = kept_mask(words, _TOK.findall(latin))
            rows = [(w, "body" if k else "furniture") for w, k in zip(words, body, strict=True)]
            yield f"{name}/enscript{''.join(opts)}", text, rows, None


def unpaged(data: Path, limit: int):
    web = data / "web"
    with gzip.open(web / "cc_net_text" / "cc_en_head-0091.jsonl.gz", "rt") as f:
        for k, line in enumerate(f):
            yield f"cc_net/{k}", json.loads(line)["text"], None, None
    truth = json.loads((web / "html_pages" / "ground-truth.json").read_text())
    for key, rec in sorted(truth.items()):
        yield f"article/{key}", rec["articleBody"], None, None
    for name, _, _, paras in novels(data, limit):
        yield f"{name}/as_is", "\n\n".join(paras), None, None


def run(name: str, docs, stats: dict) -> None:
    ours, lucie, hyph = Counter(), Counter(), [0, 0]
    changed = {"ours": 0, "lucie": 0}
    size, seconds = 0, 0.0
    for doc, text, rows, extra in docs:
        rows = rows or [(line, "body") for line in text.split("\n")]
        start = time.perf_counter()
        cleaned = strip_page_furniture(text).text
        seconds += time.perf_counter() - start
        size += len(text.encode())
        baseline = remove_page_numbers(text)
        a, b = score(rows, cleaned), score(rows, baseline)
        ours += a
        lucie += b
        changed["ours"] += _TOK.findall(cleaned) != _TOK.findall(text)
        changed["lucie"] += _TOK.findall(baseline) != _TOK.findall(text)
        if extra:
            e, n = hyphen_errors(extra[0], cleaned, extra[1])
            hyph[0], hyph[1] = hyph[0] + e, hyph[1] + n
        print(f"  {doc}: ours furniture left {a['furniture_left']}/{a['furniture']}, body lost {a['body_lost']}/"
              f"{a['body']} | lucie {b['furniture_left']}/{b['furniture']}, {b['body_lost']}/{b['body']}")  # fmt: skip
    entry = {}
    for who, c in (("ours", ours), ("lucie", lucie)):
        entry[who] = {
            "furniture_words": c["furniture"],
            "furniture_left_pct": round(100 * c["furniture_left"] / c["furniture"], 3) if c["furniture"] else None,
            "body_words": c["body"],
            "body_lost_pct": round(100 * c["body_lost"] / c["body"], 3) if c["body"] else None,
            "docs_changed": changed[who],
        }
    if hyph[1]:
        entry["ours"]["hyphen_split_words"] = hyph[1]
        entry["ours"]["hyphen_errors_pct"] = round(100 * hyph[0] / hyph[1], 2)
    entry["ours"]["mb_per_s"] = round(size / 1e6 / seconds, 2) if seconds else None
    stats[name] = entry
    print(f"{name}: ours {entry['ours']} | lucie {entry['lucie']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--books", type=int, default=11, help="how many ELTeC novels to paginate (at most 11)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the enscript / ps2pdf / pdftotext books")
    add_out_argument(parser, __file__)
    args = parser.parse_args()
    strip_page_furniture("warm-\nup")  # load the word lists once, outside the timings
    stats: dict = {}
    run("synthetic_books", synthetic(args.data, args.books), stats)
    if not args.no_pdf:
        run("pdf_books", pdf_books(args.data, 4), stats)
    run("parmentier_ocr", parmentier_docs(args.data), stats)
    run("icdar_ocr", icdar_docs(args.data), stats)
    run("unpaged", unpaged(args.data, args.books), stats)
    write_result(stats, args.out)


if __name__ == "__main__":
    main()
