"""The `fonderie` command: one subcommand per module of `fonderie.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

from fonderie import __version__
from fonderie.commands import COMMANDS
from fonderie.errors import FonderieError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fonderie",
        description="From raw text to a clean, deduplicated, tokenized, published training corpus.",
    )
    parser.add_argument("--version", action="version", version=f"fonderie {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"fonderie.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FonderieError as e:  # the user's to fix: one message, no traceback
        print(f"fonderie: {e}", file=sys.stderr)
        return e.exit_code
    except FileNotFoundError as e:  # a path given on the command line
        print(f"fonderie: {e.filename or e}: no such file or directory", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nfonderie: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
