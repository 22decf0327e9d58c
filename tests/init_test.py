"""`hotfix-guard init` on repositories built the ways teams have them, and on bad inputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from conftest import GOOD_MESSAGE, GitRepo, run_cli

from hotfix_guard.adopt import DUNDER_VERSION, _version_entry
from hotfix_guard.config import load_config


def snapshot(repo: GitRepo) -> tuple[str, str, dict[str, bytes]]:
    """Refs, status and every work-tree file: to assert that init changed nothing."""
    files = {
        str(p.relative_to(repo.path)): p.read_bytes()
        for p in repo.path.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }
    return repo.refs(), repo.git("status", "--porcelain", "--ignored"), files


def commit_what_init_says(repo: GitRepo, output: str) -> None:
    """Run the `git add ... && git commit ...` line init printed, as printed."""
    import subprocess

    line = next(line.strip() for line in output.splitlines() if line.strip().startswith("git add "))
    subprocess.run(["sh", "-c", line], cwd=repo.path, check=True, capture_output=True)


def five_commands(repo: GitRepo, fix: str = "app.py") -> None:
    """The README's hotfix, through the CLI: start, commit, validate, finish, then rollback."""
    started = run_cli(repo, "start", "--severity", "critical", "--summary", "Login accepts empty tokens")
    assert started.exit_code == 0, started.output
    repo.commit(GOOD_MESSAGE, **{fix: "fixed\n"})
    validated = run_cli(repo, "validate")
    assert validated.exit_code == 0, validated.output
    finished = run_cli(repo, "finish")
    assert finished.exit_code == 0, finished.output
    rolled = run_cli(repo, "rollback")
    assert rolled.exit_code == 0, rolled.output


@pytest.fixture
def unprefixed_master(repo: GitRepo) -> GitRepo:
    repo.git("symbolic-ref", "HEAD", "refs/heads/master")
    repo.commit("feat: first", **{"app.py": "v1\n"})
    repo.tag("1.0.0")
    repo.commit("feat: second", **{"app.py": "v2\n"})
    repo.tag("1.1.0")
    return repo


def test_unprefixed_tags_on_master_then_the_five_commands_run(unprefixed_master: GitRepo) -> None:
    result = run_cli(unprefixed_master, "init")
    assert result.exit_code == 0, result.output
    assert "2 releases tagged MAJOR.MINOR.PATCH, latest 1.1.0: tag-prefix ''" in result.output
    assert "master (a branch named master, and none named main)" in result.output
    assert "develop:       none (no develop or dev branch)" in result.output
    text = (unprefixed_master.path / ".hotfix-guard.toml").read_text()
    assert 'tag-prefix = ""  # 2 releases' in text
    assert 'main-branch = "master"  #' in text
    assert "Nothing was committed. Commit the config on master" in result.output
    assert unprefixed_master.git("status", "--porcelain") == "?? .hotfix-guard.toml\n"
    commit_what_init_says(unprefixed_master, result.output)
    five_commands(unprefixed_master)
    assert "1.1.1" in unprefixed_master.git("tag")
    assert unprefixed_master.git("branch", "--show-current") == "master\n"


