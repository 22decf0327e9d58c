"""The server-side guard on real bare repositories, through real `git push --no-verify` from clones:
pre-receive (in git's quarantine), post-receive (the override's note), install-hooks --server, doctor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, isolate_git, run_cli

from hotfix_guard.install import BACKUP_SUFFIX, SERVER_HOOK_TYPES, shim_text
from hotfix_guard.overrides import NOTES_REF, list_overrides

BIN = str(Path(sys.executable).parent)  # where the hotfix-guard under test is installed
CHECKOUT = Path(__file__).parents[1]
ZERO = "0" * 40


@pytest.fixture(autouse=True)
def guard_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shims run `hotfix-guard` from PATH: make that the one under test."""
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ["PATH"])
    for name in ("GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER", "HOTFIX_GUARD_OVERRIDE"):
        monkeypatch.delenv(name, raising=False)


def build_server(root: Path) -> None:
    """root/server.git: a bare repository with main and v1.2.3, the server hooks and push options;
    root/clone: its clone (remote `../server.git`, so that a copy of root still works), no client hooks."""
    server = GitRepo(root / "server.git")
    server.path.mkdir(parents=True)
    server.git("init", "-q", "--bare")
    server.git("config", "receive.advertisePushOptions", "true")
    clone = GitRepo(root / "clone")
    clone.path.mkdir()
    clone.git("init", "-q", "-b", "main")
    clone.commit("feat: first release", **{"app.py": "print('hello')\n"})
    clone.tag("v1.2.3")
    clone.git("remote", "add", "origin", "../server.git")
    clone.git("push", "-q", "origin", "main", "v1.2.3")
    clone.git("fetch", "-q", "origin")
    assert run_cli(server.path, "install-hooks", "--server").exit_code == 0


_template: list[Path] = []


@pytest.fixture
def site(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, GitRepo]:
    """(server, clone), copied from one built per worker."""
    if not _template:
        root = tmp_path_factory.mktemp("server-template")
        with pytest.MonkeyPatch.context() as patch:
            isolate_git(tmp_path_factory.mktemp("server-home"), patch)
            patch.setenv("PATH", BIN + os.pathsep + os.environ["PATH"])
            build_server(root)
        _template.append(root)
    shutil.copytree(_template[0], tmp_path / "site", symlinks=True)
    return GitRepo(tmp_path / "site" / "server.git"), GitRepo(tmp_path / "site" / "clone")


