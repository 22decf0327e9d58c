"""Focused tests of npm projects with the real runners: jest, vitest, mocha (from the npm
registry, installed once into a shared cache: npm_runners) and node's own runner.

One small package per runner, released as v1.0.0, with three hotfix branches: a fault in a
module the tests reach only through another module (the selection must catch it), a change
to a module no test imports (the whole suite, and why), and a change to a test file whose
tests are all skipped (zero tests run: a failure). Each runner starts a few times only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import npm_runners
import pytest
from conftest import GitRepo, isolate_git, run_cli
from npm_runners import VERSIONS, link_into

PATTERN = "critical|security|auth"
CJS = {
    "import": "const {{ {names} }} = require('../src/{module}');",
    "export": "module.exports = {{ {names} }};",
    "import_source": "const {{ {names} }} = require('./{module}');",
}
ESM = {
    "import": "import {{ {names} }} from '../src/{module}.js';",
    "export": "export {{ {names} }};",
    "import_source": "import {{ {names} }} from './{module}.js';",
}
# Per runner: the test script, the module style, and what a test file starts with.
RUNNERS = {
    "jest": ("jest", CJS, "const check = (actual, expected) => expect(actual).toBe(expected);"),
    "vitest": (
        "vitest run",
        ESM,
        "import { describe, it, expect } from 'vitest';\nconst check = (actual, expected) => expect(actual).toBe(expected);",
    ),
    "mocha": (
        "mocha",
        CJS,
        "const assert = require('node:assert');\nconst check = (actual, expected) => assert.strictEqual(actual, expected);",
    ),
    "node": (
        "node --test",
        CJS,
        "const { describe, it } = require('node:test');\nconst assert = require('node:assert');\n"
        "const check = (actual, expected) => assert.strictEqual(actual, expected);",
    ),
}


def make_package(repo: GitRepo, runner: str) -> None:
    script, style, prelude = RUNNERS[runner]
    package: dict[str, object] = {"name": "calc", "version": "1.0.0", "scripts": {"test": script}}
    if runner in VERSIONS:
        package["devDependencies"] = {runner: VERSIONS[runner]}
    if style is ESM:
        package["type"] = "module"

    def module(body: str, names: str, uses: tuple[str, str] | None = None) -> str:
        head = style["import_source"].format(names=uses[1], module=uses[0]) + "\n" if uses else ""
        return f"{head}{body}\n{style['export'].format(names=names)}\n"

    def tests(module_name: str, names: str, body: str) -> str:
        return f"{prelude}\n{style['import'].format(names=names, module=module_name)}\n{body}"

    repo.commit(
        "feat: calc 1.0.0",
        **{
            "package.json": json.dumps(package, indent=2) + "\n",
            ".gitignore": "node_modules\n",
            "src__util.js": module("const double = (x) => x * 2;", "double"),
            "src__math.js": module("const area = (w, h) => double(w * h) / 2;", "area", ("util", "double")),
            "src__session.js": module("const valid = (token) => token === 'secret';", "valid"),
            "src__orphan.js": module("const unused = () => 1;", "unused"),
            "test__math.test.js": tests(
                "math",
                "area",
                "it('area of a rectangle', () => { check(area(2, 3), 6); });\n"
                "it('area of nothing', () => { check(area(0, 5), 0); });\n",
            ),
            "test__session.test.js": tests(
                "session",
                "valid",
                "describe('session', () => {\n"
                "  it('security: refuses a forged token', () => { check(valid('forged'), false); });\n"
                "  it('keeps a good token', () => { check(valid('secret'), true); });\n"
                "});\n",
            ),
            "test__pending.test.js": tests(
                "session", "valid", "it.skip('later', () => { check(valid('secret'), true); });\n"
            ),
        },
    )
    repo.tag("v1.0.0")
    for branch, path, old, new in (
        ("hotfix/v1.0.3", "test/pending.test.js", "later", "still later"),
        ("hotfix/v1.0.2", "src/orphan.js", "=> 1", "=> 2"),
        ("hotfix/v1.0.1", "src/util.js", "x * 2", "x * 3"),  # the fault: only test/math reaches it, through math.js
    ):
        repo.switch(branch, "v1.0.0")
        repo.commit(f"fix(calc): HOTFIX - {branch}", **{path.replace("/", "__"): _edit(repo, path, old, new)})


def _edit(repo: GitRepo, path: str, old: str, new: str) -> str:
    text = (repo.path / path).read_text()
    assert old in text
    return text.replace(old, new)


@pytest.fixture(scope="module", params=list(RUNNERS))
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, str]:
    """A released package tested by the runner, its node_modules linked from the cache; on hotfix/v1.0.1."""
    runner = request.param
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate_git(tmp_path_factory.mktemp("home"), monkeypatch)
        path = tmp_path_factory.mktemp(f"npm-{runner}") / "calc"
        path.mkdir()
        repo = GitRepo(path)
        repo.git("init", "-q", "-b", "main")
        make_package(repo, runner)
    if runner in VERSIONS:
        link_into(path)
    return repo, runner


def hotfix_guard(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hotfix_guard", "--repo", str(repo.path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_list_explains_the_runner_the_name_filter_and_the_traced_files(package: tuple[GitRepo, str]) -> None:
    repo, runner = package
    listed = run_cli(repo, "tests", "--list", "--explain")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith(f"# runner: {runner} (package.json's test script runs it:")
    flag = {"jest": "-t", "vitest": "-t", "mocha": "--grep", "node": "--test-name-pattern"}[runner]
    assert any(line.startswith("# critical: critical set: tests whose names match") and flag in line for line in lines)
    assert lines[-2].startswith("# impacted: tests of src/util.js:")
    assert lines[-1] == "test/math.test.js"
    plain = run_cli(repo, "tests", "--list").output.splitlines()
    assert plain[0] == "test/math.test.js" and len(plain) == 2  # the file, then the name filter as given


def test_validate_catches_the_fault_through_a_module_and_counts_from_the_runner(
    package: tuple[GitRepo, str],
) -> None:
    repo, runner = package
    result = hotfix_guard(repo, "--format", "json", "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    focused = document["focused_tests"]
    assert (focused["runner"], focused["outcome"]) == (runner, "failed")
    assert focused["selected"] == ["test/math.test.js"]
    assert focused["name_filters"] == [PATTERN]
    # The name filter ran the security test; the file ran both area tests: one caught the fault.
    assert (focused["passed"], focused["failed"]) == (2, 1), result.stderr
    assert len(focused["commands"]) == 2
    assert "area of a rectangle" in result.stderr  # the failure, as the runner (or for mocha, hotfix-guard) says it
    message = next(f["message"] for f in document["findings"] if f["check"] == "focused-tests")
    assert message.startswith(f"ran 3 of 5 tests with {runner} in ")
    assert message.endswith(": 1 failed, tests failed; rerun: hotfix-guard tests")


def test_a_module_no_test_imports_runs_the_whole_suite_and_says_why(package: tuple[GitRepo, str]) -> None:
    repo, runner = package
    result = hotfix_guard(repo, "tests", "--head", "hotfix/v1.0.2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "whole suite: no test file imports src/orphan.js, so no test can be traced to it" in result.stdout
    assert "this ran in a temporary checkout of it" in result.stdout  # another head than the work tree's
    if runner in VERSIONS:
        assert "the work tree's node_modules is linked into it" in result.stdout
    assert "focused tests passed: 4 passed, 0 failed; all tests passed" in result.stdout


def test_zero_tests_run_is_a_failure(package: tuple[GitRepo, str], tmp_path: Path) -> None:
    repo, runner = package
    config = tmp_path / "config.toml"
    config.write_text('[focused-tests]\npattern = "no-such-test-name"\n')
    result = hotfix_guard(repo, "--config", str(config), "tests", "--head", "hotfix/v1.0.3")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "changed: test files the change adds or modifies (1)" in result.stdout
    assert f"focused tests FAILED: 0 passed, 0 failed; {runner} ran no test from the selection" in result.stdout


def test_a_runner_that_is_not_installed_cannot_start(repo: GitRepo) -> None:
    make_package(repo, "jest")  # no node_modules
    repo.switch("hotfix/v1.0.4", "v1.0.0")
    repo.commit("fix: HOTFIX - a test", **{"test__math.test.js": _edit(repo, "test/math.test.js", "6", "6 ")})
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot start jest: node_modules/.bin/jest is not in" in result.stdout
    assert "npm ci" in result.stdout


def test_command_runner_that_ran_no_test_fails_with_the_npm_script_hint(repo: GitRepo) -> None:
    make_package(repo, "node")
    repo.checkout("main")
    repo.commit(
        "chore: hotfix-guard",
        **{
            ".hotfix-guard.toml": '[focused-tests]\npattern = "no-such-name"\n'
            'test-command = "npm test -- --test-name-pattern={pattern}"\n'
        },
    )
    repo.switch("hotfix/v1.0.4", "HEAD")
    repo.commit("fix: HOTFIX - util", **{"src__util.js": _edit(repo, "src/util.js", "x * 2", "x + x")})
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the test command ran no test (an npm script hands `-- ARGS` to its last command only" in result.stdout


def test_a_hung_node_test_is_killed_at_the_timeout_with_everything_it_started(repo: GitRepo, tmp_path: Path) -> None:
    make_package(repo, "node")
    repo.switch("hotfix/v1.0.4", "v1.0.0")
    pid_file = tmp_path / "sleep.pid"
    hang = (
        "it('security: waits', async () => {\n"
        "  const child = require('node:child_process').spawn('sleep', ['300']);\n"
        f"  require('node:fs').writeFileSync({json.dumps(str(pid_file))}, String(child.pid));\n"
        "  await new Promise(() => setInterval(() => {}, 1000));\n"
        "});\n"
    )
    repo.commit("fix: HOTFIX - hang", **{"test__math.test.js": (repo.path / "test/math.test.js").read_text() + hang})
    result = hotfix_guard(repo, "tests", "--timeout", "3")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "focused tests FAILED:" in result.stdout and "killed after the 3 s timeout" in result.stdout
    assert _ended(int(pid_file.read_text()))  # the test's own child went with the process group


def _ended(pid: int) -> bool:
    """Whether PID is gone or a zombie (its parent was killed; reaping is up to whoever adopts it)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rpartition(")")[2].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_without_the_registry_the_runner_tests_fail_and_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens there
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "empty-npm-cache"))
    with pytest.raises(RuntimeError) as failure:
        npm_runners._install(tmp_path / "npm-runners")
    assert str(failure.value).startswith("cannot install the test runners from the npm registry (npm install ")
    assert "ECONNREFUSED" in str(failure.value)
    assert not (tmp_path / "npm-runners").exists()


