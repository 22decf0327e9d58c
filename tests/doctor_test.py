"""`hotfix-guard doctor`: whether the guards are really active, each problem with its fix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

BIN = str(Path(sys.executable).parent)
FRAMEWORK_CONFIG = """\
repos:
  - repo: https://example.com/your-org/hotfix-guard
    rev: v0.1.0
    hooks:
      - id: hotfix-branch-name
      - id: hotfix-commit-message
      - id: hotfix-validate
"""


@pytest.fixture(autouse=True)
def guard_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ["PATH"])


def pre_commit_install(repo: GitRepo, *types: str) -> None:
    repo.write(".pre-commit-config.yaml", FRAMEWORK_CONFIG)
    args = [arg for hook_type in types for arg in ("-t", hook_type)]
    command = [sys.executable, "-m", "pre_commit", "install", *args]
    subprocess.run(command, cwd=repo.path, check=True, capture_output=True)


def test_no_hooks(released: GitRepo) -> None:
    result = run_cli(released, "doctor")
    assert result.exit_code == 1
    assert "  pre-push    none" in result.output
    assert "no pre-commit, commit-msg, pre-push hook installed" in result.output
    assert "    fix: hotfix-guard install-hooks   (with the pre-commit framework" in result.output


def test_everything_in_place(released: GitRepo) -> None:
    run_cli(released, "install-hooks")
    result = run_cli(released, "doctor")
    assert result.exit_code == 0, result.output
    assert "  pre-push    hotfix-guard\n" in result.output
    assert f"hotfix-guard on PATH: {BIN}/hotfix-guard, version" in result.output
    assert result.output.endswith("no problems: the guards are active\n")


def test_pre_commit_installed_without_push_and_message_types(released: GitRepo) -> None:
    pre_commit_install(released)
    result = run_cli(released, "doctor")
    assert result.exit_code == 1
    assert "  pre-commit  pre-commit framework (runs hotfix-branch-name)" in result.output
    assert "pre-push: pre-commit's pre-push hook is not installed, so hotfix-validate never runs" in result.output
    assert "    fix: pre-commit install -t pre-push" in result.output
    assert "    fix: pre-commit install -t commit-msg" in result.output


def test_pre_commit_installed_with_every_type(released: GitRepo) -> None:
    pre_commit_install(released, "pre-commit", "commit-msg", "pre-push")
    result = run_cli(released, "doctor")
    assert result.exit_code == 0, result.output
    assert "pinned in .pre-commit-config.yaml (rev: v0.1.0)" in result.output


def test_foreign_hook_and_one_not_executable(released: GitRepo) -> None:
    run_cli(released, "install-hooks", "--hooks", "pre-commit,commit-msg")
    released.write(".git/hooks/pre-push", "#!/bin/sh\nexit 0\n").chmod(0o644)
    result = run_cli(released, "doctor")
    assert result.exit_code == 1
    assert "pre-push: " in result.output and "is not executable, so git skips it" in result.output
    assert "is another tool's hook and does not call hotfix-guard, so pushes are not guarded" in result.output
    assert "fix: hotfix-guard install-hooks --hooks pre-push --force (keeps a backup)" in result.output


def test_hooks_that_cannot_find_hotfix_guard(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run_cli(released, "install-hooks")
    git_only = tmp_path / "git-only"
    git_only.mkdir()
    (git_only / "git").symlink_to(str(shutil.which("git")))
    monkeypatch.setenv("PATH", str(git_only))  # neither hotfix-guard nor a python
    result = run_cli(released, "doctor")
    assert result.exit_code == 1
    assert "the hooks cannot find hotfix-guard (not on PATH, and python3 cannot import it)" in result.output
    assert f'fix: export PATH="{BIN}:$PATH"' in result.output


def test_bad_config_and_shallow_clone(released: GitRepo, tmp_path: Path) -> None:
    released.commit("chore: more history", **{"more.txt": "x\n"})
    clone = GitRepo(tmp_path / "clone")
    released.git("clone", "-q", "--depth", "1", f"file://{released.path}", str(clone.path))
    clone.write(".hotfix-guard.toml", "max-files = 3\n")
    run_cli(clone, "install-hooks")
    result = run_cli(clone, "doctor")
    assert result.exit_code == 1
    assert "config: unknown key 'max-files'" in result.output
    assert "this is a shallow clone" in result.output and "fix: git fetch --unshallow --tags" in result.output


def test_core_hooks_path_is_shown(released: GitRepo) -> None:
    released.git("config", "core.hooksPath", "githooks")
    run_cli(released, "install-hooks")
    result = run_cli(released, "doctor")
    assert result.exit_code == 0
    assert f"hooks directory: {released.path / 'githooks'} (core.hooksPath)" in result.output


def test_outside_a_repository(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "doctor")
    assert result.exit_code == 2 and "is not in a git repository" in result.output
