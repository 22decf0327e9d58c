"""The per-test coverage map of a base commit: which test runs which lines.

Built once per release by running the whole suite under coverage.py with one context
per test (`hotfix-guard tests --build-map`), stored in the git directory under
`hotfix-guard/test-maps/<base commit>.json`. A hotfix's base is a release tag, which
never moves, so a map built for it never goes stale.

Sets of tests are stored as hexadecimal bit masks over the map's test list, each
distinct mask once: neighbouring lines are mostly run by the same tests.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

from hotfix_guard.errors import HotfixGuardError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

PLUGIN_MODULE = "hotfix_guard_testmap"
SCOPE = "scope:"
IMPORT = "import:"
_GROUPS = (SCOPE, IMPORT)
FORMAT = 3


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


def load(git_dir: str, base_sha: str) -> TestMap | None:
    """The map of BASE_SHA, or None when none was built (or it cannot be read: build it again)."""
    path = map_path(git_dir, base_sha)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    try:
        return TestMap(document, path)
    except (KeyError, AssertionError):
        return None


class BuildResult:
    __slots__ = ("path", "tests", "files", "exit_status")

    def __init__(self, path: str, tests: int, files: int, exit_status: int):
        self.path = path
        self.tests = tests
        self.files = files
        self.exit_status = exit_status


def build(tree: str, git_dir: str, base_sha: str, pytest_command: list[str], env: dict[str, str]) -> BuildResult:
    """Run the whole suite in TREE (a checkout of BASE_SHA) under the map plugin; store the map.

    pytest's own output is the progress (on stderr). The map is written to a scratch
    file and moved into place only once complete, so an interrupted or failed build
    leaves no map behind, nor a half-written one.
    """
    import subprocess

    scratch = tempfile.mkdtemp(prefix="hotfix-guard-map-")
    try:
        shutil.copyfile(
            os.path.join(os.path.dirname(__file__), "testmap_plugin.py"), os.path.join(scratch, f"{PLUGIN_MODULE}.py")
        )
        out = os.path.join(scratch, "map.json")
        run_env = dict(env, HOTFIX_GUARD_MAP_ROOT=tree, HOTFIX_GUARD_MAP_OUT=out)
        run_env["PYTHONPATH"] = os.pathsep.join(p for p in (scratch, env.get("PYTHONPATH", "")) if p)
        command = [*pytest_command, "-p", PLUGIN_MODULE]
        status = subprocess.run(command, cwd=tree, env=run_env, stdout=2, stdin=subprocess.DEVNULL).returncode
        if status not in (0, 1) or not os.path.exists(out):
            raise HotfixGuardError(
                f"building the test map failed: pytest exited with {status} ({describe_pytest_exit(status)}); no map was stored"
            )
        with open(out, encoding="utf-8", errors="surrogateescape") as handle:
            document = json.load(handle)
        _require_complete(document)
        target = map_path(git_dir, base_sha)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        partial = f"{target}.partial"
        shutil.copyfile(out, partial)
        os.replace(partial, target)
        tests = sum(1 for entry in document["tests"] if not entry.startswith(_GROUPS))
        return BuildResult(target, tests, len(document["files"]), status)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _require_complete(document: dict[str, object]) -> None:
    """A map that missed tests, or recorded no line, would narrow selections wrongly."""
    tests = [entry for entry in document["tests"] if not str(entry).startswith(_GROUPS)]  # type: ignore[attr-defined]
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
