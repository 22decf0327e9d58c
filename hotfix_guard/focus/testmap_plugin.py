"""A pytest plugin that records which test runs which lines; loaded by `--build-map`.

It runs inside the project's own Python (with `-p hotfix_guard_testmap`), so it imports
nothing of hotfix-guard: only coverage.py and pytest. Coverage starts as the plugin is
imported, before conftest and test modules are, so code that runs at import time is
measured too, under the empty context: the map keeps those lines apart as "outside"
any test. Each test is its own
coverage context. Importing a test module, and setting up a fixture wider than one
test, get a context of their own ("scope:" + the module's, class's or session's node
id): what runs then is shared by every test in that scope. The map is written to
HOTFIX_GUARD_MAP_OUT when the session ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator

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
    _scopes.append("scope:" + collector.nodeid)
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
            if "" in contexts:
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
        "format": 2,
        "rootdir": rootdir,
        "exitstatus": int(exitstatus),
        "tests": entries,
        "masks": masks,
        "files": files,
    }
    with open(_OUT, "w", encoding="utf-8", errors="surrogateescape") as handle:
        json.dump(document, handle)
