"""The feedback store: one SQLite file, four tables, nothing updated in place.

    rounds      id, model (the run or folder asked), model_fingerprint, template, created
    prompts     id, round, text, external_id (a JSONL `id`), author, source (ask | web | import:<format>), created
    candidates  id, prompt_id, round, text, templated_prompt (what the model saw), model_fingerprint, params (JSON:
                temperature, top_p, top_k, max_new_tokens), seed, token_ids (JSON list: the ids the model produced),
                duplicate_of (the first candidate of the same prompt and round with the same text, else NULL),
                seconds (generation time), created
    events      id, request_id (unique: a retried request is stored once), annotator, prompt_id, candidate_ids
                (JSON list, in the order shown), kind (thumbs | choice | correction | skip | undo), payload (JSON),
                seconds_spent, created

Events are append-only: an undo is an event of its own (payload {"undoes": event id}); the latest event of an
annotator on a (prompt, kind, candidate) is the current one, every earlier one is kept for audit. Payloads:
thumbs {"label": true|false} on one candidate; choice {"best": candidate id | "none" | "tie"} over the candidates
shown; correction {"text": corrected answer} of one candidate; skip {}.

SQLite in WAL mode lets readers run beside the one writer; every write is a `BEGIN IMMEDIATE` transaction (a
deferred one upgraded to a write gets SQLITE_BUSY at once, whatever busy_timeout says), committed before the
caller answers anyone. The schema version is `PRAGMA user_version`: a newer file is refused, not misread.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fonderie.errors import InputError, RunStateError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000  # a writer waits this long for another one before SQLITE_BUSY
EVENT_KINDS = ("thumbs", "choice", "correction", "skip", "undo")
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = f"""
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY, model TEXT NOT NULL, model_fingerprint TEXT NOT NULL, template TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE prompts (
    id INTEGER PRIMARY KEY, round INTEGER NOT NULL REFERENCES rounds(id), text TEXT NOT NULL, external_id TEXT,
    author TEXT, source TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE candidates (
    id INTEGER PRIMARY KEY, prompt_id INTEGER NOT NULL REFERENCES prompts(id), round INTEGER NOT NULL
    REFERENCES rounds(id), text TEXT NOT NULL, templated_prompt TEXT NOT NULL, model_fingerprint TEXT NOT NULL,
    params TEXT NOT NULL, seed INTEGER, token_ids TEXT NOT NULL, duplicate_of INTEGER REFERENCES candidates(id),
    seconds REAL NOT NULL, created REAL NOT NULL);
CREATE INDEX candidates_prompt ON candidates(prompt_id, round);
CREATE TABLE events (
    id INTEGER PRIMARY KEY, request_id TEXT UNIQUE, annotator TEXT NOT NULL,
    prompt_id INTEGER NOT NULL REFERENCES prompts(id), candidate_ids TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(f"'{k}'" for k in EVENT_KINDS)})), payload TEXT NOT NULL,
    seconds_spent REAL, created REAL NOT NULL);
CREATE INDEX events_prompt ON events(prompt_id, annotator);
PRAGMA user_version = {SCHEMA_VERSION};
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to an existing store, checked: a foreign or corrupt file, or a newer schema, is refused."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no feedback store here (fonderie feedback init creates one)")
    with open(path, "rb") as f:
        if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise InputError(f"{path}: not a SQLite database, so not a fonderie feedback store")
    db = None
    try:  # a file damaged past its header fails as soon as it is read: opening it sets WAL mode, a read
        db = _open(path)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        if db is not None:
            db.close()
        raise InputError(f"{path}: a damaged database ({e})") from None
    if version > SCHEMA_VERSION:
        db.close()
        raise RunStateError(f"{path}: written by a newer fonderie (schema {version}, this one reads {SCHEMA_VERSION})")
    if version != SCHEMA_VERSION or not {"rounds", "prompts", "candidates", "events"} <= tables:
        db.close()
        raise InputError(f"{path}: a SQLite database, but not a fonderie feedback store")
    return db


def create(path: str | Path) -> sqlite3.Connection:
    """A new, empty store at `path` (which must not exist)."""
    path = Path(path)
    if path.exists():
        raise RunStateError(f"{path} exists already")
    db = _open(path)
    db.executescript(SCHEMA)
    return db


