"""The one run path: resolve the target, gather the facts, run the enabled checks, decide.

Every entry point that judges a hotfix change comes here: validate and `check ID`
(commands/), the hooks, the push guard, finish's preflight, status, review and notify.
Checks run in registry order; the cheap ones first, and the focused tests, the one
costly fact, last and only when nothing before them blocked (a misspelt branch does not
cost a test run). Run options (options.py) are built once by the caller and passed in;
nothing here prints or exits.
"""

from __future__ import annotations

import os

from hotfix_guard.checks import registry
from hotfix_guard.errors import EXIT_FAILED, EXIT_OK, ConfigError, RepoError
from hotfix_guard.model import ERROR, WARNING, Change, Finding, with_check_severity
from hotfix_guard.options import NO_OPTIONS, RunOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from hotfix_guard.collect import Target
    from hotfix_guard.config import Config
    from hotfix_guard.model import TestRun

PASSED, FAILED, WARNED, SKIPPED, OFF = "passed", "failed", "warning", "skipped", "off"


class CheckResult:
    __slots__ = ("check", "status", "reason")

    def __init__(self, check: str, status: str, reason: str = ""):
        self.check = check
        self.status = status
        self.reason = reason


class Report:
    """The outcome of one run: every check's status and every finding, in check order, and
    where the rules came from (Config.origin)."""

    def __init__(
        self,
        change: Change,
        results: list[CheckResult],
        findings: list[Finding],
        config_origin: dict[str, str | None] | None = None,
    ):
        self.change = change
        self.results = results
        self.findings = findings
        self.config_origin = config_origin

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def exit_code(self, strict: bool = False) -> int:
        if self.count(ERROR) or (strict and self.count(WARNING)):
            return EXIT_FAILED
        return EXIT_OK


def enabled_checks(config: Config, options: RunOptions = NO_OPTIONS) -> list[str]:
    """Ids of the checks that are enabled and not skipped, in registry order."""
    return [check for check in registry() if check not in options.skip and config.severity[check] != OFF]


class Validation:
    """One change ready to be judged: its facts, and how to run its focused tests when
    they are due. `run` may be called again with other options (validate's prompt); the
    tests run at most once."""

    def __init__(
        self,
        change: Change,
        config: Config,
        checks: Collection[str] | None = None,
        tests: Callable[[], TestRun] | None = None,
    ):
        self.change = change
        self.config = config
        self.checks = checks
        self._tests = tests

    def run(self, options: RunOptions = NO_OPTIONS, only: Collection[str] | None = None) -> Report:
        """Every registered check (or only `checks`, or ONLY) except the skipped ones, in
        registry order; a check that needs the tests runs after the others, if none of them blocked."""
        config = self.config
        only = only if only is not None else self.checks
        change = self.change
        results: dict[str, CheckResult] = {}
        findings: dict[str, list[Finding]] = {}
        due = []
        for check in registry().values():
            if only is not None and check.id not in only:
                continue
            if config.severity[check.id] == OFF:
                results[check.id] = CheckResult(check.id, OFF, "severity is off in config")
            elif check.id in options.skip:
                results[check.id] = CheckResult(check.id, SKIPPED, "skipped on request (--skip)")
            elif "tests" in check.needs:
                due.append(check.id)
                results[check.id] = CheckResult(check.id, SKIPPED)  # decided below, in its place
            else:
                findings[check.id] = self._judge(check.id, change, options, results)
        if due:
            # A missing approval says nothing about the code: the tests still run (reviewers want them).
            blocking = [
                check_id
                for check_id, result in results.items()
                if _blocks(result.status, options) and "approvals" not in registry()[check_id].needs
            ]
            if blocking and self._tests is not None and change.tests is None:
                for check_id in due:
                    results[check_id] = CheckResult(check_id, SKIPPED, f"not run: {', '.join(blocking)} failed first")
            else:
                change = self._with_tests()
                for check_id in due:
                    findings[check_id] = self._judge(check_id, change, options, results)
        ordered = [check_id for check_id in registry() if check_id in results]
        return Report(
            change,
            [results[check_id] for check_id in ordered],
            [finding for check_id in ordered for finding in findings.get(check_id, [])],
            config.origin,
        )

    def _judge(
        self, check_id: str, change: Change, options: RunOptions, results: dict[str, CheckResult]
    ) -> list[Finding]:
        check = registry()[check_id]
        reason = check.skip_reason(change, self.config) if check.skip_reason is not None else None
        if reason:
            results[check_id] = CheckResult(check_id, SKIPPED, reason)
            return []
        found = with_check_severity(check.function(change, self.config, options), self.config.severity[check_id])
        results[check_id] = CheckResult(check_id, status_of(found))
        return found

    def _with_tests(self) -> Change:
        if self.change.tests is None and self._tests is not None:
            self.change = self.change.replace(tests=self._tests())
        return self.change


