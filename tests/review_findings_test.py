"""Reproductions from the second review of issue 10: each test fails on the code it was written
against, and shows one way the promises of the README are not kept."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from finish_test import conflict_on, make_flow, state

from hotfix_guard.errors import RepoError
from hotfix_guard.flow import lock
from hotfix_guard.regex_safety import hazard


def test_finish_abort_keeps_a_file_in_a_directory_that_replaced_a_tracked_file(hotfix: GitRepo) -> None:
    """Data loss: while finish is stopped on a conflict, the user turns a tracked file into a
    directory (rm, mkdir) and writes notes in it; --abort's reset deletes the notes, and the
    stash it makes does not hold them."""
    flow = make_flow(hotfix)
    conflict_on(flow, "develop")
    assert run_cli(flow, "finish").exit_code == 1
    (flow.path / "README.md").unlink()
    flow.write("README.md/notes.txt", "precious, never committed\n")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0, result.output
    stashes = flow.git("stash", "list", "--format=%H").split()
    saved = [flow.git("show", f"{stash}^3:README.md/notes.txt", check=False) for stash in stashes]
    on_disk = flow.path / "README.md" / "notes.txt"
    assert on_disk.exists() or "precious, never committed\n" in saved


# SIGTERM hotfix-guard (git's grandparent: git -> hook) when the undo deletes the tag.
TERM_IN_UNDO = """#!/bin/sh
[ "$1" = committed ] || exit 0
grep -q "^[0-9a-f]* 0000000000000000000000000000000000000000 refs/tags/v1.2.4" || exit 0
kill -TERM $(cut -d' ' -f4 /proc/$PPID/stat)
sleep 1
"""
REFUSE_DEVELOP = """#!/bin/sh
[ "$(git symbolic-ref HEAD)" = refs/heads/develop ] && { echo "no merges into develop" >&2; exit 1; }
exit 0
"""


def test_a_first_sigterm_during_an_undo_does_not_cut_it_short(hotfix: GitRepo) -> None:
    """Silently wrong: a hook refuses the back-merge, so finish undoes; a `kill PID` arriving
    during that undo stops it half way (HEAD left on develop, the journal left behind), and
    all the user sees is "Terminated." with exit 143, which the README says means "undone"."""
    flow = make_flow(hotfix)
    before = state(flow)
    for name, body in (("pre-merge-commit", REFUSE_DEVELOP), ("reference-transaction", TERM_IN_UNDO)):
        flow.write(f".git/hooks/{name}", body).chmod(0o755)
    command = [sys.executable, "-m", "hotfix_guard", "finish"]
    result = subprocess.run(command, cwd=flow.path, capture_output=True, text=True, timeout=60)
    (flow.path / ".git" / "hooks" / "reference-transaction").unlink()
    assert result.returncode == 143, result.stderr
    assert not (flow.path / ".git" / "hotfix-guard" / "finish.json").exists(), result.stderr
    assert state(flow) == before


def test_a_token_that_backtracks_in_high_polynomial_time_is_refused(tmp_path: Path) -> None:
    """Silently wrong guard + doc mismatch: `.*:.*:.*…` passes the scanner (the README says a
    passing pattern is at worst quadratic) but is O(n^7): a 100-character message takes minutes
    in the commit-msg hook."""
    pattern = r"\bHOTFIX\b.*:.*:.*:.*:.*:.*:.*!"
    # Measured here: 40 colons 1.3 s, 100 colons 112 s (one core); `.*a.*a.*a.*a.*a.*a.*b` on
    # 60 a's: 37 s. Both patterns compile and load as config today.
    assert re.compile(pattern)
    assert hazard(pattern) is not None
    assert hazard(r".*a.*a.*a.*a.*a.*a.*b") is not None


def test_a_notify_template_cannot_print_the_git_config_or_an_ignored_secret(hotfix: GitRepo) -> None:
    """Containment: a committed config names `.git/config` (a remote URL with a token) or an
    ignored `.env` as a template; notify prints them into the message. The README says a
    repository's config cannot put your local files into a message."""
    hotfix.git("remote", "add", "origin", "https://deploy:ghp_SECRET@example.com/x.git")
    hotfix.write(".gitignore", ".env\n")
    hotfix.write(".env", "API_KEY=sk-live-SECRET\n")
    hotfix.write(".hotfix-guard.toml", '[notify]\nteam-template = ".git/config"\nusers-template = ".env"\n')
    team, users = run_cli(hotfix, "notify", "--team"), run_cli(hotfix, "notify", "--users")
    assert "SECRET" not in team.output and team.exit_code == 2, team.output
    assert "SECRET" not in users.output and users.exit_code == 2, users.output


