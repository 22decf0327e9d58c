"""`hotfix-guard finish` on real repositories: the happy path, conflicts, and every failure
leaving refs, index and work tree exactly as they were."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli


@pytest.fixture
def flow(hotfix: GitRepo) -> GitRepo:
    return make_flow(hotfix)


def make_flow(hotfix: GitRepo) -> GitRepo:
    """v1.2.3 on main, develop one commit ahead, hotfix/v1.2.4 with one fix, checked out."""
    hotfix.switch("develop", "main")
    hotfix.commit("feat: unreleased", **{"feature.py": "new\n"})
    hotfix.checkout("hotfix/v1.2.4")
    return hotfix


def state(repo: GitRepo) -> tuple[str, ...]:
    """Everything finish must put back: refs, HEAD, index and work tree."""
    head = repo.git("symbolic-ref", "-q", "HEAD", check=False) or repo.git("rev-parse", "HEAD")
    return (repo.refs(), head, repo.git("status", "--porcelain", "--untracked-files=all"), repo.git("diff", "HEAD"))


def conflict_on(repo: GitRepo, branch: str) -> None:
    """Make BRANCH change VERSION in a way the hotfix's change to it conflicts with."""
    repo.checkout(branch)
    repo.commit(f"chore: {branch} version", **{"VERSION": f"{branch}\n"})
    repo.checkout("hotfix/v1.2.4")
    repo.commit(GOOD_MESSAGE, **{"VERSION": "1.2.4\n"})


def parents(repo: GitRepo, ref: str) -> list[str]:
    return repo.git("rev-list", "--no-walk", "--parents", ref).split()[1:]


def test_happy_path_merges_no_ff_tags_backmerges_and_deletes(flow: GitRepo) -> None:
    head = flow.git("rev-parse", "hotfix/v1.2.4").strip()
    result = run_cli(flow, "finish")
    assert result.exit_code == 0, result.output
    assert parents(flow, "main")[1] == head and parents(flow, "develop")[1] == head
    assert flow.git("log", "-1", "--format=%s", "main").strip() == f"Merge hotfix/v1.2.4 - {GOOD_MESSAGE}"
    assert flow.git("cat-file", "-t", "v1.2.4").strip() == "tag"
    assert flow.git("rev-parse", "v1.2.4^{commit}") == flow.git("rev-parse", "main")
    assert flow.git("branch", "--list", "hotfix/*") == "" and flow.git("branch", "--show-current").strip() == "main"


def test_rerun_after_finish_is_a_no_op(flow: GitRepo) -> None:
    run_cli(flow, "finish")
    before = state(flow)
    for args in (["finish"], ["finish", "hotfix/v1.2.4"]):
        result = run_cli(flow, *args)
        assert result.exit_code == 0 and "already finished" in result.stdout
    assert state(flow) == before


def test_dry_run_prints_and_changes_nothing(flow: GitRepo) -> None:
    before = state(flow)
    result = run_cli(flow, "finish", "--dry-run")
    assert result.exit_code == 0
    assert "would run: git merge --no-ff --no-edit -m 'Merge hotfix/v1.2.4 - " in result.stdout
    assert (
        "would run: git tag -a -m 'Release v1.2.4 (hotfix/v1.2.4)' --end-of-options v1.2.4 refs/heads/main"
        in result.stdout
    )
    assert state(flow) == before


def test_options_keep_no_tag_no_develop(flow: GitRepo) -> None:
    develop = flow.git("rev-parse", "develop")
    assert run_cli(flow, "finish", "--keep", "--no-tag", "--no-develop").exit_code == 0
    assert flow.git("tag", "--list", "v1.2.4") == "" and flow.git("rev-parse", "develop") == develop
    assert flow.git("branch", "--list", "hotfix/v1.2.4").strip()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda r: r.write("app.py", "dirty\n"), "the working tree or index has changes (app.py)"),
        (lambda r: r.tag("v1.2.4", "v1.2.3"), "tag v1.2.4 already exists on another commit"),
        (lambda r: r.commit("no token"), "does not pass validate"),
    ],
    ids=["dirty-tree", "tag-elsewhere", "validate-fails"],
)
def test_refusals_change_nothing(flow: GitRepo, prepare: object, message: str) -> None:
    prepare(flow)  # type: ignore[operator]
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert state(flow) == before


def test_no_verify_is_printed(flow: GitRepo) -> None:
    flow.commit("no token")
    result = run_cli(flow, "finish", "--no-verify")
    assert result.exit_code == 0 and "validate skipped (--no-verify)" in result.stdout


