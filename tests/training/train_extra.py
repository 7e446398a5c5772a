"""Child Pythons that can import only what the `train` extra installs, as on a GPU machine set up for training.

`env_with_only_the_train_extra(folder)` is an environment for `subprocess.run` (inherited by the child's own
children) in which every package installed here but outside the extra's dependency closure is unimportable: a
`sitecustomize.py` put first on PYTHONPATH wraps the `sys.meta_path` finders so that they find none of them, as if
they were not installed (an optional import, `try: import pandas` or `find_spec`, takes its fallback as it would
there).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# the pipeline's own dependencies: the extra must never need them (checked, whatever is installed)
PIPELINE_ONLY = frozenset({"datatrove", "polars", "pydantic", "pandas"})

_SITECUSTOMIZE = '''\
"""Written by tests/training/train_extra.py: these top-level packages look not installed in this process."""
import os
import sys

_HIDDEN = frozenset(os.environ.get("FONDERIE_TESTS_UNIMPORTABLE", "").split(","))


class _Hiding:
    """A finder of sys.meta_path that finds nothing of the hidden packages: `import pandas` raises
    ModuleNotFoundError and importlib.util.find_spec("pandas") is None, as where pandas is not installed."""

    def __init__(self, finder):
        self._finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in _HIDDEN:
            return None
        return self._finder.find_spec(name, path, target)

    def __getattr__(self, name):  # invalidate_caches, find_distributions...
        return getattr(self._finder, name)


sys.meta_path[:] = [_Hiding(f) if hasattr(f, "find_spec") else f for f in sys.meta_path]
'''


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)).lower()


def train_extra() -> list[str]:
    """The requirements of pyproject.toml's `train` extra (on Python 3.10, as installed: no tomllib there)."""
    try:
        import tomllib
    except ModuleNotFoundError:
        requires = importlib.metadata.requires("fonderie") or []
        return [r.partition(";")[0] for r in requires if re.search(r"extra\s*==\s*['\"]train['\"]", r)]
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["train"]


def closure(requirements: Iterable[str]) -> set[str]:
    """The installed distributions these requirements pull in, their own requirements included (not extras')."""
    seen, todo = set(), [_name(r) for r in requirements]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:  # a platform's dependency not installed here
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r.partition(";")[2].replace("extra==", "extra ==")]
    return seen


def outside(distributions: set[str]) -> set[str]:
    """The top-level modules of installed distributions other than these (and fonderie), none of theirs."""
    kept, other = set(), set()
    for module, dists in importlib.metadata.packages_distributions().items():
        names = {_name(d) for d in dists}
        (kept if names & (distributions | {"fonderie"}) else other).add(module)
    return other - kept - set(sys.stdlib_module_names)


def env_without(modules: Iterable[str], folder: Path) -> dict[str, str]:
    """os.environ for a child Python, and its children, in which these top-level packages cannot be imported."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "FONDERIE_TESTS_UNIMPORTABLE": ",".join(sorted(modules))}


def env_with_only_the_train_extra(folder: Path) -> dict[str, str]:
    """An environment where only the `train` extra's dependency closure (and the standard library) imports."""
    requirements = train_extra()
    assert requirements, "no `train` extra in fonderie's metadata: reinstall it (pip install -e .)"
    allowed = closure(requirements)
    assert not PIPELINE_ONLY & allowed, f"the train extra pulls in {sorted(PIPELINE_ONLY & allowed)}"
    return env_without(outside(allowed) | PIPELINE_ONLY, folder)
