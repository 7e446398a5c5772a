"""Ingest throughput on real web archives: fonderie's `ingest` stage against datatrove's own WARC pipeline.

    python benchmarks/ingest.py --data ../shared/data [--repeat 20]

Both read the same WARC files (the Common Crawl slice, the whirlwind capture and a wget crawl in shared/data,
listed `--repeat` times through symlinks), extract HTML with trafilatura on one core and write Parquet:
  - fonderie: WarcDocumentReader -> ReaderRejectFilter -> HtmlExtractFilter -> DocumentShardWriter (+ excluded/)
  - datatrove: WarcReader -> Trafilatura -> ParquetWriter (skips non-HTML records without writing them anywhere)
fonderie is also run with `extractor: resiliparse`. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

from bench_results import add_out_argument, write_result

WARCS = [
    "web/cc_warc/CC-MAIN-20200808165417-20200808195417-00395.part1.warc.gz",
    "web/cc_warc/whirlwind/whirlwind.warc.gz",
    "web/wget_warc/dolma-sample-0000.warc.gz",
]


def make_input(data: Path, repeat: int, tmp: Path) -> tuple[Path, int]:
    folder = tmp / "warcs"
    folder.mkdir()
    size = 0
    for r in range(repeat):
        for i, rel in enumerate(WARCS):
            src = data / rel
            os.symlink(src.resolve(), folder / f"{r:03d}_{i}.warc.gz")
            size += src.stat().st_size
    return folder, size


def run_fonderie(folder: Path, out: Path, extractor: str) -> dict:
    from fonderie.config.pipeline import PipelineConfig
    from fonderie.pipeline.runner import run_pipeline

    cfg = PipelineConfig.model_validate(
        {
            "output": str(out),
            "executor": {"kind": "local", "tasks": 1, "workers": 1},
            "inputs": [{"source": "cc", "format": "warc", "path": f"{folder}/*.warc.gz"}],
            "stages": [{"kind": "ingest", "extractor": extractor}],
        }
    )
    start = time.perf_counter()
    (funnel,) = run_pipeline(cfg, out=io.StringIO())
    return {"seconds": time.perf_counter() - start, "kept": funnel["kept"], "read": funnel["read"], "funnel": funnel}


def run_datatrove(folder: Path, out: Path) -> dict:
    import polars as pl
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    pipeline = [WarcReader(str(folder), glob_pattern="*.warc.gz"), Trafilatura(timeout=5), ParquetWriter(str(out))]
    start = time.perf_counter()
    LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=str(out / "logs")).run()
    seconds = time.perf_counter() - start
    kept = pl.scan_parquet(sorted(out.glob("*.parquet"))).select(pl.len()).collect().item()
    return {"seconds": seconds, "kept": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--repeat", type=int, default=20, help="how many times each WARC file is read")
    add_out_argument(parser, __file__)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder, size = make_input(args.data, args.repeat, tmp)
        results = {
            "input": {"files": len(WARCS) * args.repeat, "mb": round(size / 1e6, 3)},
            "fonderie_trafilatura": run_fonderie(folder, tmp / "f_traf", "trafilatura"),
            "fonderie_resiliparse": run_fonderie(folder, tmp / "f_resi", "resiliparse"),
            "datatrove_trafilatura": run_datatrove(folder, tmp / "dt"),
        }
    for name, r in results.items():
        if name != "input":
            # mb_per_s (the same input for all) compares speed; kept pages per second also reward keeping more
            r["kept_pages_per_s"] = round(r["kept"] / r["seconds"], 1)
            r["mb_per_s"] = round(size / 1e6 / r["seconds"], 3)
            r["seconds"] = round(r["seconds"], 2)
    write_result(results, args.out)


if __name__ == "__main__":
    main()
