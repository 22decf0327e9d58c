"""Any tag scheme (issue 11, section 2): unprefixed (`2.2.0`), `release-` and `rel/v` release
tags, end to end with the real CLI; the "found N tags like ..." hint wherever a command finds
no release tag; `check branch-name` on a branch outside hotfix/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli

BIN = str(Path(sys.executable).parent)  # where the hotfix-guard under test is installed


def tagged(repo: GitRepo, *tags: str, config: str | None = None) -> GitRepo:
    """main with one commit per tag (the config, when given, committed with the first), and develop."""
    for number, tag in enumerate(tags):
        files = {"app.py": f"print({number})\n"}
        if config is not None and number == 0:
            files[".hotfix-guard.toml"] = config
        repo.commit(f"feat: release {tag}", **files)
        repo.tag(tag)
    repo.git("branch", "develop")
    return repo


@pytest.mark.parametrize(
    ("prefix", "base", "branch", "new_tag"),
    [
        ("", "2.2.0", "hotfix/2.2.1", "2.2.1"),
        ("release-", "release-2.2.0", "hotfix/release-2.2.1", "release-2.2.1"),
        ("rel/v", "rel/v2.2.0", "hotfix/rel/v2.2.1", "rel/v2.2.1"),
    ],
)
def test_start_commit_validate_finish_with_the_tags_prefix(
    repo: GitRepo, prefix: str, base: str, branch: str, new_tag: str
) -> None:
    tagged(repo, base, config=f'tag-prefix = "{prefix}"\n')
    started = run_cli(repo, "start")
    assert started.exit_code == 0, started.output
    assert f"Created {branch} at {base}" in started.stdout
    repo.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    validated = run_cli(repo, "validate")
    assert validated.exit_code == 0, validated.output
    assert f"passed: 0 errors, 0 warnings on {branch} since {base} (1 commit, 1 file)" in validated.stdout
    finished = run_cli(repo, "finish")
    assert finished.exit_code == 0, finished.output
    assert repo.git("tag", "--points-at", "main").split() == [new_tag]
    assert f"Production: {new_tag} " in run_cli(repo, "status").stdout


def test_unprefixed_timestamp_name_is_accepted(repo: GitRepo) -> None:
    tagged(repo, "2.2.0", config='tag-prefix = ""\n')
    result = run_cli(repo, "start", "--timestamp")
    assert result.exit_code == 0, result.output
    assert repo.git("branch", "--show-current").strip().startswith("hotfix/20")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hotfix/2.2.1", "passed"),
        ("hotfix/v2.2.1", "'hotfix/v2.2.1' is not an accepted hotfix name (hotfix/X.Y.Z, hotfix/security-YYYY-NNN, "
         "hotfix/<kebab-case> or hotfix/YYYYMMDD_HHMM); rename it: git branch -m hotfix/2.2.1"),
        ("hotfix/2.2.2", "the next patch is 2.2.1; rename it: git branch -m hotfix/2.2.1"),
    ],
)  # fmt: skip
def test_unprefixed_branch_names(repo: GitRepo, name: str, expected: str) -> None:
    tagged(repo, "2.2.0", config='tag-prefix = ""\n')
    assert expected in run_cli(repo, "check", "branch-name", name).stdout


def test_v_prefix_keeps_hotfix_v_names(released: GitRepo) -> None:
    result = run_cli(released, "check", "branch-name", "hotfix/v1.2.4")
    assert result.exit_code == 0 and "passed" in result.stdout, result.output


def test_configured_patterns_are_used_as_given(repo: GitRepo) -> None:
    """Only the defaults follow tag-prefix: a configured list is not extended with hotfix/2.2.1."""
    tagged(repo, "2.2.0", config='tag-prefix = ""\n[branch-name]\npatterns = ["^hotfix/JIRA-[0-9]+$"]\n')
    result = run_cli(repo, "start")
    assert result.exit_code == 2
    assert "hotfix/2.2.1 would fail the branch-name check" in result.stderr
    assert run_cli(repo, "start", "JIRA-12").exit_code == 2  # kebab-case is start's rule for NAME
    assert run_cli(repo, "check", "branch-name", "hotfix/JIRA-12").exit_code == 0


# --- no release tag under the prefix, but tags of another scheme -------------------------

UNPREFIXED_HINT = 'found 2 tags like 2.2.0: set tag-prefix = ""'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["start"], f"no release tag (like v1.2.3) in this repository; {UNPREFIXED_HINT}"),
        (["finish", "hotfix/v2.2.1"], f"no release tag (like v1.2.3) is reachable from HEAD; {UNPREFIXED_HINT}"),
        (["rollback"], f"no release tag (like v1.2.3) in this repository; {UNPREFIXED_HINT}"),
        (["start", "--from", "2.2.0"], f"pick one of: none yet ({UNPREFIXED_HINT})"),
        (["validate"], f"no release tag (like v1.2.3) is reachable from HEAD; {UNPREFIXED_HINT}"),
        (["check", "scope"], f"no release tag (like v1.2.3) is reachable from HEAD; {UNPREFIXED_HINT}"),
        (["review"], f"no release tag (like v1.2.3) is reachable from HEAD; {UNPREFIXED_HINT}"),
    ],
)
def test_every_no_release_message_names_the_other_scheme(repo: GitRepo, args: list[str], message: str) -> None:
    tagged(repo, "2.1.0", "2.2.0")
    repo.switch("hotfix/v2.2.1")
    if args[0] in ("start", "rollback"):
        repo.git("switch", "-q", "main")
    result = run_cli(repo, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_status_names_the_other_scheme_in_text_and_json(repo: GitRepo) -> None:
    tagged(repo, "2.1.0", "2.2.0")
    text = run_cli(repo, "status")
    assert text.exit_code == 0
    assert text.stdout.startswith(f"Production: no release tag (like v1.2.3) yet; {UNPREFIXED_HINT}\n")
    facts = json.loads(run_cli(repo, "status", "--format", "json").stdout)
    assert facts["production"] is None
    assert facts["release_tag_hint"] == f"no release tag (like v1.2.3) yet; {UNPREFIXED_HINT}"


def test_release_dash_tags_name_their_prefix(repo: GitRepo) -> None:
    tagged(repo, "release-2.1.0", "release-2.2.0", "nightly")
    result = run_cli(repo, "start")
    assert 'found 2 tags like release-2.2.0: set tag-prefix = "release-"' in result.stderr


def test_no_hint_without_other_tags_or_with_a_release_elsewhere(repo: GitRepo) -> None:
    tagged(repo, "nightly")
    assert "in this repository; tag the release first" in run_cli(repo, "start").stderr
    assert run_cli(repo, "status").stdout.startswith("Production: no release tag yet\n")
    repo.switch("hotfix/v1.2.4")
    repo.git("switch", "-q", "--orphan", "old")
    repo.commit("feat: old line")
    repo.tag("v1.0.0")  # a release under the prefix, not reachable from the hotfix: no other scheme to name
    repo.tag("2.2.0")
    repo.git("switch", "-q", "hotfix/v1.2.4")
    message = run_cli(repo, "validate").stderr
    assert "is reachable from HEAD; tag the release or pass --base REF" in message


def test_the_hint_costs_one_for_each_ref_only_when_nothing_was_found(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tagged(repo, "2.2.0")
    repo.switch("hotfix/v2.2.1")
    trace = tmp_path / "trace"
    monkeypatch.setenv("HOTFIX_GUARD_TRACE_GIT", str(trace))
    assert run_cli(repo, "validate").exit_code == 2
    assert len(tag_listings(trace)) == 1
    trace.unlink()
    repo.tag("v2.2.0", "main")
    assert run_cli(repo, "check", "branch-name").exit_code == 0
    assert trace.exists() and tag_listings(trace) == []


def tag_listings(trace: Path) -> list[str]:
    """The traced git commands that list every tag."""
    return [line for line in trace.read_text().splitlines() if line.endswith('"refs/tags/"]')]


# --- the push guard with unprefixed tags -------------------------------------------------


def git_push(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    return subprocess.run(["git", "push", *args], cwd=repo.path, capture_output=True, text=True, env=env)


def test_push_guard_knows_unprefixed_release_tags(repo: GitRepo, tmp_path: Path) -> None:
    tagged(repo, "2.2.0", config='tag-prefix = ""\n')
    remote = tmp_path / "origin.git"
    repo.git("init", "-q", "--bare", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "develop", "2.2.0")
    assert run_cli(repo, "install-hooks", "--hooks", "pre-push").exit_code == 0
    assert run_cli(repo, "start").exit_code == 0
    repo.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    repo.tag("2.2.1")
    premature = git_push(repo, "origin", "2.2.1")
    assert premature.returncode == 1
    assert "release tag 2.2.1 points at" in premature.stderr and "not on main" in premature.stderr
    assert git_push(repo, "origin", "--delete", "2.2.0").returncode == 1  # a published release stays
    repo.git("tag", "-d", "2.2.1")
    result = run_cli(repo, "finish", "--push")
    assert result.exit_code == 0, result.output
    assert "2.2.1" in repo.git("ls-remote", "--tags", "origin")


# --- check branch-name outside hotfix/ --------------------------------------------------


def test_check_branch_name_outside_hotfix_is_skipped_not_passed(released: GitRepo) -> None:
    result = run_cli(released, "check", "branch-name", "feature/foo")
    assert result.exit_code == 0
    assert result.stdout == (
        "skipped [branch-name] 'feature/foo' is not a hotfix branch (not under hotfix/), so its name was not checked\n"
        f"config: defaults (no config file; main {released.git('rev-parse', '--short=7', 'main').strip()} has none)\n"
        "hotfix-guard check branch-name skipped: 0 errors, 0 warnings on feature/foo\n"
    )
    document = json.loads(run_cli(released, "--format", "json", "check", "branch-name", "feature/foo").stdout)
    assert document["checks"] == [
        {
            "id": "branch-name",
            "status": "skipped",
            "reason": "'feature/foo' is not a hotfix branch (not under hotfix/), so its name was not checked",
        }
    ]


def test_check_branch_name_near_miss_still_fails(released: GitRepo) -> None:
    assert run_cli(released, "check", "branch-name", "Hotfix/v1.2.4").exit_code == 1


# --- help that matches the command -------------------------------------------------------


def help_of(*command: str) -> str:
    from click.testing import CliRunner

    from hotfix_guard.cli import cli

    return " ".join(CliRunner().invoke(cli, [*command, "--help"]).output.split())


def test_start_and_rollback_help_list_no_merge_conflict() -> None:
    for command in ("start", "rollback"):
        assert "conflict" not in help_of(command)
        assert "rejected or interrupted" in help_of(command)


def test_start_help_mentions_the_version_bump_commit() -> None:
    text = help_of("start")
    assert "With version-files configured" in text
    assert "a commit of its own on the new branch ('fix(release): HOTFIX - set version X.Y.Z')" in text


def test_check_help_lists_every_registered_check() -> None:
    from hotfix_guard.checks import registry

    text = help_of("check")
    assert "focused-tests" in text
    assert all(check_id in text for check_id in registry())


def test_notify_help_says_team_or_users_is_required() -> None:
    assert "One of --team and --users is required" in help_of("notify")


def test_check_help_has_no_strict_in_its_exit_codes() -> None:
    assert "--strict" not in help_of("check", "file-count")
    assert "not checked (skipped, exit 0)" in help_of("check", "branch-name")


def test_real_layout_unprefixed_tags_with_config_outside_the_repository(repo: GitRepo, tmp_path: Path) -> None:
    """What the trial on attrs' sdists (tags 23.1.0, 23.2.0; a pyproject.toml without our table)
    showed: without tag-prefix every command names the setting; with it (--config outside the
    repository) start, validate, finish --push and status go through."""
    repo.commit("feat: 23.1.0", **{"pyproject.toml": '[project]\nname = "attrs"\n', "src__attr__make.py": "a = 1\n"})
    repo.tag("23.1.0")
    repo.commit("feat: 23.2.0", **{"src__attr__make.py": "a = 2\n"})
    repo.tag("23.2.0")
    repo.git("branch", "develop")
    assert 'found 2 tags like 23.2.0: set tag-prefix = ""' in run_cli(repo, "start").stderr
    config = tmp_path / "hotfix-guard.toml"
    config.write_text('tag-prefix = ""\n')
    remote = tmp_path / "origin.git"
    repo.git("init", "-q", "--bare", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "develop", "23.1.0", "23.2.0")
    assert run_cli(repo, "--config", str(config), "start").exit_code == 0
    repo.commit(GOOD_MESSAGE, **{"src__attr__make.py": "a = 3\n"})
    assert run_cli(repo, "--config", str(config), "validate").exit_code == 0
    assert run_cli(repo, "--config", str(config), "finish", "--push").exit_code == 0
    assert "refs/tags/23.2.1" in repo.git("ls-remote", "--tags", "origin")
    assert run_cli(repo, "--config", str(config), "status").stdout.startswith("Production: 23.2.1 ")
