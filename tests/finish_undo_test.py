"""`finish --abort` and finish's own undo: the user's work is saved whole, the tool's own
half-done changes are not passed off as the user's, and a partial undo can always be finished."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from finish_test import conflict_on, make_flow, state


@pytest.fixture
def flow(hotfix: GitRepo) -> GitRepo:
    return make_flow(hotfix)


def hook(repo: GitRepo, name: str, body: str) -> Path:
    path = repo.write(f".git/hooks/{name}", "#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def work(repo: GitRepo, *names: str) -> tuple[object, ...]:
    """The index (staged), the unstaged changes, the status and the bytes of NAMES."""
    files = tuple((repo.path / name).read_bytes() if (repo.path / name).exists() else None for name in names)
    return (
        repo.git("ls-files", "-s"),
        repo.git("diff"),
        repo.git("status", "--porcelain", "--untracked-files=all"),
        files,
    )


def bring_back(repo: GitRepo, output: str) -> None:
    """Run the one command --abort printed to bring the saved work back."""
    command = re.search(r"git stash branch \S+ [0-9a-f]{40}", output)
    assert command, output
    subprocess.run(shlex.split(command.group(0)), cwd=repo.path, check=True, capture_output=True)


@pytest.mark.parametrize("branch", ["main", "develop"])
def test_abort_saves_the_resolution_new_files_and_edits(flow: GitRepo, branch: str) -> None:
    conflict_on(flow, branch)
    before = state(flow)
    assert run_cli(flow, "finish").exit_code == 1
    flow.write("VERSION", "resolved\n")
    flow.write("new.py", "brand new\n")
    flow.git("add", "VERSION", "new.py")
    flow.write("README.md", "edited, not staged\n")
    flow.write("notes.txt", "untracked, left where it is\n")
    during = work(flow, "VERSION", "new.py", "README.md", "notes.txt")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and "saved as a stash" in result.stdout, result.output
    assert [ref for ref in flow.refs().splitlines() if not ref.startswith("refs/stash ")] == before[0].splitlines()
    assert (flow.path / "notes.txt").read_text() == "untracked, left where it is\n"
    bring_back(flow, result.stdout)
    assert work(flow, "VERSION", "new.py", "README.md", "notes.txt") == during


def test_abort_saves_an_unstaged_resolution(flow: GitRepo) -> None:
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.write("VERSION", "resolved, not staged\n")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and "saved as a stash" in result.stdout
    assert flow.git("stash", "list").count("\n") == 1
    bring_back(flow, result.stdout)
    assert (flow.path / "VERSION").read_text() == "resolved, not staged\n"
    assert flow.git("diff", "HEAD", "--", "app.py") and not flow.git("diff", "--", "app.py")  # the merge: staged


def test_abort_saves_an_untracked_file_the_reset_would_overwrite(flow: GitRepo) -> None:
    """hotfix/v1.2.4 tracks only.txt; during the stopped merge it is untracked there: the reset back would write it."""
    flow.commit(**{"only.txt": "on the hotfix\n"})
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.git("rm", "-q", "--cached", "only.txt")
    flow.write("only.txt", "the user's own\n")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and "saved as a stash" in result.stdout
    bring_back(flow, result.stdout)
    assert (flow.path / "only.txt").read_text() == "the user's own\n"


def test_the_tools_own_half_done_changes_are_not_stashed(flow: GitRepo) -> None:
    """A post-checkout hook scribbles on a tracked file and fails: that is not the user's work."""
    scribbler = hook(
        flow, "post-checkout", '[ "$(git branch --show-current)" = develop ] || exit 0\necho half > app.py\nexit 1\n'
    )
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 1 and "stash" not in result.output, result.output
    scribbler.unlink()
    assert state(flow) == before  # no refs/stash either


def test_undo_leaves_stashes_untracked_and_ignored_files(flow: GitRepo) -> None:
    flow.write(".git/info/exclude", "*.log\n")
    flow.write("README.md", "stashed\n")
    flow.git("stash", "-q")
    flow.write("scratch.txt", "mine\n")
    flow.write("debug.log", "ignored\n")
    hook(flow, "pre-merge-commit", "exit 1\n")
    before = (state(flow), flow.git("stash", "list"), (flow.path / "debug.log").read_text())
    assert run_cli(flow, "finish").exit_code == 1
    assert (state(flow), flow.git("stash", "list"), (flow.path / "debug.log").read_text()) == before


def test_abort_leaves_stashes_untracked_and_ignored_files(flow: GitRepo) -> None:
    flow.write(".git/info/exclude", "*.log\n")
    flow.write("README.md", "stashed\n")
    flow.git("stash", "-q")
    conflict_on(flow, "develop")
    flow.write("scratch.txt", "mine\n")
    flow.write("debug.log", "ignored\n")
    before = (state(flow), flow.git("stash", "list"), (flow.path / "debug.log").read_text())
    run_cli(flow, "finish")
    assert run_cli(flow, "finish", "--abort").exit_code == 0
    assert (state(flow), flow.git("stash", "list"), (flow.path / "debug.log").read_text()) == before


REJECT_DEVELOP_AND_TAG_RESTORE = """\
[ "$1" = prepared ] || exit 0
input=$(cat)
echo "$input" | grep -q ' refs/heads/develop$' && exit 1
[ -e .git/block-tag ] && echo "$input" | grep -q '^[0-9a-f]* 0* refs/tags/v1.2.4$' && exit 1
exit 0
"""


