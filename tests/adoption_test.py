"""The README's "Hotfix in five commands", unchanged, on repositories that adopted hotfix-guard
after their last release: a Python project (pyproject.toml and __init__.py) and an npm project
(package.json and package-lock.json), each with a develop branch at its own version.

No manual step: the config comes from main although the release's tree has none, start bumps
the version files, finish resolves the back-merge's version conflict by keeping develop's
version, and rollback restores the release's code with main's config and the new version.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

PYPROJECT = """\
[project]
name = "shop"
version = "{version}"
description = "A small shop."
requires-python = ">=3.10"

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
"""
ADOPT_PYTHON = f"""
[tool.hotfix-guard]
version-files = ['pyproject.toml:^version = "([^"]+)"', 'shop/__init__.py:__version__ = "([^"]+)"']

[tool.hotfix-guard.focused-tests]
python = "{sys.executable}"
"""


def package_json(version: str) -> str:
    manifest = {"name": "shop", "version": version, "description": "A small shop.", "scripts": {"test": "node --test"}}
    return json.dumps(manifest, indent=2) + "\n"


def package_lock(version: str) -> str:
    lock = {
        "name": "shop",
        "version": version,
        "lockfileVersion": 3,
        "requires": True,
        "packages": {"": {"name": "shop", "version": version}},
    }
    return json.dumps(lock, indent=2) + "\n"


ADOPT_NPM = """\
version-files = ["package.json"]

