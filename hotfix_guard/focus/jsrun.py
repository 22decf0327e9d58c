"""Running a JavaScript selection with jest, vitest, mocha or node's own test runner.

Each runner is started from the project's node_modules/.bin (node from PATH), as an
argument list, never through a shell, in its own process group with the same timeout as
pytest. A focused selection takes up to two runs: the critical set's name filter over the
whole suite, and the selected test files; the counts of both are read from the runner's
machine-readable report (jest --json, vitest's json reporter, mocha's json reporter,
hotfix-guard's reporter for node) and merged, a test that ran in both counted once.
Zero tests run is a failure; a runner that is not installed cannot start (exit 2).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import tempfile
import time

from hotfix_guard.errors import HotfixGuardError
from hotfix_guard.focus import run
from hotfix_guard.focus.run import COLLECTION_ERROR, ERROR, FAILED, NO_TESTS, PASSED, TIMED_OUT, RunResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.focus.select import Selection

# One test in a report: (file relative to the top, full name, passed).
Record = tuple[str, str, bool]
_REPORTER = os.path.join(os.path.dirname(os.path.dirname(__file__)), "resources", "node_test_reporter.mjs")
_RELATED_TIMEOUT = 300


class CannotStart(HotfixGuardError):
    """The runner is not there to run: exit 2, with the command that was to be run."""


def executable(top: str, runner: str) -> list[str]:
    """How to start RUNNER in the project at TOP: its node_modules/.bin (here or in a parent
    directory, as workspaces hoist it), or node itself for node's runner."""
    if runner == "node":
        found = shutil.which("node")
        if found is None:
            raise CannotStart("cannot start node's test runner: node is not on PATH")
        return [found, "--test"]
    directory = os.path.abspath(top)
    while True:
        candidate = os.path.join(directory, "node_modules", ".bin", runner)
        if os.access(candidate, os.X_OK):
            return [candidate]
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    raise CannotStart(
        f"cannot start {runner}: {os.path.join('node_modules', '.bin', runner)} is not in {top} or above it; "
        f"install the project's dependencies (npm ci), or set [focused-tests] runner"
    )


def can_start(top: str, runner: str) -> str | None:
    """Why RUNNER cannot start at TOP, or None when it can (doctor asks)."""
    try:
        executable(top, runner)
    except CannotStart as error:
        return str(error)
    return None


def jest_related(top: str, path: str) -> list[str]:
    """The test files jest's own dependency graph finds for PATH (jest --listTests --findRelatedTests)."""
    command = [*executable(top, "jest"), "--listTests", "--findRelatedTests", _not_an_option(path)]

    def cannot_list(why: str) -> CannotStart:
        return CannotStart(f"jest could not list the tests related to {path} ({why}): {shlex.join(command)}")

    try:
        status, stdout, stderr = run.capture(command, top, _RELATED_TIMEOUT)
    except OSError as error:
        raise cannot_list(str(error)) from None
    if status is None:
        raise cannot_list(f"no answer within {_RELATED_TIMEOUT} s; it was stopped with everything it started")
    if status != 0:
        raise cannot_list((stderr.strip().splitlines() or ["no message"])[-1])
    real_top = os.path.realpath(top)
    found = (os.path.relpath(os.path.realpath(line), real_top) for line in stdout.splitlines() if line.strip())
    return sorted({name.replace(os.sep, "/") for name in found if not name.startswith("..")})


