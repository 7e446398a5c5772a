"""`fonderie feedback serve`: the annotation page, a Starlette app over the project's store.

    GET  /                         the name form, else the annotator's first question not done yet (or an overview)
    GET  /q/{prompt_id}            a question and its candidates, side by side, keyboard first (static/feedback.js)
    GET  /api/questions/{id}       JSON: candidates ready, the annotator's decisions, progress, generation status
    POST /api/questions            {request_id, text}: a new question (source `web`), candidates made in the background
    POST /api/events               {request_id, prompt_id, kind, candidate_ids, payload, seconds_spent}: one decision

Nothing lost: every POST carries a request_id made by the page, so a retried request is stored once; an event is
committed (store.add_event) before its reply leaves. Each threadpool thread has its own connection: SQLite's WAL
and BEGIN IMMEDIATE (store.py) order the writers. This process never imports torch: candidates come from a
subprocess, `python -m fonderie feedback ask DIR`, which generates every question still waiting in the round.

Safe by default: bound to 127.0.0.1 (with Host checked, against DNS rebinding); another address needs --token,
which every request then carries (a header, or the cookie a first `?token=` visit sets). Bodies are JSON only (no
cross-site form can post) and at most MAX_BODY bytes. All text reaches the page escaped (Jinja autoescape; the
script writes with textContent only).
"""

from __future__ import annotations

import hmac
import json
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from fonderie.errors import ConfigError, InputError
from fonderie.feedback import pages, store
from fonderie.feedback.project import Project, open_project
from fonderie.feedback.web import Generator, check_event, is_loopback, json_body, request_id_of

HERE = Path(__file__).parent
MAX_NAME = 80  # characters of an annotator's name
NAME_COOKIE = "fonderie_annotator"  # set by the page's script (URI-encoded), read here
TOKEN_COOKIE = "fonderie_token"
TOKEN_HEADER = "x-fonderie-token"
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"]  # Host header values (an IPv6 address comes bracketed)

templates = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)


