"""The one run path: the focused tests run last, and only when nothing before them blocked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli


@pytest.fixture
def counted(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, Path]:
    """A released app whose test command leaves a marker when it runs; hotfix/v1.0.1 changes two files."""
    marker = tmp_path / "tests-ran"
    script = f"open({str(marker)!r}, 'a').write('ran\\n')"
    config = (
        "[file-count]\nmax-files = 1\n[diff-size]\nmax-lines = 3\n"
        f"[focused-tests]\ntest-command = {json.dumps(f'{sys.executable} -c {script!r}')}\n"
    )
    repo.commit("feat: app", **{"app.js": "x\n", "lib.js": "l\n", "app.test.js": "t\n", ".hotfix-guard.toml": config})
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit(GOOD_MESSAGE, **{"app.js": "y\n", "lib.js": "m\n"})
    return repo, marker


def _checks(output: str) -> dict[str, tuple[str, str | None]]:
    return {check["id"]: (check["status"], check["reason"]) for check in json.loads(output)["checks"]}


def test_a_blocking_check_spares_the_test_run_and_says_so(counted: tuple[GitRepo, Path]) -> None:
    repo, marker = counted
    result = run_cli(repo, "--format", "json", "validate")
    assert result.exit_code == 1
    assert _checks(result.stdout)["focused-tests"] == ("skipped", "not run: file-count failed first")
    assert _checks(result.stdout)["file-count"][0] == "failed"
    assert not marker.exists()


def test_once_the_other_checks_pass_the_tests_run_once(counted: tuple[GitRepo, Path]) -> None:
    repo, marker = counted
    result = run_cli(repo, "--format", "json", "validate", "--allow-large")
    assert result.exit_code == 0, result.stdout
    assert _checks(result.stdout)["focused-tests"] == ("passed", None)
    assert marker.read_text() == "ran\n"


def test_the_prompt_that_accepts_a_large_change_then_runs_the_tests(counted: tuple[GitRepo, Path]) -> None:
    """validate's "Continue with hotfix?" re-judges the same change: the tests run then, once."""
    from hotfix_guard.collect import Target
    from hotfix_guard.options import run_options
    from hotfix_guard.validation import SKIPPED, for_target

    repo, marker = counted
    options = run_options()
    validation = for_target(Target(str(repo.path)), None, None, options=options, require_hotfix=True)
    first = {result.check: result.status for result in validation.run(options).results}
    assert first["focused-tests"] == SKIPPED and not marker.exists()
    second = validation.run(options.allowing_large())
    assert second.exit_code() == 0 and marker.read_text() == "ran\n"
    validation.run(options.allowing_large())
    assert marker.read_text() == "ran\n"  # gathered once


def test_under_strict_a_warning_blocks_the_tests_too(counted: tuple[GitRepo, Path]) -> None:
    repo, marker = counted
    repo.commit(GOOD_MESSAGE, **{"app.js": "y\nz\n"})  # over max-lines: a warning
    result = run_cli(repo, "--format", "json", "validate", "--allow-large", "--strict")
    assert result.exit_code == 1
    assert _checks(result.stdout)["focused-tests"] == ("skipped", "not run: diff-size failed first")
    assert not marker.exists()
    assert run_cli(repo, "validate", "--allow-large").exit_code == 0 and marker.exists()  # a warning alone does not


def test_the_push_guard_runs_no_tests_for_a_push_it_blocks(counted: tuple[GitRepo, Path]) -> None:
    repo, marker = counted
    sha = repo.git("rev-parse", "HEAD").strip()
    line = f"refs/heads/hotfix/v1.0.1 {sha} refs/heads/hotfix/v1.0.1 {'0' * 40}\n"
    command = [sys.executable, "-m", "hotfix_guard", "hook", "pre-push", "origin", "url"]
    blocked = subprocess.run(command, cwd=repo.path, input=line, capture_output=True, text=True)
    assert blocked.returncode == 1 and "[file-count]" in blocked.stderr
    assert not marker.exists()
    allowed = subprocess.run(
        command,
        cwd=repo.path,
        input=line,
        capture_output=True,
        text=True,
        env={**os.environ, "HOTFIX_GUARD_ALLOW_LARGE": "1"},
    )
    assert allowed.returncode == 0, allowed.stderr
    assert marker.read_text() == "ran\n"


def test_status_never_runs_the_tests(counted: tuple[GitRepo, Path]) -> None:
    repo, marker = counted
    result = run_cli(repo, "--format", "json", "status")
    assert result.exit_code == 0
    assert not marker.exists()


def test_the_model_and_the_checks_do_not_import_the_test_runner() -> None:
    program = (
        "import sys; import hotfix_guard.model, hotfix_guard.validation, hotfix_guard.collect; "
        "from hotfix_guard.checks import registry; registry(); "
        "print(' '.join(m for m in sys.modules if m.startswith('hotfix_guard.focus')))"
    )
    assert (
        subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.strip() == ""
    )
