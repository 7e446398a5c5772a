"""The annotation page's server in-process (Starlette's TestClient): events stored as sent, once per request_id,
text escaped, bad ids and bodies refused with a page or a JSON error, the token, and serve()'s refusals."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from fonderie.errors import ConfigError, InputError, RunStateError
from fonderie.feedback import store
from fonderie.feedback.server import LOOPBACK_NAMES, NAME_COOKIE, create_app, serve
from fonderie.feedback.web import MAX_BODY

EVIL = "<script>alert(1)</script> and <b>bold</b>"


def store_project(tmp_path: Path, answers: list[list[str]] | None = None) -> Path:
    """A project written directly (no model run): a model folder that exists, 2 questions with candidates."""
    answers = answers or [["Paris.", "Lyon.", "Paris."], [EVIL, "Hugo."]]
    project, model = tmp_path / "project", tmp_path / "model"
    project.mkdir()
    model.mkdir()
    config = {"version": 1, "model": str(model), "model_kind": "fonderie", "template": "Q: {prompt}\nA:",
              "sampling": {"n": 3, "temperature": 0.8, "top_p": 0.95, "top_k": 50, "max_new_tokens": 8}}  # fmt: skip
    (project / "project.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    db = store.create(project / "feedback.sqlite")
    round_id = store.add_round(db, str(model), "sha256:0", config["template"])
    for i, texts in enumerate(answers):
        text = "Capitale de la France ?" if i == 0 else EVIL
        prompt_id = store.add_prompt(db, round_id, text)
        rows = [{"text": t, "templated_prompt": f"Q: {text}\nA:", "model_fingerprint": "sha256:0", "params": {},
                 "seed": j, "token_ids": [1, 2], "seconds": 0.1} for j, t in enumerate(texts)]  # fmt: skip
        store.add_candidates(db, prompt_id, round_id, rows)
    db.close()
    return project


# a generation command that needs no model: two candidates for every question of the round that has none
FAKE_GENERATE = """
import sys
from fonderie.feedback import store
db = store.connect(sys.argv[1] + "/feedback.sqlite")
r = db.execute("SELECT max(id) FROM rounds").fetchone()[0]
for (p,) in db.execute("SELECT id FROM prompts WHERE round = ? AND id NOT IN (SELECT prompt_id FROM candidates)",
                       (r,)).fetchall():
    store.add_candidates(db, p, r, [{"text": f"answer {k} <i>", "templated_prompt": "", "model_fingerprint": "x",
                                     "params": {}, "token_ids": []} for k in range(2)])