def run_selection(top: str, selection: Selection, timeout: int, output: int) -> RunResult:
    """Run SELECTION with its runner and say how it went (counts from the runner's report)."""
    runner = selection.runner.name
    started = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="hotfix-guard-run-")
    try:
        base = executable(top, runner)
        records: dict[Record, int] = {}
        commands: list[list[str]] = []
        outcome: RunResult | None = None
        odd_exit: tuple[int, list[str]] | None = None  # a run that failed with no failed test
        for number, arguments in enumerate(_runs(selection)):
            report = os.path.join(scratch, f"report-{number}.json")
            command = [*base, *_report_options(runner, report), *arguments]
            commands.append(command)
            left = timeout - (time.perf_counter() - started)
            _say(output, f"hotfix-guard: running {shlex.join(command)}\n")
            status, _seconds, timed_out = run.run_process(command, top, max(left, 1.0), output)
            if timed_out:
                outcome = RunResult(TIMED_OUT, status, f"killed after the {timeout} s timeout", 0.0, command)
                break
            found = _read_report(runner, report, top, output)
            if found is None:
                outcome = _no_report(runner, status, command)
                break
            _merge(records, found)
            if status != 0 and all(passed for _file, _name, passed in found):
                odd_exit = odd_exit or (status, command)
        result = outcome or _verdict(runner, records, commands[-1], odd_exit)
        result.commands = commands
        result.passed = sum(count for (_f, _n, passed), count in records.items() if passed)
        result.failed = sum(count for (_f, _n, passed), count in records.items() if not passed)
        if result.outcome in (ERROR, COLLECTION_ERROR) and not records:
            result.passed = result.failed = None
        result.seconds = time.perf_counter() - started
        return result
    except CannotStart as error:
        return RunResult(ERROR, 2, str(error), time.perf_counter() - started, [runner])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _verdict(
    runner: str, records: dict[Record, int], command: list[str], odd_exit: tuple[int, list[str]] | None
) -> RunResult:
    failed = sum(count for (_f, _n, passed), count in records.items() if not passed)
    if failed:
        return RunResult(FAILED, 1, "tests failed", 0.0, command)
    if not records:
        return RunResult(
            NO_TESTS, 0, f"{runner} ran no test from the selection, and running none is never a pass", 0.0, command
        )
    if odd_exit is not None:
        status, odd_command = odd_exit
        summary = f"{runner} exited with {status} although no test failed (a coverage threshold, or an error outside the tests: see its output)"
        return RunResult(FAILED, status, summary, 0.0, odd_command)
    return RunResult(PASSED, 0, "all tests passed", 0.0, command)


def _no_report(runner: str, status: int, command: list[str]) -> RunResult:
    if status == 0:
        summary = f"{runner} exited with 0 but wrote no report ({shlex.join(command)})"
        return RunResult(ERROR, status, summary, 0.0, command)
    summary = (
        f"{runner} exited with {status} before it reported a test: a test file that does not load, "
        f"or a configuration error (its output says which; the command: {shlex.join(command)})"
    )
    return RunResult(COLLECTION_ERROR, status, summary, 0.0, command)


