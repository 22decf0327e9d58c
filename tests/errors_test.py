"""An unexpected exception is a bug: exit 3, one line naming the log, the traceback in the log."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard import __version__, hooks
from hotfix_guard.checks import registry
from hotfix_guard.cli import main as cli_main
from hotfix_guard.errors import EXIT_BUG, EXIT_INTERRUPTED, report_bug

BUG_LINE = "hotfix-guard: error: unexpected error (a bug in hotfix-guard): ValueError: boom on two lines; details in "


def _raise(exception: BaseException) -> object:
    def check(*_args: object) -> object:
        raise exception

    return check


@pytest.fixture
def buggy_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry()["scope"], "function", _raise(ValueError("boom on\ntwo lines")))


def _log(repo: GitRepo) -> Path:
    return repo.path / ".git" / "hotfix-guard" / "error.log"


def test_a_bug_in_a_command_exits_3_with_one_line_and_logs_the_traceback(hotfix: GitRepo, buggy_scope: None) -> None:
    result = run_cli(hotfix, "validate", "--strict")
    assert result.exit_code == EXIT_BUG
    assert result.stderr == f"{BUG_LINE}{_log(hotfix)}\n"
    log = _log(hotfix).read_text()
    assert log.startswith("--- ") and f"hotfix-guard {__version__}, Python " in log.splitlines()[0]
    assert f"argv: ['hotfix-guard', '--repo', '{hotfix.path}', 'validate', '--strict']" in log
    assert "Traceback (most recent call last):" in log and log.endswith("ValueError: boom on\ntwo lines\n\n")
    run_cli(hotfix, "check", "scope")
    assert _log(hotfix).read_text().startswith(log) and _log(hotfix).read_text().count("--- ") == 2  # appended


def test_a_bug_in_a_hook_exits_3_with_one_line(
    hotfix: GitRepo, buggy_scope: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(hotfix.path)
    assert hooks.main("scope", []) == EXIT_BUG
    assert capsys.readouterr().err == f"{BUG_LINE}{_log(hotfix)}\n"
    assert "argv: ['hotfix-guard', 'hook', 'scope']" in _log(hotfix).read_text()


def test_ctrl_c_is_still_130_not_a_bug(hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry()["scope"], "function", _raise(KeyboardInterrupt()))
    assert cli_main(["--repo", str(hotfix.path), "validate"]) == EXIT_INTERRUPTED
    monkeypatch.chdir(hotfix.path)
    assert hooks.main("scope", []) == EXIT_INTERRUPTED
    assert not _log(hotfix).exists()


def test_the_console_script_exits_3_on_a_bug(hotfix: GitRepo) -> None:
    program = (
        "import sys; from hotfix_guard.checks import registry; from hotfix_guard.entry import main\n"
        "def bug(*args): raise ValueError('boom on two lines')\n"
        "registry()['scope'].function = bug\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    for args in (["validate"], ["hook", "scope"]):
        result = subprocess.run([sys.executable, "-c", program, *args], cwd=hotfix.path, capture_output=True, text=True)
        assert (result.returncode, result.stderr) == (EXIT_BUG, f"{BUG_LINE}{_log(hotfix).resolve()}\n")


def test_without_a_git_directory_the_log_goes_to_a_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "work").mkdir()
    assert report_bug(ValueError("boom on two lines"), ["hotfix-guard", "status"], str(tmp_path / "work")) == EXIT_BUG
    log = next((tmp_path / "tmp").glob("hotfix-guard-*/error.log"))
    assert capsys.readouterr().err == f"{BUG_LINE}{log}\n"
    assert "argv: ['hotfix-guard', 'status']" in log.read_text()
