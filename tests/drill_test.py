"""`hotfix-guard drill`: every scenario passes in a sandbox of its own, the calling
repository and directory are left exactly as they were, and the sandbox goes away."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import GitRepo

from hotfix_guard.cli import cli, main
from hotfix_guard.drill import NAMES, SCENARIOS


def state(repo: GitRepo) -> tuple[str, str, str, list[str]]:
    """Refs, HEAD, index and work tree, and the git directory's entries."""
    return (
        repo.refs(),
        repo.git("symbolic-ref", "HEAD"),
        repo.git("status", "--porcelain", "--untracked-files=all"),
        sorted(os.listdir(repo.path / ".git")),
    )


def sandbox_of(output: str) -> Path:
    match = re.search(r"^Sandbox: (\S+) ", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


@pytest.fixture
def caller(hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """The user's own repository, on a hotfix branch, as the current directory."""
    monkeypatch.chdir(hotfix.path)
    return hotfix


def run_drill(*args: str) -> Result:
    return CliRunner().invoke(cli, ["drill", *args], catch_exceptions=False)


@pytest.mark.parametrize("scenario", NAMES)
def test_every_scenario_passes_and_leaves_the_caller_untouched(
    caller: GitRepo, scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample's pytest (its tests use tmp_path) would make and prune pytest-of-USER here.
    temporary = tmp_path / "user-tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    before = state(caller)
    result = run_drill("--scenario", scenario)
    assert os.listdir(temporary) == [], "the drill wrote outside its sandbox"
    assert result.exit_code == 0, result.output
    assert "  result: PASSED (9/9 steps)" in result.stdout
    assert "  guard fired: yes, a commit without HOTFIX was rejected" in result.stdout
    regression = SCENARIOS[scenario].regression_test
    assert f"(its focused tests must run the regression test {regression})" in result.stdout
    assert f"      | ran {regression}  <- the regression test\n" in result.stdout
    assert f"  regression test: {regression} selected and passed\n" in result.stdout
    assert f"Scorecard: {scenario} (severity {SCENARIOS[scenario].severity}," in result.stdout
    assert not sandbox_of(result.stdout).exists()
    assert state(caller) == before and Path.cwd() == caller.path


def test_keep_leaves_the_sandbox_with_the_released_hotfix_despite_a_hostile_git_setup(
    caller: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No identity, and a global hooks path whose hook rejects every commit: the drill uses neither."""
    hooks = tmp_path / "global-hooks"
    (hooks / "commit-msg").parent.mkdir()
    (hooks / "commit-msg").write_text("#!/bin/sh\necho 'global hook ran' >&2\nexit 1\n")
    (hooks / "commit-msg").chmod(0o755)
    with open(os.environ["GIT_CONFIG_GLOBAL"], "a") as handle:
        handle.write(f"[core]\n\thooksPath = {hooks}\n")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_DIR", str(caller.path / ".git"))  # would point git at the caller's repository
    before = state(caller)
    result = run_drill("--keep")
    monkeypatch.delenv("GIT_DIR")
    sandbox = sandbox_of(result.stdout)
    try:
        assert result.exit_code == 0, result.output
        assert f"The sandbox is kept: {sandbox}" in result.stdout
        shop = GitRepo(sandbox / "shop")
        assert shop.git("describe", "--tags", "main").strip() == "v1.0.1"
        assert shop.git("log", "-1", "--format=%an <%ae>", "v1.0.1").strip() == (
            "Drill Release Manager <drill@hotfix-guard.invalid>"
        )
        assert (
            (sandbox / "shop/docs/incidents/v1.0.1.md")
            .read_text()
            .startswith("# Post-incident review: v1.0.1 (hotfix/v1.0.1)")
        )
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    assert state(caller) == before


def test_a_step_that_goes_wrong_fails_the_drill_and_removes_the_sandbox(
    caller: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SCENARIOS["auth-bypass"], "fix_message", "fix(auth): refuse requests without a token")
    result = run_drill("--scenario", "auth-bypass")
    assert result.exit_code == 1
    assert "  FAILED  commit " in result.stdout and "  -       validate   not run" in result.stdout
    assert "  result: FAILED (4/9 steps)" in result.stdout
    assert not sandbox_of(result.stdout).exists()


def test_ctrl_c_removes_the_sandbox(
    caller: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(self: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("hotfix_guard.drill.Drill.step_validate", interrupted)
    assert main(["drill"]) == 130
    output = capsys.readouterr().out
    assert "Interrupted; removing the sandbox." in output and not sandbox_of(output).exists()


def test_unknown_scenario_is_a_usage_error(caller: GitRepo) -> None:
    result = run_drill("--scenario", "fire")
    assert result.exit_code == 2 and "'fire' is not one of 'auth-bypass', 'data-corruption'" in result.stderr


def test_the_node_drill_runs_the_focused_tests_with_node_and_bumps_package_json_and_its_lock(
    caller: GitRepo,
) -> None:
    before = state(caller)
    result = run_drill("--stack", "node", "--keep")
    sandbox = sandbox_of(result.stdout)
    try:
        assert result.exit_code == 0, result.output
        assert "hotfix-guard drill: auth-bypass (node): " in result.stdout
        assert "  result: PASSED (9/9 steps)" in result.stdout
        assert "| hotfix-guard: running " in result.stdout and " --test " in result.stdout  # node's runner, for real
        assert "      | ran a request without a token is refused  <- the regression test\n" in result.stdout
        assert "  regression test: a request without a token is refused selected and passed\n" in result.stdout
        assert "package.json and package-lock.json say 1.0.1 (as released)" in result.stdout
        shop = GitRepo(sandbox / "shop")
        package = json.loads(shop.git("show", "v1.0.1:package.json"))
        lock = json.loads(shop.git("show", "v1.0.1:package-lock.json"))
        assert package["version"] == lock["version"] == lock["packages"][""]["version"] == "1.0.1"
        assert "if (!token)" not in shop.git("show", "v1.0.1:lib/auth.js")
        assert "if (!token)" in shop.git("show", "v1.0.0:lib/auth.js")
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    assert state(caller) == before


def test_the_node_drill_without_node_says_so_in_one_line(
    caller: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = run_drill("--stack", "node")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "hotfix-guard: error: the node drill needs node (Node.js 18 or later) on PATH, and there is none: "
        "install Node.js, or run the Python drill (without --stack node)\n"
    )
