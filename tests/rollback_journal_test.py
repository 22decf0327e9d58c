"""`rollback` cut off by kill -9 at every ref update: a journal lets --continue complete it and
--abort put everything back; a rejected push is pushed by a re-run; the lock."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import killing
import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.flow import lock

JOURNAL = ".git/hotfix-guard/rollback.json"
# Ref updates of a rollback on main: ORIG_HEAD (1, 2), then HEAD and main (3, 4), then the
# tag (5, 6); each prepared, then committed. With --push, origin/main follows (7, 8). Killed
# at 3 the work tree holds the target's files while main has not moved. (The crash matrix
# kills at every step; these prove the journal.)
STEPS = [1, 3, 4, 5]


@pytest.fixture
def bad(released: GitRepo) -> GitRepo:
    """main with v1.2.3, then a bad v1.2.4 adding, changing and deleting files."""
    (released.path / "README.md").unlink()
    released.commit("feat: a cache", **{"cache.py": "CACHE = {}\n", "app.py": "print('cached')\n"})
    released.tag("v1.2.4")
    released.git("branch", "topic", "v1.2.3")
    return released


def state(repo: GitRepo) -> tuple[str, ...]:
    """Refs, HEAD, index, work-tree bytes and stashes: what --abort must bring back exactly."""
    files = sorted(p for p in repo.path.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo.path).parts)
    tree = "".join(f"{p.relative_to(repo.path)} {hashlib.sha1(p.read_bytes()).hexdigest()}\n" for p in files)
    head = repo.git("symbolic-ref", "-q", "HEAD", check=False) or repo.git("rev-parse", "HEAD")
    return repo.refs(), head, repo.git("ls-files", "--stage"), tree, repo.git("stash", "list")


def assert_rolled_back(repo: GitRepo) -> None:
    assert repo.git("rev-parse", "main^{tree}") == repo.git("rev-parse", "v1.2.3^{tree}")
    assert repo.git("rev-parse", "v1.2.5^{commit}") == repo.git("rev-parse", "main")
    assert repo.git("rev-parse", "main^") == repo.git("rev-parse", "v1.2.4")
    assert repo.git("cat-file", "-t", "v1.2.5").strip() == "tag"
    assert repo.git("symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert repo.git("status", "--porcelain", "--untracked-files=all") == "" and repo.git("stash", "list") == ""
    assert not (repo.path / JOURNAL).exists()


def bare_origin(repo: GitRepo, tmp_path: Path, pre_receive: str | None = None) -> GitRepo:
    origin = GitRepo(tmp_path / "origin.git")
    repo.git("init", "-q", "--bare", str(origin.path))
    repo.git("remote", "add", "origin", str(origin.path))
    repo.git("push", "-q", "origin", "main", "--tags")
    repo.git("fetch", "-q", "origin")
    if pre_receive is not None:
        origin.write("hooks/pre-receive", pre_receive).chmod(0o755)
    return origin


@pytest.mark.parametrize("branch", ["main", "topic"])
@pytest.mark.parametrize("kill_at", STEPS)
def test_continue_after_a_kill_completes_the_rollback(bad: GitRepo, kill_at: int, branch: str) -> None:
    bad.checkout(branch)
    assert killing.killed(killing.run(bad, "rollback", kill_at=kill_at))
    assert (bad.path / JOURNAL).exists()
    result = killing.run(bad, "rollback", "--continue")
    assert result.returncode == 0, result.stderr
    assert "completing the rollback of v1.2.4 to v1.2.3 (tag v1.2.5) that was cut off" in result.stdout
    assert_rolled_back(bad)


@pytest.mark.parametrize("branch", ["main", "topic"])
@pytest.mark.parametrize("kill_at", STEPS)
def test_abort_after_a_kill_puts_everything_back(bad: GitRepo, kill_at: int, branch: str) -> None:
    bad.checkout(branch)
    before = state(bad)
    assert killing.killed(killing.run(bad, "rollback", kill_at=kill_at))
    result = killing.run(bad, "rollback", "--abort")
    assert result.returncode == 0, result.stderr
    assert "rollback to v1.2.3 aborted: main is at" in result.stdout
    assert state(bad) == before
    assert not (bad.path / JOURNAL).exists()


def test_a_rollback_cut_off_refuses_a_new_one(bad: GitRepo) -> None:
    assert killing.killed(killing.run(bad, "rollback", kill_at=4))  # main moved, untagged
    before = state(bad)
    result = run_cli(bad, "rollback")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "a rollback to v1.2.3 (tag v1.2.5) was cut off; run hotfix-guard rollback --continue" in result.stderr
    assert "rollback --abort" in result.stderr
    assert state(bad) == before


def test_continue_without_a_cut_off_rollback_is_refused(bad: GitRepo) -> None:
    result = run_cli(bad, "rollback", "--continue")
    assert result.exit_code == 2 and "no rollback was cut off" in result.stderr


def test_a_journal_the_repository_no_longer_matches_is_refused(bad: GitRepo) -> None:
    assert killing.killed(killing.run(bad, "rollback", kill_at=4))  # main moved, untagged
    bad.git("update-ref", "refs/heads/main", "v1.2.3")  # and then moved by hand
    before = state(bad)
    for action in ("--continue", "--abort"):
        result = run_cli(bad, "rollback", action)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert "the rollback journal no longer matches the repository (main is at" in result.stderr
    assert state(bad) == before and (bad.path / JOURNAL).exists()


def test_killed_during_the_push_continue_pushes(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path)
    assert killing.killed(killing.run(bad, "rollback", "--push", kill_at=7))  # origin/main, prepared
    result = killing.run(bad, "rollback", "--continue")
    assert result.returncode == 0, result.stderr
    assert "pushed main and tag v1.2.5 to origin" in result.stdout
    assert origin.git("rev-parse", "main", "v1.2.5") == bad.git("rev-parse", "main", "v1.2.5")
    assert bad.git("rev-parse", "origin/main") == bad.git("rev-parse", "main")
    assert_rolled_back(bad)


def test_rerun_after_a_rejected_push_pushes_main_and_the_tag(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path, pre_receive='#!/bin/sh\nrm "$0"\nexit 1\n')  # rejects once
    assert run_cli(bad, "rollback", "--push").exit_code == 1
    assert origin.git("tag", "--list") == "v1.2.3\nv1.2.4\n"
    result = run_cli(bad, "rollback", "--push")
    assert result.exit_code == 0, result.output
    assert "main is rolled back already: v1.2.5 restores v1.2.3 (undoing v1.2.4); pushing it" in result.stdout
    assert origin.git("rev-parse", "main", "v1.2.5") == bad.git("rev-parse", "main", "v1.2.5")
    assert_rolled_back(bad)


def test_continue_with_push_pushes_a_complete_rollback_whose_push_was_rejected(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path, pre_receive='#!/bin/sh\nrm "$0"\nexit 1\n')
    assert run_cli(bad, "rollback", "--push").exit_code == 1
    result = run_cli(bad, "rollback", "--continue", "--push")
    assert result.exit_code == 0, result.output
    assert origin.git("rev-parse", "main", "v1.2.5") == bad.git("rev-parse", "main", "v1.2.5")


def test_a_live_lock_holder_makes_rollback_refuse(bad: GitRepo) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path = Path(lock.lock_path(str(bad.path / ".git")))
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"pid": sleeper.pid, "start": lock.process_start(sleeper.pid), "command": "finish", "since": "x"}
        path.write_text(json.dumps(record))
        before = state(bad)
        for args in (["rollback"], ["rollback", "--continue"], ["rollback", "--abort"]):
            result = run_cli(bad, *args)
            assert result.exit_code == 2
            assert f"another hotfix-guard is changing this repository (pid {sleeper.pid}" in result.stderr
        assert state(bad) == before and not (bad.path / JOURNAL).exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_abort_keeps_what_the_user_changed_after_the_kill(bad: GitRepo) -> None:
    """Killed once main moved; the user then edits and adds files. --abort's reset must not take them."""
    assert killing.killed(killing.run(bad, "rollback", kill_at=4))
    (bad.path / ".git/index.lock").unlink(missing_ok=True)  # as git tells the user to
    bad.write("app.py", "print('my edit')\n")
    bad.write("mine.txt", "my notes\n")
    bad.git("add", "mine.txt")
    result = killing.run(bad, "rollback", "--abort")
    assert result.returncode == 0, result.stderr
    command = next(line for line in result.stdout.splitlines() if "git stash branch" in line)
    bad.git(*command.split("git ", 1)[1].split())
    assert (bad.path / "app.py").read_text() == "print('my edit')\n"
    assert (bad.path / "mine.txt").read_text() == "my notes\n"


