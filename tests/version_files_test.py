"""`version-files`: start bumps the version in a commit of its own, or refuses before changing anything."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.flow.version_files import LOCK_KEYS, MANIFEST_KEYS, set_json_strings


@pytest.fixture
def versioned(repo: GitRepo) -> GitRepo:
    """v1.2.3 with a package whose version lives in two files."""
    config = "version-files = ['VERSION', 'pkg/__init__.py:__version__ = \"([^\"]+)\"']\n"
    repo.write("pkg/__init__.py", '__version__ = "1.2.3"\nX = "1.2.3.4"\n')
    repo.commit("feat: release", **{".hotfix-guard.toml": config, "VERSION": "1.2.3\n"})
    repo.tag("v1.2.3")
    return repo


def test_start_bumps_version_files_in_their_own_commit(versioned: GitRepo) -> None:
    result = run_cli(versioned, "start")
    assert result.exit_code == 0, result.output
    assert versioned.git("show", "HEAD:VERSION") == "1.2.4\n"
    assert versioned.git("show", "HEAD:pkg/__init__.py") == '__version__ = "1.2.4"\nX = "1.2.3.4"\n'
    assert versioned.git("log", "-1", "--format=%s").strip() == "fix(release): HOTFIX - set version 1.2.4"
    assert versioned.git("diff", "--name-only", "v1.2.3", "HEAD").split() == ["VERSION", "pkg/__init__.py"]
    assert versioned.git("status", "--porcelain") == ""


def test_dry_run_says_what_it_would_bump(versioned: GitRepo) -> None:
    before = versioned.refs()
    result = run_cli(versioned, "start", "--dry-run")
    assert "would set the version in VERSION to 1.2.4" in result.stdout and "would run: git commit" in result.stdout
    assert versioned.refs() == before and versioned.git("show", "HEAD:VERSION") == "1.2.3\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ("['VERSION']", None),
        ("['NOPE']", "version file 'NOPE' is not in v1.2.3"),
        (
            "['pkg/__init__.py:__version__ = \"([^\"]+)\"', 'OTHER']",
            "version file 'OTHER' does not contain the base version 1.2.3",
        ),
        ("['pkg/__init__.py']", "contains 2 times the base version"),
    ],
)
def test_mismatched_version_files_refuse_and_change_nothing(repo: GitRepo, files: str, message: str | None) -> None:
    repo.write("pkg/__init__.py", '__version__ = "1.2.3"\nalso = "1.2.3"\n')
    files_config = {".hotfix-guard.toml": f"version-files = {files}\n", "VERSION": "1.2.0\n", "OTHER": "none\n"}
    repo.commit("feat: release", **files_config)
    repo.tag("v1.2.3")
    before = (repo.refs(), repo.git("status", "--porcelain"))
    result = run_cli(repo, "start")
    assert result.exit_code == 2
    assert (message or "version file 'VERSION' does not contain the base version 1.2.3") in result.stderr
    assert (repo.refs(), repo.git("status", "--porcelain")) == before


def _outside_state(repo: GitRepo) -> tuple[str, str, str]:
    return repo.refs(), repo.git("status", "--porcelain"), (repo.path.parent / "outside.txt").read_text()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ("['VERSION']", "version file 'VERSION' is a symbolic link"),
        ("['../outside.txt']", "version file '../outside.txt' is outside the repository"),
        ("['pkg/../../outside.txt']", "is outside the repository"),
        ("['/tmp/x']", "version file '/tmp/x' is outside the repository"),
    ],
)
def test_version_file_outside_the_repository_is_refused_before_the_branch(
    repo: GitRepo, files: str, message: str
) -> None:
    (repo.path.parent / "outside.txt").write_text("1.2.3\n")
    (repo.path / "VERSION").symlink_to("../outside.txt")
    repo.commit("feat: release", **{".hotfix-guard.toml": f"version-files = {files}\n"})
    repo.tag("v1.2.3")
    before = _outside_state(repo)
    result = run_cli(repo, "start")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hotfix-guard: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert _outside_state(repo) == before and repo.git("branch", "--list", "hotfix/*") == ""
    assert not (repo.path / ".git/hotfix-guard/starts").exists()


def test_version_file_symlinked_only_in_the_tag_is_refused(repo: GitRepo) -> None:
    """The work tree has a regular file, the base tag a link: the tag's tree is what start checks out."""
    (repo.path.parent / "outside.txt").write_text("1.2.3\n")
    (repo.path / "VERSION").symlink_to("../outside.txt")
    repo.commit("feat: release", **{".hotfix-guard.toml": "version-files = ['VERSION']\n"})
    repo.tag("v1.2.3")
    (repo.path / "VERSION").unlink()
    repo.commit("chore: a real file", VERSION="1.2.3\n")
    before = _outside_state(repo)
    result = run_cli(repo, "start")
    assert result.exit_code == 2, result.output
    assert "version file 'VERSION' is a symbolic link in v1.2.3" in result.stderr
    assert _outside_state(repo) == before