def push(clone: GitRepo, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A real push that skips every client hook: only the server can stop it."""
    return subprocess.run(
        ["git", "push", "--no-verify", *args], cwd=clone.path, capture_output=True, text=True, env={**os.environ, **env}
    )


def remote_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.removeprefix("remote: ").rstrip() for line in result.stderr.splitlines() if line.startswith("remote:")]


def hotfix_commit(clone: GitRepo, message: str = GOOD_MESSAGE, branch: str = "hotfix/v1.2.4") -> str:
    clone.switch(branch, "v1.2.3")
    return clone.commit(message, **{"app.py": "print('fixed')\n"})


def test_a_bad_hotfix_is_rejected_with_remote_lines_and_its_objects_dropped(site: tuple[GitRepo, GitRepo]) -> None:
    """The checks saw the pushed commit, which only git's quarantine held: its sha is in the finding."""
    server, clone = site
    sha = hotfix_commit(clone, "quick fix")
    before = server.refs()
    result = push(clone, "origin", "hotfix/v1.2.4")
    assert result.returncode == 1, result.stderr
    said = remote_lines(result)
    assert (
        f"error   [commit-message] refs/heads/hotfix/v1.2.4: commit {sha[:10]} 'quick fix': missing the hotfix token "
        in "\n".join(said)
    )
    assert said[0].startswith("hotfix-guard: note: focused tests do not run on the server")
    assert said[-1].startswith(
        "hotfix-guard: push rejected by the server (2 problems); fix it, or in an emergency push again with a reason, "
        'which is recorded: git push -o hotfix-guard.override="INC-123: why"'
    )
    assert "! [remote rejected] hotfix/v1.2.4 -> hotfix/v1.2.4 (pre-receive hook declined)" in result.stderr
    assert server.refs() == before
    assert not _has_object(server, sha)  # the quarantine was dropped with the push


def _has_object(repo: GitRepo, sha: str) -> bool:
    return subprocess.run(["git", "cat-file", "-e", sha], cwd=repo.path).returncode == 0


def tag_deletion(clone: GitRepo) -> tuple[list[str], str]:
    return ["origin", "--delete", "refs/tags/v1.2.3"], "deleting release tag v1.2.3 is blocked"


def moved_tag(clone: GitRepo) -> tuple[list[str], str]:
    sha = clone.commit("feat: more")
    clone.git("tag", "-f", "v1.2.3")
    return ["--force", "origin", "main", "v1.2.3"], (
        f"release tag v1.2.3 already exists on the remote at {clone.git('rev-parse', 'v1.2.3~1').strip()[:10]}; "
        f"moving it to {sha[:10]} is blocked"
    )


def premature_tag(clone: GitRepo) -> tuple[list[str], str]:
    sha = hotfix_commit(clone)
    clone.tag("v1.2.4")
    return ["origin", "hotfix/v1.2.4", "v1.2.4"], f"release tag v1.2.4 points at {sha[:10]}, which is not on main"


def non_fast_forward_main(clone: GitRepo) -> tuple[list[str], str]:
    clone.git("commit", "-q", "--amend", "-m", "feat: rewritten")
    return ["--force", "origin", "main"], "not a fast-forward of protected branch main: the remote's"


def main_deletion(clone: GitRepo) -> tuple[list[str], str]:
    return ["origin", "--delete", "main"], "deleting protected branch main is blocked"


def near_miss(clone: GitRepo) -> tuple[list[str], str]:
    hotfix_commit(clone, branch="Hotfix/v1.2.4")
    return ["origin", "Hotfix/v1.2.4"], "rename it: git branch -m hotfix/v1.2.4"


BLOCKED = [tag_deletion, moved_tag, premature_tag, non_fast_forward_main, main_deletion, near_miss]


@pytest.mark.parametrize("scenario", BLOCKED, ids=[s.__name__ for s in BLOCKED])
def test_the_server_blocks_what_no_verify_lets_past_the_client(
    site: tuple[GitRepo, GitRepo], scenario: Callable[[GitRepo], tuple[list[str], str]]
) -> None:
    server, clone = site
    args, said = scenario(clone)
    before = server.refs()
    result = push(clone, *args)
    assert result.returncode == 1 and said in result.stderr, result.stderr
    assert sum(line.startswith("error   ") for line in remote_lines(result)) == 1
    assert server.refs() == before


def test_one_bad_ref_rejects_the_whole_push_and_only_it_is_named(site: tuple[GitRepo, GitRepo]) -> None:
    server, clone = site
    clone.switch("feature", "main")
    clone.commit("wip, no token")
    hotfix_commit(clone)
    clone.tag("v1.2.4")
    before = server.refs()
    result = push(clone, "origin", "feature", "hotfix/v1.2.4", "v1.2.4")
    assert result.returncode == 1
    assert [line.split()[2] for line in remote_lines(result) if line.startswith("error ")] == ["refs/tags/v1.2.4:"]
    assert server.refs() == before


def test_a_release_tag_pushed_with_main_is_on_main_though_main_is_not_updated_yet(
    site: tuple[GitRepo, GitRepo],
) -> None:
    """As finish --push does: the merge and its tag in one push. During pre-receive main still holds
    the old commit; the tag is judged against the main the push sends."""
    server, clone = site
    hotfix_commit(clone)
    clone.git("switch", "-q", "main")
    clone.git("merge", "-q", "--no-ff", "-m", "Merge hotfix/v1.2.4", "hotfix/v1.2.4")
    clone.git("tag", "-a", "-m", "release", "v1.2.4")
    result = push(clone, "origin", "main", "hotfix/v1.2.4", "v1.2.4")
    assert result.returncode == 0, result.stderr
    assert "refs/tags/v1.2.4" in server.refs()


def test_a_push_that_loosens_the_config_on_main_is_judged_by_the_old_one(site: tuple[GitRepo, GitRepo]) -> None:
    server, clone = site
    premature_tag(clone)
    clone.git("switch", "-q", "main")
    clone.commit("chore: loosen", **{".hotfix-guard.toml": "release-tags-on-main = false\n"})
    before = server.refs()
    result = push(clone, "origin", "main", "v1.2.4")
    assert result.returncode == 1 and "release tag v1.2.4 points at" in result.stderr, result.stderr
    assert server.refs() == before
    assert push(clone, "origin", "main").returncode == 0  # the new config lands on main...
    assert push(clone, "origin", "v1.2.4").returncode == 0  # ...and rules the pushes after it


def test_an_override_is_let_through_recorded_by_post_receive_and_shown_by_status(
    site: tuple[GitRepo, GitRepo], tmp_path: Path
) -> None:
    server, clone = site
    sha = hotfix_commit(clone, "quick fix")
    result = push(
        clone, "-o", "hotfix-guard.override=INC-4711: payments  down", "origin", "hotfix/v1.2.4", GL_USERNAME="jane"
    )
    assert result.returncode == 0, result.stderr
    said = "\n".join(remote_lines(result))
    assert "hotfix-guard: OVERRIDE: the server lets this blocked push through" in said
    assert "reason: INC-4711: payments down" in said and "who:    jane (GL_USERNAME, on the server)" in said
    assert f"refs/heads/hotfix/v1.2.4 {sha}" in server.refs()
    [override] = list_overrides(str(server.path))
    assert (override.commit, override.ref, override.reason, override.who) == (
        sha,
        "refs/heads/hotfix/v1.2.4",
        "INC-4711: payments down",
        "jane (GL_USERNAME, on the server)",
    )
    assert override.blocked[0].startswith("[commit-message] commit") and override.remote == ""
    assert not os.listdir(server.path / "hotfix-guard" / "pending-overrides")  # handed over, nothing left
    clone.git("fetch", "-q", "origin", f"{NOTES_REF}:{NOTES_REF}")
    text = run_cli(clone, "status").stdout
    assert "Push guard overrides: 1 recorded (refs/notes/hotfix-guard)" in text
    assert f"jane (GL_USERNAME, on the server) pushed refs/heads/hotfix/v1.2.4 ({sha[:10]}): INC-4711" in text
    [recorded] = json.loads(run_cli(clone, "status", "--format", "json").stdout)["overrides"]
    assert recorded["reason"] == "INC-4711: payments down"


def test_an_override_without_a_user_names_the_committer_and_says_so(site: tuple[GitRepo, GitRepo]) -> None:
    server, clone = site
    result = push(clone, "-o", "hotfix-guard.override=INC-9", "origin", "--delete", "v1.2.3")
    assert result.returncode == 0, result.stderr
    [override] = list_overrides(str(server.path))
    assert override.who.startswith("Hotfix Tester <tester@example.com> (committer of ")
    assert override.who.endswith("; the server names no authenticated user)")
    assert override.commit == clone.git("rev-parse", "main").strip()  # the commit the deleted tag held


@pytest.mark.parametrize("option", ["hotfix-guard.override=", "hotfix-guard.override=   ", "hotfix-guard.override"])
def test_an_override_needs_a_reason(site: tuple[GitRepo, GitRepo], option: str) -> None:
    server, clone = site
    args, _ = tag_deletion(clone)
    before = server.refs()
    result = push(clone, "-o", option, *args)
    assert result.returncode == 1 and "the hotfix-guard.override push option is empty" in result.stderr
    assert server.refs() == before and NOTES_REF not in before


def test_an_ordinary_push_starts_no_git_on_the_server(site: tuple[GitRepo, GitRepo], tmp_path: Path) -> None:
    _, clone = site
    clone.switch("feature", "main")
    clone.commit("wip, any message")
    trace = tmp_path / "git-trace.jsonl"
    assert push(clone, "origin", "feature", HOTFIX_GUARD_TRACE_GIT=str(trace)).returncode == 0
    asked = [json.loads(line)[3:5] for line in trace.read_text().splitlines()] if trace.exists() else []
    assert asked in ([], [["cat-file", "--batch"]])  # main's config, read once and kept (git -C GIT_DIR ...)
    trace.unlink(missing_ok=True)
    clone.commit("more")
    result = push(clone, "origin", "feature", HOTFIX_GUARD_TRACE_GIT=str(trace))
    assert (result.returncode, remote_lines(result)) == (0, [])
    assert not trace.exists()


def hook(server: GitRepo, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "hook", *args],
        cwd=server.path,
        input=stdin,
        capture_output=True,
        text=True,
    )


