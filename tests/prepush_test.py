"""The push guard through real `git push` to a local bare remote: with the shims that
install-hooks installs, and through the real pre-commit framework's pre-push stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli

from hotfix_guard.overrides import NOTES_REF, list_overrides

BIN = str(Path(sys.executable).parent)  # where the hotfix-guard under test is installed
WHEN = "2026-01-02T03:04:05+00:00"
WHO = "Hotfix Tester <tester@example.com>"
FRAMEWORK_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: hotfix-validate
        name: hotfix validate
        entry: hotfix-guard hook validate
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-push]
"""


@pytest.fixture(autouse=True)
def guard_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shims run `hotfix-guard` from PATH: make that the one under test."""
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ["PATH"])
    monkeypatch.delenv("HOTFIX_GUARD_OVERRIDE", raising=False)


def add_origin(repo: GitRepo, tmp_path: Path) -> GitRepo:
    remote = GitRepo(tmp_path / "origin.git")
    remote.path.mkdir()
    remote.git("init", "-q", "--bare")
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "-q", "origin", "main", "v1.2.3")
    return remote


@pytest.fixture
def origin(released: GitRepo, tmp_path: Path) -> GitRepo:
    """The bare remote of `released` (main and v1.2.3 pushed), with the pre-push shim installed.

    Only pre-push: the commit-time shims would stop the bad commits these tests push."""
    remote = add_origin(released, tmp_path)
    assert run_cli(released, "install-hooks", "--hooks", "pre-push").exit_code == 0
    return remote


def push(repo: GitRepo, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", "-q", *args], cwd=repo.path, capture_output=True, text=True, env={**os.environ, **env}
    )


def hotfix_commit(repo: GitRepo, message: str = GOOD_MESSAGE, branch: str = "hotfix/v1.2.4", files: int = 1) -> str:
    repo.switch(branch, "v1.2.3")
    return repo.commit(message, **{f"fix{n}.py": "fixed\n" for n in range(files)})


# Each scenario prepares a blocked push: (git push arguments, what the output must say).
def bad_message(repo: GitRepo) -> tuple[list[str], str]:
    sha = hotfix_commit(repo, "quick fix")
    return ["origin", "hotfix/v1.2.4"], (
        f"error   [commit-message] refs/heads/hotfix/v1.2.4: commit {sha[:10]} 'quick fix': missing the hotfix token"
    )


def too_many_files(repo: GitRepo) -> tuple[list[str], str]:
    hotfix_commit(repo, files=6)
    return ["origin", "hotfix/v1.2.4"], "error   [file-count] refs/heads/hotfix/v1.2.4: 6 files changed, the limit is 5"


def near_miss_name(repo: GitRepo) -> tuple[list[str], str]:
    hotfix_commit(repo, branch="Hotfix/v1.2.4")
    return ["origin", "Hotfix/v1.2.4"], (
        "error   [branch-name] refs/heads/Hotfix/v1.2.4: 'Hotfix/v1.2.4' looks like a hotfix branch but is misspelt; "
        "rename it: git branch -m hotfix/v1.2.4"
    )


def tag_deletion(repo: GitRepo) -> tuple[list[str], str]:
    return ["origin", "--delete", "refs/tags/v1.2.3"], (
        "error   [release-tag] refs/tags/v1.2.3: deleting release tag v1.2.3 is blocked"
    )


def moved_tag(repo: GitRepo) -> tuple[list[str], str]:
    sha = repo.commit("feat: more")
    repo.git("tag", "-f", "v1.2.3")
    return ["--force", "origin", "v1.2.3"], (
        f"error   [release-tag] refs/tags/v1.2.3: release tag v1.2.3 already exists on the remote at "
        f"{repo.git('rev-parse', 'origin/main').strip()[:10]}; moving it to {sha[:10]} is blocked"
    )


def premature_tag(repo: GitRepo) -> tuple[list[str], str]:
    sha = hotfix_commit(repo)
    repo.tag("v1.2.4")
    return ["origin", "v1.2.4"], (
        f"error   [release-tag] refs/tags/v1.2.4: release tag v1.2.4 points at {sha[:10]}, which is not on main"
    )


def non_fast_forward_main(repo: GitRepo) -> tuple[list[str], str]:
    repo.commit("feat: pushed work")
    assert push(repo, "origin", "main").returncode == 0
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.commit("feat: rewritten")
    return [
        "--force",
        "origin",
        "main",
    ], "error   [protected-branch] refs/heads/main: not a fast-forward of protected branch main"


BLOCKED = [bad_message, too_many_files, near_miss_name, tag_deletion, moved_tag, premature_tag, non_fast_forward_main]


@pytest.mark.parametrize("scenario", BLOCKED, ids=[s.__name__ for s in BLOCKED])
def test_blocked_push_leaves_the_remote_unchanged(
    released: GitRepo, origin: GitRepo, scenario: Callable[[GitRepo], tuple[list[str], str]]
) -> None:
    args, said = scenario(released)
    before = origin.refs()
    result = push(released, *args)
    assert result.returncode == 1, result.stderr
    assert said in result.stderr
    assert "push blocked (1 problem)" in result.stderr or "push blocked (2 problems)" in result.stderr
    assert origin.refs() == before


def test_premature_tag_points_to_finish(released: GitRepo, origin: GitRepo) -> None:
    args, _ = premature_tag(released)
    assert "delete this tag (git tag -d v1.2.4) and run hotfix-guard finish" in push(released, *args).stderr


def test_good_hotfix_push_passes(released: GitRepo, origin: GitRepo) -> None:
    sha = hotfix_commit(released)
    result = push(released, "origin", "hotfix/v1.2.4")
    assert (result.returncode, result.stderr) == (0, "")
    assert f"refs/heads/hotfix/v1.2.4 {sha}" in origin.refs()


def test_finish_push_merges_tags_and_pushes_through_the_guard(released: GitRepo, origin: GitRepo) -> None:
    hotfix_commit(released)
    assert push(released, "-u", "origin", "hotfix/v1.2.4").returncode == 0
    result = run_cli(released, "finish", "--no-develop", "--push")
    assert result.exit_code == 0, result.output
    refs = origin.refs()
    assert "refs/tags/v1.2.4" in refs and "refs/heads/hotfix/v1.2.4" not in refs


def test_every_ref_of_one_push_is_checked(released: GitRepo, origin: GitRepo) -> None:
    released.switch("feature", "main")
    released.commit("wip")
    hotfix_commit(released, "no token")
    before = origin.refs()
    result = push(released, "origin", "feature", "hotfix/v1.2.4")
    assert result.returncode == 1 and "refs/heads/hotfix/v1.2.4: commit" in result.stderr
    assert origin.refs() == before


def read_main_config(repo: GitRepo) -> None:
    """Have main's config read once: it is kept per main commit, so later runs start no git for it."""
    assert run_cli(repo, "doctor").exit_code in (0, 1)


