"""The one override parser of the package: `KEY.PATH=VALUE` items set into a mapping before it is validated.

Values are parsed as YAML (`8` is an int, `[fr, en]` a list, `true` a bool), so an override is validated by the
same typed model as the file it overrides, which also turns `3e-3` (a string to YAML 1.1) into the float it
means. In a list, an item is named by its index, its `name`, `kind` or `source`, or `*` for every item:
`--set inputs.*.path=input.txt`. Used by `fonderie run --set` on a pipeline file and by `fonderie train --set` on
the trainer's fields (`fonderie.training.settings`).
"""

from __future__ import annotations

from typing import Any

import yaml

from fonderie.config.suggest import close_names, did_you_mean
from fonderie.errors import ConfigError


def parse_value(raw: str) -> Any:
    """A YAML scalar or collection; text that is not YAML stays a string."""
    if raw == "":
        return ""
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def parse_override(item: str) -> tuple[list[str], Any]:
    """`a.b.c=value` -> (["a", "b", "c"], parsed value)."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected KEY.PATH=VALUE, e.g. --set executor.tasks=8")
    key, raw = item.split("=", 1)
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {item!r}: empty key in {key!r}")
    return key.split("."), parse_value(raw)


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Set each `a.b.c=value` item into the raw mapping (in place; also returned)."""
    for item in overrides:
        path, value = parse_override(item)
        _set(raw, path, 0, value, item)
    return raw


def _list_index(seq: list, part: str, where: str) -> int:
    if part.lstrip("-").isdigit():
        idx = int(part)
        if not -len(seq) <= idx < len(seq):
            raise ConfigError(f"--set {where}: index {idx} out of range (list has {len(seq)} items)")
        return idx
    if not seq:
        raise ConfigError(f"--set {where}: the list is empty")
    # lists of named items can be addressed by name: stages.ingest.x, inputs.web.path
    names = []
    for i, item in enumerate(seq):
        keys = [item.get(k) for k in ("name", "kind", "source")] if isinstance(item, dict) else []
        if part in keys:
            return i
        names += [k for k in keys if isinstance(k, str)]
    # an index or `*` also names an item: say so when no name is close, as the typo may be in either
    names = list(dict.fromkeys(names))
    hint = did_you_mean(part, names) if close_names(part, names) else f"items: {', '.join(names)}, 0-{len(seq) - 1}, *"
    raise ConfigError(f"--set {where}: no list item named {part!r}; {hint}")


def _set(node: Any, path: list[str], i: int, value: Any, item: str) -> None:
    part, last, where = path[i], i == len(path) - 1, ".".join(path[: i + 1])
    if isinstance(node, list):
        if part == "*":
            if not node:
                raise ConfigError(f"--set {where}: the list is empty")
            indexes = range(len(node))
        else:
            indexes = [_list_index(node, part, where)]
        for idx in indexes:
            if last:
                node[idx] = value
            else:
                _set(node[idx], path, i + 1, value, item)
    elif isinstance(node, dict):
        if last:
            node[part] = value
        else:
            _set(node.setdefault(part, {}), path, i + 1, value, item)
    else:
        raise ConfigError(f"--set {item!r}: {'.'.join(path[:i])} is a value, not a mapping")
