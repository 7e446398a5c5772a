"""`fonderie inspect` on a run folder (a pipeline's `output`): what each stage holds, one line per stage.

A document stage shows the rows it kept and dropped, its size on disk and the columns it added; the tokenizer its
vocabulary; tokenize its documents and tokens per split; pretrain its run folder. Only Parquet footers and small
JSON files are read, so this is instant on any run. The funnel (read, kept, dropped by reason, time) is
`fonderie status`'s; one stage in detail is `fonderie inspect OUTPUT/NN_<stage>`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from fonderie.inspect.documents import EXCLUDED_DIR, check_parquet
from fonderie.tokens.files import MANIFEST_FILE, TOKENIZER_DIR, TOKENS_DIR

RESOLVED_CONFIG = "pipeline.yaml"  # written by `fonderie run` at the top of every output folder
# what pipeline/ names STAGE_DIR and DROP_REASON, spelled here: inspect sits below pipeline/ and does not import it
STAGE_DIR = re.compile(r"^\d{2}_[a-z0-9_]+$")
DROP_REASON = "drop_reason"


def stage_folders(path: Path) -> list[Path]:
    return sorted(d for d in path.iterdir() if d.is_dir() and STAGE_DIR.match(d.name)) if path.is_dir() else []


def is_run_folder(path: str | Path) -> bool:
    """A pipeline's `output`: its resolved `pipeline.yaml`, or `NN_<stage>/` folders."""
    path = Path(path)
    return path.is_dir() and ((path / RESOLVED_CONFIG).is_file() or bool(stage_folders(path)))


def _parquet_rows(files: list[Path]) -> int:
    for f in files:
        check_parquet(f)  # a stray or cut file is named in one line, not a pyarrow traceback
    return sum(pq.read_metadata(f).num_rows for f in files)


def _stage_kind(folder: Path) -> str:
    """From the settings the stage recorded; a stage that never ran has its folder name only."""
    try:
        return json.loads((folder / "stage.json").read_text())["settings"]["stage"]["kind"]
    except (OSError, ValueError, KeyError, TypeError):
        return folder.name[3:]


def _stage(folder: Path, previous_columns: list[str] | None) -> dict:
    stage: dict = {"folder": folder.name, "kind": _stage_kind(folder)}
    shards = sorted(folder.glob("*.parquet"))
    excluded = sorted((folder / EXCLUDED_DIR).glob("*.parquet"))
    if shards or excluded:  # a document stage (one that dropped every document has only excluded/)
        rows, dropped = _parquet_rows(shards), _parquet_rows(excluded)
        columns = [c for c in pq.read_schema((shards or excluded)[0]).names if c != DROP_REASON]
        stage.update(
            files=len(shards),
            rows=rows,
            dropped=dropped,
            bytes_on_disk=sum(f.stat().st_size for f in shards),
            columns=columns,
            new_columns=[c for c in columns if c not in (previous_columns or [])],
        )
    elif (folder / TOKENS_DIR / MANIFEST_FILE).is_file():
        manifest = json.loads((folder / TOKENS_DIR / MANIFEST_FILE).read_text())
        stage.update(
            files=manifest["totals"]["shards"],
            bytes_on_disk=manifest["totals"]["bytes"],
            splits={
                name: {"documents": s["documents"], "tokens": s["tokens"]} for name, s in manifest["splits"].items()
            },
        )
    elif (folder / TOKENIZER_DIR / "tokenizer.json").is_file():
        report = folder / TOKENIZER_DIR / "report.json"
        stage["vocab_size"] = json.loads(report.read_text()).get("vocab_size") if report.is_file() else None
    elif (folder / "run").is_dir():
        stage["holds"] = sorted(p.name for p in (folder / "run").iterdir())
    return stage


def summarize_run(path: str | Path) -> dict:
    path = Path(path)
    stages, columns = [], None
    for folder in stage_folders(path):
        stage = _stage(folder, columns)
        columns = stage.get("columns", columns)
        stages.append(stage)
    return {"path": str(path), "kind": "run", "stages": stages}


def _holds(stage: dict) -> str:
    """What a stage wrote, in words: its columns (only the new ones after the first), its tokens, its files."""
    if "columns" in stage:
        if stage["new_columns"] == stage["columns"]:
            return "columns " + ", ".join(stage["columns"])
        return "adds columns " + ", ".join(stage["new_columns"]) if stage["new_columns"] else "adds no column"
    if "splits" in stage:
        return "; ".join(
            f"{n} {s['documents']:,} documents, {s['tokens']:,} tokens" for n, s in stage["splits"].items()
        )
    if "vocab_size" in stage:
        return f"{TOKENIZER_DIR}/, vocabulary {stage['vocab_size']:,}" if stage["vocab_size"] else f"{TOKENIZER_DIR}/"
    if "holds" in stage:
        return "run/: " + ", ".join(stage["holds"])
    return "nothing written yet"


def print_run_summary(summary: dict, console: Console | None = None) -> None:
    console = console or Console()
    path = summary["path"]
    if not summary["stages"]:
        console.print(f"[bold]{path}[/]: a run folder with no stage folder yet (`fonderie run` writes NN_<stage>/)")
        return
    console.print(f"[bold]{path}[/]: {len(summary['stages'])} stage(s)")
    table = Table("stage", "kind", "rows kept", "dropped", "files", "on disk")
    for s in summary["stages"]:
        rows = [f"{s['rows']:,}", f"{s['dropped']:,}"] if "rows" in s else ["–", "–"]
        size = f"{s['bytes_on_disk'] / 1e6:,.2f} MB" if "bytes_on_disk" in s else "–"
        table.add_row(s["folder"], s["kind"], *rows, str(s.get("files", "–")), size)
    console.print(table)
    for s in summary["stages"]:  # long lists of names: the terminal wraps them, not rich inside a name
        console.print(f"{s['folder']}: {_holds(s)}", soft_wrap=True)
    first = Path(path) / summary["stages"][0]["folder"]
    console.print(f"the funnel, dropped by reason, time: fonderie status {path}", soft_wrap=True)
    console.print(
        f"one stage in detail: fonderie inspect {first}, what it dropped: {first / EXCLUDED_DIR}", soft_wrap=True
    )
