"""Keep rates of the four quality filters, with their default thresholds, on real and labelled text.

    python benchmarks/quality_thresholds.py --data ../shared/data [--sample-corpus sample_corpus] [--speed]

Datasets (each document gets `language` metadata, as the language-ID step would give it):
  - french_novels: the ELTeC-fra novels of shared/data, cut at paragraph ends into ~2,000-character chunks;
    requirement: >= 99% kept by the four filters chained.
  - english_web: the cc_net paragraphs of shared/data (real English Common Crawl text that passed cc_net).
  - sample_corpus (when the folder exists): its documents, labelled by sample_corpus/expected.json as good
    (kept is right) or junk by category (dropped is right); HTML pages are extracted with trafilatura. Every
    text first goes through UnicodeRepairFormatter, which runs before the quality filters in the clean stage.
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

CHUNK_CHARS = 2000


def make_filters() -> dict:
    return {
        "gopher_quality": MultilingualGopherQualityFilter(),
        "gopher_repetition": MultilingualGopherRepetitionFilter(),
        "c4_quality": MultilingualC4QualityFilter(),
        "fineweb_quality": MultilingualFineWebQualityFilter(),
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
    if args.speed:
        results["speed"] = speed(novels)
    for name, r in results.items():
        if "keep_rate" in r:
            print(
                f"{name:15s} kept {r['kept']:5d}/{r['documents']:5d} = {r['keep_rate']:.2%}  {r['dropped_by_reason']}"
            )
    write_result(results, args.out)


if __name__ == "__main__":
    main()