def _blocks(status: str, options: RunOptions) -> bool:
    return status == FAILED or (options.strict and status == WARNED)


def status_of(findings: list[Finding]) -> str:
    severities = {finding.severity for finding in findings}
    if ERROR in severities:
        return FAILED
    return WARNED if WARNING in severities else PASSED


def run_checks(
    change: Change, config: Config, options: RunOptions = NO_OPTIONS, only: Collection[str] | None = None
) -> Report:
    """Judge a change whose facts are all gathered (the focused tests are not run here)."""
    return Validation(change, config, only).run(options)


def prepare(
    target: Target,
    head: str,
    branch: str | None,
    config: Config,
    checks: Collection[str],
    only: Collection[str] | None = None,
    *,
    tests: bool = True,
    location: tuple[str, str] | None = None,
) -> Validation:
    """Gather the facts CHECKS need about the change from its base to HEAD (a commit), to
    judge them all (or ONLY these); the focused tests, when among CHECKS and TESTS is true,
    run later, when due. LOCATION, the work tree and git directory when the caller knows
    them, spares asking git again."""
    from hotfix_guard.collect import collect_change

    change = collect_change(target, head, branch, config, checks)
    known = registry()
    if not tests or not any("tests" in known[check].needs for check in checks if check in known):
        return Validation(change, config, only)
    return Validation(change, config, only, lambda: focused_run(target.repo, change.base_rev, head, config, location))


def focused_run(
    repo: str | None, base_rev: str, head: str, config: Config, location: tuple[str, str] | None = None
) -> TestRun:
    """Select and run the focused tests of BASE_REV..HEAD; their output goes to stderr, beside the report."""
    from hotfix_guard import gitrepo
    from hotfix_guard.focus.focused import run_focused
    from hotfix_guard.focus.select import Context

    if location is None:
        info = gitrepo.locate(repo)
        location = info.top, info.git_dir
    base_sha = gitrepo.commit_sha(base_rev, repo)
    if base_sha is None:
        raise RepoError(f"base {base_rev!r} is not a commit in this repository")
    top, git_dir = location
    return run_focused(Context(top, git_dir, base_sha, head, config), output=2).as_test_run()


def for_target(
    target: Target,
    config_file: str | None,
    checks: Collection[str] | None,
    *,
    options: RunOptions,
    require_hotfix: bool,
) -> Validation:
    """What validate and `check ID` judge: TARGET's change, under the repository's config
    (or CONFIG_FILE), for CHECKS (default: every enabled one)."""
    from hotfix_guard.collect import locate_head, resolve_branch
    from hotfix_guard.config import load_config

    info = locate_head(target)
    config = load_config(info.top, config_file, info.git_dir)
    _require_main_in_ci(config)
    branch = resolve_branch(target, info.git_dir)
    if branch is None and (require_hotfix or "branch-name" in (checks or ())):
        raise RepoError(_unknown_branch_message(target))
    if require_hotfix:
        _require_hotfix_branch(branch, config)
    assert info.head_sha is not None  # locate_head checked it
    wanted = list(checks) if checks is not None else enabled_checks(config, options)
    return prepare(target, info.head_sha, branch, config, wanted, only=checks, location=(info.top, info.git_dir))


def _require_main_in_ci(config: Config) -> None:
    """In CI (CI=true, as GitHub, GitLab and most runners set it) no main branch is an error:
    a runner that fetched only the pipeline's branch would judge the hotfix by the defaults,
    not by the team's rules, and a required check would pass on one warning line."""
    from hotfix_guard.config import NO_MAIN

    if os.environ.get("CI", "").lower() not in ("true", "1") or NO_MAIN not in str(config.origin["text"]):
        return
    raise ConfigError(
        f"{NO_MAIN}, and in CI (CI={os.environ['CI']}) the team's rules must not silently become the defaults: "
        "fetch main before validate (git fetch origin +refs/heads/main:refs/remotes/origin/main; "
        "actions/checkout with fetch-depth: 0; the GitLab template does), or pass --config FILE"
    )


def _unknown_branch_message(target: Target) -> str:
    if target.head is not None:
        return f"--head {target.head!r} does not name a branch; pass --branch NAME"
    return (
        "HEAD is detached and no CI branch variable (GITHUB_HEAD_REF, GITHUB_REF_NAME, "
        "CI_COMMIT_REF_NAME) is set; pass --branch NAME"
    )


def _require_hotfix_branch(branch: str | None, config: Config) -> None:
    from hotfix_guard.branches import OTHER, classify

    if branch is None or classify(branch, config) == OTHER:
        raise RepoError(
            f"{branch!r} is not a hotfix branch; validate checks a {config.branch_prefix}... branch "
            "before release (check one out, or pass --branch NAME)"
        )
