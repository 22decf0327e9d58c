"""The config follows the hotfix: a repository whose config was added on main after its last release.

The hotfix branch is cut from the release, whose tree has no config; every command that
judges it must still apply main's committed rules (issue 11, section 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli

from hotfix_guard.mainconfig import is_bare

MAIN_CONFIG = '[file-count]\nmax-files = 1\n[commit-message]\ntypes = ["fix", "chore"]\n'


@pytest.fixture
def adopted(released: GitRepo) -> GitRepo:
    """Release v1.2.3 without config; main then adds .hotfix-guard.toml (max-files = 1)."""
    released.commit("chore: adopt hotfix-guard", **{".hotfix-guard.toml": MAIN_CONFIG})
    return released


@pytest.fixture
def on_hotfix(adopted: GitRepo) -> GitRepo:
    adopted.switch("hotfix/v1.2.4", "v1.2.3")
    return adopted


def short(repo: GitRepo, ref: str = "main") -> str:
    return repo.git("rev-parse", "--short=7", ref).strip()


def test_validate_enforces_mains_max_files_on_the_hotfix_branch(on_hotfix: GitRepo) -> None:
    assert not (on_hotfix.path / ".hotfix-guard.toml").exists()
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n", "b.py": "x\n"})
    result = run_cli(on_hotfix, "validate")
    assert result.exit_code == 1
    assert "2 files changed, the limit is 1" in result.stdout
    assert f"config: .hotfix-guard.toml at main {short(on_hotfix)}\n" in result.stdout


def test_validate_json_says_where_the_rules_came_from(on_hotfix: GitRepo) -> None:
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    document = json.loads(run_cli(on_hotfix, "--format", "json", "validate").stdout)
    assert document["config"] == {
        "kind": "main",
        "file": ".hotfix-guard.toml",
        "branch": "main",
        "commit": on_hotfix.git("rev-parse", "main").strip(),
        "text": f".hotfix-guard.toml at main {short(on_hotfix)}",
    }


def test_the_pre_commit_hook_enforces_mains_rules(on_hotfix: GitRepo) -> None:
    on_hotfix.write("app.py", "print('fixed')\n")
    on_hotfix.write("b.py", "x\n")
    on_hotfix.git("add", "-A")
    result = subprocess.run(
        ["python", "-m", "hotfix_guard", "hook", "pre-commit"], cwd=on_hotfix.path, capture_output=True, text=True
    )
    assert result.returncode == 1 and "the limit is 1" in result.stderr


def test_status_shows_the_release_tag_and_the_config_source(on_hotfix: GitRepo) -> None:
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    text = run_cli(on_hotfix, "status").stdout
    assert "Production: v1.2.3" in text
    assert "Current branch: hotfix/v1.2.4 (hotfix branch, base v1.2.3" in text
    assert f"Config: .hotfix-guard.toml at main {short(on_hotfix)}" in text
    facts = json.loads(run_cli(on_hotfix, "status", "--format", "json").stdout)
    assert facts["config"]["kind"] == "main" and facts["production"]["tag"] == "v1.2.3"


def test_mains_tag_prefix_is_what_the_push_guard_recognises(released: GitRepo, tmp_path: Path) -> None:
    released.tag("rel-1.2.3")
    released.commit("chore: adopt hotfix-guard", **{".hotfix-guard.toml": 'tag-prefix = "rel-"\n'})
    released.switch("hotfix/rel-1.2.4", "v1.2.3")
    released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    released.tag("rel-1.2.4")  # a release tag on the unmerged hotfix: premature
    origin = GitRepo(tmp_path / "origin.git")
    origin.path.mkdir()
    origin.git("init", "-q", "--bare")
    released.git("remote", "add", "origin", str(origin.path))
    ok = subprocess.run(["python", "-m", "hotfix_guard", "install-hooks", "--hooks", "pre-push"], cwd=released.path)
    assert ok.returncode == 0
    push = subprocess.run(
        ["git", "push", "-q", "origin", "rel-1.2.4"], cwd=released.path, capture_output=True, text=True
    )
    assert push.returncode == 1 and "rel-1.2.4" in push.stderr
    assert "rel-1.2.4" not in origin.refs()


def test_a_hotfix_editing_the_config_is_an_error_and_mains_rules_still_apply(on_hotfix: GitRepo) -> None:
    loosened = "[file-count]\nmax-files = 50\n"
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n", ".hotfix-guard.toml": loosened})
    result = run_cli(on_hotfix, "validate")
    assert result.exit_code == 1
    assert "error   [config-change] .hotfix-guard.toml: the hotfix adds .hotfix-guard.toml" in result.stdout
    assert "2 files changed, the limit is 1" in result.stdout  # main's max-files, not the hotfix's 50


@pytest.mark.parametrize(
    ("before", "after", "flagged"),
    [
        ('[project]\nversion = "1.2.3"\n', '[project]\nversion = "1.2.4"\n', False),
        (
            '[project]\nversion = "1.2.3"\n[tool.hotfix-guard.file-count]\nmax-files = 1\n',
            '[project]\nversion = "1.2.4"\n[tool.hotfix-guard.file-count]\nmax-files = 1\n',
            False,
        ),
        (
            '[project]\nversion = "1.2.3"\n[tool.hotfix-guard.file-count]\nmax-files = 1\n',
            '[project]\nversion = "1.2.3"\n[tool.hotfix-guard.file-count]\nmax-files = 9\n',
            True,
        ),
        ('[project]\nversion = "1.2.3"\n', '[project]\nversion = "1.2.3"\n[tool.hotfix-guard]\nremote = "x"\n', True),
    ],
    ids=["version-bump", "bump-beside-the-table", "table-changed", "table-added"],
)
def test_pyproject_only_its_hotfix_guard_table_counts(repo: GitRepo, before: str, after: str, flagged: bool) -> None:
    repo.commit("feat: first release", **{"pyproject.toml": before})
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4")
    repo.commit(GOOD_MESSAGE, **{"pyproject.toml": after})
    result = run_cli(repo, "check", "config-change")
    assert ("[config-change]" in result.stdout) is flagged, result.stdout
    assert result.exit_code == (1 if flagged else 0)


def test_setup_cfg_sections_count(repo: GitRepo) -> None:
    repo.commit("feat: first release", **{"setup.cfg": "[metadata]\nversion = 1.2.3\n"})
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4")
    repo.commit(
        GOOD_MESSAGE, **{"setup.cfg": "[metadata]\nversion = 1.2.3\n[hotfix-guard.file-count]\nmax-files = 9\n"}
    )
    result = run_cli(repo, "check", "config-change")
    assert result.exit_code == 1 and "adds its [hotfix-guard] sections in setup.cfg" in result.stdout


def test_config_option_still_wins(on_hotfix: GitRepo, tmp_path: Path) -> None:
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n", "b.py": "x\n"})
    explicit = tmp_path / "loose.toml"
    explicit.write_text("[file-count]\nmax-files = 5\n")
    result = run_cli(on_hotfix, "--config", str(explicit), "validate", "--skip", "focused-tests")
    assert result.exit_code == 0, result.stdout
    assert f"config: {explicit} (--config)" in result.stdout


def test_unreadable_main_config_is_a_loud_error(released: GitRepo) -> None:
    released.commit("chore: adopt", **{".hotfix-guard.toml": "[file-count\nmax-files = 1\n"})
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    result = run_cli(released, "validate")
    assert result.exit_code == 2
    assert f".hotfix-guard.toml at main {short(released)}: invalid TOML" in result.stderr
    hook = subprocess.run(
        ["python", "-m", "hotfix_guard", "hook", "commit-msg", os.devnull], cwd=released.path, capture_output=True
    )
    assert hook.returncode == 2 and b"invalid TOML" in hook.stderr


def test_the_work_tree_config_applies_where_main_has_none(released: GitRepo) -> None:
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    released.write(".hotfix-guard.toml", "[diff-size]\nmax-lines = 1\n")
    result = run_cli(released, "validate", "--skip", "config-change")
    assert f"config: .hotfix-guard.toml in the work tree (main {short(released)} has none)" in result.stdout


@pytest.mark.parametrize("main_name", ["trunk", "master"])
def test_bootstrap_finds_main_by_the_remotes_head_or_master(repo: GitRepo, tmp_path: Path, main_name: str) -> None:
    repo.git("checkout", "-q", "-b", main_name)
    repo.commit("feat: first release", **{"app.py": "x\n"})
    repo.tag("v1.2.3")
    repo.commit("chore: adopt", **{".hotfix-guard.toml": f'main-branch = "{main_name}"\n' + MAIN_CONFIG})
    if main_name == "trunk":  # found through origin/HEAD only
        repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
        repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
        repo.git("checkout", "-q", "--detach")
        repo.git("branch", "-D", "trunk")
    repo.switch("hotfix/v1.2.4", "v1.2.3")
    result = run_cli(repo, "doctor")
    where = "origin/trunk" if main_name == "trunk" else "master"
    assert f"config: .hotfix-guard.toml at {where} " in result.stdout


def test_after_finish_abort_the_config_is_mains(on_hotfix: GitRepo) -> None:
    on_hotfix.switch("develop", "main")
    on_hotfix.commit("feat: develop", **{"app.py": "print('develop')\n"})
    on_hotfix.git("switch", "-q", "hotfix/v1.2.4")
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    stopped = run_cli(on_hotfix, "finish")
    assert stopped.exit_code == 1, stopped.output  # the back-merge into develop conflicts
    assert run_cli(on_hotfix, "finish", "--abort").exit_code == 0
    assert on_hotfix.git("branch", "--show-current").strip() == "hotfix/v1.2.4"
    result = run_cli(on_hotfix, "validate", "--skip", "focused-tests")
    assert f"config: .hotfix-guard.toml at main {short(on_hotfix)}" in result.stdout


def test_rollback_keeps_mains_config_and_says_so(on_hotfix: GitRepo) -> None:
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    on_hotfix.git("switch", "-q", "main")
    on_hotfix.git("merge", "-q", "--no-ff", "-m", "Merge hotfix/v1.2.4", "hotfix/v1.2.4")
    on_hotfix.tag("v1.2.4")
    result = run_cli(on_hotfix, "rollback")
    assert result.exit_code == 0, result.output
    assert on_hotfix.git("show", "main:.hotfix-guard.toml") == MAIN_CONFIG
    assert on_hotfix.git("show", "main:app.py") == "print('hello')\n"
    assert on_hotfix.git("diff", "--name-only", "v1.2.3", "main").split() == [".hotfix-guard.toml"]
    message = on_hotfix.git("log", "-1", "--format=%B", "main")
    assert "restores the code of release v1.2.3, without rewriting history" in message
    assert "hotfix-guard's config is kept as main has it (.hotfix-guard.toml)" in message
    assert "not its lack of a config" in message
    assert f"config: .hotfix-guard.toml at main {short(on_hotfix)}" in run_cli(on_hotfix, "doctor").stdout


def test_rollback_splices_mains_table_into_the_releases_pyproject(repo: GitRepo) -> None:
    repo.commit("feat: first", **{"pyproject.toml": '[project]\nname = "app"\nversion = "1.2.3"\n', "app.py": "a\n"})
    repo.tag("v1.2.3")
    table = "[tool.hotfix-guard.file-count]\nmax-files = 1\n"
    repo.commit("chore: adopt", **{"pyproject.toml": f'[project]\nname = "app"\nversion = "1.2.3"\n\n{table}'})
    repo.commit("fix: HOTFIX - bad", **{"pyproject.toml": f'[project]\nname = "app"\nversion = "1.2.4"\n\n{table}'})
    repo.tag("v1.2.4")
    assert run_cli(repo, "rollback").exit_code == 0
    assert repo.git("show", "main:pyproject.toml") == f'[project]\nname = "app"\nversion = "1.2.3"\n\n{table}'


def test_rollback_of_a_release_with_the_same_config_restores_the_exact_tree(repo: GitRepo) -> None:
    repo.commit("feat: first", **{".hotfix-guard.toml": MAIN_CONFIG, "app.py": "a\n"})
    repo.tag("v1.2.3")
    repo.commit("fix: HOTFIX - bad", **{"app.py": "b\n"})
    repo.tag("v1.2.4")
    assert run_cli(repo, "rollback").exit_code == 0
    assert repo.git("rev-parse", "main^{tree}") == repo.git("rev-parse", "v1.2.3^{tree}")
    assert "exactly the tree of release v1.2.3" in repo.git("log", "-1", "--format=%B", "main")


def test_the_cached_main_config_follows_main(on_hotfix: GitRepo) -> None:
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n", "b.py": "x\n"})
    assert run_cli(on_hotfix, "validate").exit_code == 1
    on_hotfix.git("switch", "-q", "main")
    on_hotfix.commit("chore: loosen", **{".hotfix-guard.toml": "[file-count]\nmax-files = 2\n"})
    on_hotfix.git("pack-refs", "--all")  # main now read from packed-refs
    on_hotfix.git("switch", "-q", "hotfix/v1.2.4")
    result = run_cli(on_hotfix, "validate", "--skip", "focused-tests")
    assert result.exit_code == 0, result.stdout
    assert f"at main {short(on_hotfix)}" in result.stdout


@pytest.mark.parametrize("setting", ["diff.noprefix", "diff.mnemonicPrefix", "diff.relative"])
def test_config_change_is_seen_whatever_the_users_diff_settings(repo: GitRepo, setting: str) -> None:
    """Found in review: each of these settings changed git diff's paths and hid the change."""
    table = '[project]\nversion = "1.2.3"\n[tool.hotfix-guard.file-count]\nmax-files = {}\n'
    repo.commit("feat: first release", **{"pyproject.toml": table.format(1), "sub/x.py": "x\n"})
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4")
    repo.commit(GOOD_MESSAGE, **{"pyproject.toml": table.format(9), "sub/x.py": "y\n"})
    repo.git("config", setting, "true")
    result = subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "check", "config-change"],
        cwd=repo.path / "sub",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "[config-change]" in result.stdout, result.stdout + result.stderr