def test_main_config_costs_one_git_call_only_when_main_moved(
    released: GitRepo, origin: GitRepo, tmp_path: Path
) -> None:
    trace = tmp_path / "git-trace.jsonl"
    for name in ("feature-1", "feature-2", "main-moves", "feature-3"):
        if name == "main-moves":
            released.commit("feat: main moves")
            continue
        released.git("branch", name)
        assert push(released, "origin", name, HOTFIX_GUARD_TRACE_GIT=str(trace)).returncode == 0
    asked = [json.loads(line)[3:5] for line in trace.read_text().splitlines()]
    # Once main has moved past origin/main, whether it is behind is asked once, then kept.
    assert asked == [["cat-file", "--batch"], ["merge-base", "--is-ancestor"], ["cat-file", "--batch"]]


def test_ordinary_branch_push_passes_without_starting_git(released: GitRepo, origin: GitRepo, tmp_path: Path) -> None:
    released.switch("feature", "main")
    released.commit("wip, no token, any number of files", **{f"f{n}.txt": "x\n" for n in range(9)})
    read_main_config(released)
    trace = tmp_path / "git-trace.jsonl"
    result = push(released, "origin", "feature", "v1.2.3", HOTFIX_GUARD_TRACE_GIT=str(trace))
    assert (result.returncode, result.stderr) == (0, "")
    assert not trace.exists()
    assert "refs/heads/feature" in origin.refs()


def test_branch_deletions_pass(released: GitRepo, origin: GitRepo) -> None:
    hotfix_commit(released)
    released.switch("feature", "main")
    assert push(released, "origin", "hotfix/v1.2.4", "feature").returncode == 0
    result = push(released, "origin", "--delete", "hotfix/v1.2.4", "feature")
    assert (result.returncode, result.stderr) == (0, "")
    assert "hotfix/v1.2.4" not in origin.refs() and "feature" not in origin.refs()


