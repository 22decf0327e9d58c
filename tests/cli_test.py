"""The CLI's contract on real repositories: exit codes, bad input, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GOOD_MESSAGE, GitRepo, run_cli

from hotfix_guard.cli import cli


def assert_one_line_error(result: object, *fragments: str) -> None:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    stderr = result.stderr  # type: ignore[attr-defined]
    assert stderr.startswith("hotfix-guard: error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    for fragment in fragments:
        assert fragment in stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(tmp_path, "validate"), "is not in a git repository")


def test_repo_path_that_does_not_exist(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(tmp_path / "nope", "validate"), "is not a directory")


def test_empty_repository(repo: GitRepo) -> None:
    assert_one_line_error(run_cli(repo, "validate"), "no commits yet")


def test_no_release_tag_says_how_to_pass_base(repo: GitRepo) -> None:
    repo.commit("init", **{"a.txt": "a"})
    repo.tag("nightly-2026-01-01")
    repo.tag("v2.0.0-rc.1")
    repo.switch("hotfix/x")
    repo.commit()
    assert_one_line_error(run_cli(repo, "validate"), "no release tag (like v1.2.3)", "--base REF")


def test_base_is_nearest_release_not_prerelease_or_other_tags(hotfix: GitRepo) -> None:
    hotfix.tag("v1.3.0-rc.1", "v1.2.3")
    hotfix.tag("nightly-2026-01-02")
    hotfix.tag("v01.2.9")
    document = json.loads(run_cli(hotfix, "--format", "json", "validate").stdout)
    assert (document["base"], document["summary"]["exit_code"]) == ("v1.2.3", 0)


def test_explicit_base_overrides_nearest_tag(hotfix: GitRepo) -> None:
    hotfix.tag("v1.2.2", "v1.2.3")
    result = run_cli(hotfix, "validate", "--base", "v1.2.2")
    assert result.exit_code == 1
    assert "the next patch is v1.2.3" in result.stdout


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_unknown_or_dash_refs_are_errors_not_options(hotfix: GitRepo, option: str) -> None:
    for ref in ("no-such-ref", "--output=/tmp/x", "-h"):
        assert_one_line_error(run_cli(hotfix, "validate", f"{option}={ref}"), "is not a commit")


def test_detached_head_without_ci_variables_asks_for_branch(hotfix: GitRepo) -> None:
    hotfix.checkout("HEAD~0^{commit}")
    assert_one_line_error(run_cli(hotfix, "validate"), "HEAD is detached", "--branch NAME")


@pytest.mark.parametrize("variable", ["GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME"])
def test_detached_head_takes_branch_from_ci(hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    hotfix.checkout("HEAD~0^{commit}")
    monkeypatch.setenv(variable, "hotfix/v1.2.5")
    result = run_cli(hotfix, "validate")
    assert result.exit_code == 1
    assert "'hotfix/v1.2.5' does not follow its base v1.2.3" in result.stdout


def test_not_a_hotfix_branch(released: GitRepo) -> None:
    assert_one_line_error(run_cli(released, "validate"), "'main' is not a hotfix branch")


def test_shallow_clone_without_base_tag(hotfix: GitRepo, tmp_path: Path) -> None:
    hotfix.commit(GOOD_MESSAGE, **{"b.py": "b"})
    clone = tmp_path / "shallow"
    url = f"file://{hotfix.path}"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--no-tags", "-b", "hotfix/v1.2.4", url, str(clone)], check=True)
    assert_one_line_error(run_cli(clone, "validate"), "shallow clone", "git fetch --tags --unshallow")


def test_malformed_config_is_exit_2(hotfix: GitRepo) -> None:
    hotfix.write(".hotfix-guard.toml", "[file-count]\nmax-files = 'five'\n")
    assert_one_line_error(run_cli(hotfix, "validate"), "'file-count.max-files'", ".hotfix-guard.toml")


def test_unknown_skip_id_is_usage_error(hotfix: GitRepo) -> None:
    result = run_cli(hotfix, "validate", "--skip", "nope")
    assert result.exit_code == 2 and "'nope' is not one of" in result.stderr


def test_skip_and_strict(hotfix: GitRepo) -> None:
    hotfix.commit("wip", **{"big.txt": "line\n" * 300})
    assert run_cli(hotfix, "validate", "--skip", "commit-message").exit_code == 0
    strict = run_cli(hotfix, "validate", "--skip", "commit-message", "--strict")
    assert strict.exit_code == 1
    assert (
        "warning [diff-size] 302 lines changed (added + removed), the threshold is 200; most in: 'big.txt' (300)"
        in strict.stdout
    )


def many_files(repo: GitRepo, count: int) -> None:
    repo.commit(GOOD_MESSAGE, **{f"f{index}.txt": str(index) for index in range(count)})


def test_file_limit_blocks_then_allow_large_accepts(hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    many_files(hotfix, 6)
    blocked = run_cli(hotfix, "validate")
    assert (
        blocked.exit_code == 1
        and "error   [file-count] 7 files changed, the limit is 5: app.py, f0.txt" in blocked.stdout
    )
    assert run_cli(hotfix, "validate", "--allow-large").exit_code == 0
    monkeypatch.setenv("HOTFIX_GUARD_ALLOW_LARGE", "1")
    accepted = run_cli(hotfix, "validate")
    assert (
        accepted.exit_code == 0
        and "note    [file-count] 7 files changed, over the limit of 5: accepted" in accepted.stdout
    )


def test_odd_file_names_are_counted_once_each(hotfix: GitRepo) -> None:
    names = ["with space.txt", "new\nline.txt", "ünïcødé.txt", "-dash.txt", "$(touch pwned).txt"]
    hotfix.commit(GOOD_MESSAGE, **{name: "x" for name in names})
    result = run_cli(hotfix, "validate")
    assert "6 files changed, the limit is 5" in result.stdout
    assert "'new\\nline.txt'" in result.stdout and "ünïcødé.txt" in result.stdout
    assert not (hotfix.path / "pwned").exists()


def test_rename_counts_once_and_deletion_and_binary_count(hotfix: GitRepo) -> None:
    hotfix.git("mv", "README.md", "docs.md")
    hotfix.git("rm", "-q", "app.py")
    hotfix.write("logo.png", bytes(range(256)))
    hotfix.commit()
    document = json.loads(run_cli(hotfix, "--format", "json", "validate").stdout)
    assert document["change"]["files"] == 3  # README.md → docs.md once, app.py deleted, logo.png
    assert any("binary files, not counted as lines: 'logo.png'" in f["message"] for f in document["findings"])


def commit_raw_message(repo: GitRepo, message: bytes) -> None:
    """A commit whose message bytes git's porcelain would have re-encoded (no encoding header)."""
    tree, parent = repo.git("rev-parse", "HEAD^{tree}", "HEAD").split()
    person = b"Hotfix Tester <tester@example.com> 1767323045 +0000"
    raw = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\n" % (tree.encode(), parent.encode(), person, person)
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            input=raw + message,
            cwd=repo.path,
            capture_output=True,
        )
        .stdout.decode()
        .strip()
    )
    repo.git("update-ref", "HEAD", sha)


