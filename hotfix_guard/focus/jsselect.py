"""The focused selection of a JavaScript project (jest, vitest, mocha, node's runner).

The same union as for Python (see select): the critical set, as the runner's own name
filter over the whole suite plus the test files whose path matches the pattern; the
changed test files; the impacted test files; the whole suite with the reason when a
change cannot be traced. Impacted tests come from jest's own dependency graph
(`jest --listTests --findRelatedTests FILE`), and for vitest, mocha and node from the
test files that import a changed module, directly or transitively (vitest then runs
`vitest related` on the changed modules, its own graph).
"""

from __future__ import annotations

import re

from hotfix_guard import gitrepo
from hotfix_guard.focus import discover, jsproject
from hotfix_guard.focus.select import (
    CRITICAL,
    IMPACTED,
    NOTHING_SELECTED,
    Change,
    Context,
    Group,
    Language,
    Selection,
    sort_changes,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.focus.runner import Choice

JAVASCRIPT = Language("JavaScript", jsproject.is_source, jsproject.is_suite_wide, has_conftest=False)
FILTER_FLAGS = {"jest": "-t", "vitest": "-t", "mocha": "--grep", "node": "--test-name-pattern"}


def select(context: Context, choice: Choice, tracked: list[str]) -> Selection:
    top, config = context.top, context.config
    files = jsproject.find_tests(top, tracked)
    suite = discover.Suite(top, files, (), discover.PytestOptions(), jsproject.TEST_CALL_RE)
    selection = Selection(suite, None, config.critical_pattern.pattern, choice)
    selection.total = sum(suite.count_tests(f) for f in files)
    if not files:
        return selection  # no tests to select from: the check says so
    changed = gitrepo.changed_paths(context.base_sha, context.head, context.top)
    sources = sort_changes(
        context, changed, tracked, selection, JAVASCRIPT, lambda path: jsproject.is_test_file(top, path)
    )
    selection.changed_sources = [path for status, path, _old in sources if status != "D"]
    _add_critical(selection, config.critical_pattern)
    if sources:
        _add_impacted(context, choice, sources, tracked, selection)
    if not selection.whole_suite and not selection.node_ids() and not selection.name_filters():
        selection.whole_suite.append(NOTHING_SELECTED)
    _count_filtered(selection, config.critical_pattern)
    return selection


def _count_filtered(selection: Selection, pattern: re.Pattern[str]) -> None:
    """What the name filter adds to the selected files, as a count from the source."""
    files = set(selection.node_ids())
    for group in selection.groups:
        if group.name_filter is not None:
            others = [path for path in selection.suite.files if path not in files]
            names = (name for path in others for name in jsproject.test_names(selection.suite.top, path))
            group.matched = sum(1 for name in names if pattern.search(name))


def _add_critical(selection: Selection, pattern: re.Pattern[str]) -> None:
    """The name filter, where a test or describe name in the source matches; and the test files whose path does."""
    runner = selection.runner.name
    top = selection.suite.top
    names = (name for path in selection.suite.files for name in jsproject.test_names(top, path, suites=True))
    if any(pattern.search(name) for name in names):
        reason = f"critical set: tests whose names match {pattern.pattern!r} ({runner} {FILTER_FLAGS[runner]}, over every test file)"
        selection.groups.append(Group(CRITICAL, reason, [], name_filter=pattern.pattern))
    by_path = [path for path in selection.suite.files if pattern.search(path)]
    if by_path:
        reason = f"critical set: test files whose path matches {pattern.pattern!r}"
        selection.groups.append(Group(CRITICAL, reason, by_path))


def _add_impacted(
    context: Context, choice: Choice, sources: list[Change], tracked: list[str], selection: Selection
) -> None:
    """Each changed module selects the test files that reach it; one that none reaches runs the whole suite."""
    gone = [old or path for status, path, old in sources if status == "D" or old]
    graph = jsproject.ImportGraph(context.top, [*tracked, *gone])
    chosen: list[str] = []
    traced_by = "the test files that import them (directly or transitively)"
    for status, path, old_path in sources:
        if choice.name == "jest" and status != "D":
            from hotfix_guard.focus import jsrun

            reached = jsrun.jest_related(context.top, path)
            traced_by = "jest --findRelatedTests (jest's own dependency graph)"
        else:
            reached = jsproject.tests_reaching(graph, selection.suite.files, {path, old_path or path})
        if not reached:
            selection.whole_suite.append(f"no test file imports {path}, so no test can be traced to it")
        chosen += [t for t in reached if t not in chosen]
    if choice.name != "jest":
        blind = _unresolved(graph, selection.suite.files)
        if blind:
            selection.whole_suite.append(blind)
    if chosen:
        shown = ", ".join(sorted({path for status, path, old in sources})[:3])
        if choice.name == "vitest":
            traced_by += "; `vitest related` adds what its own graph finds for them"
        selection.groups.append(Group(IMPACTED, f"tests of {shown}: {traced_by}", sorted(chosen)))


def _unresolved(graph: jsproject.ImportGraph, tests: tuple[str, ...]) -> str:
    """Why the import trace may have missed a test: a file the tests reach imports something of
    the project's own that leads to no tracked file (a computed path, built output)."""
    for test in tests:
        for path in sorted(graph.reach(test)):
            for specifier in graph.unresolved.get(path, []):
                return (
                    f"{path} imports {specifier!r}, which hotfix-guard cannot trace to a tracked file, "
                    "so a changed module may be behind it"
                )
    return ""
