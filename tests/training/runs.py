"""A run trained from `--set`-style items, as `fonderie train` does it: the tests' way to start one in-process."""

from __future__ import annotations

from fonderie.training.pretrain import pretrain
from fonderie.training.settings import RunSettings


def train(tokens, out, sets: list[str], resume: bool = False, **flags) -> dict:
    """`flags`: pretrain's force and allow_schedule_change."""
    return pretrain(tokens, out, RunSettings.from_overrides(list(sets)), resume=resume, **flags)