class TokenGate:
    """ASGI middleware: with a token, a request passes only if it carries it (header or cookie); `?token=` sets the
    cookie and redirects to the same URL without it, so the secret does not stay in the address bar."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token.encode()

    def _ok(self, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(value.encode(), self.token)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        if self._ok(request.query_params.get("token")):
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response: Response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), 303)
            response.set_cookie(TOKEN_COOKIE, self.token.decode(), httponly=True, samesite="strict")
        elif self._ok(request.headers.get(TOKEN_HEADER)) or self._ok(request.cookies.get(TOKEN_COOKIE)):
            return await self.app(scope, receive, send)
        else:
            response = _error_page(403, "this page needs its token: open the address `fonderie feedback serve` "
                                   "printed (it ends in ?token=...)")  # fmt: skip
        await response(scope, receive, send)


def _error_page(status: int, message: str) -> HTMLResponse:
    return HTMLResponse(templates.get_template("error.html").render(status=status, message=message), status)


def create_app(project_dir: str | Path, *, token: str | None = None, trusted_hosts: list[str] | None = None,
               generate_command: list[str] | None = None) -> Starlette:  # fmt: skip
    """The app for a project, its store checked first (a foreign, damaged or newer file raises here, before any
    socket is bound). generate_command: what makes candidates (default: `python -m fonderie feedback ask DIR`)."""
    project = open_project(project_dir)
    try:
        store.connect(project.store).close()
    except sqlite3.DatabaseError as e:  # damaged past its header: the first PRAGMA already fails
        raise InputError(f"{project.store}: a damaged database ({e})") from None
    generator = Generator(generate_command or [sys.executable, "-m", "fonderie", "feedback", "ask", str(project.dir)])
    api = _Api(project, generator)
    routes = [
        Route("/", api.index),
        Route("/q/{prompt_id:int}", api.question),
        Route("/api/questions/{prompt_id:int}", api.question_json),
        Route("/api/questions", api.new_question, methods=["POST"]),
        Route("/api/events", api.new_event, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts)] if trusted_hosts else []
    if token:
        middleware.append(Middleware(TokenGate, token=token))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: _http_error})
    with api.db_lock:
        with api.db() as db:
            if any(not pages.shown_candidates(db, p, pages.current_round(db), "") for p in
                   pages.round_prompt_ids(db, pages.current_round(db))):  # fmt: skip
                generator.request()  # questions typed before a restart still get their answers
    return app


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, exc.status_code)
    return _error_page(exc.status_code, exc.detail)


class _Api:
    """The endpoints. Reads and writes run in Starlette's threadpool (run_in_threadpool), each request with its own
    connection; new questions are made idempotent under `db_lock` (check, then insert)."""

    def __init__(self, project: Project, generator: Generator):
        self.project, self.generator = project, generator
        self.db_lock = threading.Lock()

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        # a connection per request, closed after it: a connection kept by a pool thread can hold a read snapshot
        # open (a statement not stepped to its end) and then never sees the candidates the subprocess adds
        db = store.connect(self.project.store)
        try:
            yield db
        finally:
            db.close()

    # ---- pages

    async def index(self, request: Request) -> Response:
        name = _annotator(request)
        if not name:
            return HTMLResponse(templates.get_template("name.html").render())
        return await run_in_threadpool(self._index, name)

    def _index(self, name: str) -> Response:
        with self.db() as db:
            prog = pages.progress(db, pages.current_round(db), name)
            ids = pages.round_prompt_ids(db, prog["round"])
            todo = [p for p in ids if p not in set(prog["done_ids"])]
            if todo:
                return RedirectResponse(f"/q/{todo[0]}", 303)
            html = templates.get_template("overview.html").render(annotator=name, progress=prog, first=ids[:1])
            return HTMLResponse(html)

    async def question(self, request: Request) -> Response:
        name = _annotator(request)
        if not name:
            return RedirectResponse("/", 303)
        return await run_in_threadpool(self._question, name, request.path_params["prompt_id"])

    def _question(self, name: str, prompt_id: int) -> Response:
        with self.db() as db:
            prompt = _prompt(db, prompt_id)
            round_id = pages.current_round(db)
            ids = pages.round_prompt_ids(db, round_id)
            candidates = pages.shown_candidates(db, prompt_id, _prompt_round(db, prompt), name)
            at = ids.index(prompt_id) if prompt_id in ids else None
            html = templates.get_template("question.html").render(
                annotator=name, prompt=prompt, candidates=candidates, progress=pages.progress(db, round_id, name),
                position=(at + 1) if at is not None else None,
                prev=ids[at - 1] if at else None, next=ids[at + 1] if at is not None and at + 1 < len(ids) else None,
            )  # fmt: skip
            return HTMLResponse(html)

    # ---- JSON

    async def question_json(self, request: Request) -> Response:
        name = _require_name(request)
        return JSONResponse(await run_in_threadpool(self._state, name, request.path_params["prompt_id"]))

    def _state(self, name: str, prompt_id: int) -> dict:
        with self.db() as db:
            prompt = _prompt(db, prompt_id)
            shown = [c["id"] for c in pages.shown_candidates(db, prompt_id, _prompt_round(db, prompt), name)]
            return {"prompt_id": prompt_id, "candidates": len(shown), "candidate_ids": shown,
                    "state": pages.question_state(db, prompt_id, name, shown),
                    "progress": pages.progress(db, pages.current_round(db), name),
                    "generation": {"running": self.generator.running, "error": self.generator.error}}  # fmt: skip

    async def new_question(self, request: Request) -> Response:
        name = _require_name(request)
        body = await json_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise HTTPException(400, "a question needs some text")
        return JSONResponse(await run_in_threadpool(self._new_question, name, request_id_of(body), text.strip()))

    def _new_question(self, name: str, request_id: str, text: str) -> dict:
        # the request id is kept as the prompt's external id: a retried POST finds it and adds nothing
        external_id = f"web:{request_id}"
        with self.db_lock:
            with self.db() as db:
                found = db.execute("SELECT id FROM prompts WHERE external_id = ?", (external_id,)).fetchone()
                prompt_id = found[0] if found else store.add_prompt(
                    db, pages.current_round(db), text, external_id=external_id, author=name, source="web")  # fmt: skip
        self.generator.request()
        return {"id": prompt_id, "url": f"/q/{prompt_id}"}

    async def new_event(self, request: Request) -> Response:
        name = _require_name(request)
        body = await json_body(request)
        return JSONResponse(await run_in_threadpool(self._new_event, name, body))

    @staticmethod
    def _undo_target(db, name: str, request_id: str):
        """What an undo withdraws: for a retried undo, what it withdrew the first time; else the annotator's last."""
        found = db.execute("SELECT payload FROM events WHERE request_id = ?", (request_id,)).fetchone()
        if found is None:
            return pages.last_undoable(db, name)
        undoes = json.loads(found["payload"]).get("undoes")
        return db.execute("SELECT * FROM events WHERE id = ?", (undoes,)).fetchone()

    def _new_event(self, name: str, body: dict) -> dict:
        with self.db() as db:
            request_id = request_id_of(body)
            kind, payload, ids = body.get("kind"), body.get("payload", {}), body.get("candidate_ids", [])
            prompt_id, seconds = body.get("prompt_id"), body.get("seconds_spent")
            if not isinstance(prompt_id, int) or isinstance(prompt_id, bool):
                raise HTTPException(400, "prompt_id: expected a question id")
            prompt = _prompt(db, prompt_id)
            if seconds is not None and (not isinstance(seconds, (int, float)) or seconds < 0):
                raise HTTPException(400, "seconds_spent: expected a number >= 0")
            reply: dict = {}
            if kind == "undo":
                # the target is picked and the undo stored under one lock: two quick `u` presses undo two events
                with self.db_lock:
                    target = self._undo_target(db, name, request_id)
                    if target is None:
                        raise HTTPException(409, "nothing to undo")
                    ids = json.loads(target["candidate_ids"])
                    reply["id"] = store.add_event(db, name, target["prompt_id"], ids, kind, {"undoes": target["id"]},
                                                  seconds_spent=seconds, request_id=request_id)  # fmt: skip
                reply["undone"] = {"id": target["id"], "kind": target["kind"], "prompt_id": target["prompt_id"]}
            else:
                check_event(db, prompt_id, kind, ids, payload)
                reply["id"] = store.add_event(db, name, prompt_id, ids, kind, payload, seconds_spent=seconds,
                                              request_id=request_id)  # fmt: skip
            shown = [c["id"] for c in pages.shown_candidates(db, prompt_id, _prompt_round(db, prompt), name)]
            reply["state"] = pages.question_state(db, prompt_id, name, shown)
            reply["progress"] = pages.progress(db, pages.current_round(db), name)
            return reply


