"""The JavaScript side of the focused tests, without starting a runner: which runner,
which files are tests, what imports what, the runners' summaries, the template's placeholders."""

from __future__ import annotations

import json
import re
import shlex
import sys
import time
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from focus_npm_test import _ended

from hotfix_guard.focus import jsproject, jsrun, run
from hotfix_guard.focus.runner import detect


@pytest.mark.parametrize(
    ("package", "runner", "why"),
    [
        ({"scripts": {"test": "jest --coverage"}}, "jest", "test script"),
        ({"scripts": {"test": "cross-env NODE_ENV=test vitest run"}}, "vitest", "test script"),
        ({"scripts": {"test": "npm run lint && mocha test/*.js"}}, "mocha", "test script"),
        ({"scripts": {"test": "node --experimental-vm-modules --test test/"}}, "node", "test script"),
        # Seen on @fastify/error 4.3.0: the test script only calls other scripts.
        (
            {"scripts": {"test": "npm run test:unit && npm run test:typescript", "test:unit": "c8 --100 node --test"}},
            "node",
            "test:unit: 'c8 --100 node --test'",
        ),
        ({"scripts": {"test": "node test/index.js"}, "devDependencies": {"mocha": "1"}}, "mocha", "a dependency"),
        ({"devDependencies": {"jest": "1", "mocha": "1"}}, "jest", "took the first"),
        ({"scripts": {"test": "tap"}}, "pytest", "names no runner hotfix-guard knows"),
        ({"name": "x"}, "pytest", "names no test runner"),
    ],
)
def test_runner_is_detected_from_package_json(
    tmp_path: Path, package: dict[str, object], runner: str, why: str
) -> None:
    (tmp_path / "package.json").write_text(json.dumps(package))
    choice = detect(str(tmp_path))
    assert (choice.name, why in choice.reason) == (runner, True), choice.reason


def test_without_package_json_the_runner_is_pytest(tmp_path: Path) -> None:
    assert detect(str(tmp_path)).name == "pytest"


@pytest.mark.parametrize(
    ("path", "text", "is_test"),
    [
        ("src/a.test.js", "", True),
        ("lib/b.spec.ts", "", True),
        ("test/c.js", "it('works', () => {})", True),
        ("test/helpers.js", "module.exports = {}", False),  # a helper: traced through the tests' imports
        ("__tests__/d.jsx", "test('x', () => {})", True),
        ("node_modules/e/e.test.js", "", False),
        ("test/data.json", "", False),
        ("types.d.ts", "", False),
    ],
)
def test_test_files(tmp_path: Path, path: str, text: str, is_test: bool) -> None:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text)
    assert jsproject.is_test_file(str(tmp_path), path) is is_test


