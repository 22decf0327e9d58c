"""`finish --push` asks the remote first (one `git ls-remote`): a tag already there, a main or
develop that moved on there, or a remote that does not answer is refused before any change,
naming the cause; and every retry advice names the cause it answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli
from finish_test import bare_origin, make_flow, state


@pytest.fixture
def flow(hotfix: GitRepo) -> GitRepo:
    return make_flow(hotfix)


def colleague(origin: Path, tmp_path: Path) -> GitRepo:
    """A second clone of ORIGIN, as a colleague has it."""
    clone = GitRepo(tmp_path / "colleague")
    subprocess.run(["git", "clone", "-q", str(origin), str(clone.path)], check=True, capture_output=True)
    return clone


def remote_refs(origin: Path) -> str:
    return GitRepo(origin).git("for-each-ref", "--format=%(refname) %(objectname)")


def test_a_tag_already_on_the_remote_is_refused_before_anything_changes(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    other = colleague(origin, tmp_path)
    other.git("switch", "-q", "--detach", "v1.2.3")
    other.commit("fix: HOTFIX - their own v1.2.4", **{"theirs.py": "x\n"})
    other.git("tag", "-a", "-m", "their release", "v1.2.4")
    other.git("push", "-q", "origin", "v1.2.4")
    before, there = state(flow), remote_refs(origin)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 2, result.output
    theirs = other.git("rev-parse", "v1.2.4^{commit}")[:10]
    assert f"origin already has a tag v1.2.4, on {theirs}, which is not this release" in result.stderr
    assert "hotfix-guard finish hotfix/v1.2.4 --tag v1.2.5 --push" in result.stderr
    assert "Nothing was changed" in result.stderr and "Retry" not in result.stderr
    assert state(flow) == before and remote_refs(origin) == there


def test_the_suggested_other_tag_then_finishes(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    other = colleague(origin, tmp_path)
    other.git("tag", "-a", "-m", "their release", "v1.2.4", "v1.2.3")
    other.git("push", "-q", "origin", "v1.2.4")
    assert run_cli(flow, "finish", "--push").exit_code == 2
    result = run_cli(flow, "finish", "hotfix/v1.2.4", "--tag", "v1.2.5", "--push")
    assert result.exit_code == 0, result.output
    assert GitRepo(origin).git("rev-parse", "v1.2.5^{commit}") == flow.git("rev-parse", "main")


@pytest.mark.parametrize("branch", ["main", "develop"])
def test_a_branch_that_moved_on_the_remote_is_refused(flow: GitRepo, tmp_path: Path, branch: str) -> None:
    """Pushed by a colleague after our last fetch: origin/<branch> here still says all is well."""
    origin = bare_origin(flow, tmp_path)
    other = colleague(origin, tmp_path)
    other.git("switch", "-q", branch)
    moved = other.commit("feat: pushed meanwhile", **{"meanwhile.py": "x\n"})
    other.git("push", "-q", "origin", branch)
    before, there = state(flow), remote_refs(origin)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 2, result.output
    seen = flow.git("rev-parse", f"origin/{branch}")[:10]
    assert (
        f"origin's {branch} moved on: it is at {moved[:10]} (your last fetch saw {seen}), which your {branch} "
        "does not contain" in result.stderr
    )
    assert f"git fetch origin && git switch {branch} && git merge origin/{branch}" in result.stderr
    assert state(flow) == before and remote_refs(origin) == there


def test_a_remote_branch_behind_what_is_pushed_is_no_move(flow: GitRepo, tmp_path: Path) -> None:
    """The remote's main is one our main contains, though our last fetch saw an older one: the push
    fast-forwards, so finish goes ahead."""
    origin = bare_origin(flow, tmp_path)
    old = flow.git("rev-parse", "main").strip()
    flow.checkout("main")
    flow.commit("chore: docs", **{"docs.md": "x\n"})
    flow.git("push", "-q", "origin", "main")
    flow.git("update-ref", "refs/remotes/origin/main", old)
    flow.checkout("hotfix/v1.2.4")
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 0, result.output
    assert GitRepo(origin).git("rev-parse", "main") == flow.git("rev-parse", "main")


def test_an_unreachable_remote_is_refused_loudly(flow: GitRepo, tmp_path: Path) -> None:
    bare_origin(flow, tmp_path)
    flow.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))
    before = state(flow)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 2, result.output
    assert "cannot ask origin whether it will take the push (fatal: " in result.stderr
    assert "gone.git' does not appear to be a git repository" in result.stderr
    assert "finish without --push now and push later (hotfix-guard finish hotfix/v1.2.4 --push)" in result.stderr
    assert state(flow) == before


def test_dry_run_asks_the_remote_too(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    GitRepo(origin).git("tag", "v1.2.4", "v1.2.3")
    result = run_cli(flow, "finish", "--push", "--dry-run")
    assert result.exit_code == 2 and "origin already has a tag v1.2.4" in result.stderr


def test_a_finished_release_whose_tag_the_remote_has_says_what_to_do_instead(flow: GitRepo, tmp_path: Path) -> None:
    """Finished here without --push; meanwhile origin got another v1.2.4: no retry can push it."""
    origin = bare_origin(flow, tmp_path)
    assert run_cli(flow, "finish").exit_code == 0
    GitRepo(origin).git("tag", "v1.2.4", "v1.2.3")
    before = state(flow)
    result = run_cli(flow, "finish", "hotfix/v1.2.4", "--push")
    assert result.exit_code == 2, result.output
    merge = flow.git("rev-parse", "main")[:10]
    assert f"This release is complete here as v1.2.4 ({merge}); to publish it as another version" in result.stderr
    assert f"git tag -d v1.2.4 && git tag -a v1.2.5 -m 'Release v1.2.5 (hotfix/v1.2.4)' {merge}" in result.stderr
    assert state(flow) == before


def test_a_push_refused_by_the_remote_names_the_cause_and_the_retry(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 1
    assert (
        "origin refused main (pre-receive hook declined): once that is settled there (permissions, branch "
        "protection, a server hook), retry: hotfix-guard finish hotfix/v1.2.4 --push" in result.stderr
    )


def test_a_push_rejected_for_a_tag_says_a_retry_cannot_succeed(flow: GitRepo, tmp_path: Path) -> None:
    """The remote got the tag between finish's question and its push (here: a hook adds it when
    the push arrives, then refuses that push)."""
    origin = bare_origin(flow, tmp_path)
    base = flow.git("rev-parse", "v1.2.3^{commit}").strip()
    hook = origin / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\nunset GIT_QUARANTINE_PATH\ngit update-ref refs/tags/v1.2.4 {base}\nexit 1\n")
    hook.chmod(0o755)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 1, result.output
    assert "origin already has a tag v1.2.4" in result.stderr and "This release is complete here" in result.stderr
    assert "Retry" not in result.stderr and "retry:" not in result.stderr


def test_an_atomic_push_refusal_names_every_cause(flow: GitRepo, tmp_path: Path) -> None:
    """git names only the first ref an atomic push refused; finish asks the remote again."""
    from hotfix_guard.flow.common import push_advice
    from hotfix_guard.gitrepo import GitResult

    refused = (
        b"To ../origin.git\n ! [rejected]        main -> main (atomic push failed)\n"
        b" ! [rejected]        v1.2.4 -> v1.2.4 (already exists)\n"
        b" ! [rejected]        develop -> develop (fetch first)\n"
    )
    advice = push_advice(GitResult(1, b"", refused), "origin", "hotfix-guard finish --push")
    assert advice.startswith("origin already has a tag v1.2.4 on another commit, so a retry cannot succeed")
    assert "origin's develop has commits yours lacks" in advice and "atomic" not in advice


def test_commits_pushed_by_a_colleague_to_the_hotfix_branch_block_as_before(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    other = colleague(origin, tmp_path)
    other.git("switch", "-q", "hotfix/v1.2.4")
    other.commit(GOOD_MESSAGE, **{"theirs.py": "x\n"})
    other.git("push", "-q", "origin", "hotfix/v1.2.4")
    flow.git("fetch", "-q", "origin")
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 2 and "hotfix/v1.2.4 is behind origin/hotfix/v1.2.4" in result.stderr


def test_a_commit_made_on_the_branch_after_the_checks_is_never_released(flow: GitRepo, tmp_path: Path) -> None:
    """A commit lands on the hotfix branch after the preflight's last look (here while finish
    asks the remote, before the merges): finish merges the commit it checked, by its id, so
    the unchecked one is never released; deleting the branch then fails (it holds a commit
    main lacks) and finish puts everything back, the new commit kept."""
    origin = bare_origin(flow, tmp_path)
    checked = flow.git("rev-parse", "hotfix/v1.2.4").strip()
    sneaked = flow.git("commit-tree", "-p", checked, "-m", "wip: never checked", f"{checked}^{{tree}}").strip()
    git_dir = flow.path / ".git"
    flow.git(
        "config",
        "remote.origin.uploadpack",
        f"git --git-dir={git_dir} update-ref refs/heads/hotfix/v1.2.4 {sneaked}; git-upload-pack",
    )
    main = flow.git("rev-parse", "main").strip()
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 1 and "is not fully merged" in result.stderr, result.output
    assert "Every ref, the index and the work tree are back" in result.stderr
    assert flow.git("rev-parse", "main").strip() == main and flow.git("tag", "--list", "v1.2.4") == ""
    assert sneaked not in flow.git("rev-list", "main")
    assert (
        sneaked
        not in subprocess.run(
            ["git", "rev-list", "--all"], cwd=origin, capture_output=True, text=True, check=True
        ).stdout
    )
    assert flow.git("rev-parse", "hotfix/v1.2.4").strip() == sneaked, result.output  # kept