def test_deleting_a_protected_branch_is_blocked(released: GitRepo, origin: GitRepo) -> None:
    released.switch("other", "main")
    result = push(released, "origin", "--delete", "main")
    assert result.returncode == 1 and "deleting protected branch main is blocked" in result.stderr
    assert "refs/heads/main" in origin.refs()


def test_new_hotfix_branch_without_commits_passes(released: GitRepo, origin: GitRepo) -> None:
    result = run_cli(released, "start", "--push")  # publishes hotfix/v1.2.4 at v1.2.3, as colleagues need it
    assert result.exit_code == 0, result.output
    assert "refs/heads/hotfix/v1.2.4" in origin.refs()


def test_fast_forward_of_main_passes(released: GitRepo, origin: GitRepo) -> None:
    sha = released.commit("feat: next")
    assert push(released, "origin", "main").returncode == 0
    assert f"refs/heads/main {sha}" in origin.refs()


def test_protected_branches_and_tags_on_main_are_configurable(released: GitRepo, origin: GitRepo) -> None:
    released.write(".git/info/exclude", ".hotfix-guard.toml\n")  # stays put across the checkouts below
    released.write(".hotfix-guard.toml", 'protected-branches = ["main", "release"]\nrelease-tags-on-main = false\n')
    released.switch("release", "main")
    released.commit("feat: one")
    assert push(released, "origin", "release").returncode == 0
    released.git("reset", "-q", "--hard", "HEAD~1")
    assert "protected branch release" in push(released, "--force", "origin", "release").stderr
    premature_tag(released)
    assert push(released, "origin", "v1.2.4").returncode == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_needs_a_reason(released: GitRepo, origin: GitRepo, reason: str) -> None:
    args, _ = bad_message(released)
    before = origin.refs()
    result = push(released, *args, HOTFIX_GUARD_OVERRIDE=reason)
    assert (
        result.returncode == 1 and "HOTFIX_GUARD_OVERRIDE is set but empty; an override needs a reason" in result.stderr
    )
    assert origin.refs() == before
    assert NOTES_REF not in released.refs()


def test_override_is_printed_and_recorded_as_a_note(released: GitRepo, origin: GitRepo) -> None:
    args, said = bad_message(released)
    sha = released.git("rev-parse", "HEAD").strip()
    result = push(released, *args, HOTFIX_GUARD_OVERRIDE="INC-4711 payments down")
    assert result.returncode == 0, result.stderr
    for text in ("OVERRIDE", "reason: INC-4711 payments down", f"who:    {WHO}", f"when:   {WHEN}", said):
        assert text in result.stderr
    assert f"refs/heads/hotfix/v1.2.4 {sha}" in origin.refs()
    [override] = list_overrides(str(released.path))
    assert (override.commit, override.ref, override.reason, override.who, override.when, override.remote) == (
        sha,
        "refs/heads/hotfix/v1.2.4",
        "INC-4711 payments down",
        WHO,
        WHEN,
        "origin",
    )
    assert override.blocked[0].startswith("[commit-message] commit")
    assert released.git("log", "-1", "--format=%H", "hotfix/v1.2.4").strip() == sha  # history untouched
    assert "reason: INC-4711 payments down" in released.git("notes", "--ref", NOTES_REF, "show", sha)


def test_overrides_are_listed_newest_first(released: GitRepo, origin: GitRepo) -> None:
    tag_deletion(released)
    first = push(released, "origin", "--delete", "v1.2.3", HOTFIX_GUARD_OVERRIDE="first")
    later = "2026-02-03T04:05:06+00:00"
    second = push(released, "origin", "v1.2.3", HOTFIX_GUARD_OVERRIDE="second", GIT_COMMITTER_DATE=later)
    assert (first.returncode, second.returncode) == (0, 0)
    # The re-created tag is new to the remote and on main: nothing blocked, nothing recorded.
    assert [o.reason for o in list_overrides(str(released.path))] == ["first"]
    non_fast_forward_main(released)
    assert (
        push(released, "--force", "origin", "main", HOTFIX_GUARD_OVERRIDE="third", GIT_COMMITTER_DATE=later).returncode
        == 0
    )
    assert [(o.reason, o.when) for o in list_overrides(str(released.path))] == [("third", later), ("first", WHEN)]


def test_no_overrides_without_the_notes_ref(released: GitRepo) -> None:
    assert list_overrides(str(released.path)) == []


