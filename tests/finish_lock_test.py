"""Two finishes at once: the second is refused while the first holds the repository's lock."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from finish_test import conflict_on, make_flow, state

from hotfix_guard.flow import lock

HOLD = "import sys, time\nfrom hotfix_guard.flow import lock\nwith lock.locked(sys.argv[1], 'finish --push'):\n    print('held', flush=True)\n    time.sleep(60)\n"


@pytest.fixture
def flow(hotfix: GitRepo) -> GitRepo:
    return make_flow(hotfix)


@pytest.fixture
def held(flow: GitRepo) -> Iterator[subprocess.Popen[str]]:
    """Another hotfix-guard process holding the lock of FLOW's repository."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(flow.path / ".git")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("args", [[], ["--push"], ["--no-verify", "--keep"]])
def test_finish_is_refused_while_another_holds_the_lock(
    flow: GitRepo, held: subprocess.Popen[str], args: list[str]
) -> None:
    before = state(flow)
    result = run_cli(flow, "finish", *args)
    assert result.exit_code == 2, result.output
    assert f"another hotfix-guard is changing this repository (pid {held.pid}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and state(flow) == before


@pytest.mark.parametrize("action", ["--continue", "--abort"])
def test_continue_and_abort_are_refused_while_another_holds_the_lock(hotfix: GitRepo, action: str) -> None:
    flow = make_flow(hotfix)
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    before = (state(flow), (flow.path / ".git/hotfix-guard/finish.json").read_text())
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(flow.path / ".git")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = run_cli(flow, "finish", action)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2 and "another hotfix-guard is changing this repository" in result.stderr
    assert (state(flow), (flow.path / ".git/hotfix-guard/finish.json").read_text()) == before
    assert run_cli(flow, "finish", action).exit_code == 0  # the holder is gone: a stale lock, taken over


def test_dry_run_takes_no_lock(flow: GitRepo, held: subprocess.Popen[str]) -> None:
    assert run_cli(flow, "finish", "--dry-run").exit_code == 0


def test_a_dead_holders_lock_is_taken_over(flow: GitRepo) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = Path(lock.lock_path(str(flow.path / ".git")))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": dead.pid, "start": "1", "command": "finish", "since": "x"}))
    result = run_cli(flow, "finish")
    assert result.exit_code == 0 and "took over a stale lock" in result.stdout
    assert flow.git("tag", "--list", "v1.2.4").strip() == "v1.2.4" and not path.exists()
