import io
import json
import time

from fonderie.pipeline.display import StageProgress


def test_progress_line_reads_task_files(tmp_path):
    (tmp_path / "progress").mkdir()
    (tmp_path / "completions").mkdir()
    for rank, docs in ((0, 1200), (1, 300)):
        (tmp_path / "progress" / f"{rank:05d}.json").write_text(json.dumps({"docs": docs, "done": False}))
    (tmp_path / "completions" / "00000").touch()
    stream = io.StringIO()  # not a terminal: one plain line per `log_every`, and the final line
    progress = StageProgress(str(tmp_path), "01_ingest", tasks=4, already_done=0, stream=stream, log_every=0.2)
    progress.start()
    final = progress.stop()
    assert final.startswith("01_ingest  tasks 1/4  1,500 docs read (")
    assert "docs/s" in final and "ETA" in final and stream.getvalue().endswith(final + "\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_line_is_redrawn_then_final_line_printed(tmp_path):
    (tmp_path / "progress").mkdir()
    (tmp_path / "progress" / "00000.json").write_text(json.dumps({"docs": 7, "done": False}))
    stream = _Terminal()
    progress = StageProgress(str(tmp_path), "02_clean", tasks=2, already_done=0, stream=stream)
    progress.start()
    time.sleep(1.2)  # two polls: the line is drawn on the terminal before the stage ends
    final = progress.stop()
    drawn = stream.getvalue()
    assert final.startswith("02_clean  tasks 0/2  7 docs read (")
    assert drawn.count("02_clean  tasks 0/2") >= 2  # redrawn while running, then the final line
    assert drawn.endswith(final + "\n")