def test_v_tags_with_main_develop_and_origin_keep_every_default(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("feat: first", **{"app.py": "v1\n"})
    repo.tag("v1.2.3")
    repo.switch("develop")
    repo.commit("feat: next", **{"next.py": "x\n"})
    repo.git("switch", "-q", "main")
    repo.git("init", "-q", "--bare", str(tmp_path / "origin.git"))
    repo.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    repo.git("push", "-q", "origin", "main", "develop", "v1.2.3")
    result = run_cli(repo, "init")
    assert result.exit_code == 0, result.output
    assert "1 release tagged vMAJOR.MINOR.PATCH, latest v1.2.3: tag-prefix 'v'" in result.output
    assert "develop (the merge back after each hotfix goes there)" in result.output
    assert "remote:        origin (of origin)" in result.output
    text = (repo.path / ".hotfix-guard.toml").read_text()
    assert [line for line in text.splitlines() if not line.startswith("#")] == []
    commit_what_init_says(repo, result.output)
    five_commands(repo)
    assert "Merge hotfix/v1.2.4" in repo.git("log", "-1", "--format=%s", "develop")


NPM_PACKAGE = '{\n  "name": "shop",\n  "version": "2.0.1",\n  "scripts": {"test": "jest"}\n}\n'
NPM_LOCK = '{\n  "name": "shop",\n  "version": "2.0.1",\n  "lockfileVersion": 3,\n  "packages": {"": {"name": "shop", "version": "2.0.1"}}\n}\n'


def test_npm_package_with_lock_file_gets_version_files_and_start_bumps_both(repo: GitRepo) -> None:
    repo.commit("feat: shop", **{"package.json": NPM_PACKAGE, "package-lock.json": NPM_LOCK, "index.js": "x\n"})
    repo.tag("v2.0.1")
    result = run_cli(repo, "init")
    assert result.exit_code == 0, result.output
    assert "package.json (2.0.1, with package-lock.json)" in result.output
    assert "jest (package.json's test script runs it: 'jest'), 0 test files; cannot start jest" in result.output
    assert 'runner = "jest"' in (repo.path / ".hotfix-guard.toml").read_text()
    assert 'version-files = ["package.json"]' in (repo.path / ".hotfix-guard.toml").read_text()
    commit_what_init_says(repo, result.output)
    five_commands(repo, fix="index.js")
    assert json.loads(repo.git("show", "v2.0.2:package-lock.json"))["packages"][""]["version"] == "2.0.2"


def test_a_single_module_project_gets_its_module_as_version_file(repo: GitRepo) -> None:
    """Seen on six (six.py holds __version__, no package): init found no version file."""
    module = '"""Utilities."""\n\nimport sys\n\n__author__ = "A"\n__version__ = "1.17.0"\n\n\ndef helper():\n    return sys\n'
    repo.commit(
        "feat: six",
        **{
            "six.py": module,
            "setup.py": '__version__ = "0.0.1"\n',
            "test_six.py": "def test_helper():\n    assert True\n",
        },
    )
    repo.tag("v1.17.0")
    result = run_cli(repo, "init")
    assert result.exit_code == 0, result.output
    assert (
        "six.py (1.17.0)" in result.output and "setup.py" not in result.output.split("version files:")[1].split("\n")[0]
    )
    assert f"six.py:{DUNDER_VERSION}" in load_config(str(repo.path)).version_files
    commit_what_init_says(repo, result.output)
    five_commands(repo, fix="fix.py")
    assert '__version__ = "1.17.1"' in repo.git("show", "v1.17.1:six.py")


PYPROJECT = '# the shop\n[project]\nname = "shop"\nversion = "1.4.2"\n\n[tool.ruff]\nline-length = 100\n'


def test_python_package_gets_the_table_appended_to_pyproject_and_its_venv(repo: GitRepo) -> None:
    init = '"""The shop."""\n__version__ = "1.4.2"\n'
    repo.write("shop/__init__.py", init)
    repo.commit("feat: shop", **{"pyproject.toml": PYPROJECT, "tests/test_shop.py": "def test_x():\n    pass\n"})
    repo.tag("v1.4.2")
    venv = repo.path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)
    (repo.path / ".gitignore").write_text(".venv/\n")
    repo.commit("chore: ignore the venv")
    result = run_cli(repo, "init")
    assert result.exit_code == 0, result.output
    assert "pytest, 1 test file, run with .venv/bin/python" in result.output
    text = (repo.path / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT + "\n[tool.hotfix-guard]\n")
    assert '[tool.hotfix-guard.focused-tests]\npython = ".venv/bin/python"' in text
    config = load_config(str(repo.path))
    assert config.version_files == (
        "pyproject.toml:" + '^version *= *"([^"]+)"',
        "shop/__init__.py:^__version__ *= *['\"]([^'\"]+)['\"]",
    )
    commit_what_init_says(repo, result.output)
    five_commands(repo, fix="shop/core.py")
    assert '__version__ = "1.4.3"' in repo.git("show", "v1.4.3:shop/__init__.py")
    assert 'version = "1.4.3"' in repo.git("show", "v1.4.3:pyproject.toml")


PRE_COMMIT = """\
# our hooks: keep this comment
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.5.0
    hooks:
      - id: trailing-whitespace  # whitespace
  # a comment between entries
  - repo: https://github.com/psf/black
    rev: 24.1.0
    hooks:
      - id: black

ci:
  autofix_prs: false
"""


