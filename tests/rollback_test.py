"""`hotfix-guard rollback` end to end on real repositories: one new commit with an earlier
release's tree, an annotated next-patch tag, and nothing changed when anything fails."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

FAIL_TAG_HOOK = """#!/bin/sh
updates=$(cat)
if [ "$1" = prepared ] && printf '%s\\n' "$updates" | grep -q ' refs/tags/'; then exit 1; fi
exit 0
"""
# Ctrl-C as a terminal sends it: SIGINT to the whole process group (hotfix-guard, git, the
# hook) just as the tag is about to be written, after main has moved.
INTERRUPT_HOOK = """#!/bin/sh
updates=$(cat)
if [ "$1" = prepared ] && printf '%s\\n' "$updates" | grep -q ' refs/tags/'; then kill -INT 0; fi
exit 0
"""


@pytest.fixture
def bad(released: GitRepo) -> GitRepo:
    """main with v1.2.3, then v1.2.4 adding, changing and deleting files (a merge in between)."""
    released.commit("feat: add a cache", **{"cache.py": "CACHE = {}\n", "app.py": "print('cached')\n"})
    released.switch("topic")
    released.commit("docs: add a guide", **{"docs__guide.md": "guide\n"})
    (released.path / "README.md").unlink()
    released.commit("fix: drop the readme")
    released.checkout("main")
    released.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    released.tag("v1.2.4")
    return released


def state(repo: GitRepo) -> tuple[str, ...]:
    """Refs, HEAD, index and every work-tree file's bytes: what a failure must leave untouched."""
    files = sorted(p for p in repo.path.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo.path).parts)
    tree = "".join(f"{p.relative_to(repo.path)} {hashlib.sha1(p.read_bytes()).hexdigest()}\n" for p in files)
    head = repo.git("symbolic-ref", "-q", "HEAD", check=False) or repo.git("rev-parse", "HEAD")
    return repo.refs(), head, repo.git("ls-files", "--stage"), repo.git("status", "--porcelain"), tree


def tree(repo: GitRepo, ref: str) -> str:
    return repo.git("rev-parse", f"{ref}^{{tree}}").strip()


def bare_origin(repo: GitRepo, tmp_path: Path, pre_receive: str | None = None) -> GitRepo:
    origin = GitRepo(tmp_path / "origin.git")
    origin.path.mkdir()
    origin.git("init", "-q", "--bare")
    repo.git("remote", "add", "origin", str(origin.path))
    repo.git("push", "-q", "origin", "main", "--tags")
    repo.git("fetch", "-q", "origin")
    if pre_receive is not None:
        origin.write("hooks/pre-receive", pre_receive).chmod(0o755)
    return origin


def test_rollback_restores_previous_release_tree_as_next_patch(bad: GitRepo) -> None:
    old_main = bad.git("rev-parse", "main").strip()
    result = run_cli(bad, "rollback")
    assert result.exit_code == 0, result.output
    assert tree(bad, "v1.2.5") == tree(bad, "v1.2.3") == tree(bad, "HEAD")
    assert bad.git("cat-file", "-t", "v1.2.5").strip() == "tag"
    assert bad.git("rev-parse", "v1.2.5^{commit}") == bad.git("rev-parse", "main")
    bad.git("merge-base", "--is-ancestor", old_main, "main")  # fails unless history was kept
    assert bad.git("status", "--porcelain", "--untracked-files=all") == ""
    assert "tagged v1.2.5 (annotated)" in result.stdout


def test_rollback_message_names_versions_and_undone_commits(bad: GitRepo) -> None:
    run_cli(bad, "rollback")
    message = bad.git("log", "-1", "--format=%B", "main")
    assert message.startswith("revert: ROLLBACK v1.2.4 to v1.2.3\n\n")
    assert all(s in message for s in ("feat: add a cache", "docs: add a guide", "fix: drop the readme"))
    assert "Merge topic" not in message


def test_rollback_keeps_old_main_as_only_parent(bad: GitRepo) -> None:
    old_main = bad.git("rev-parse", "main")
    run_cli(bad, "rollback")
    assert bad.git("rev-parse", "main^") == old_main
    assert bad.git("rev-parse", "v1.2.4") == old_main


def test_rollback_to_an_older_release(bad: GitRepo) -> None:
    bad.commit("feat: more", **{"more.py": "x\n"})
    bad.tag("v1.3.0")
    result = run_cli(bad, "rollback", "--to", "v1.2.3")
    assert result.exit_code == 0, result.output
    assert tree(bad, "v1.3.1") == tree(bad, "v1.2.3")
    assert bad.git("log", "-1", "--format=%s", "main").strip() == "revert: ROLLBACK v1.3.0 to v1.2.3"


def test_rollback_with_chosen_tag(bad: GitRepo) -> None:
    result = run_cli(bad, "rollback", "--tag", "v1.3.0")
    assert result.exit_code == 0, result.output
    assert tree(bad, "v1.3.0") == tree(bad, "v1.2.3")
    assert bad.git("tag", "--list", "v1.2.5") == ""