def test_non_utf8_and_empty_commit_messages_are_findings(hotfix: GitRepo) -> None:
    commit_raw_message(hotfix, b"fix: HOTFIX caf\xe9\n")
    hotfix.git("commit", "-q", "--allow-empty", "--allow-empty-message", "-m", "")
    result = run_cli(hotfix, "validate")
    assert result.exit_code == 1
    assert "message is not valid UTF-8" in result.stdout
    assert "empty commit message" in result.stdout


def test_hostile_branch_name_is_a_finding_and_runs_nothing(hotfix: GitRepo) -> None:
    hotfix.git("branch", "-m", "hotfix/;touch${IFS}pwned;$(id)")
    result = run_cli(hotfix, "validate")
    assert result.exit_code == 1
    assert "is not an accepted hotfix name" in result.stdout
    assert not (hotfix.path / "pwned").exists()


def test_near_miss_branch_is_validated_and_gets_the_right_name(hotfix: GitRepo) -> None:
    hotfix.git("branch", "-m", "Hotfix/v1.2.4")
    result = run_cli(hotfix, "validate")
    assert result.exit_code == 1
    assert (
        "'Hotfix/v1.2.4' looks like a hotfix branch but is misspelt; rename it: git branch -m hotfix/v1.2.4"
        in result.stdout
    )