[focused-tests]
test-command = "node --test"
"""


def _commit(repo: GitRepo, message: str, files: dict[str, str]) -> None:
    """Write FILES (paths as given: `__init__.py` stays itself) and commit everything."""
    for path, text in files.items():
        repo.write(path, text)
    repo.commit(message)


def _publish(repo: GitRepo, tmp_path: Path) -> None:
    remote = tmp_path / "origin.git"
    GitRepo(tmp_path).git("init", "-q", "--bare", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main", "develop", "--tags")


@pytest.fixture
def python_project(repo: GitRepo, tmp_path: Path) -> GitRepo:
    _commit(
        repo,
        "feat: shop 1.4.0",
        {
            "pyproject.toml": PYPROJECT.format(version="1.4.0"),
            "shop/__init__.py": '__version__ = "1.4.0"\n',
            "shop/auth.py": "def accepts(token):\n    return token is not None\n",
            "tests/test_auth.py": "from shop.auth import accepts\n\n\ndef test_auth_refuses_an_empty_token():\n    assert not accepts('')\n",
        },
    )
    repo.git("tag", "-a", "-m", "v1.4.0", "v1.4.0")
    repo.git("switch", "-q", "-c", "develop")
    _commit(
        repo,
        "feat: reports",
        {
            "pyproject.toml": PYPROJECT.format(version="1.5.0.dev0"),
            "shop/__init__.py": '__version__ = "1.5.0.dev0"\n',
            "shop/reports.py": "REPORTS = []\n",
        },
    )
    repo.git("switch", "-q", "main")
    repo.write("pyproject.toml", PYPROJECT.format(version="1.4.0") + ADOPT_PYTHON)
    repo.commit("chore: adopt hotfix-guard")
    _publish(repo, tmp_path)
    return repo


@pytest.fixture
def npm_project(repo: GitRepo, tmp_path: Path) -> GitRepo:
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the npm project's tests need it")
    _commit(
        repo,
        "feat: shop 2.8.7",
        {
            "package.json": package_json("2.8.7"),
            "package-lock.json": package_lock("2.8.7"),
            "auth.js": "exports.accepts = (token) => token !== undefined;\n",
            "test/auth.test.js": "const test = require('node:test');\nconst assert = require('node:assert');\n"
            "const { accepts } = require('../auth.js');\n\n"
            "test('auth refuses an empty token', () => assert.ok(!accepts('')));\n",
        },
    )
    repo.git("tag", "-a", "-m", "v2.8.7", "v2.8.7")
    repo.git("switch", "-q", "-c", "develop")
    repo.commit(
        "feat: reports",
        **{
            "package.json": package_json("2.9.0-dev.0"),
            "package-lock.json": package_lock("2.9.0-dev.0"),
            "reports.js": "\n",
        },
    )
    repo.git("switch", "-q", "main")
    _commit(repo, "chore: adopt hotfix-guard", {".hotfix-guard.toml": ADOPT_NPM})
    _publish(repo, tmp_path)
    return repo


def _ok(repo: GitRepo, *args: str) -> str:
    result = run_cli(repo, *args)
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.output


def _show(repo: GitRepo, rev: str, path: str) -> str:
    return repo.git("show", f"{rev}:{path}")


def test_five_commands_on_a_python_project_that_adopted_after_its_release(python_project: GitRepo) -> None:
    repo = python_project
    _ok(repo, "start", "--severity", "critical", "--summary", "Empty tokens are accepted")
    assert repo.git("branch", "--show-current").strip() == "hotfix/v1.4.1"
    assert '__version__ = "1.4.1"' in (repo.path / "shop/__init__.py").read_text()
    repo.write("shop/auth.py", "def accepts(token):\n    return bool(token)\n")
    repo.git("commit", "-q", "-am", "fix(auth): HOTFIX - refuse empty tokens")
    said = _ok(repo, "validate")
    assert "config: pyproject.toml at main" in said
    _ok(repo, "finish", "--push")
    assert repo.git("ls-remote", "origin", "refs/tags/v1.4.1").strip()
    assert 'version = "1.5.0.dev0"' in _show(repo, "origin/develop", "pyproject.toml")  # develop kept its own
    assert '__version__ = "1.5.0.dev0"' in _show(repo, "origin/develop", "shop/__init__.py")
    assert "bool(token)" in _show(repo, "origin/develop", "shop/auth.py")  # and got the fix
    assert 'version = "1.4.1"' in _show(repo, "v1.4.1", "pyproject.toml")
    review = _ok(repo, "review", "v1.4.1")
    assert "version-only conflict, resolved by itself: develop keeps its own version 1.5.0.dev0" in review
    assert "not pushed" not in _ok(repo, "notify", "--users", "v1.4.1")  # the remote has the tag: released
    _ok(repo, "rollback", "--push")
    rolled = _show(repo, "v1.4.2", "pyproject.toml")
    assert 'version = "1.4.2"' in rolled and "[tool.hotfix-guard]" in rolled  # main's config stays
    assert _show(repo, "v1.4.2", "shop/auth.py") == _show(repo, "v1.4.0", "shop/auth.py")


def test_five_commands_on_an_npm_project_that_adopted_after_its_release(npm_project: GitRepo) -> None:
    repo = npm_project
    _ok(repo, "start", "--severity", "high", "--summary", "Empty tokens are accepted")
    assert json.loads((repo.path / "package-lock.json").read_text())["packages"][""]["version"] == "2.8.8"
    repo.write("auth.js", "exports.accepts = (token) => Boolean(token);\n")
    repo.git("commit", "-q", "-am", "fix(auth): HOTFIX - refuse empty tokens")
    with pytest.MonkeyPatch.context() as reviewer:  # high: one approval by someone who is not the author
        reviewer.setenv("GIT_COMMITTER_NAME", "Rita Reviewer")
        reviewer.setenv("GIT_COMMITTER_EMAIL", "rita@example.com")
        _ok(repo, "approve", "--role", "lead")
    _ok(repo, "validate")
    _ok(repo, "finish", "--push")
    develop = json.loads(_show(repo, "origin/develop", "package.json"))
    lock = json.loads(_show(repo, "origin/develop", "package-lock.json"))
    assert develop["version"] == lock["version"] == lock["packages"][""]["version"] == "2.9.0-dev.0"
    assert json.loads(_show(repo, "v2.8.8", "package.json"))["version"] == "2.8.8"
    _ok(repo, "rollback", "--push")
    assert json.loads(_show(repo, "v2.8.9", "package.json"))["version"] == "2.8.9"
    assert json.loads(_show(repo, "v2.8.9", "package-lock.json"))["version"] == "2.8.9"
    assert _show(repo, "v2.8.9", ".hotfix-guard.toml") == ADOPT_NPM
    assert _show(repo, "v2.8.9", "auth.js") == _show(repo, "v2.8.7", "auth.js")
