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
