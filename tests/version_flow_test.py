"""Version files through the whole procedure, on repositories built as teams have them: a
release tag whose files say its version, develop with its own `.dev` version, a remote.

start bumps the version files; finish merges back into develop without a conflict to resolve
by hand when the only conflict is the version (develop keeps its own); rollback's commit says
the rollback tag's version (issue 11, section 3).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

PY_CONFIG = 'version-files = ["pyproject.toml", \'pkg/__init__.py:__version__ = "([^"]+)"\']\n'
NPM_CONFIG = 'version-files = ["package.json"]\n'


def pyproject(version: str) -> str:
    return f'[project]\nname = "pkg"\nversion = "{version}"\ndependencies = ["requests>=2.31.0"]\n'


def package_json(version: str) -> str:
    return f'{{\n  "name": "app",\n  "version": "{version}",\n  "dependencies": {{\n    "ms": "^2.1.3"\n  }}\n}}\n'


def package_lock(version: str, ms: str = "2.1.3") -> str:
    return (
        f'{{\n  "name": "app",\n  "version": "{version}",\n  "lockfileVersion": 3,\n  "requires": true,\n'
        f'  "packages": {{\n    "": {{\n      "name": "app",\n      "version": "{version}",\n'
        f'      "dependencies": {{\n        "ms": "^2.1.3"\n      }}\n    }},\n'
        f'    "node_modules/ms": {{\n      "version": "{ms}",\n'
        f'      "resolved": "https://registry.npmjs.org/ms/-/ms-{ms}.tgz"\n    }}\n  }}\n}}\n'
    )


def python_files(version: str) -> dict[str, str]:
    return {"pyproject.toml": pyproject(version), "pkg/__init__.py": f'__version__ = "{version}"\n'}


def npm_files(version: str) -> dict[str, str]:
    return {"package.json": package_json(version), "package-lock.json": package_lock(version)}


def project(repo: GitRepo, kind: str) -> GitRepo:
    """Released as v2.2.0 (the config in it), develop at 2.3.0.dev0 with work of its own, on a
    bare origin; main checked out."""
    files = python_files if kind == "python" else npm_files
    config = PY_CONFIG if kind == "python" else NPM_CONFIG
    commit(repo, "feat: release", {".hotfix-guard.toml": config, "app.py": "LIMIT = 1\n", **files("2.2.0")})
    repo.tag("v2.2.0")
    repo.switch("develop")
    commit(repo, "chore: start 2.3.0", files("2.3.0.dev0" if kind == "python" else "2.3.0-dev.0"))
    repo.commit("feat: unreleased", **{"feature.py": "NEW = True\n"})
    repo.checkout("main")
    origin = repo.path.parent / "origin.git"
    repo.git("init", "-q", "--bare", str(origin))
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", "develop", "v2.2.0")
    repo.git("fetch", "-q", "origin")
    return repo


def commit(repo: GitRepo, message: str, files: dict[str, str]) -> None:
    for name, content in files.items():
        repo.write(name, content)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)


def ok(repo: GitRepo, *args: str) -> str:
    result = run_cli(repo, *args)
    assert result.exit_code == 0, result.output
    return result.output


def fixed(repo: GitRepo) -> None:
    """The fix, committed as the README's step 2 does."""
    repo.write("app.py", "LIMIT = 2\n")
    repo.git("commit", "-q", "-am", "fix(app): HOTFIX - raise the limit")


def show(repo: GitRepo, rev: str, path: str) -> str:
    return repo.git("show", f"{rev}:{path}")


