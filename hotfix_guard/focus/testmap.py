"""The per-test coverage map of a base commit: which test runs which lines.

Built once per release by running the whole suite under coverage.py with one context
per test (`hotfix-guard tests --build-map`), stored in the git directory under
`hotfix-guard/test-maps/<base commit>.json`. A hotfix's base is a release tag, which
never moves, so a map built for it never goes stale.

Sets of tests are stored as hexadecimal bit masks over the map's test list, each
distinct mask once: neighbouring lines are mostly run by the same tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time

from hotfix_guard.errors import HotfixGuardError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

PLUGIN_MODULE = "hotfix_guard_testmap"
SCOPE = "scope:"
IMPORT = "import:"
_GROUPS = (SCOPE, IMPORT)
FORMAT = 4


class TestMap:
    """A loaded map: the tests it ran, and per file the tests that ran each line."""

    __test__ = False  # not a pytest test class

    def __init__(self, document: dict[str, object], path: str):
        self.path = path
        self.rootdir = str(document.get("rootdir", "."))
        tests = document["tests"]
        masks = document["masks"]
        files = document["files"]
        assert isinstance(tests, list) and isinstance(masks, list) and isinstance(files, dict)
        # Entries are test ids, then "scope:" + the node id of a module, class or session
        # whose import or shared fixture ran the line (every test in it depends on it).
        self.entries: list[str] = [self._entry(str(entry)) for entry in tests]
        self.tests: list[str] = [entry for entry in self.entries if not entry.startswith(_GROUPS)]
        self._masks: list[str] = masks
        self._files: dict[str, list[dict[str, int]]] = files
        self._test_modules: set[str] | None = None
        built, source_lines = document.get("built"), document.get("source_lines")
        self.built: float | None = float(built) if isinstance(built, (int, float)) else None
        self.source_lines: int | None = source_lines if isinstance(source_lines, int) else None

    def describe(self, base_sha: str, now: float | None = None) -> str:
        """Which map this is, how old, and how much of the project's source it covers."""
        age = ""
        if self.built is not None:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.built))
            age = f", built {when} ({_age((now or time.time()) - self.built)} ago)"
        lines = f"{self.source_lines} lines of the project's source" if self.source_lines is not None else "?"
        return f"test map of {base_sha[:12]}{age}: {len(self.tests)} tests, covering {lines} ({self.path})"

    def _entry(self, entry: str) -> str:
        """Node ids are relative to pytest's rootdir; hotfix-guard runs pytest from the top."""
        prefix = next((p for p in _GROUPS if entry.startswith(p)), "")
        node_id = entry[len(prefix) :]
        if self.rootdir not in ("", "."):
            node_id = f"{self.rootdir}/{node_id}" if node_id else self.rootdir
        return prefix + node_id

    def knows(self, path: str) -> bool:
        """Whether PATH ran at all while the map was built (at import time or in a test)."""
        return path in self._files

    def covered_lines(self, path: str) -> set[int]:
        """The lines of PATH that some test ran."""
        return {int(line) for line in self._files[path][0]} if path in self._files else set()

    def ran_outside_tests(self, path: str, lines: Iterable[int]) -> bool:
        """Whether any of LINES ran outside every test (at import time, or in collection)."""
        outside = set(self._files[path][1]) if path in self._files else set()
        return not outside.isdisjoint(lines)

    def ran(self, path: str, lines: Iterable[int]) -> bool:
        """Whether any of LINES of PATH ran at all while the map was built."""
        if path not in self._files:
            return False
        by_line, outside = self._files[path]
        return any(str(line) in by_line for line in lines) or not set(outside).isdisjoint(lines)

    def test_modules(self) -> set[str]:
        """The files holding the map's tests."""
        if self._test_modules is None:
            self._test_modules = {test.split("::", 1)[0] for test in self.tests}
        return self._test_modules

    def tests_running(self, path: str, lines: Iterable[int]) -> int:
        """The tests (a bit mask over `tests`) that ran any of LINES of PATH."""
        by_line = self._files[path][0] if path in self._files else {}
        bits = 0
        for number in {by_line[str(line)] for line in lines if str(line) in by_line}:
            bits |= int(self._masks[number], 16)
        return bits

    def selected(self, bits: int) -> list[str]:
        """The node ids BITS stands for: a test, or a whole module or class ("" for all).

        A parametrized test is named without its parameters, so that pytest runs the
        cases the head has, which the change may have added to or renamed.
        """
        chosen = [_node_of(entry) for number, entry in enumerate(self.entries) if bits >> number & 1]
        return list(dict.fromkeys(without_parameters(node_id) for node_id in chosen))

    def tests_under(self, node_ids: Iterable[str]) -> list[str]:
        """The map's tests that NODE_IDS select (a test, a class, a module, or "" for all)."""
        wanted = set(node_ids)
        if "" in wanted:
            return list(self.tests)
        return [t for t in self.tests if any(t == n or t.startswith((n + "::", n + "[", n + "/")) for n in wanted)]

    def paths(self) -> list[str]:
        return list(self._files)


