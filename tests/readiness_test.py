"""`hotfix-guard doctor --release` (issue 15): the release manager's checklist, on a ready
setup (ssh signing key made by ssh-keygen, a bare origin, hooks installed, a recent drill)
and on an unready one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.approvals import NOTES_REF
from hotfix_guard.readiness import record_drill

BIN = str(Path(sys.executable).parent)


@pytest.fixture(autouse=True)
def guard_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ["PATH"])


def make_ready(repo: GitRepo, tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", "v1.2.3")
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingKey", f"{key}.pub")
    assert run_cli(repo, "install-hooks").exit_code == 0
    record_drill("auth-bypass", True)
    return origin


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_a_ready_release_manager(released: GitRepo, tmp_path: Path) -> None:
    origin = make_ready(released, tmp_path)
    before = subprocess.run(["git", "for-each-ref"], cwd=origin, capture_output=True, text=True).stdout
    result = run_cli(released, "doctor", "--release")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok    git identity",
        "ok    signing key",
        "ok    remote",
        "ok    guards",
        "ok    version",
        "ok    approvals",
        "ok    drill",
    ]
    assert lines[-1] == "ready for a release"
    assert subprocess.run(["git", "for-each-ref"], cwd=origin, capture_output=True, text=True).stdout == before


def test_approvals_on_the_remote_must_be_fetched(released: GitRepo, tmp_path: Path) -> None:
    origin = make_ready(released, tmp_path)
    released.git("notes", "--ref", NOTES_REF, "add", "-m", "hotfix-guard approval\nwho: R <r@x>\n", "HEAD")
    released.git("push", "-q", "origin", NOTES_REF)
    released.git("update-ref", "-d", NOTES_REF)
    result = run_cli(released, "doctor", "--release")
    assert result.exit_code == 1
    assert (
        f"FAIL  approvals: {NOTES_REF} is not fetched from origin\n      fix: git fetch origin {NOTES_REF}:{NOTES_REF}"
        in result.output
    )
    assert origin.exists()


def test_an_unready_release_manager_is_told_each_fix(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record_drill("auth-bypass", True, datetime.now(timezone.utc) - timedelta(days=200))
    result = run_cli(released, "doctor", "--release")
    assert result.exit_code == 1
    output = result.output
    assert "FAIL  signing key: no user.signingKey\n      fix: git config user.signingKey KEY" in output
    assert "FAIL  remote: there is no remote 'origin'\n      fix: git remote add origin URL" in output
    assert "FAIL  guards: " in output and "FAIL  drill: last run " in output and "200 days ago" in output
    assert output.endswith("not ready: 5 items to fix\n")
