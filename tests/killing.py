"""Kill hotfix-guard with SIGKILL at the N-th ref update, as a power cut or `kill -9` would.

A `reference-transaction` hook counts every `prepared` and `committed` state of the runs it
is armed for (HG_KILL_AT in the environment, which only the killed run has) and, at the
N-th, kills its whole process group: hotfix-guard, the git it started and the hook itself.
The CLI runs in a session of its own, so the test is not in that group: a real process,
forked from crashkit's warm server (hotfix_guard imported once per worker, not once per run;
CRASH_MATRIX_FRESH=1 starts each afresh).
"""

from __future__ import annotations

import subprocess

import crashkit
from conftest import GitRepo

HOOK = """#!/bin/sh
[ -n "$HG_KILL_AT" ] || exit 0
case "$1" in prepared|committed) ;; *) exit 0 ;; esac
n=$(($(cat "$HG_KILL_COUNT" 2>/dev/null || echo 0) + 1))
echo "$n" > "$HG_KILL_COUNT"
{ echo "$n $1"; cat; } >> "$HG_KILL_COUNT.log"
if [ "$n" -eq "$HG_KILL_AT" ]; then kill -KILL 0; fi
exit 0
"""


def install(repo: GitRepo) -> None:
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "reference-transaction").write_text(HOOK)
    (hooks / "reference-transaction").chmod(0o755)


def run(repo: GitRepo, *args: str, kill_at: int | None = None) -> subprocess.CompletedProcess[str]:
    """`hotfix-guard --repo REPO ARGS` in a new session; killed at the KILL_AT-th ref update if given."""
    counter = repo.path.parent / "ref-updates"
    counter.unlink(missing_ok=True)
    env: dict[str, str] = {}
    if kill_at is not None:
        install(repo)
        env.update(HG_KILL_AT=str(kill_at), HG_KILL_COUNT=str(counter))
    result = crashkit.hotfix_guard(repo.path, *args, env=env, timeout=120)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout, result.stderr)


def killed(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == -9