def test_a_partial_undo_is_finished_by_abort(flow: GitRepo) -> None:
    """The back-merge fails; putting the tag back is refused once: --abort completes the undo."""
    hook(flow, "reference-transaction", REJECT_DEVELOP_AND_TAG_RESTORE)
    flow.write(".git/block-tag", "")
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 1 and "could not put everything back (refs/tags/v1.2.4" in result.stderr
    assert "finish --abort" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert flow.git("tag", "--list", "v1.2.4").strip() == "v1.2.4"
    assert flow.git("rev-parse", "main") == flow.git("rev-parse", "v1.2.3")  # main is back already
    assert run_cli(flow, "finish", "--continue").exit_code == 2  # never carried on
    (flow.path / ".git" / "block-tag").unlink()
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0, result.output
    assert state(flow) == before and not (flow.path / ".git/hotfix-guard/finish.json").exists()


def test_an_unwritable_journal_after_the_first_step_undoes_everything(flow: GitRepo) -> None:
    """Once main is merged, the journal's next write fails (its temporary file's name is taken)."""
    temporary = f".git/hotfix-guard/.finish.json.hotfix-guard-{os.getpid()}.tmp"
    hook(
        flow,
        "reference-transaction",
        "[ \"$1\" = committed ] || exit 0\ngrep -q ' refs/heads/main$' || exit 0\n"
        f"[ -e .git/once ] && exit 0\ntouch .git/once\nmkdir {temporary}\n",
    )
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 1 and "back as before finish started" in result.stderr, result.output
    assert "merge hotfix/v1.2.4 into main failed" in result.stderr
    assert state(flow) == before and not (flow.path / ".git/hotfix-guard/finish.json").exists()


def test_an_unwritable_journal_at_the_start_changes_nothing(flow: GitRepo) -> None:
    (flow.path / f".git/hotfix-guard/.finish.json.hotfix-guard-{os.getpid()}.tmp").mkdir(parents=True)
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 2 and "cannot write the finish journal" in result.stderr, result.output
    assert "nothing was changed" in result.stderr and state(flow) == before


def test_a_journal_that_disappears_meanwhile_is_no_traceback(flow: GitRepo) -> None:
    """Each ref update removes finish's whole state directory: finish writes it again, and ends."""
    hook(flow, "reference-transaction", '[ "$1" = committed ] || exit 0\nrm -rf .git/hotfix-guard\n')
    result = run_cli(flow, "finish")
    assert result.exit_code == 0, result.output
    assert flow.git("rev-parse", "v1.2.4^{commit}") == flow.git("rev-parse", "main")
    assert not (flow.path / ".git/hotfix-guard/finish.json").exists()


def test_continue_refuses_unstaged_changes_and_keeps_them(flow: GitRepo) -> None:
    """After --continue, a failing step's undo would reset them: they are refused first."""
    conflict_on(flow, "main")
    run_cli(flow, "finish")
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    flow.write("README.md", "not staged\n")
    result = run_cli(flow, "finish", "--continue")
    assert result.exit_code == 2 and "unstaged changes in README.md" in result.stderr
    assert (flow.path / "README.md").read_text() == "not staged\n" and (flow.path / ".git/MERGE_HEAD").exists()
    flow.git("add", "README.md")
    assert run_cli(flow, "finish", "--continue").exit_code == 0
    assert flow.git("show", "main:README.md") == "not staged\n"


def test_abort_says_how_to_keep_a_merge_committed_by_hand(flow: GitRepo) -> None:
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    flow.git("commit", "-q", "--no-edit")
    mine = flow.git("rev-parse", "develop").strip()
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and f"git branch hotfix-guard-saved-{mine[:10]} {mine}" in result.stdout
    assert flow.git("rev-parse", "develop").strip() != mine


def test_abort_of_an_older_journal_saves_the_stopped_merge(flow: GitRepo) -> None:
    """A journal an older hotfix-guard wrote says nothing of a hand-over: the work is kept anyway."""
    conflict_on(flow, "develop")
    run_cli(flow, "finish")
    journal = flow.path / ".git/hotfix-guard/finish.json"
    old = {key: value for key, value in json.loads(journal.read_text()).items() if key not in ("format", "handed_over")}
    journal.write_text(json.dumps(old))
    flow.write("VERSION", "resolved\n")
    result = run_cli(flow, "finish", "--abort")
    assert result.exit_code == 0 and "saved as a stash" in result.stdout
    bring_back(flow, result.stdout)
    assert (flow.path / "VERSION").read_text() == "resolved\n"


def test_an_undo_puts_back_a_branch_that_is_another_ones_symbolic_ref(hotfix: GitRepo) -> None:
    """develop a symbolic ref to main: the undo reads each ref just before it puts it back, so
    once main is back, develop (main itself) is too, and the undo does not fail on it."""
    hotfix.git("symbolic-ref", "refs/heads/develop", "refs/heads/main")
    before = state(hotfix)
    hook(
        hotfix,
        "reference-transaction",
        '[ "$1" = prepared ] || exit 0\ngrep -q " 0\\{40\\} refs/heads/hotfix/" && exit 1\nexit 0\n',
    )
    result = run_cli(hotfix, "finish")
    assert result.exit_code == 1, result.output
    assert "Every ref, the index and the work tree are back" in result.output, result.output
    assert state(hotfix) == before and not (hotfix.path / ".git" / "hotfix-guard" / "finish.json").exists()
