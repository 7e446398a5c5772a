import json
import os
import random
import re

import pytest
from dedup.dedup_texts import TEXTS, edit

from fonderie.dedup import workers
from fonderie.dedup.jsonl import dedup_jsonl
from fonderie.dedup.minhash import MinhashConfig
from fonderie.errors import ConfigError, InputError

SMALL_BLOCK = 700  # bytes per range in these tests: a few lines each, lines crossing range ends


def corpus(n: int = 60) -> list[str]:
    """Lines of `n` records: by threes, an original, a near copy (edits) and an exact copy (spacing), some blank
    lines between."""
    rng = random.Random(3)
    lines = []
    for k in range(n):
        m = k // 3
        base = f"{TEXTS[m % len(TEXTS)]} {TEXTS[(m + 1) % len(TEXTS)]} {m // len(TEXTS)}"
        text = [base, edit(base, k, typos=1), base.replace(" ", "  \n")][k % 3]
        lines.append(json.dumps({"id": f"d{k}" if k % 3 else k, "text": text}, ensure_ascii=k % 2 == 0))
        if rng.random() < 0.1:
            lines.append("  ")
    return lines


def write(path, lines: list[str], end: str = "\n") -> str:
    path.write_text(end.join(lines) + end, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("block", [64, SMALL_BLOCK, 1 << 20])
def test_ranges_own_every_line_once(tmp_path, block):
    lines = [b"a" * (k * 37 % 300) for k in range(40)] + [b"", b"\r", b"last without newline"]
    path = tmp_path / "f.txt"
    path.write_bytes(b"\n".join(lines))
    owned = b""
    with open(path, "rb") as f:
        for start, end in workers.byte_ranges(path.stat().st_size, block):
            owned += workers._owned_lines(f, start, end)
    assert owned == path.read_bytes()


def test_output_is_the_same_whatever_the_number_of_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "BLOCK_BYTES", SMALL_BLOCK)
    src = write(tmp_path / "in.jsonl", corpus())
    config = MinhashConfig.from_settings(threshold=0.7)
    outputs = {}
    for n in (1, 2, 3):
        out = tmp_path / f"out{n}.jsonl"
        counts = dedup_jsonl(src, str(out), config, str(tmp_path / f"c{n}.parquet"), workers=n)
        outputs[n] = (out.read_bytes(), (tmp_path / f"c{n}.parquet").read_bytes(), counts)
    assert outputs[1] == outputs[2] == outputs[3]
    assert outputs[1][2]["exact_duplicate"] > 0 and outputs[1][2]["near_duplicate"] > 0


def test_crlf_lines_and_no_final_newline_with_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "BLOCK_BYTES", SMALL_BLOCK)
    lines = corpus(30)
    src = tmp_path / "in.jsonl"
    src.write_text("\r\n".join(lines), encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    dedup_jsonl(str(src), str(one), MinhashConfig(), workers=1)
    dedup_jsonl(str(src), str(two), MinhashConfig(), workers=2)
    assert one.read_bytes() == two.read_bytes()
    ids = [json.loads(x)["id"] for x in lines if x.strip()]
    assert [json.loads(x)["id"] for x in one.read_text().splitlines()] == ids


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "x", "text": ', "in.jsonl:{bad}: not valid JSON"),
        (json.dumps({"id": "d1", "text": "repeated"}), "in.jsonl:{bad}: id 'd1' already used on line 2"),
    ],
)
def test_first_error_in_input_order_whatever_the_number_of_workers(tmp_path, monkeypatch, bad, message):
    """A bad line far into the file is named by its line number; with an earlier repeated id, that one first."""
    monkeypatch.setattr(workers, "BLOCK_BYTES", SMALL_BLOCK)
    lines = corpus(40)
    lines.insert(25, bad)
    src = write(tmp_path / "in.jsonl", lines)
    for n in (1, 2):
        with pytest.raises(InputError, match=re.escape(message.format(bad=26))):
            dedup_jsonl(src, str(tmp_path / "out.jsonl"), MinhashConfig(), workers=n)
    lines.insert(30, bad.replace('"id": "x"', '"id": "y"'))
    lines.insert(29, json.dumps({"id": 0, "text": "again"}))  # a repeated id before the second bad line
    src = write(tmp_path / "in.jsonl", [x for x in lines if x != bad])
    for n in (1, 2):
        with pytest.raises(InputError, match="id 0 already used on line 1"):
            dedup_jsonl(src, str(tmp_path / "out.jsonl"), MinhashConfig(), workers=n)


@pytest.mark.parametrize("n", [0, -1, True, 1.5])
def test_workers_must_be_a_positive_integer(tmp_path, n):
    src = write(tmp_path / "in.jsonl", corpus(3))
    with pytest.raises(ConfigError, match="workers="):
        dedup_jsonl(src, str(tmp_path / "out.jsonl"), MinhashConfig(), workers=n)


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is Linux's")
def test_usable_cores_is_the_affinity():
    assert workers.usable_cores() == len(os.sched_getaffinity(0))