def test_version_file_that_is_a_directory_in_the_tag_is_refused(repo: GitRepo) -> None:
    repo.commit("feat: release", **{".hotfix-guard.toml": "version-files = ['pkg']\n", "pkg__v.txt": "1.2.3\n"})
    repo.tag("v1.2.3")
    result = run_cli(repo, "start")
    assert result.exit_code == 2 and "version file 'pkg' is not a regular file in v1.2.3" in result.stderr


# --- npm: package.json, with package-lock.json and npm-shrinkwrap.json beside it ---------

LOCK = (
    '{\n  "name": "app",\n  "version": "1.2.3",\n  "lockfileVersion": 3,\n  "requires": true,\n'
    '  "packages": {\n    "": {\n      "name": "app",\n      "version": "1.2.3",\n'
    '      "dependencies": {\n        "ms": "^1.2.3"\n      }\n    },\n'
    '    "node_modules/ms": {\n      "version": "1.2.3"\n    }\n  }\n}\n'
)


@pytest.mark.parametrize(
    "style",
    [
        lambda text: text,  # npm's own: two spaces, a final newline
        lambda text: text.replace("  ", "\t"),
        lambda text: text.replace("  ", "    ").rstrip("\n"),
        lambda text: text.replace("\n", "\r\n"),
        lambda text: "".join(line.strip() for line in text.splitlines()),  # minified
    ],
    ids=["npm", "tabs", "four-spaces-no-newline", "crlf", "minified"],
)
def test_npm_files_change_in_the_two_values_only_byte_for_byte(style: Callable[[str], str]) -> None:
    text = style(LOCK)
    bumped = set_json_strings(text, LOCK_KEYS, "1.2.3", "1.2.4")
    expected = text.replace('"version": "1.2.3"', '"version": "1.2.4"', 2).replace(
        '"version":"1.2.3"', '"version":"1.2.4"', 2
    )
    assert bumped == expected
    assert json.loads(bumped)["packages"]["node_modules/ms"]["version"] == "1.2.3"  # a dependency keeps its own


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "1.2.0"}', "says version = '1.2.0'"),
        ('{"name": "app"}', "has no version"),
        ('{"version": "1.2.3",}', "expected a key"),
        ('{"version": "1.2.3"} {}', "extra data"),
    ],
)
def test_npm_files_that_are_not_as_expected_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        set_json_strings(text, MANIFEST_KEYS, "1.2.3", "1.2.4")


@pytest.fixture
def npm(repo: GitRepo) -> GitRepo:
    """v1.2.3 of an npm package: package.json (a dependency pinned at the same version), its lock, a shrinkwrap."""
    manifest = '{\n\t"name": "app",\n\t"version": "1.2.3",\n\t"dependencies": {\n\t\t"ms": "1.2.3"\n\t}\n}'
    files = {"package.json": manifest, "package-lock.json": LOCK, "npm-shrinkwrap.json": LOCK.replace("\n", "\r\n")}
    repo.commit("feat: release", **{".hotfix-guard.toml": 'version-files = ["package.json"]\n', **files})
    repo.tag("v1.2.3")
    return repo


def test_start_bumps_package_json_and_its_lock_files_with_no_regex(npm: GitRepo) -> None:
    before = {name: npm.git("show", f"v1.2.3:{name}") for name in ("package.json", "package-lock.json")}
    result = run_cli(npm, "start")
    assert result.exit_code == 0, result.output
    assert npm.git("diff", "--name-only", "v1.2.3", "HEAD").split() == [
        "npm-shrinkwrap.json",
        "package-lock.json",
        "package.json",
    ]
    assert npm.git("show", "HEAD:package.json") == before["package.json"].replace(
        '"version": "1.2.3"', '"version": "1.2.4"'
    )
    assert npm.git("show", "HEAD:package-lock.json") == before["package-lock.json"].replace(
        '"version": "1.2.3"', '"version": "1.2.4"', 2
    )
    assert json.loads(npm.git("show", "HEAD:package.json"))["dependencies"] == {"ms": "1.2.3"}
    assert (npm.path / "npm-shrinkwrap.json").read_bytes().count(b"\r\n") == LOCK.count("\n")


def test_a_lock_file_behind_its_package_json_is_refused_before_anything_changes(npm: GitRepo) -> None:
    npm.git("tag", "-d", "v1.2.3")
    npm.commit("chore: stale lock", **{"package-lock.json": LOCK.replace('"1.2.3"', '"1.2.2"', 1)})
    npm.tag("v1.2.3")
    before = npm.refs()
    result = run_cli(npm, "start")
    assert result.exit_code == 2
    assert "version file 'package-lock.json' says version = '1.2.2', but the base is 1.2.3" in result.stderr
    assert npm.refs() == before