def test_a_cached_copy_cut_short_is_not_taken_for_no_config(on_hotfix: GitRepo) -> None:
    """Found in review: a cache cut between its records read as "main has no config"."""
    on_hotfix.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n", "b.py": "x\n"})
    assert run_cli(on_hotfix, "validate").exit_code == 1  # main's max-files = 1; the copy is written
    cache = on_hotfix.path / ".git" / "hotfix-guard" / "main-config"
    for cut in (cache.read_bytes().split(b"\n", 1)[0] + b"\n", cache.read_bytes()[:-4]):
        cache.write_bytes(cut)
        result = run_cli(on_hotfix, "validate")
        assert result.exit_code == 1 and "at main" in result.stdout, result.stdout


def test_a_hotfix_cannot_choose_which_branch_is_main(released: GitRepo) -> None:
    """Found in review: the work tree's main-branch picked the hotfix branch itself, whose config
    then loosened every rule. Main is found before any config is read."""
    released.commit("chore: config", **{".hotfix-guard.toml": "[file-count]\nmax-files = 1\n"})
    released.switch("hotfix/v1.2.4", "v1.2.3")
    loose = 'main-branch = "hotfix/v1.2.4"\n[file-count]\nmax-files = 50\n[config-change]\nseverity = "off"\n'
    released.commit(GOOD_MESSAGE, **{".hotfix-guard.toml": loose, "a.py": "a\n", "b.py": "b\n"})
    result = run_cli(released, "validate", "--skip", "focused-tests")
    assert result.exit_code == 1 and "at main " in result.stdout, result.stdout
    assert "[file-count]" in result.stdout and "[config-change]" in result.stdout