def test_start_continue_keeps_an_edit_to_a_version_file_made_after_the_kill(released: GitRepo) -> None:
    """Data loss: `start` is killed before its version bump; the user edits the version file (a
    source file, pkg/__init__.py) and runs `start --continue`, which writes the bump over the
    edit and commits: exit 0, no stash, the edit is gone."""
    from killing import run

    released.write(".hotfix-guard.toml", 'version-files = [\'pkg/__init__.py:__version__ = "([^"]+)"\']\n')
    released.write("pkg/__init__.py", '__version__ = "1.2.3"\n\ndef login(token):\n    return True\n')
    released.commit("feat: pkg")
    released.git("tag", "-f", "v1.2.3")
    assert run(released, "start", kill_at=1).returncode == -9
    edited = '__version__ = "1.2.3"\n\ndef login(token):\n    return bool(token)\n'
    released.write("pkg/__init__.py", edited)
    result = run(released, "start", "--continue")
    stashed = [
        released.git("show", f"{s}:pkg/__init__.py") for s in released.git("stash", "list", "--format=%H").split()
    ]
    on_disk = (released.path / "pkg" / "__init__.py").read_text()
    assert "bool(token)" in on_disk or edited in stashed, (result.returncode, result.stdout, result.stderr)


HOLD = """
import sys, time
from hotfix_guard.flow import lock
lock.acquire(sys.argv[1], "finish")
print("held", flush=True)
time.sleep(60)
"""


