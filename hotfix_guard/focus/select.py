"""The focused selection for a change: the union of

1. the critical set: tests whose id matches the configured pattern, or that carry a
   configured marker;
2. changed tests: every test in a test file the change adds or modifies;
3. impacted tests: with a coverage map of the base, the tests that ran the changed lines
   (see `impact`); without one, every test module that imports a changed module,
   directly or transitively (its conftest.py files' imports count);
4. the whole suite, with the reason, when a change cannot be mapped (conftest.py,
   packaging and pytest config, data and other non-Python files) or nothing was selected.

The runner (runner.choose) decides the language: for jest, vitest, mocha and node the same
four parts are made by jsselect, the critical set there being the runner's own name filter.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from typing import TypeAlias

from hotfix_guard import gitrepo
from hotfix_guard.flow.version_files import version_file_paths
from hotfix_guard.focus import discover, testmap
from hotfix_guard.focus.impact import Impact, SourceIndex
from hotfix_guard.focus.imports import ImportGraph
from hotfix_guard.focus.runner import JS_RUNNERS, Choice, choose

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from hotfix_guard.config import Config

CRITICAL, CHANGED, IMPACTED = "critical", "changed", "impacted"
Change: TypeAlias = "tuple[str, str, str | None]"  # (status, path, old path) of a changed file
_VERSION_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)+")  # 1.2.3, and 0.5 (so a constant is not taken for a bump)


class Group:
    """Tests selected for one reason: node ids, or file paths (every test in the file); or,
    with NAME_FILTER, the tests of the whole suite whose names match it (the runner filters)."""

    __slots__ = ("kind", "reason", "tests", "name_filter", "matched")

    def __init__(self, kind: str, reason: str, tests: list[str], name_filter: str | None = None, matched: int = 0):
        self.kind = kind
        self.reason = reason
        self.tests = tests
        self.name_filter = name_filter
        self.matched = matched  # with a name filter: the test names in the source that match it


class Selection:
    __slots__ = (
        "groups",
        "whole_suite",
        "notes",
        "ignored",
        "suite",
        "map",
        "total",
        "seconds",
        "pattern",
        "changed_tests",
        "changed_sources",
        "runner",
        "unrunnable",
        "map_line",
        "command",
    )

    def __init__(
        self, suite: discover.Suite, test_map: testmap.TestMap | None, pattern: str, runner: Choice | None = None
    ):
        self.runner = runner or Choice("pytest", "the default")
        self.suite = suite
        self.map = test_map
        self.pattern = pattern
        self.groups: list[Group] = []
        self.whole_suite: list[str] = []  # why the whole suite runs; empty when it does not
        self.notes: list[str] = []
        self.ignored: list[str] = []
        self.changed_tests: list[str] = []
        self.changed_sources: list[str] = []  # changed files that are not tests, still in the head
        self.unrunnable = ""  # why tests that exist cannot be run (an npm runner hotfix-guard does not know)
        self.map_line = ""  # which map the selection used, or why none and how to build one
        self.command: list[str] = []  # runner "command": the test-command as it will run
        self.total = 0
        self.seconds = 0.0

    def node_ids(self) -> list[str]:
        """What to give pytest: whole files first, then the ids no selected file holds."""
        if self.whole_suite:
            return list(self.suite.files)
        files = sorted({t for g in self.groups if g.name_filter is None for t in g.tests if "::" not in t})
        ids = sorted({t for g in self.groups for t in g.tests if "::" in t and t.split("::")[0] not in files})
        return files + ids

    def name_filters(self) -> list[str]:
        """The critical set's name patterns, which the runner applies to the whole suite."""
        return [] if self.whole_suite else [g.name_filter for g in self.groups if g.name_filter is not None]

    def count(self) -> int:
        """How many tests the selection runs (test functions when counted without a map)."""
        if self.whole_suite:
            return self.total
        selected = self.node_ids()
        if self.map is not None:
            in_map = set(self.map.tests_under(selected))
            unmapped = [t for t in selected if "::" not in t and not any(m.startswith(t + "::") for m in in_map)]
            return len(in_map) + sum(self.suite.count_tests(t) for t in unmapped)
        files = [t for t in selected if "::" not in t]
        filtered = sum(g.matched for g in self.groups if g.name_filter is not None)
        return sum(self.suite.count_tests(t) for t in files) + len(selected) - len(files) + filtered


class Context:
    """The repository facts a selection needs."""

    __slots__ = ("top", "git_dir", "base_sha", "head", "config")

    def __init__(self, top: str, git_dir: str, base_sha: str, head: str, config: Config):
        self.top = top
        self.git_dir = git_dir
        self.base_sha = base_sha
        self.head = head
        self.config = config


