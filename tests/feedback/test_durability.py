"""Nothing lost: the server killed with SIGKILL in the middle of a burst of annotations from several clients keeps
every event it acknowledged, once (even when clients retry after the restart), in a database that passes
`PRAGMA integrity_check`; and a store or model it cannot use stops `fonderie feedback serve` with one line."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from feedback.test_server import store_project

from fonderie.feedback.server import NAME_COOKIE

CLIENTS = 6
BURST_SECONDS = 1.5  # of annotations before the kill


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(project: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "fonderie", "feedback", "serve", str(project), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start in 30 s")


def annotate(port: int, name: str, stop: threading.Event, sent: list, acked: list) -> None:
    """Post thumbs and choices with fresh request_ids until the server is gone; record what was answered 2xx."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={NAME_COOKIE: name}, timeout=5) as c:
        i = 0
        while not stop.is_set():
            request_id = f"{name}-{i}"
            body = ({"kind": "thumbs", "candidate_ids": [1 + i % 3], "payload": {"label": i % 2 == 0}} if i % 3 else
                    {"kind": "choice", "candidate_ids": [1, 2], "payload": {"best": "tie"}})  # fmt: skip
            body.update(request_id=request_id, prompt_id=1, seconds_spent=0.1)
            sent.append(body)
            try:
                reply = c.post("/api/events", json=body)
            except httpx.TransportError:
                return  # killed: this request may or may not have been stored
            if reply.is_success:
                acked.append(request_id)
            i += 1


@pytest.mark.timeout(120)
def test_sigkill_mid_burst_loses_no_acknowledged_event(tmp_path):
    project = store_project(tmp_path)
    port = free_port()
    server = start(project, port)
    stop, sent, acked = threading.Event(), [], []
    clients = [threading.Thread(target=annotate, args=(port, f"annotator{k}", stop, sent, acked))
               for k in range(CLIENTS)]  # fmt: skip
    for t in clients:
        t.start()
    time.sleep(BURST_SECONDS)
    os.kill(server.pid, signal.SIGKILL)  # in the middle of the burst: requests are in flight
    server.wait()
    for t in clients:
        t.join(10)
    stop.set()
    assert len(acked) > 20, f"only {len(acked)} events acknowledged before the kill: no burst to test"

    server = start(project, port)
    try:  # every client retries everything it sent, with the same request_ids: nothing may be stored twice
        for k in range(CLIENTS):
            name = f"annotator{k}"
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={NAME_COOKIE: name}, timeout=10) as c:
                for body in sent:
                    if body["request_id"].startswith(f"{name}-"):
                        assert c.post("/api/events", json=body).is_success
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)

    db = sqlite3.connect(project / "feedback.sqlite")
    stored = [r[0] for r in db.execute("SELECT request_id FROM events")]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    assert len(stored) == len(set(stored)) == len(sent)  # every request once, acknowledged or retried
    assert set(acked) <= set(stored)


def serve_error(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fonderie", "feedback", "serve", str(project), "--port",
                           str(free_port())], capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.timeout(120)
def test_unusable_store_or_model_is_one_line_naming_the_path(tmp_path):
    project = store_project(tmp_path)
    store_file = project / "feedback.sqlite"
    cases = []
    good = store_file.read_bytes()
    store_file.write_bytes(good[:100] + b"\xff" * 4000)  # the header survives, the pages do not
    cases.append(("damaged", serve_error(project)))
    store_file.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)  # a foreign file
    cases.append(("foreign", serve_error(project)))
    store_file.write_bytes(good)
    db = sqlite3.connect(store_file)
    db.execute("PRAGMA user_version = 2")
    db.close()
    cases.append(("newer", serve_error(project)))
    db = sqlite3.connect(store_file)
    db.execute("PRAGMA user_version = 1")
    db.close()
    (tmp_path / "model").rmdir()
    cases.append(("model", serve_error(project)))
    for what, result in cases:
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, (what, result.stderr)
        assert lines[0].startswith("fonderie: ") and "Traceback" not in result.stderr, (what, lines)
        assert str(store_file if what != "model" else project / "project.yaml") in lines[0], (what, lines)
        assert "annotation page" not in result.stdout  # refused before listening