@pytest.mark.parametrize("branch", ["main", "develop"])
def test_conflict_then_continue(flow: GitRepo, branch: str) -> None:
    conflict_on(flow, branch)
    stopped = run_cli(flow, "finish")
    assert stopped.exit_code == 1 and "merge conflict" in stopped.stderr and "finish --continue" in stopped.stderr
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    assert run_cli(flow, "finish", "--continue").exit_code == 0
    assert flow.git("show", "main:VERSION") == ("resolved\n" if branch == "main" else "1.2.4\n")
    assert len(parents(flow, "develop")) == 2 and flow.git("rev-parse", "v1.2.4^{commit}")


@pytest.mark.parametrize("branch", ["main", "develop"])
def test_conflict_then_abort_restores_everything(flow: GitRepo, branch: str) -> None:
    conflict_on(flow, branch)
    before = state(flow)
    assert run_cli(flow, "finish").exit_code == 1
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and "back as before" in result.stdout
    assert state(flow) == before  # for develop: main's merge and the tag are undone too


def test_stale_journal_is_reported(flow: GitRepo) -> None:
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.git("merge", "--abort")
    result = run_cli(flow, "finish", "--continue")
    assert result.exit_code == 2 and "the finish journal no longer matches the repository" in result.stderr
    assert "no merge is in progress" in result.stderr
    assert run_cli(flow, "finish").exit_code == 2  # a journal is still there: never skipped silently


def test_continue_without_a_finish_in_progress(flow: GitRepo) -> None:
    result = run_cli(flow, "finish", "--continue")
    assert result.exit_code == 2 and "no finish is in progress" in result.stderr