@pytest.mark.parametrize("kind", ["python", "npm"])
def test_hotfix_in_five_commands_needs_no_conflict_resolution(repo: GitRepo, kind: str) -> None:
    project(repo, kind)
    develop_version = "2.3.0.dev0" if kind == "python" else "2.3.0-dev.0"
    ok(repo, "start", "--severity", "critical", "--summary", "Limit too low")
    fixed(repo)
    ok(repo, "validate")
    finished = ok(repo, "finish", "--push")
    assert "merge conflict" not in finished
    files = python_files if kind == "python" else npm_files
    assert f"develop keeps its own version {develop_version} in {', '.join(sorted(files('x')))}" in finished
    for path, content in files("2.2.1").items():
        assert show(repo, "v2.2.1", path) == content  # the release says its version
    for path, content in files(develop_version).items():
        assert show(repo, "develop", path) == content  # develop keeps its own
    assert show(repo, "develop", "app.py") == "LIMIT = 2\n" and show(repo, "develop", "feature.py") == "NEW = True\n"
    assert repo.git("status", "--porcelain") == "" and not (repo.path / ".git/MERGE_HEAD").exists()
    rolled = ok(repo, "rollback", "--push")
    assert "say 2.2.2, v2.2.2's" in rolled
    for path, content in files("2.2.2").items():
        assert show(repo, "v2.2.2", path) == content  # not 2.2.0: a publish of it must not collide
    assert show(repo, "v2.2.2", "app.py") == "LIMIT = 1\n"
    assert repo.git("ls-remote", "--tags", "origin", "v2.2.1", "v2.2.2").count("refs/tags/") == 2


def test_the_finished_record_keeps_what_the_back_merge_resolved(repo: GitRepo) -> None:
    project(repo, "npm")
    ok(repo, "start")
    fixed(repo)
    ok(repo, "finish")
    record = json.loads((repo.path / ".git/hotfix-guard/finished/hotfix%2Fv2.2.1.json").read_text())
    assert record["versions_kept"] == [
        {"path": "package-lock.json", "kept": "2.3.0-dev.0", "hotfix": "2.2.1"},
        {"path": "package.json", "kept": "2.3.0-dev.0", "hotfix": "2.2.1"},
    ]
    message = repo.git("log", "-1", "--format=%B", "develop")
    assert "develop keeps its own version 2.3.0-dev.0 in package-lock.json, package.json" in message


def test_dry_run_predicts_the_back_merge_conflict_and_its_resolution(repo: GitRepo) -> None:
    project(repo, "python")
    ok(repo, "start")
    fixed(repo)
    refs = repo.refs()
    output = ok(repo, "finish", "--dry-run")
    assert "merge hotfix/v2.2.1 into main: merges cleanly" in output
    assert (
        "merge hotfix/v2.2.1 back into develop: a conflict on the version only, resolved by itself: develop keeps "
        "its own version 2.3.0.dev0 in pkg/__init__.py, pyproject.toml (not the hotfix's 2.2.1)"
    ) in output
    # The commit the checks passed, by its id: a commit made on the branch since was never checked.
    assert f"-X ours {repo.git('rev-parse', 'hotfix/v2.2.1').strip()}" in output
    assert repo.refs() == refs and repo.git("status", "--porcelain") == ""


def conflict_beyond_the_version(repo: GitRepo) -> None:
    """The hotfix also changes a dependency pin on the line beside the version, which develop changed too."""
    repo.write("pyproject.toml", pyproject("2.2.1").replace(">=2.31.0", ">=2.32.0"))
    repo.git("commit", "-q", "-am", "fix(deps): HOTFIX - requests 2.32")
    repo.checkout("develop")
    repo.write("pyproject.toml", pyproject("2.3.0.dev0").replace(">=2.31.0", ">=2.33.0"))
    repo.git("commit", "-q", "-am", "chore: requests 2.33")
    repo.git("push", "-q", "origin", "develop")
    repo.checkout("hotfix/v2.2.1")


def a_version_only_the_hotfix_moves(repo: GitRepo) -> None:
    """Beside the version, the hotfix moves another dotted number to the release's own string,
    which develop did not touch: keeping develop's side would silently drop it (found in review:
    SCHEMA_VERSION next to __version__)."""
    repo.write("pyproject.toml", pyproject("2.2.1").replace(">=2.31.0", ">=2.2.1"))
    repo.git("commit", "-q", "-am", "fix(deps): HOTFIX - pin")


def another_file_in_conflict(repo: GitRepo) -> None:
    repo.checkout("develop")
    repo.commit("feat: limit from settings", **{"app.py": "LIMIT = settings.LIMIT\n"})
    repo.git("push", "-q", "origin", "develop")
    repo.checkout("hotfix/v2.2.1")