def _prompt(db, prompt_id: int):
    prompt = pages.get_prompt(db, prompt_id)
    if prompt is None:
        raise HTTPException(404, f"no question {prompt_id} in this project")
    return prompt


def _prompt_round(db, prompt) -> int:
    """The round whose candidates a question shows: its latest one with candidates, else the round it was asked in."""
    latest = db.execute("SELECT max(round) FROM candidates WHERE prompt_id = ?", (prompt["id"],)).fetchone()[0]
    return latest or prompt["round"]


def _annotator(request: Request) -> str:
    return unquote(request.cookies.get(NAME_COOKIE, "")).strip()[:MAX_NAME]


def _require_name(request: Request) -> str:
    name = _annotator(request)
    if not name:
        raise HTTPException(401, "type your name first (the page keeps it in a cookie)")
    return name


def serve(project_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> None:
    """Serve the annotation page until interrupted. Everything that can be refused is refused before listening."""
    if not is_loopback(host) and not token:
        raise ConfigError(f"--host {host}: not a loopback address, so anyone on the network could annotate; "
                          "give --token SECRET (every request must then carry it)")  # fmt: skip
    app = create_app(project_dir, token=token, trusted_hosts=None if token else LOOPBACK_NAMES)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise ConfigError(f"--host {host} --port {port}: cannot listen there ({e.strerror})") from None
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/" + (f"?{urlencode({'token': token})}" if token else "")
    print(f"fonderie: annotation page for {Path(project_dir).absolute()} at {url} (ctrl+c stops)", flush=True)

    import uvicorn  # here: importing the module (tests, create_app) does not need it

    uvicorn.run(app, host=host, port=port, workers=1, log_level="warning", access_log=False)