def select(context: Context) -> Selection:
    started = time.perf_counter()
    choice = choose(context.config, context.top)
    tracked = gitrepo.tracked_files(context.top)
    if choice.name in JS_RUNNERS:
        from hotfix_guard.focus import jsselect

        selection = jsselect.select(context, choice, tracked)
    else:
        selection = _select_python(context, choice, tracked)
    selection.seconds = time.perf_counter() - started
    return selection


def _select_python(context: Context, choice: Choice, tracked: list[str]) -> Selection:
    config = context.config
    command = choice.name == "command"
    suite = discover.find_suite(context.top, tracked)
    test_map, no_map = testmap.load_or_why(context.git_dir, context.base_sha)
    selection = Selection(suite, test_map, config.critical_pattern.pattern, choice)
    if not suite.files and not command:
        _find_unrunnable(context.top, tracked, selection)
        return selection  # no tests to select from: the check says so
    if not command:
        selection.map_line = (
            test_map.describe(context.base_sha)
            if test_map is not None
            else f"{no_map}: {testmap.build_offer(context.git_dir)}"
        )
    changed = gitrepo.changed_paths(context.base_sha, context.head, context.top)
    if command:
        _sort_for_command(context, changed, tracked, selection)
    else:
        sources = sort_changes(context, changed, tracked, selection, PYTHON)
        _add_critical(selection, config)
        _add_impacted(context, sources, [f for f in tracked if f.endswith(".py")], selection)
        _add_doctests(context, sources, selection)
        if not selection.whole_suite and not selection.node_ids():
            selection.whole_suite.append(NOTHING_SELECTED)
    selection.total = len(test_map.tests) if test_map is not None else sum(suite.count_tests(f) for f in suite.files)
    return selection


NOTHING_SELECTED = "nothing was selected, and an empty selection is never a pass"


def _find_unrunnable(top: str, tracked: list[str], selection: Selection) -> None:
    """An npm project whose runner hotfix-guard does not know (tape, ava...) has tests all the
    same: say that they cannot be run, rather than that there are none."""
    if selection.runner.reason == "[focused-tests] runner" or "package.json" not in tracked:
        return
    from hotfix_guard.focus import jsproject

    found = jsproject.find_tests(top, tracked)
    if found:
        selection.unrunnable = (
            f"{len(found)} JavaScript test file{'s' if len(found) != 1 else ''} and no runner to run them "
            f"({selection.runner.reason}): set [focused-tests] runner (jest, vitest, mocha, node) or test-command"
        )
        selection.notes.append(selection.unrunnable)


class Language:
    """What sorting the changes needs to know of the suite's language."""

    __slots__ = ("name", "is_source", "is_suite_wide", "has_conftest")

    def __init__(
        self, name: str, is_source: Callable[[str], bool], is_suite_wide: Callable[[str], bool], has_conftest: bool
    ):
        self.name = name
        self.is_source = is_source
        self.is_suite_wide = is_suite_wide
        self.has_conftest = has_conftest


PYTHON = Language(
    "Python",
    lambda path: path.endswith(".py"),
    lambda path: os.path.basename(path) in discover.SUITE_WIDE_FILES and "/" not in path,
    has_conftest=True,
)


def _sort_for_command(context: Context, changed: tuple[Change, ...], tracked: list[str], selection: Selection) -> None:
    """The test-command's {files} (changed test files) and {sources} (the other changed files,
    but for those [focused-tests] ignore matches: no test reads them), and the command they make."""
    from hotfix_guard.focus import run

    config, suite = context.config, selection.suite
    beside_tests = _test_directories(suite) | {os.path.dirname(f) for f in tracked if _is_any_test_file(f, suite)}
    packages = {os.path.dirname(f) for f in tracked if os.path.basename(f) == "__init__.py"}
    for status, path, _old_path in changed:
        if status == "D":
            continue
        if _is_any_test_file(path, suite):
            selection.changed_tests.append(path)
        elif _is_ignorable(path, config.test_ignore, beside_tests, packages):
            selection.ignored.append(f"{path} (matches [focused-tests] ignore)")
        else:
            selection.changed_sources.append(path)
    if selection.changed_tests:
        selection.groups.append(Group(CHANGED, "test files the change adds or modifies", list(selection.changed_tests)))
    template = config.test_command
    selection.command = run.expand_command(
        template, selection.pattern, selection.changed_tests, selection.changed_sources
    )
    if selection.changed_tests and "{files}" not in template:
        shown = ", ".join(selection.changed_tests[:3]) + (" ..." if len(selection.changed_tests) > 3 else "")
        if "{pattern}" in template or "{sources}" in template:
            selection.unrunnable = (
                f"test-command has no {{files}}, so the changed test files ({shown}) would not be run: "
                "add {files} to test-command, or set [focused-tests] runner (jest, vitest, mocha, node), "
                "which runs both the critical set and the changed files"
            )
            selection.notes.append(selection.unrunnable)
        else:
            selection.notes.append(
                f"test-command has no placeholder: it runs the same tests whatever the change; "
                f"whether they include the changed test files ({shown}) is up to it"
            )