def test_main_renamed_in_mains_own_config_is_followed(repo: GitRepo) -> None:
    """No main, master or remote HEAD: the work tree may name main, but never a hotfix branch."""
    repo.git("symbolic-ref", "HEAD", "refs/heads/trunk")
    repo.commit(
        "feat: first", **{"app.py": "x\n", ".hotfix-guard.toml": 'main-branch = "trunk"\n[file-count]\nmax-files = 1\n'}
    )
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4")
    repo.commit(GOOD_MESSAGE, **{"a.py": "a\n", "b.py": "b\n"})
    result = run_cli(repo, "validate", "--skip", "focused-tests")
    assert result.exit_code == 1 and "at trunk " in result.stdout, result.stdout
    repo.write(".hotfix-guard.toml", 'main-branch = "hotfix/v1.2.4"\n')
    refused = run_cli(repo, "validate", "--skip", "focused-tests")
    assert refused.exit_code == 2 and "names the branch checked out" in refused.stderr


def test_no_main_branch_is_said_loudly_not_passed_over(repo: GitRepo) -> None:
    """Found in review: with main renamed and its config out of reach, the defaults applied and
    validate passed with a quiet config line."""
    repo.git("symbolic-ref", "HEAD", "refs/heads/trunk")
    repo.commit("feat: first", **{"app.py": "x\n"})
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4")
    repo.commit(GOOD_MESSAGE, **{"app.py": "y\n"})
    result = run_cli(repo, "validate", "--skip", "focused-tests")
    assert "warning: config: defaults (no config file; no main branch found" in result.stdout
    doctor = run_cli(repo, "doctor")
    assert doctor.exit_code == 1 and "no main branch found" in doctor.stdout