def test_version_branch_whose_tag_exists(hotfix: GitRepo) -> None:
    hotfix.tag("v1.2.4", "v1.2.3")
    result = run_cli(hotfix, "validate", "--base", "v1.2.3")
    assert "tag v1.2.4 already exists" in result.stdout and result.exit_code == 1


def test_scope_flags_development_work_merged_into_the_hotfix(hotfix: GitRepo) -> None:
    hotfix.switch("develop", "main")
    hotfix.commit("feat: unreleased work", **{"feature.py": "new"})
    hotfix.checkout("hotfix/v1.2.4")
    hotfix.git("merge", "-q", "--no-ff", "--no-edit", "develop")
    result = run_cli(hotfix, "check", "scope")
    assert result.exit_code == 1
    assert (
        "1 commit comes from develop, not from v1.2.3" in result.stdout and "'feat: unreleased work'" in result.stdout
    )


def test_scope_empty_change_fails(released: GitRepo) -> None:
    released.switch("hotfix/v1.2.4", "v1.2.3")
    result = run_cli(released, "check", "scope")
    assert result.exit_code == 1 and "empty change: no commits between v1.2.3" in result.stdout


def test_scope_base_not_an_ancestor(hotfix: GitRepo) -> None:
    hotfix.switch("other", "v1.2.3")
    hotfix.commit("unrelated", **{"o.txt": "o"})
    hotfix.tag("v9.9.9")
    result = run_cli(hotfix, "check", "scope", "--head", "hotfix/v1.2.4", "--base", "v9.9.9")
    assert result.exit_code == 1 and "base v9.9.9 is not an ancestor of hotfix/v1.2.4" in result.stdout


def test_check_commit_message_file_and_range(hotfix: GitRepo) -> None:
    message = hotfix.write("MSG", "feat: nope\n# HOTFIX in a comment does not count\n")
    result = run_cli(hotfix, "check", "commit-message", "--file", str(message))
    assert result.exit_code == 1 and "missing the hotfix token" in result.stdout
    assert run_cli(hotfix, "check", "commit-message", "--range", "v1.2.3..HEAD").exit_code == 0
    bad = run_cli(hotfix, "check", "commit-message", "--range", "v1.2.3")
    assert bad.exit_code == 2 and "is not a range like v1.2.3..HEAD" in bad.stderr


def test_check_branch_name_given_a_name(released: GitRepo) -> None:
    assert run_cli(released, "check", "branch-name", "hotfix/v1.2.4").exit_code == 0
    result = run_cli(released, "check", "branch-name", "hotfix/V1.2.4")
    assert result.exit_code == 1 and "rename it: git branch -m hotfix/v1.2.4" in result.stdout


def test_staged_files_count_with_staged_option(hotfix: GitRepo) -> None:
    for index in range(5):
        hotfix.write(f"s{index}.txt")
    hotfix.git("add", "-A")
    assert run_cli(hotfix, "check", "file-count").exit_code == 0
    assert run_cli(hotfix, "check", "file-count", "--staged").exit_code == 1


def test_github_format(hotfix: GitRepo) -> None:
    many_files(hotfix, 6)
    lines = run_cli(hotfix, "--format", "github", "validate").stdout.splitlines()
    assert lines[0].startswith("::error title=hotfix-guard [file-count]::7 files changed")


def test_no_color_when_not_a_terminal(hotfix: GitRepo) -> None:
    many_files(hotfix, 6)
    assert "\033[" not in run_cli(hotfix, "validate").stdout


def test_python_dash_m_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "validate", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "--allow-large" in result.stdout and "Exit codes: 0" in result.stdout


def test_excluded_files_are_not_counted_and_are_reported(hotfix: GitRepo) -> None:
    hotfix.git("switch", "-q", "main")  # the rules come from main
    hotfix.commit(
        "chore: config",
        **{".hotfix-guard.toml": '[file-count]\nexclude = ["*.lock"]\n[diff-size]\nexclude = ["*.lock"]\n'},
    )
    hotfix.git("switch", "-q", "hotfix/v1.2.4")
    hotfix.commit(GOOD_MESSAGE, **{f"f{index}.lock": "pinned\n" * 300 for index in range(6)})
    result = run_cli(hotfix, "validate", "--strict")
    assert result.exit_code == 0, result.stdout
    assert "note    [file-count] not counted (excluded by config): f0.lock, f1.lock" in result.stdout
    assert "note    [diff-size] not counted (excluded by config): 'f0.lock'" in result.stdout


