"""The per-stage funnel, read back from datatrove's per-task stats files (`NN_stage/stats/NNNNN.json`).

Readers count `documents` and `bytes_in`, filters count `dropped_<reason>`, the shard writer counts `total` and
`bytes_out`. Summing every task's file (not just the last run's, as datatrove's own `stats.json` does after a resumed
run) gives the funnel of the whole stage, however many times it was resumed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from datatrove.utils.stats import PipelineStats

from fonderie.errors import InputError

STAGE_DIR = re.compile(r"^\d{2}_[a-z0-9_]+$")
# per-stage figures that are not counts, shown by `fonderie status` (the tokenizer's per language, pretraining's)
MEASURES = ("fertility_", "bytes_per_token_", "heldout_documents_", "val_bpb", "val_loss", "tokens_per_second")


def merged_stats(folder: str | Path) -> PipelineStats:
    """Sum of the stats of every finished task of a stage."""
    stats = PipelineStats()
    for f in sorted(Path(folder, "stats").glob("*.json")):
        stats += PipelineStats.from_json(json.loads(f.read_text()))
    return stats


def write_merged_stats(folder: str | Path) -> None:
    """`NN_stage/stats.json`: all tasks merged (datatrove's format), written atomically."""
    tmp = Path(folder, "stats.json.tmp")
    tmp.write_text(merged_stats(folder).to_json())
    os.replace(tmp, Path(folder, "stats.json"))


def _value(step, label: str) -> float:
    """A stat's total: a MetricStats once merged; as loaded from a single file, its JSON form: a number or
    {"total": ...}. A measure recorded once (by a 1-task step) is its value, as written."""
    value = step.stats[label]
    if isinstance(value, (int, float)):
        return float(value)
    return float(value["total"] if isinstance(value, dict) else value.total)


def _total(step, label: str) -> int:
    return int(_value(step, label)) if label in step.stats else 0


def funnel(folder: str | Path) -> dict:
    """read, kept, dropped by reason, bytes in and out, seconds and task counts of one stage folder."""
    folder = Path(folder)
    read = kept = bytes_in = bytes_out = 0
    readers = 0  # a model stage (tokenizer, pretrain) has no reader: no documents pass through it
    dropped: dict[str, int] = {}
    measures: dict[str, float] = {}
    for step in merged_stats(folder).stats:
        kind = step.name.split(":", 1)[0]
        if "READER" in kind:
            readers += 1
            read += _total(step, "documents")
            bytes_in += _total(step, "bytes_in")
        elif "FILTER" in kind:
            named = 0
            for label in step.stats:
                if label.startswith("dropped_"):
                    n = _total(step, label)
                    dropped[label.removeprefix("dropped_")] = dropped.get(label.removeprefix("dropped_"), 0) + n
                    named += n
            if unnamed := _total(step, "dropped") - named:  # a drop without a reason is a bug: show it, never hide it
                dropped["unnamed"] = dropped.get("unnamed", 0) + unnamed
        elif "WRITER" in kind:
            kept += _total(step, "total")
            bytes_out += _total(step, "bytes_out")
        for label in step.stats:
            if label.startswith(MEASURES):
                measures[label] = _value(step, label)
    meta_path = folder / "stage.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    tasks = meta.get("tasks")  # of the phase that reads the stage's documents (its folder is this one)
    done = len(list((folder / "completions").glob("*"))) if (folder / "completions").exists() else 0
    return {
        "name": folder.name.split("_", 1)[1],
        "folder": folder.name,
        "documents": bool(readers),  # False: a model stage; read, kept and dropped do not apply
        "read": read,
        "kept": kept,
        "dropped": dict(sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "seconds": round(sum(r.get("seconds", 0) for r in meta.get("runs", [])), 3),
        "tasks": tasks,
        "tasks_completed": done,
        "measures": measures,
    }


def pipeline_status(output: str | Path) -> dict:
    """The funnel of every stage folder under an output directory, in pipeline order."""
    output = Path(output)
    if not output.is_dir():
        raise InputError(f"{output}: no such output directory")
    stages = [funnel(d) for d in sorted(output.iterdir()) if d.is_dir() and STAGE_DIR.match(d.name)]
    if not stages:
        raise InputError(f"{output}: no stage folders (NN_<stage>/) here; is it a pipeline's `output`?")
    return {"stages": stages}
