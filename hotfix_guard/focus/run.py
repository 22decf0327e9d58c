"""Running a selection: pytest with the selected ids, or the configured test command.

The run gets its own process group, so a timeout kills everything it started (a test
server, a subprocess) and Ctrl-C reaches it even when it ignores the terminal.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time

from hotfix_guard.errors import ConfigError, HotfixGuardError
from hotfix_guard.focus.testmap import describe_pytest_exit

PASSED, FAILED, COLLECTION_ERROR, NO_TESTS, TIMED_OUT, ERROR = (
    "passed",
    "failed",
    "collection-error",
    "no-tests",
    "timed-out",
    "error",
)
_KILL_GRACE_SECONDS = 5.0


class RunResult:
    __slots__ = ("outcome", "exit_status", "summary", "seconds", "command", "passed", "failed")

    def __init__(self, outcome: str, exit_status: int, summary: str, seconds: float, command: list[str]):
        self.outcome = outcome
        self.exit_status = exit_status
        self.summary = summary
        self.seconds = seconds
        self.command = command
        self.passed: int | None = None
        self.failed: int | None = None


def find_python(configured: str, top: str | None = None) -> str:
    """The project's Python: configured, else `python` on PATH (the active environment), else ours.

    A configured relative path with a slash (`.venv/bin/python`, as `init` writes it) is
    relative to TOP, the repository's top, so that one committed config fits every clone."""
    if configured:
        if top is not None and os.sep in configured and not os.path.isabs(configured):
            configured = os.path.join(top, configured)
        found = shutil.which(configured)
        if found is None:
            raise ConfigError(f"[focused-tests] python {configured!r} is not an executable or not on PATH")
        return found
    return shutil.which("python") or shutil.which("python3") or sys.executable


def pytest_command(python: str, extra_args: tuple[str, ...]) -> list[str]:
    return [python, "-m", "pytest", *extra_args]


def run_pytest(top: str, command: list[str], node_ids: list[str], timeout: int, output: int) -> RunResult:
    """Run pytest on NODE_IDS (all of the project's tests when empty) and say how it went."""
    scratch = tempfile.mkdtemp(prefix="hotfix-guard-run-")
    junit = os.path.join(scratch, "junit.xml")
    try:
        # "--" keeps a test file named like an option from being read as one.
        full = [*command, f"--junitxml={junit}", *(["--", *node_ids] if node_ids else [])]
        status, seconds, timed_out = _run(full, top, timeout, output)
        result = _pytest_result(status, seconds, timed_out, timeout, full)
        result.passed, result.failed = _junit_counts(junit)
        if result.passed is None and not timed_out:  # pytest writes its report whenever it runs
            result.outcome = ERROR
            result.summary = f"pytest did not run ({describe_pytest_exit(status)}); is pytest installed for {command[0]}? (set [focused-tests] python)"
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _pytest_result(status: int, seconds: float, timed_out: bool, timeout: int, command: list[str]) -> RunResult:
    if timed_out:
        return RunResult(TIMED_OUT, status, f"killed after the {timeout} s timeout", seconds, command)
    outcome = {0: PASSED, 1: FAILED, 2: COLLECTION_ERROR, 5: NO_TESTS}.get(status, ERROR)
    summary = describe_pytest_exit(status)
    if outcome == NO_TESTS:
        summary = "pytest ran no test from the selection"
    return RunResult(outcome, status, summary, seconds, command)


def _junit_counts(path: str) -> tuple[int | None, int | None]:
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return None, None
    cases = list(root.iter("testcase"))
    failed = sum(1 for case in cases if case.find("failure") is not None or case.find("error") is not None)
    skipped = sum(1 for case in cases if case.find("skipped") is not None)
    return len(cases) - failed - skipped, failed


def run_command(top: str, template: str, pattern: str, files: list[str], timeout: int, output: int) -> RunResult:
    """Run the configured test command: {pattern} and {files} filled in, no shell."""
    command = expand_command(template, pattern, files)
    status, seconds, timed_out = _run(command, top, timeout, output)
    if timed_out:
        return RunResult(TIMED_OUT, status, f"killed after the {timeout} s timeout", seconds, command)
    if status == 0:
        return RunResult(PASSED, 0, "the test command passed", seconds, command)
    return RunResult(FAILED, status, f"the test command exited with {status}", seconds, command)


def expand_command(template: str, pattern: str, files: list[str]) -> list[str]:
    try:
        words = shlex.split(template)
    except ValueError as error:
        raise ConfigError(f"[focused-tests] test-command {template!r} cannot be split into words: {error}") from None
    if not words:
        raise ConfigError("[focused-tests] test-command is empty")
    command: list[str] = []
    for word in words:
        if word == "{files}":
            command += [f"./{name}" if name.startswith("-") else name for name in files]  # never an option
        else:
            command.append(word.replace("{pattern}", pattern).replace("{files}", " ".join(files)))
    return command


def _run(command: list[str], cwd: str, timeout: int, output: int) -> tuple[int, float, bool]:
    """(exit status, seconds, timed out) of COMMAND; stdout and stderr go to OUTPUT."""
    import subprocess

    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True
        )
    except OSError as error:
        raise HotfixGuardError(f"cannot run {command[0]!r}: {error.strerror or error}") from None
    try:
        status = process.wait(timeout=timeout)
        return status, time.perf_counter() - started, False
    except subprocess.TimeoutExpired:
        _stop(process, signal.SIGTERM)
        return process.returncode, time.perf_counter() - started, True
    except KeyboardInterrupt:
        _stop(process, signal.SIGINT)
        raise


def _stop(process: object, first_signal: int) -> None:
    """Signal the run's process group; kill it if it is still there after a grace period."""
    import subprocess

    assert isinstance(process, subprocess.Popen)
    _signal_group(process.pid, first_signal)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_KILL_GRACE_SECONDS)
    _signal_group(process.pid, signal.SIGKILL)  # and whatever it started and left behind
    process.wait()


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)