def _two_level_suite(repo: GitRepo, script: str, smoke: str, unit: str, prelude: str) -> None:
    """A released package whose test script finds its tests deeper than the runner's default does."""
    package = {"name": "deep", "version": "1.0.0", "scripts": {"test": script}}
    repo.commit(
        "feat: deep 1.0.0",
        **{
            "package.json": json.dumps(package) + "\n",
            ".gitignore": "node_modules\n",
            "lib__a.js": "module.exports = { add: (x, y) => x + y };\n",
            smoke.replace("/", "__"): f"{prelude}\nit('smoke', () => assert.ok(true));\n",
            unit.replace("/", "__"): f"{prelude}\nconst {{ add }} = require('../../lib/a');\n"
            "it('adds security', () => assert.strictEqual(add(1, 2), 3));\n",
        },
    )
    repo.tag("v1.0.0")


def test_mocha_runs_every_test_file_for_the_whole_suite_and_the_name_filter(repo: GitRepo) -> None:
    """mocha's default spec is ./test, not recursive: given no files it ran test/smoke.spec.js only."""
    _two_level_suite(
        repo, "mocha --recursive", "test/smoke.spec.js", "test/unit/add.spec.js", "const assert = require('assert');"
    )
    link_into(repo.path)
    repo.switch("hotfix/v1.0.2", "v1.0.0")  # a test file changed: the name filter finds the critical test
    repo.commit(
        "fix: HOTFIX - smoke", **{"test__smoke.spec.js": _edit(repo, "test/smoke.spec.js", "smoke'", "smoke!'")}
    )
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "focused tests passed: 2 passed, 0 failed" in result.stdout  # adds security ran under --grep
    repo.switch("hotfix/v1.0.1", "v1.0.0")  # a fault, and a module no test imports: the whole suite
    repo.commit("fix: HOTFIX - add", **{"lib__a.js": "module.exports = { add: (x, y) => x - y };\n", "lib__b.js": ""})
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "whole suite: no test file imports lib/b.js" in result.stdout
    assert "focused tests FAILED: 1 passed, 1 failed" in result.stdout


