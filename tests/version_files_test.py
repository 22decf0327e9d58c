"""`version-files`: start bumps the version in a commit of its own, or refuses before changing anything."""

from __future__ import annotations

import pytest
from conftest import GitRepo, run_cli


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
