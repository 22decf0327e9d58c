"""Affected versions, derived from the repository: git blame of the lines the fix changes at its
base, then the earliest release containing those commits; a placeholder where nothing can be
derived. And reports say "released" only when the remote has the release tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli
from finish_test import bare_origin, make_flow

from hotfix_guard.affected import PLACEHOLDER, affected_versions
from hotfix_guard.config import default_config
from hotfix_guard.repository import Repo

APP = "def login(token):\n    return True\n\n\ndef logout():\n    pass\n"
APP_1_1 = APP.replace("    pass", "    forget()")  # app.py since v1.1.0


@pytest.fixture
def history(repo: GitRepo) -> GitRepo:
    """v1.0.0 brings login (the bug), v1.1.0 logout, v1.2.3 a README; hotfix/v1.2.4 from v1.2.3."""
    repo.commit("feat: login", **{"app.py": APP})
    repo.tag("v1.0.0")
    repo.commit("feat: logout", **{"app.py": APP_1_1, "lib.py": "x = 1\n"})
    repo.tag("v1.1.0")
    repo.commit("docs: readme", **{"README.md": "app\n"})
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4", "v1.2.3")
    return repo


def affected(repo: GitRepo, version_files: tuple[str, ...] = ()) -> tuple[str, str]:
    config = default_config()
    config.version_files = version_files
    found = affected_versions(Repo(str(repo.path)), config, "v1.2.3", "HEAD")
    return found.versions, found.how


def test_a_line_from_the_first_release_affects_every_release(history: GitRepo) -> None:
    history.commit(GOOD_MESSAGE, **{"app.py": APP_1_1.replace("return True", "return bool(token)")})
    versions, how = affected(history)
    assert versions == "1.0.0 to 1.2.3"
    assert how == (
        "derived from git blame of the 1 line the fix changes in 1 file at v1.2.3: last changed by 1 commit, "
        "the earliest of them first released in v1.0.0"
    )


def test_a_line_changed_later_affects_the_releases_since(history: GitRepo) -> None:
    history.commit(GOOD_MESSAGE, **{"lib.py": "x = 2\n"})
    assert affected(history)[0] == "1.1.0 to 1.2.3"


def test_a_fix_that_only_adds_files_cannot_tell(history: GitRepo) -> None:
    history.commit(GOOD_MESSAGE, **{"guard.py": "check()\n"})
    assert affected(history) == (
        PLACEHOLDER,
        "cannot be derived: the fix changes no line v1.2.3 has (only new files)",
    )


def test_an_insertion_blames_the_lines_around_it(history: GitRepo) -> None:
    history.commit(
        GOOD_MESSAGE, **{"app.py": APP_1_1.replace("    return True\n", "    check(token)\n    return True\n", 1)}
    )
    assert affected(history)[0] == "1.0.0 to 1.2.3"


def test_an_insertion_after_the_last_line_is_blamed_too(history: GitRepo) -> None:
    history.commit(GOOD_MESSAGE, **{"lib.py": "x = 1\ny = 2\n"})
    assert affected(history)[0] == "1.1.0 to 1.2.3"


def test_version_files_are_left_out(history: GitRepo) -> None:
    history.commit(GOOD_MESSAGE, **{"README.md": "app 1.2.4\n", "guard.py": "check()\n"})
    versions, _ = affected(history, version_files=("README.md",))
    assert versions == PLACEHOLDER


def test_an_unknown_base_is_a_placeholder(history: GitRepo) -> None:
    found = affected_versions(Repo(str(history.path)), default_config(), None, "HEAD")
    assert (found.versions, found.how) == (PLACEHOLDER, "cannot be derived: the hotfix's base release is unknown")


def test_one_blame_per_file_and_one_tag_lookup(
    history: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history.commit(GOOD_MESSAGE, **{
        "app.py": APP_1_1.replace("return True", "return bool(token)").replace("forget()", "forget(all)"),
        "lib.py": "x = 2\n",
    })  # fmt: skip
    trace = tmp_path / "trace"
    monkeypatch.setenv("HOTFIX_GUARD_TRACE_GIT", str(trace))
    assert affected(history)[0] == "1.0.0 to 1.2.3"
    calls = [json.loads(line) for line in trace.read_text().splitlines()]
    blames = [call for call in calls if "blame" in call]
    assert len(blames) == 2 and sum("-L" in call for call in blames) == 2
    assert sum("for-each-ref" in call and "--contains" in call for call in calls) == 1


def test_notify_users_prints_the_derived_versions(history: GitRepo) -> None:
    history.commit(GOOD_MESSAGE, **{"app.py": APP_1_1.replace("return True", "return bool(token)")})
    text = run_cli(history, "notify", "--users").stdout
    assert "Affected versions: 1.0.0 to 1.2.3 (derived from git blame of the 1 line" in text


@pytest.fixture
def flow(hotfix: GitRepo) -> GitRepo:
    return make_flow(hotfix)


def test_a_release_tagged_but_not_pushed_is_not_called_released(flow: GitRepo, tmp_path: Path) -> None:
    bare_origin(flow, tmp_path)
    assert run_cli(flow, "finish").exit_code == 0
    users = run_cli(flow, "notify", "--users", "v1.2.4").stdout
    assert "Fixed in: 1.2.4 (tagged v1.2.4 locally, not pushed to origin)" in users
    team = run_cli(flow, "notify", "--team", "v1.2.4").stdout
    assert "1. Push the release: hotfix-guard finish hotfix/v1.2.4 --push" in team
    review = run_cli(flow, "review", "v1.2.4").stdout
    assert "| Status | finished, tagged v1.2.4 locally, not pushed to origin |" in review
    assert "- [ ] Deployment timeline - tagged v1.2.4 locally, not pushed to origin" in review


def test_once_pushed_it_is_released(flow: GitRepo, tmp_path: Path) -> None:
    bare_origin(flow, tmp_path)
    assert run_cli(flow, "finish", "--push").exit_code == 0
    assert "| Status | finished, released as v1.2.4 |" in run_cli(flow, "review", "v1.2.4").stdout
    assert "Fixed in: 1.2.4 (released " in run_cli(flow, "notify", "--users", "v1.2.4").stdout


def test_another_tag_of_that_name_on_the_remote_is_not_this_release(flow: GitRepo, tmp_path: Path) -> None:
    origin = bare_origin(flow, tmp_path)
    assert run_cli(flow, "finish").exit_code == 0
    GitRepo(origin).git("tag", "v1.2.4", "v1.2.3")
    assert "not pushed to origin" in run_cli(flow, "notify", "--users", "v1.2.4").stdout


def test_without_a_remote_and_when_it_does_not_answer(flow: GitRepo, tmp_path: Path) -> None:
    assert run_cli(flow, "finish").exit_code == 0
    assert (
        "tagged v1.2.4 locally, not pushed to origin (there is no such remote)"
        in run_cli(flow, "notify", "--users", "v1.2.4").stdout
    )
    flow.git("remote", "add", "origin", str(tmp_path / "gone.git"))
    text = run_cli(flow, "notify", "--users", "v1.2.4").stdout
    assert "tagged v1.2.4 locally; whether origin has it is unknown (fatal: " in text


def test_only_the_version_line_of_a_version_file_is_left_out(history: GitRepo) -> None:
    """six.py-like: the version line and the code in one file, the fix and the bump both in it."""
    history.git("switch", "-q", "--detach", "v1.2.3")
    history.commit("chore: version", **{"app.py": 'VERSION = "1.2.3"\n' + APP_1_1})
    history.git("tag", "-f", "v1.2.3")
    history.git("switch", "-q", "hotfix/v1.2.4")
    history.git("reset", "-q", "--hard", "v1.2.3")
    history.commit(
        GOOD_MESSAGE, **{"app.py": 'VERSION = "1.2.4"\n' + APP_1_1.replace("return True", "return bool(token)")}
    )
    versions, how = affected(history, version_files=('app.py:VERSION = "([^"]+)"',))
    assert versions == "1.0.0 to 1.2.3" and "the 1 line the fix changes" in how
    history.commit(
        GOOD_MESSAGE, **{"app.py": 'VERSION = "1.2.5"\n' + APP_1_1.replace("return True", "return bool(token)")}
    )
    assert affected(history, version_files=("app.py",))[0] == PLACEHOLDER