def test_import_graph_follows_require_import_index_main_and_the_own_name(tmp_path: Path) -> None:
    files = {
        "package.json": '{"name": "calc", "main": "lib/main.js"}',
        "lib/main.js": "module.exports = require('./core');",
        "lib/core/index.js": "import { x } from '../util.mjs';\nexport * from './more';",
        "lib/more.ts": "",
        "lib/util.mjs": "const y = await import('./lazy.js');",
        "lib/lazy.js": "",
        "test/own.test.js": "const calc = require('calc');",
        "test/root.test.js": "const calc = require('..');\nconst fs = require('fs');",
        "test/other.test.js": "import './helper.js';",
        "test/helper.js": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = jsproject.ImportGraph(str(tmp_path), list(files))
    reached = {"lib/main.js", "lib/core/index.js", "lib/util.mjs", "lib/lazy.js"}
    assert reached <= graph.reach("test/own.test.js")
    assert reached <= graph.reach("test/root.test.js")
    assert "lib/more.ts" not in graph.reach("test/own.test.js")  # export * from './more' is lib/core/more
    assert graph.reach("test/other.test.js") == {"test/other.test.js", "test/helper.js"}


@pytest.mark.parametrize(
    ("output", "counts"),
    [
        ("Tests:       1 failed, 3 passed, 4 total\n", (3, 1)),
        ("Tests:       2 skipped, 2 total\n", (0, 0)),
        ("      Tests  1 passed | 2 skipped (3)\n", (1, 0)),
        ("\x1b[2m      Tests \x1b[22m 2 failed | 1 passed (3)\n", (1, 2)),
        ("  3 passing (5ms)\n  1 failing\n", (3, 1)),
        ("  0 passing (1ms)\n", (0, 0)),
        ("# tests 2\n# pass 2\n# fail 0\n", (2, 0)),
        ("\u2139 tests 3\n\u2139 pass 0\n\u2139 fail 0\n\u2139 skipped 3\n", (0, 0)),
        ("====== 4 passed, 1 failed in 0.12s ======\n", (4, 1)),
        ("No tests found, exiting with code 1\n", (0, 0)),
        ("all good\n", (None, None)),
        ("  2 passing\n> next\n  1 passing\n", (3, 0)),  # a chained script: both runs count
    ],
)
def test_summary_counts_of_each_runner(output: str, counts: tuple[int | None, int | None]) -> None:
    assert run.summary_counts(output) == counts


def test_template_fills_pattern_files_and_sources_as_words() -> None:
    command = run.expand_command(
        "jest --findRelatedTests {sources} {files} -t={pattern}", "auth", ["a.test.js"], ["src/a.js", "-x.js"]
    )
    assert command == ["jest", "--findRelatedTests", "src/a.js", "./-x.js", "a.test.js", "-t=auth"]


@pytest.mark.parametrize("pattern", ["critical|security|auth", r"\bAuth[a-z]+\d", "log[- ]in", "é"])
def test_case_insensitive_pattern_for_vitest_matches_as_python_would(pattern: str) -> None:
    converted = re.compile(jsrun.case_insensitive(pattern))
    for name in ("Security check", "AUTHzz1 flow", "LOG IN", "log-in", "É", "nothing"):
        assert bool(converted.search(name)) == bool(re.search(pattern, name, re.IGNORECASE)), name


def test_unknown_runner_is_a_config_error(repo: GitRepo) -> None:
    repo.commit("feat: app", **{".hotfix-guard.toml": '[focused-tests]\nrunner = "ava"\n', "app.js": "x\n"})
    repo.tag("v1.0.0")
    result = run_cli(repo, "tests", "--list")
    assert result.exit_code == 2
    assert "must be one of jest, vitest, mocha, node, pytest, command (or empty), got 'ava'" in result.output


def test_doctor_names_the_runner_and_that_it_cannot_start(repo: GitRepo) -> None:
    repo.commit("feat: app", **{"package.json": '{"devDependencies": {"vitest": "3"}}', "app.js": "x\n"})
    result = run_cli(repo, "doctor")
    assert "focused tests: vitest (a dependency in package.json), cannot start" in result.output
    assert "  - focused tests: cannot start vitest: node_modules/.bin/vitest is not in" in result.output
    assert "    fix: npm ci (or npm install), then: hotfix-guard doctor" in result.output


def test_an_npm_project_whose_runner_is_unknown_fails_rather_than_finding_no_tests(
    repo: GitRepo, tmp_path: Path
) -> None:
    """Seen on @fastify/deepmerge 3.2.4 (tape): 'no tests found', and validate passed."""
    package = '{"scripts": {"test": "npm run unit", "unit": "c8 tape test/*.js"}}'
    repo.commit("feat: lib", **{"package.json": package, "index.js": "x\n", "test__a.test.js": "test('a', t => {})\n"})
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1")
    repo.commit("fix: HOTFIX - lib", **{"index.js": "y\n"})
    result = run_cli(repo, "validate")
    assert result.exit_code == 1
    assert (
        "error   [focused-tests] 1 JavaScript test file and no runner to run them (package.json's test script"
        in result.output
    )
    assert "set [focused-tests] runner (jest, vitest, mocha, node) or test-command; nothing ran" in result.output
    listed = run_cli(repo, "tests", "--list", "--explain")
    assert listed.output.startswith("# note: 1 JavaScript test file and no runner to run them")
    config = tmp_path / "config.toml"
    config.write_text('[focused-tests]\nrunner = "pytest"\n')  # chosen, not guessed: then there are no tests
    assert run_cli(repo, "--config", str(config), "tests").output.endswith(
        "focused tests: nothing to run: no tests found\n"
    )


def test_reports_of_each_runner_become_the_same_records(tmp_path: Path) -> None:
    top = str(tmp_path)
    jest = {
        "testResults": [
            {
                "name": f"{top}/test/a.test.js",
                "status": "failed",
                "assertionResults": [
                    {"fullName": "a works", "status": "passed"},
                    {"fullName": "a fails", "status": "failed"},
                    {"fullName": "a later", "status": "pending"},
                ],
            },
            {
                "name": f"{top}/test/broken.test.js",
                "status": "failed",
                "assertionResults": [],
                "message": "SyntaxError",
            },
        ]
    }
    assert jsrun._jest_records(jest, top) == [
        ("test/a.test.js", "a works", True),
        ("test/a.test.js", "a fails", False),
        ("test/broken.test.js", "(the test file failed to run)", False),
    ]
    mocha = {"passes": [{"fullTitle": "m ok", "file": f"{top}/test/m.js"}], "failures": [{"fullTitle": "m no"}]}
    assert jsrun._mocha_records(mocha, top) == [("test/m.js", "m ok", True), ("", "m no", False)]
    node = [
        {"passed": True, "name": "n", "file": f"{top}/n.test.js", "nesting": 1},
        {"passed": True, "name": "skipped by the pattern", "file": f"{top}/n.test.js", "skipped": True},
        {"passed": True, "name": "a describe", "file": f"{top}/n.test.js", "suite": True},
        {"passed": False, "name": f"{top}/x.test.js", "file": f"{top}/x.test.js", "nesting": 0},
        # node 20 reports each file as a test named by its path: a file that loaded, with no test in it, is none.
        {"passed": True, "name": f"{top}/empty.test.js", "file": f"{top}/empty.test.js", "nesting": 0},
    ]
    assert jsrun._node_records(node, top) == [
        ("n.test.js", "1:n", True),
        ("x.test.js", "(the test file failed to run)", False),
    ]


@pytest.mark.parametrize(
    ("records", "odd_exit", "outcome", "summary"),
    [
        ({("a", "t", True): 1, ("a", "u", False): 1}, None, "failed", "tests failed"),
        ({}, (1, ["jest"]), "no-tests", "jest ran no test from the selection, and running none is never a pass"),
        ({("a", "t", True): 2}, (1, ["jest"]), "failed", "jest exited with 1 although no test failed"),
        ({("a", "t", True): 2}, None, "passed", "all tests passed"),
    ],
)
def test_verdict(
    records: dict[tuple[str, str, bool], int], odd_exit: tuple[int, list[str]] | None, outcome: str, summary: str
) -> None:
    result = jsrun._verdict("jest", records, ["jest"], odd_exit)
    assert (result.outcome, result.summary.startswith(summary)) == (outcome, True)


def _template_project(repo: GitRepo, tmp_path: Path, template: str) -> tuple[Path, str]:
    """A released npm project whose test-command records its arguments; the hotfix changes a
    module, the README and a test file. Returns the record and the command's start."""
    record = tmp_path / "argv.json"
    script = f"import json, sys; json.dump(sys.argv[1:], open({str(record)!r}, 'w')); print('  1 passing')"
    start = f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}"
    config = f"[focused-tests]\ntest-command = {json.dumps(start + ' ' + template)}\n"
    repo.commit("feat: lib", **{".hotfix-guard.toml": config, "lib__a.js": "1\n", "test__a.test.js": "t\n"})
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit("fix: HOTFIX - a", **{"lib__a.js": "2\n", "README.md": "fixed\n", "test__b.test.js": "t\n"})
    return record, start


