"""Containment: an inherited GIT_DIR never redirects `--repo`, and a config's regular
expression cannot hang a commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import GOOD_MESSAGE, GitRepo, run_cli

from hotfix_guard.cli import cli
from hotfix_guard.gitrepo import REPOSITORY_VARIABLES


def flow_repo(path: Path) -> GitRepo:
    """v1.2.3 on main, develop one commit ahead, hotfix/v1.2.4 with one fix, checked out."""
    path.mkdir()
    repo = GitRepo(path)
    repo.git("init", "-q", "-b", "main")
    repo.commit("feat: first release", **{"app.py": "print('hello')\n"})
    repo.tag("v1.2.3")
    repo.switch("develop")
    repo.commit("feat: unreleased", **{"feature.py": "new\n"})
    repo.switch("hotfix/v1.2.4", "v1.2.3")
    repo.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    return repo


def state(repo: GitRepo) -> tuple[str, ...]:
    return repo.refs(), repo.git("symbolic-ref", "HEAD"), repo.git("status", "--porcelain", "--untracked-files=all")


def from_hook_of(other: GitRepo, *args: str) -> Result:
    """The CLI as another repository's git hook runs it: GIT_DIR and GIT_WORK_TREE point there."""
    env = {
        "GIT_DIR": str(other.path / ".git"),
        "GIT_WORK_TREE": str(other.path),
        "GIT_INDEX_FILE": str(other.path / ".git/index"),
    }
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_repo_option_wins_over_an_inherited_git_dir_for_validate(tmp_path: Path) -> None:
    a, b = flow_repo(tmp_path / "a"), flow_repo(tmp_path / "b")
    a.commit("quick fix", **{"app.py": "print('a')\n"})  # A's hotfix fails the commit-message check
    result = from_hook_of(a, "--repo", str(b.path), "validate", "--skip", "focused-tests")
    assert result.exit_code == 0, result.output


def test_repo_option_wins_over_an_inherited_git_dir_for_finish(tmp_path: Path) -> None:
    a, b = flow_repo(tmp_path / "a"), flow_repo(tmp_path / "b")
    before = state(a)
    result = from_hook_of(a, "--repo", str(b.path), "finish", "--no-verify")
    assert result.exit_code == 0, result.output
    assert state(a) == before
    assert b.git("tag", "--list", "v1.2.4") == "v1.2.4\n" and b.git("branch", "--list", "hotfix/*") == ""


def test_repo_option_wins_in_a_real_process(tmp_path: Path) -> None:
    a, b = flow_repo(tmp_path / "a"), flow_repo(tmp_path / "b")
    before = state(a)
    env = {**os.environ, "GIT_DIR": str(a.path / ".git"), "GIT_WORK_TREE": str(a.path)}
    command = [sys.executable, "-m", "hotfix_guard", "--repo", str(b.path), "finish", "--no-verify"]
    result = subprocess.run(command, cwd=a.path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert state(a) == before and b.git("tag", "--list", "v1.2.4") == "v1.2.4\n"


def test_without_repo_an_inherited_git_dir_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = flow_repo(tmp_path / "a"), flow_repo(tmp_path / "b")
    a.commit("quick fix", **{"app.py": "print('a')\n"})
    monkeypatch.chdir(b.path)
    result = from_hook_of(a, "validate", "--skip", "focused-tests")
    assert result.exit_code == 1 and "missing the hotfix token" in result.stdout, result.output


def test_the_push_guard_still_works_where_git_sets_git_dir(
    hotfix: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a linked worktree git runs the pre-push hook with GIT_DIR set: it is honoured."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    hotfix.git("remote", "add", "origin", str(remote))
    assert run_cli(hotfix, "install-hooks", "--hooks", "pre-push").exit_code == 0
    hotfix.git("worktree", "add", "-q", "-b", "hotfix/v1.2.5", str(tmp_path / "second"), "v1.2.3")
    second = GitRepo(tmp_path / "second")
    second.commit("quick fix", **{"app.py": "print('second')\n"})
    pushed = subprocess.run(
        ["git", "push", "-q", "origin", "hotfix/v1.2.5"], cwd=second.path, capture_output=True, text=True
    )
    assert pushed.returncode != 0 and "missing the hotfix token" in pushed.stderr, pushed.stderr
    assert subprocess.run(["git", "for-each-ref"], cwd=remote, capture_output=True, text=True).stdout == ""


def test_every_variable_git_ties_to_a_repository_is_dropped(tmp_path: Path) -> None:
    listed = subprocess.run(["git", "rev-parse", "--local-env-vars"], capture_output=True, text=True, check=True)
    passed_on = {"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"}  # `git -c` settings, which git passes on too
    assert set(listed.stdout.split()) - passed_on <= set(REPOSITORY_VARIABLES)


CATASTROPHIC = '[commit-message]\ntoken = "(a+)+$"\n'


def guard(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    """hotfix-guard in a process of its own, killed after 10 s (a hang fails the test)."""
    command = [sys.executable, "-m", "hotfix_guard", *args]
    return subprocess.run(command, cwd=repo.path, capture_output=True, text=True, timeout=10)


def test_a_catastrophic_token_fails_validate_fast_naming_the_key(tmp_path: Path) -> None:
    repo = flow_repo(tmp_path / "repo")
    repo.write(".git/guard.toml", CATASTROPHIC)
    repo.commit("a" * 40 + "!", **{"app.py": "print('slow')\n"})
    result = guard(repo, "--config", str(repo.path / ".git/guard.toml"), "validate")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert (
        "'commit-message.token' in " in result.stderr
        and "can backtrack for so long that the hooks hang" in result.stderr
    )


def test_a_catastrophic_token_fails_the_commit_msg_hook_fast(tmp_path: Path) -> None:
    repo = flow_repo(tmp_path / "repo")
    repo.write(".hotfix-guard.toml", CATASTROPHIC)
    result = guard(repo, "hook", "commit-msg", str(repo.write(".git/COMMIT_EDITMSG", "a" * 40 + "!\n")))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("hotfix-guard: error: 'commit-message.token' in ")
