"""pre-commit's store with hotfix-guard's hooks installed, built once per test session.

As pre-commit's own tests do (testing/fixtures.py: `make_config_from_repo`), the store is
made from a one-commit snapshot repository of this checkout and a `.pre-commit-config.yaml`
naming every hook of it at that commit; `pre-commit install-hooks` then pip-installs
hotfix-guard into a store (PRE_COMMIT_HOME) of the session's own. The snapshot means that
pre-commit never sees uncommitted edits of the checkout through a shadow commit, and sees
new untracked files.

The install is most of the pre-commit tests' time, and mostly waiting (a virtualenv, pip),
so the xdist controller, which runs no test, starts it in a thread as the session starts
(conftest's pytest_sessionstart); the workers' fixture takes the same lock and finds it
built, or builds it itself when nobody started it (`-n 0`, or a file run on its own).
(An xdist group, to make one worker pay for the install, does not work: pytest 9.2's
structured node ids drop the group suffix xdist's loadgroup relies on,
pytest-dev/pytest-xdist#1386; hence the lock, as in xdist's "Making session-scoped
fixtures execute only once".)
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import IDENTITY

CHECKOUT = Path(__file__).parents[1]
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", "tests", "__pycache__", "*.egg-info", "build", "dist", ".venv", ".*_cache", ".hypothesis"
)
# Read at import, before conftest's git_environment points HOME at a temporary directory.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pip"
)
_TEST_ENVIRONMENT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "SKIP")


def shared_store(shared: Path) -> tuple[Path, dict[str, str]]:
    """(the config naming every hook, the environment pre-commit needs) of the session's
    store under SHARED: built by whoever gets the lock first, then read by everyone."""
    with open(shared / "pre-commit.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ready = shared / "pre-commit" / "ready.json"
        if not ready.exists():
            config, env = _install(shared / "pre-commit")
            ready.write_text(json.dumps({"config": str(config), "env": env}))
        built = json.loads(ready.read_text())
    return Path(built["config"]), built["env"]


def run_pre_commit(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )


def _install(top: Path) -> tuple[Path, dict[str, str]]:
    shutil.rmtree(top, ignore_errors=True)  # what an earlier attempt that failed left
    source = top / "hook-source" / "hotfix-guard"
    shutil.copytree(CHECKOUT, source, ignore=NOT_SHIPPED)
    hooks = [{"id": hook["id"]} for hook in yaml.safe_load((source / ".pre-commit-hooks.yaml").read_text())]
    shared_env = {
        "PRE_COMMIT_HOME": str(top / "pre-commit-home"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(top / "virtualenv-app-data"),
        # pip's own cache, where the README's `pip install -e '.[test]'` just put click, unidiff
        # and pytest: without it every session fetched them again (34 of a 53 s install).
        "PIP_CACHE_DIR": PIP_CACHE,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **_user_pip_config(),
    }
    if sys.version_info < (3, 12):  # virtualenv seeds setuptools there: no separate build environment
        shared_env["PIP_NO_BUILD_ISOLATION"] = "0"  # sic: pip reads "0" as "no build isolation"
    # The tests' git (a pinned identity, no user config), given explicitly: the controller's
    # thread builds this while nothing of conftest's environment is set.
    env = {name: value for name, value in os.environ.items() if name not in _TEST_ENVIRONMENT}
    env.update(IDENTITY, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, **shared_env)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "hotfix-guard under test"]):
        subprocess.run(["git", *args], cwd=source, env=env, check=True, capture_output=True)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, env=env, check=True, capture_output=True, text=True)
    config = source.parent / "pre-commit-config.yaml"
    # JSON is YAML: no YAML writer needed
    config.write_text(json.dumps({"repos": [{"repo": str(source), "rev": rev.stdout.strip(), "hooks": hooks}]}))
    installed = run_pre_commit(["install-hooks", f"--config={config}"], source, env)
    if installed.returncode != 0:
        raise AssertionError(f"pre-commit install-hooks failed:\n{installed.stdout}")
    return config, shared_env


def _user_pip_config() -> dict[str, str]:
    """The developer's pip config (index, certificates), which the tests' isolated HOME would hide from pip."""
    if "PIP_CONFIG_FILE" in os.environ:
        return {}
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for path in (config_home / "pip" / "pip.conf", Path.home() / ".pip" / "pip.conf"):
        if path.is_file():
            return {"PIP_CONFIG_FILE": str(path)}
    return {}