def test_existing_pre_commit_config_gets_an_entry_in_its_repos_keeping_the_rest(released: GitRepo) -> None:
    released.commit("chore: pre-commit", **{".pre-commit-config.yaml": PRE_COMMIT})
    result = run_cli(released, "init", "--hooks", "pre-commit")
    assert result.exit_code == 0, result.output
    assert "pre-commit framework (.pre-commit-config.yaml, without hotfix-guard's hooks)" in result.output
    text = (released.path / ".pre-commit-config.yaml").read_text()
    head, tail = PRE_COMMIT.split("\nci:\n")
    assert text.startswith(head.rstrip("\n") + "\n  - repo: local  # hotfix-guard's hooks")
    assert text.endswith("\nci:\n" + tail)
    document = yaml.safe_load(text)
    assert [entry["repo"] for entry in document["repos"]][2] == "local"
    ids = [hook["id"] for hook in document["repos"][2]["hooks"]]
    assert {"hotfix-branch-name", "hotfix-commit-message", "hotfix-validate"} <= set(ids)
    assert document["ci"] == {"autofix_prs": False}
    assert "    pre-commit install -t pre-commit -t commit-msg -t pre-push\n" in result.output
    assert "\ndoctor:\n" in result.output
    assert "git add .hotfix-guard.toml .pre-commit-config.yaml" in result.output
    commit_what_init_says(released, result.output)
    five_commands(released)


def test_pre_commit_config_is_created_valid_and_a_second_run_leaves_it(released: GitRepo) -> None:
    assert run_cli(released, "init", "--hooks", "pre-commit").exit_code == 0
    document = yaml.safe_load((released.path / ".pre-commit-config.yaml").read_text())
    assert document["default_install_hook_types"] == ["pre-commit", "commit-msg", "pre-push"]
    import subprocess

    check = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config"], cwd=released.path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    again = run_cli(released, "init", "--force", "--hooks", "pre-commit")
    assert "lists hotfix-guard's hooks already: left as it is" in again.output


def test_native_hooks_are_installed_and_doctor_shows_them(released: GitRepo) -> None:
    result = run_cli(released, "init", "--hooks", "native")
    assert result.exit_code == 0, result.output
    assert (released.path / ".git" / "hooks" / "commit-msg").exists()
    assert "doctor:\ncommit-msg: hotfix-guard" in result.output or "commit-msg" in result.output.split("doctor:")[1]


def test_husky_is_reported(released: GitRepo) -> None:
    released.commit("chore: husky", **{".husky/pre-commit": "npx lint-staged\n"})
    released.git("config", "core.hooksPath", ".husky")
    (released.path / ".husky" / "pre-commit").chmod(0o755)
    result = run_cli(released, "init", "--dry-run")
    assert "husky (.husky/): install-hooks would not replace its hooks; add a line" in result.output
    assert "; installed in core.hooksPath .husky: pre-commit: other" in result.output
    refused = run_cli(released, "init", "--hooks", "native")
    assert refused.exit_code == 2 and not (released.path / ".hotfix-guard.toml").exists()


def test_dry_run_writes_nothing(unprefixed_master: GitRepo) -> None:
    before = snapshot(unprefixed_master)
    result = run_cli(unprefixed_master, "init", "--dry-run", "--hooks", "pre-commit")
    assert result.exit_code == 0
    assert 'tag-prefix = ""' in result.output and "Dry run: nothing written." in result.output
    assert snapshot(unprefixed_master) == before


def test_no_semver_tags_writes_a_config_that_works_once_tagged(repo: GitRepo) -> None:
    repo.commit("feat: first", **{"app.py": "v1\n"})
    repo.tag("nightly")
    result = run_cli(repo, "init")
    assert result.exit_code == 0, result.output
    assert "none like v1.2.3 yet: tag-prefix 'v'; tag your current release" in result.output
    commit_what_init_says(repo, result.output)
    repo.tag("v1.0.0")
    five_commands(repo)