@pytest.mark.parametrize(
    ("make_conflict", "predicted"),
    [
        (conflict_beyond_the_version, "pyproject.toml: the conflict also changes 2.32.0, not only the version"),
        (another_file_in_conflict, "app.py is not a version file"),
        (a_version_only_the_hotfix_moves, "the hotfix also changes 2.2.1 where develop did not"),
    ],
)
def test_any_other_back_merge_conflict_stops_for_continue_or_abort(
    repo: GitRepo, make_conflict: object, predicted: str
) -> None:
    project(repo, "python")
    ok(repo, "start")
    fixed(repo)
    assert callable(make_conflict)
    make_conflict(repo)
    before = repo.refs()
    assert predicted in ok(repo, "finish", "--dry-run")
    result = run_cli(repo, "finish")
    assert result.exit_code == 1 and "merge back into develop: merge conflict" in result.output.replace(
        "merge hotfix/v2.2.1 back into develop", "merge back into develop"
    )
    assert (repo.path / ".git/MERGE_HEAD").exists() and "keeps its own version" not in result.output
    unmerged = repo.git("diff", "--name-only", "--diff-filter=U").split()
    assert "pyproject.toml" in unmerged or "app.py" in unmerged
    ok(repo, "finish", "--abort")
    assert repo.refs() == before


def test_a_version_conflict_whose_hotfix_side_is_not_its_release_stops(repo: GitRepo) -> None:
    """A hotfix that set another version by hand (2.2.5) is not the release finish tags: no guessing."""
    project(repo, "python")
    ok(repo, "start")
    for path, content in python_files("2.2.5").items():
        repo.write(path, content)
    repo.git("commit", "-q", "-am", "fix(release): HOTFIX - 2.2.5")
    fixed(repo)
    output = ok(repo, "finish", "--dry-run", "--no-verify")
    assert "the hotfix's side sets 2.2.5, not its release 2.2.1" in output


def test_rollback_sets_package_json_and_its_lock_to_the_rollback_tag(repo: GitRepo) -> None:
    """v2.8.7 and v2.8.8 released; the rollback to v2.8.7 is tagged v2.8.9 and says 2.8.9."""
    repo.commit("feat: release", **{".hotfix-guard.toml": NPM_CONFIG, **npm_files("2.8.7"), "app.js": "one\n"})
    repo.tag("v2.8.7")
    repo.commit("feat: release", **{**npm_files("2.8.8"), "app.js": "two\n"})
    repo.tag("v2.8.8")
    dry = ok(repo, "rollback", "--dry-run")
    assert "would set the version in package.json, package-lock.json to 2.8.9" in dry
    ok(repo, "rollback")
    assert show(repo, "v2.8.9", "package.json") == package_json("2.8.9")
    assert show(repo, "v2.8.9", "package-lock.json") == package_lock("2.8.9")
    assert show(repo, "v2.8.9", "app.js") == "one\n"
    assert repo.git("diff", "--name-only", "v2.8.7", "v2.8.9").split() == ["package-lock.json", "package.json"]
    assert "they say 2.8.9, the version of v2.8.9" in repo.git("log", "-1", "--format=%B", "v2.8.9")
    assert repo.git("status", "--porcelain") == ""


def test_rollback_refuses_before_anything_changes_when_a_version_file_is_not_the_targets(repo: GitRepo) -> None:
    repo.commit("feat: release", **{".hotfix-guard.toml": 'version-files = ["VERSION"]\n', "VERSION": "0.0.0\n"})
    repo.tag("v2.8.7")
    repo.commit("feat: release", **{"VERSION": "2.8.8\n"})
    repo.tag("v2.8.8")
    before = repo.refs()
    result = run_cli(repo, "rollback")
    assert result.exit_code == 2
    assert "version file 'VERSION' does not contain v2.8.7 version 2.8.7" in result.stderr
    assert repo.refs() == before


def test_the_readme_gives_the_one_line_config_of_each_kind() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for line in (
        'version-files = ["package.json"]',
        'version-files = ["pyproject.toml", \'pkg/__init__.py:__version__ = "([^"]+)"\']',
        'version-files = ["VERSION"]',
    ):
        assert line in readme