def guard(repo: GitRepo, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hotfix_guard", "hook", *args]
    return subprocess.run(
        command, cwd=repo.path, input=stdin, capture_output=True, text=True, env={**os.environ, **env}
    )


@pytest.mark.parametrize(
    ("args", "stdin", "said"),
    [
        (["origin", "url"], "refs/heads/x abc refs/heads/x 0\n", "cannot read line 1 of the pre-push input"),
        (["origin", "url"], "only three fields\n", "expected '<local ref> <local sha> <remote ref> <remote sha>'"),
        (["a", "b", "c"], "", "the pre-push hook takes REMOTE and URL, got 3 arguments"),
    ],
)
def test_bad_pre_push_input_is_a_one_line_error(released: GitRepo, args: list[str], stdin: str, said: str) -> None:
    result = guard(released, "pre-push", *args, stdin=stdin)
    assert result.returncode == 2 and said in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_empty_push_input_passes(released: GitRepo) -> None:
    assert guard(released, "pre-push", "origin", "url").returncode == 0


# --- the pre-commit framework's pre-push stage ------------------------------------


@pytest.fixture
def framework(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, GitRepo]:
    """A released repository whose .pre-commit-config.yaml runs hotfix-validate at pre-push, installed with -t pre-push."""
    repo.commit("feat: first release", **{"app.py": "print('hello')\n", ".pre-commit-config.yaml": FRAMEWORK_CONFIG})
    repo.tag("v1.2.3")
    remote = add_origin(repo, tmp_path)
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install", "-t", "pre-push"], cwd=repo.path, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    return repo, remote


def test_framework_passes_a_good_hotfix_and_blocks_a_bad_one(framework: tuple[GitRepo, GitRepo]) -> None:
    repo, remote = framework
    hotfix_commit(repo)
    assert push(repo, "origin", "hotfix/v1.2.4").returncode == 0
    repo.commit("no token here")
    before = remote.refs()
    result = push(repo, "origin", "hotfix/v1.2.4")
    assert result.returncode == 1 and "'no token here': missing the hotfix token" in result.stdout + result.stderr
    assert remote.refs() == before


@pytest.mark.parametrize("scenario", [premature_tag, moved_tag], ids=["premature-tag", "moved-tag"])
def test_framework_blocks_release_tags(
    framework: tuple[GitRepo, GitRepo], scenario: Callable[[GitRepo], tuple[list[str], str]]
) -> None:
    repo, remote = framework
    args, said = scenario(repo)
    before = remote.refs()
    result = push(repo, *args)
    assert result.returncode == 1 and said in result.stdout + result.stderr
    assert remote.refs() == before


def test_framework_runs_no_hook_for_a_tag_on_a_pushed_commit(framework: tuple[GitRepo, GitRepo]) -> None:
    """The limit the README states: pre-commit skips refs with nothing new; the native hook does not."""
    repo, remote = framework
    hotfix_commit(repo)
    assert push(repo, "origin", "hotfix/v1.2.4").returncode == 0
    repo.tag("v1.2.4")
    assert push(repo, "origin", "v1.2.4").returncode == 0  # premature, yet nothing ran
    assert "refs/tags/v1.2.4" in remote.refs()


def test_override_shows_in_status(released: GitRepo, origin: GitRepo) -> None:
    args, _ = bad_message(released)
    sha = released.git("rev-parse", "HEAD").strip()
    assert push(released, *args, HOTFIX_GUARD_OVERRIDE="INC-4711 payments down").returncode == 0
    text = run_cli(released, "status").stdout
    assert (
        f"Push guard overrides: 1 recorded (refs/notes/hotfix-guard)\n  {WHEN} {WHO} pushed refs/heads/hotfix/v1.2.4 ({sha[:10]}): INC-4711 payments down"
        in text
    )
    [recorded] = json.loads(run_cli(released, "status", "--format", "json").stdout)["overrides"]
    assert (recorded["commit"], recorded["reason"]) == (sha, "INC-4711 payments down")


def test_status_says_when_no_override_was_recorded(released: GitRepo) -> None:
    assert "Push guard overrides: none recorded" in run_cli(released, "status").stdout


@pytest.mark.parametrize(
    ("pushed", "code", "asked"),
    [
        (["main", "v1.2.4"], 0, [["merge-base", "--is-ancestor"], ["for-each-ref", "--format=%(refname)"]]),
        (["v1.2.4"], 0, [["for-each-ref", "--format=%(refname)"]]),  # on the local main
        (["--force", "v1.2.3"], 1, []),  # a tag that would move is blocked whatever its commit: main is not asked
    ],
    ids=["main-and-tag", "tag", "moved-tag"],
)
def test_the_guard_asks_git_only_what_the_rules_need_once(
    released: GitRepo, origin: GitRepo, tmp_path: Path, pushed: list[str], code: int, asked: list[list[str]]
) -> None:
    released.commit("feat: next")
    released.tag("v1.2.4")
    released.git("tag", "-f", "v1.2.3")
    read_main_config(released)
    trace = tmp_path / "git-trace.jsonl"
    result = push(released, "origin", *pushed, HOTFIX_GUARD_TRACE_GIT=str(trace))
    assert result.returncode == code, result.stderr
    lines = trace.read_text().splitlines() if trace.exists() else []
    assert [json.loads(line)[1:3] for line in lines] == asked


def test_a_push_of_many_release_tags_asks_git_a_few_times_and_decides_each(released: GitRepo, tmp_path: Path) -> None:
    """Over TAG_BATCH tags, whether each is on main comes from one walk of main's history, not a git per tag;
    the decisions are the same as asking one by one (lightweight and annotated, on main, off main, pushed along)."""
    from hotfix_guard.prepush import TAG_BATCH

    for n in range(TAG_BATCH + 4):
        released.commit(f"fix: HOTFIX - {n}")
        released.git("tag", *(["-a", "-m", "r"] if n % 2 else []), f"v1.3.{n}")
    released.switch("side", "v1.2.3")
    released.commit("feat: elsewhere")
    released.tag("v9.0.0")
    released.git("tag", "-a", "-m", "r", "v9.0.1")
    released.git("switch", "-q", "main")
    released.git("branch", "next", "main")
    ahead = GitRepo(released.path)
    ahead.git("switch", "-q", "next")
    ahead.commit("fix: HOTFIX - along")
    ahead.tag("v9.1.0")  # on a commit that the same push sends to main
    zero = "0" * 40

    def line(ref: str) -> str:
        return f"{ref} {released.git('rev-parse', ref).strip()} {ref} {zero}\n"

    tags = [t for t in released.git("tag", "--list", "v*").split() if t != "v1.2.3"]
    lines = "".join(line(f"refs/tags/{t}") for t in tags)
    lines += f"refs/heads/next {released.git('rev-parse', 'next').strip()} refs/heads/main {zero}\n"
    trace = tmp_path / "git.trace"
    result = guard(released, "pre-push", "origin", "url", stdin=lines, HOTFIX_GUARD_TRACE_GIT=str(trace))
    assert result.returncode == 1
    blocked = {t for t in tags if f"refs/tags/{t}:" in result.stderr}
    assert blocked == {"v9.0.0", "v9.0.1"}, result.stderr
    assert len(trace.read_text().splitlines()) <= 6  # not one git per tag
    sample = ["v1.3.0", "v1.3.1", "v9.0.0", "v9.0.1", "v9.1.0"]  # light and annotated, on and off main, along
    along = lines.splitlines(True)[-1]
    one_by_one = {
        t
        for t in sample
        if guard(released, "pre-push", "origin", "url", stdin=line(f"refs/tags/{t}") + along).returncode
    }
    assert one_by_one == blocked


@pytest.mark.parametrize("name", ["feature/nbsp\u00a0here", "feature/line\u2028sep", "feature/next\u0085line"])
def test_a_branch_name_with_a_unicode_space_or_line_break_is_read_as_git_wrote_it(
    released: GitRepo, origin: GitRepo, name: str
) -> None:
    """git writes `<ref> <sha> <ref> <sha>\\n`; a ref name may hold U+00A0, U+2028 or U+0085,
    which str.split and str.splitlines would break the line at, refusing a good push."""
    released.switch(name, "v1.2.3")
    released.commit("feat: not a hotfix", **{"feature.py": "x\n"})
    pushed = push(released, "origin", name)
    assert pushed.returncode == 0, pushed.stderr
    hotfix_commit(released, "quick fix")  # and a hotfix pushed beside it is still judged
    pushed = push(released, "origin", name, "hotfix/v1.2.4")
    assert pushed.returncode != 0 and "HOTFIX" in pushed.stderr


def test_a_local_side_with_a_space_is_read_whole(released: GitRepo, origin: GitRepo) -> None:
    """`git push origin 'HEAD^{/stop token}:refs/heads/x'`: git hands the hook the local side as
    written, space and all."""
    released.switch("feature/search", "v1.2.3")
    released.commit("feat: stop token bypass in search", **{"search.py": "x\n"})
    pushed = push(released, "origin", "HEAD^{/stop token}:refs/heads/feature/search")
    assert pushed.returncode == 0, pushed.stderr
