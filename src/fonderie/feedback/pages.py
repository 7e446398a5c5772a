"""What the annotation page shows, read from the store: the round's questions, one question's candidates in the
order an annotator sees them, that annotator's decisions on it, their progress, and the word diff of a correction.

Plain functions over a `sqlite3.Connection`; the server (server.py) turns them into pages and JSON.
"""

from __future__ import annotations

import difflib
import json
import random
import re
import sqlite3

WORD = re.compile(r"\S+\s*|\s+")  # a word and the spaces after it: joined back, the text again


def current_round(db: sqlite3.Connection) -> int:
    return db.execute("SELECT max(id) FROM rounds").fetchone()[0] or 0


def round_prompt_ids(db: sqlite3.Connection, round_id: int) -> list[int]:
    """The questions of a round: asked in it, or re-asked in it (candidates of that round), in id order."""
    rows = db.execute("SELECT id FROM prompts WHERE round = ? UNION SELECT prompt_id FROM candidates WHERE round = ? "
                      "ORDER BY 1", (round_id, round_id))  # fmt: skip
    return [r[0] for r in rows]


def get_prompt(db: sqlite3.Connection, prompt_id: int) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM prompts WHERE id = ?", (prompt_id,)).fetchone()


def shown_candidates(db: sqlite3.Connection, prompt_id: int, round_id: int, annotator: str) -> list[sqlite3.Row]:
    """The round's distinct candidates of a question (a duplicate is shown once, as its first copy), shuffled by a
    seed of (annotator, question): each annotator gets their own order, the same one on every reload, so left/right
    position does not bias choices and the order recorded with an event is the order they saw."""
    rows = db.execute("SELECT id, text FROM candidates WHERE prompt_id = ? AND round = ? AND duplicate_of IS NULL "
                      "ORDER BY id", (prompt_id, round_id)).fetchall()  # fmt: skip
    random.Random(f"{annotator}\0{prompt_id}").shuffle(rows)
    return rows


def _annotator_events(db: sqlite3.Connection, annotator: str) -> tuple[list[sqlite3.Row], set[int]]:
    rows = db.execute("SELECT * FROM events WHERE annotator = ? ORDER BY id", (annotator,)).fetchall()
    undone = {json.loads(r["payload"]).get("undoes") for r in rows if r["kind"] == "undo"}
    return rows, undone


def last_undoable(db: sqlite3.Connection, annotator: str) -> sqlite3.Row | None:
    """The annotator's latest event that is not an undo and not undone yet: what `u` withdraws (repeated `u` walks
    back through their events)."""
    rows, undone = _annotator_events(db, annotator)
    live = [r for r in rows if r["kind"] != "undo" and r["id"] not in undone]
    return live[-1] if live else None


def question_state(db: sqlite3.Connection, prompt_id: int, annotator: str, candidate_ids: list[int]) -> dict:
    """The annotator's decisions in force on these candidates of a question: thumbs per candidate, the best
    choice, corrections (text and word diff), and whether the question counts as done."""
    rows, undone = _annotator_events(db, annotator)
    shown = set(candidate_ids)
    state: dict = {"thumbs": {}, "best": None, "corrections": {}, "done": False}
    marks = ",".join("?" * len(shown))
    texts = {r["id"]: r["text"] for r in db.execute(f"SELECT id, text FROM candidates WHERE id IN ({marks})",
                                                    sorted(shown))}  # fmt: skip
    for r in rows:
        ids = json.loads(r["candidate_ids"])
        if r["prompt_id"] != prompt_id or r["kind"] == "undo" or r["id"] in undone or not shown & set(ids):
            continue
        state["done"] = True
        payload = json.loads(r["payload"])
        if r["kind"] == "thumbs":
            state["thumbs"][str(ids[0])] = payload["label"]
        elif r["kind"] == "choice":
            state["best"] = payload["best"]
        elif r["kind"] == "correction":
            state["corrections"][str(ids[0])] = {"text": payload["text"],
                                                 "diff": word_diff(texts[ids[0]], payload["text"])}  # fmt: skip
    return state


def progress(db: sqlite3.Connection, round_id: int, annotator: str) -> dict:
    """How many of the round's questions the annotator has decided something on (a skip counts: it was seen)."""
    prompt_ids = round_prompt_ids(db, round_id)
    round_candidates = {r[0]: r[1] for r in db.execute("SELECT id, prompt_id FROM candidates WHERE round = ?",
                                                       (round_id,))}  # fmt: skip
    rows, undone = _annotator_events(db, annotator)
    done = {r["prompt_id"] for r in rows if r["kind"] != "undo" and r["id"] not in undone
            and any(c in round_candidates for c in json.loads(r["candidate_ids"]))}  # fmt: skip
    done &= set(prompt_ids)
    return {"round": round_id, "total": len(prompt_ids), "done": len(done), "done_ids": sorted(done)}


def word_diff(original: str, corrected: str) -> list[list[str]]:
    """[op, text] pieces, op one of '=', '-', '+': what a correction kept, removed and added, word by word (the
    spaces after a word ride along with it). Shown as text, never as HTML."""
    a, b = WORD.findall(original), WORD.findall(corrected)
    pieces: list[list[str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(["=", "".join(a[i1:i2])])
            continue
        if i2 > i1:
            pieces.append(["-", "".join(a[i1:i2])])
        if j2 > j1:
            pieces.append(["+", "".join(b[j1:j2])])
    return pieces