def test_the_update_hook_judges_one_ref_from_its_arguments(site: tuple[GitRepo, GitRepo]) -> None:
    server, _ = site
    tagged = server.git("rev-parse", "v1.2.3").strip()
    result = hook(server, "update", "refs/tags/v1.2.3", tagged, ZERO)
    assert result.returncode == 1 and "deleting release tag v1.2.3 is blocked" in result.stderr
    assert hook(server, "update", "refs/heads/feature", ZERO, tagged).returncode == 0


def test_config_on_the_server_from_a_file(site: tuple[GitRepo, GitRepo], tmp_path: Path) -> None:
    server, _ = site
    config = tmp_path / "guard.toml"
    config.write_text('protected-branches = ["main", "release"]\n')
    tagged = server.git("rev-parse", "main").strip()
    line = f"{tagged} {ZERO} refs/heads/release\n"
    assert hook(server, "pre-receive", stdin=line).returncode == 0
    result = hook(server, "pre-receive", "--config", str(config), stdin=line)
    assert result.returncode == 1 and "deleting protected branch release is blocked" in result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "said"),
    [
        (["pre-receive"], "abc def refs/heads/x\n", "cannot read line 1 of the pre-receive input"),
        (["pre-receive"], f"{ZERO} {ZERO} main\n", "expected '<old sha> <new sha> <ref>'"),
        # fed by hand with CRLF: `refs/heads/main\r` is no ref any rule protects, so it must not pass
        (["pre-receive"], f"{'1' * 40} {ZERO} refs/heads/main\r\n", "cannot read line 1 of the pre-receive input"),
        (["update", "refs/heads/x"], "", "the update hook takes REF OLD NEW, got 1 arguments"),
    ],
)
def test_bad_server_hook_input_is_a_one_line_error(
    site: tuple[GitRepo, GitRepo], args: list[str], stdin: str, said: str
) -> None:
    server, _ = site
    result = hook(server, *args, stdin=stdin)
    assert result.returncode == 2 and said in result.stderr and result.stderr.count("\n") == 1


