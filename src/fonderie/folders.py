"""Whose folder is it: a command writes into a new folder, an empty one, or its own earlier output, and into a
folder of the user's only when told to (`--force`), where it then writes or replaces its own files only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fonderie.errors import RunStateError

SHOWN = 3  # entries of a refused folder named in the message


def listing(names: list[str]) -> str:
    """`a, b, c, ...`: the first entries of a folder, enough to recognise it."""
    return ", ".join(names[:SHOWN]) + (", ..." if len(names) > SHOWN else "")


def refuse_foreign(path: Path, *, ours: Callable[[Path], bool], force: bool, holds: str, instead: str) -> None:
    """RunStateError when `path` is a file, or a non-empty folder that `ours` does not recognise and `force` does
    not allow; `holds` names what an earlier output holds ("no run (no run config.json)"), `instead` what to do."""
    if path.exists() and not path.is_dir():
        raise RunStateError(f"{path} is a file, not a folder")
    if force or not path.is_dir() or ours(path):
        return
    if names := sorted(p.name for p in path.iterdir()):
        raise RunStateError(f"{path} is not empty ({listing(names)}) and holds {holds}: {instead}")
