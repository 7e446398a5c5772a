"""A local run owns its processes: when a task fails, or the command gets SIGINT or SIGTERM mid-ingest, no worker nor
HTML extractor sandbox outlives it, and whoever reads its output (`fonderie run x.yaml | tail -1`) sees EOF."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EN, FR, html_page, write_warc

FILES, PAGES = 4, 300  # ~20 ms of trafilatura a page: minutes of work, so a signal lands mid-ingest
GONE_WITHIN_S = 10.0  # the bound: every process ended and the pipe closed this long after the signal
START_TIMEOUT_S = 120.0  # a loaded CI machine can take long to import and spawn the workers
POLL_S = 0.05


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) from /proc, None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    return int(fields[1]), fields[0].decode(), int(fields[19])


class TreeRecorder(threading.Thread):
    """Records every process ever seen below `root`, with its depth (1: a child), until stopped; an orphan stays
    recorded after it leaves the tree."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.seen = root, {}  # (pid, start time) -> depth
        self._done = threading.Event()

    def run(self):
        while not self._done.wait(POLL_S):
            table = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
            depth, grew = {self.root: 0}, True
            while grew:
                grew = False
                for pid, (ppid, _, _) in table.items():
                    if ppid in depth and pid not in depth:
                        depth[pid], grew = depth[ppid] + 1, True
            for pid, d in depth.items():
                if d:
                    self.seen.setdefault((pid, table[pid][2]), d)

    def alive(self) -> list[int]:
        """Recorded processes still running (a zombie is dead: it holds no memory and no pipe)."""
        return [pid for (pid, start), _ in self.seen.items() if (s := _stat(pid)) and s[2] == start and s[1] != "Z"]

    def stop(self):
        self._done.set()
        self.join()


def _pipeline(tmp_path: Path, corrupt: bool = False) -> Path:
    web = tmp_path / "web"
    web.mkdir()
    for f in range(FILES):
        pages = [
            (f"https://example.fr/{f}/{i}", html_page(f"Page {f}-{i}", FR[i % 3 :] + EN), "text/html", "200 OK")
            for i in range(PAGES)
        ]
        write_warc(web / f"crawl{f}.warc.gz", pages)
    if corrupt:  # a few good pages, then bytes that are no gzip member: the task reading it fails mid-file
        write_warc(web / "crawl0-broken.warc.gz", pages[:20])
        with open(web / "crawl0-broken.warc.gz", "ab") as fh:
            fh.write(b"\x1f\x8b\x08\x04" + bytes(4096))
    path = tmp_path / "x.yaml"
    path.write_text(f"""
output: {tmp_path / "out"}
executor: {{kind: local, tasks: {FILES + corrupt}, workers: 2}}
inputs: [{{source: web, format: warc, path: "{web}/*.warc.gz"}}]
stages: [{{kind: ingest, extraction_timeout: 60}}]
""")
    return path


def _run(path: Path, sig: int | None) -> tuple[int, str, list[int], float]:
    """Runs `fonderie run` with its output on pipes; once both workers extract pages, sends `sig` to the main
    process only (as `kill` and `timeout` do). Returns (exit code, stderr, survivors, seconds until EOF)."""
    cmd = [sys.executable, "-m", "fonderie", "run", str(path)]
    # its own session: whatever survives can be killed as a group at the end, not left on the machine
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    tree = TreeRecorder(proc.pid)
    tree.start()
    try:
        deadline = time.time() + START_TIMEOUT_S
        # depth 2: the extractor sandboxes the workers fork, which outlived a killed worker
        while sum(d == 2 for d in tree.seen.values()) < 2 and proc.poll() is None and time.time() < deadline:
            time.sleep(POLL_S)
        if sig is not None:
            assert proc.poll() is None, "the run ended before the signal could land mid-ingest"
            os.kill(proc.pid, sig)
        else:  # the clock starts when the failed run's main process exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(START_TIMEOUT_S)
        start = time.time()
        try:
            _, err = proc.communicate(timeout=GONE_WITHIN_S)
        except subprocess.TimeoutExpired:
            err = b"(no EOF on the pipes)"
        eof_s = time.time() - start
        while tree.alive() and time.time() < start + GONE_WITHIN_S:
            time.sleep(POLL_S)
        return proc.poll(), err.decode(errors="replace"), tree.alive(), eof_s
    finally:
        tree.stop()
        with contextlib.suppress(ProcessLookupError):  # whatever survived (the assertions say so): not left behind
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in tree.alive():  # one that left the process group
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.parametrize(
    ("sig", "code", "message"),
    [
        (signal.SIGINT, 130, "fonderie: interrupted; rerun the same command to resume"),
        (signal.SIGTERM, 143, "fonderie: terminated (SIGTERM); rerun the same command to resume"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_mid_ingest_ends_every_process(tmp_path, sig, code, message):
    rc, err, survivors, eof_s = _run(_pipeline(tmp_path), sig)
    assert survivors == [] and eof_s < GONE_WITHIN_S, f"left running: {survivors}; EOF after {eof_s:.1f} s"
    assert (rc, err.strip().splitlines()[-1]) == (code, message)
    stage = tmp_path / "out" / "01_ingest"
    assert len(list(stage.glob("completions/*"))) < FILES, "the signal should land mid-ingest"


def test_failed_task_ends_every_process(tmp_path):
    rc, err, survivors, eof_s = _run(_pipeline(tmp_path, corrupt=True), None)
    assert survivors == [] and eof_s < GONE_WITHIN_S, f"left running: {survivors}; EOF after {eof_s:.1f} s"
    assert rc == 1 and "fonderie: stage 01_ingest failed in task 00000" in err