def test_a_config_committed_as_a_symbolic_link_is_followed_inside_the_repository(released: GitRepo) -> None:
    """Found in review: a symlinked .hotfix-guard.toml on main read as its link text ("invalid TOML")."""
    released.write("ci/hotfix-guard.toml", "[file-count]\nmax-files = 1\n")
    (released.path / ".hotfix-guard.toml").symlink_to("ci/hotfix-guard.toml")
    released.commit("chore: config")
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(GOOD_MESSAGE, **{"a.py": "a\n", "b.py": "b\n"})
    result = run_cli(released, "validate", "--skip", "focused-tests")
    assert result.exit_code == 1 and "[file-count]" in result.stdout and "at main " in result.stdout, result.output
    released.git("switch", "-q", "main")
    (released.path / ".hotfix-guard.toml").unlink()
    (released.path / ".hotfix-guard.toml").symlink_to("/etc/hostname")
    released.commit("chore: config elsewhere")
    released.git("switch", "-q", "hotfix/v1.2.4")
    outside = run_cli(released, "validate", "--skip", "focused-tests")
    assert outside.exit_code == 2 and "is a symbolic link that leads out of the repository" in outside.stderr


def test_a_local_main_behind_the_remotes_takes_the_remotes_rules(adopted: GitRepo, tmp_path: Path) -> None:
    """Found in review: a clone that fetched but did not pull main judged hotfixes by the
    defaults of its old local main, although origin/main holds the team's config."""
    adopted.git("update-ref", "refs/remotes/origin/main", "main")
    adopted.switch("hotfix/v1.2.4", "v1.2.3")
    adopted.git("branch", "-f", "main", "v1.2.3")  # local main: the release, without the config
    adopted.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n", "b.py": "x\n"})
    result = run_cli(adopted, "validate", "--skip", "focused-tests")
    assert result.exit_code == 1 and "2 files changed, the limit is 1" in result.stdout, result.stdout
    assert f"config: .hotfix-guard.toml at origin/main {short(adopted, 'origin/main')}" in result.stdout
    # The decision is kept with the copy: the next hook asks git nothing to find the rules.
    trace = tmp_path / "trace"
    message = adopted.write(".git/COMMIT_EDITMSG", "feat: not a hotfix message\n")
    command = [sys.executable, "-m", "hotfix_guard", "hook", "commit-message", str(message)]
    env = {**os.environ, "HOTFIX_GUARD_TRACE_GIT": str(trace)}
    hooked = subprocess.run(command, cwd=adopted.path, capture_output=True, text=True, env=env)
    assert hooked.returncode == 1 and "[commit-message]" in hooked.stdout + hooked.stderr, hooked
    assert not trace.exists() or "merge-base" not in trace.read_text()
    # A local main ahead of (or beside) the remote's keeps its own rules.
    adopted.git("switch", "-q", "main")
    adopted.git("reset", "-q", "--hard", "origin/main")
    adopted.commit("chore: loosen", **{".hotfix-guard.toml": "[file-count]\nmax-files = 2\n"})
    adopted.git("switch", "-q", "hotfix/v1.2.4")
    result = run_cli(adopted, "validate", "--skip", "focused-tests")
    assert result.exit_code == 0 and f"at main {short(adopted)}" in result.stdout, result.stdout


