"""Keep rates of the quality filters, with their default thresholds, on real and labelled text; the share of the
words of real books (OCR included) the default clean stage keeps.

    python benchmarks/quality_thresholds.py --data ../shared/data [--sample-corpus sample_corpus] [--speed]

Datasets (each document gets `language` metadata, as the language-ID step would give it):
  - french_novels: the ELTeC-fra novels of shared/data, cut at paragraph ends into ~2,000-character chunks;
    requirement: >= 99% kept by the four filters chained.
  - english_web: the cc_net paragraphs of shared/data (real English Common Crawl text that passed cc_net).
  - sample_corpus (when the folder exists): its documents, labelled by sample_corpus/expected.json as good
    (kept is right) or junk by category (dropped is right); HTML pages are extracted with trafilatura. Every
    text first goes through UnicodeRepairFormatter, which runs before the quality filters in the clean stage.
  - books: the default clean steps (Unicode repair, page furniture, language ID keeping the source's language,
    long-s repair, the five quality filters) on the real books of shared/data, declared `kind: book`: Parmentier
    1778 (raw Tesseract, 10,000-character chunks), the ICDAR 2017 monograph pages (French, English; one page a
    document) and the ELTeC novels (20,000-character chunks, as pipelines/fr_novels.yaml). Body words are the
    words left after page furniture (its running heads and page numbers are meant to go); the kept share is the
    words of the kept documents over those. Goal: >= 95% per source.
  - ocr_calibration: the OCR-quality measure (share of readable tokens) on the ICDAR pages, their ground truth,
    and that ground truth with 10%, 20%, 30% of its letters garbled; `min_readable_share` sits between them.
Filters run chained (Gopher quality, Gopher repetition, C4, FineWeb: cheap drops of tiny documents first), each
on what the previous kept; `alone` gives each filter's keep rate on all documents. `--speed` adds documents/s per
filter on the novel chunks, and datatrove's own filters on the same chunks for comparison (given our tokenizer;
with spaCy's too when it is installed). Prints one summary line per dataset, then one JSON object (last line).
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import time
from collections import Counter
from pathlib import Path

from bench_results import add_out_argument, write_result
from datatrove.data import Document

from fonderie.steps.filters.c4_quality import MultilingualC4QualityFilter
from fonderie.steps.filters.fineweb_quality import MultilingualFineWebQualityFilter
from fonderie.steps.filters.gopher_quality import MultilingualGopherQualityFilter
from fonderie.steps.filters.gopher_repetition import MultilingualGopherRepetitionFilter
from fonderie.steps.filters.ocr_quality import MIN_READABLE_SHARE, OcrQualityFilter

CHUNK_CHARS = 2000


def make_filters() -> dict:
    return {
        "gopher_quality": MultilingualGopherQualityFilter(),
        "gopher_repetition": MultilingualGopherRepetitionFilter(),
        "c4_quality": MultilingualC4QualityFilter(),
        "fineweb_quality": MultilingualFineWebQualityFilter(),
        "ocr_quality": OcrQualityFilter(),  # books only: passes every document not marked as one
    }


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive paragraphs (blank-line separated) joined until a chunk reaches `size` characters."""
    out, current, n = [], [], 0
    for para in text.split("\n\n"):
        current.append(para)
        n += len(para) + 2
        if n >= size:
            out.append("\n\n".join(current).strip())
            current, n = [], 0
    if current and n >= size // 4:
        out.append("\n\n".join(current).strip())
    return out


def french_novels(data: Path) -> list[Document]:
    docs = []
    for path in sorted((data / "french_corpus" / "eltec_fra").glob("*.txt")):
        for i, chunk in enumerate(chunks(path.read_text(encoding="utf-8"))):
            docs.append(Document(text=chunk, id=f"{path.stem}#{i}", metadata={"language": "fr"}))
    return docs