def test_branch_names_that_look_like_options(released: GitRepo) -> None:
    assert run_cli(released, "check", "branch-name", "--", "-rf").exit_code == 0  # not a hotfix branch: out of scope
    result = run_cli(released, "validate", "--branch=--help")
    assert result.exit_code == 2 and "'--help' is not a hotfix branch" in result.stderr


def test_scope_ignores_the_hotfix_own_version_tag(hotfix: GitRepo) -> None:
    hotfix.checkout("main")
    hotfix.git("merge", "-q", "--no-ff", "--no-edit", "hotfix/v1.2.4")
    hotfix.tag("v1.2.4")  # as finishing the hotfix does, on the merge into main
    hotfix.checkout("hotfix/v1.2.4")
    result = run_cli(hotfix, "validate")
    assert "tag v1.2.4 already exists" in result.stdout
    assert "[scope]" not in result.stdout


def test_scope_passes_after_the_hotfix_was_merged_back_into_develop(hotfix: GitRepo) -> None:
    hotfix.switch("develop", "main")
    hotfix.commit("feat: unreleased work", **{"feature.py": "new"})
    hotfix.git("merge", "-q", "--no-ff", "--no-edit", "hotfix/v1.2.4")
    hotfix.checkout("hotfix/v1.2.4")
    assert run_cli(hotfix, "check", "scope").exit_code == 0


def test_custom_tag_prefix_with_a_dash(repo: GitRepo) -> None:
    repo.commit("init", **{".hotfix-guard.toml": 'tag-prefix = "release-"\n', "a.txt": "a"})
    repo.tag("release-1.2.3")
    repo.tag("release-1.3.0-rc.1")
    repo.switch("hotfix/critical-fix")
    repo.commit()
    result = run_cli(repo, "--format", "json", "validate")
    assert json.loads(result.stdout)["base"] == "release-1.2.3", result.output


def test_base_found_past_many_tags_that_only_look_like_releases(released: GitRepo) -> None:
    for index in range(60):
        released.commit(f"chore: {index}")
        released.tag(f"v1.2.3.{index}")
    released.switch("hotfix/x")
    released.commit()
    assert json.loads(run_cli(released, "--format", "json", "validate").stdout)["base"] == "v1.2.3"


def test_diff_relative_config_does_not_hide_files(hotfix: GitRepo) -> None:
    many_files(hotfix, 6)
    (hotfix.path / "sub").mkdir()
    hotfix.git("config", "diff.relative", "true")
    result = run_cli(hotfix.path / "sub", "check", "file-count")
    assert result.exit_code == 1 and "7 files changed" in result.stdout


def test_base_given_as_full_tag_ref_is_a_release(hotfix: GitRepo) -> None:
    assert run_cli(hotfix, "validate", "--base", "refs/tags/v1.2.3").exit_code == 0


def test_shallow_clone_with_base_tag_but_no_history(hotfix: GitRepo, tmp_path: Path) -> None:
    hotfix.commit(GOOD_MESSAGE, **{"b.py": "b"})
    clone = tmp_path / "shallow"
    url = f"file://{hotfix.path}"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--no-tags", "-b", "hotfix/v1.2.4", url, str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--depth=1", "origin", "tag", "v1.2.3"], check=True)
    assert_one_line_error(run_cli(clone, "validate", "--base", "v1.2.3"), "shallow clone", "git fetch --unshallow")


def test_check_branch_name_on_detached_head_needs_a_name(hotfix: GitRepo) -> None:
    hotfix.checkout("HEAD~0^{commit}")
    assert_one_line_error(run_cli(hotfix, "check", "branch-name"), "HEAD is detached")


def test_head_given_as_a_commit_needs_a_branch_name(hotfix: GitRepo) -> None:
    sha = hotfix.git("rev-parse", "HEAD").strip()
    assert_one_line_error(run_cli(hotfix, "validate", "--head", sha), f"--head '{sha}' does not name a branch")
    assert run_cli(hotfix, "validate", "--head", sha, "--branch", "hotfix/v1.2.4").exit_code == 0


