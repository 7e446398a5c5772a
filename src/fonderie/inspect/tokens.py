"""`fonderie inspect` on token shards: documents and tokens per split and source, length percentiles, and a few
rows decoded back to text with the tokenizer the shards were made with.

A token folder (with `manifest.json`, or a tokenize stage folder holding `tokens/`) is summarized from the shards
its manifest lists; a lone shard file or a folder of shards with an `input_ids` column works too, decoded with the
`tokenizer/` of the token folder above it when there is one. Aggregations are polars lazy scans on the streaming
engine; only `n_tokens`, `source` and the file path are read for them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from fonderie.errors import InputError
from fonderie.inspect.documents import PERCENTILES, _short, pick_rows, shard_files
from fonderie.tokens.files import MANIFEST_FILE, TOKENIZER_DIR, TOKENS_DIR
from fonderie.tokens.manifest import read_manifest

DECODED_TOKENS = 200  # a sample row shows its first tokens decoded, not a whole book


def _token_folder(path: Path) -> Path | None:
    """The token folder `path` is, holds (`tokens/`), or lies in; None if there is none."""
    if path.is_dir() and (path / TOKENS_DIR / MANIFEST_FILE).is_file():
        return path / TOKENS_DIR
    for folder in (path, *path.parents):
        if (folder / MANIFEST_FILE).is_file() or (folder / TOKENIZER_DIR / "tokenizer.json").is_file():
            return folder
    return None


def is_token_path(path: str | Path) -> bool:
    """Whether `path` is a token folder or token shards (a Parquet `input_ids` column)."""
    path = Path(path)
    if path.is_dir() and ((path / MANIFEST_FILE).is_file() or (path / TOKENS_DIR / MANIFEST_FILE).is_file()):
        return True
    try:
        first = shard_files(path)[0]
    except InputError:  # not shards at all: the document summary names what is wrong with the path
        return False
    return "input_ids" in pq.read_schema(first).names


def summarize_tokens(path: str | Path, sample_rows: int = 3, sample: str = "first", seed: int = 0) -> dict:
    path = Path(path)
    folder = _token_folder(path)
    whole = folder is not None and path.resolve() in (folder.resolve(), folder.resolve().parent)
    if whole and (folder / MANIFEST_FILE).is_file():  # the whole token folder: the shards its manifest lists
        manifest = read_manifest(folder)
        files = [folder / s["path"] for s in manifest["shards"]]
    else:
        manifest, files = None, shard_files(path)
    summary: dict = {
        "path": str(path),
        "kind": "tokens",
        "files": len(files),
        "bytes_on_disk": sum(f.stat().st_size for f in files),
        "dtype": manifest["dtype"] if manifest else None,
        "tokenizer_sha256": manifest["tokenizer"]["sha256"] if manifest else None,
        "splits": {},
        "sample": [],
    }
    if not files:
        return summary
    lf = pl.scan_parquet(files, include_file_paths="file").with_columns(
        pl.col("file").str.split("/").list.get(-2).alias("split")
    )
    length = pl.col("n_tokens")
    per_split = lf.group_by("split").agg(
        pl.len().alias("documents"),
        length.sum().alias("tokens"),
        *[length.quantile(q, "nearest").alias(f"p{int(q * 100)}") for q in PERCENTILES],
        length.min().alias("min"),
        length.max().alias("max"),
        length.mean().alias("mean"),
    )
    per_source = lf.group_by("split", "source").agg(pl.len().alias("documents"), length.sum().alias("tokens"))
    for row in per_split.sort("split").collect(engine="streaming").iter_rows(named=True):
        split = row.pop("split")
        documents, tokens = row.pop("documents"), row.pop("tokens")
        summary["splits"][split] = {"documents": documents, "tokens": tokens, "n_tokens": row, "sources": {}}
    for row in per_source.sort("split", "tokens", descending=[False, True]).collect(engine="streaming").iter_rows():
        summary["splits"][row[0]]["sources"][row[1]] = {"documents": row[2], "tokens": row[3]}
    summary["sample"] = _decoded_sample(files, sample_rows, sample, seed, folder)
    return summary


def _decoded_sample(files: list[Path], rows: int, sample: str, seed: int, folder: Path | None) -> list[dict]:
    picked = pick_rows(files, rows, sample, seed, columns=["id", "source", "n_tokens", "input_ids"])
    sample = [{**row, "split": file.parent.name} for file, row in picked]  # shards lie in tokens/<split>/
    tokenizer = folder / TOKENIZER_DIR if folder is not None else None
    if tokenizer is None or not (tokenizer / "tokenizer.json").is_file():
        for row in sample:
            row["text"] = None
            row["input_ids"] = row["input_ids"][:DECODED_TOKENS]
        return sample
    from fonderie.tokens.encoder import TokenEncoder

    encoder = TokenEncoder(str(tokenizer), fast=False)  # decoding only: HF's decoder is the reference
    for row in sample:
        ids = row.pop("input_ids")[:DECODED_TOKENS]
        row["text"] = encoder.decode(ids)
    return sample


def print_token_summary(summary: dict, console: Console | None = None) -> None:
    console = console or Console()
    tokenizer = f", tokenizer {summary['tokenizer_sha256'][:12]}" if summary["tokenizer_sha256"] else ""
    dtype = f", ids as {summary['dtype']}" if summary["dtype"] else ""
    console.print(
        f"[bold]{summary['path']}[/]: token shards, {summary['files']} file(s), "
        f"{summary['bytes_on_disk'] / 1e6:,.2f} MB on disk{dtype}{tokenizer}"
    )
    splits = Table("split", "source", "documents", "tokens", title="documents and tokens", title_justify="left")
    for split, s in summary["splits"].items():
        splits.add_row(split, "(all)", f"{s['documents']:,}", f"{s['tokens']:,}")
        for source, c in s["sources"].items():
            splits.add_row("", source, f"{c['documents']:,}", f"{c['tokens']:,}")
    console.print(splits)
    for split, s in summary["splits"].items():
        t = Table(*s["n_tokens"].keys(), title=f"{split}: tokens per document", title_justify="left")
        t.add_row(*(f"{v:,.0f}" if v is not None else "-" for v in s["n_tokens"].values()))
        console.print(t)
    sample = Table("id", "split", "n_tokens", f"text (first {DECODED_TOKENS} tokens decoded)", title="sample rows",
                   title_justify="left")  # fmt: skip
    for row in summary["sample"]:
        text = row["text"] if row.get("text") is not None else f"ids {row.get('input_ids')} (no tokenizer found)"
        sample.add_row(_short(row["id"], 40), row["split"], f"{row['n_tokens']:,}", _short(text))
    console.print(sample)
