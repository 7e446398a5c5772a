"""The `fonderie` command: one subcommand per module of `fonderie.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

from fonderie import __version__
from fonderie.commands import COMMANDS


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
    from fonderie.config import ConfigError
    from fonderie.runner import StageFailed

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, FileNotFoundError, StageFailed) as e:
        print(f"fonderie: {e}", file=sys.stderr)
        return 1 if isinstance(e, StageFailed) else 2
    except KeyboardInterrupt:
        print("\nfonderie: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
