"""`finish` cut off by kill -9 (the crash matrix kills it at every ref update; these pin the
behaviours it relies on): --continue completes it, keeps what the user changed after the
kill, and --abort with no journal says what became of the release."""

from __future__ import annotations

import killing
from conftest import GitRepo
from finish_test import make_flow

# Ref updates of `finish` on the flow repository: ORIG_HEAD (1, 2), main (3, 4), the tag (5, 6), ...
MAIN_MERGED = 4


def test_continue_after_a_kill_inside_the_merge_completes_the_finish(hotfix: GitRepo) -> None:
    flow = make_flow(hotfix)
    assert killing.killed(killing.run(flow, "finish", kill_at=3))  # main's update prepared, not committed
    result = killing.run(flow, "finish", "--continue")
    assert result.returncode == 0, result.stderr
    assert "was cut off inside: merge hotfix/v1.2.4 into main; completing it" in result.stdout
    assert flow.git("rev-parse", "v1.2.4^{commit}") == flow.git("rev-parse", "main")
    assert flow.git("branch", "--show-current").strip() == "main"
    assert flow.git("status", "--porcelain") == "" and flow.git("stash", "list") == ""


def test_continue_keeps_what_the_user_changed_after_the_kill(hotfix: GitRepo) -> None:
    flow = make_flow(hotfix)
    assert killing.killed(killing.run(flow, "finish", kill_at=MAIN_MERGED))
    (flow.path / ".git/index.lock").unlink(missing_ok=True)
    flow.write("app.py", "print('my edit')\n")
    result = killing.run(flow, "finish", "--continue")
    assert result.returncode == 0, result.stderr
    command = next(line for line in result.stdout.splitlines() if "git stash branch" in line)
    flow.git(*command.split("git ", 1)[1].split())
    assert (flow.path / "app.py").read_text() == "print('my edit')\n"


def test_abort_after_the_finish_completed_says_what_became_of_the_release(hotfix: GitRepo) -> None:
    flow = make_flow(hotfix)
    assert killing.run(flow, "finish").returncode == 0
    result = killing.run(flow, "finish", "--abort")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "no finish is in progress: hotfix/v1.2.4 was finished (merged into main, tagged v1.2.4)" in result.stderr
    assert "use hotfix-guard rollback" in result.stderr
