"""Did-you-mean for names a user types: keys of the pipeline file, `--set` paths, list items, filter thresholds.

One wording everywhere: a close match is suggested (`did you mean char_duplicates_ratio?`); when nothing is close,
every valid name is listed, so the message alone is enough to fix the typo.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterable

from fonderie.errors import ConfigError

# difflib's default cutoff (0.6) already pairs `taks` with `tasks` and `char_duplicates_ration` with
# `char_duplicates_ratio`; lower would suggest unrelated names, which is worse than listing them all
CUTOFF = 0.6
MAX_SUGGESTIONS = 3
# names less similar than the best one by more than this are left out: `licence` suggests `license`, not also
# `slice` (similarity 0.86 against 0.67)
NEAR_BEST = 0.1


def close_names(name: str, valid: Iterable[str]) -> list[str]:
    """The valid names close to `name`, the closest first (at most MAX_SUGGESTIONS, none far behind the best)."""
    close = difflib.get_close_matches(name, sorted(set(valid)), n=MAX_SUGGESTIONS, cutoff=CUTOFF)
    if not close:
        return []
    best = difflib.SequenceMatcher(None, name, close[0]).ratio()
    return [c for c in close if difflib.SequenceMatcher(None, name, c).ratio() >= best - NEAR_BEST]


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """`did you mean X?` (or `X or Y`) for the close valid names; `expected one of a, b, c` when none is close."""
    valid = sorted(set(valid))
    if close := close_names(name, valid):
        return f"did you mean {' or '.join(close)}?"
    return f"expected one of {', '.join(valid)}" if valid else "nothing is expected here"


def parameter_names(cls: type, skip: Iterable[str] = ("self", "exclusion_writer")) -> list[str]:
    """The keyword arguments `cls(...)` takes by name, in order (its `*args`, `**kwargs` and `skip` left out)."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.kind in named and p.name not in skip]


def check_names(where: str, given: Iterable[str], cls: type, what: str = "setting") -> None:
    """Raise ConfigError naming the first of `given` that `cls` does not take, with the valid names.

    Used before a step is built from a user's mapping (quality thresholds), where Python's own TypeError
    (`__init__() got an unexpected keyword argument`) would name the class instead of the key and the fix.
    """
    valid = parameter_names(cls)
    for name in given:
        if name not in valid:
            raise ConfigError(f"{where}.{name}: no such {what}; {did_you_mean(name, valid)}")
