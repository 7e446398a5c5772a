import json
import re

import pytest
from dedup.dedup_texts import TEXTS, annotated_corpus

from fonderie.dedup import find_duplicates
from fonderie.dedup.jsonl import dedup_jsonl
from fonderie.dedup.minhash import MinhashConfig
from fonderie.errors import InputError

LONG = [f"{t} {TEXTS[(i + 1) % len(TEXTS)]}" for i, t in enumerate(TEXTS)]


def write_lines(path, lines) -> str:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return str(path)


def reference_output(lines: list[str], cluster_ids: list, duplicate_of: list) -> str:
    """What `fonderie dedup` has always written: every record parsed, the two keys set, json.dumps-ed again."""
    out = []
    for line, cluster_id, dup in zip(lines, cluster_ids, duplicate_of, strict=True):
        record = json.loads(line)
        record["cluster_id"], record["duplicate_of"] = cluster_id, dup
        out.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(out)


def test_records_annotated_in_input_order(tmp_path):
    records = annotated_corpus()
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    src = write_lines(tmp_path / "in.jsonl", lines[:3] + [" \t"] + lines[3:])  # a blank line is not a record
    out = tmp_path / "out.jsonl"
    counts = dedup_jsonl(src, str(out), MinhashConfig(), str(tmp_path / "clusters.parquet"))
    assert counts == {"documents": 6, "kept": 4, "exact_duplicate": 1, "near_duplicate": 1, "clusters": 2}
    expected = reference_output(lines, ["b", 7, "b", 7, "d", "e"], [None, None, "b", 7, None, None])
    assert out.read_text() == expected
    assert (tmp_path / "clusters.parquet").exists() and not (tmp_path / "out.jsonl.tmp").exists()


def test_output_is_json_dumps_of_each_record_whatever_the_line_looks_like(tmp_path):
    """Lines json.dumps would not write (compact, ASCII escapes, CRLF, a BOM, keys already there, integers beyond
    64 bits, NaN) are written as json.dumps(record) with the keys; those it would write are copied as they are."""
    lines = [
        "\ufeff" + json.dumps({"id": "bom", "text": LONG[0]}, ensure_ascii=False),
        json.dumps({"id": "ascii", "text": LONG[0] + " été"}),  # \\u00e9 escapes
        json.dumps({"id": "compact", "text": LONG[0], "n": 1.5}, separators=(",", ":")),
        json.dumps({"cluster_id": "old", "id": "keys", "text": LONG[1], "duplicate_of": 3}),
        '{"id": 123456789012345678901234567890, "text": "un grand nombre", "x": NaN}',
        json.dumps({"id": "crlf", "text": LONG[1] + " à"}, ensure_ascii=False) + "\r",
        json.dumps({"id": "plain", "text": 'guillemets " et \\\\ et \t tab', "meta": {"a": [1, None]}}),
    ]
    src = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    dedup_jsonl(src, str(out), MinhashConfig())
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    cluster_ids = [r["cluster_id"] for r in rows]
    assert cluster_ids[:3] == ["bom", "bom", "bom"] and cluster_ids[4] == 123456789012345678901234567890
    records = [x.lstrip("\ufeff") for x in lines]
    duplicate_of = [c if c != json.loads(x)["id"] else None for c, x in zip(cluster_ids, records, strict=True)]
    expected = reference_output(records, cluster_ids, duplicate_of)
    assert out.read_text() == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text": "x"}, "in.jsonl:2: record has no `id` (fields: text)"),
        ({"id": "x"}, "in.jsonl:2: record has no `text` (fields: id)"),
        ('{"id": "x", "text": ', "in.jsonl:2: not valid JSON"),
        (b'{"id": "x", "text": "\xff"}', "in.jsonl:2: not valid JSON"),
        ([1, 2], "in.jsonl:2: a record must be a JSON object, not list"),
        ({"id": ["x"], "text": "t"}, "in.jsonl:2: `id` must be a string or an integer"),
        ({"id": True, "text": "t"}, "in.jsonl:2: `id` must be a string or an integer"),
        ({"id": "x", "text": 3}, "in.jsonl:2: `text` must be a string, not int"),
        ({"id": "a", "text": "t"}, "in.jsonl:2: id 'a' already used on line 1"),
    ],
)
def test_bad_record_raises_input_error_naming_file_and_line(tmp_path, line, message):
    line = line if isinstance(line, str | bytes) else json.dumps(line)
    src = write_lines(tmp_path / "in.jsonl", [json.dumps({"id": "a", "text": "t"}), line])
    with pytest.raises(InputError, match=re.escape(message)):
        dedup_jsonl(src, str(tmp_path / "out.jsonl"), MinhashConfig())
    assert not (tmp_path / "out.jsonl").exists()


def test_texts_of_candidate_pairs_are_read_again_at_their_offsets(tmp_path):
    """Exact verification reads the documents of candidate pairs by seeking to their lines: multi-byte characters
    and blank lines before them must not shift what is read (a wrong text would change the Jaccard)."""
    texts = ["ééé " * 50 + LONG[0], LONG[3], "", LONG[0] + " fin", LONG[2], "ü" * 300, LONG[3] + " encore"]
    lines = [json.dumps({"id": k, "text": t}, ensure_ascii=False) for k, t in enumerate(texts)]
    src = write_lines(tmp_path / "in.jsonl", [lines[0], "", *lines[1:]])
    out = tmp_path / "out.jsonl"
    config = MinhashConfig(bands=56, rows=2, threshold=0.5)  # every pair sharing a few shingles is a candidate
    counts = dedup_jsonl(src, str(out), config, verify="exact")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    in_memory = find_duplicates(texts, config, verify="exact")  # the same clusters, from the texts themselves
    assert [r["duplicate_of"] for r in rows] == [int(r) if r != k else None for k, r in enumerate(in_memory.root)]
    assert counts == in_memory.counts() and counts["near_duplicate"] >= 2