def _node_of(entry: str) -> str:
    prefix = next((p for p in _GROUPS if entry.startswith(p)), "")
    return entry[len(prefix) :]


def without_parameters(node_id: str) -> str:
    """`tests/t.py::test_x` for `tests/t.py::test_x[1-a::b]`."""
    path, separator, rest = node_id.partition("::")
    return f"{path}{separator}{rest.split('[', 1)[0]}" if separator else node_id


def map_path(git_dir: str, base_sha: str) -> str:
    return os.path.join(git_dir, "hotfix-guard", "test-maps", f"{base_sha}.json")


def _age(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}"
    return f"{max(0, int(seconds))} seconds"


def load_or_why(git_dir: str, base_sha: str) -> tuple[TestMap | None, str]:
    """The map of BASE_SHA, or None and why there is none to use."""
    path = map_path(git_dir, base_sha)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        return None, f"no test map of {base_sha[:12]}"
    except (OSError, ValueError):
        return None, f"the test map of {base_sha[:12]} cannot be read ({path})"
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        # Format 3 maps were built with wrapped module loaders, and may hold only test files.
        return None, f"the test map of {base_sha[:12]} was built by an older hotfix-guard"
    try:
        return TestMap(document, path), ""
    except (KeyError, AssertionError):
        return None, f"the test map of {base_sha[:12]} cannot be read ({path})"


def build_offer(git_dir: str) -> str:
    """How to build a map, and how long it would take when a whole-suite run was timed."""
    last = last_suite_time(git_dir)
    cost = "; how long it takes is not known yet"
    if last is not None:
        seconds, kind = last
        cost = f": about {_duration(seconds)}, as the last {kind} took (expect more under coverage)"
        if kind == "map build":
            cost = f": about {_duration(seconds)}, as the last map build took"
    return f"`hotfix-guard tests --build-map` sharpens the selection; it runs the whole suite once{cost}"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


class BuildResult:
    __slots__ = ("path", "tests", "files", "exit_status", "source_lines", "failing")

    def __init__(self, path: str, tests: int, files: int, exit_status: int, source_lines: int, failing: list[str]):
        self.path = path
        self.tests = tests
        self.files = files
        self.exit_status = exit_status
        self.source_lines = source_lines
        self.failing = failing  # tests that fail on the base with the map and without it


def build(
    tree: str, git_dir: str, base_sha: str, pytest_command: list[str], env: dict[str, str], sources: list[str]
) -> BuildResult:
    """Run the whole suite in TREE (a checkout of BASE_SHA) under the map plugin; store the map.

    SOURCES are the project's own Python files (not tests): a map that ran none of them
    is refused. So is a run where a test failed that passes without the map. pytest's
    own output is the progress (on stderr). The map is written to a scratch file and
    moved into place only once accepted, so an interrupted, failed or refused build
    leaves no map behind, nor a half-written one.
    """
    scratch = tempfile.mkdtemp(prefix="hotfix-guard-map-")
    try:
        started = time.time()
        document = _run_plugin(scratch, tree, [*pytest_command, "-p", PLUGIN_MODULE], env, cover=True)
        seconds = time.time() - started
        _require_complete(document)
        source_lines = _require_source(document, sources, tree)
        failing = _require_same_failures(scratch, tree, pytest_command, env, document)
        document.update(built=started, seconds=round(seconds, 1), source_lines=source_lines, failing=failing)
        target = map_path(git_dir, base_sha)
        _write_json(target, document)
        record_suite_time(git_dir, seconds, "map build")  # what the next base's build will cost
        tests = sum(1 for entry in _strings(document["tests"]) if not entry.startswith(_GROUPS))
        status = int(document.get("exitstatus", 0))  # type: ignore[call-overload]
        return BuildResult(target, tests, len(document["files"]), status, source_lines, failing)  # type: ignore[arg-type]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_plugin(scratch: str, tree: str, command: list[str], env: dict[str, str], cover: bool) -> dict[str, object]:
    """Run COMMAND (pytest with the plugin) in TREE; the plugin's document, or an error."""
    import subprocess

    plugin = os.path.join(scratch, f"{PLUGIN_MODULE}.py")
    if not os.path.exists(plugin):
        shutil.copyfile(os.path.join(os.path.dirname(__file__), "testmap_plugin.py"), plugin)
    out = os.path.join(scratch, "map.json" if cover else "rerun.json")
    run_env = dict(
        env, HOTFIX_GUARD_MAP_ROOT=tree, HOTFIX_GUARD_MAP_OUT=out, HOTFIX_GUARD_MAP_COVER="1" if cover else "0"
    )
    run_env["PYTHONPATH"] = os.pathsep.join(p for p in (scratch, env.get("PYTHONPATH", "")) if p)
    status = subprocess.run(command, cwd=tree, env=run_env, stdout=2, stdin=subprocess.DEVNULL).returncode
    what = "building the test map" if cover else "running the failed tests again without the map"
    if status not in (0, 1) or not os.path.exists(out):
        raise HotfixGuardError(
            f"{what} failed: pytest exited with {status} ({describe_pytest_exit(status)}); no map was stored"
        )
    with open(out, encoding="utf-8", errors="surrogateescape") as handle:
        document: dict[str, object] = json.load(handle)
    return document