def sort_changes(
    context: Context,
    changed: tuple[Change, ...],
    tracked: list[str],
    selection: Selection,
    language: Language,
    is_test: Callable[[str], bool] | None = None,
) -> list[Change]:
    """File each changed path under a group, the whole suite, or ignored; return the sources
    (files in LANGUAGE that are not tests), which the import graph or the runner traces."""
    config = context.config
    suite = selection.suite
    is_test = is_test or suite.is_test_file
    sources = []
    beside_tests = _test_directories(suite)
    packages = {os.path.dirname(f) for f in tracked if os.path.basename(f) == "__init__.py"}
    version_files = version_file_paths(config.version_files)  # `path:regex` entries by their path
    for status, path, old_path in changed:
        name = os.path.basename(path)
        if is_test(path):
            if status != "D":
                selection.changed_tests.append(path)
        elif language.has_conftest and (
            name == "conftest.py" or (old_path and os.path.basename(old_path) == "conftest.py")
        ):
            for conftest in {path, old_path or path}:  # a moved conftest.py leaves its old tests without it
                _add_conftest(conftest, selection)
        elif path in version_files and _is_version_bump(context, path, old_path):
            selection.ignored.append(f"{path} (only its version changed)")
        elif language.is_suite_wide(path):
            selection.whole_suite.append(f"{path} changed: packaging and test configuration reach every test")
        elif _is_ignorable(path, config.test_ignore, beside_tests, packages):
            selection.ignored.append(f"{path} (matches [focused-tests] ignore)")
        elif language.is_source(path):
            sources.append((status, path, old_path))
        else:
            selection.whole_suite.append(
                f"{path} changed: not {language.name}, so no test can be traced to it "
                "(a data, fixture or build file the tests may read)"
            )
    if selection.changed_tests:
        selection.groups.append(Group(CHANGED, "test files the change adds or modifies", list(selection.changed_tests)))
    return sources


def _is_any_test_file(path: str, suite: discover.Suite) -> bool:
    """A test file of any runner: the test-command's runner is unknown."""
    from hotfix_guard.focus import jsproject

    name = os.path.basename(path)
    return (
        any(fnmatch.fnmatch(name, p) for p in suite.options.python_files)
        or jsproject.is_named_like_a_test(path)
        or "/__tests__/" in f"/{path}"
    )


def _test_directories(suite: discover.Suite) -> set[str]:
    return {os.path.dirname(f) for f in suite.files} | {os.path.normpath(p) for p in suite.options.testpaths}


def _is_ignorable(path: str, patterns: tuple[str, ...], beside_tests: set[str], packages: set[str]) -> bool:
    """Documentation no test reads: matches IGNORE, and is neither beside the tests nor
    inside a Python package (where it may be package data the code reads)."""
    if _is_beside(path, beside_tests) or _is_beside(path, packages):
        return False
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(path, p) or ("/" not in p and fnmatch.fnmatch(name, p)) for p in patterns)


def _is_beside(path: str, directories: set[str]) -> bool:
    """Whether PATH sits in (or below) a directory holding tests: a data file they may read."""
    directory = os.path.dirname(path)
    return any(directory == d or (d and directory.startswith(d + "/")) for d in directories)


def _add_conftest(path: str, selection: Selection) -> None:
    directory = os.path.dirname(path)
    below = [f for f in selection.suite.files if not directory or f.startswith(directory + "/")]
    if len(below) == len(selection.suite.files):
        selection.whole_suite.append(f"{path} changed: its fixtures and hooks reach every test")
    elif below:
        selection.groups.append(
            Group(IMPACTED, f"{path} changed: its fixtures and hooks reach every test below it", below)
        )


def _is_version_bump(context: Context, path: str, old_path: str | None) -> bool:
    """Whether the change to PATH only rewrites version numbers (the bump `start` makes)."""
    lines = gitrepo.line_changes(context.base_sha, context.head, [p for p in (old_path, path) if p], context.top)
    if not lines.removed or len(lines.removed) != len(lines.added):
        return False
    bumps: set[tuple[str, str]] = set()
    for removed, added in zip(lines.removed, lines.added, strict=True):
        old_numbers, new_numbers = _VERSION_TEXT.findall(removed), _VERSION_TEXT.findall(added)
        if _VERSION_TEXT.sub("", removed) != _VERSION_TEXT.sub("", added) or len(old_numbers) != len(new_numbers):
            return False
        bumps.update((old, new) for old, new in zip(old_numbers, new_numbers, strict=True) if old != new)
    # One version, moved forward: not a constant (0.5 -> 5.0), nor a dependency pin moved back.
    return len(bumps) == 1 and _is_forward(*bumps.pop())


