"""The request plumbing of the annotation page: bodies read and checked, events validated, generation run aside.

Kept apart from server.py (routes and pages) so each reads on its own; like the server, nothing here imports torch:
candidates come from a `fonderie feedback ask` subprocess (`Generator`).
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import threading

from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_BODY = 64 * 1024  # bytes of a request body; a question or a corrected answer is far below
MAX_REQUEST_ID = 100
CHOICES = ("none", "tie")  # a choice's `best`, besides a candidate id


class Generator:
    """Runs the generation command whenever questions wait for candidates: one subprocess at a time, requests made
    while it runs coalesced into one more run (the command generates every question still waiting)."""

    def __init__(self, command: list[str]):
        self.command = command
        self.error: str | None = None  # the last run's last stderr line, if it failed
        self._lock = threading.Lock()
        self._wanted = False
        self._active = False

    @property
    def running(self) -> bool:
        return self._active

    def request(self) -> None:
        with self._lock:
            self._wanted = True
            if not self._active:
                self._active = True
                threading.Thread(target=self._loop, name="fonderie-generate", daemon=True).start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._active = False
                    return
                self._wanted = False
            proc = subprocess.run(self.command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            lines = proc.stderr.strip().splitlines()
            self.error = None if proc.returncode == 0 else (lines[-1] if lines else f"exit {proc.returncode}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_event(db, prompt_id: int, kind, ids, payload) -> None:
    if kind not in ("thumbs", "choice", "correction", "skip"):
        raise HTTPException(400, f"kind {kind!r}: expected thumbs, choice, correction, skip or undo")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise HTTPException(400, "candidate_ids: expected a non-empty list of candidate ids")
    if not isinstance(payload, dict):
        raise HTTPException(400, "payload: expected an object")
    known = {r[0] for r in db.execute("SELECT id FROM candidates WHERE prompt_id = ?", (prompt_id,))}
    if missing := [i for i in ids if i not in known]:
        raise HTTPException(404, f"question {prompt_id} has no candidate {missing[0]}")
    if kind in ("thumbs", "correction") and len(ids) != 1:
        raise HTTPException(400, f"a {kind} event names one candidate")
    if kind == "thumbs" and set(payload) != {"label"} or kind == "thumbs" and not isinstance(payload["label"], bool):
        raise HTTPException(400, 'thumbs: payload must be {"label": true|false}')
    if kind == "choice" and (set(payload) != {"best"} or payload["best"] not in [*ids, *CHOICES]):
        raise HTTPException(400, 'choice: payload must be {"best": a shown candidate id | "none" | "tie"}')
    if kind == "correction" and (set(payload) != {"text"} or not isinstance(payload["text"], str)):
        raise HTTPException(400, 'correction: payload must be {"text": the corrected answer}')
    if kind == "skip" and payload:
        raise HTTPException(400, "skip: payload must be {}")


def request_id_of(body: dict) -> str:
    request_id = body.get("request_id")
    if not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID:
        raise HTTPException(400, "request_id: expected a string the page made (a retried request reuses it)")
    return request_id


async def json_body(request: Request) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "expected a JSON body (Content-Type: application/json)")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise HTTPException(413, f"request body over {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"request body over {MAX_BODY} bytes")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPException(400, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "expected a JSON object")
    return data