"""


@pytest.fixture
def project(tmp_path):
    return store_project(tmp_path)


def client(project: Path, name: str | None = "Ada", **kwargs) -> TestClient:
    kwargs.setdefault("generate_command", [sys.executable, "-c", FAKE_GENERATE, str(project)])
    c = TestClient(create_app(project, **kwargs), follow_redirects=False)
    if name:
        c.cookies.set(NAME_COOKIE, name)
    return c


def rows(project: Path, sql: str = "SELECT * FROM events ORDER BY id") -> list[sqlite3.Row]:
    db = store.connect(project / "feedback.sqlite")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def event(c: TestClient, request_id: str, **body):
    return c.post("/api/events", json={"request_id": request_id, **body})


def test_name_first_then_first_question(project):
    page = client(project, name=None).get("/")
    assert page.status_code == 200 and 'id="name-form"' in page.text
    assert client(project).get("/").headers["location"] == "/q/1"
    assert client(project, name=None).get("/q/1").headers["location"] == "/"


def test_page_escapes_text_and_shows_a_duplicate_once(project):
    c = client(project)
    first = c.get("/q/1").text
    assert first.count('class="candidate"') == 2  # "Paris." twice is one candidate
    assert "1 of" not in first and "0 of 2 questions done in round 1" in first
    page = c.get("/q/2").text
    assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;") == 2  # question + answer


def test_candidate_order_is_per_annotator_and_stable(tmp_path):
    project = store_project(tmp_path, [[f"answer {i}" for i in range(8)], ["x"]])
    orders = {name: client(project, name).get("/api/questions/1").json()["candidate_ids"] for name in "ABCDEF"}
    assert all(sorted(o) == list(range(1, 9)) for o in orders.values())
    assert len({tuple(o) for o in orders.values()}) > 1
    assert client(project, "A").get("/api/questions/1").json()["candidate_ids"] == orders["A"]


def test_every_kind_stored_once_with_its_time(project):
    c = client(project)
    shown = c.get("/api/questions/1").json()["candidate_ids"]
    assert event(c, "r1", prompt_id=1, kind="thumbs", candidate_ids=[shown[0]], payload={"label": True},
                 seconds_spent=2.5).status_code == 200  # fmt: skip
    for _ in range(2):  # a retry: same request_id, stored once
        reply = event(c, "r2", prompt_id=1, kind="choice", candidate_ids=shown, payload={"best": shown[1]})
        assert reply.status_code == 200
    text = "Paris, bien sûr."
    reply = event(c, "r3", prompt_id=1, kind="correction", candidate_ids=[shown[0]], payload={"text": text})
    state = reply.json()["state"]
    assert state["thumbs"] == {str(shown[0]): True} and state["best"] == shown[1]
    assert ["+", "Paris, bien sûr."] in state["corrections"][str(shown[0])]["diff"]
    assert reply.json()["progress"] == {"round": 1, "total": 2, "done": 1, "done_ids": [1]}
    assert event(c, "r4", prompt_id=2, kind="skip", candidate_ids=[4, 5], payload={}).status_code == 200
    undo = event(c, "r5", prompt_id=1, kind="undo", candidate_ids=[], payload={}).json()
    assert undo["undone"] == {"id": 4, "kind": "skip", "prompt_id": 2}
    assert event(c, "r5", prompt_id=1, kind="undo", candidate_ids=[], payload={}).json()["id"] == undo["id"]
    events = rows(project)
    assert [(e["kind"], e["request_id"], e["annotator"]) for e in events] == [
        ("thumbs", "r1", "Ada"), ("choice", "r2", "Ada"), ("correction", "r3", "Ada"), ("skip", "r4", "Ada"),
        ("undo", "r5", "Ada")]  # fmt: skip
    assert events[0]["seconds_spent"] == 2.5
    assert json.loads(events[1]["candidate_ids"]) == shown  # the order shown
    assert json.loads(events[4]["payload"]) == {"undoes": 4}
    assert [e["kind"] for e in store.current_events(store.connect(project / "feedback.sqlite"))] == [
        "thumbs", "choice", "correction"]  # fmt: skip


def test_word_diff_keeps_spaces_and_marks_changes():
    from fonderie.feedback.pages import word_diff

    pieces = word_diff("La capitale est Lyon.", "La capitale est Paris.")
    assert pieces == [["=", "La capitale est "], ["-", "Lyon."], ["+", "Paris."]]
    assert "".join(t for op, t in pieces if op != "-") == "La capitale est Paris."


@pytest.mark.parametrize(
    "body, status",
    [
        ({"prompt_id": 99, "kind": "skip", "candidate_ids": [1], "payload": {}}, 404),
        ({"prompt_id": 1, "kind": "thumbs", "candidate_ids": [4], "payload": {"label": True}}, 404),  # another's
        ({"prompt_id": 1, "kind": "thumbs", "candidate_ids": [1], "payload": {"label": "yes"}}, 400),
        ({"prompt_id": 1, "kind": "choice", "candidate_ids": [1, 2], "payload": {"best": 7}}, 400),
        ({"prompt_id": 1, "kind": "vote", "candidate_ids": [1], "payload": {}}, 400),
        ({"prompt_id": "1", "kind": "skip", "candidate_ids": [1], "payload": {}}, 400),
        ({"prompt_id": 1, "kind": "undo", "candidate_ids": [], "payload": {}}, 409),  # nothing to undo yet
    ],
)
def test_bad_events_refused_and_not_stored(project, body, status):
    reply = event(client(project), "bad", **body)
    assert reply.status_code == status and "error" in reply.json()
    assert rows(project) == []


def test_bad_requests(project):
    c = client(project)
    page = c.get("/q/999")
    assert page.status_code == 404 and "no question 999" in page.text and "Traceback" not in page.text
    assert c.get("/q/abc").status_code == 404 and c.get("/nowhere").status_code == 404
    big = {"request_id": "big", "text": "x" * (MAX_BODY + 1)}
    assert c.post("/api/questions", json=big).status_code == 413
    assert c.post("/api/questions", content=b"text=hello", headers={"content-type": "text/plain"}).status_code == 415
    assert c.post("/api/questions", content=b"{nope", headers={"content-type": "application/json"}).status_code == 400
    assert c.post("/api/questions", json={"text": "no request id"}).status_code == 400
    assert client(project, name=None).post("/api/questions", json={"request_id": "a", "text": "q"}).status_code == 401


@pytest.mark.timeout(60)
def test_new_question_stored_once_and_answered_in_the_background(project):
    import time

    c = client(project)
    first = c.post("/api/questions", json={"request_id": "q1", "text": EVIL})
    again = c.post("/api/questions", json={"request_id": "q1", "text": EVIL})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    prompt_id = first.json()["id"]
    prompt = rows(project, f"SELECT * FROM prompts WHERE id = {prompt_id}")[0]
    assert (prompt["source"], prompt["author"], prompt["text"], prompt["round"]) == ("web", "Ada", EVIL, 1)
    assert "Generating answers" in c.get(f"/q/{prompt_id}").text
    deadline = time.monotonic() + 30
    while (state := c.get(f"/api/questions/{prompt_id}").json())["candidates"] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state["candidates"] == 2 and state["generation"]["error"] is None
    assert "answer 0 &lt;i&gt;" in c.get(f"/q/{prompt_id}").text


def test_token_required_everywhere(project):
    c = client(project, token="s3cret")
    assert c.get("/").status_code == 403 and c.get("/static/feedback.js").status_code == 403
    assert c.post("/api/events", json={}).status_code == 403
    assert c.get("/", headers={"x-fonderie-token": "s3cret"}).status_code == 303
    first = c.get("/q/1?token=s3cret&x=1")
    assert first.status_code == 303 and first.headers["location"] == "/q/1?x=1"
    assert c.get("/q/1").status_code == 200  # the cookie the first visit set
    assert c.get("/static/feedback.js").status_code == 200


def test_loopback_host_check(project):
    c = client(project, trusted_hosts=LOOPBACK_NAMES)
    assert c.get("/q/1").status_code == 400  # TestClient's Host is `testserver`: a rebound DNS name is refused
    assert c.get("/q/1", headers={"host": "127.0.0.1:8000"}).status_code == 200
    assert c.get("/q/1", headers={"host": "[::1]:8000"}).status_code == 200  # `serve --host ::1`


def test_serve_refuses_before_listening(project, tmp_path):
    with pytest.raises(ConfigError, match="--host 0.0.0.0: not a loopback address.*--token"):
        serve(project, host="0.0.0.0")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "feedback.sqlite").write_bytes(b"PK\x03\x04 not a database")
    (tmp_path / "foreign" / "project.yaml").write_text((project / "project.yaml").read_text())
    with pytest.raises(InputError, match=r"foreign/feedback.sqlite: not a SQLite database"):
        serve(tmp_path / "foreign")
    db = sqlite3.connect(project / "feedback.sqlite")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RunStateError, match=r"project/feedback.sqlite: written by a newer fonderie"):
        serve(project)
    (tmp_path / "model").rmdir()
    with pytest.raises(InputError, match=r"project.yaml: its model .*/model does not exist"):
        serve(project)
