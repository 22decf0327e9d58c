"""jest, vitest and mocha from the npm registry, installed once into a cache the test sessions share.

The cache sits under ~/.cache (XDG_CACHE_HOME, or HOTFIX_GUARD_TEST_NPM_CACHE), named by the
pinned versions, so a new pin installs afresh and an old one is never half-used. xdist
workers take an fcntl lock on it: the first installs (into a scratch directory renamed into
place when npm is done), the others wait and use it. Each test project links the cache's
node_modules. Where the registry cannot be reached the tests that need these runners fail
with a message that says so; node's own runner needs none of this.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

VERSIONS = {"jest": "30.5.2", "vitest": "3.2.7", "mocha": "11.8.0"}
_INSTALL_TIMEOUT = 600
# Read before any test points HOME at its own temporary directory.
_HOME = os.path.expanduser("~")
_ROOT = Path(
    os.environ.get("HOTFIX_GUARD_TEST_NPM_CACHE")
    or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(_HOME, ".cache"), "hotfix-guard-tests")
)
_failed: list[str] = []  # this worker's failed install, so that later tests fail at once


def installed() -> Path:
    """The node_modules holding the pinned runners (installed on first use); fails the test without them."""
    if _failed:
        pytest.fail(_failed[0], pytrace=False)
    key = hashlib.sha256(json.dumps(VERSIONS, sort_keys=True).encode()).hexdigest()[:12]
    home = _ROOT / f"npm-runners-{key}"
    modules = home / "node_modules"
    done = home / "installed.json"
    if done.exists():
        return modules
    _ROOT.mkdir(parents=True, exist_ok=True)
    with open(_ROOT / f"npm-runners-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be installing: wait for it
        if not done.exists():
            try:
                _install(home)
            except RuntimeError as error:
                _failed.append(str(error))
                pytest.fail(str(error), pytrace=False)
    return modules


def _install(home: Path) -> None:
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not on PATH: the jest, vitest and mocha tests need it to install them")
    scratch = home.with_name(home.name + f".partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    (scratch / "package.json").write_text(json.dumps({"name": "hotfix-guard-test-runners", "private": True}))
    command = [
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--save-exact",
        *(f"{name}@{version}" for name, version in VERSIONS.items()),
    ]
    environment = {**os.environ, "HOME": _HOME}
    environment.pop("GIT_CONFIG_GLOBAL", None)
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=scratch, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT, env=environment
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"npm install of {', '.join(VERSIONS)} took over {_INSTALL_TIMEOUT} s: is the npm registry reachable?"
        ) from None
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("npm error")]
        last = " | ".join(errors[:2] or result.stderr.strip().splitlines()[-2:])
        raise RuntimeError(
            f"cannot install the test runners from the npm registry ({' '.join(command)}): {last}; "
            "these tests need the registry (or a warm npm cache) once"
        )
    seconds = time.monotonic() - started
    (scratch / "installed.json").write_text(json.dumps({"versions": VERSIONS, "seconds": round(seconds, 1)}))
    shutil.rmtree(home, ignore_errors=True)
    os.rename(scratch, home)


def link_into(project: Path) -> None:
    """Give PROJECT the cached runners as its node_modules."""
    (project / "node_modules").symlink_to(installed(), target_is_directory=True)
