"""`hotfix-guard start` on real repositories: the name, the base, each refusal, push, dry run, the record."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.config import default_config
from hotfix_guard.flow.start import start
from hotfix_guard.repository import Repo

YEAR = datetime.now(timezone.utc).year
RECORD = ".git/hotfix-guard/starts/hotfix%2Fv1.2.4.json"


def state(repo: GitRepo) -> tuple[str, str, str]:
    """Refs, index and work tree, and HEAD: what a refusal must leave as it was."""
    head = repo.git("rev-parse", "--symbolic-full-name", "HEAD") + repo.git("rev-parse", "HEAD")
    return repo.refs(), repo.git("status", "--porcelain", "--untracked-files=all"), head


def assert_refused(repo: GitRepo, args: list[str], *fragments: str) -> None:
    before = state(repo)
    result = run_cli(repo, "start", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hotfix-guard: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert all(fragment in result.stderr for fragment in fragments), result.stderr
    assert state(repo) == before
    assert not (repo.path / ".git/hotfix-guard/starts").exists()


def current(repo: GitRepo) -> tuple[str, str]:
    """The checked-out branch and its commit."""
    return repo.git("branch", "--show-current").strip(), repo.git("rev-parse", "HEAD").strip()


def commit_of(repo: GitRepo, ref: str) -> str:
    return repo.git("rev-parse", f"{ref}^{{commit}}").strip()


def add_origin(repo: GitRepo, tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    repo.git("init", "-q", "--bare", str(origin))
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main")
    return origin


def start_at(repo: GitRepo, now: datetime, **options: object) -> int:
    """`start` called directly, with a pinned clock."""
    choices = {"name": None, "from_tag": None, "security": False, "timestamp": False, **options}
    return start(Repo(str(repo.path)), default_config(), push=False, dry_run=False, now=now, **choices)  # type: ignore[arg-type]


def test_default_starts_from_highest_release_not_newest(released: GitRepo) -> None:
    released.commit("feat: big", **{"a.txt": "1"})
    released.tag("v1.10.0")
    released.commit("feat: older line", **{"a.txt": "2"})
    released.tag("v1.9.0")
    assert run_cli(released, "start").exit_code == 0
    assert current(released) == ("hotfix/v1.10.1", commit_of(released, "v1.10.0"))


def test_from_starts_a_maintenance_line(repo: GitRepo) -> None:
    repo.tag("v1.1.7", repo.commit("feat: 1.1", **{"a.txt": "1"}))
    repo.tag("v1.2.3", repo.commit("feat: 1.2", **{"a.txt": "2"}))
    assert run_cli(repo, "start", "--from", "v1.1.7").exit_code == 0
    assert current(repo) == ("hotfix/v1.1.8", commit_of(repo, "v1.1.7"))


def test_success_says_where_and_what_next(released: GitRepo) -> None:
    result = run_cli(released, "start")
    assert result.exit_code == 0, result.output
    assert f"Created hotfix/v1.2.4 at v1.2.3 ({commit_of(released, 'v1.2.3')[:10]})" in result.stdout
    assert "'fix(scope): HOTFIX - ...', then run hotfix-guard validate and hotfix-guard finish" in result.stdout


def test_name_creates_a_descriptive_branch(released: GitRepo) -> None:
    assert run_cli(released, "start", "critical-auth-fix").exit_code == 0
    assert current(released) == ("hotfix/critical-auth-fix", commit_of(released, "v1.2.3"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["Critical Fix"], "run: hotfix-guard start critical-fix"),
        (["--", "-rf"], "run: hotfix-guard start rf"),
        (["-rf"], "No such option"),
        (["hotfix/Auth_Fix"], "run: hotfix-guard start auth-fix"),
        (["--", "--"], "for example: hotfix-guard start critical-auth-fix"),
    ],
)
def test_name_that_is_not_kebab_case_is_refused(released: GitRepo, args: list[str], fragment: str) -> None:
    assert_refused(released, args, fragment)


def test_security_takes_next_number_after_local_and_remote_branches(released: GitRepo, tmp_path: Path) -> None:
    add_origin(released, tmp_path)
    released.git("push", "-q", "origin", f"v1.2.3^{{commit}}:refs/heads/hotfix/security-{YEAR}-002")
    released.git("branch", f"hotfix/security-{YEAR}-001")
    assert run_cli(released, "start", "--security").exit_code == 0
    assert current(released)[0] == f"hotfix/security-{YEAR}-003"


def test_security_number_restarts_each_year(released: GitRepo) -> None:
    released.git("branch", "hotfix/security-2025-007")
    assert start_at(released, datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc), security=True) == 0
    assert current(released)[0] == "hotfix/security-2026-001"


def test_security_does_not_reuse_a_finished_hotfix_number(released: GitRepo) -> None:
    released.switch("hotfix/security-2026-004")
    released.commit(**{"app.py": "fixed\n"})
    released.checkout("main")
    released.git("merge", "-q", "--no-ff", "-m", "Merge hotfix/security-2026-004 - fix", "hotfix/security-2026-004")
    released.git("branch", "-D", "hotfix/security-2026-004")
    assert start_at(released, datetime(2026, 6, 1, tzinfo=timezone.utc), security=True) == 0
    assert current(released)[0] == "hotfix/security-2026-005"


def test_timestamp_names_the_utc_minute(released: GitRepo) -> None:
    now = datetime(2026, 1, 2, 3, 4, 59, tzinfo=timezone(timedelta(hours=2)))
    assert start_at(released, now, timestamp=True) == 0
    assert current(released)[0] == "hotfix/v20260102_0104"


def test_timestamp_from_the_command_line(released: GitRepo) -> None:
    assert run_cli(released, "start", "--timestamp").exit_code == 0
    assert re.fullmatch(rf"hotfix/v{YEAR}[01][0-9][0-3][0-9]_[0-2][0-9][0-5][0-9]", current(released)[0])


@pytest.mark.parametrize("staged", [False, True])
def test_refuses_a_dirty_tree(released: GitRepo, staged: bool) -> None:
    released.write("app.py", "print('half done')\n")
    if staged:
        released.git("add", "app.py")
    assert_refused(released, [], "app.py", "commit or stash them first")


def test_untracked_files_do_not_block(released: GitRepo) -> None:
    released.write("notes.txt", "scratch\n")
    assert run_cli(released, "start").exit_code == 0
    assert (released.path / "notes.txt").exists()


def test_refuses_an_existing_local_branch(released: GitRepo) -> None:
    released.git("branch", "hotfix/v1.2.4")
    assert_refused(released, [], "branch hotfix/v1.2.4 already exists", "git switch hotfix/v1.2.4")


def test_refuses_to_start_the_branch_it_is_on(released: GitRepo) -> None:
    released.switch("hotfix/v1.2.4")
    assert_refused(released, [], "you are on hotfix/v1.2.4 already")


def test_refuses_a_branch_that_exists_on_the_remote(released: GitRepo, tmp_path: Path) -> None:
    add_origin(released, tmp_path)
    released.git("push", "-q", "origin", "v1.2.3^{commit}:refs/heads/hotfix/v1.2.4")
    assert_refused(released, [], "already exists on origin")


def test_refuses_a_version_that_is_already_tagged(released: GitRepo) -> None:
    released.tag("v1.2.2")
    assert_refused(released, ["--from", "v1.2.2"], "tag v1.2.3 already exists", "start --from v1.2.3")


def test_refuses_without_a_release_tag(repo: GitRepo) -> None:
    repo.commit("init", **{"a.txt": "a"})
    repo.tag("v2.0.0-rc.1")
    assert_refused(repo, [], "no release tag (like v1.2.3)")


@pytest.mark.parametrize(
    ("base", "fragment"), [("v9.9.9", "'v9.9.9' does not exist; pick one of: v1.2.3"), ("nightly", "not a release tag")]
)
def test_refuses_a_from_that_is_no_release(released: GitRepo, base: str, fragment: str) -> None:
    released.tag("nightly")
    assert_refused(released, ["--from", base], fragment)


def test_refuses_a_name_the_configured_patterns_reject(released: GitRepo) -> None:
    released.write(
        ".hotfix-guard.toml", "[branch-name]\npatterns = ['^hotfix/v(?P<version>[0-9]+[.][0-9]+[.][0-9]+)$']\n"
    )
    assert_refused(released, ["--timestamp"], "would fail the branch-name check")


def test_refuses_to_push_without_the_remote(released: GitRepo) -> None:
    assert_refused(released, ["--push"], "no remote 'origin'", "git remote add origin URL")


def test_push_sets_upstream(released: GitRepo, tmp_path: Path) -> None:
    origin = add_origin(released, tmp_path)
    result = run_cli(released, "start", "--push")
    assert result.exit_code == 0, result.output
    assert released.git("rev-parse", "--abbrev-ref", "@{u}").strip() == "origin/hotfix/v1.2.4"
    assert GitRepo(origin).git("rev-parse", "hotfix/v1.2.4").strip() == commit_of(released, "v1.2.3")


def test_rejected_push_keeps_the_branch_and_says_how_to_retry(released: GitRepo, tmp_path: Path) -> None:
    hook = add_origin(released, tmp_path) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    result = run_cli(released, "start", "--push")
    assert result.exit_code == 1 and "(! [remote rejected] hotfix/v1.2.4 -> hotfix/v1.2.4" in result.stderr
    assert "origin refused hotfix/v1.2.4 (pre-receive hook declined): once that is settled there" in result.stderr
    assert (
        "retry: hotfix-guard start --push "
        "(or git push --set-upstream origin refs/heads/hotfix/v1.2.4:refs/heads/hotfix/v1.2.4)" in result.stderr
    )
    assert current(released)[0] == "hotfix/v1.2.4"


def test_dry_run_prints_the_plan_and_changes_nothing(released: GitRepo) -> None:
    before = state(released)
    result = run_cli(released, "start", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would run: git switch -c hotfix/v1.2.4 --end-of-options 'refs/tags/v1.2.3^{commit}'" in result.stdout
    assert '"base_tag": "v1.2.3"' in result.stdout
    assert state(released) == before
    kept = released.path / ".git/hotfix-guard"
    assert {path.name for path in kept.iterdir()} <= {"main-config"} if kept.exists() else True  # a cache, no record


def test_records_the_start_inside_the_git_directory(released: GitRepo) -> None:
    assert run_cli(released, "start", "--from", "v1.2.3").exit_code == 0
    record = json.loads((released.path / RECORD).read_text())
    assert (record["base_tag"], record["base_commit"]) == ("v1.2.3", commit_of(released, "v1.2.3"))
    assert (record["who"], record["command"]) == (
        "Hotfix Tester <tester@example.com>",
        "hotfix-guard start --from v1.2.3",
    )
    assert record["started_at"].endswith("Z")
    assert released.git("status", "--porcelain", "--untracked-files=all") == ""


def test_a_second_start_of_a_name_keeps_the_first_record(released: GitRepo) -> None:
    run_cli(released, "start", "auth-fix")
    released.checkout("main")
    released.git("branch", "-D", "hotfix/auth-fix")
    assert run_cli(released, "start", "auth-fix").exit_code == 0
    record = json.loads((released.path / ".git/hotfix-guard/starts/hotfix%2Fauth-fix.json").read_text())
    assert [earlier["command"] for earlier in record["previous"]] == ["hotfix-guard start auth-fix"]


# Refuses a commit (HEAD moving to another commit), not the undo (which deletes the branch).
FAIL_BUMP_HOOK = """#!/bin/sh
[ "$1" = prepared ] || exit 0
while read -r old new ref; do
    if [ "$ref" = HEAD ] && [ "$old" != "$new" ] && [ "$new" != "$(printf '%040d' 0)" ]; then exit 1; fi