def test_node_runs_every_test_file_for_the_whole_suite(repo: GitRepo) -> None:
    """node --test alone skips *.spec.js and tests/: it ran test/smoke.test.js only."""
    prelude = "const { it } = require('node:test');\nconst assert = require('node:assert');"
    _two_level_suite(repo, "node --test test/ tests/", "test/smoke.test.js", "tests/unit/add.spec.js", prelude)
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit("fix: HOTFIX - add", **{"lib__a.js": "module.exports = { add: (x, y) => x - y };\n", "lib__b.js": ""})
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "focused tests FAILED: 1 passed, 1 failed" in result.stdout


def test_node_counts_no_test_for_a_file_that_defines_none(repo: GitRepo, tmp_path: Path) -> None:
    """node 20 reports a file as a passed test named by its path: it was counted as 1 passed."""
    make_package(repo, "node")
    repo.switch("hotfix/v1.0.4", "v1.0.0")
    repo.commit("fix: HOTFIX - tests", **{"test__pending.test.js": "// nothing yet\n"})
    config = tmp_path / "config.toml"
    config.write_text('[focused-tests]\npattern = "no-such-test-name"\n')
    result = hotfix_guard(repo, "--config", str(config), "tests")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "focused tests FAILED: 0 passed, 0 failed; node ran no test from the selection" in result.stdout