# --- install-hooks --server and doctor -------------------------------------------


@pytest.mark.parametrize("hook_type", SERVER_HOOK_TYPES)
def test_hooks_directory_holds_the_server_shims_install_writes(hook_type: str) -> None:
    assert (CHECKOUT / "hooks" / hook_type).read_text() == shim_text(hook_type)


def test_install_server_keeps_a_backup_and_uninstall_restores_it(tmp_path: Path) -> None:
    server = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(server)], check=True)
    theirs = server / "hooks" / "pre-receive"
    theirs.write_text("#!/bin/sh\nexit 0\n")
    refused = run_cli(server, "install-hooks", "--server")
    assert refused.exit_code == 2 and "hotfix-guard install-hooks --server --force" in refused.stderr
    done = run_cli(server, "install-hooks", "--server", "--force")
    assert done.exit_code == 0 and f"moved the other hook aside to {theirs}{BACKUP_SUFFIX}" in done.stdout
    assert "git -C" in done.stdout and "config receive.advertisePushOptions true" in done.stdout
    assert theirs.read_text() == shim_text("pre-receive")
    assert run_cli(server, "uninstall-hooks").exit_code == 0
    assert theirs.read_text() == "#!/bin/sh\nexit 0\n" and not (server / "hooks" / "post-receive").exists()


def test_install_refuses_the_wrong_side(site: tuple[GitRepo, GitRepo]) -> None:
    server, clone = site
    assert "is a bare repository" in run_cli(server, "install-hooks").stderr
    assert "is not a bare repository" in run_cli(clone, "install-hooks", "--server").stderr
    assert "unknown hook type 'pre-push'" in run_cli(server, "install-hooks", "--server", "--hooks", "pre-push").stderr