def test_rollback_checks_out_main_from_another_branch(bad: GitRepo) -> None:
    bad.checkout("topic")
    assert run_cli(bad, "rollback").exit_code == 0
    assert bad.git("symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert tree(bad, "HEAD") == tree(bad, "v1.2.3")


def test_dry_run_prints_commands_and_changes_nothing(bad: GitRepo) -> None:
    bad.git("remote", "add", "origin", "https://example.invalid/repo.git")
    before = state(bad)
    result = run_cli(bad, "rollback", "--dry-run", "--push")
    assert result.exit_code == 0, result.output
    assert "would run: git commit-tree 'refs/tags/v1.2.3^{tree}'" in result.stdout
    assert "would run: git tag -a v1.2.5" in result.stdout
    assert "would run: git push --atomic origin" in result.stdout
    assert state(bad) == before


def _dirty(repo: GitRepo) -> None:
    repo.write("app.py", "changed\n")


def _behind(repo: GitRepo) -> None:
    ahead = repo.git("commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "remote work").strip()
    repo.git("update-ref", "refs/remotes/origin/main", ahead)


def _ignored_in_the_way(repo: GitRepo) -> None:
    """On topic, which ignores settings.local, a private one; main tracks it."""
    repo.commit("feat: settings", **{"settings.local": "shared\n"})
    repo.switch("other", "v1.2.3")
    repo.commit("chore: ignore settings", **{".gitignore": "settings.local\n"})
    repo.write("settings.local", "my password\n")


@pytest.mark.parametrize(
    ("prepare", "args", "message"),
    [
        (_dirty, [], "has changes (app.py); commit or stash them first"),
        (lambda r: r.tag("nightly"), ["--tag", "nightly"], "tag nightly already exists"),
        (lambda r: None, ["--tag", "v1.2.3"], "not above the latest release v1.2.4"),
        (lambda r: None, ["--tag", "bad..name"], "not a valid tag name"),
        (lambda r: r.tag("nightly"), ["--to", "nightly"], "--to 'nightly' is not a release tag"),
        (lambda r: None, ["--to", "v1.0.0"], "--to v1.0.0: no such tag; pick an earlier release: v1.2.3"),
        (lambda r: None, ["--to", "v1.2.4"], "not older than the latest release v1.2.4"),
        (_behind, [], "main is 1 commit behind origin/main; update it first"),
        (lambda r: None, ["--push"], "no remote 'origin' to push to"),
        (lambda r: r.git("branch", "-m", "main", "trunk"), [], "branch 'main' does not exist"),
        (
            lambda r: r.write("README.md", "mine\n"),
            [],
            "in the way of rollback's checkout: README.md (tracked in v1.2.3)",
        ),
        (_ignored_in_the_way, [], "in the way of rollback's checkout: settings.local (tracked on main)"),
    ],
)
def test_refusals_exit_2_and_change_nothing(bad: GitRepo, prepare, args, message) -> None:
    prepare(bad)
    before = state(bad)
    result = run_cli(bad, "rollback", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hotfix-guard: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert state(bad) == before


def test_only_one_release_is_refused(released: GitRepo) -> None:
    before = state(released)
    result = run_cli(released, "rollback")
    assert result.exit_code == 2
    assert "v1.2.3 is the only release; there is no earlier release" in result.stderr
    assert state(released) == before


def test_rollback_of_a_rollback_needs_to(bad: GitRepo) -> None:
    run_cli(bad, "rollback")
    result = run_cli(bad, "rollback")
    assert result.exit_code == 2
    assert "the latest release v1.2.5 is itself a rollback" in result.stderr


@pytest.mark.parametrize("branch", ["main", "topic"])
def test_failure_mid_way_restores_everything(bad: GitRepo, branch: str) -> None:
    bad.checkout(branch)
    before = state(bad)
    bad.write(".git/hooks/reference-transaction", FAIL_TAG_HOOK).chmod(0o755)
    result = run_cli(bad, "rollback")
    assert result.exit_code == 1, result.output
    assert "rollback failed at step 'create tag v1.2.5'" in result.stderr
    assert "everything is back as it was" in result.stderr
    assert state(bad) == before


def test_ctrl_c_mid_way_restores_everything(bad: GitRepo) -> None:
    before = state(bad)
    bad.write(".git/hooks/reference-transaction", INTERRUPT_HOOK).chmod(0o755)
    command = [sys.executable, "-m", "hotfix_guard", "--repo", str(bad.path), "rollback"]
    result = subprocess.run(command, capture_output=True, text=True, start_new_session=True, timeout=60)
    assert result.returncode == 130, result.stderr
    assert "rollback failed at step 'create tag v1.2.5' (interrupted); everything is back" in result.stderr
    assert state(bad) == before


def test_push_lands_main_and_tag(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path)
    result = run_cli(bad, "rollback", "--push")
    assert result.exit_code == 0, result.output
    assert origin.git("rev-parse", "main") == bad.git("rev-parse", "main")
    assert origin.git("rev-parse", "v1.2.5") == bad.git("rev-parse", "v1.2.5")
    assert "pushed main and tag v1.2.5 to origin" in result.stdout


def test_rejected_push_keeps_local_result_and_says_how_to_retry(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path, pre_receive="#!/bin/sh\nexit 1\n")
    result = run_cli(bad, "rollback", "--push")
    assert result.exit_code == 1
    assert "pre-receive hook declined" in result.stderr
    assert tree(bad, "v1.2.5") == tree(bad, "main") == tree(bad, "v1.2.3")
    assert (
        "nothing was pushed: the rollback is complete locally, but main and tag v1.2.5 are not on origin"
        in result.stderr
    )
    assert "git push --atomic origin refs/heads/main:refs/heads/main refs/tags/v1.2.5" in result.stderr
    assert origin.git("tag", "--list") == "v1.2.3\nv1.2.4\n"


def test_a_push_rejected_for_a_tag_the_remote_has_says_a_retry_cannot_succeed(bad: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(bad, tmp_path)
    origin.git("tag", "v1.2.5", "v1.2.3")
    result = run_cli(bad, "rollback", "--push")
    assert result.exit_code == 1
    assert "origin already has a tag v1.2.5 on another commit, so a retry cannot succeed" in result.stderr
    assert "retry:" not in result.stderr
