"""The focused tests (critical / security / auth and what the change reaches) must pass.

The selection and the run happen while the change is collected (they are facts about
the change, like its files); this check judges their outcome.
"""

from __future__ import annotations

from hotfix_guard.model import ERROR, NOTE, Change, Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

ID = "focused-tests"


def skip_reason(change: Change) -> str | None:
    """Why the check has nothing to run (the project has no tests hotfix-guard can find)."""
    focus = change.focus
    if focus is None:
        return "not run here (hotfix-guard tests runs them)"
    if focus.result is None:
        return "no tests found (no test_*.py or *_test.py files; for other runners set [focused-tests] test-command)"
    return None


def check(change: Change, config: Config) -> list[Finding]:
    focus = change.focus
    if focus is None or focus.result is None:
        return []
    selection, result = focus.selection, focus.result
    scope = "the whole suite" if selection.whole_suite else f"{selection.count()} of {selection.total} tests"
    ran = f"ran {scope} in {result.seconds:.1f} s"
    if result.outcome == "passed":
        return [Finding(ID, f"{ran}: passed", NOTE)]
    failed = f"{result.failed} failed, " if result.failed else ""
    return [Finding(ID, f"{ran}: {failed}{result.summary}; rerun: hotfix-guard tests", ERROR)]