def test_doctor_on_a_bare_repository_reports_the_server_hooks(site: tuple[GitRepo, GitRepo]) -> None:
    server, _ = site
    result = run_cli(server, "doctor")
    assert result.exit_code == 0, result.stdout
    for line in ("  pre-receive  hotfix-guard", "  post-receive hotfix-guard", "  update       none"):
        assert line in result.stdout
    assert "push options: accepted" in result.stdout
    server.git("config", "receive.advertisePushOptions", "false")
    (server.path / "hooks" / "post-receive").unlink()
    result = run_cli(server, "doctor")
    assert result.exit_code == 1
    assert "fix: hotfix-guard install-hooks --server --hooks post-receive" in result.stdout
    assert "config receive.advertisePushOptions true" in result.stdout


def test_an_override_is_refused_where_post_receive_cannot_record_it(site: tuple[GitRepo, GitRepo]) -> None:
    server, clone = site
    (server.path / "hooks" / "post-receive").unlink()
    before = server.refs()
    result = push(clone, "-o", "hotfix-guard.override=INC-1", "origin", "--delete", "v1.2.3")
    assert result.returncode == 1 and "the override cannot be recorded, so it is refused" in result.stderr
    assert server.refs() == before


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ([], None),
        (["ci.skip", "hotfix-guard.override=INC-1:\x1b[2J  wiped\tscreen"], "INC-1: [2J wiped screen"),
        (["hotfix-guard.override=first", "hotfix-guard.override"], ""),
        (["hotfix-guard.overrides=INC-2"], None),
    ],
)
def test_the_override_reason_comes_from_push_options_on_one_printable_line(
    monkeypatch: pytest.MonkeyPatch, options: list[str], reason: str | None
) -> None:
    from hotfix_guard.prereceive import override_reason

    monkeypatch.setenv("GIT_PUSH_OPTION_COUNT", str(len(options)))
    for index, option in enumerate(options):
        monkeypatch.setenv(f"GIT_PUSH_OPTION_{index}", option)
    assert override_reason() == reason


def test_server_hooks_refuse_repo_which_would_hide_the_quarantine(site: tuple[GitRepo, GitRepo]) -> None:
    server, _ = site
    result = run_cli(server, "hook", "pre-receive")
    assert result.exit_code == 2 and "drop --repo" in result.stderr


def test_the_update_hook_installed_alone_blocks_a_real_push(site: tuple[GitRepo, GitRepo]) -> None:
    server, clone = site
    assert run_cli(server, "uninstall-hooks").exit_code == 0
    assert run_cli(server, "install-hooks", "--server", "--hooks", "update").exit_code == 0
    before = server.refs()
    result = push(clone, "origin", "--delete", "v1.2.3")
    assert result.returncode == 1 and "deleting release tag v1.2.3 is blocked" in result.stderr
    assert "(hook declined)" in result.stderr and server.refs() == before


def test_a_server_whose_head_names_another_main_takes_that_branchs_config(site: tuple[GitRepo, GitRepo]) -> None:
    """A bare repository's HEAD stands for a clone's origin/HEAD: main found as `trunk`, its config rules."""
    server, clone = site
    clone.switch("trunk", "main")
    clone.commit("chore: config", **{".hotfix-guard.toml": 'main-branch = "trunk"\nrelease-tags-on-main = false\n'})
    assert push(clone, "origin", "trunk").returncode == 0
    server.git("symbolic-ref", "HEAD", "refs/heads/trunk")
    server.git("update-ref", "-d", "refs/heads/main")
    premature_tag(clone)
    result = push(clone, "origin", "v1.2.4")
    assert (result.returncode, remote_lines(result)) == (0, []), result.stderr


# --- which branch rules a server (review of issue 14, findings 1 to 3) --------------------