def _say(output: int, text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(output, text.encode("utf-8", "replace"))


# --- what each runner is given -------------------------------------------------------------


def _runs(selection: Selection) -> list[list[str]]:
    """The arguments of each run: the whole suite; or the name filter over it, then the files."""
    runner = selection.runner.name
    suite = _suite_files(runner, selection)
    if selection.whole_suite:
        return [[*_whole_suite(runner), *suite]]
    runs = [[*_name_filter(runner, pattern), *suite] for pattern in selection.name_filters()]
    files = [_not_an_option(path) for path in selection.node_ids()]
    if runner == "vitest" and (files or selection.changed_sources):
        sources = [_not_an_option(path) for path in selection.changed_sources if _is_js(path)]
        runs.append(["related", *sources, *files, "--run"])
    elif files:
        runs.append({"jest": ["--runTestsByPath", *files]}.get(runner, files))
    return runs


def _whole_suite(runner: str) -> list[str]:
    return ["run"] if runner == "vitest" else []


def _suite_files(runner: str, selection: Selection) -> list[str]:
    """The files a run over the whole suite is given: for mocha and node, every test file
    hotfix-guard found, as neither finds them all alone (mocha's default is ./test, not
    recursive; node's skips *.spec.js, tests/ and __tests__/). jest and vitest find theirs
    from the project's own config (testMatch, include), which is what `npm test` runs: given
    files, they would run only those their config also matches, never more."""
    if runner not in ("mocha", "node"):
        return []
    return [_not_an_option(path) for path in selection.suite.files]


def _name_filter(runner: str, pattern: str) -> list[str]:
    """The runner's own name filter, case-insensitive as the pattern is."""
    if runner == "jest":
        return ["-t", pattern]  # jest matches without regard to case
    if runner == "vitest":
        return ["run", "-t", case_insensitive(pattern)]
    if runner == "mocha":
        return ["--grep", f"/{pattern}/i"]
    return [f"--test-name-pattern=/{pattern}/i"]


def filter_arguments(runner: str, pattern: str) -> list[str]:
    """The name filter as the runner is given it (what `tests --list` prints)."""
    return [word for word in _name_filter(runner, pattern) if word != "run"]


def case_insensitive(pattern: str) -> str:
    """PATTERN with each letter as [xX]: vitest's -t takes no flags."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char + char.swapcase() if char.isalpha() and char.swapcase() != char else char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        elif char.isalpha() and char.swapcase() != char and len(char.swapcase()) == 1:
            out.append(f"[{char.lower()}{char.upper()}]")
        else:
            out.append(char)
    return "".join(out)


def _report_options(runner: str, report: str) -> list[str]:
    if runner == "jest":
        return ["--ci", "--passWithNoTests", "--json", f"--outputFile={report}"]  # none run: counted below
    if runner == "vitest":
        return ["--reporter=default", "--reporter=json", f"--outputFile.json={report}", "--passWithNoTests"]
    if runner == "mocha":
        return ["--reporter", "json", "--reporter-option", f"output={report}"]
    return [
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        f"--test-reporter={_REPORTER}",
        f"--test-reporter-destination={report}",
    ]


def _not_an_option(path: str) -> str:
    return f"./{path}" if path.startswith("-") else path


def _is_js(path: str) -> bool:
    from hotfix_guard.focus.jsproject import is_source

    return is_source(path)


# --- what each runner reported ---------------------------------------------------------------


def _read_report(runner: str, report: str, top: str, output: int) -> list[Record] | None:
    """The tests in the run's report; None when there is none (the runner did not get that far)."""
    try:
        with open(report, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return None
    try:
        if runner == "node":
            return _node_records([json.loads(line) for line in text.splitlines() if line.strip()], top)
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if runner != "mocha":
        return _jest_records(data, top)
    records = _mocha_records(data, top)
    _say(output, _mocha_summary(data, records))  # its json reporter prints nothing for people
    return records


def _relative(top: str, path: object) -> str:
    if not isinstance(path, str) or not path:
        return ""
    if path.startswith("file://"):
        path = path[len("file://") :]
    return os.path.relpath(os.path.realpath(path), os.path.realpath(top)).replace(os.sep, "/")


def _jest_records(data: dict[str, object], top: str) -> list[Record]:
    """jest --json and vitest's json reporter: testResults[].assertionResults[]; a file that
    failed to load has none, and a failed status with a message."""
    records: list[Record] = []
    results = data.get("testResults")
    for result in results if isinstance(results, list) else []:
        if not isinstance(result, dict):
            continue
        name = _relative(top, result.get("name") or result.get("testFilePath"))
        assertions = result.get("assertionResults")
        assertions = assertions if isinstance(assertions, list) else []
        for assertion in assertions:
            if isinstance(assertion, dict) and assertion.get("status") in ("passed", "failed"):
                full = str(assertion.get("fullName") or assertion.get("title") or "")
                records.append((name, full, assertion.get("status") == "passed"))
        ran_none = not any(isinstance(a, dict) and a.get("status") in ("passed", "failed") for a in assertions)
        if result.get("status") == "failed" and ran_none:
            records.append((name, "(the test file failed to run)", False))
    return records


def _mocha_summary(data: dict[str, object], records: list[Record]) -> str:
    """What mocha's spec reporter would have said of the run: the counts, and each failure."""
    passed = sum(1 for _file, _name, ok in records if ok)
    lines = [f"mocha: {passed} passing, {len(records) - passed} failing"]
    failures = data.get("failures")
    for failure in failures if isinstance(failures, list) else []:
        if isinstance(failure, dict):
            error = failure.get("err")
            message = str(error.get("message", "")) if isinstance(error, dict) else ""
            lines.append(
                f"  failed: {failure.get('fullTitle', '')}: {message.strip().splitlines()[0] if message.strip() else ''}"
            )
    return "\n".join(lines) + "\n"


def _mocha_records(data: dict[str, object], top: str) -> list[Record]:
    records: list[Record] = []
    for key, passed in (("passes", True), ("failures", False)):
        tests = data.get(key)
        for test in tests if isinstance(tests, list) else []:
            if isinstance(test, dict):
                records.append((_relative(top, test.get("file")), str(test.get("fullTitle", "")), passed))
    return records


def _node_records(events: list[object], top: str) -> list[Record]:
    """The tests node ran. Each file is a test of its own too, named by its path: passed, it
    only says that the file loaded (with no test in it as well), so it is not counted; failed,
    the file did not load or run, which is a failure."""
    records: list[Record] = []
    for event in events:
        if not isinstance(event, dict) or event.get("suite") or event.get("skipped"):
            continue
        file, passed = _relative(top, event.get("file")), bool(event.get("passed"))
        if file and _relative(top, event.get("name")) == file:
            if not passed:
                records.append((file, "(the test file failed to run)", False))
            continue
        records.append((file, f"{event.get('nesting', 0)}:{event.get('name', '')}", passed))
    return records


def _merge(records: dict[Record, int], found: list[Record]) -> None:
    """Add FOUND to RECORDS: a test both runs ran counts once (each run's own repeats count)."""
    counts: dict[Record, int] = {}
    for record in found:
        counts[record] = counts.get(record, 0) + 1
    for record, count in counts.items():
        records[record] = max(records.get(record, 0), count)
