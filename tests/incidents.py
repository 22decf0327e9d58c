"""Hotfixes with a pinned clock, for the status, review and notify tests."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.config import default_config
from hotfix_guard.flow.start import start
from hotfix_guard.repository import Repo

DAY = "2026-01-02"
FIX = "fix(auth): HOTFIX - reject empty tokens"
LOG = "fix(auth): HOTFIX - log refused tokens"


def at(monkeypatch: pytest.MonkeyPatch, clock: str) -> None:
    """Git records CLOCK (HH:MM:SS, UTC, on DAY) as the time of what happens next."""
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, f"{DAY}T{clock}+00:00")


def moment(clock: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{clock}+00:00").astimezone(timezone.utc)


def started(repo: GitRepo, clock: str = "10:00:00", **options: object) -> None:
    """`start` at CLOCK with severity critical and a summary, unless OPTIONS say otherwise."""
    choices = {"severity": "critical", "summary": "Login accepts empty tokens", **options}
    code = start(
        Repo(str(repo.path)),
        default_config(),
        name=None,
        from_tag=None,
        security=False,
        timestamp=False,
        push=False,
        dry_run=False,
        now=moment(clock),
        **choices,  # type: ignore[arg-type]
    )
    assert code == 0


def in_progress(released: GitRepo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """develop ahead of v1.2.3; hotfix/v1.2.4 started 10:00, fixed 10:07 and 10:12."""
    released.switch("develop")
    released.commit("feat: unreleased", **{"feature.py": "new\n"})
    released.checkout("main")
    started(released)
    at(monkeypatch, "10:07:00")
    first = released.commit(FIX, **{"app.py": "print('fixed')\n"})
    at(monkeypatch, "10:12:00")
    second = released.commit(LOG, **{"test_auth.py": "def test_empty():\n    assert True\n"})
    return {"first": first, "second": second}


def add_origin(repo: GitRepo, tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    repo.git("init", "-q", "--bare", str(origin))
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main", "develop", "v1.2.3")
    repo.git("fetch", "-q", "origin")
    return origin


def finished(released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The in-progress hotfix, finished with --push at 10:20: merged, tagged v1.2.4, merged back, pushed.

    Built for real once per worker, then copied: identity and dates are pinned, so every build
    makes the same objects, and a copy (remote URL pointed at its own origin) is the same state.
    """
    origin = tmp_path / "origin.git"
    if _finished:
        shutil.rmtree(released.path)
        shutil.copytree(_finished["repo"], released.path, symlinks=True)
        shutil.copytree(_finished["origin"], origin, symlinks=True)
        released.git("remote", "set-url", "origin", str(origin))
        at(monkeypatch, "10:20:00")
        return dict(_finished["shas"])  # type: ignore[arg-type]
    shas = in_progress(released, monkeypatch)
    add_origin(released, tmp_path)
    at(monkeypatch, "10:20:00")
    result = run_cli(released, "finish", "--push")
    assert result.exit_code == 0, result.output
    shas["main"] = released.git("rev-parse", "main").strip()
    shas["develop"] = released.git("rev-parse", "develop").strip()
    cache = Path(tempfile.mkdtemp(prefix="finished-hotfix-"))
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    _finished.update(
        repo=shutil.copytree(released.path, cache / "repo", symlinks=True),
        origin=shutil.copytree(origin, cache / "origin.git", symlinks=True),
        shas=dict(shas),
    )
    return shas


_finished: dict[str, object] = {}
