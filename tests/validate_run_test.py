"""A plain `validate` skips click (commands/validate_run.py): the console script's fast path
must print and exit exactly as click's path does, and hand everything else to click."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GitRepo

from hotfix_guard import cli, entry
from hotfix_guard.commands.validate_run import plain_validate

# {repo} is the hotfix repository's path; the current directory is elsewhere unless `here`.
PLAIN = [
    ["validate"],
    ["--no-color", "validate"],
    ["--repo", "{repo}", "validate"],
    ["--repo={repo}", "--format", "json", "validate"],
    ["--repo", "{repo}", "--format=junit", "validate", "--strict"],
    ["--repo", "{repo}", "--format", "markdown", "validate", "--skip", "file-count", "--skip=scope"],
    ["--repo", "{repo}", "validate", "--base", "v1.2.3", "--head", "HEAD", "--branch", "hotfix/v1.2.4"],
    ["--repo", "{repo}", "--format", "github", "validate", "--allow-large", "--strict"],
    ["--repo", "{repo}", "validate", "--base", "v9.9.9"],  # no such base: exit 2
    ["--repo", "{repo}", "validate", "--branch=feature/search"],  # not a hotfix branch
    ["--repo", "{repo}", "--config", "missing.toml", "validate"],
    ["--repo", "{repo}/nowhere", "validate"],
    ["validate", "--head", "v1.2.3"],
]
NOT_PLAIN = [
    ["validate", "--help"],
    ["-h", "validate"],
    ["--version", "validate"],
    ["validate", "--skip", "no-such-check"],
    ["--format", "xml", "validate"],
    ["validate", "--format", "json"],  # a group option after the command
    ["validate", "--base"],
    ["validate", "--base", "--strict"],
    ["validate", "--base="],
    ["validate", "--strict", "--strict"],
    ["validate", "--base=v1.2.3", "--base=v1.2.3"],
    ["validate", "--strict=1"],
    ["validate", "extra"],
    ["validate", "validate"],
    ["validate", "--"],
    ["--repo", ".", "status"],
    ["check", "validate"],
    ["--no-color"],
]


def _timeless(result: tuple[int, str, str]) -> tuple[int, str, str]:
    """Times measured in the run (the selection's seconds, junit's time attributes) blanked."""
    code, out, err = result
    out = re.sub(r'("[a-z_]*seconds": )[0-9.]+', r"\1T", out)
    return code, re.sub(r'time="[0-9.]+"', 'time="T"', out), err


def _both(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    fast = entry.main(args)
    fast_out = capsys.readouterr()
    slow = cli.main(args)
    slow_out = capsys.readouterr()
    return (fast, fast_out.out, fast_out.err), (slow, slow_out.out, slow_out.err)


@pytest.mark.parametrize("template", PLAIN, ids=" ".join)
def test_a_plain_validate_prints_and_exits_as_clicks_path_does(
    template: list[str], hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [arg.format(repo=hotfix.path) for arg in template]
    if "--repo" not in " ".join(args):
        monkeypatch.chdir(hotfix.path)
    assert plain_validate(args) is not None, "the fast path must take this command line"
    fast, slow = _both(args, capsys)
    assert _timeless(fast) == _timeless(slow)
    assert fast[1] or fast[2], "printed nothing"


@pytest.mark.parametrize("args", NOT_PLAIN, ids=" ".join)
def test_anything_else_goes_to_click(args: list[str]) -> None:
    assert plain_validate(args) is None


def test_the_fast_path_fails_as_click_does_on_a_hotfix_with_findings(
    hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hotfix.commit("feat: no token here", **{"other.py": "x = 1\n"})
    monkeypatch.chdir(hotfix.path)
    fast, slow = _both(["validate"], capsys)
    assert fast == slow and fast[0] == 1 and "commit-message" in fast[1]


def test_a_plain_validate_never_imports_click(hotfix: GitRepo, tmp_path: Path) -> None:
    probe = "import sys; from hotfix_guard.entry import main; code = main(sys.argv[1:]); print(code, 'click' in sys.modules)"
    run = subprocess.run(
        [sys.executable, "-c", probe, "--repo", str(hotfix.path), "validate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert run.stdout.splitlines()[-1] == "0 False", run.stdout + run.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [(["validate"], 0), (["validate", "--strict"], 1), (["--format", "json", "validate", "--strict"], 1)],
)
def test_strict_fails_a_warning_on_both_paths(
    args: list[str], code: int, hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hotfix.commit(**{"app.py": "".join(f"print({n})\n" for n in range(400))})  # over max-lines: a warning
    monkeypatch.chdir(hotfix.path)
    fast, slow = _both(args, capsys)
    assert _timeless(fast) == _timeless(slow)
    assert fast[0] == code and "lines changed" in fast[1]


def test_a_closed_standard_input_is_no_terminal(hotfix: GitRepo) -> None:
    """`hotfix-guard validate <&-` (a hook runner, a daemon): sys.stdin is None."""
    probe = "import sys; from hotfix_guard.entry import main; sys.exit(main(sys.argv[1:]))"
    run = subprocess.run(
        ["sh", "-c", 'exec "$0" -c "$1" --repo "$2" validate <&-', sys.executable, probe, str(hotfix.path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "validate passed" in run.stdout
