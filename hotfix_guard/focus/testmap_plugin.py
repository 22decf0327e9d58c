"""A pytest plugin that records which test runs which lines; loaded by `--build-map`.

It runs inside the project's own Python (with `-p hotfix_guard_testmap`), so it imports
nothing of hotfix-guard: only coverage.py and pytest. Coverage starts as the plugin is
imported, before conftest and test modules are, so code that runs at import time is
measured too, under the empty context: the map keeps those lines apart as "outside"
any test. Each test is its own
coverage context. Importing a test module ("import:" + its node id) and setting up a
fixture wider than one test ("scope:" + the module's, class's or session's node id) get
contexts of their own: what runs then is shared by every test in that scope. Lines run
at import time (before any test, or while a test module was imported) are also listed
as "outside" any test: modules imported then are shared by every later importer. The map is written to
HOTFIX_GUARD_MAP_OUT when the session ends.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Generator
from typing import Any

import coverage
import pytest

_ROOT = os.path.realpath(os.environ["HOTFIX_GUARD_MAP_ROOT"])
_OUT = os.environ["HOTFIX_GUARD_MAP_OUT"]
_SKIPPED_DIRS = ("*/site-packages/*", "*/.venv/*", "*/venv/*", "*/.tox/*", "*/.nox/*", "*/node_modules/*", "*/build/*")

_coverage = coverage.Coverage(data_file=None, config_file=False, source=[_ROOT], omit=list(_SKIPPED_DIRS))
_coverage.start()
_tests: list[str] = []
_scopes: list[str] = []
_current = [""]


def _switch(context: str) -> None:
    _current[0] = context
    _coverage.switch_context(context)


class _SharedModuleLoader:
    """Runs a project module's import-time code outside any test's context.

    A module runs its top level once, for whichever test (or test module) imports it
    first; every later importer shares what it built. So that code is recorded as
    outside all tests, not as the first importer's.
    """

    def __init__(self, loader: Any):
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        previous = _current[0]
        _switch("")
        try:
            self._loader.exec_module(module)
        finally:
            _switch(previous)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _SharedModuleFinder:
    """Finds project modules (not test modules nor conftest.py, which pytest imports and
    rewrites) with the other finders, and hands them to a _SharedModuleLoader."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is None:
                continue
            origin = os.path.realpath(spec.origin) if spec.origin else ""
            shared = origin.startswith(_ROOT + os.sep) and origin.endswith(".py") and not _is_test_module(origin)
            if shared and hasattr(spec.loader, "exec_module"):
                spec.loader = _SharedModuleLoader(spec.loader)  # type: ignore[assignment]
            return spec
        return None


def _is_test_module(path: str) -> bool:
    name = os.path.basename(path)
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


sys.meta_path.insert(0, _SharedModuleFinder())


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
    _coverage.stop()
    data = _coverage.get_data()
    entries = _tests + sorted(set(_scopes))
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
            if any(context == "" or context.startswith("import:") for context in contexts):
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
    rootdir = os.path.relpath(os.path.realpath(str(session.config.rootpath)), _ROOT).replace(os.sep, "/")
    document = {
        "format": 3,
        "rootdir": rootdir,
        "exitstatus": int(exitstatus),
        "collected": session.testscollected,
        "tests": entries,
        "masks": masks,
        "files": files,
    }
    with open(_OUT, "w", encoding="utf-8", errors="surrogateescape") as handle:
        json.dump(document, handle)
