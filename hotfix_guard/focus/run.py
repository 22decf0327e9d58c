"""Running a selection: pytest with the selected ids, or the configured test command
(jest, vitest, mocha and node's runner: jsrun).

The run gets its own process group, so a timeout kills everything it started (a test
server, a subprocess) and Ctrl-C reaches it even when it ignores the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
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
    __slots__ = ("outcome", "exit_status", "summary", "seconds", "command", "passed", "failed", "commands")

    def __init__(self, outcome: str, exit_status: int, summary: str, seconds: float, command: list[str]):
        self.outcome = outcome
        self.exit_status = exit_status
        self.summary = summary
        self.seconds = seconds
        self.command = command
        self.commands = [command]  # every run it took (a name filter and a list of files: two)
        self.passed: int | None = None  # None: the runner said nothing hotfix-guard could count
        self.failed: int | None = None

    def ran(self) -> int | None:
        return None if self.passed is None else self.passed + (self.failed or 0)


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
        status, seconds, timed_out = run_process(full, top, timeout, output)
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


def run_command(top: str, command: list[str], timeout: int, output: int) -> RunResult:
    """Run the configured test command (expand_command filled in its placeholders), no shell.

    Its output is read as it goes by, for the test counts jest, vitest, mocha, node's runner
    and pytest print: a command that says it ran no test fails, as every runner does."""
    status, seconds, timed_out, tail = _run_reading(command, top, timeout, output)
    if timed_out:
        return RunResult(TIMED_OUT, status, f"killed after the {timeout} s timeout", seconds, command)
    passed, failed = summary_counts(tail)
    if passed is not None and failed is not None and passed + failed == 0:
        result = RunResult(
            NO_TESTS, status, f"the test command ran no test{_swallowed_hint(command)}", seconds, command
        )
    elif status == 0:
        result = RunResult(PASSED, 0, "the test command passed", seconds, command)
    else:
        result = RunResult(FAILED, status, f"the test command exited with {status}", seconds, command)
    result.passed, result.failed = passed, failed
    return result


def _swallowed_hint(command: list[str]) -> str:
    if os.path.basename(command[0]) not in ("npm", "npx", "yarn", "pnpm"):
        return ""
    return (
        " (an npm script hands `-- ARGS` to its last command only, and a script that calls another drops them:"
        " name the runner itself in test-command, or set [focused-tests] runner)"
    )


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# (passed, failed) as each runner's own summary line says them; None where a line has no such count.
_SUMMARIES = (
    re.compile(r"^Tests:\s+(?P<rest>.*?)\b\d+ total", re.MULTILINE),  # jest
    re.compile(r"^\s*Tests\s+(?P<rest>[^\n]*?)\(\d+\)\s*$", re.MULTILINE),  # vitest
    re.compile(r"^=+ (?P<rest>[^\n=]*?) in [\d.]+s(?: \([^)]*\))? =+$", re.MULTILINE),  # pytest
)
_MOCHA = re.compile(r"^\s*(\d+) (passing|failing)\b", re.MULTILINE)
_NODE = re.compile(r"^[#\u2139] (pass|fail) (\d+)$", re.MULTILINE)
_NONE_FOUND = re.compile(r"^(?:No tests found|No test files found|no tests ran)\b", re.MULTILINE | re.IGNORECASE)


def summary_counts(text: str) -> tuple[int | None, int | None]:
    """(passed, failed) summed over every summary line a runner printed in TEXT; (None, None) without one."""
    text = _ANSI.sub("", text)
    passed = failed = 0
    found = False
    for summary in _SUMMARIES:
        for match in summary.finditer(text):
            found = True
            rest = match.group("rest")
            passed += sum(int(n) for n in re.findall(r"(\d+) passed", rest))
            failed += sum(int(n) for n in re.findall(r"(\d+) (?:failed|errors?)\b", rest))
    for number, kind in _MOCHA.findall(text):
        found = True
        passed, failed = (passed + int(number), failed) if kind == "passing" else (passed, failed + int(number))
    for kind, number in _NODE.findall(text):
        found = True
        passed, failed = (passed + int(number), failed) if kind == "pass" else (passed, failed + int(number))
    if not found and _NONE_FOUND.search(text):
        found = True
    return (passed, failed) if found else (None, None)


def expand_command(template: str, pattern: str, files: list[str], sources: list[str] | None = None) -> list[str]:
    """TEMPLATE's words with {pattern}, {files} (changed test files) and {sources} (the other
    changed files) filled in; a word that is just {files} or {sources} becomes one word a path."""
    try:
        words = shlex.split(template)
    except ValueError as error:
        raise ConfigError(f"[focused-tests] test-command {template!r} cannot be split into words: {error}") from None
    if not words:
        raise ConfigError("[focused-tests] test-command is empty")
    lists = {"{files}": files, "{sources}": sources or []}
    command: list[str] = []
    for word in words:
        if word in lists:
            command += [f"./{name}" if name.startswith("-") else name for name in lists[word]]  # never an option
        else:
            for placeholder, names in lists.items():
                word = word.replace(placeholder, " ".join(names))
            command.append(word.replace("{pattern}", pattern))
    return command


def run_process(command: list[str], cwd: str, timeout: float, output: int) -> tuple[int, float, bool]:
    """(exit status, seconds, timed out) of COMMAND; stdout and stderr go to OUTPUT."""
    status, seconds, timed_out, _tail = _start_and_wait(command, cwd, timeout, output, read=False)
    return status, seconds, timed_out


def capture(command: list[str], cwd: str, timeout: float) -> tuple[int | None, str, str]:
    """(exit status, stdout, stderr) of COMMAND, run in a process group of its own. The status is
    None when it ran past TIMEOUT seconds (or something it started kept its output open that
    long): then the group was killed, everything COMMAND started with it. OSError when it
    cannot start."""
    import subprocess

    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=_KILL_GRACE_SECONDS)  # only what is left in the pipes
        return None, "", ""
    except KeyboardInterrupt:
        _stop(process, signal.SIGINT)
        raise
    return process.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def _run_reading(command: list[str], cwd: str, timeout: float, output: int) -> tuple[int, float, bool, str]:
    """run_process, and the last 256 KiB of what COMMAND printed (it still reaches OUTPUT as it comes)."""
    return _start_and_wait(command, cwd, timeout, output, read=True)


def _start_and_wait(
    command: list[str], cwd: str, timeout: float, output: int, read: bool
) -> tuple[int, float, bool, str]:
    import subprocess
    import threading

    started = time.perf_counter()
    stdout: int = subprocess.PIPE if read else output
    stderr: int = subprocess.STDOUT if read else output
    try:
        process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True
        )
    except OSError as error:
        raise HotfixGuardError(f"cannot run {command[0]!r}: {error.strerror or error}") from None
    tail = bytearray()
    reader = None
    if read:
        reader = threading.Thread(target=_copy, args=(process.stdout, output, tail), daemon=True)
        reader.start()
    try:
        status = process.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _stop(process, signal.SIGTERM)
        status, timed_out = process.returncode, True
    except KeyboardInterrupt:
        _stop(process, signal.SIGINT)
        raise
    if reader is not None:
        reader.join(timeout=_KILL_GRACE_SECONDS)  # a grandchild may hold the pipe open: do not wait on it
    return status, time.perf_counter() - started, timed_out, tail.decode("utf-8", "replace")


_TAIL_BYTES = 256 * 1024


def _copy(source: io.BufferedReader, output: int, tail: bytearray) -> None:
    """Copy SOURCE to OUTPUT as it comes, keeping its last bytes in TAIL."""
    while chunk := source.read1(65536):
        with contextlib.suppress(OSError):
            os.write(output, chunk)
        tail += chunk
        del tail[:-_TAIL_BYTES]


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