def test_two_takers_of_a_stale_lock_cannot_both_hold_it(released: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Concurrency: A and B both find the same stale lock. B takes it over first and runs;
    A, which read the stale holder before, renames B's live lock aside, deletes it and takes
    its own: two commands change the repository at once (the docstring says "so two takers
    cannot both win")."""
    git_dir = str(released.path / ".git")
    path = Path(lock.lock_path(git_dir))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": 999_999_999, "start": "1", "command": "finish"}))
    read, holders = lock._read, []

    def read_then_let_b_in(where: str) -> dict[str, object] | None:
        seen = read(where)  # A has seen the stale holder; now B takes the lock over and runs
        if not holders:
            b = subprocess.Popen([sys.executable, "-c", HOLD, git_dir], stdout=subprocess.PIPE, text=True)
            holders.append(b)
            assert b.stdout is not None and b.stdout.readline() == "held\n"
        return seen

    monkeypatch.setattr(lock, "_read", read_then_let_b_in)
    try:
        with pytest.raises(RepoError, match="another hotfix-guard"):
            lock.release(lock.acquire(git_dir, "finish"))
    finally:
        for b in holders:
            b.kill()
            b.wait()


def test_finish_abort_keeps_the_resolution_of_an_earlier_conflict(hotfix: GitRepo) -> None:
    """Data loss (reflog only): conflicts on both merges. The user resolves the one into main
    and runs --continue; the back-merge conflicts too, and the user runs --abort. The merge
    commit holding the first resolution is dropped: no stash, no branch, not named (finish's
    own undo says "Your merge resolution is kept in commit …"; --abort says nothing)."""
    flow = make_flow(hotfix)
    conflict_on(flow, "main")
    flow.checkout("develop")
    flow.commit("chore: develop version", **{"VERSION": "develop\n"})
    flow.checkout("hotfix/v1.2.4")
    assert run_cli(flow, "finish").exit_code == 1
    flow.write("VERSION", "carefully resolved for main\n")
    flow.git("add", "VERSION")
    assert run_cli(flow, "finish", "--continue").exit_code == 1  # stopped again, on develop
    resolution = flow.git("rev-parse", "main").strip()
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0, result.output
    kept = flow.git("for-each-ref", "--contains", resolution)
    assert kept or resolution[:10] in result.output, result.output


def test_a_damaged_finish_journal_is_a_clear_error_not_a_bug(hotfix: GitRepo) -> None:
    """Exit 3 instead of a one-line error: start and rollback say their journal is damaged;
    finish --abort on a journal whose `before` is not an object reports "a bug" (AssertionError)."""
    journal = {"before": [], "steps": [], "branch": "hotfix/v1.2.4", "main": "main", "format": 2}
    hotfix.write(".git/hotfix-guard/finish.json", json.dumps(journal))
    result = run_cli(hotfix, "finish", "--abort")
    assert result.exit_code == 2 and "damaged" in result.output, result.output


@pytest.mark.parametrize("command", ["start", "rollback"])
def test_start_and_rollback_refuse_an_ignored_file_their_checkout_overwrites(released: GitRepo, command: str) -> None:
    """Data loss (issue item 2, fixed in finish only): v1.2.4 tracks settings.local, main then
    stops tracking it and ignores it, and the user keeps a private one. `start` (checking out
    v1.2.4) and `rollback` (moving main to the tree of v1.2.4) overwrite it, exit 0."""
    released.commit("feat: settings", **{"settings.local": "shared default\n"})
    released.tag("v1.2.4")
    released.git("rm", "-q", "--cached", "settings.local")
    released.commit("chore: stop tracking settings.local", **{".gitignore": "settings.local\n"})
    if command == "rollback":
        released.tag("v1.2.5")
    released.write("settings.local", "my private password\n")
    result = run_cli(released, command)
    assert (released.path / "settings.local").read_text() == "my private password\n", result.output
    assert result.exit_code == 2 and "settings.local" in result.output


def test_continue_accepts_a_merge_the_user_committed_by_hand(hotfix: GitRepo) -> None:
    """Usability / advice that drops work: after resolving, the user concludes the merge with
    `git commit` (what git itself suggests). --continue refuses ("was it aborted with git merge
    --abort?") and prints `git update-ref refs/heads/develop <old>` and `git switch -f` as the
    way to put things back, which silently drops that merge commit."""
    flow = make_flow(hotfix)
    conflict_on(flow, "develop")
    assert run_cli(flow, "finish").exit_code == 1
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    flow.git("commit", "-q", "--no-edit")
    resolution = flow.git("rev-parse", "HEAD").strip()
    result = run_cli(flow, "finish", "--continue")
    assert result.exit_code == 0, result.output
    assert flow.git("rev-parse", "develop").strip() == resolution


def test_continue_leaves_a_lock_file_made_after_the_kill(hotfix: GitRepo) -> None:
    """Doc mismatch, and a live git's lock deleted: the README says only the lock files made
    *during* the cut-off run are removed. Any index.lock made between the kill and --continue
    (a `git commit` whose editor is still open, in another terminal) is removed too, with the
    note that the killed git left it."""
    from flow_state_test import cut_off_long_ago
    from killing import run

    flow = make_flow(hotfix)
    assert run(flow, "finish", kill_at=1).returncode == -9
    cut_off_long_ago(flow)
    lock_file = flow.path / ".git" / "index.lock"
    lock_file.write_text("")  # another git, started after the kill, still running
    result = run(flow, "finish", "--continue")
    assert lock_file.exists(), result.stdout + result.stderr


def test_finish_undo_keeps_a_local_edit_of_an_assume_unchanged_file(released: GitRepo) -> None:
    """Data loss: conf.yml is tracked and marked assume-unchanged with a local edit (a common
    way to keep private settings in a tracked file); `git status` calls the tree clean. develop
    changes conf.yml, so `git switch develop` refuses, and finish's undo (`reset --hard`)
    writes the committed conf.yml over the private one, then says the work tree is back."""
    released.commit("feat: conf", **{"conf.yml": "url=prod\n"})
    released.git("tag", "-f", "v1.2.3")
    released.switch("develop")
    released.commit("feat: dev conf", **{"conf.yml": "url=prod\nnew=1\n"})
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(**{"app.py": "print('fixed')\n"})
    released.write("conf.yml", "url=my private server\n")
    released.git("update-index", "--assume-unchanged", "conf.yml")
    result = run_cli(released, "finish")
    assert (released.path / "conf.yml").read_text() == "url=my private server\n", result.output


def test_a_finish_stopped_in_one_worktree_blocks_rollback_in_another(hotfix: GitRepo, tmp_path: Path) -> None:
    """Silently wrong guard: journals live in each worktree's own git directory, refs in the
    shared one. While finish is stopped on a conflict in worktree A (main merged and tagged
    v1.2.4), `rollback` in worktree B rolls that half-finished release back (exit 0), B's
    `finish --abort` says no finish is in progress, and A's --abort is stuck on a stale journal."""
    flow = make_flow(hotfix)
    conflict_on(flow, "develop")
    other = tmp_path / "other"
    flow.git("worktree", "add", "-q", "--detach", str(other), "v1.2.3")
    assert run_cli(flow, "finish").exit_code == 1
    refs = flow.refs()
    result = run_cli(other, "rollback")
    assert result.exit_code == 2 and flow.refs() == refs, result.output