def test_usage_errors_are_one_line(hotfix: GitRepo) -> None:
    assert_one_line_error(
        run_cli(hotfix, "validate", "--bogus"), "No such option '--bogus'", "(see 'hotfix-guard validate --help')"
    )
    missing = run_cli(hotfix, "check", "commit-message", "--file", "/no/such/file")
    assert_one_line_error(missing, "'/no/such/file' does not exist")


def test_message_file_with_commit_message_off(hotfix: GitRepo) -> None:
    hotfix.write(".hotfix-guard.toml", '[commit-message]\nseverity = "off"\n')
    message = hotfix.write("MSG", "bad\n")
    result = run_cli(hotfix, "--format", "github", "check", "commit-message", "--file", str(message))
    assert result.exit_code == 0 and "::" not in result.stdout


def test_git_trace_file_that_cannot_be_written(hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTFIX_GUARD_TRACE_GIT", "/no/such/dir/trace")
    assert_one_line_error(run_cli(hotfix, "validate"), "cannot write the git trace")


def test_inherited_ignored_sigchld_does_not_break_git_calls(hotfix: GitRepo) -> None:
    code = "import signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); from hotfix_guard.entry import main; sys.exit(main(['validate']))"
    result = subprocess.run([sys.executable, "-c", code], cwd=hotfix.path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_hook_command_honours_global_repo_and_config(hotfix: GitRepo) -> None:
    config = hotfix.write("guard.toml", "[file-count]\nmax-files = 1\n")
    hotfix.write("s.txt")
    hotfix.git("add", "s.txt")
    result = run_cli(hotfix, "--config", str(config), "hook", "file-count")
    assert result.exit_code == 1 and "the limit is 1" in result.stderr


def assert_error_line(stderr: str, *fragments: str) -> None:
    """Exactly one line on standard error, in the documented form."""
    assert stderr.startswith("hotfix-guard: error: ") and stderr.count("\n") == 1, stderr
    assert "error: error:" not in stderr and all(fragment in stderr for fragment in fragments), stderr


def test_flow_failures_are_one_documented_error_line(hotfix: GitRepo) -> None:
    hotfix.git("remote", "add", "origin", str(hotfix.path / "no-such-remote"))
    hotfix.write(".git/hooks/pre-merge-commit", "#!/bin/sh\necho 'policy: no merges\ntoday' >&2\nexit 1\n").chmod(0o755)
    failed = run_cli(hotfix, "finish")
    assert failed.exit_code == 1
    assert_error_line(failed.stderr, "merge hotfix/v1.2.4 into main failed", "back as before finish started")
    hotfix.write("app.py", "edited\n")
    refused = run_cli(hotfix, "finish")
    assert refused.exit_code == 2
    assert_error_line(refused.stderr, "commit or stash them first")
    hotfix.git("checkout", "-q", "--", "app.py")
    (hotfix.path / ".git" / "hooks" / "pre-merge-commit").unlink()
    hotfix.checkout("main")
    start = run_cli(hotfix, "start", "hotfix-two", "--push")
    assert start.exit_code == 1
    assert_error_line(start.stderr, "pushing hotfix/hotfix-two to origin failed")
    hotfix.checkout("main")
    hotfix.git("merge", "-q", "--no-ff", "-m", "Merge hotfix/v1.2.4", "hotfix/v1.2.4")
    hotfix.tag("v1.2.4")
    rollback = run_cli(hotfix, "rollback", "--push")
    assert rollback.exit_code == 1
    assert_error_line(rollback.stderr, "the push to origin failed", "the rollback is complete locally")


def test_message_file_is_judged_by_the_config_of_the_repository_git_names(
    released: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as git runs a hook (GIT_DIR and GIT_WORK_TREE set, another current directory), the
    config is that repository's, not the current directory's."""
    released.commit("chore: config", **{".hotfix-guard.toml": '[commit-message]\ntoken = "URGENT"\n'})
    message = tmp_path / "MSG"
    message.write_text("fix(auth): URGENT - stop token bypass\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("GIT_DIR", str(released.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(released.path))
    result = CliRunner().invoke(cli, ["check", "commit-message", "--file", str(message)])
    assert result.exit_code == 0, result.output
