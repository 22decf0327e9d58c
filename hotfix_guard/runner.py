"""Run the enabled checks over a change and decide the outcome; no printing, no exiting."""

from __future__ import annotations

from hotfix_guard.checks import branch_name, commit_message, diff_size, file_count, focused_tests, scope
from hotfix_guard.errors import EXIT_FAILED, EXIT_OK
from hotfix_guard.model import ERROR, WARNING, Change, Finding, with_check_severity
from hotfix_guard.options import RunOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from hotfix_guard.config import Config

    CheckFunction = Callable[[Change, Config, RunOptions], list[Finding]]


def _file_count(change: Change, config: Config, options: RunOptions) -> list[Finding]:
    return file_count.check(change, config, allow_large=options.allow_large)


def _without_options(function: Callable[[Change, Config], list[Finding]]) -> CheckFunction:
    """A check that no run option changes."""
    return lambda change, config, _options: function(change, config)


# The checks by id, in the order they run and report.
CHECKS: dict[str, CheckFunction] = {
    branch_name.ID: _without_options(branch_name.check),
    file_count.ID: _file_count,
    diff_size.ID: _without_options(diff_size.check),
    commit_message.ID: _without_options(commit_message.check),
    scope.ID: _without_options(scope.check),
    focused_tests.ID: _without_options(focused_tests.check),
}
# Checks that can find nothing to do in a change, and say why.
SKIP_REASONS: dict[str, Callable[[Change], str | None]] = {focused_tests.ID: focused_tests.skip_reason}

PASSED, FAILED, WARNED, SKIPPED, OFF = "passed", "failed", "warning", "skipped", "off"


class CheckResult:
    __slots__ = ("check", "status", "reason")

    def __init__(self, check: str, status: str, reason: str = ""):
        self.check = check
        self.status = status
        self.reason = reason


class Report:
    """The outcome of one run: every check's status and every finding, in check order."""

    def __init__(self, change: Change, results: list[CheckResult], findings: list[Finding]):
        self.change = change
        self.results = results
        self.findings = findings

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def exit_code(self, strict: bool = False) -> int:
        if self.count(ERROR) or (strict and self.count(WARNING)):
            return EXIT_FAILED
        return EXIT_OK


NO_OPTIONS = RunOptions()


def checks_to_run(config: Config, options: RunOptions = NO_OPTIONS) -> list[str]:
    """Ids of the checks that are enabled and not skipped."""
    return [check for check in CHECKS if check not in options.skip and config.severity[check] != OFF]


def run_checks(
    change: Change, config: Config, options: RunOptions = NO_OPTIONS, only: Collection[str] | None = None
) -> Report:
    """Run every registered check (or ONLY these) except the skipped ones, in registry order."""
    skip = options.skip
    results, findings = [], []
    for check, function in CHECKS.items():
        if only is not None and check not in only:
            continue
        if config.severity[check] == OFF:
            results.append(CheckResult(check, OFF, "severity is off in config"))
        elif check in skip:
            results.append(CheckResult(check, SKIPPED, "skipped on request (--skip)"))
        elif check in SKIP_REASONS and SKIP_REASONS[check](change):
            results.append(CheckResult(check, SKIPPED, SKIP_REASONS[check](change) or ""))
        else:
            found = with_check_severity(function(change, config, options), config.severity[check])
            results.append(CheckResult(check, status_of(found)))
            findings.extend(found)
    return Report(change, results, findings)


def status_of(findings: list[Finding]) -> str:
    severities = {finding.severity for finding in findings}
    if ERROR in severities:
        return FAILED
    return WARNED if WARNING in severities else PASSED
