"""Running the focused tests: `hotfix-guard tests`, the check inside `validate`, timeouts, other runners."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli
from shop_project import CONFIG, fix, make_shop


@pytest.fixture
def shop(repo: GitRepo) -> GitRepo:
    return make_shop(repo)


def hotfix_guard(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI as a process: the test run writes straight to its stdout."""
    command = [sys.executable, "-m", "hotfix_guard", "--repo", str(repo.path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_tests_runs_the_selection_and_reports_it(shop: GitRepo) -> None:
    fix(shop, "src/shop/auth.py", '"secret"', '"secret" or token == "admin"')
    result = hotfix_guard(shop, "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "focused tests: selected 2 of 7 tests" in result.stdout
    assert "impacted: test modules that import src/shop/auth.py" in result.stdout
    assert "focused tests passed: 2 passed, 0 failed; all tests passed" in result.stdout
    assert "temporary checkout" not in result.stdout  # the clean work tree is the head: tested in place


def test_failing_selected_test_fails_tests_and_validate(shop: GitRepo) -> None:
    fix(shop, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", "round(amount * TAX, 2)")
    result = hotfix_guard(shop, "tests")
    assert result.returncode == 1
    assert "focused tests FAILED: 4 passed, 2 failed; tests failed" in result.stdout
    validate = hotfix_guard(shop, "validate")
    assert validate.returncode == 1
    assert "error   [focused-tests] ran 6 of 7 tests" in validate.stdout
    assert "2 failed, tests failed; rerun: hotfix-guard tests" in validate.stdout


def test_validate_json_records_the_selected_ids(shop: GitRepo) -> None:
    fix(shop, "src/shop/auth.py", '"secret"', '"secret" or token == "admin"')
    document = json.loads(hotfix_guard(shop, "--format", "json", "validate").stdout)
    focused = document["focused_tests"]
    assert focused["selected"] == ["tests/test_auth.py"]
    assert (focused["outcome"], focused["passed"], focused["failed"]) == ("passed", 2, 0)
    assert {"id": "focused-tests", "status": "passed", "reason": None} in document["checks"]


def test_passing_focused_tests_show_as_a_note_in_validate(shop: GitRepo) -> None:
    fix(shop, "src/shop/auth.py", '"secret"', '"secret" or token == "admin"')
    result = hotfix_guard(shop, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "note    [focused-tests] ran 2 of 7 tests in" in result.stdout


def test_repository_without_tests_skips_the_check_and_says_why(hotfix: GitRepo) -> None:
    document = json.loads(run_cli(hotfix, "--format", "json", "validate").stdout)
    check = next(c for c in document["checks"] if c["id"] == "focused-tests")
    assert check["status"] == "skipped"
    assert check["reason"].startswith("no tests found")


def test_collection_error_is_a_failure_not_a_pass(shop: GitRepo) -> None:
    fix(shop, "tests/test_misc.py", "def test_arithmetic():", "def test_arithmetic(:")
    result = hotfix_guard(shop, "tests")
    assert result.returncode == 1
    assert "interrupted, or errors while collecting the tests" in result.stdout


def test_hung_test_is_killed_at_the_timeout(shop: GitRepo) -> None:
    fix(shop, "tests/test_misc.py", "assert 1 + 1 == 2", "import time\n    time.sleep(120)")
    started = time.monotonic()
    result = hotfix_guard(shop, "tests", "--timeout", "3")
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert "killed after the 3 s timeout" in result.stdout


def test_pytest_that_cannot_start_is_an_error_not_a_failure(repo: GitRepo, tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'No module named pytest' >&2\nexit 1\n")
    fake.chmod(0o755)
    make_shop(repo)
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    result = hotfix_guard(repo, "tests", "--python", str(fake))
    assert result.returncode == 2
    assert "pytest did not run" in result.stdout


def test_non_python_project_runs_the_test_command_without_a_shell(repo: GitRepo, tmp_path: Path) -> None:
    record = tmp_path / "argv.json"
    script = f"import json, sys; json.dump(sys.argv[1:], open({str(record)!r}, 'w'))"
    command = json.dumps(f"{sys.executable} -c {_quote(script)} --testNamePattern={{pattern}} {{files}}")
    repo.commit(
        "feat: web app",
        **{
            "app.js": "x\n",
            "src__login.test.js": "t\n",
            ".hotfix-guard.toml": f"[focused-tests]\ntest-command = {command}\n",
        },
    )
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit(GOOD_MESSAGE, **{"src__login.test.js": "t2\n", "app.js": "$(touch pwned); y\n"})
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(record.read_text()) == ["--testNamePattern=critical|security|auth", "src/login.test.js"]
    assert not (repo.path / "pwned").exists()


def test_failing_test_command_fails(repo: GitRepo) -> None:
    repo.commit("feat: app", **{"app.js": "x\n", ".hotfix-guard.toml": '[focused-tests]\ntest-command = "false"\n'})
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    repo.commit(GOOD_MESSAGE, **{"app.js": "y\n"})
    result = hotfix_guard(repo, "tests")
    assert result.returncode == 1
    assert "the test command exited with 1" in result.stdout


def test_unsplittable_test_command_is_a_config_error(repo: GitRepo) -> None:
    repo.commit(
        "feat: app", **{"app.js": "x\n", ".hotfix-guard.toml": '[focused-tests]\ntest-command = "npm test \'oops"\n'}
    )
    repo.tag("v1.0.0")
    result = hotfix_guard(repo, "tests", "--head", "v1.0.0")
    assert result.returncode == 2
    assert result.stderr.startswith("hotfix-guard: error: 'focused-tests.test-command' in ")
    assert "cannot be split into words (No closing quotation)" in result.stderr
    assert "Traceback" not in result.stderr


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


assert CONFIG  # the shop's config names this interpreter as the project's Python


def test_tests_run_on_the_head_commit_not_on_uncommitted_edits(shop: GitRepo) -> None:
    fix(shop, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", "round(amount * TAX, 2)")
    shop.write("src/shop/pricing.py", shop.git("show", "v1.0.0:src/shop/pricing.py"))  # uncommitted undo
    result = hotfix_guard(shop, "tests")
    assert result.returncode == 1, result.stdout
    assert "this ran in a temporary checkout of it" in result.stdout
    assert shop.git("status", "--porcelain") == " M src/shop/pricing.py\n"
    assert shop.git("worktree", "list", "--porcelain").count("worktree ") == 1


def test_head_of_another_branch_is_tested_as_committed(shop: GitRepo) -> None:
    fix(shop, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", "round(amount * TAX, 2)")
    shop.checkout("main")
    result = hotfix_guard(shop, "tests", "--head", "hotfix/v1.0.1")
    assert result.returncode == 1, result.stdout
