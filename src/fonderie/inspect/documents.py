"""`fonderie inspect`: a summary of any Parquet shard file or folder, computed with polars lazy scans.

Only the columns a figure needs are read, and aggregations run on polars' streaming engine, so a folder larger
than memory is summarized without loading it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from fonderie.errors import InputError

PERCENTILES = (0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def shard_files(path: str | Path) -> list[Path]:
    """A file, or the `*.parquet` directly in a folder, else those below it (`.tmp` shards are never read)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    files = sorted(path.glob("*.parquet")) or sorted(path.glob("**/*.parquet"))
    if not files:
        raise InputError(f"{path}: no .parquet files here or below")
    return files


def summarize(path: str | Path, sample_rows: int = 3) -> dict:
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
    summary["sample"] = lf.head(sample_rows).collect().to_dicts()
    return summary


def _short(value, width: int = 100) -> str:
    text = str(value).replace("\n", "⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(summary: dict, console: Console | None = None) -> None:
    console = console or Console()
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
    sample = Table("id", "source", "text", title="sample rows", title_justify="left")
    for row in summary["sample"]:
        sample.add_row(_short(row.get("id"), 50), str(row.get("source", "")), _short(row.get("text", "")))
    console.print(sample)
