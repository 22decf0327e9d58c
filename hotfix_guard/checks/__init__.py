"""The check registry: each module of this package is one check, and the single source on it.

A check module ends with `CHECK = Check(...)`: its id, the order it runs in, its one-line
summary, its default severity, the facts it needs from the change, the git hook stages
its hook runs in, its options with their defaults, and its function
`check(change, config, options) -> list[Finding]`, pure. Everything else that lists the
checks is derived from here: the config defaults and check ids (config.py), the facts
collected (collect.py), the hook ids and the pre-commit stage (hooks.py), the `check`
subcommands and `--skip` choices (commands/), and, by test, the hook ids in
.pre-commit-hooks.yaml and the README's check table. Adding a check is one module here
plus its tests.

Modules are found by listing this package, so the registry costs one directory read and
the checks' own imports; a hook that needs one check can still import only that module.
"""

from __future__ import annotations

import os

from hotfix_guard.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from hotfix_guard.config import Config
    from hotfix_guard.model import Change, Finding
    from hotfix_guard.options import RunOptions

    CheckFunction = Callable[[Change, Config, RunOptions], list[Finding]]

# The facts of a change a check can need (collect.py gathers the union, each once):
# release   the base's release version and whether the branch's version is already tagged
# files     the changed files with git's line counts
# commits   the change's commits and messages
# history   which commits came from the development line, and whether the base is an ancestor
# tests     the focused tests, selected and run; gathered last, only when nothing else blocked
# settings  the files that can hold hotfix-guard's own settings, with their text before and after, where changed
# approvals the severity start recorded, the commits' authors, the approvals and overrides noted on the commits
FACTS = ("release", "files", "commits", "history", "tests", "settings", "approvals")
# The git hook stages a check's hook can run in (pre-commit's names).
STAGES = ("pre-commit", "commit-msg", "pre-push")
# Run options (options.py) a check can honour; each becomes a flag of `check ID`.
RUN_OPTIONS = ("allow-large",)


class Check(Record):
    """What the registry knows of one check. OPTIONS maps each key of the check's config
    table to its default (the default's type is the key's type); MINIMUMS gives the
    smallest value of the whole-number keys that have one. SKIP_REASON, when set, says
    why the check has nothing to run on a change under a config (None when it has)."""

    __slots__ = (
        "id",
        "order",
        "summary",
        "severity",
        "needs",
        "stages",
        "options",
        "minimums",
        "run_options",
        "function",
        "skip_reason",
    )

    def __init__(
        self,
        *,
        id: str,
        order: int,
        summary: str,
        severity: str,
        needs: tuple[str, ...],
        stages: tuple[str, ...],
        function: CheckFunction,
        options: Mapping[str, object] | None = None,
        minimums: Mapping[str, int] | None = None,
        run_options: tuple[str, ...] = (),
        skip_reason: Callable[[Change, Config], str | None] | None = None,
    ):
        unknown = [name for name in (*needs, *stages, *run_options) if name not in (*FACTS, *STAGES, *RUN_OPTIONS)]
        if unknown:
            raise ValueError(f"check {id!r} declares unknown facts, stages or run options: {unknown}")
        self.id = id
        self.order = order
        self.summary = summary
        self.severity = severity
        self.needs = needs
        self.stages = stages
        self.options = dict(options or {})
        self.minimums = dict(minimums or {})
        self.run_options = run_options
        self.function = function
        self.skip_reason = skip_reason

    def __hash__(self) -> int:
        return hash(self.id)


_REGISTRY: dict[str, Check] | None = None


def _module_names() -> list[str]:
    here = os.path.dirname(__file__)
    return sorted(name[:-3] for name in os.listdir(here) if name.endswith(".py") and not name.startswith("_"))


def listed_ids() -> frozenset[str]:
    """The check ids, as the modules' names say them (a test holds each module's CHECK.id to
    its name): one directory read and no check imported, for a hook that only needs to
    know that its name is a check's."""
    return frozenset(name.replace("_", "-") for name in _module_names())


def registry() -> dict[str, Check]:
    """Every check by id, in the order they run and report."""
    global _REGISTRY
    if _REGISTRY is None:
        import sys

        names = _module_names()
        found = []
        for name in names:
            # __import__ rather than importlib.import_module: importing importlib (and with it
            # warnings) would cost every hook about a millisecond.
            module = f"{__name__}.{name}"
            __import__(module)
            found.append(sys.modules[module].CHECK)
        _REGISTRY = {check.id: check for check in sorted(found, key=lambda check: (check.order, check.id))}
    return _REGISTRY


def check_ids() -> tuple[str, ...]:
    return tuple(registry())


def needs_of(checks: Iterable[str]) -> frozenset[str]:
    """The facts the checks with these ids need together."""
    known = registry()
    return frozenset(fact for check in checks if check in known for fact in known[check].needs)
