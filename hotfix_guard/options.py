"""Run options: how a run treats its checks, from the command's flags and the environment.

Built once per run by `run_options` and handed, unchanged, to whatever runs checks
(validate, check, the hooks, the push guard, finish's preflight, status, review, notify),
so that `HOTFIX_GUARD_ALLOW_LARGE=1` means the same everywhere. `Config` holds only what
the config file says and is never changed after loading.

A slotted class rather than a frozen dataclass, like model.py: the hooks build one on
every commit, and `dataclasses` pulls in `inspect`.
"""

from __future__ import annotations

import os

from hotfix_guard.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

ALLOW_LARGE_VARIABLE = "HOTFIX_GUARD_ALLOW_LARGE"
_TRUE = ("1", "true", "yes")


class RunOptions(Record):
    """allow_large: accept a change over the file limit; strict: warnings fail the run too;
    skip: ids of checks not to run. Immutable: derive a new value with `allowing_large`."""

    __slots__ = ("allow_large", "strict", "skip")
    allow_large: bool
    strict: bool
    skip: tuple[str, ...]

    def __init__(self, allow_large: bool = False, strict: bool = False, skip: tuple[str, ...] = ()):
        object.__setattr__(self, "allow_large", allow_large)
        object.__setattr__(self, "strict", strict)
        object.__setattr__(self, "skip", skip)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"RunOptions is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"RunOptions is immutable; cannot delete {name!r}")

    def allowing_large(self) -> RunOptions:
        """The same options, with the file limit accepted (the interactive prompt said yes)."""
        return RunOptions(True, self.strict, self.skip)


NO_OPTIONS = RunOptions()


def run_options(
    *,
    allow_large: bool = False,
    strict: bool = False,
    skip: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> RunOptions:
    """The options of this run: the command's flags, plus HOTFIX_GUARD_ALLOW_LARGE=1 (or true, yes)."""
    environment = os.environ if environ is None else environ
    from_environment = environment.get(ALLOW_LARGE_VARIABLE, "").strip().lower() in _TRUE
    return RunOptions(allow_large or from_environment, strict, tuple(dict.fromkeys(skip)))