def test_a_template_without_files_refuses_a_change_with_changed_tests(repo: GitRepo, tmp_path: Path) -> None:
    """jest --findRelatedTests {sources} ran a.test.js only: the hotfix's new test never ran, and it passed."""
    record, start = _template_project(repo, tmp_path, "--findRelatedTests {sources}")
    listed = run_cli(repo, "tests", "--list").output.splitlines()
    assert listed[-1] == f"{start} --findRelatedTests lib/a.js"  # the command as it would really run
    result = run_cli(repo, "tests")
    assert result.exit_code == 2, result.output
    assert (
        "focused tests FAILED: test-command has no {files}, so the changed test files (test/b.test.js) would not "
        "be run: add {files} to test-command, or set [focused-tests] runner" in result.output
    )
    assert not record.exists()  # nothing ran


def test_sources_leave_out_what_the_ignore_setting_matches(repo: GitRepo, tmp_path: Path) -> None:
    """README.md was given to {sources}: jest found no test for it and failed the check."""
    record, start = _template_project(repo, tmp_path, "--findRelatedTests {sources} {files}")
    listed = run_cli(repo, "tests", "--list", "--explain").output.splitlines()
    assert f"# command: {start} --findRelatedTests lib/a.js test/b.test.js" in listed
    assert "# ignored: README.md (matches [focused-tests] ignore)" in listed
    result = run_cli(repo, "tests")
    assert result.exit_code == 0, result.output
    assert json.loads(record.read_text()) == ["--findRelatedTests", "lib/a.js", "test/b.test.js"]