def english_web(data: Path) -> list[Document]:
    docs = []
    for path in sorted((data / "web" / "cc_net_text").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                docs.append(Document(text=record["text"], id=record["id"], metadata={"language": "en"}))
    return docs


def _records(path: Path) -> list:
    """The raw records of a sample-corpus dump, by position (a malformed JSON line is None)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if path.suffix == ".gz":
        raw = gzip.decompress(path.read_bytes())
    elif path.suffix == ".zst":
        import zstandard

        raw = zstandard.ZstdDecompressor().stream_reader(path.open("rb")).read()
    else:
        raw = path.read_bytes()
    records = []
    for line in raw.decode("utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            records.append(None)
    return records


def _warc_pages(path: Path) -> dict[str, str]:
    from warcio.archiveiterator import ArchiveIterator

    from fonderie.steps.filters.html_extract import extract_trafilatura
    from fonderie.steps.readers.warc import _decode  # the reader's own: header charset, UTF-8, then detection

    pages = {}
    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type == "response":
                body = record.content_stream().read()
                html = _decode(body, record.http_headers.get_header("Content-Type") or "") or ""
                pages[record.rec_headers.get_header("WARC-Target-URI")] = extract_trafilatura(html)[0] or ""
    return pages


def sample_corpus(folder: Path) -> list[Document]:
    """Labelled documents: metadata `label` is `good` or `junk:<category>` (`unicode:*` problems count as good)."""
    from fonderie.steps.formatters.unicode_repair import UnicodeRepairFormatter

    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    repair = UnicodeRepairFormatter()
    loaded: dict[str, object] = {}
    docs = []
    for entry in expected["documents"]:
        loc = entry["locator"]
        path = folder / loc["file"]
        if not path.exists():
            continue
        if loc["file"].endswith(".warc.gz"):
            loaded.setdefault(loc["file"], _warc_pages(path))
            text = loaded[loc["file"]].get(loc["uri"], "")
        elif "line" in loc or "row" in loc:
            loaded.setdefault(loc["file"], _records(path))
            record = loaded[loc["file"]][loc.get("line", loc.get("row"))]
            text = (record or {}).get("text") or ""
        else:
            text = path.read_text(encoding="utf-8")
        if not text:
            continue  # readers drop these before the clean stage
        junk = [t.split(":", 1)[1].replace("-", "_") for t in entry["tags"] if t.startswith("junk:")]
        label = f"junk:{junk[0]}" if junk else "good"
        metadata = {"language": entry["lang"], "label": label}
        docs.append(Document(text=repair.format(text), id=entry["id"], metadata=metadata))
    return docs


def run_chain(filters: dict, docs: list[Document]) -> tuple[list[Document], dict[str, str]]:
    """Documents kept by all filters in order, and the drop reason of each dropped document id."""
    kept, reasons = [], {}
    for doc in docs:
        doc = copy.deepcopy(doc)
        for f in filters.values():
            result = f.filter(doc)
            if result is not True:
                reasons[doc.id] = result[1]
                break
        else:
            kept.append(doc)
    return kept, reasons


def measure(docs: list[Document]) -> dict:
    kept, reasons = run_chain(make_filters(), docs)
    out = {
        "documents": len(docs),
        "kept": len(kept),
        "keep_rate": round(len(kept) / max(len(docs), 1), 4),
        "dropped_by_reason": dict(Counter(reasons.values()).most_common()),
        "chars_kept_by_c4_line_rules": round(
            sum(len(d.text) for d in kept) / max(sum(len(d.text) for d in docs if d.id not in reasons), 1), 4
        ),
        "alone": {},
    }
    for name, f in make_filters().items():
        n_kept = sum(f.filter(copy.deepcopy(d)) is True for d in docs)
        out["alone"][name] = round(n_kept / max(len(docs), 1), 4)
    return out, reasons


def labelled(docs: list[Document], reasons: dict[str, str]) -> dict:
    """Per label: documents, how many got the right decision, and the wrong ones with their reasons."""
    out = {}
    for label in sorted({d.metadata["label"] for d in docs}):
        group = [d for d in docs if d.metadata["label"] == label]
        good = label == "good"
        wrong = [d.id for d in group if (d.id in reasons) == good]
        out[label] = {
            "documents": len(group),
            "correct": len(group) - len(wrong),
            "wrong": {i: reasons.get(i, "kept") for i in wrong},
            "reasons": dict(Counter(reasons[d.id] for d in group if d.id in reasons).most_common()),
        }
    return out


def speed(docs: list[Document], repeat: int = 3) -> dict:
    """Documents/s of each filter alone and of the chain; the same for datatrove's filters given our tokenizer,
    and, when spaCy is installed, with their own (spaCy French, on the first 200 documents: it is slow)."""
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    from fonderie.text.stopwords import STOP_WORDS
    from fonderie.text.words import word_tokenizer

    def datatrove_filters(language) -> dict:
        return {
            "gopher_quality": GopherQualityFilter(language=language, stop_words=list(STOP_WORDS["fr"])),
            "gopher_repetition": GopherRepetitionFilter(language=language),
            "c4_quality": C4QualityFilter(language=language, filter_no_terminal_punct=False),
            "fineweb_quality": FineWebQualityFilter(language=language),
        }

    def rate(fs: list, docs: list[Document]) -> float:
        best = float("inf")
        for _ in range(repeat):
            batch = [Document(text=d.text, id=d.id, metadata=dict(d.metadata)) for d in docs]
            start = time.perf_counter()
            for doc in batch:
                for f in fs:
                    if f.filter(doc) is not True:
                        break
            best = min(best, time.perf_counter() - start)
        return round(len(docs) / best, 1)

    def rates(filters: dict, docs: list[Document]) -> dict:
        return {name: rate([f], docs) for name, f in filters.items()} | {"chain": rate(list(filters.values()), docs)}

    out = {"documents": len(docs), "mean_chars": round(sum(len(d.text) for d in docs) / len(docs))}
    out["fonderie_docs_per_s"] = rates(make_filters(), docs)
    out["datatrove_same_tokenizer_docs_per_s"] = rates(datatrove_filters(word_tokenizer()), docs)
    try:
        import spacy  # noqa: F401
    except ImportError:
        return out
    few = docs[:200]
    out["on_200_documents"] = {
        "fonderie_docs_per_s": rates(make_filters(), few),
        "datatrove_spacy_fr_docs_per_s": rates(datatrove_filters("fr"), few),
    }
    return out


def _text_chunks(text: str, size: int) -> list[str]:
    """The text reader's `chunk_chars` cut: pieces ending at the first line end at or after `size` characters."""
    out, start = [], 0
    while start < len(text):
        end = text.find("\n", start + size - 1)
        end = len(text) - 1 if end < 0 else end
        out.append(text[start : end + 1])
        start = end + 1
    return out


def real_books(data: Path) -> dict[str, list[Document]]:
    """Real books of shared/data by source, as the default ingest would make documents of them."""
    parmentier = (data / "ocr_pages/parmentier_1778/book_raw_ocr.txt").read_text(encoding="utf-8")
    books = {"parmentier_1778": [(c, "fr") for c in _text_chunks(parmentier, 10_000)]}
    for line in (data / "ocr_pages/icdar2017_monographs/pages.jsonl").open(encoding="utf-8"):
        page = json.loads(line)
        books.setdefault(f"icdar2017_{page['lang']}", []).append((page["ocr"], page["lang"]))
    for path in sorted((data / "french_corpus/eltec_fra").glob("*.txt")):
        books.setdefault("eltec_fra", []).extend((c, "fr") for c in _text_chunks(path.read_text("utf-8"), 20_000))
    return {
        source: [Document(text=t, id=f"{source}#{i}", metadata={"source": source, "lang": lang})
                 for i, (t, lang) in enumerate(texts)]
        for source, texts in books.items()
    }  # fmt: skip


def book_words_kept(docs: list[Document]) -> dict:
    """The default clean steps on one source's documents, declared `kind: book`: body words kept, drops."""
    import re

    from fonderie.steps.filters.language import FastTextLanguageFilter
    from fonderie.steps.formatters.book_marker import BookMarker
    from fonderie.steps.formatters.long_s_repair import LongSRepairFormatter
    from fonderie.steps.formatters.page_furniture import PageFurnitureFormatter
    from fonderie.steps.formatters.unicode_repair import UnicodeRepairFormatter

    words = re.compile(r"[^\W_]+")
    docs = copy.deepcopy(docs)
    prepared = BookMarker(book_sources=[docs[0].metadata["source"]]).run(UnicodeRepairFormatter().run(iter(docs)))
    body = {d.id: len(words.findall(d.text)) for d in PageFurnitureFormatter().run(prepared)}
    language = FastTextLanguageFilter(languages=[docs[0].metadata["lang"]])
    repair = LongSRepairFormatter()
    kept, reasons = [], Counter()
    for doc in repair.run(language.run(iter(docs))):
        for f in make_filters().values():
            if (result := f.filter(doc)) is not True:
                reasons[result[1]] += 1
                break
        else:
            kept.append(doc)
    for step in (language,):
        reasons.update({k[8:]: v.total for k, v in step.stats.stats.items() if k.startswith("dropped_")})
    kept_words = sum(len(words.findall(d.text)) for d in kept)
    return {
        "documents": len(docs),
        "kept": len(kept),
        "body_words": sum(body.values()),
        "kept_words": kept_words,
        "kept_share": round(kept_words / max(sum(body.values()), 1), 4),
        "dropped_by_reason": dict(reasons.most_common()),
        "long_s_repaired_letters": sum(v.total for k, v in repair.stats.stats.items() if k.startswith("long_s")),
    }


def ocr_calibration(data: Path) -> dict:
    """Readable-token shares of the ICDAR 2017 pages, of their ground truth, and of that truth garbled."""
    import random
    import statistics

    from fonderie.text.ocr_quality import readable_share
    from fonderie.text.pages.hyphen import lexicon

    rng = random.Random(0)
    confusions = "lI1|!;:.,'`^~*%°ïîç{}abcdefghijklmnopqrstuvwxyz"

    def garble(text: str, share: float) -> str:
        return "".join(rng.choice(confusions) if c.isalpha() and rng.random() < share else c for c in text)

    scores: dict[str, list[float]] = {}
    for line in (data / "ocr_pages/icdar2017_monographs/pages.jsonl").open(encoding="utf-8"):
        page = json.loads(line)
        lex = lexicon(page["lang"])
        truth = page["gs_aligned"].replace("@", "").replace("#", "")
        pairs = [(a, b) for a, b in zip(page["ocr_aligned"], page["gs_aligned"], strict=False) if b != "#"]
        scores.setdefault("icdar_ocr", []).append(readable_share(page["ocr"], lex)[0])
        scores.setdefault("icdar_char_error_rate", []).append(sum(a != b for a, b in pairs) / max(len(pairs), 1))
        scores.setdefault("ground_truth", []).append(readable_share(truth, lex)[0])
        for share in (0.1, 0.2, 0.3):
            scores.setdefault(f"truth_{share:.0%}_letters_garbled", []).append(
                readable_share(garble(truth, share), lex)[0]
            )
    out = {"min_readable_share": MIN_READABLE_SHARE}
    for name, values in scores.items():
        values.sort()
        out[name] = {"min": round(values[0], 3), "median": round(statistics.median(values), 3),
                     "max": round(values[-1], 3), "pages": len(values)}  # fmt: skip
        if name != "icdar_char_error_rate":  # an error rate, not a readable share: no threshold to compare with
            out[name]["below_threshold"] = sum(v < MIN_READABLE_SHARE for v in values)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    parser.add_argument("--sample-corpus", type=Path, default=Path(__file__).parents[1] / "sample_corpus")
    parser.add_argument("--speed", action="store_true", help="also time each filter on the novel chunks")
    add_out_argument(parser, __file__)
    args = parser.parse_args()

    results = {}
    novels = french_novels(args.data)
    results["french_novels"], novel_reasons = measure(novels)
    results["french_novels"]["dropped_examples"] = dict(list(novel_reasons.items())[:10])
    results["english_web"], web_reasons = measure(english_web(args.data))
    results["english_web"]["dropped"] = web_reasons
    if (args.sample_corpus / "expected.json").exists():
        docs = sample_corpus(args.sample_corpus)
        results["sample_corpus"], reasons = measure(docs)
        results["sample_corpus"]["by_label"] = labelled(docs, reasons)
    results["books"] = {source: book_words_kept(docs) for source, docs in real_books(args.data).items()}
    results["ocr_calibration"] = ocr_calibration(args.data)
    if args.speed:
        results["speed"] = speed(novels)
    for name, r in results.items():
        if "keep_rate" in r:
            print(
                f"{name:15s} kept {r['kept']:5d}/{r['documents']:5d} = {r['keep_rate']:.2%}  {r['dropped_by_reason']}"
            )
    for source, r in results["books"].items():
        print(
            f"book {source:17s} words kept {r['kept_words']:7d}/{r['body_words']:7d} = {r['kept_share']:.2%}  "
            f"documents {r['kept']}/{r['documents']}  {r['dropped_by_reason']}"
        )
    write_result(results, args.out)


if __name__ == "__main__":
    main()