# In origin, once it has taken the push: Ctrl-C to the process group of the pushing
# hotfix-guard (its git push and this hook included), once.
INTERRUPT_AT_ORIGIN = '#!/bin/sh\n[ "$1" = committed ] || exit 0\nrm "$0"\nkill -INT 0\n'


def test_an_interrupted_push_keeps_the_rollback_and_a_rerun_completes_it(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path)
    origin.write("hooks/reference-transaction", INTERRUPT_AT_ORIGIN).chmod(0o755)
    result = killing.run(bad, "rollback", "--push")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "hotfix-guard: error: the push was interrupted; the rollback is complete here, but main and tag v1.2.5 may "
        "or may not be on origin; run hotfix-guard rollback --push again to complete it"
    )
    result = killing.run(bad, "rollback", "--push")
    assert result.returncode == 0, result.stderr
    assert origin.git("rev-parse", "main", "v1.2.5") == bad.git("rev-parse", "main", "v1.2.5")
    assert bad.git("rev-parse", "origin/main") == bad.git("rev-parse", "main")
    assert_rolled_back(bad)


def test_abort_after_the_push_reached_origin_changes_nothing(bad: GitRepo, tmp_path: Path) -> None:
    bare_origin(bad, tmp_path)
    assert killing.killed(killing.run(bad, "rollback", "--push", kill_at=7))  # origin/main, prepared
    (bad.path / ".git/refs/remotes/origin/main.lock").unlink()  # as git tells the user to
    killed = state(bad)
    result = killing.run(bad, "rollback", "--abort")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    main = bad.git("rev-parse", "--short=10", "main").strip()
    assert (
        f"error: origin already has main at {main} and tag v1.2.5: the rollback is released and is not undone; "
        "run hotfix-guard rollback --continue to finish here"
    ) in result.stderr
    assert state(bad) == killed and (bad.path / JOURNAL).exists()
    assert killing.run(bad, "rollback", "--continue").returncode == 0
    assert_rolled_back(bad)