def test_existing_config_is_kept_unless_force_which_backs_it_up(released: GitRepo) -> None:
    released.write(".hotfix-guard.toml", 'tag-prefix = "v"\n')
    before = snapshot(released)
    refused = run_cli(released, "init")
    assert refused.exit_code == 2
    assert refused.output.count("\n") == 1 and "already holds hotfix-guard's settings" in refused.output
    assert snapshot(released) == before
    forced = run_cli(released, "init", "--force")
    assert forced.exit_code == 0, forced.output
    assert (released.path / ".hotfix-guard.toml.bak").read_text() == 'tag-prefix = "v"\n'
    assert (released.path / ".hotfix-guard.toml").read_text().startswith("# hotfix-guard: written by")


def test_force_replaces_the_pyproject_table_and_keeps_the_rest(released: GitRepo) -> None:
    released.write(
        "pyproject.toml",
        PYPROJECT + '\n[tool.hotfix-guard]\nremote = "upstream"\n[tool.hotfix-guard.file-count]\nmax-files = 9\n',
    )
    result = run_cli(released, "init", "--force")
    assert result.exit_code == 0, result.output
    text = (released.path / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT) and "upstream" not in text and "max-files" not in text
    assert text.count("[tool.hotfix-guard]") == 1


def test_two_tag_schemes_are_listed_and_nothing_is_written(released: GitRepo) -> None:
    released.tag("2.0.0")
    before = snapshot(released)
    result = run_cli(released, "init")
    assert result.exit_code == 2
    assert (
        "two release tag schemes are in use (no prefix: 1 tag, latest 2.0.0; prefix 'v': 1 tag, latest v1.2.3); pass --tag-prefix"
        in result.output
    )
    assert snapshot(released) == before
    chosen = run_cli(released, "init", "--tag-prefix", "")
    assert chosen.exit_code == 0 and "latest 2.0.0" in chosen.output


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pyproject.toml": "[project\n"}, "pyproject.toml: invalid TOML"),
        ({"pyproject.toml": b"\xff\xfe"}, "pyproject.toml: not valid UTF-8"),
        ({".pre-commit-config.yaml": "repos: []\n"}, "flow-style list"),
        ({".pre-commit-config.yaml": "- repo: x\n"}, "no top-level `repos:` list"),
    ],
)
def test_invalid_existing_files_are_one_line_errors_and_nothing_is_written(
    released: GitRepo, files: dict[str, str | bytes], message: str
) -> None:
    for name, content in files.items():
        released.write(name, content)
    before = snapshot(released)
    result = run_cli(released, "init", "--hooks", "pre-commit")
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1
    assert snapshot(released) == before


@pytest.mark.parametrize(
    ("path", "text", "entry", "version"),
    [
        ("setup.cfg", "[metadata]\nname = x\nversion = 3.1.4\n", "setup.cfg:^version *= *([0-9][^\\s#;]*)", "3.1.4"),
        ("setup.cfg", "[metadata]\nversion = attr: x.__version__\n", "setup.cfg:^version *= *([0-9][^\\s#;]*)", None),
        ("VERSION", "3.1.4\n", "VERSION", "3.1.4"),
        ("src/x/_version.py", "__version__ = '3.1.4'\n", "src/x/_version.py:" + DUNDER_VERSION, "3.1.4"),
        ("package.json", "{not json", "package.json", None),
    ],
)
def test_version_entries(path: str, text: str, entry: str, version: str | None) -> None:
    assert _version_entry(path, text) == (entry, version)


def test_not_a_repository(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "init")
    assert result.exit_code == 2 and "is not in a git repository" in result.output


def test_no_commits(repo: GitRepo) -> None:
    result = run_cli(repo, "init")
    assert result.exit_code == 2 and "has no commits yet" in result.output
    assert not (repo.path / ".hotfix-guard.toml").exists()


def test_a_repos_list_at_column_zero_gets_an_entry_at_column_zero(tmp_path: Path) -> None:
    from hotfix_guard.adopt import pre_commit_config

    original = (
        "repos:\n- repo: local\n  hooks:\n  - id: mine\n    name: mine\n    entry: 'true'\n    language: system\n"
    )
    (tmp_path / ".pre-commit-config.yaml").write_text(original)
    text = pre_commit_config(str(tmp_path))
    assert text is not None and text.startswith(original + "- repo: local  # hotfix-guard's hooks")
    assert [entry["hooks"][0]["id"] for entry in yaml.safe_load(text)["repos"]] == ["mine", "hotfix-branch-name"]