def test_a_servers_remote_tracking_refs_never_give_its_rules(site: tuple[GitRepo, GitRepo]) -> None:
    """Found in review: any pusher could write refs/remotes/origin/main on the server, whose config
    (and history, for "tag on main") then ruled. A bare repository's main is only refs/heads/<main>."""
    server, clone = site
    clone.switch("loose", "main")
    loose = 'branch-prefix = "x/"\nprotected-branches = []\ntag-prefix = "zzz"\n'
    clone.commit("chore: loosen", **{".hotfix-guard.toml": loose})
    assert push(clone, "origin", "HEAD:refs/remotes/origin/main").returncode == 0  # an unguarded ref
    before = server.refs()
    result = push(clone, "-f", "origin", "v1.2.3:refs/heads/main", ":refs/tags/v1.2.3")
    assert result.returncode == 1 and "deleting release tag v1.2.3 is blocked" in result.stderr, result.stderr
    assert server.refs() == before
    sha = hotfix_commit(clone)
    assert push(clone, "-f", "origin", "HEAD:refs/remotes/origin/main").returncode == 0
    clone.tag("v1.2.4")
    result = push(clone, "origin", "v1.2.4")
    assert result.returncode == 1 and f"release tag v1.2.4 points at {sha[:10]}, which is not on main" in result.stderr
    assert "refs/tags/v1.2.4" not in server.refs()


def test_a_servers_head_names_main_and_a_pushed_main_branch_cannot_take_over(site: tuple[GitRepo, GitRepo]) -> None:
    """Found in review: on a server whose main is trunk (its HEAD), a pushed refs/heads/main with
    its own main-branch took over the rules. HEAD's branch is main, and (its config setting no
    main-branch) main-branch, protected and "on main" all follow it."""
    server, clone = site
    clone.git("push", "-q", "--no-verify", "origin", "main:trunk")
    server.git("symbolic-ref", "HEAD", "refs/heads/trunk")
    server.git("update-ref", "-d", "refs/heads/main")
    clone.switch("evil", "main")
    clone.commit("chore: take over", **{".hotfix-guard.toml": 'main-branch = "main"\ntag-prefix = "zzz"\n'})
    assert push(clone, "origin", "evil:refs/heads/main").returncode == 0
    result = push(clone, "origin", ":refs/tags/v1.2.3")
    assert result.returncode == 1 and "deleting release tag v1.2.3 is blocked" in result.stderr, result.stderr
    clone.git("switch", "-q", "-c", "trunk", "v1.2.3")  # the release commit, as trunk holds it
    clone.git("commit", "-q", "--amend", "-m", "feat: rewritten")
    result = push(clone, "-f", "origin", "trunk")
    assert result.returncode == 1 and "not a fast-forward of protected branch trunk" in result.stderr, result.stderr
    clone.git("reset", "-q", "--hard", "v1.2.3")
    clone.commit("feat: on trunk")
    clone.tag("v1.2.4")
    result = push(clone, "origin", "trunk", "v1.2.4")
    assert (result.returncode, remote_lines(result)) == (0, []), result.stderr


def test_a_broken_config_never_lands_on_main_and_one_already_there_says_how_to_recover(
    site: tuple[GitRepo, GitRepo],
) -> None:
    """Found in review: judged by the old rules, `release-tags-on-main = "yes"` landed on main, and
    then every push was refused, the fix's included. The new config is proven first (no override)."""
    server, clone = site
    broken = clone.commit("chore: config", **{".hotfix-guard.toml": 'release-tags-on-main = "yes"\n'})
    before = server.refs()
    result = push(clone, "-o", "hotfix-guard.override=INC-1: please", "origin", "main")
    said = remote_lines(result)
    assert result.returncode == 1 and len(said) == 1, result.stderr
    assert said[0].startswith(
        f"hotfix-guard: push rejected by the server: the config it puts on main ({broken[:10]}) does not load: "
        f"'release-tags-on-main' in .hotfix-guard.toml at main {broken[:7]} must be true or false"
    )
    assert server.refs() == before
    # Already on main (put there where no hook runs): every push is refused, saying how to recover.
    server.git("fetch", "-q", str(clone.path), "main:main")
    clone.switch("feature", "v1.2.3")
    result = push(clone, "origin", "feature")
    assert result.returncode == 1 and "the server refuses every push until main's config loads" in result.stderr
    clone.git("switch", "-q", "main")
    clone.commit("chore: fix config", **{".hotfix-guard.toml": "release-tags-on-main = true\n"})
    server.git("fetch", "-q", str(clone.path), "main:main")  # the recovery the message gives
    assert push(clone, "origin", "feature").returncode == 0


