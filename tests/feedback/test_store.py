"""The feedback store: append-only events, idempotent requests, undo, duplicates marked, foreign files refused."""

from __future__ import annotations

import sqlite3

import pytest

from fonderie.errors import InputError, RunStateError
from fonderie.feedback import store


@pytest.fixture
def db(tmp_path):
    db = store.create(tmp_path / "feedback.sqlite")
    yield db
    db.close()


def candidates(db, texts: list[str]) -> tuple[int, list[int]]:
    round_id = store.add_round(db, "runs/tiny", "abc123", "Question : {prompt}\nRéponse :")
    prompt = store.add_prompt(db, round_id, "Quelle heure est-il ?", author="ana")
    seen = "Question : Quelle heure est-il ?\nRéponse :"
    rows = [{"text": t, "templated_prompt": seen, "model_fingerprint": "abc123", "params": {"temperature": 0.8},
             "seed": i, "token_ids": [1, 2, i], "seconds": 0.1} for i, t in enumerate(texts)]  # fmt: skip
    return prompt, store.add_candidates(db, prompt, round_id, rows)


def test_identical_candidates_are_stored_once_as_such(db):
    prompt, ids = candidates(db, [" Midi.", " Minuit.", " Midi."])
    dups = [r["duplicate_of"] for r in db.execute("SELECT duplicate_of FROM candidates ORDER BY id")]
    assert dups == [None, None, ids[0]]


def test_events_are_appended_and_the_latest_of_an_annotator_wins(db):
    prompt, (a, b) = candidates(db, [" Midi.", " Minuit."])
    store.add_event(db, "ana", prompt, [a], "thumbs", {"label": False})
    store.add_event(db, "ana", prompt, [a], "thumbs", {"label": True})  # changed her mind
    store.add_event(db, "ben", prompt, [a], "thumbs", {"label": False})
    store.add_event(db, "ana", prompt, [b, a], "choice", {"best": b})
    current = store.current_events(db)
    assert [(r["annotator"], r["kind"], r["payload"]) for r in current] == [
        ("ana", "thumbs", '{"label": true}'),
        ("ben", "thumbs", '{"label": false}'),
        ("ana", "choice", f'{{"best": {b}}}'),
    ]
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 4  # nothing updated in place


def test_an_undo_is_an_event_that_withdraws_one(db):
    prompt, (a, b) = candidates(db, [" Midi.", " Minuit."])
    first = store.add_event(db, "ana", prompt, [a, b], "choice", {"best": a})
    second = store.add_event(db, "ana", prompt, [a, b], "choice", {"best": "tie"})
    store.add_event(db, "ana", prompt, [], "undo", {"undoes": second})
    assert [r["id"] for r in store.current_events(db)] == [first]  # the earlier choice is back


def test_a_retried_request_is_stored_once(db):
    prompt, (a,) = candidates(db, [" Midi."])
    one = store.add_event(db, "ana", prompt, [a], "thumbs", {"label": True}, request_id="r-1")
    two = store.add_event(db, "ana", prompt, [a], "thumbs", {"label": True}, request_id="r-1")
    assert one == two and db.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_bad_events_are_refused(db):
    prompt, (a,) = candidates(db, [" Midi."])
    with pytest.raises(InputError, match="event kind 'like'"):
        store.add_event(db, "ana", prompt, [a], "like", {})
    with pytest.raises(InputError, match="annotator"):
        store.add_event(db, "  ", prompt, [a], "thumbs", {"label": True})
    with pytest.raises(sqlite3.IntegrityError):  # a prompt that does not exist: the foreign key refuses it
        store.add_event(db, "ana", 999, [a], "thumbs", {"label": True})
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0  # rolled back


def test_foreign_corrupt_and_newer_files_are_named(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database")
    with pytest.raises(InputError, match=f"{text}: not a SQLite database"):
        store.connect(text)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InputError, match="not a fonderie feedback store"):
        store.connect(other)
    newer = tmp_path / "newer.sqlite"
    store.create(newer).execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}").connection.close()
    with pytest.raises(RunStateError, match="written by a newer fonderie"):
        store.connect(newer)
    with pytest.raises(InputError, match="no feedback store here"):
        store.connect(tmp_path / "missing.sqlite")
    with pytest.raises(RunStateError, match="exists already"):
        store.create(text)


def test_the_store_is_in_wal_mode_and_checks_itself(tmp_path):
    store.create(tmp_path / "s.sqlite").close()
    db = store.connect(tmp_path / "s.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_file_damaged_past_its_header_is_named(tmp_path):
    path = tmp_path / "damaged.sqlite"
    store.create(path).close()
    data = bytearray(path.read_bytes())
    data[16:] = b"\xff" * (len(data) - 16)  # the magic string kept, everything after it garbage
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=f"{path}: a damaged database"):
        store.connect(path)


def test_an_annotator_undoes_only_their_own_decisions(db):
    prompt, (a,) = candidates(db, [" Midi."])
    ana = store.add_event(db, "ana", prompt, [a], "thumbs", {"label": True})
    store.add_event(db, "ben", prompt, [], "undo", {"undoes": ana})  # ben cannot withdraw ana's yes
    assert [r["id"] for r in store.current_events(db)] == [ana]
    assert [r["id"] for r in store.current_events(db, annotator="ana")] == [ana]
