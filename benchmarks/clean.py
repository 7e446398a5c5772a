"""Read + clean throughput on real web pages: fonderie's ingest and clean stages against datatrove's FineWeb-style
reference pipeline, in the same run, one process each (so the figures are per core).

    python benchmarks/clean.py --data ../shared/data [--min-mb 20]

Input: the real WARCs of shared/data (a Common Crawl slice, the whirlwind capture, a wget crawl) and the 91 HTML
pages of the article-extraction benchmark packed into one WARC with warcio, the set listed again (symlinks) until
it weighs at least `--min-mb` MB of WARC.
  - ours: WarcDocumentReader -> HtmlExtractFilter (trafilatura) -> document shards; then shards -> Unicode repair ->
    page furniture -> language ID (lid.176, paragraph shares) -> Gopher quality -> Gopher repetition -> C4 ->
    FineWeb -> shards; every drop written to excluded/ with its reason.
  - reference: datatrove's WarcReader -> Trafilatura -> LanguageFilter -> GopherRepetitionFilter ->
    GopherQualityFilter -> C4QualityFilter -> FineWebQualityFilter -> ParquetWriter (FineWeb's order and settings;
    LanguageFilter reads the same local lid.176 file instead of downloading its model; its Gopher filters need the
    `bench` extra: spaCy's blank tokenizer).
Documents/s count documents read (WARC records for both); MB/s count WARC bytes; both per core: over the CPU
seconds of the process and of the extraction sandboxes it started (user + system), so that other jobs on the
machine do not skew one side (wall seconds are reported too). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from bench_results import add_out_argument, write_result
from ingest import WARCS  # the same real WARC files as the ingest benchmark


def pack_html_pages(data: Path, out: Path) -> None:
    """The benchmark's HTML pages as HTTP 200 responses in one gzipped WARC (url from its ground truth)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    truth = json.loads((data / "web/html_pages/ground-truth.json").read_text())
    with open(out, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for page in sorted((data / "web/html_pages/html").glob("*.html.gz")):
            body = gzip.decompress(page.read_bytes())
            url = truth.get(page.name.removesuffix(".html.gz"), {}).get("url") or f"https://example.org/{page.name}"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
            writer.write_record(record)


class Clock:
    """Wall and CPU seconds (this process and its waited-for children: trafilatura runs in a sandbox process)."""

    def __enter__(self):
        self.start = self._now()
        return self

    def __exit__(self, *exc):
        end = self._now()
        self.wall, self.cpu = end[0] - self.start[0], end[1] - self.start[1]

    @staticmethod
    def _now() -> tuple[float, float]:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.perf_counter(), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def make_input(data: Path, tmp: Path, min_mb: float) -> tuple[Path, int]:
    pages = tmp / "html_pages.warc.gz"
    pack_html_pages(data, pages)
    sources = [data / rel for rel in WARCS] + [pages]
    folder, size, r = tmp / "warcs", 0, 0
    folder.mkdir()
    while size < min_mb * 1e6:
        for i, src in enumerate(sources):
            os.symlink(src.resolve(), folder / f"{r:03d}_{i}.warc.gz")
            size += src.stat().st_size
        r += 1
    return folder, size


def run_ours(folder: Path, out: Path) -> dict:
    from fonderie.config.pipeline import PipelineConfig
    from fonderie.pipeline.runner import run_pipeline

    cfg = PipelineConfig.model_validate(
        {
            "output": str(out),
            "executor": {"kind": "local", "tasks": 1, "workers": 1},
            "inputs": [{"source": "web", "format": "warc", "path": f"{folder}/*.warc.gz"}],
            "stages": [
                {"kind": "ingest"},
                {"kind": "clean", "language": {"languages": ["en", "fr", "de", "es", "it"], "paragraph_shares": True}},
            ],
        }
    )
    with Clock() as clock:
        ingest, clean = run_pipeline(cfg, out=io.StringIO())
    return {"seconds": clock.wall, "cpu": clock.cpu, "read": ingest["read"], "kept": clean["kept"]}


def run_reference(folder: Path, out: Path, lid_path: Path) -> dict:
    import datatrove.utils.lid
    import polars as pl
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
    )
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    # the same lid.176 weights as ours, from disk: datatrove would download them (tasks run in this process)
    datatrove.utils.lid.cached_asset_path_or_download = lambda *args, **kwargs: str(lid_path)
    pipeline = [
        WarcReader(str(folder), glob_pattern="*.warc.gz"),
        Trafilatura(favour_precision=True, timeout=5),
        LanguageFilter(),
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(filter_no_terminal_punct=False),
        FineWebQualityFilter(),
        ParquetWriter(str(out)),
    ]
    with Clock() as clock:
        LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=str(out / "logs")).run()
    stats = json.loads((out / "logs" / "stats.json").read_text())
    documents = stats[0]["stats"].get("documents", 0)
    read = documents["total"] if isinstance(documents, dict) else documents
    kept = pl.scan_parquet(sorted(out.glob("*.parquet"))).select(pl.len()).collect().item() if read else 0
    return {"seconds": clock.wall, "cpu": clock.cpu, "read": read, "kept": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--min-mb", type=float, default=20, help="repeat the WARCs until they weigh this many MB")
    add_out_argument(parser, __file__)
    args = parser.parse_args()
    from fonderie.text.langid import model_path

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder, size = make_input(args.data, tmp, args.min_mb)
        ours = run_ours(folder, tmp / "ours")
        reference = run_reference(folder, tmp / "reference", model_path())
    mb = size / 1e6
    # datatrove's WarcReader skips non-response records without counting them: documents/s for both use the
    # records ours read (every record of the same files)
    records = ours["read"]
    result = {
        "input_mb": round(mb, 2),
        "warc_records": records,
        "ours_wall_seconds": round(ours["seconds"], 2),
        "reference_wall_seconds": round(reference["seconds"], 2),
        "ours_cpu_seconds": round(ours["cpu"], 2),
        "reference_cpu_seconds": round(reference["cpu"], 2),
        "ours_docs_s": round(records / ours["cpu"], 1),
        "reference_docs_s": round(records / reference["cpu"], 1),
        "ours_mb_s": round(mb / ours["cpu"], 3),
        "reference_mb_s": round(mb / reference["cpu"], 3),
        "ours_kept": ours["kept"],
        "reference_kept": reference["kept"],
    }
    result["ours_vs_reference"] = round(result["ours_docs_s"] / result["reference_docs_s"], 3)
    write_result(result, args.out)


if __name__ == "__main__":
    main()