def test_rejecting_hook_restores_everything(flow: GitRepo) -> None:
    hook = flow.write(".git/hooks/pre-merge-commit", "#!/bin/sh\necho 'policy: no merges today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 1
    assert "merge hotfix/v1.2.4 into main failed" in result.stderr and "back as before finish started" in result.stderr
    assert state(flow) == before


def test_failure_after_merges_restores_main_and_develop(flow: GitRepo) -> None:
    """A ref update refused after main was merged and tagged: all of it is undone."""
    hook = flow.write(
        ".git/hooks/reference-transaction",
        '#!/bin/sh\n[ "$1" = prepared ] || exit 0\ngrep -q " refs/heads/develop$" && exit 1\nexit 0\n',
    )
    hook.chmod(0o755)
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 1 and "merge hotfix/v1.2.4 back into develop failed" in result.stderr
    hook.unlink()
    assert state(flow) == before


def test_ctrl_c_between_steps_restores_everything(flow: GitRepo) -> None:
    """SIGINT to hotfix-guard while git creates the tag (simulating Ctrl-C mid-finish)."""
    hook = flow.write(
        ".git/hooks/reference-transaction",
        "#!/bin/sh\n[ \"$1\" = committed ] || exit 0\ngrep -q ' refs/tags/' || exit 0\n"
        "[ -e .git/interrupted ] && exit 0\ntouch .git/interrupted\n"
        "kill -INT $(cut -d' ' -f4 /proc/$PPID/stat)\nsleep 1\n",
    )
    hook.chmod(0o755)
    before = state(flow)
    command = [sys.executable, "-m", "hotfix_guard", "finish"]
    result = subprocess.run(command, cwd=flow.path, capture_output=True, text=True)
    assert result.returncode == 130, result.stderr
    assert "tag v1.2.4 was interrupted" in result.stderr
    hook.unlink()
    assert state(flow) == before


def bare_origin(repo: GitRepo, tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", "develop", "hotfix/v1.2.4", "v1.2.3")
    repo.git("fetch", "-q", "origin")
    return origin


def test_push_lands_main_develop_and_only_the_new_tag(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    flow.tag("unrelated-local-tag")
    assert run_cli(flow, "finish", "--push").exit_code == 0
    remote = subprocess.run(
        ["git", "-C", str(origin), "for-each-ref", "--format=%(refname)"], capture_output=True, text=True
    )
    assert remote.stdout.split() == ["refs/heads/develop", "refs/heads/main", "refs/tags/v1.2.3", "refs/tags/v1.2.4"]
    assert (
        flow.git("rev-parse", "main")
        == subprocess.run(["git", "-C", str(origin), "rev-parse", "main"], capture_output=True, text=True).stdout
    )


def test_rejected_push_keeps_the_local_result_and_says_how_to_retry(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    (origin / "hooks" / "pre-receive").write_text("#!/bin/sh\necho 'protected' >&2\nexit 1\n")
    (origin / "hooks" / "pre-receive").chmod(0o755)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 1 and "the push was rejected" in result.stderr
    assert (
        "[remote rejected]" in result.stderr
        and "retry: hotfix-guard finish hotfix/v1.2.4 --push" in result.stderr
        and "origin refused main (pre-receive hook declined)" in result.stderr
    )
    assert flow.git("rev-parse", "v1.2.4^{commit}") == flow.git("rev-parse", "main")


def test_main_behind_its_remote_is_refused(flow: GitRepo, tmp_path: Path) -> None:
    bare_origin(flow, tmp_path)
    flow.git("update-ref", "refs/remotes/origin/main", flow.git("rev-parse", "develop").strip())
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 2 and "main is behind origin/main" in result.stderr
    assert state(flow) == before


def test_main_fetched_behind_its_remote_while_the_focused_tests_ran_is_refused(flow: GitRepo, tmp_path: Path) -> None:
    """The focused tests can run for minutes while another terminal (or an editor) fetches: a
    colleague's commit on origin/main fetched meanwhile must still stop finish, so the
    remote-tracking refs are read after the tests, not before."""
    bare_origin(flow, tmp_path)
    fetched = flow.git("rev-parse", "develop").strip()  # a commit main does not have
    config = tmp_path / "config.toml"
    config.write_text(f'[focused-tests]\ntest-command = "git update-ref refs/remotes/origin/main {fetched}"\n')
    before = flow.git("rev-parse", "main", "hotfix/v1.2.4").split()
    result = run_cli(flow, "--config", str(config), "finish")
    assert result.exit_code == 2 and "main is behind origin/main" in result.stderr, result.output
    assert flow.git("rev-parse", "main", "hotfix/v1.2.4").split() == before
    assert flow.git("rev-parse", "origin/main").strip() == fetched  # the fetch did happen, during the run


@pytest.mark.parametrize("moved", ["hotfix/v1.2.4", "main"])
def test_a_branch_that_moves_while_the_focused_tests_run_stops_finish(
    flow: GitRepo, tmp_path: Path, moved: str
) -> None:
    """A commit made meanwhile (another terminal, a test that commits) was never checked:
    finish must not merge or tag it."""
    sneaked = flow.git("commit-tree", "-p", moved, "-m", "wip: never validated", f"{moved}^{{tree}}").strip()
    config = tmp_path / "config.toml"
    config.write_text(f'[focused-tests]\ntest-command = "git update-ref refs/heads/{moved} {sneaked}"\n')
    result = run_cli(flow, "--config", str(config), "finish")
    assert result.exit_code == 2, result.output
    assert f"{moved} moved while the checks ran" in result.stderr and "nothing was changed" in result.stderr
    assert flow.git("tag", "--list", "v1.2.4") == ""
    assert flow.git("rev-parse", moved).strip() == sneaked  # left as the other process made it


def test_rerun_with_keep_is_a_no_op(flow: GitRepo) -> None:
    assert run_cli(flow, "finish", "--keep").exit_code == 0
    flow.checkout("hotfix/v1.2.4")
    before = state(flow)
    result = run_cli(flow, "finish", "--keep")
    assert result.exit_code == 0 and "already finished" in result.stdout
    assert state(flow) == before


def test_rerun_with_keep_and_push_pushes_the_finished_release(flow: GitRepo, tmp_path: Path) -> None:
    """A re-run with the branch kept used to stop on a plan that had no remote (a bug, exit 3)."""
    origin = bare_origin(flow, tmp_path)
    assert run_cli(flow, "finish", "--keep").exit_code == 0
    flow.checkout("hotfix/v1.2.4")
    result = run_cli(flow, "finish", "--keep", "--push")
    assert result.exit_code == 0 and "already finished" in result.stdout, result.output
    pushed = subprocess.run(["git", "-C", str(origin), "rev-parse", "main", "v1.2.4"], capture_output=True, text=True)
    assert pushed.stdout == flow.git("rev-parse", "main", "v1.2.4")


def test_backmerge_to_another_branch(flow: GitRepo) -> None:
    flow.switch("release/1.3", "develop")
    flow.checkout("hotfix/v1.2.4")
    develop = flow.git("rev-parse", "develop")
    assert run_cli(flow, "finish", "--backmerge-to", "release/1.3").exit_code == 0
    assert len(parents(flow, "release/1.3")) == 2 and flow.git("rev-parse", "develop") == develop


def test_hotfix_branch_behind_its_remote_is_refused(flow: GitRepo, tmp_path: Path) -> None:
    """A colleague pushed to the hotfix branch: finishing now would drop their commit."""
    bare_origin(flow, tmp_path)
    flow.git("update-ref", "refs/remotes/origin/hotfix/v1.2.4", flow.commit(GOOD_MESSAGE, **{"theirs.py": "x"}))
    flow.git("reset", "-q", "--hard", "HEAD~1")
    before = state(flow)
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 2 and "hotfix/v1.2.4 is behind origin/hotfix/v1.2.4" in result.stderr
    assert state(flow) == before


def test_started_with_push_then_finished_with_push(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    flow.git("branch", "--set-upstream-to=origin/hotfix/v1.2.4")
    flow.commit(GOOD_MESSAGE, **{"more.py": "x"})  # not pushed: the upstream lacks it
    result = run_cli(flow, "finish", "--push")
    assert result.exit_code == 0, result.output
    heads = subprocess.run(
        ["git", "-C", str(origin), "for-each-ref", "--format=%(refname)", "refs/heads"], capture_output=True, text=True
    )
    assert heads.stdout.split() == ["refs/heads/develop", "refs/heads/main"]


def test_dry_run_with_push_shows_the_push_and_the_remote_delete(flow: GitRepo, tmp_path: Path) -> None:
    bare_origin(flow, tmp_path)
    before = state(flow)
    result = run_cli(flow, "finish", "--push", "--dry-run")
    assert "would run: git push --atomic origin refs/heads/main:refs/heads/main" in result.stdout
    assert "would run: git push --force-with-lease=refs/heads/hotfix/v1.2.4:" in result.stdout
    assert state(flow) == before


def test_keep_with_push_keeps_the_remote_branch(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    assert run_cli(flow, "finish", "--push", "--keep").exit_code == 0
    heads = subprocess.run(["git", "-C", str(origin), "branch", "--list"], capture_output=True, text=True).stdout
    assert "hotfix/v1.2.4" in heads


def test_rerun_with_push_after_a_rejected_push_pushes(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    assert run_cli(flow, "finish", "--push").exit_code == 1
    hook.unlink()
    assert run_cli(flow, "finish", "hotfix/v1.2.4", "--push").exit_code == 0
    tags = subprocess.run(["git", "-C", str(origin), "tag"], capture_output=True, text=True).stdout
    assert tags.split() == ["v1.2.3", "v1.2.4"]


def test_continue_keeps_the_resolution_when_the_commit_is_refused(flow: GitRepo) -> None:
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    hook = flow.write(".git/hooks/pre-commit", "#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = run_cli(flow, "finish", "--continue")
    assert result.exit_code == 2 and "your resolution is kept" in result.stderr
    assert flow.git("show", ":VERSION") == "resolved\n" and (flow.path / ".git" / "MERGE_HEAD").exists()
    hook.unlink()
    assert run_cli(flow, "finish", "--continue").exit_code == 0


def test_abort_keeps_unrelated_edits_in_a_stash(flow: GitRepo) -> None:
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.write("README.md", "edited while the merge was stopped\n")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and "saved as a stash" in result.stdout
    assert "edited while the merge was stopped" in flow.git("stash", "show", "-p")


def test_abort_after_a_plain_git_merge_abort(flow: GitRepo) -> None:
    conflict_on(flow, "develop")
    before = state(flow)
    run_cli(flow, "finish")
    flow.git("merge", "--abort")
    assert run_cli(flow, "finish", "--abort").exit_code == 0
    assert state(flow) == before


def test_damaged_journal_is_reported(flow: GitRepo) -> None:
    flow.write(".git/hotfix-guard/finish.json", "{}")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 2 and "the finish journal" in result.stderr and "is damaged" in result.stderr


def test_maintenance_line_is_not_merged_into_main(flow: GitRepo) -> None:
    flow.checkout("main")
    flow.commit("feat: 1.3", **{"new.py": "x"})
    flow.tag("v1.3.0")
    flow.checkout("hotfix/v1.2.4")
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 2 and "starts from v1.2.3, but v1.3.0 is newer" in result.stderr
    assert state(flow) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tag=-f"], "'-f' is not a valid tag name"),
        (["--tag", "bad..name"], "'bad..name' is not a valid tag name"),
        (["--push"], "there is no remote 'origin'"),
        (["--abort", "--dry-run"], "does not go with --continue or --abort"),
    ],
)
def test_bad_options_are_refused_before_anything_changes(flow: GitRepo, args: list[str], message: str) -> None:
    before = state(flow)
    result = run_cli(flow, "finish", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert state(flow) == before


def test_start_commit_validate_finish_end_to_end(released: GitRepo) -> None:
    released.switch("develop")
    released.commit("feat: unreleased", **{"feature.py": "new\n"})
    released.checkout("main")
    assert run_cli(released, "start").exit_code == 0
    released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    assert run_cli(released, "validate").exit_code == 0
    assert run_cli(released, "finish").exit_code == 0
    for branch, subject in (
        ("main", f"Merge hotfix/v1.2.4 - {GOOD_MESSAGE}"),
        ("develop", "Merge hotfix/v1.2.4 into develop"),
    ):
        graph = released.git("log", "--graph", "--format=%s", branch)
        assert graph.startswith(f"*   {subject}\n|\\"), graph  # a merge commit: --no-ff
    assert released.git("describe", "--tags", "main").strip() == "v1.2.4"
