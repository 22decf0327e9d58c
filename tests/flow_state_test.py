"""Journals and records are shared by every worktree, as the refs they describe are."""

from __future__ import annotations

from pathlib import Path

from conftest import GitRepo, run_cli
from killing import run

from hotfix_guard.flow.common import Repo


def test_every_worktree_keeps_its_state_in_the_common_git_dir(released: GitRepo, tmp_path: Path) -> None:
    other = tmp_path / "other"
    released.git("worktree", "add", "-q", "--detach", str(other), "v1.2.3")
    shared = str(released.path / ".git" / "hotfix-guard" / "start.json")
    assert Repo(str(other)).state_path("start.json") == Repo(str(released.path)).state_path("start.json") == shared


def test_a_start_cut_off_in_one_worktree_blocks_rollback_and_finish_in_another(
    released: GitRepo, tmp_path: Path
) -> None:
    released.commit("fix: second", **{"app.py": "print('second')\n"})
    released.tag("v1.2.4")
    other = tmp_path / "other"
    released.git("worktree", "add", "-q", "--detach", str(other), "v1.2.3")
    assert run(released, "start", kill_at=1).returncode == -9
    refs = released.refs()
    for command in ("rollback", "finish"):
        result = run_cli(other, command)
        assert result.exit_code == 2 and "start --continue" in result.output and "start --abort" in result.output
        assert released.refs() == refs
    assert run(released, "start", "--abort").returncode == 0  # its own --abort is not refused
    assert not (released.path / ".git" / "hotfix-guard" / "start.json").exists()
