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
        last_log = time.time()
        while not self._stop_event.wait(0.5):
            if self.tty:
                self.stream.write("\r\033[K" + self.line())
                self.stream.flush()
            elif time.time() - last_log >= self.log_every:
                print(self.line(), file=self.stream, flush=True)
                last_log = time.time()

    def stop(self) -> str:
        """Stop polling; returns the final line (also printed)."""
        self._stop_event.set()
        self.join()
        final = self.line()
        self.stream.write(("\r\033[K" if self.tty else "") + final + "\n")
        self.stream.flush()
        return final
