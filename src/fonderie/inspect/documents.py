"""`fonderie inspect`: a summary of any Parquet shard file or folder, computed with polars lazy scans.

Only the columns a figure needs are read, and aggregations run on polars' streaming engine, so a folder larger
than memory is summarized without loading it. Sample rows are read a row group at a time (`pick_rows`).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from fonderie.errors import InputError

PERCENTILES = (0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
PARQUET_MAGIC = b"PAR1"  # the first and last 4 bytes of every Parquet file
EXCLUDED_DIR = "excluded"  # a stage's dropped documents; no file there means nothing was dropped
SAMPLES = ("first", "random")


def check_parquet(file: Path) -> None:
    """A file that is not Parquet is named in one line, instead of a pyarrow or polars traceback."""
    magic = len(PARQUET_MAGIC)
    with open(file, "rb") as f:
        head = f.read(magic)
        size = f.seek(0, 2)
        f.seek(max(size - magic, 0))
        tail = f.read(magic)
    if size < 2 * magic or head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
        raise InputError(f"{file}: not a Parquet file (expected shards written by a fonderie stage, or any .parquet)")


def shard_files(path: str | Path) -> list[Path]:
    """A file, or the `*.parquet` directly in a folder, else those below it (`.tmp` shards are never read)."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    else:
        files = sorted(path.glob("*.parquet")) or sorted(path.glob("**/*.parquet"))
    if not files:
        raise InputError(f"{path}: no .parquet files here or below")
    for file in files:
        check_parquet(file)
    return files


def is_empty_excluded(path: str | Path) -> bool:
    """An `excluded/` folder with no shard in it, or a stage folder's that was never made: nothing was dropped."""
    path = Path(path)
    if path.name != EXCLUDED_DIR:
        return False
    if path.is_dir():
        return not any(path.glob("*.parquet"))
    return (path.parent / "stage.json").is_file()  # the writer makes excluded/ on its first drop only


def pick_rows(
    files: list[Path], rows: int, sample: str = "first", seed: int = 0, columns: list[str] | None = None
) -> list[tuple[Path, dict]]:
    """`rows` rows of the files, each with the file it is in: the first ones, or drawn at random with `seed`.

    Only the footers and the row groups holding the chosen rows are read, so a random sample of a folder larger
    than memory costs a few row groups. Random rows come back in file order; the same seed picks the same rows.
    """
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {SAMPLES}, got {sample!r}")
    parquet = [pq.ParquetFile(f) for f in files]
    sizes = [p.metadata.num_rows for p in parquet]
    starts = [0, *accumulate(sizes)]  # the first global row of each file; the last item is the total
    count = min(rows, starts[-1])
    wanted = range(count) if sample == "first" else sorted(random.Random(seed).sample(range(starts[-1]), count))
    picked, groups = [], {}
    for row in wanted:
        f = bisect_right(starts, row) - 1
        meta = parquet[f].metadata
        group_starts = [0, *accumulate(meta.row_group(g).num_rows for g in range(meta.num_row_groups))]
        g = bisect_right(group_starts, row - starts[f]) - 1
        if (f, g) not in groups:
            groups.clear()  # rows come in order: a row group left behind is not needed again
            groups[(f, g)] = parquet[f].read_row_group(g, columns=columns)
        picked.append((files[f], groups[(f, g)].slice(row - starts[f] - group_starts[g], 1).to_pylist()[0]))
    return picked


def summarize(path: str | Path, sample_rows: int = 3, sample: str = "first", seed: int = 0) -> dict:
    if is_empty_excluded(path):
        empty = {"files": 0, "bytes_on_disk": 0, "rows": 0, "columns": {}, "sample": []}
        return {"path": str(path), "nothing_dropped": True, **empty}
    files = shard_files(path)
    lf = pl.scan_parquet(files)
    schema = lf.collect_schema()
    summary: dict = {
        "path": str(path),
        "files": len(files),
        "bytes_on_disk": sum(f.stat().st_size for f in files),
        "rows": lf.select(pl.len()).collect(engine="streaming").item(),
        "columns": {name: str(dtype) for name, dtype in schema.items()},
    }
    if "text" in schema:
        length = pl.col("text").str.len_chars()
        stats = lf.select(
            *[length.quantile(q, "nearest").alias(f"p{int(q * 100)}") for q in PERCENTILES],
            length.min().alias("min"),
            length.max().alias("max"),
            length.mean().alias("mean"),
            pl.col("text").str.len_bytes().sum().alias("text_bytes"),
        ).collect(engine="streaming")
        summary["text_chars"] = stats.drop("text_bytes").row(0, named=True)
        summary["text_bytes"] = stats["text_bytes"].item()
    for key in ("source", "drop_reason", "language"):
        if key in schema:
            counts = lf.group_by(key).agg(pl.len().alias("rows")).sort("rows", descending=True).limit(20)
            summary[f"by_{key}"] = dict(counts.collect(engine="streaming").iter_rows())
    summary["sample"] = [row for _, row in pick_rows(files, sample_rows, sample, seed)]
    return summary


def _short(value, width: int = 100) -> str:
    text = str(value).replace("\n", "⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(summary: dict, console: Console | None = None) -> None:
    console = console or Console()
    if summary.get("nothing_dropped"):
        console.print(f"[bold]{summary['path']}[/]: nothing dropped (this stage excluded no document)", soft_wrap=True)
        return
    console.print(
        f"[bold]{summary['path']}[/]: {summary['rows']:,} rows in {summary['files']} file(s), "
        f"{summary['bytes_on_disk'] / 1e6:,.2f} MB on disk"
    )
    cols = Table("column", "type", title="columns", title_justify="left")
    for name, dtype in summary["columns"].items():
        cols.add_row(name, dtype)
    console.print(cols)
    if "text_chars" in summary:
        t = Table(*summary["text_chars"].keys(), title="text length (characters)", title_justify="left")
        t.add_row(*(f"{v:,.0f}" if v is not None else "-" for v in summary["text_chars"].values()))
        console.print(t)
        console.print(f"text: {summary['text_bytes'] / 1e6:,.2f} MB of UTF-8")
    for key in ("source", "drop_reason", "language"):
        if f"by_{key}" in summary:
            t = Table(key, "rows", title=f"rows by {key}", title_justify="left")
            for value, n in summary[f"by_{key}"].items():
                t.add_row(str(value), f"{n:,}")
            console.print(t)
    # excluded/ shards say why each row was dropped: the sample shows it next to the text
    reasons = "drop_reason" in summary["columns"]
    sample = Table("id", "source", *(["drop_reason"] if reasons else []), "text", title="sample rows",
                   title_justify="left")  # fmt: skip
    for row in summary["sample"]:
        reason = [str(row.get("drop_reason"))] if reasons else []
        sample.add_row(_short(row.get("id"), 50), str(row.get("source", "")), *reason, _short(row.get("text", "")))
    console.print(sample)
