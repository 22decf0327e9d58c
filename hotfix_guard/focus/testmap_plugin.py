"""A pytest plugin that records which test runs which lines; loaded by `--build-map`.

It runs inside the project's own Python (with `-p hotfix_guard_testmap`), so it imports
nothing of hotfix-guard: only coverage.py and pytest. It only observes: no loader,
finder, importer or module attribute is replaced or wrapped, so the suite runs as it
does without it (a package imported from a zip file keeps its zipimporter).

Coverage starts as the plugin is imported, before conftest and test modules are, so
code that runs at import time is measured too, under the empty context: the map keeps
those lines apart as "outside" any test. Each test is its own coverage context.
Importing a test module ("import:" + its node id) and setting up a fixture wider than
one test ("scope:" + the module's, class's or session's node id) get contexts of their
own: what runs then is shared by every test in that scope.

A project module runs its top level once, for whichever test (or test module) imports
it first; every later importer shares what it built. So that code is recorded as
outside all tests, not as the first importer's: an audit hook sees the module's code
object handed to `exec` (which every loader does), and a profile function, installed
only while such a module runs, sees its frame start and end. Coverage traces with
sys.settrace; the profile function is a separate slot, and one already set is called on.

With HOTFIX_GUARD_MAP_COVER=0 it measures nothing and only records which tests failed
(the rerun that tells a failure the map caused from one the base has anyway). The
result is written to HOTFIX_GUARD_MAP_OUT when the session ends.
"""

from __future__ import annotations

import json
import os
import sys
import sysconfig
import threading
from collections.abc import Generator
from typing import Any

import pytest

_ROOT = os.path.realpath(os.environ["HOTFIX_GUARD_MAP_ROOT"])
_OUT = os.environ["HOTFIX_GUARD_MAP_OUT"]
_COVER = os.environ.get("HOTFIX_GUARD_MAP_COVER", "1") != "0"
_SKIPPED_DIRS = ("*/site-packages/*", "*/.venv/*", "*/venv/*", "*/.tox/*", "*/.nox/*", "*/node_modules/*", "*/build/*")
_ELSEWHERE_LIMIT = 200

_tests: list[str] = []
_scopes: list[str] = []
_failed: dict[str, None] = {}
_current = [""]
_coverage: Any = None


def _switch(context: str) -> None:
    _current[0] = context
    if _coverage is not None:
        _coverage.switch_context(context)


class _ImportObserver:
    """Records a project module's top level, and what it calls, outside any test's context."""

    def __init__(self) -> None:
        self.on = True
        self._local = threading.local()
        self._shared: dict[str, bool] = {}

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "exec" or not self.on:
            return
        code = args[0]
        if getattr(code, "co_name", None) != "<module>" or not self._is_shared(code.co_filename):
            return
        state = self._state()
        previous = sys.getprofile()
        if not state.running:
            if previous is not None and not callable(previous):
                return  # a C profiler we cannot call on: leave this import as it is
            state.chained = previous
            sys.setprofile(self.profile)
        elif previous is not self.profile:
            return
        elif state.running[-1][1] is None:
            state.running.pop()  # an exec that never ran (another audit hook stopped it)
        state.running.append([code, None, ""])

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        state = self._state()
        if state.chained is not None:
            state.chained(frame, event, arg)
        running = state.running
        if not running:
            return
        top = running[-1]
        if top[1] is None:
            if event != "call" or frame.f_code is not top[0]:
                return  # not yet the module's frame (another audit hook, say)
            top[1], top[2] = frame, _current[0]
            _switch("")
        elif event == "return" and frame is top[1]:
            running.pop()
            _switch(top[2])
            self._stop_if_done(state)

    def _stop_if_done(self, state: Any) -> None:
        if not state.running:
            sys.setprofile(state.chained)
            state.chained = None

    def _state(self) -> Any:
        state = self._local
        if not hasattr(state, "running"):
            state.running = []
            state.chained = None
        return state

    def _is_shared(self, filename: str) -> bool:
        """Project modules, not test modules nor conftest.py (pytest imports those itself)."""
        shared = self._shared.get(filename)
        if shared is None:
            path = os.path.realpath(filename)
            shared = path.startswith(_ROOT + os.sep) and path.endswith(".py") and not _is_test_module(path)
            self._shared[filename] = shared
        return shared


