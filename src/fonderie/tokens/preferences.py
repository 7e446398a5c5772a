"""Preference files from elsewhere, read into rows: TRL's SFT, DPO and KTO formats and Anthropic's HH-RLHF.

    sft      prompt, completion                 (Parquet or JSONL)
    dpo      prompt, chosen, rejected
    kto      prompt, completion, label (bool)
    hh-rlhf  chosen, rejected: whole dialogues ("\\n\\nHuman: ...\\n\\nAssistant: ..."), JSONL

The format is told by the columns (or given). An HH-RLHF row is split at the last "\\n\\nAssistant:" of each
dialogue: the prompt is everything up to and including it (what the model saw, the turn marker included), the
completions are what follows (they start with a space, as in TRL's own split of the same data). Only the standard
prompt-completion form is read: conversational rows (lists of messages) are refused with the line that has one.

A row that is well formed but cannot be a preference (dialogues whose prompts differ, chosen equal to rejected) is
skipped and counted by reason; a file or line that cannot be read at all is an InputError naming the file and line.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fonderie.errors import InputError

FORMATS = ("sft", "dpo", "kto", "hh-rlhf")
COLUMNS = {"sft": ("prompt", "completion"), "dpo": ("prompt", "chosen", "rejected"),
           "kto": ("prompt", "completion", "label"), "hh-rlhf": ("chosen", "rejected")}  # fmt: skip
ASSISTANT_TURN = "\n\nAssistant:"  # HH-RLHF's marker of the assistant's turn; the last one opens the answer

SKIP_PROMPT_MISMATCH = "hh_prompts_differ"  # chosen and rejected dialogues differ before their last answer
SKIP_NO_ASSISTANT_TURN = "hh_no_assistant_turn"  # a dialogue without "\n\nAssistant:": no answer to compare
SKIP_SAME_ANSWER = "chosen_equals_rejected"  # a pair of identical answers prefers nothing


@dataclass
class Rows:
    """A file read: its format, the usable rows (dicts of the format's columns, plus `line`), what was skipped."""

    fmt: str
    rows: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def read_preference_file(path: str | Path, fmt: str | None = None) -> Rows:
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"import format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    records = _parquet_records(path) if path.suffix == ".parquet" else _jsonl_records(path)
    out: Rows | None = None
    for where, record in records:
        if out is None:
            out = Rows(fmt or detect_format(record, f"{path}:{where}"))
        _add_row(out, record, f"{path}:{where}", where)
    if out is None:
        raise InputError(f"{path}: no rows")
    return out


def detect_format(record: dict, where: str) -> str:
    keys = set(record)
    if {"chosen", "rejected"} <= keys:
        return "dpo" if "prompt" in keys else "hh-rlhf"
    if {"prompt", "completion"} <= keys:
        return "kto" if "label" in keys else "sft"
    raise InputError(f"{where}: columns {sorted(keys)} are none of the formats (sft: prompt, completion; "
                     "dpo: prompt, chosen, rejected; kto: prompt, completion, label; hh-rlhf: chosen, "
                     "rejected)")  # fmt: skip


def split_dialogue(dialogue: str) -> tuple[str, str] | None:
    """An HH-RLHF dialogue → (prompt up to and including the last assistant marker, the answer after it)."""
    at = dialogue.rfind(ASSISTANT_TURN)
    if at < 0:
        return None
    cut = at + len(ASSISTANT_TURN)
    return dialogue[:cut], dialogue[cut:]


def _add_row(out: Rows, record: dict, where: str, line: int) -> None:
    missing = [c for c in COLUMNS[out.fmt] if c not in record]
    if missing:
        expected = ", ".join(COLUMNS[out.fmt])
        raise InputError(f"{where}: no {', '.join(missing)} column (a {out.fmt} row has {expected})")
    for column in COLUMNS[out.fmt]:
        value = record[column]
        expected = bool if column == "label" else str
        if not isinstance(value, expected):
            shape = "a list of messages (conversational rows are not read)" if isinstance(value, list) else (
                type(value).__name__)  # fmt: skip
            raise InputError(f"{where}: {column} is {shape}, expected {expected.__name__}")
    if out.fmt == "hh-rlhf":
        chosen, rejected = split_dialogue(record["chosen"]), split_dialogue(record["rejected"])
        if chosen is None or rejected is None:
            out.skipped[SKIP_NO_ASSISTANT_TURN] += 1
            return
        if chosen[0] != rejected[0]:
            out.skipped[SKIP_PROMPT_MISMATCH] += 1
            return
        row = {"prompt": chosen[0], "chosen": chosen[1], "rejected": rejected[1]}
    else:
        row = {c: record[c] for c in COLUMNS[out.fmt]}
    if "chosen" in row and row["chosen"] == row["rejected"]:
        out.skipped[SKIP_SAME_ANSWER] += 1
        return
    row["line"] = line
    out.rows.append(row)


def _jsonl_records(path: Path):
    with open(path, encoding="utf-8") as f:
        try:
            for number, text in enumerate(f, 1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as e:
                    raise InputError(f"{path}:{number}: not JSON ({e.msg}); expected one object per line") from None
                if not isinstance(record, dict):
                    raise InputError(f"{path}:{number}: a JSON {type(record).__name__}, expected an object")
                yield number, record
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); expected JSONL or .parquet") \
                from None  # fmt: skip


def _parquet_records(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    # rows are numbered from 1, like JSONL lines, so that a message's "file:N" means the same in both
    yield from enumerate(table.to_pylist(), 1)
