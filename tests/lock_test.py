"""The repository lock: one changing command at a time, stale locks taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GitRepo

from hotfix_guard.errors import RepoError
from hotfix_guard.flow import lock


def _git_dir(repo: GitRepo) -> str:
    return str(repo.path / ".git")


def test_lock_is_exclusive_and_released(released: GitRepo) -> None:
    path = lock.lock_path(_git_dir(released))
    with lock.locked(_git_dir(released), "finish"):
        holder = json.loads(Path(path).read_text())
        assert holder["pid"] == os.getpid() and holder["command"] == "finish"
    assert not os.path.exists(path)


def test_a_live_holder_is_refused_with_its_name(released: GitRepo) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path = lock.lock_path(_git_dir(released))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        record = {"pid": sleeper.pid, "start": lock.process_start(sleeper.pid), "command": "start", "since": "x"}
        with open(path, "w") as handle:
            json.dump(record, handle)
        with pytest.raises(RepoError, match=rf"another hotfix-guard is changing this repository \(pid {sleeper.pid}"):
            lock.acquire(_git_dir(released), "finish")
        assert json.loads(Path(path).read_text())["pid"] == sleeper.pid  # never taken from a live holder
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_dead_holders_lock_is_taken_over_and_said(released: GitRepo) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = lock.lock_path(_git_dir(released))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        json.dump({"pid": dead.pid, "start": "1", "command": "finish --push", "since": "x"}, handle)
    said: list[str] = []
    with lock.locked(_git_dir(released), "rollback", said.append):
        assert json.loads(Path(path).read_text())["pid"] == os.getpid()
    assert said and "stale lock" in said[0] and "finish --push" in said[0]


def test_a_reused_pid_is_stale(released: GitRepo) -> None:
    """Our own pid, but another start time: a process that died, its pid since reused."""
    path = lock.lock_path(_git_dir(released))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        json.dump({"pid": os.getpid(), "start": "0", "command": "finish", "since": "x"}, handle)
    with lock.locked(_git_dir(released), "finish"):
        pass
    assert not os.path.exists(path)


def test_worktrees_share_one_lock(released: GitRepo, tmp_path) -> None:
    released.git("worktree", "add", "-q", str(tmp_path / "other"), "v1.2.3")
    other_git_dir = released.git("-C", str(tmp_path / "other"), "rev-parse", "--absolute-git-dir").strip()
    assert lock.lock_path(other_git_dir) == lock.lock_path(_git_dir(released))


def test_a_process_killed_while_writing_the_lock_leaves_none(released: GitRepo) -> None:
    """A file-size limit of 0 stops the write: no empty lock may be left to block every later command."""
    script = (
        "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_DFL);"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0));"
        f"from hotfix_guard.flow import lock; lock.acquire({_git_dir(released)!r}, 'finish')"
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert killed.returncode != 0
    assert not os.path.exists(lock.lock_path(_git_dir(released)))
    with lock.locked(_git_dir(released), "finish"):
        pass


def test_a_stale_lock_is_broken_only_while_it_still_holds_the_stale_record(released: GitRepo) -> None:
    """Another taker broke the stale lock and took its own first: ours is left in place."""
    path = lock.lock_path(_git_dir(released))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    stale = {"pid": 999_999_999, "start": "1", "command": "finish", "since": "x"}
    live = {"pid": os.getppid(), "start": lock.process_start(os.getppid()), "command": "rollback", "since": "y"}
    Path(path).write_text(json.dumps(live))
    assert not lock._break_stale(path, stale)
    assert json.loads(Path(path).read_text()) == live
    Path(path).write_text(json.dumps(stale))
    assert lock._break_stale(path, stale) and not os.path.exists(path)
    assert not os.path.exists(f"{path}.break")  # nothing left behind


def test_a_breaker_held_by_another_process_makes_the_taker_wait(released: GitRepo) -> None:
    """While another taker holds lock.break, nobody removes the lock; once it lets go (or dies), one can."""
    path = lock.lock_path(_git_dir(released))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    stale = {"pid": 999_999_999, "start": "1", "command": "finish", "since": "x"}
    Path(path).write_text(json.dumps(stale))
    hold = "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); print(1, flush=True); time.sleep(0.5)"
    breaker = subprocess.Popen([sys.executable, "-c", hold, f"{path}.break"], stdout=subprocess.PIPE, text=True)
    try:
        assert breaker.stdout is not None and breaker.stdout.readline() == "1\n"
        began = time.monotonic()
        assert lock._break_stale(path, stale) and not os.path.exists(path)
        assert time.monotonic() - began > 0.3  # it waited for the other to let go
        assert not os.path.exists(f"{path}.break")
    finally:
        breaker.kill()
        breaker.wait()
