"""Journals and records are shared by every worktree, as the refs they describe are."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from finish_test import make_flow
from killing import run

from hotfix_guard.errors import RepoError
from hotfix_guard.flow.common import KILLED_GIT_GRACE, holding_signals
from hotfix_guard.repository import Repo


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


def cut_off_long_ago(repo: GitRepo) -> None:
    """Move the run that was cut off in REPO further into the past than the killed git's grace
    (KILLED_GIT_GRACE): its journals' start and last write, and the lock files its git left.
    A lock file made now is then one made after the kill, as after waiting the grace out, but
    without the wait; and still before the command that finds it began."""
    shift = KILLED_GIT_GRACE + 2
    for journal in (repo.path / ".git" / "hotfix-guard").glob("*.json"):
        data = json.loads(journal.read_text())
        if isinstance(data, dict) and isinstance(data.get("started"), (int, float)):
            data["started"] -= shift
            journal.write_text(json.dumps(data))
        _age(journal, shift)
    for lock in (repo.path / ".git").rglob("*.lock"):
        _age(lock, shift)


def _age(path: Path, seconds: float) -> None:
    info = path.stat()
    os.utime(path, (info.st_atime - seconds, info.st_mtime - seconds))


class Signalled(Exception):
    pass


def _raise(signum: int, frame: object) -> None:
    raise Signalled(signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_waits_for_the_end_of_an_undo_then_reaches_its_handler(signum: int) -> None:
    previous = signal.signal(signum, _raise)
    try:
        done = []
        with pytest.raises(Signalled), holding_signals():
            os.kill(os.getpid(), signum)
            time.sleep(0.05)
            done.append("the whole undo")
        assert done == ["the whole undo"] and signal.getsignal(signum) is _raise
    finally:
        signal.signal(signum, previous)


def test_a_signal_held_during_a_failed_undo_leaves_its_error_to_be_seen(tmp_path: Path) -> None:
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        with pytest.raises(RepoError, match="could not put everything back"), holding_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            raise RepoError("could not put everything back")
        journal = tmp_path / "rollback.json"
        journal.write_text("{}")
        with holding_signals(str(journal)):  # the undo said it could not finish: no "terminated" on top
            os.kill(os.getpid(), signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_continue_leaves_the_killed_gits_locks_while_a_git_runs_in_the_repository(hotfix: GitRepo) -> None:
    flow = make_flow(hotfix)
    assert run(flow, "finish", kill_at=1).returncode == -9
    left = flow.path / ".git" / "ORIG_HEAD.lock"
    assert left.exists()
    git = subprocess.Popen(["git", "hash-object", "--stdin"], cwd=flow.path, stdin=subprocess.PIPE)
    try:
        time.sleep(0.2)
        result = run(flow, "finish", "--continue")
        assert result.returncode == 2 and f"git (pid {git.pid}) is running" in result.stderr, result.stderr
        assert left.exists() and (flow.path / ".git" / "hotfix-guard" / "finish.json").exists()
    finally:
        git.communicate(b"")
    result = run(flow, "finish", "--continue")
    assert result.returncode == 0 and "removed" in result.stdout, result.stderr
    assert not left.exists() and flow.git("rev-parse", "main") == flow.git("rev-parse", "v1.2.4^{commit}")


def test_continue_refuses_while_a_lock_made_after_the_kill_is_there(hotfix: GitRepo) -> None:
    flow = make_flow(hotfix)
    assert run(flow, "finish", kill_at=1).returncode == -9
    cut_off_long_ago(flow)
    newer = flow.path / ".git" / "index.lock"
    newer.write_text("")
    result = run(flow, "finish", "--continue")
    assert result.returncode == 2 and f"{newer} was made after the run was cut off" in result.stderr, result.stderr
    assert newer.exists() and not (flow.path / ".git" / "ORIG_HEAD.lock").exists()
    newer.unlink()  # as the error says, once no git runs
    assert run(flow, "finish", "--continue").returncode == 0
