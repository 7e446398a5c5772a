"""`fonderie dedup`: exact and MinHash near-duplicate clusters of a JSONL file, every record kept and annotated.

Each output line is the input record, in input order, plus `cluster_id` (the `id` of the cluster's kept document:
the same for all members, the record's own id when it is unique) and `duplicate_of` (that id for the documents a
dedup would drop, null for kept ones). A cluster keeps its first document in input order; exact duplicates (equal
after NFKC and whitespace collapsing) share a cluster too. Candidate pairs are verified by the exact Jaccard of
their shingle sets (`--verify exact`, the default), by the signatures' estimate, or not at all. The texts are never
held in memory (fonderie.dedup.jsonl, which does the work), and the per-document work runs in `--workers` processes.

With `--threshold`, LSH bands and rows are those datasketch's MinHashLSH picks for it, with (false positive, false
negative) weights that follow `--verify` (fonderie.dedup.minhash.LSH_WEIGHTS): under exact verification a false
positive only costs a verification while a false negative is a duplicate missed, so recall is favoured (0.01 /
0.99: 16 bands x 7 rows at 0.8 and 112 permutations, where datasketch's default 0.5 / 0.5 picks 9 x 12). Without
`--threshold`, 14 bands x 8 rows (FineWeb's setting), verified at their S-curve's midpoint (~0.72).
"""

from __future__ import annotations

DEFAULT_NUM_PERM = 112


def register(sub) -> None:
    p = sub.add_parser(
        "dedup",
        help="find exact and near-duplicate documents in a JSONL file (adds cluster_id, duplicate_of)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("input", help="JSONL file: one JSON object per line, with `id` (string or integer) and `text`")
    p.add_argument("-o", "--output", required=True,
                   help="JSONL file to write (every input record, in order); an existing file is replaced only if "
                   "it is an earlier output of fonderie dedup, or with --force")  # fmt: skip
    p.add_argument(
        "--threshold",
        type=float,
        help="Jaccard similarity (word 5-grams) from which documents are near duplicates; bands and rows then "
        "follow from it as datasketch's MinHashLSH chooses them, weighted for --verify: with exact verification a "
        "missed pair weighs 99x a false candidate (16 bands x 7 rows at 0.8) (default: 14 bands x 8 rows, i.e. "
        "~0.72)",
    )
    p.add_argument(
        "--num-perm",
        type=int,
        default=DEFAULT_NUM_PERM,
        help=f"MinHash permutations per signature (default: {DEFAULT_NUM_PERM})",
    )
    p.add_argument("--bands", type=int, help="LSH bands; rows = num_perm // bands (default: 14, or from --threshold)")
    p.add_argument(
        "--verify",
        choices=["exact", "estimate", "none"],
        default="exact",
        help="how candidate pairs are checked against the threshold: exact Jaccard of their shingles (reads the "
        "documents in a pair once more), the signatures' estimate, or not at all (default: exact)",
    )
    p.add_argument("--clusters", metavar="PARQUET", help="also write the clusters table (who matched whom) there")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes that parse, sign and shingle the documents (default: the cores this process may use; 1: all "
        "in one process); the output is the same whatever N",
    )
    p.add_argument("--force", action="store_true",
                   help="replace an existing --output or --clusters file that is not an earlier output (never the "
                   "input)")  # fmt: skip
    p.set_defaults(func=main)


def config_from_args(args):
    """The MinhashConfig the flags ask for; ConfigError (one line, exit status 2) when they do not describe one."""
    from fonderie.dedup.minhash import MinhashConfig
    from fonderie.errors import ConfigError

    try:
        return MinhashConfig.from_settings(args.num_perm, args.bands, args.threshold, args.verify)
    except ValueError as e:
        raise ConfigError(str(e)) from None


def main(args) -> int:
    from fonderie.dedup.jsonl import dedup_jsonl

    config = config_from_args(args)
    counts = dedup_jsonl(args.input, args.output, config, args.clusters, args.verify, args.workers, args.force)
    print(
        f"{args.output}: {counts['documents']:,} documents, {counts['kept']:,} kept; "
        f"{counts['exact_duplicate']:,} exact and {counts['near_duplicate']:,} near duplicates "
        f"in {counts['clusters']:,} clusters (threshold {config.jaccard_threshold:.2f}, "
        f"{config.bands} bands x {config.rows} rows, {args.verify} verification)"
    )
    return 0