def test_abort_after_a_push_origin_did_not_take_puts_everything_back(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path)
    before = state(bad)
    assert killing.killed(killing.run(bad, "rollback", "--push", kill_at=7))
    origin.git("update-ref", "refs/heads/main", "v1.2.4")  # as if the push had never arrived
    origin.git("tag", "-d", "v1.2.5")
    result = killing.run(bad, "rollback", "--abort")
    assert result.returncode == 0, result.stderr
    assert "its push had begun, but origin has neither main at the rollback commit nor tag v1.2.5" in result.stdout
    assert state(bad) == before and not (bad.path / JOURNAL).exists()


def test_abort_refuses_when_origin_cannot_be_asked(bad: GitRepo, tmp_path: Path) -> None:
    bare_origin(bad, tmp_path)
    assert killing.killed(killing.run(bad, "rollback", "--push", kill_at=7))
    bad.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))
    killed = state(bad)
    result = killing.run(bad, "rollback", "--abort")
    assert result.returncode == 2 and "cannot ask origin whether the push that was cut off reached it" in result.stderr
    assert state(bad) == killed and (bad.path / JOURNAL).exists()


def test_continue_refuses_an_ignored_file_in_the_way_of_the_checkout(bad: GitRepo) -> None:
    """Killed before the merge checks out v1.2.3's tree, which tracks README.md; the user keeps
    a private one, ignored, in the meantime."""
    assert killing.killed(killing.run(bad, "rollback", kill_at=1))
    bad.write(".git/info/exclude", "README.md\n")
    bad.write("README.md", "my notes\n")
    before = state(bad)
    result = killing.run(bad, "rollback", "--continue")
    assert (
        result.returncode == 2 and "in the way of rollback's checkout: README.md (tracked in v1.2.3)" in result.stderr
    )
    assert state(bad) == before and (bad.path / JOURNAL).exists()
