"""Where a benchmark's figures go: one JSON line, printed last on stdout and written to `--out`.

`--out` defaults to benchmarks/results/<script>.json (what `make bench` collects). The file is written under a .tmp
name and renamed once complete, so an interrupted run leaves the previous figures rather than half a line.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def add_out_argument(parser: argparse.ArgumentParser, script: str) -> None:
    """`--out FILE`, defaulting to benchmarks/results/<name of `script`>.json."""
    name = Path(script).stem
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / f"{name}.json",
        help=f"where the JSON figures are written (default: benchmarks/results/{name}.json)",
    )


def write_result(result: dict, out: Path) -> str:
    """Print `result` as one JSON line and write the same line to `out` (folder created, .tmp then rename)."""
    line = json.dumps(result, ensure_ascii=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(line + "\n")
    os.replace(tmp, out)
    print(line, flush=True)
    return line
