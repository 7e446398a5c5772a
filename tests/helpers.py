"""Shared test helpers (not fixtures)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from fonderie.config.pipeline import load_pipeline
from fonderie.pipeline.runner import run_pipeline


def run(pipeline: Path, *overrides: str, stage: str | None = None) -> list[dict]:
    return run_pipeline(load_pipeline(pipeline, list(overrides)), stage=stage, out=io.StringIO())


def rows(folder: Path) -> pl.DataFrame:
    """Every kept row of a stage folder, in a canonical order."""
    return pl.read_parquet(sorted(folder.glob("*.parquet"))).sort("id")


def excluded(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted((folder / "excluded").glob("*.parquet"))).sort("id")