def _is_test_module(path: str) -> bool:
    name = os.path.basename(path)
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


_observer = _ImportObserver()
if _COVER:
    import coverage

    _coverage = coverage.Coverage(data_file=None, config_file=False, source=[_ROOT], omit=list(_SKIPPED_DIRS))
    _coverage.start()
    sys.addaudithook(_observer.audit)  # cannot be removed: switched off when the session ends


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # One process: tests that pytest-xdist sends to workers would escape this coverage.
    if getattr(config.option, "numprocesses", None):
        config.option.numprocesses = None
    if getattr(config.option, "dist", "no") != "no":
        config.option.dist = "no"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    _tests.append(item.nodeid)
    _switch(item.nodeid)
    yield
    _switch("")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        _failed[report.nodeid] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, None, None]:
    if not isinstance(collector, pytest.Module):
        yield
        return
    _scopes.append("import:" + collector.nodeid)
    _switch(_scopes[-1])
    yield
    _switch("")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, None, None]:
    if fixturedef.scope == "function":
        yield
        return
    previous = _current[0]
    _scopes.append("scope:" + request.node.nodeid)
    _switch(_scopes[-1])
    yield
    _switch(previous)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _observer.on = False
    files: dict[str, list[object]] = {}
    entries = _tests + sorted(set(_scopes))
    masks: list[str] = []
    if _coverage is not None:
        _coverage.stop()
        files, masks = _lines_by_test(_coverage.get_data(), entries)
    rootdir = os.path.relpath(os.path.realpath(str(session.config.rootpath)), _ROOT).replace(os.sep, "/")
    document = {
        "format": 4,
        "rootdir": rootdir,
        "exitstatus": int(exitstatus),
        "collected": session.testscollected,
        "tests": entries,
        "masks": masks,
        "files": files,
        "failed": list(_failed),
        "elsewhere": _modules_elsewhere(),
    }
    with open(_OUT, "w", encoding="utf-8", errors="surrogateescape") as handle:
        json.dump(document, handle)


def _lines_by_test(data: Any, entries: list[str]) -> tuple[dict[str, list[object]], list[str]]:
    """Per file: {line: mask number} of the tests that ran it, and the lines run outside tests."""
    index = {entry: number for number, entry in enumerate(entries)}
    masks: list[str] = []
    mask_numbers: dict[str, int] = {}
    files: dict[str, list[object]] = {}
    for path in sorted(data.measured_files()):
        relative = os.path.relpath(os.path.realpath(path), _ROOT).replace(os.sep, "/")
        if relative.startswith("../"):
            continue
        lines: dict[str, int] = {}
        outside: list[int] = []
        for line, contexts in (data.contexts_by_lineno(path) or {}).items():
            if "" in contexts:  # a test module's own import has its "import:" entry, for its tests
                outside.append(line)
            bits = 0
            for context in contexts:
                number = index.get(context)
                if number is not None:
                    bits |= 1 << number
            if bits:
                mask = format(bits, "x")
                lines[str(line)] = mask_numbers.setdefault(mask, len(masks))
                if len(masks) < len(mask_numbers):
                    masks.append(mask)
        files[relative] = [lines, sorted(outside)]
    return files, masks


def _modules_elsewhere() -> list[str]:
    """Python files the tests imported from outside the mapped tree and outside any
    installation: a copy of the project elsewhere (an absolute PYTHONPATH, an editable
    install of another checkout) that the map cannot speak for."""
    installed = {os.path.realpath(p) for p in sysconfig.get_paths().values()}
    installed |= {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    here = os.path.dirname(os.path.realpath(__file__))
    found: list[str] = []
    for module in list(sys.modules.values()):
        try:
            name: object = vars(module).get("__file__")
        except TypeError:
            continue
        if not isinstance(name, str) or not name.endswith(".py"):
            continue
        path = os.path.realpath(name)
        if path.startswith(_ROOT + os.sep) or os.path.dirname(path) == here:
            continue
        if any(path.startswith(p + os.sep) for p in installed) or "/site-packages/" in path:
            continue
        found.append(path)
        if len(found) >= _ELSEWHERE_LIMIT:
            break
    return sorted(found)
