"""The `fonderie` command: one subcommand per module of `fonderie.commands`."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from fonderie import __version__
from fonderie.commands import COMMANDS
from fonderie.errors import FonderieError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM (kill, timeout, Slurm's time limit)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where SIGINT raises KeyboardInterrupt: both leave by the same way, which ends the run's
    processes (pipeline.executors.owned_processes) before the command exits."""


def _raise_terminated(signum, frame):
    raise Terminated()


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
    # only the main thread may set handlers; the previous one is restored for callers that run main() in-process
    handling = threading.current_thread() is threading.main_thread()
    if handling:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return args.func(args)
    except FonderieError as e:  # the user's to fix: one message, no traceback
        print(f"fonderie: {e}", file=sys.stderr)
        return e.exit_code
    except FileNotFoundError as e:  # a path given on the command line
        print(f"fonderie: {e.filename or e}: no such file or directory", file=sys.stderr)
        return 2
    except Terminated:
        print("\nfonderie: terminated (SIGTERM); rerun the same command to resume", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("\nfonderie: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if handling:  # None: a handler set outside Python, which we cannot put back; the default is the nearest
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":
    sys.exit(main())
