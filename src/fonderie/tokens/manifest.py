"""`manifest.json` of a token folder: built by the manifest phase from what the tasks wrote, checked by
`fonderie verify`.

    {
      "format": "fonderie.tokens/1",
      "tokenizer": {"sha256", "file": "tokenizer/tokenizer.json", "vocab_size", "eos_id", "eos_token", "source"},
      "dtype": "uint16",                       # of input_ids; uint32 past 65,536 tokens
      "columns": {"id": "string", "source": "string", "input_ids": "list<uint16>", "n_tokens": "int64"},
      "settings": {"val_fraction", "shuffle_seed", "shard_tokens", "row_group_tokens"},
      "encoder": {"fast": true, "hf_fallback_documents": 0},
      "totals": {"shards", "documents", "tokens", "bytes"},
      "splits": {"train": {"shards", "documents", "tokens", "bytes",
                           "sources": {"<source>": {"documents", "tokens"}}}, "val": {...}},
      "shards": [{"path": "train/shard-00000-00000.parquet", "split", "rows", "tokens", "bytes", "sha256",
                  "sources": {"<source>": {"documents", "tokens"}}}]     # sorted by path
    }

`tokens` count every id, EOS included; `bytes` are file sizes. Totals are sums over the shards, which is what
`verify_tokens` recomputes from the files themselves.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fonderie.tokens.files import MANIFEST_FILE, SPLITS, TOKENIZER_DIR, file_sha256, token_schema

FORMAT = "fonderie.tokens/1"


def _add_sources(into: dict, sources: dict) -> None:
    for name, counts in sources.items():
        total = into.setdefault(name, {"documents": 0, "tokens": 0})
        total["documents"] += counts["documents"]
        total["tokens"] += counts["tokens"]


def totals(shards: list[dict]) -> tuple[dict, dict]:
    """(totals, splits) summed over shard records."""
    splits = {s: {"shards": 0, "documents": 0, "tokens": 0, "bytes": 0, "sources": {}} for s in SPLITS}
    for shard in shards:
        split = splits[shard["split"]]
        split["shards"] += 1
        split["documents"] += shard["rows"]
        split["tokens"] += shard["tokens"]
        split["bytes"] += shard["bytes"]
        _add_sources(split["sources"], shard["sources"])
    for split in splits.values():
        split["sources"] = dict(sorted(split["sources"].items()))
    overall = {k: sum(s[k] for s in splits.values()) for k in ("shards", "documents", "tokens", "bytes")}
    return overall, splits


def build_manifest(parts: list[dict], tokenizer: dict, settings: dict) -> dict:
    """The manifest from the `.parts/*.json` of the tasks (each: tokenizer fingerprint, dtype, shard records)."""
    fingerprints = {p["tokenizer_sha256"] for p in parts}
    if fingerprints != {tokenizer["sha256"]}:
        raise RuntimeError(f"tasks used tokenizer(s) {sorted(fingerprints)}, not {tokenizer['sha256']}")
    dtype = parts[0]["dtype"] if parts else "uint16"
    shards = sorted((s for p in parts for s in p["shards"]), key=lambda s: s["path"])
    overall, splits = totals(shards)
    return {
        "format": FORMAT,
        "tokenizer": tokenizer,
        "dtype": dtype,
        "columns": {f.name: str(f.type) for f in token_schema(dtype)},
        "settings": settings,
        "encoder": {
            "fast": all(p.get("fast_encoder", False) for p in parts),
            "hf_fallback_documents": sum(p.get("hf_fallback_documents", 0) for p in parts),
        },
        "totals": overall,
        "splits": splits,
        "shards": shards,
    }


def read_manifest(tokens_dir: str | Path) -> dict:
    return json.loads(Path(tokens_dir, MANIFEST_FILE).read_text(encoding="utf-8"))


def _shard_contents(path: Path, dtype: str, vocab_size: int) -> tuple[dict, list[str]]:
    """Rows, tokens and per-source counts read from a shard, and what is wrong inside it."""
    problems = []
    shard = pq.ParquetFile(path)
    expected = token_schema(dtype).field("input_ids").type
    if shard.schema_arrow.field("input_ids").type != expected:
        problems.append(f"input_ids is {shard.schema_arrow.field('input_ids').type}, not {expected}")
    found = {"rows": shard.metadata.num_rows, "tokens": 0, "sources": {}}
    for i in range(shard.num_row_groups):
        group = shard.read_row_group(i, columns=["source", "input_ids", "n_tokens"])
        lengths = pc.list_value_length(group.column("input_ids"))
        if not pc.all(pc.equal(lengths, group.column("n_tokens"))).as_py():
            problems.append(f"row group {i}: n_tokens differs from the length of input_ids")
        found["tokens"] += int(pc.sum(lengths).as_py() or 0)
        flat = pc.list_flatten(group.column("input_ids"))
        if len(flat) and int(np.max(flat.to_numpy(zero_copy_only=False))) >= vocab_size:
            problems.append(f"row group {i}: a token id is >= the vocabulary size {vocab_size}")
        table = pa.table({"source": group.column("source"), "n": lengths})
        for row in table.group_by("source").aggregate([("n", "sum"), ("n", "count")]).to_pylist():
            _add_sources(found["sources"], {row["source"]: {"documents": row["n_count"], "tokens": row["n_sum"]}})
    found["sources"] = dict(sorted(found["sources"].items()))
    return found, problems


def verify_tokens(tokens_dir: str | Path) -> tuple[list[str], dict]:
    """Every shard against the manifest (size, sha256, rows, tokens, per-source counts, dtype, ids below the
    vocabulary size), the manifest's totals against its shards, the tokenizer copy against its fingerprint, and
    no shard file left out. Returns (errors, each naming its file; what was checked)."""
    tokens_dir = Path(tokens_dir)
    manifest = read_manifest(tokens_dir)
    errors = []
    if manifest.get("format") != FORMAT:
        errors.append(f"{MANIFEST_FILE}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    tokenizer = tokens_dir / TOKENIZER_DIR / "tokenizer.json"
    if not tokenizer.is_file():
        errors.append(f"{TOKENIZER_DIR}/tokenizer.json: missing")
    elif (sha := file_sha256(tokenizer)) != manifest["tokenizer"]["sha256"]:
        errors.append(f"{TOKENIZER_DIR}/tokenizer.json: sha256 {sha} is not the manifest's tokenizer fingerprint")
    vocab_size, dtype = manifest["tokenizer"]["vocab_size"], manifest["dtype"]
    for record in manifest["shards"]:
        name, path = record["path"], tokens_dir / record["path"]
        if not path.is_file():
            errors.append(f"{name}: missing")
            continue
        if (size := path.stat().st_size) != record["bytes"]:
            errors.append(f"{name}: {size:,} bytes, the manifest says {record['bytes']:,}")
        if (sha := file_sha256(path)) != record["sha256"]:
            errors.append(f"{name}: sha256 {sha} differs from the manifest's {record['sha256']}")
        try:
            found, problems = _shard_contents(path, dtype, vocab_size)
        except (pa.ArrowException, OSError, KeyError) as e:
            errors.append(f"{name}: unreadable as a token shard ({e})")
            continue
        errors += [f"{name}: {p}" for p in problems]
        for key in ("rows", "tokens", "sources"):
            if found[key] != record[key]:
                errors.append(f"{name}: {key} {found[key]} in the file, {record[key]} in the manifest")
    overall, splits = totals(manifest["shards"])
    if overall != manifest["totals"]:
        errors.append(f"{MANIFEST_FILE}: totals {manifest['totals']} are not the sum of its shards {overall}")
    if splits != manifest["splits"]:
        errors.append(f"{MANIFEST_FILE}: per-split totals are not the sum of its shards")
    listed = {r["path"] for r in manifest["shards"]}
    for split in SPLITS:
        for path in sorted((tokens_dir / split).glob("*.parquet")):
            if f"{split}/{path.name}" not in listed:
                errors.append(f"{split}/{path.name}: a shard file that the manifest does not list")
    return errors, {"shards": len(manifest["shards"]), **{k: manifest["totals"][k] for k in ("documents", "tokens")}}