def test_main_found_by_the_bootstrap_rule_is_main_branch_where_its_config_names_none(repo: GitRepo) -> None:
    """Found in review: main found as origin/trunk (origin/HEAD) ruled with its config, but
    main-branch stayed `main`: trunk was not protected and no release tag was ever "on main"."""
    from hotfix_guard.config import load_config

    repo.git("checkout", "-q", "-b", "trunk")
    repo.commit("chore: adopt", **{"app.py": "x\n", ".hotfix-guard.toml": MAIN_CONFIG})
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    repo.git("checkout", "-q", "--detach")
    repo.git("branch", "-D", "trunk")
    config = load_config(str(repo.path))
    assert (config.main_branch, config.protected_branches) == ("trunk", ("trunk",)), config.origin
    repo.commit("chore: named", **{".hotfix-guard.toml": 'main-branch = "release"\n'})
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    config = load_config(str(repo.path))  # a main-branch set in main's config wins, and is protected
    assert (config.main_branch, config.protected_branches) == ("release", ("release",)), config.origin


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("[core]\n\tbare = true\n", True),
        ("[core]\n\tbare = false\n", False),
        ("[ core ]\n\tbare\n", True),  # `bare` alone is true, as git reads it
        ("[Core]\n\tBare = Yes\n", True),
        ("", False),
        # a key of a subsection is not core's, though no [section] line came between
        ('[core]\n\tbare = false\n[remote "origin"]\n\tbare = true\n', False),
        ('[core]\n[remote "x"]\n\turl = y\n[core]\n\tbare = on\n', True),
        ("[core]\n\tbare = true\n[core]\n\tbare = false\n", False),  # git takes the last one
    ],
)
def test_is_bare_reads_core_bare_from_the_config_file(tmp_path: Path, text: str, bare: bool) -> None:
    (tmp_path / "config").write_text(text)
    assert is_bare(str(tmp_path)) is bare


def test_is_bare_agrees_with_git(tmp_path: Path) -> None:
    for flags, bare in ((["--bare"], True), ([], False)):
        path = tmp_path / f"repo{len(flags)}"
        subprocess.run(["git", "init", "-q", *flags, str(path)], check=True)
        assert is_bare(str(path if bare else path / ".git")) is bare
