"""Live progress of a running stage on the terminal, read from the files the tasks write.

Tasks write `progress/NNNNN.json` (ProgressTracker) and `completions/NNNNN` (datatrove); this thread reads them, so
the display is the same for local processes, Ray workers or anything else writing to the stage folder.
On a terminal it redraws one line in place; in a log (CI, nohup) it prints a line every `log_every` seconds.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.text import Text

POLL_SECONDS = 0.5  # how often the task files are read and the terminal line redrawn


def _eta(elapsed: float, done: int, total: int) -> str:
    if done == 0 or done >= total:
        return "?" if done < total else "0:00:00"
    return str(timedelta(seconds=int(elapsed / done * (total - done))))


class StageProgress(threading.Thread):
    """Polls a stage folder and prints `stage  tasks a/b  N docs (r docs/s)  ETA` until stopped."""

    def __init__(self, folder: str, label: str, tasks: int, already_done: int, stream=None, log_every: float = 10.0):
        super().__init__(daemon=True)
        self.folder = Path(folder)
        self.label = label
        self.tasks = tasks
        self.already_done = already_done  # tasks finished by an earlier run: not part of this run's rate or ETA
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        # the stream decides, not the environment: FORCE_COLOR in CI must not put escape codes in a log file
        self.console = Console(file=self.stream, force_terminal=self.tty, force_jupyter=False, highlight=False)
        self.log_every = log_every
        self.start_time = time.time()
        self._stop_event = threading.Event()

    def snapshot(self) -> tuple[int, int, float]:
        """(docs read so far by this run's tasks, tasks completed in total, seconds elapsed)."""
        docs = 0
        for f in self.folder.glob("progress/*.json"):
            try:
                state = json.loads(f.read_text())
            except (OSError, ValueError):  # being rewritten right now
                continue
            if f.stat().st_mtime >= self.start_time - 1:
                docs += state["docs"]
        done = len(list(self.folder.glob("completions/*")))
        return docs, done, time.time() - self.start_time

    def line(self) -> str:
        docs, done, elapsed = self.snapshot()
        rate = docs / elapsed if elapsed > 0 else 0.0
        eta = _eta(elapsed, done - self.already_done, self.tasks - self.already_done)
        return (
            f"{self.label}  tasks {done}/{self.tasks}  {docs:,} docs read ({rate:,.0f} docs/s)  "
            f"elapsed {timedelta(seconds=int(elapsed))}  ETA {eta}"
        )

    def run(self) -> None:
        if self.tty:
            self._redraw()
        else:
            self._log()

    def _redraw(self) -> None:
        """One line redrawn in place, erased when the stage ends (stop() prints the final one)."""
        live = Live(
            console=self.console, auto_refresh=False, transient=True, redirect_stdout=False, redirect_stderr=False
        )
        with live:
            while not self._stop_event.wait(POLL_SECONDS):
                live.update(Text(self.line(), no_wrap=True, overflow="ellipsis"), refresh=True)

    def _log(self) -> None:
        """A plain line every `log_every` seconds, for logs (CI, nohup) where a redrawn line would be noise."""
        last_log = time.time()
        while not self._stop_event.wait(POLL_SECONDS):
            if time.time() - last_log >= self.log_every:
                self._print(self.line())
                last_log = time.time()

    def _print(self, line: str) -> None:
        # soft_wrap: a log line is never cut at the console's width
        self.console.print(line, markup=False, soft_wrap=True)

    def stop(self) -> str:
        """Stop polling; returns the final line (also printed)."""
        self._stop_event.set()
        self.join()
        final = self.line()
        self._print(final)
        return final
