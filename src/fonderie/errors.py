"""The errors a user can cause, and nothing else: each says in one line what was wrong and where.

The CLI prints a `FonderieError` as `fonderie: <message>` (no traceback) and exits with its `exit_code`:
2 for what the user wrote (a pipeline file, a `--set`, a flag), 1 for a run that could not go on. Anything else
that escapes is a bug and keeps its traceback. The package holds no `assert` (tests/test_errors.py checks).
"""

from __future__ import annotations


class FonderieError(Exception):
    """Base class: a problem the user can fix, described in one line (file, key, value, what was expected)."""

    exit_code = 1


class ConfigError(FonderieError, ValueError):
    """A pipeline file, `--set` override, preset or flag that does not describe a valid run."""

    exit_code = 2


class InputError(FonderieError, ValueError):
    """An input that cannot be used: missing or unreadable, or not what its format or the run expects."""

    exit_code = 2


class RunStateError(FonderieError):
    """An output folder whose state does not allow this run (written with other settings, nothing to resume, a
    checkpoint from another world size): refused before any work, so a usage error."""

    exit_code = 2


class StageFailed(FonderieError, RuntimeError):
    """A task of a stage raised; the message carries the task's own error and the path of its log."""

    exit_code = 1
