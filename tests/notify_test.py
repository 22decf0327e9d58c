"""`hotfix-guard notify` for both audiences: values from the repository filled in, the
rest visible placeholders, templates from files named in config."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from incidents import FIX, LOG, finished, in_progress


def config(repo: GitRepo, text: str) -> None:
    """Config that lives outside the work tree, so the hotfix's change stays as it is."""
    repo.write(".git/guard.toml", text)


def template(repo: GitRepo, name: str, text: str | bytes) -> None:
    """A template file git tracks: added to the index (a template need not be committed)."""
    repo.write(name, text)
    repo.git("add", "--", name)


def notify(repo: GitRepo, *args: str) -> str:
    options = ["--config", str(repo.path / ".git/guard.toml")] if (repo.path / ".git/guard.toml").exists() else []
    result = run_cli(repo, *options, "notify", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_team_message_while_in_progress(released: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    shas = in_progress(released, monkeypatch)
    assert notify(released, "--team").splitlines() == [
        "Subject: [HOTFIX CRITICAL] Login accepts empty tokens",
        "",
        "Team, a hotfix is under way.",
        "",
        "Issue: Login accepts empty tokens",
        "Severity: critical: complete service failure (budget 15-30 min; approval: release manager)",
        "Impact: <fill in: impact>",
        "Timeline: started 2026-01-02 10:00 UTC; ETA 2026-01-02 10:30 UTC at the latest (critical: 15-30 min from the start)",
        "Version: 1.2.3 → 1.2.4",
        "",
        "Details:",
        "- hotfix/v1.2.4 from v1.2.3 (in progress)",
        "- 2 commits, 2 files, 4 lines changed:",
        f"  - {shas['first'][:10]} {FIX}",
        f"  - {shas['second'][:10]} {LOG}",
        "",
        "Next steps:",
        "1. Approval of the fix on hotfix/v1.2.4: release manager",
        "2. hotfix-guard validate",
        "3. hotfix-guard finish --push",
        "4. Tell users once released: hotfix-guard notify --users v1.2.4",
    ]


def test_users_notice_after_release_with_configured_install_command(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished(released, monkeypatch, tmp_path)
    config(released, '[notify]\ninstall-command = "pip install -U shop"\n')
    assert notify(released, "--users", "v1.2.4").splitlines() == [
        "Subject: Fixed in 1.2.4: Login accepts empty tokens",
        "",
        "What happened: Login accepts empty tokens",
        "Affected versions: 1.2.3 (derived from git blame of the 1 line the fix changes in 1 file at v1.2.3: "
        "last changed by 1 commit, the earliest of them first released in v1.2.3)",
        "Fixed in: 1.2.4 (released 2026-01-02 10:20 UTC)",
        "How to update: pip install -U shop",
    ]


def test_team_message_after_release_says_released_and_what_next(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished(released, monkeypatch, tmp_path)
    text = notify(released, "--team", "hotfix/v1.2.4")
    assert "Timeline: started 2026-01-02 10:00 UTC; released 2026-01-02 10:20 UTC\n" in text
    assert "2. Tell users: hotfix-guard notify --users v1.2.4\n" in text


def test_unknown_values_are_visible_placeholders(hotfix: GitRepo) -> None:
    users = notify(hotfix, "--users")
    assert "What happened: <fill in: what happened>\n" in users
    assert "Fixed in: 1.2.4 (not released yet)\n" in users
    assert "How to update: <fill in: how to update, e.g. pip install -U NAME>\n" in users
    team = notify(hotfix, "--team")
    assert "Subject: [HOTFIX <fill in: severity>] <fill in: issue summary>\n" in team
    assert "; ETA <fill in: ETA>\n" in team


def test_template_file_named_in_config_replaces_the_built_in(hotfix: GitRepo) -> None:
    template(hotfix, "templates/users.txt", "$new_version is out ($$0): $install_command\n")
    config(hotfix, '[notify]\ninstall-command = "npm install -g shop@latest"\nusers-template = "templates/users.txt"\n')
    assert notify(hotfix, "--users") == "1.2.4 is out ($0): npm install -g shop@latest\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            None,
            "names 'missing.txt', which cannot be read (No such file or directory); create it or remove the key",
        ),
        (
            "Hello $nobody\n",
            "uses $nobody, which notify does not fill; use: $affected_how, $affected_versions, $branch,",
        ),
        ("Costs 5$\n", "has a misplaced $"),
        (b"\xff\xfe\n", "which is not valid UTF-8"),
    ],
)
def test_bad_template_is_a_one_line_error(hotfix: GitRepo, text: str | bytes | None, fragment: str) -> None:
    name = "missing.txt" if text is None else "team.txt"
    if text is not None:
        template(hotfix, name, text)
    config(hotfix, f'[notify]\nteam-template = "{name}"\n')
    result = run_cli(hotfix, "--config", str(hotfix.path / ".git/guard.toml"), "notify", "--team")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hotfix-guard: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "'notify.team-template' in " in result.stderr and fragment in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "give one of --team and --users"),
        (["--team", "--users"], "give one of --team and --users"),
        (["--team", "nope"], "'nope' is neither a branch nor a tag here"),
        (["--users", "v1.2.3"], "v1.2.3 is not a hotfix release"),
    ],
)
def test_bad_input_is_a_one_line_error(hotfix: GitRepo, args: list[str], fragment: str) -> None:
    result = run_cli(hotfix, "notify", *args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and fragment in result.stderr, result.output


def test_unknown_notify_key_is_a_config_error(hotfix: GitRepo) -> None:
    config(hotfix, '[notify]\ninstall = "pip"\n')
    result = run_cli(hotfix, "--config", str(hotfix.path / ".git/guard.toml"), "notify", "--users")
    assert result.exit_code == 2
    assert "unknown key 'notify.install'" in result.stderr and "install-command" in result.stderr


@pytest.mark.parametrize("where", ["parent", "absolute", "committed symlink", "symlinked directory"])
def test_template_outside_the_repository_is_refused(hotfix: GitRepo, tmp_path: Path, where: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    if where == "committed symlink":
        (hotfix.path / "team.txt").symlink_to(secret)
        hotfix.git("add", "team.txt")
        hotfix.git("commit", "-q", "-m", "HOTFIX: a template")
    if where == "symlinked directory":
        (hotfix.path / "templates").symlink_to(tmp_path)
    name = {
        "parent": "../secret.txt",
        "absolute": str(secret),
        "committed symlink": "team.txt",
        "symlinked directory": "templates/secret.txt",
    }[where]
    config(hotfix, f'[notify]\nteam-template = "{name}"\n')
    result = run_cli(hotfix, "--config", str(hotfix.path / ".git/guard.toml"), "notify", "--team")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert (
        f"'notify.team-template' in {hotfix.path / '.git/guard.toml'}: the template {name!r} is outside the repository"
        in result.stderr
    )
    assert "hunter2" not in result.output


def test_template_symlink_inside_the_repository_is_followed(hotfix: GitRepo) -> None:
    template(hotfix, "users.txt", "Fixed in $new_version\n")
    (hotfix.path / "link.txt").symlink_to("users.txt")
    hotfix.git("add", "link.txt")
    config(hotfix, '[notify]\nusers-template = "link.txt"\n')
    assert notify(hotfix, "--users") == "Fixed in 1.2.4\n"


def test_template_that_is_not_a_regular_file_is_refused(hotfix: GitRepo) -> None:
    template(hotfix, "templates/team.txt", "Hello\n")
    config(hotfix, '[notify]\nteam-template = "templates"\n')
    result = run_cli(hotfix, "--config", str(hotfix.path / ".git/guard.toml"), "notify", "--team")
    assert result.exit_code == 2 and "names 'templates', which is not a regular file" in result.stderr


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (".git/config", "which is under .git"),
        (".git/../.git/config", "which is under .git"),
        ("sub/.git/config", "which is under .git"),
        (".env", "which git does not track (untracked or ignored)"),
        ("notes.txt", "which git does not track (untracked or ignored)"),
        ("*.txt", "which cannot be read"),
        ("link.txt", "which git does not track (untracked or ignored)"),
    ],
)
def test_template_git_does_not_track_is_refused(hotfix: GitRepo, name: str, rule: str) -> None:
    """`.git/config` holds remote URLs with their tokens; an ignored `.env` holds local secrets;
    a committed symlink can point at either; a glob must not stand for a tracked file."""
    hotfix.git("config", "remote.origin.url", "https://deploy:SECRET@example.com/x.git")
    hotfix.write(".gitignore", ".env\n")
    hotfix.write(".env", "API_KEY=SECRET\n")
    hotfix.write("notes.txt", "SECRET\n")
    template(hotfix, "tracked.txt", "Fixed in $new_version\n")
    (hotfix.path / "sub").mkdir()
    (hotfix.path / "sub/.git").symlink_to(hotfix.path / ".git")
    (hotfix.path / "link.txt").symlink_to(".env")
    hotfix.git("add", "link.txt")
    config(hotfix, f'[notify]\nteam-template = "{name}"\n')
    before = hotfix.git("status", "--porcelain", "--ignored")
    result = run_cli(hotfix, "--config", str(hotfix.path / ".git/guard.toml"), "notify", "--team")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert f"'notify.team-template' in {hotfix.path / '.git/guard.toml'} names {name!r}, {rule}" in result.stderr
    assert "SECRET" not in result.output
    assert hotfix.git("status", "--porcelain", "--ignored") == before