def _require_complete(document: dict[str, object]) -> None:
    """A map that missed tests, or recorded no line, would narrow selections wrongly."""
    tests = [entry for entry in _strings(document["tests"]) if not entry.startswith(_GROUPS)]
    if not tests:
        raise HotfixGuardError("building the test map failed: pytest ran no tests; no map was stored")
    collected = document.get("collected")
    if isinstance(collected, int) and len(tests) < collected:
        raise HotfixGuardError(
            f"building the test map failed: the run stopped after {len(tests)} of {collected} tests "
            "(-x or --maxfail?); no map was stored"
        )
    if not document["masks"]:
        raise HotfixGuardError(
            "building the test map failed: no test recorded a line (is another coverage tool running, "
            'such as --cov in addopts? set [focused-tests] pytest-args = ["--no-cov"]); no map was stored'
        )


def _require_source(document: dict[str, object], sources: list[str], tree: str) -> int:
    """The lines of SOURCES the map recorded; none at all is refused, with where the tests
    found the project's modules instead (selection would fall back to the import graph)."""
    files = document["files"]
    assert isinstance(files, dict)
    mapped = [path for path in sources if path in files]
    if sources and not mapped:
        elsewhere = _strings(document.get("elsewhere", []))
        copies = [found for found in elsewhere if any(found.endswith("/" + path) for path in sources)]
        where = (
            f"the tests imported them from {_shown(copies)}, outside {tree}: an absolute PYTHONPATH or an "
            "editable install points at another checkout; build the map from a checkout of the base "
            "(git switch --detach BASE) with that install, or make PYTHONPATH relative"
            if copies
            else "do the tests import the project from an installed copy? install it editable (pip install -e .) "
            "or put its source on a relative PYTHONPATH"
        )
        raise HotfixGuardError(
            f"building the test map failed: the tests ran no line of the project's own {len(sources)} Python "
            f"files (only test files were recorded); {where}; no map was stored"
        )
    return sum(len(files[path][0]) + len(files[path][1]) for path in mapped)


def _require_same_failures(
    scratch: str, tree: str, pytest_command: list[str], env: dict[str, str], document: dict[str, object]
) -> list[str]:
    """The tests that failed in the build and fail again without the map; a test that
    passes without it means the build changed the suite, and no map is stored."""
    failed = _strings(document.get("failed", []))
    if not failed:
        return []
    rootdir = str(document.get("rootdir", "."))
    ids = [f"{rootdir}/{test}" if rootdir not in ("", ".") else test for test in failed]
    again = _run_plugin(scratch, tree, [*pytest_command, "-p", PLUGIN_MODULE, "--", *ids], env, cover=False)
    still = set(_strings(again.get("failed", [])))
    only_with_map = [test for test in failed if test not in still]
    if only_with_map:
        raise HotfixGuardError(
            f"building the test map failed: {len(only_with_map)} test(s) failed under the map build but not "
            f"when run again without it: {_shown(only_with_map)}; no map was stored (the map must not change "
            "the suite: please report it)"
        )
    return failed


def _shown(items: list[str], limit: int = 5) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _write_json(target: str, document: dict[str, object]) -> None:
    """Write DOCUMENT to TARGET whole or not at all: paths.write_atomic (a temporary file of this
    process's own, never through a symlink, then a rename), as every other file of ours."""
    from hotfix_guard.paths import write_atomic

    os.makedirs(os.path.dirname(target), exist_ok=True)
    write_atomic(target, json.dumps(document).encode("ascii"))  # json.dumps escapes all but ASCII


def _suite_time_path(git_dir: str) -> str:
    return os.path.join(git_dir, "hotfix-guard", "suite-time.json")


def record_suite_time(git_dir: str, seconds: float, kind: str) -> None:
    """Remember how long the whole suite took (a map build, or a full run): what a build will cost."""
    with contextlib.suppress(OSError):
        _write_json(_suite_time_path(git_dir), {"seconds": round(seconds, 1), "kind": kind, "at": time.time()})


def last_suite_time(git_dir: str) -> tuple[float, str] | None:
    """(seconds, "map build" or "full suite") of the last whole-suite run recorded, if any."""
    try:
        with open(_suite_time_path(git_dir), encoding="utf-8") as handle:
            document = json.load(handle)
        return float(document["seconds"]), str(document["kind"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


PYTEST_EXITS = {
    0: "all tests passed",
    1: "tests failed",
    2: "interrupted, or errors while collecting the tests",
    3: "pytest's internal error",
    4: "pytest usage error",
    5: "no tests collected",
}


def describe_pytest_exit(status: int) -> str:
    if status < 0:
        return f"killed by signal {-status}"
    return PYTEST_EXITS.get(status, "unexpected exit status")
