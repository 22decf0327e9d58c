"""The focused tests (critical / security / auth and what the change reaches) must pass.

The tests are the last fact gathered about a change: the validation service selects and
runs them only after the cheaper checks passed (see validation.py); this check judges the
run, which the change carries as plain data (model.TestRun).
"""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.model import ERROR, NOTE, Change, Finding
from hotfix_guard.options import NO_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.model import TestRun
    from hotfix_guard.options import RunOptions

ID = "focused-tests"

# Changed files that no test can read: documentation outside the test directories.
DEFAULT_IGNORE = (
    "*.md",
    "*.rst",
    "docs/*",
    "doc/*",
    "LICENSE*",
    "AUTHORS*",
    "CHANGES*",
    "CHANGELOG*",
    "HISTORY*",
    ".github/*",
)
NOT_RUN_HERE = "not run here (hotfix-guard tests runs them)"
# [focused-tests] runner: empty picks one from the project (package.json, else pytest).
RUNNERS = ("jest", "vitest", "mocha", "node", "pytest", "command")


def skip_reason(change: Change, config: Config) -> str | None:
    """Why the check has nothing to judge (not run here, or the project has no tests hotfix-guard can find)."""
    tests = change.tests
    if tests is None:
        return NOT_RUN_HERE
    if tests.outcome is None:
        return (
            "no tests found (no test_*.py or *_test.py files, no JavaScript test files; "
            "set [focused-tests] runner, or test-command for another runner)"
        )
    return None


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    tests = change.tests
    if tests is None or tests.outcome is None:
        return []
    if tests.outcome == "error" and not tests.total and not tests.selected:
        return [Finding(ID, f"{tests.summary}; nothing ran", ERROR)]  # tests it cannot run
    scope = _scope(tests)
    if tests.outcome in ("passed", "failed"):
        ran = f"ran {scope} in {tests.seconds:.1f} s"
    else:  # pytest could not collect, ran none, could not start, or was killed: do not say they ran
        ran = f"selected {scope}; the run did not complete ({tests.seconds:.1f} s)"
    if tests.outcome == "passed":
        return [Finding(ID, f"{ran}: passed", NOTE)]
    failed = f"{tests.failed} failed, " if tests.failed else ""
    return [Finding(ID, f"{ran}: {failed}{tests.summary}; rerun: hotfix-guard tests", ERROR)]


def _scope(tests: TestRun) -> str:
    if tests.runner == "pytest":
        return "the whole suite" if tests.whole_suite else f"{tests.selected} of {tests.total} tests"
    if not tests.counted:
        ran = "an unknown number of tests (the command printed no count hotfix-guard reads)"
    elif tests.whole_suite:
        ran = f"the whole suite ({tests.selected} tests)"
    else:
        ran = f"{tests.selected} of {tests.total} tests" if tests.total else f"{tests.selected} tests"
    return f"{ran} with {tests.runner}"


CHECK = Check(
    id=ID,
    order=60,
    summary=(
        "Select and run the tests that matter for the pushed hotfix "
        "(critical set, changed tests, what the change reaches)."
    ),
    severity="error",
    needs=("tests",),
    stages=("pre-push",),
    options={
        "pattern": "critical|security|auth",
        "markers": [],
        "python": "",
        "pytest-args": [],
        "runner": "",
        "test-command": "",
        "timeout": 900,
        "ignore": list(DEFAULT_IGNORE),
    },
    minimums={"timeout": 1},
    function=check,
    skip_reason=skip_reason,
)