def _write(top: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text(text)


MONOREPO = {
    "package.json": json.dumps(
        {
            "name": "calc",
            "exports": {
                ".": {"types": "./lib/main.d.ts", "import": "./lib/main.mjs", "require": "./lib/main.js"},
                "./sub/*": "./lib/sub/*.js",
                "./built": "./dist/built.js",
            },
            "imports": {"#int": "./lib/internal.js", "#helpers/*": {"node": "./lib/helpers/*.js"}, "#dep": "lodash"},
            "workspaces": ["packages/*"],
        }
    ),
    "lib/main.js": "",
    "lib/main.mjs": "",
    "lib/sub/s.js": "",
    "lib/internal.js": "",
    "lib/helpers/h.js": "",
    "lib/tmpl.js": "",
    "lib/dyn.js": "",
    "packages/a/package.json": '{"name": "@x/a", "main": "src/index.js", "imports": {"#util": "./src/util.js"}}',
    "packages/a/src/index.js": "module.exports = require('#util');",
    "packages/a/src/util.js": "",
    "packages/b/package.json": '{"name": "@x/b", "exports": "./b.js"}',
    "packages/b/b.js": "",
    "packages/b/test/fixture/package.json": '{"name": "not-a-workspace"}',
    "test/all.test.js": "require(`../lib/tmpl`);\nimport(`../lib/dyn.js`);\nrequire('calc');\n"
    "require('calc/sub/s');\nrequire('#int');\nrequire('#helpers/h');\nrequire('@x/a');\nimport '@x/b';\n"
    "require('#dep');\nrequire('lodash');\nrequire('node:fs');\n",
}


def test_import_graph_follows_templates_exports_imports_and_workspaces(tmp_path: Path) -> None:
    _write(tmp_path, MONOREPO)
    graph = jsproject.ImportGraph(str(tmp_path), list(MONOREPO))
    assert graph.reach("test/all.test.js") == {
        "test/all.test.js",
        "lib/tmpl.js",
        "lib/dyn.js",
        "lib/main.js",
        "lib/main.mjs",
        "lib/sub/s.js",
        "lib/internal.js",
        "lib/helpers/h.js",
        "packages/a/src/index.js",
        "packages/a/src/util.js",
        "packages/b/b.js",
    }
    assert graph.unresolved == {}


@pytest.mark.parametrize(
    "specifier",
    ["`./lib/${name}`", "'calc/built'", "'calc/not-exported'", "'#nothing'", "'./lib/missing'", "'/etc/x'"],
)
def test_import_graph_keeps_what_it_cannot_resolve(tmp_path: Path, specifier: str) -> None:
    files = {**MONOREPO, "test/all.test.js": f"require({specifier});\n"}
    _write(tmp_path, files)
    graph = jsproject.ImportGraph(str(tmp_path), list(files))
    assert graph.reach("test/all.test.js") == {"test/all.test.js"}
    assert graph.unresolved == {"test/all.test.js": [specifier[1:-1]]}


def test_a_module_behind_an_import_it_cannot_resolve_runs_the_whole_suite(repo: GitRepo) -> None:
    """require(`../lib/${name}`) reaches lib/a.js at run time: only the other test was selected."""
    repo.commit(
        "feat: lib",
        **{
            "package.json": '{"name": "calc", "scripts": {"test": "node --test"}}',
            "lib__a.js": "1\n",
            "test__direct.test.js": "require('../lib/a');\nit('a', () => {});\n",
            "test__dynamic.test.js": "const name = 'a';\nrequire(`../lib/${name}`);\nit('b', () => {});\n",
        },
    )
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit("fix: HOTFIX - a", **{"lib__a.js": "2\n"})
    listed = run_cli(repo, "tests", "--list", "--explain").output.splitlines()
    assert (
        "# whole suite: test/dynamic.test.js imports '../lib/${name}', which hotfix-guard cannot trace to a "
        "tracked file, so a changed module may be behind it" in listed
    )


def test_read_bytes_reads_regular_files_inside_the_repository_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shared by the Python and the JavaScript side: a tracked symlink may lead anywhere."""
    import os

    from hotfix_guard.focus import discover

    top, outside = tmp_path / "repo", tmp_path / "secret.txt"
    (top / "sub").mkdir(parents=True)
    outside.write_text("outside")
    (top / "a.js").write_text("inside")
    links = {"out.js": outside, "zero.js": Path("/dev/zero"), "same.js": top / "a.js", "dir.js": top / "sub"}
    for name, target in links.items():
        (top / name).symlink_to(target)
    os.mkfifo(top / "fifo.js")  # opening it for reading would wait for a writer
    read = {name: discover.read_bytes(str(top), name) for name in ["a.js", *links, "fifo.js", "../secret.txt"]}
    assert read == {name: b"inside" if name in ("a.js", "same.js") else b"" for name in read}
    monkeypatch.setattr(discover, "MAX_READ_BYTES", 3)
    assert discover.read_bytes(str(top), "a.js") == b"ins"


@pytest.mark.parametrize(
    ("package", "link"),
    [('{"scripts": {"test": "node --test"}}', "test__zero.test.js"), (None, "tests__test_zero.py")],
)
def test_a_tracked_symlink_to_a_device_is_not_read(repo: GitRepo, package: str | None, link: str) -> None:
    """test/zero.test.js -> /dev/zero: read through, MemoryError, exit 3."""
    files = {"package.json": package} if package else {}
    repo.commit("feat: app", **files, **{"lib__a.js": "1\n", "app.py": "1\n", link: "x\n"})
    (repo.path / link.replace("__", "/")).unlink()
    (repo.path / link.replace("__", "/")).symlink_to("/dev/zero")
    repo.commit("feat: a link")
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit("fix: HOTFIX - a", **{"lib__a.js": "2\n", "app.py": "2\n"})
    result = run_cli(repo, "tests", "--list", "--explain")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("script", "runner"),
    [
        ("./node_modules/.bin/jest --ci", "jest"),
        ("lint&&_mocha -R dot", "mocha"),
        ("node --test-reporter=spec --test", "node"),
        ("node test/run.js --test-only", None),
        ("node a.js; echo --test", None),  # --test in another command
        ("nodemon --test", None),
        ('"jest"', None),
    ],
)
def test_the_runner_a_script_starts(script: str, runner: str | None) -> None:
    from hotfix_guard.focus.runner import runner_in

    assert runner_in(script) == runner


@pytest.mark.parametrize(
    "scripts",
    [
        {"test": "node " * 8000},  # 40 KB: the regex took 5 s
        # Each called script followed once: this took 1 s, and 40 ** 3 times as long with 4000 a script.
        {"test": "npm run a " * 40, "a": "npm run b " * 40, "b": "yarn c " * 40, "c": "pnpm d " * 40},
    ],
)
def test_runner_detection_takes_linear_time(tmp_path: Path, scripts: dict[str, str]) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"scripts": scripts}))
    started = time.perf_counter()
    assert detect(str(tmp_path)).name == "pytest"
    assert time.perf_counter() - started < 0.5


def test_the_script_patterns_are_ones_the_scanner_accepts() -> None:
    from hotfix_guard.focus import runner
    from hotfix_guard.regex_safety import hazard

    assert [hazard(p.pattern) for p in (runner.COMMAND_SEPARATOR, runner.SCRIPT_NAME)] == [None, None]


def test_jest_related_stops_a_jest_that_hangs_with_everything_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jest whose worker keeps the output open and never ends: the listing gives up after its
    timeout with one clear error, and the worker is gone too (subprocess.run's own timeout
    kills jest only, then waits for the worker's end of the pipe for ever)."""
    pid_file = tmp_path / "worker.pid"
    jest = tmp_path / "node_modules" / ".bin" / "jest"
    jest.parent.mkdir(parents=True)
    jest.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {shlex.quote(str(pid_file))}\nexit 0\n")
    jest.chmod(0o755)
    monkeypatch.setattr(jsrun, "_RELATED_TIMEOUT", 1)
    started = time.monotonic()
    with pytest.raises(jsrun.CannotStart, match=r"jest could not list the tests related to src/a\.js \(no answer"):
        jsrun.jest_related(str(tmp_path), "src/a.js")
    assert time.monotonic() - started < 15
    assert _ended(int(pid_file.read_text())), "the worker jest started is still running"
