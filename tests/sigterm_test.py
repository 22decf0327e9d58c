"""SIGTERM (`kill PID`) to a flow command undoes its work like Ctrl-C, then exits 143."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import GitRepo

# At the first committed update of a ref matching $REF, SIGTERM hotfix-guard (git's parent)
# and nothing else: git and this hook carry on, as they would after a plain `kill PID`.
TERM_HOOK = """#!/bin/sh
[ "$1" = committed ] || exit 0
grep -q "{ref}" || exit 0
[ -e .git/terminated ] && exit 0
touch .git/terminated
kill -TERM $(cut -d' ' -f4 /proc/$PPID/stat)
sleep 1
"""


def state(repo: GitRepo) -> tuple[str, str, str, str]:
    head = repo.git("symbolic-ref", "-q", "HEAD", check=False)
    return repo.refs(), head, repo.git("status", "--porcelain", "--ignored"), repo.git("stash", "list")


@pytest.mark.parametrize(
    ("args", "ref", "step"),
    [
        (["start"], " refs/heads/hotfix/", "Terminated."),
        (["finish", "hotfix/v1.2.4"], " refs/tags/v1.2.4", "tag v1.2.4 was interrupted"),
        (["rollback"], " refs/tags/v1.2.5", "rollback failed at step"),
    ],
)
def test_sigterm_undoes_a_flow_command_and_exits_143(released: GitRepo, args: list[str], ref: str, step: str) -> None:
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(**{"app.py": "print('fixed')\n"})
    released.checkout("main")
    if args[0] != "finish":
        released.git("merge", "-q", "--no-ff", "-m", "Merge hotfix/v1.2.4", "hotfix/v1.2.4")
        released.tag("v1.2.4")
        released.git("branch", "-D", "hotfix/v1.2.4")
    released.write(".git/hooks/reference-transaction", TERM_HOOK.format(ref=ref)).chmod(0o755)
    before = state(released)
    command = [sys.executable, "-m", "hotfix_guard", *args]
    result = subprocess.run(command, cwd=released.path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 143, result.stderr
    assert (released.path / ".git" / "terminated").exists()
    assert step in result.stderr and "Traceback" not in result.stderr
    (released.path / ".git" / "hooks" / "reference-transaction").unlink()
    assert state(released) == before