def _is_forward(old: str, new: str) -> bool:
    old_parts, new_parts = [int(p) for p in old.split(".")], [int(p) for p in new.split(".")]
    return len(old_parts) >= 3 and len(old_parts) == len(new_parts) and new_parts > old_parts


def _add_critical(selection: Selection, config: Config) -> None:
    found = discover.critical_tests(selection.suite, config.critical_pattern, config.test_markers)
    if found:
        markers = f" or marked {', '.join(sorted(config.test_markers))}" if config.test_markers else ""
        reason = f"critical set: test ids matching {config.critical_pattern.pattern!r}{markers}"
        selection.groups.append(Group(CRITICAL, reason, found))


def _add_doctests(context: Context, sources: list[Change], selection: Selection) -> None:
    """With --doctest-modules, a changed module's own doctests are tests of it too."""
    options = (*selection.suite.options.addopts, *context.config.pytest_args)
    if "--doctest-modules" in options:
        modules = [path for status, path, old in sources if status != "D"]
        if modules:
            selection.groups.append(Group(CHANGED, "doctests of the changed modules (--doctest-modules)", modules))


def _add_impacted(context: Context, sources: list[Change], python_files: list[str], selection: Selection) -> None:
    if not sources:
        return
    test_map = selection.map
    unmapped = sources
    if test_map is not None:
        unmapped = _add_from_map(context, sources, test_map, selection)
    elif selection.suite.files:
        selection.notes.append("no test map for this base: impacted tests come from the import graph")
    if unmapped:
        _add_from_imports(context, unmapped, python_files, selection)


def _add_from_map(
    context: Context, sources: list[Change], test_map: testmap.TestMap, selection: Selection
) -> list[Change]:
    """Select through the map; return the changes it cannot speak for (files new since the base, or never run).

    Each file must reach some test on its own: one that reaches none runs the whole suite.
    """
    base_paths = {old or path for status, path, old in sources}

    def read_base(path: str) -> bytes | None:
        if path in base_paths:
            return gitrepo.file_at(context.base_sha, path, context.top)
        return discover.read_bytes(context.top, path)

    index = SourceIndex(read_base)
    unmapped, bits = [], 0
    for status, path, old_path in sources:
        base_path = old_path or path
        if status == "A" or not test_map.knows(base_path):
            unmapped.append((status, path, old_path))
            continue
        lines = gitrepo.line_changes(context.base_sha, context.head, [p for p in (old_path, path) if p], context.top)
        impact = Impact(test_map, index)
        impact.add_lines(base_path, lines.base_lines)
        if status != "D":
            impact.add_new_lines(path, base_path, discover.read_bytes(context.top, path), lines.head_lines)
        file_bits = impact.bits | impact.whole_file_bits()
        if impact.whole_files:
            selection.notes.append(
                f"{base_path}: a changed statement binds no name; every test that ran it is selected, "
                "with the tests of what it changes (or of every name the module binds)"
            )
        if not file_bits:
            selection.whole_suite.append(f"no test in the coverage map runs the changed code of {base_path}")
        bits |= file_bits
    chosen = test_map.selected(bits)
    if "" in chosen:
        selection.whole_suite.append("the changed code runs in a session-wide fixture, which every test shares")
    elif chosen:
        reason = f"tests that ran the changed lines (coverage map of {context.base_sha[:12]})"
        selection.groups.append(Group(IMPACTED, reason, chosen))
    return unmapped


def _add_from_imports(context: Context, sources: list[Change], python_files: list[str], selection: Selection) -> None:
    """Each changed file selects the test modules that import it; one that none imports runs the whole suite."""
    suite = selection.suite
    gone = [old or path for status, path, old in sources if status == "D" or old]
    graph = ImportGraph(context.top, python_files, gone)
    chosen: set[str] = set()
    for _status, path, old_path in sources:
        targets = {path, old_path or path}
        reached = [t for t in suite.files if graph.reaches([t, *suite.conftests_of(t)], targets)]
        if not reached:
            selection.whole_suite.append(f"no test module imports {path}, so no test can be traced to it")
        chosen.update(reached)
    if chosen:
        shown = ", ".join(sorted({path for status, path, old in sources})[:3])
        reason = f"test modules that import {shown} (directly, transitively, or through conftest.py)"
        selection.groups.append(Group(IMPACTED, reason, sorted(chosen)))
