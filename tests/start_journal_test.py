"""`start` cut off by kill -9 at every ref update: the record is written first, a re-run (or
--continue) completes the start and pushes, --abort puts everything back; and the lock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import killing
import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.flow import lock

RECORD = ".git/hotfix-guard/starts/hotfix%2Fv1.2.4.json"
JOURNAL = ".git/hotfix-guard/start.json"
INCIDENT = ("--severity", "high", "--summary", "Checkout fails for EUR")


@pytest.fixture
def versioned(released: GitRepo) -> GitRepo:
    """v1.2.3 whose VERSION file start bumps in a commit of its own; main has moved on since
    (a file changed, one added, one deleted), so checking out the base changes the work tree."""
    released.commit("feat: release", **{".hotfix-guard.toml": "version-files = ['VERSION']\n", "VERSION": "1.2.3\n"})
    released.git("tag", "-f", "v1.2.3")
    (released.path / "README.md").unlink()
    released.commit("feat: next", **{"app.py": "print('next')\n", "new.py": "NEW = 1\n"})
    return released


def add_origin(repo: GitRepo, tmp_path: Path) -> GitRepo:
    origin = GitRepo(tmp_path / "origin.git")
    repo.git("init", "-q", "--bare", str(origin.path))
    repo.git("remote", "add", "origin", str(origin.path))
    repo.git("push", "-q", "origin", "main")
    return origin


def state(repo: GitRepo) -> tuple[str, ...]:
    """Refs, HEAD, index, status, stashes and the start records, byte for byte."""
    records = sorted((repo.path / ".git/hotfix-guard/starts").glob("*.json"))
    return (
        repo.refs(),
        repo.git("symbolic-ref", "-q", "HEAD", check=False) + repo.git("rev-parse", "HEAD"),
        repo.git("ls-files", "--stage"),
        repo.git("status", "--porcelain", "--untracked-files=all"),
        repo.git("stash", "list"),
        "".join(f"{path.name} {path.read_text()}" for path in records),
    )


def test_killed_after_the_branch_a_rerun_keeps_the_record_and_pushes(released: GitRepo, tmp_path: Path) -> None:
    origin = add_origin(released, tmp_path)
    assert killing.killed(killing.run(released, "start", "--push", *INCIDENT, kill_at=2))
    record = json.loads((released.path / RECORD).read_text())
    assert (record["severity"], record["summary"]) == ("high", "Checkout fails for EUR")
    result = killing.run(released, "start", "--push", *INCIDENT)
    assert result.returncode == 0, result.stderr
    assert "found a start of hotfix/v1.2.4 that was cut off; completing it" in result.stdout
    assert released.git("rev-parse", "--abbrev-ref", "@{u}").strip() == "origin/hotfix/v1.2.4"
    assert origin.git("rev-parse", "hotfix/v1.2.4") == released.git("rev-parse", "v1.2.3^{commit}")
    assert json.loads((released.path / RECORD).read_text()) == record
    assert not (released.path / JOURNAL).exists()


def test_killed_during_the_push_a_rerun_pushes(released: GitRepo, tmp_path: Path) -> None:
    add_origin(released, tmp_path)
    assert killing.killed(killing.run(released, "start", "--push", kill_at=3))  # origin/hotfix/v1.2.4, prepared
    assert (released.path / JOURNAL).exists()
    result = killing.run(released, "start", "--push")
    assert result.returncode == 0, result.stderr
    assert "refs/remotes/origin/hotfix/v1.2.4.lock, left by the git that was killed" in result.stdout
    assert released.git("rev-parse", "--abbrev-ref", "@{u}").strip() == "origin/hotfix/v1.2.4"
    assert not (released.path / JOURNAL).exists()


def test_rerun_after_a_rejected_push_says_what_it_found_and_pushes(released: GitRepo, tmp_path: Path) -> None:
    origin = add_origin(released, tmp_path)
    hook = origin.write("hooks/pre-receive", '#!/bin/sh\nrm "$0"\nexit 1\n')  # rejects once
    hook.chmod(0o755)
    assert run_cli(released, "start", "--push").exit_code == 1
    result = run_cli(released, "start", "--push")
    assert result.exit_code == 0, result.output
    assert "you are on hotfix/v1.2.4 already: started " in result.stdout
    assert "it is not on origin: pushing it" in result.stdout
    assert released.git("rev-parse", "--abbrev-ref", "@{u}").strip() == "origin/hotfix/v1.2.4"
    assert origin.git("rev-parse", "hotfix/v1.2.4") == released.git("rev-parse", "HEAD")


def test_rerun_without_push_says_the_branch_is_unpushed_and_the_bump_missing(versioned: GitRepo) -> None:
    assert run_cli(versioned, "start").exit_code == 0
    versioned.git("reset", "-q", "--hard", "HEAD^")  # the bump commit undone by hand
    result = run_cli(versioned, "start")
    assert result.exit_code == 0, result.output
    assert "the version bump commit is missing: set the version in VERSION to 1.2.4" in result.stdout
    assert "it is not on origin; push it with: hotfix-guard start --push" in result.stdout


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4])  # the branch, then the bump commit: prepared, committed
def test_abort_after_a_kill_puts_everything_back(versioned: GitRepo, kill_at: int) -> None:
    before = state(versioned)
    assert killing.killed(killing.run(versioned, "start", *INCIDENT, kill_at=kill_at))
    result = killing.run(versioned, "start", "--abort")
    assert result.returncode == 0, result.stderr
    assert "start of hotfix/v1.2.4 aborted" in result.stdout
    assert state(versioned) == before
    assert not (versioned.path / JOURNAL).exists()


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4])
def test_continue_after_a_kill_completes_the_start(versioned: GitRepo, kill_at: int) -> None:
    assert killing.killed(killing.run(versioned, "start", *INCIDENT, kill_at=kill_at))
    result = killing.run(versioned, "start", "--continue")
    assert result.returncode == 0, result.stderr
    assert versioned.git("branch", "--show-current").strip() == "hotfix/v1.2.4"
    assert versioned.git("log", "--format=%s", "v1.2.3..HEAD").splitlines() == [
        "fix(release): HOTFIX - set version 1.2.4"
    ]
    assert versioned.git("status", "--porcelain", "--untracked-files=all") == ""
    assert versioned.git("stash", "list") == ""
    assert json.loads((versioned.path / RECORD).read_text())["severity"] == "high"


def test_abort_restores_an_earlier_record_byte_for_byte(released: GitRepo) -> None:
    assert run_cli(released, "start").exit_code == 0
    released.checkout("main")
    released.git("branch", "-D", "hotfix/v1.2.4")
    before = state(released)
    assert killing.killed(killing.run(released, "start", kill_at=2))
    assert killing.run(released, "start", "--abort").returncode == 0
    assert state(released) == before


def test_a_start_cut_off_refuses_another_name(released: GitRepo) -> None:
    assert killing.killed(killing.run(released, "start", kill_at=2))
    before = state(released)
    result = run_cli(released, "start", "other-fix")
    assert result.exit_code == 2
    assert "a start of hotfix/v1.2.4 was cut off; run hotfix-guard start --continue" in result.stderr
    assert "start --abort" in result.stderr and state(released) == before


def test_continue_without_a_cut_off_start_is_refused(released: GitRepo) -> None:
    result = run_cli(released, "start", "--continue")
    assert result.exit_code == 2 and "no start was cut off" in result.stderr


def test_a_live_lock_holder_makes_start_refuse(released: GitRepo) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path = Path(lock.lock_path(str(released.path / ".git")))
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"pid": sleeper.pid, "start": lock.process_start(sleeper.pid), "command": "finish", "since": "x"}
        path.write_text(json.dumps(record))
        before = state(released)
        result = run_cli(released, "start")
        assert result.exit_code == 2
        assert f"another hotfix-guard is changing this repository (pid {sleeper.pid}" in result.stderr
        assert state(released) == before and not (released.path / RECORD).exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_abort_keeps_what_the_user_changed_after_the_kill(versioned: GitRepo) -> None:
    """Killed once the bump is committed; the user then edits, stages and adds files. The undo's reset
    must not take them: they come back, exactly, from the stash --abort names."""
    assert killing.killed(killing.run(versioned, "start", *INCIDENT, kill_at=4))
    (versioned.path / ".git/index.lock").unlink(missing_ok=True)  # as git tells the user to
    versioned.write("app.py", "print('my fix')\n")
    versioned.git("add", "app.py")
    versioned.write("VERSION", "1.2.4-mine\n")
    versioned.write("notes.txt", "my notes\n")
    versioned.git("add", "notes.txt")
    result = killing.run(versioned, "start", "--abort")
    assert result.returncode == 0, result.stderr
    command = next(line for line in result.stdout.splitlines() if "git stash branch" in line)
    assert versioned.git("status", "--porcelain") == ""
    versioned.git(*command.split("git ", 1)[1].split())
    assert (versioned.path / "app.py").read_text() == "print('my fix')\n"
    assert (versioned.path / "VERSION").read_text() == "1.2.4-mine\n"
    assert versioned.git("diff", "--cached", "--name-only").split() == ["app.py", "notes.txt"]


# In origin, once it has taken the push: Ctrl-C to the process group of the pushing
# hotfix-guard (its git push and this hook included), once.
INTERRUPT_AT_ORIGIN = '#!/bin/sh\n[ "$1" = committed ] || exit 0\nrm "$0"\nkill -INT 0\n'


def test_an_interrupted_push_keeps_the_branch_and_a_rerun_completes_it(released: GitRepo, tmp_path: Path) -> None:
    origin = add_origin(released, tmp_path)
    origin.write("hooks/reference-transaction", INTERRUPT_AT_ORIGIN).chmod(0o755)
    result = killing.run(released, "start", "--push")
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "hotfix-guard: error: the push was interrupted; hotfix/v1.2.4 is created here and may or may not be on "
        "origin; run hotfix-guard start --push again to complete it"
    )
    assert released.git("branch", "--show-current").strip() == "hotfix/v1.2.4"
    assert killing.run(released, "start", "--push").returncode == 0
    assert released.git("rev-parse", "--abbrev-ref", "@{u}").strip() == "origin/hotfix/v1.2.4"
    assert not (released.path / JOURNAL).exists()


def test_abort_after_the_push_reached_origin_changes_nothing(released: GitRepo, tmp_path: Path) -> None:
    origin = add_origin(released, tmp_path)
    assert killing.killed(killing.run(released, "start", "--push", kill_at=3))  # origin/hotfix/v1.2.4, prepared
    (released.path / ".git/refs/remotes/origin/hotfix/v1.2.4.lock").unlink()  # as git tells the user to
    killed = state(released)
    result = killing.run(released, "start", "--abort")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    sha = origin.git("rev-parse", "hotfix/v1.2.4")[:10]
    assert (
        f"error: origin already has hotfix/v1.2.4 at {sha}: the start is published and is not undone" in result.stderr
    )
    assert state(released) == killed and (released.path / JOURNAL).exists()
    assert killing.run(released, "start", "--continue").returncode == 0


def test_abort_after_a_push_origin_did_not_take_puts_everything_back(released: GitRepo, tmp_path: Path) -> None:
    origin = add_origin(released, tmp_path)
    before = state(released)
    assert killing.killed(killing.run(released, "start", "--push", kill_at=3))
    origin.git("update-ref", "-d", "refs/heads/hotfix/v1.2.4")  # as if the push had never arrived
    result = killing.run(released, "start", "--abort")
    assert result.returncode == 0, result.stderr
    assert "its push had begun, but origin does not have hotfix/v1.2.4" in result.stdout
    assert state(released) == before and not (released.path / JOURNAL).exists()


def test_abort_refuses_when_origin_cannot_be_asked(released: GitRepo, tmp_path: Path) -> None:
    add_origin(released, tmp_path)
    assert killing.killed(killing.run(released, "start", "--push", kill_at=3))
    released.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))
    killed = state(released)
    result = killing.run(released, "start", "--abort")
    assert result.returncode == 2 and "cannot ask origin whether the push that was cut off reached it" in result.stderr
    assert state(released) == killed and (released.path / JOURNAL).exists()


@pytest.mark.parametrize("kill_at", [1, 2])  # before the checkout is complete, and before the bump
def test_continue_refuses_to_write_over_an_edit_made_after_the_kill(versioned: GitRepo, kill_at: int) -> None:
    assert killing.killed(killing.run(versioned, "start", kill_at=kill_at))
    versioned.write("VERSION", "1.2.3-mine\n")
    before = state(versioned)
    result = killing.run(versioned, "start", "--continue")
    assert result.returncode == 2 and "VERSION changed after the start of hotfix/v1.2.4 was cut off" in result.stderr
    assert (versioned.path / "VERSION").read_text() == "1.2.3-mine\n"
    assert state(versioned) == before and (versioned.path / JOURNAL).exists()


def test_continue_refuses_an_ignored_file_in_the_way_of_the_checkout(versioned: GitRepo) -> None:
    """Killed in the checkout, the user resets to main and keeps a private README.md, ignored."""
    assert killing.killed(killing.run(versioned, "start", kill_at=1))
    versioned.git("reset", "-q", "--hard")
    versioned.write(".git/info/exclude", "README.md\n")
    versioned.write("README.md", "my notes\n")
    result = killing.run(versioned, "start", "--continue")
    assert result.returncode == 2 and "in the way of start's checkout: README.md" in result.stderr
    assert (versioned.path / "README.md").read_text() == "my notes\n" and (versioned.path / JOURNAL).exists()


def test_abort_of_a_checkout_cut_off_half_way_stashes_nothing(versioned: GitRepo) -> None:
    """Each path is main's or the base's, as when git is killed writing the checkout: the tool's own."""
    before = state(versioned)
    assert killing.killed(killing.run(versioned, "start", kill_at=1))
    versioned.git("checkout", "HEAD", "--", "new.py", "app.py")  # these two not switched yet
    result = killing.run(versioned, "start", "--abort")
    assert result.returncode == 0, result.stderr
    assert state(versioned) == before and "stash" not in result.stdout


def test_abort_of_a_checkout_cut_off_keeps_an_edit_made_after_the_kill(versioned: GitRepo) -> None:
    assert killing.killed(killing.run(versioned, "start", kill_at=1))
    versioned.write("app.py", "print('mine')\n")
    result = killing.run(versioned, "start", "--abort")
    assert result.returncode == 0, result.stderr
    assert versioned.git("show", "stash@{0}:app.py") == "print('mine')\n"


def test_abort_keeps_a_new_file_where_main_tracks_one(versioned: GitRepo) -> None:
    """The checkout removed new.py (main's, not the base's); the user writes their own there."""
    assert killing.killed(killing.run(versioned, "start", kill_at=1))
    versioned.write("new.py", "MINE = 1\n")
    result = killing.run(versioned, "start", "--abort")
    assert result.returncode == 0, result.stderr
    assert versioned.git("show", "stash@{0}^3:new.py") == "MINE = 1\n"