def test_the_update_hook_refuses_a_tag_pushed_with_main_and_says_to_install_pre_receive(
    site: tuple[GitRepo, GitRepo],
) -> None:
    """Found in review: finish --push (main and its tag, atomically) always failed under the update
    hook, which sees the tag alone. The tag is never let through unseen; the limit is said."""
    server, clone = site
    assert run_cli(server, "uninstall-hooks").exit_code == 0
    assert run_cli(server, "install-hooks", "--server", "--hooks", "update").exit_code == 0
    hotfix_commit(clone)
    clone.git("switch", "-q", "main")
    clone.git("merge", "-q", "--no-ff", "-m", "Merge hotfix/v1.2.4", "hotfix/v1.2.4")
    clone.git("tag", "-a", "-m", "release", "v1.2.4")
    before = server.refs()
    result = push(clone, "--atomic", "origin", "main", "v1.2.4")
    assert result.returncode == 1 and "which is not on main" in result.stderr, result.stderr
    assert "push main first and the tag after it, or have the server's admin install pre-receive" in result.stderr
    assert server.refs() == before
    assert push(clone, "origin", "main").returncode == 0
    assert push(clone, "origin", "v1.2.4").returncode == 0  # main first, then the tag


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_require_signed_tags_refuses_a_signed_tag_under_another_name_and_advises_its_commit(
    site: tuple[GitRepo, GitRepo], tmp_path: Path
) -> None:
    """Found in review: `git push origin v1.2.4:refs/tags/v1.3.0` re-published a signed tag under
    another name; and the advice for an unsigned annotated tag signed the tag object, not its commit."""
    server, clone = site
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tester", "-f", str(key)], check=True)
    (tmp_path / "allowed").write_text(f"tester@example.com {(tmp_path / 'key.pub').read_text()}")
    for repo in (server, clone):
        repo.git("config", "gpg.ssh.allowedSignersFile", str(tmp_path / "allowed"))
    clone.git("config", "gpg.format", "ssh")
    clone.git("config", "user.signingKey", f"{key}.pub")
    commit = clone.commit("chore: config", **{".hotfix-guard.toml": "require-signed-tags = true\n"})
    assert push(clone, "origin", "main").returncode == 0
    clone.git("tag", "-s", "-m", "Release v1.2.4", "v1.2.4")
    result = push(clone, "origin", "v1.2.4:refs/tags/v1.3.0")
    assert result.returncode == 1, result.stderr
    assert "release tag v1.3.0 is blocked by require-signed-tags: it is tag 'v1.2.4' pushed under the name" in (
        result.stderr
    )
    clone.git("tag", "-a", "-m", "Release v1.2.5", "v1.2.5")
    result = push(clone, "origin", "v1.2.5")
    assert result.returncode == 1 and f"git tag -s v1.2.5 -m 'Release v1.2.5' {commit[:10]} " in result.stderr
    assert push(clone, "origin", "v1.2.4").returncode == 0


def test_terminal_escapes_in_a_name_reach_neither_the_note_nor_status(site: tuple[GitRepo, GitRepo]) -> None:
    """Found in review: a committer name with terminal escapes went into the server's override note
    and out on every `status`. The note holds printable text; status shows any note's fields so."""
    server, clone = site
    hotfix_commit(clone, "quick fix")
    env = {**os.environ, "GIT_COMMITTER_NAME": "Eve\x1b]0;owned\x07\x1b[2J"}
    subprocess.run(["git", "commit", "-q", "--amend", "--no-edit"], cwd=clone.path, env=env, check=True)
    assert push(clone, "-o", "hotfix-guard.override=INC-7", "origin", "hotfix/v1.2.4").returncode == 0
    note = server.git("notes", "--ref", NOTES_REF, "show", "hotfix/v1.2.4")
    assert "who: Eve ]0;owned [2J <tester@example.com> (committer of" in note and "\x1b" not in note
    clone.git("fetch", "-q", "origin", f"{NOTES_REF}:{NOTES_REF}")
    clone.git("notes", "--ref", NOTES_REF, "append", "-m", "hotfix-guard override\nref: x\nreason: \x1b[31mred", "main")
    shown = run_cli(clone, "status").stdout
    assert "Eve ]0;owned [2J" in shown and "[31mred" in shown and "\x1b" not in shown and "\x07" not in shown


