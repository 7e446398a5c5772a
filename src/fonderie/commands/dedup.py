"""`fonderie dedup`: exact and MinHash near-duplicate clusters of a JSONL file, every record kept and annotated.

Each output line is the input record, in input order, plus `cluster_id` (the `id` of the cluster's kept document:
the same for all members, the record's own id when it is unique) and `duplicate_of` (that id for the documents a
dedup would drop, null for kept ones). A cluster keeps its first document in input order; exact duplicates (equal
after NFKC and whitespace collapsing) share a cluster too. Candidate pairs are verified by the exact Jaccard of
their shingle sets (`--verify exact`, the default), by the signatures' estimate, or not at all. The input is read
three times (its lines counted to size the arrays, signatures, then output), four times under exact verification
(the texts of the documents in a candidate pair, in between); memory holds per document its id and
~4 * num_perm + 8 * bands + 16 bytes, plus 8 bytes per distinct shingle of each document in a candidate pair under
exact verification, never the texts.
"""

from __future__ import annotations

import functools
import json
import os
import sys


def register(sub) -> None:
    p = sub.add_parser(
        "dedup",
        help="find exact and near-duplicate documents in a JSONL file (adds cluster_id, duplicate_of)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("input", help="JSONL file: one JSON object per line, with `id` (string or integer) and `text`")
    p.add_argument("-o", "--output", required=True, help="JSONL file to write (every input record, in order)")
    p.add_argument(
        "--threshold",
        type=float,
        help="Jaccard similarity (word 5-grams) from which documents are near duplicates; bands and rows then "
        "follow from it as datasketch's MinHashLSH chooses them for --verify (default: 14 bands x 8 rows, i.e. "
        "~0.72)",
    )
    p.add_argument("--num-perm", type=int, default=112, help="MinHash permutations per signature (default: 112)")
    p.add_argument("--bands", type=int, help="LSH bands; rows = num_perm // bands (default: 14, or from --threshold)")
    p.add_argument(
        "--verify",
        choices=["exact", "estimate", "none"],
        default="exact",
        help="how candidate pairs are checked against the threshold: exact Jaccard of their shingles (reads the "
        "documents in a pair once more), the signatures' estimate, or not at all (default: exact)",
    )
    p.add_argument("--clusters", metavar="PARQUET", help="also write the clusters table (who matched whom) there")
    p.set_defaults(func=main)


def config_from_args(args):
    from fonderie.dedup.minhash import MinhashConfig

    return MinhashConfig.from_settings(args.num_perm, args.bands, args.threshold, args.verify)


def _records(path: str, bar):
    """(line number, record) of every non-blank line, with `id` and `text` checked."""
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            bar.update(len(line))
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as e:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({e})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{lineno}: a record must be a JSON object, not {type(record).__name__}")
            for key in ("id", "text"):
                if record.get(key) is None:
                    raise ValueError(f"{path}:{lineno}: record has no `{key}` (fields: {', '.join(record) or 'none'})")
            if isinstance(record["id"], bool) or not isinstance(record["id"], str | int):
                raise ValueError(f"{path}:{lineno}: `id` must be a string or an integer, not {record['id']!r}")
            if not isinstance(record["text"], str):
                raise ValueError(f"{path}:{lineno}: `text` must be a string, not {type(record['text']).__name__}")
            yield lineno, record


def _texts(path: str, wanted, size: int):
    """The texts of the records numbered `wanted` (sorted), read again from `path`."""
    from tqdm import tqdm

    with tqdm(total=size, unit="B", unit_scale=True, desc="shingles", file=sys.stderr, delay=2) as bar:
        k = 0
        for i, (_, record) in enumerate(_records(path, bar)):
            if k < len(wanted) and wanted[k] == i:
                yield record["text"]
                k += 1


def dedup_jsonl(
    input_path: str, output_path: str, config, clusters_path: str | None = None, verify: str = "exact"
) -> dict:
    """Annotates `input_path` into `output_path`; returns the counts. Raises ValueError naming a bad line."""
    import numpy as np
    from tqdm import tqdm

    from fonderie.dedup import cluster_signatures
    from fonderie.dedup.clusters import clusters_table
    from fonderie.dedup.exact import exact_hash, hashes_to_array
    from fonderie.dedup.minhash import MinHasher

    hasher = MinHasher(config)
    size = os.path.getsize(input_path)
    with open(input_path, "rb") as f:  # at most this many records: arrays are allocated once
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) + 1
    signatures = np.empty((lines, config.num_perm), dtype=np.uint32)
    exact = np.empty((lines, 2), dtype=np.uint64)
    ids, first_line, batch, chars = [], {}, [], 0

    bar = tqdm(total=size, unit="B", unit_scale=True, desc="signatures", file=sys.stderr, delay=2)
    with bar:
        for lineno, record in _records(input_path, bar):
            if record["id"] in first_line:
                raise ValueError(
                    f"{input_path}:{lineno}: id {record['id']!r} already used on line {first_line[record['id']]}"
                )
            first_line[record["id"]] = lineno
            ids.append(record["id"])
            batch.append(record["text"])
            chars += len(record["text"])
            if len(batch) >= 1000 or chars >= 4_000_000:
                done = len(ids) - len(batch)
                signatures[done : len(ids)] = hasher.signatures(batch)
                exact[done : len(ids)] = hashes_to_array([exact_hash(t) for t in batch])
                batch, chars = [], 0
    signatures[len(ids) - len(batch) : len(ids)] = hasher.signatures(batch)
    exact[len(ids) - len(batch) : len(ids)] = hashes_to_array([exact_hash(t) for t in batch])
    del first_line
    texts = functools.partial(_texts, input_path, size=size)
    clusters = cluster_signatures(signatures[: len(ids)], exact[: len(ids)], config, verify, texts)
    del signatures, exact

    root = clusters.root
    bar = tqdm(total=size, unit="B", unit_scale=True, desc="writing", file=sys.stderr, delay=2)
    with bar, open(output_path + ".tmp", "w", encoding="utf-8") as out:
        for i, (_, record) in enumerate(_records(input_path, bar)):
            record["cluster_id"] = ids[root[i]]
            record["duplicate_of"] = ids[root[i]] if root[i] != i else None
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(output_path + ".tmp", output_path)
    if clusters_path:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(clusters_table(pa.array([str(i) for i in ids]), clusters), clusters_path, compression="zstd")
    return clusters.counts()


def main(args) -> int:
    try:
        config = config_from_args(args)
        counts = dedup_jsonl(args.input, args.output, config, args.clusters, args.verify)
    except (ValueError, ImportError) as e:
        print(f"fonderie: {e}", file=sys.stderr)
        return 2
    print(
        f"{args.output}: {counts['documents']:,} documents, {counts['kept']:,} kept; "
        f"{counts['exact_duplicate']:,} exact and {counts['near_duplicate']:,} near duplicates "
        f"in {counts['clusters']:,} clusters (threshold {config.jaccard_threshold:.2f}, "
        f"{config.bands} bands x {config.rows} rows, {args.verify} verification)"
    )
    return 0
