"""`fonderie verify TOKENS_DIR`: every token shard checked against `manifest.json`.

Recomputes each shard's sha256, size, rows, tokens and per-source counts, checks that `n_tokens` matches
`input_ids`, that ids are below the vocabulary size, that the manifest's totals are the sum of its shards, that
the tokenizer copy has the fingerprint the shards were encoded with, and that no shard file is left out.
Exit status 0 when everything matches, 1 with one line per problem (each naming its file) otherwise.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="check token shards against their manifest (checksums, rows, tokens, tokenizer fingerprint)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("tokens_dir", help="a token folder (with manifest.json) or a tokenize stage folder")
    p.set_defaults(func=main)


def main(args) -> int:
    from fonderie.tokens.files import find_tokens_dir
    from fonderie.tokens.manifest import verify_tokens

    folder = find_tokens_dir(args.tokens_dir)
    errors, checked = verify_tokens(folder)
    for error in errors:
        print(f"{folder}/{error}", file=sys.stderr)
    if errors:
        print(f"fonderie verify: {len(errors)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(
        f"{folder}: ok, {checked['shards']} shards, {checked['documents']:,} documents, {checked['tokens']:,} tokens"
    )
    return 0