done
exit 0
"""


def test_record_that_cannot_be_written_changes_nothing(released: GitRepo) -> None:
    # write_atomic's temporary file cannot be created (this test runs in the CLI's process)
    (released.path / ".git/hotfix-guard/starts" / f".hotfix%2Fv1.2.4.json.hotfix-guard-{os.getpid()}.tmp").mkdir(
        parents=True
    )
    before = state(released)
    result = run_cli(released, "start")
    assert result.exit_code == 2
    assert "cannot write the start record" in result.stderr and result.stderr.count("\n") == 1
    assert state(released) == before and not (released.path / ".git/hotfix-guard/start.json").exists()


def test_failure_after_creating_the_branch_puts_everything_back(released: GitRepo) -> None:
    released.commit("feat: release", **{".hotfix-guard.toml": "version-files = ['VERSION']\n", "VERSION": "1.2.3\n"})
    released.git("tag", "-f", "v1.2.3")
    released.write(".git/hooks/reference-transaction", FAIL_BUMP_HOOK).chmod(0o755)  # the bump commit fails
    before = state(released)
    result = run_cli(released, "start")
    assert result.exit_code == 2, result.output
    assert "the version bump could not be committed" in result.stderr and result.stderr.count("\n") == 1
    assert state(released) == before and not (released.path / RECORD).exists()


def test_interrupt_after_creating_the_branch_puts_everything_back(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(repo: Repo, journal: object, step: str) -> None:
        if step == "branch":
            assert repo.current_branch() == "hotfix/v1.2.4"
            raise KeyboardInterrupt

    monkeypatch.setattr("hotfix_guard.flow.start.step_done", interrupted)
    before = state(released)
    with pytest.raises(KeyboardInterrupt):
        start_at(released, datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert state(released) == before and not (released.path / RECORD).exists()


def test_severity_and_summary_are_recorded(released: GitRepo) -> None:
    result = run_cli(released, "start", "--severity", "high", "--summary", "Checkout fails for EUR")
    assert result.exit_code == 0, result.output
    assert (
        "Severity high (major functionality broken): budget 30-60 min to the release tag; "
        "approval: release manager + lead developer." in result.stdout
    )
    record = json.loads((released.path / RECORD).read_text())
    assert (record["severity"], record["summary"]) == ("high", "Checkout fails for EUR")
    assert record["command"] == "hotfix-guard start --severity high --summary 'Checkout fails for EUR'"


def test_without_severity_the_record_has_none(released: GitRepo) -> None:
    assert run_cli(released, "start").exit_code == 0
    record = json.loads((released.path / RECORD).read_text())
    assert "severity" not in record and "summary" not in record


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--severity", "urgent"], "'urgent' is not one of 'critical', 'high', 'medium'"),
        (["--summary", "two\nlines"], "--summary must be one line of text"),
        (["--summary", "   "], "--summary must be one line of text"),
        (["--summary", "x" * 201], "--summary is 201 characters; keep it to 200"),
    ],
)
def test_bad_severity_or_summary_is_refused(released: GitRepo, args: list[str], fragment: str) -> None:
    assert_refused(released, args, fragment)


@pytest.mark.parametrize("ignored", [False, True])
def test_a_private_file_where_the_base_tracks_one_is_refused(released: GitRepo, ignored: bool) -> None:
    released.git("rm", "-q", "README.md")
    released.commit("docs: drop the readme", **({".gitignore": "README.md\n"} if ignored else {}))
    released.write("README.md", "my private notes\n")
    assert_refused(
        released, [], "untracked or ignored files are in the way of start's checkout: README.md (tracked in v1.2.3)"
    )
    assert (released.path / "README.md").read_text() == "my private notes\n"
