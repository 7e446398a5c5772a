"""`fonderie status`: the table of stages, then one line per stage of what it dropped, by reason."""

from fonderie.cli import main
from fonderie.pipeline import stats

DROPPED = {
    "gopher_too_few_stop_words": 1234,
    "lang_not_wanted": 987,
    "c4_too_few_sentences": 55,
    "fineweb_too_many_short_lines": 12,
    "gopher_repetition_top_ngram": 3,
}


def fake_status(output):
    stage = {
        "name": "clean", "folder": "02_clean", "documents": True, "read": 3291, "kept": 1000, "dropped": DROPPED,
        "bytes_in": 10**6, "bytes_out": 4 * 10**5, "seconds": 12.5, "tasks": 4, "tasks_completed": 4, "measures": {},
    }  # fmt: skip
    return {"stages": [stage]}


def test_drop_reasons_stay_on_one_line_whatever_the_width(monkeypatch, capsys):
    monkeypatch.setattr(stats, "pipeline_status", fake_status)
    monkeypatch.setenv("COLUMNS", "100")  # wide enough for the table, not for the reasons: rich broke them
    assert main(["status", "out/x"]) == 0
    out = capsys.readouterr().out
    assert "02_clean" in out.split("\n")[3]  # the table is still there
    reasons = ", ".join(f"{n:,} {r}" for r, n in DROPPED.items())
    assert f"02_clean dropped: {reasons}\n" in out
