"""The focused selection and its run, as text for people and as a list for scripts."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.focus.focused import Outcome
    from hotfix_guard.focus.select import Selection


def listing(selection: Selection, explain: bool) -> str:
    """One selected id (or whole test file) a line; with EXPLAIN, `# reason` lines before each group."""
    if not explain:
        return "".join(f"{test}\n" for test in selection.node_ids())
    lines = [f"# {line}" for line in reasons(selection)]
    if selection.whole_suite:
        lines += selection.node_ids()
    else:
        shown: set[str] = set()
        for group in selection.groups:
            lines.append(f"# {group.kind}: {group.reason}")
            lines += [test for test in group.tests if test not in shown]
            shown.update(group.tests)
    return "".join(f"{_one_line(line)}\n" for line in lines)


def reasons(selection: Selection) -> list[str]:
    lines = [f"map: {selection.map_line}"] if selection.map_line else []
    lines += [f"whole suite: {reason}" for reason in selection.whole_suite]
    lines += [f"note: {note}" for note in selection.notes]
    lines += [f"ignored: {ignored}" for ignored in selection.ignored]
    return lines


def header(selection: Selection) -> str:
    if selection.whole_suite:
        picked = f"the whole suite ({selection.total} tests)"
    else:
        picked = f"{selection.count()} of {selection.total} tests"
    lines = [f"focused tests: selected {picked} in {selection.seconds:.2f} s"]
    lines += [f"  {_one_line(line)}" for line in reasons(selection)]
    if not selection.whole_suite:
        lines += [f"  {group.kind}: {_one_line(group.reason)} ({len(group.tests)})" for group in selection.groups]
    return "\n".join(lines) + "\n"


def footer(outcome: Outcome) -> str:
    result = outcome.result
    if result is None:
        return "focused tests: nothing to run: no tests found\n"
    counts = f"{result.passed} passed, {result.failed} failed; " if result.passed is not None else ""
    verdict = "passed" if result.outcome == "passed" else "FAILED"
    return f"focused tests {verdict}: {counts}{result.summary} ({result.seconds:.1f} s)\n"


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")
