"""Out of the store in the formats everyone trains with, and public preference data into it.

`export` writes four Parquet files that TRL, `datasets` and polars read as they are; the prompt in each is the
templated prompt the model saw (`candidates.templated_prompt`), so tuning sees what generation saw:

    sft.parquet     prompt, completion          corrections, answers chosen as best, answers given a yes
    dpo.parquet     prompt, chosen, rejected    each best choice against each other candidate shown (an identical
                                                text is no pair); each correction against the answer it corrects
    kto.parquet     prompt, completion, label   every yes/no
    events.parquet  every event, superseded and undone ones included (`current` says which are in force)

The training files use only the events in force (`store.current_events`: an annotator's latest decision on an
item, undos applied); `tie` and `none` make no pair. Extra columns (round, annotator, event and candidate ids) say
where each row comes from; TRL ignores them. Rows identical in their training columns are written once.

`import_file` takes the same three formats back, and HH-RLHF dialogues (`fonderie.tokens.preferences`), into a
round whose model is `import:<format>`: each row becomes a prompt (source `import:<format>`), its answers
candidates, and one event by annotator `import:<file name>` chosen so that export gives the rows back: dpo → a
choice of `chosen` over [chosen, rejected]; sft → a choice over the one completion (a thumbs-up would also make a
KTO row); kto → a thumbs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from fonderie.feedback import store
from fonderie.feedback.project import open_project
from fonderie.folders import refuse_foreign
from fonderie.tokens.files import file_sha256
from fonderie.tokens.preferences import read_preference_file

MARKER = ".fonderie-feedback-export.json"  # an earlier export's folder carries it: rewriting that one is allowed
IMPORT_TEMPLATE = "{prompt}"  # imported prompts are stored already templated
# where a training row comes from, after TRL's columns: (column, type) as `_table` names types
ORIGIN = {"round": "int", "annotator": "str", "kind": "str", "prompt_id": "int", "event_id": "int"}


def open_store(project_dir: str | Path) -> sqlite3.Connection:
    # export, import and stats need the store only: a project whose model folder has moved still exports
    return open_project(project_dir, check_model=False).connect()


@dataclass
class Snapshot:
    """Prompts, candidates and rounds by id: what every event refers to."""

    prompts: dict[int, sqlite3.Row]
    candidates: dict[int, sqlite3.Row]
    rounds: dict[int, sqlite3.Row]

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Snapshot:
        def by_id(table: str) -> dict[int, sqlite3.Row]:
            return {r["id"]: r for r in db.execute(f"SELECT * FROM {table}")}

        return cls(by_id("prompts"), by_id("candidates"), by_id("rounds"))

    def event_round(self, event: sqlite3.Row) -> int:
        # a prompt may be asked again in a later round: the round of an event is that of the candidates it judges
        ids = json.loads(event["candidate_ids"])
        if ids and ids[0] in self.candidates:
            return self.candidates[ids[0]]["round"]
        return self.prompts[event["prompt_id"]]["round"]


# ---------------------------------------------------------------------------------------------------------------------
# export


def export(project_dir: str | Path, out_dir: str | Path, round_id: int | None = None, annotator: str | None = None,
           source: str | None = None, force: bool = False) -> dict:  # fmt: skip
    """Write sft, dpo, kto and events Parquet files into `out_dir`; return the rows written per file."""
    db = open_store(project_dir)
    try:
        snap = Snapshot.load(db)
        in_force = store.current_events(db)
        every = db.execute("SELECT * FROM events ORDER BY id").fetchall()
    finally:
        db.close()

    def wanted(e: sqlite3.Row) -> bool:
        return ((annotator is None or e["annotator"] == annotator)
                and (round_id is None or snap.event_round(e) == round_id)
                and (source is None or snap.prompts[e["prompt_id"]]["source"] == source))  # fmt: skip

    current = [e for e in in_force if wanted(e)]
    tables = {"sft": _sft(current, snap), "dpo": _dpo(current, snap), "kto": _kto(current, snap),
              "events": _events([e for e in every if wanted(e)], {e["id"] for e in in_force}, snap)}  # fmt: skip
    out = _claim(Path(out_dir), force)
    filters = {"round": round_id, "annotator": annotator, "source": source}
    _write_marker(out, project_dir, filters, counts=None)
    for name, table in tables.items():
        _write_table(table, out / f"{name}.parquet")
    counts = {name: table.num_rows for name, table in tables.items()}
    _write_marker(out, project_dir, filters, counts)
    return counts


def _claim(out: Path, force: bool) -> Path:
    refuse_foreign(
        out,
        ours=lambda p: (p / MARKER).is_file(),
        force=force,
        holds=f"no export (no {MARKER})",
        instead="choose a new or empty folder, or --force to write into it",
    )
    out.mkdir(parents=True, exist_ok=True)
    return out


def _write_marker(out: Path, project_dir: str | Path, filters: dict, counts: dict | None) -> None:
    # written before the files (a crashed export's folder is still recognised as ours) and again after them
    marker = {"written_by": "fonderie feedback export", "project": str(Path(project_dir).resolve()),
              "filters": filters, "rows": counts, "time": time.time()}  # fmt: skip
    tmp = out / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / MARKER)


def _write_table(table, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _answer(snap: Snapshot, event: sqlite3.Row) -> tuple[int, str] | None:
    """The candidate an SFT row comes from and the text it teaches, or None if the event teaches none."""
    ids, payload = json.loads(event["candidate_ids"]), json.loads(event["payload"])
    if event["kind"] == "correction" and ids and isinstance(payload.get("text"), str) and payload["text"].strip():
        return ids[0], payload["text"]
    if event["kind"] == "choice" and _is_id(payload.get("best")) and payload["best"] in snap.candidates:
        return payload["best"], snap.candidates[payload["best"]]["text"]
    if event["kind"] == "thumbs" and ids and payload.get("label") is True:
        return ids[0], snap.candidates[ids[0]]["text"]
    return None


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # "none" and "tie" are strings


def _origin(snap: Snapshot, event: sqlite3.Row) -> dict:
    return {"round": snap.event_round(event), "annotator": event["annotator"], "kind": event["kind"],
            "prompt_id": event["prompt_id"], "event_id": event["id"]}  # fmt: skip


def _sft(events: list[sqlite3.Row], snap: Snapshot):
    rows, seen = [], set()
    for e in events:
        answer = _answer(snap, e)
        if answer is None:
            continue
        candidate_id, text = answer
        row = {"prompt": snap.candidates[candidate_id]["templated_prompt"], "completion": text}
        if (row["prompt"], text) not in seen:
            seen.add((row["prompt"], text))
            rows.append(row | _origin(snap, e) | {"candidate_id": candidate_id})
    return _table(rows, {"prompt": "str", "completion": "str", **ORIGIN, "candidate_id": "int"})


def _dpo(events: list[sqlite3.Row], snap: Snapshot):
    rows, seen = [], set()

    def add(event, chosen: str, rejected_id: int, chosen_id: int | None) -> None:
        rejected = snap.candidates[rejected_id]
        key = (rejected["templated_prompt"], chosen, rejected["text"])
        if chosen != rejected["text"] and key not in seen:
            seen.add(key)
            rows.append({"prompt": key[0], "chosen": chosen, "rejected": key[2]} | _origin(snap, event)
                        | {"chosen_candidate_id": chosen_id, "rejected_candidate_id": rejected_id})  # fmt: skip

    for e in events:
        ids, payload = json.loads(e["candidate_ids"]), json.loads(e["payload"])
        if e["kind"] == "choice" and _is_id(payload.get("best")) and payload["best"] in snap.candidates:
            best = payload["best"]
            for other in ids:
                if other != best and other in snap.candidates:
                    add(e, snap.candidates[best]["text"], other, best)
        elif e["kind"] == "correction" and ids and isinstance(payload.get("text"), str) and payload["text"].strip():
            add(e, payload["text"], ids[0], None)  # the corrected text is no candidate: no id
    return _table(rows, {"prompt": "str", "chosen": "str", "rejected": "str", **ORIGIN, "chosen_candidate_id": "int",
                         "rejected_candidate_id": "int"})  # fmt: skip


def _kto(events: list[sqlite3.Row], snap: Snapshot):
    rows = []
    for e in events:
        ids, payload = json.loads(e["candidate_ids"]), json.loads(e["payload"])
        if e["kind"] == "thumbs" and ids and isinstance(payload.get("label"), bool):
            candidate = snap.candidates[ids[0]]
            rows.append({"prompt": candidate["templated_prompt"], "completion": candidate["text"],
                         "label": payload["label"]} | _origin(snap, e) | {"candidate_id": ids[0]})  # fmt: skip
    return _table(rows, {"prompt": "str", "completion": "str", "label": "bool", **ORIGIN, "candidate_id": "int"})


def _events(events: list[sqlite3.Row], in_force: set[int], snap: Snapshot):
    rows = []
    for e in events:
        round_id, prompt = snap.event_round(e), snap.prompts[e["prompt_id"]]
        rows.append({"event_id": e["id"], "request_id": e["request_id"], "annotator": e["annotator"],
                     "round": round_id, "model": snap.rounds[round_id]["model"], "kind": e["kind"],
                     "prompt_id": e["prompt_id"], "source": prompt["source"], "prompt": prompt["text"],
                     "candidate_ids": json.loads(e["candidate_ids"]), "payload": e["payload"],
                     "seconds_spent": e["seconds_spent"], "time": e["created"],
                     "current": e["id"] in in_force})  # fmt: skip
    return _table(rows, {"event_id": "int", "request_id": "str", "annotator": "str", "round": "int", "model": "str",
                         "kind": "str", "prompt_id": "int", "source": "str", "prompt": "str", "candidate_ids": "ids",
                         "payload": "str", "seconds_spent": "float", "time": "time", "current": "bool"})  # fmt: skip


def _table(rows: list[dict], columns: dict[str, str]):
    """A pyarrow table with a fixed schema (an empty export has the same columns and types as a full one)."""
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "float": pa.float64(),
             "ids": pa.list_(pa.int64()), "time": pa.timestamp("us", tz="UTC")}  # fmt: skip
    schema = pa.schema([(name, types[kind]) for name, kind in columns.items()])
    if "time" in columns:
        rows = [r | {"time": int(r["time"] * 1_000_000)} for r in rows]  # seconds since the epoch → microseconds
    return pa.Table.from_pylist(rows, schema=schema)


# ---------------------------------------------------------------------------------------------------------------------
# import


def import_file(project_dir: str | Path, file: str | Path, fmt: str | None = None) -> dict:
    """Read FILE (sft, dpo, kto or hh-rlhf; Parquet or JSONL) into the store; importing it again adds nothing."""
    data = read_preference_file(file, fmt)  # the whole file is checked before anything is written
    file = Path(file)
    digest = file_sha256(file)[:16]
    label, annotator = f"import:{data.fmt}", f"import:{file.name}"
    db = open_store(project_dir)
    try:
        # WAL + NORMAL cannot corrupt the store, only lose the last commits on a power cut; an import is rerun at
        # no cost (events carry request ids), and one fsync per row would make a 160k-row HH-RLHF file take minutes
        db.execute("PRAGMA synchronous = NORMAL")
        found = db.execute("SELECT id FROM rounds WHERE model = ? ORDER BY id DESC LIMIT 1", (label,)).fetchone()
        round_id = found["id"] if found else store.add_round(db, label, label, IMPORT_TEMPLATE)
        prompts = {r["text"]: r["id"] for r in db.execute(
            "SELECT id, text FROM prompts WHERE round = ? AND source = ?", (round_id, label))}  # fmt: skip
        candidates = {(r["prompt_id"], r["text"]): r["id"] for r in db.execute(
            "SELECT id, prompt_id, text FROM candidates WHERE round = ? AND duplicate_of IS NULL",
            (round_id,))}  # fmt: skip
        done = {r["request_id"] for r in db.execute(
            "SELECT request_id FROM events WHERE annotator = ?", (annotator,))}  # fmt: skip
        added = 0
        for row in data.rows:
            request_id = f"{annotator}:{digest}:{row['line']}"
            if request_id in done:
                continue
            prompt_id = prompts.get(row["prompt"])
            if prompt_id is None:
                prompt_id = prompts[row["prompt"]] = store.add_prompt(db, round_id, row["prompt"], author=annotator,
                                                                      source=label)  # fmt: skip
            texts = [row["chosen"], row["rejected"]] if "chosen" in row else [row["completion"]]
            new = [t for t in dict.fromkeys(texts) if (prompt_id, t) not in candidates]
            if new:
                fresh = [{"text": t, "templated_prompt": row["prompt"], "model_fingerprint": label, "params": {},
                          "token_ids": []} for t in new]  # fmt: skip
                for t, candidate_id in zip(new, store.add_candidates(db, prompt_id, round_id, fresh), strict=True):
                    candidates[(prompt_id, t)] = candidate_id
            ids = [candidates[(prompt_id, t)] for t in texts]
            if data.fmt == "kto":
                kind, payload = "thumbs", {"label": row["label"]}
            else:
                kind, payload = "choice", {"best": ids[0]}
            store.add_event(db, annotator, prompt_id, ids, kind, payload, request_id=request_id)
            added += 1
    finally:
        db.close()
    return {"format": data.fmt, "round": round_id, "source": label, "annotator": annotator, "rows": len(data.rows),
            "imported": added, "already_imported": len(data.rows) - added, "skipped": dict(data.skipped)}  # fmt: skip