def test_an_override_post_receive_could_not_record_is_kept_not_dropped_after_a_day(
    site: tuple[GitRepo, GitRepo],
) -> None:
    """Found in review: such a record was deleted silently with the stale ones, 24 hours later."""
    server, clone = site
    lock = server.path / "refs" / "notes" / "hotfix-guard.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")  # the notes ref cannot be updated
    hotfix_commit(clone, "quick fix")
    result = push(clone, "-o", "hotfix-guard.override=INC-8", "origin", "hotfix/v1.2.4")
    assert "was not recorded" in result.stderr and "never dropped; record it by hand: git -C" in result.stderr
    pending = server.path / "hotfix-guard" / "pending-overrides"
    [kept] = os.listdir(pending)
    assert kept.endswith(".failed")
    doctor = run_cli(server.path, "doctor")  # and the server's admin is told, until it is recorded
    assert doctor.exit_code == 1 and f"was never recorded as a note: {pending / kept}" in doctor.output, doctor.output
    os.utime(pending / kept, (0, 0))  # long past PENDING_MAX_AGE
    lock.unlink()
    assert push(clone, "-o", "hotfix-guard.override=INC-9", "origin", "--delete", "v1.2.3").returncode == 0
    assert os.listdir(pending) == [kept]
    [advice] = [line.split("record it by hand: ")[1] for line in remote_lines(result) if "by hand" in line]
    subprocess.run(["sh", "-c", advice], check=True, capture_output=True)  # the advice works as given
    [override] = [o for o in list_overrides(str(server.path)) if o.reason == "INC-8"]
    assert override.ref == "refs/heads/hotfix/v1.2.4"


def test_a_non_bare_repository_receiving_pushes_never_takes_its_checked_out_hotfix_for_main(tmp_path: Path) -> None:
    """Found in review of the benchmark: a non-bare repository that receives pushes (push to
    deploy) had a hotfix branch checked out; its HEAD was taken for main, so the hotfix's push
    was judged as a push of main, by the hotfix's own config, and passed."""
    target = GitRepo(tmp_path / "deploy")
    target.path.mkdir()
    target.git("init", "-q", "-b", "main")
    target.git("config", "receive.denyCurrentBranch", "ignore")
    target.commit("feat: first release", **{"app.py": "print('hello')\n"})
    target.tag("v1.2.3")
    target.switch("hotfix/v1.2.4", "v1.2.3")  # checked out there
    # install-hooks --server refuses a non-bare repository; its shim installed by hand:
    shutil.copy(CHECKOUT / "hooks" / "pre-receive", target.path / ".git" / "hooks" / "pre-receive")
    clone = GitRepo(tmp_path / "clone")
    subprocess.run(["git", "clone", "-q", str(target.path), str(clone.path)], check=True)
    clone.git("switch", "-q", "hotfix/v1.2.4")
    clone.commit("bad message", **{"app.py": "print('fixed')\n"})
    result = push(clone, "origin", "hotfix/v1.2.4")  # the branch checked out there
    assert result.returncode != 0, result.stderr
    lines = remote_lines(result)
    assert any("[commit-message] refs/heads/hotfix/v1.2.4" in line for line in lines), lines


@pytest.mark.parametrize("name", ["feature/nbsp\u00a0here", "feature/line\u2028sep", "feature/next\u0085line"])
def test_a_branch_name_with_a_unicode_space_or_line_break_is_read_as_git_wrote_it(
    site: tuple[GitRepo, GitRepo], name: str
) -> None:
    """`<old> <new> <ref>\\n`, split where git splits it: at "\\n" and " " only."""
    _, clone = site
    clone.switch(name, "v1.2.3")
    clone.commit("feat: not a hotfix", **{"feature.py": "x\n"})
    pushed = push(clone, "origin", name)
    assert pushed.returncode == 0, pushed.stderr
    hotfix_commit(clone, "quick fix")
    pushed = push(clone, "origin", name, "hotfix/v1.2.4")
    assert pushed.returncode != 0 and any("HOTFIX" in line for line in remote_lines(pushed))
