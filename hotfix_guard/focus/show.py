"""The focused selection and its run, as text for people and as a list for scripts."""

from __future__ import annotations

import shlex

from hotfix_guard.focus.runner import JS_RUNNERS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.focus.focused import Outcome
    from hotfix_guard.focus.select import Group, Selection


def listing(selection: Selection, explain: bool) -> str:
    """One selected id (or whole test file) a line, then the runner's name filters as its
    arguments; with EXPLAIN, `# reason` lines before each group."""
    if not explain:
        return "".join(
            f"{_one_line(line)}\n" for line in [*selection.node_ids(), *_filters(selection), *_command(selection)]
        )
    lines = [f"# {line}" for line in reasons(selection)]
    if selection.whole_suite:
        lines += selection.node_ids()
    else:
        shown: set[str] = set()
        for group in selection.groups:
            lines.append(f"# {group.kind}: {group.reason}")
            if group.name_filter is not None:
                lines.append(_filter(selection.runner.name, group.name_filter))
            lines += [test for test in group.tests if test not in shown]
            shown.update(group.tests)
    return "".join(f"{_one_line(line)}\n" for line in lines)


def _command(selection: Selection) -> list[str]:
    """The test-command as it will really run (its placeholders filled in)."""
    return [shlex.join(selection.command)] if selection.command else []


def _filters(selection: Selection) -> list[str]:
    return [_filter(selection.runner.name, pattern) for pattern in selection.name_filters()]


def _filter(runner: str, pattern: str) -> str:
    from hotfix_guard.focus.jsrun import filter_arguments

    return shlex.join(filter_arguments(runner, pattern))


def reasons(selection: Selection) -> list[str]:
    runner = selection.runner
    lines = [f"runner: {runner.name} ({runner.reason})"] if runner.name != "pytest" else []
    lines += [f"command: {line}" for line in _command(selection)]
    lines += [f"map: {selection.map_line}"] if selection.map_line else []
    lines += [f"whole suite: {reason}" for reason in selection.whole_suite]
    lines += [f"note: {note}" for note in selection.notes]
    lines += [f"ignored: {ignored}" for ignored in selection.ignored]
    return lines


def header(selection: Selection) -> str:
    counted = ", counted from the source" if selection.runner.name in JS_RUNNERS else ""
    if selection.whole_suite:
        picked = f"the whole suite ({selection.total} tests{counted})"
    else:
        picked = f"{selection.count()} of {selection.total} tests{counted and f' ({counted[2:]})'}"
    lines = [f"focused tests: selected {picked} in {selection.seconds:.2f} s"]
    lines += [f"  {_one_line(line)}" for line in reasons(selection)]
    if not selection.whole_suite:
        lines += [f"  {group.kind}: {_one_line(group.reason)} ({_size(group)})" for group in selection.groups]
    return "\n".join(lines) + "\n"


def _size(group: Group) -> str:
    if group.name_filter is None:
        return str(len(group.tests))
    return f"{group.matched} more by name in the source"


def footer(outcome: Outcome) -> str:
    result = outcome.result
    if result is None:
        return "focused tests: nothing to run: no tests found\n"
    counts = f"{result.passed} passed, {result.failed} failed; " if result.passed is not None else ""
    verdict = "passed" if result.outcome == "passed" else "FAILED"
    return f"focused tests {verdict}: {counts}{result.summary} ({result.seconds:.1f} s)\n"


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")