def _open(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; writes open their own with BEGIN IMMEDIATE (`write`)
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")  # an acknowledged event survives a power cut, not only a crash
    db.execute("PRAGMA foreign_keys = ON")
    return db


@contextmanager
def write(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error); committed when the block ends."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# ---------------------------------------------------------------------------------------------------------------------
# writes


def add_round(db: sqlite3.Connection, model: str, model_fingerprint: str, template: str) -> int:
    with write(db):
        cur = db.execute("INSERT INTO rounds (model, model_fingerprint, template, created) VALUES (?, ?, ?, ?)",
                         (model, model_fingerprint, template, time.time()))  # fmt: skip
    return cur.lastrowid


def add_prompt(db: sqlite3.Connection, round_id: int, text: str, *, external_id: str | None = None,
               author: str | None = None, source: str = "ask") -> int:  # fmt: skip
    with write(db):
        cur = db.execute("INSERT INTO prompts (round, text, external_id, author, source, created) VALUES "
                         "(?, ?, ?, ?, ?, ?)", (round_id, text, external_id, author, source, time.time()))  # fmt: skip
    return cur.lastrowid


def add_candidates(db: sqlite3.Connection, prompt_id: int, round_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Candidates of one prompt in one round, stored together; each row: text, templated_prompt, model_fingerprint,
    params (dict), seed, token_ids (list), seconds. A text equal to an earlier candidate's of the same prompt and
    round is stored with `duplicate_of` set (a best-of-N with two equal answers is not a choice)."""
    ids = []
    with write(db):
        seen = {r["text"]: r["id"] for r in db.execute(
            "SELECT id, text FROM candidates WHERE prompt_id = ? AND round = ? AND duplicate_of IS NULL ORDER BY id",
            (prompt_id, round_id))}  # fmt: skip
        for row in rows:
            cur = db.execute(
                "INSERT INTO candidates (prompt_id, round, text, templated_prompt, model_fingerprint, params, seed, "
                "token_ids, duplicate_of, seconds, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (prompt_id, round_id, row["text"], row["templated_prompt"], row["model_fingerprint"],
                 json.dumps(row["params"], sort_keys=True), row.get("seed"), json.dumps(list(row["token_ids"])),
                 seen.get(row["text"]), row.get("seconds", 0.0), time.time()))  # fmt: skip
            seen.setdefault(row["text"], cur.lastrowid)
            ids.append(cur.lastrowid)
    return ids


def add_event(db: sqlite3.Connection, annotator: str, prompt_id: int, candidate_ids: Sequence[int], kind: str,
              payload: dict, *, seconds_spent: float | None = None, request_id: str | None = None) -> int:  # fmt: skip
    """Append one event, committed on return; the same `request_id` again returns the first event's id."""
    if kind not in EVENT_KINDS:
        raise InputError(f"event kind {kind!r}: expected one of {', '.join(EVENT_KINDS)}")
    if not annotator.strip():
        raise InputError("an event needs the annotator's name")
    with write(db):
        if request_id is not None:
            found = db.execute("SELECT id FROM events WHERE request_id = ?", (request_id,)).fetchone()
            if found:
                return found["id"]
        cur = db.execute(
            "INSERT INTO events (request_id, annotator, prompt_id, candidate_ids, kind, payload, seconds_spent, "
            "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, annotator.strip(), prompt_id, json.dumps(list(candidate_ids)), kind,
             json.dumps(payload, ensure_ascii=False), seconds_spent, time.time()))  # fmt: skip
    return cur.lastrowid


# ---------------------------------------------------------------------------------------------------------------------
# reads


def current_events(db: sqlite3.Connection, annotator: str | None = None) -> list[sqlite3.Row]:
    """The events in force: per annotator, prompt, kind and candidate set, the latest one, unless an undo
    (a later event of the same annotator whose payload names it) withdrew it. Skips and undos are not returned."""
    rows = db.execute("SELECT * FROM events" + (" WHERE annotator = ?" if annotator else "") + " ORDER BY id",
                      (annotator,) if annotator else ()).fetchall()  # fmt: skip
    # an annotator undoes their own decisions only, whatever `annotator` filters
    undone = {(r["annotator"], json.loads(r["payload"]).get("undoes")) for r in rows if r["kind"] == "undo"}
    latest: dict[tuple, sqlite3.Row] = {}
    for r in rows:
        if r["kind"] in ("undo", "skip") or (r["annotator"], r["id"]) in undone:
            continue
        ids = json.loads(r["candidate_ids"])
        key = (r["annotator"], r["prompt_id"], r["kind"], tuple(ids) if r["kind"] == "choice" else tuple(ids[:1]))
        latest[key] = r
    return sorted(latest.values(), key=lambda r: r["id"])
