"""`finish` refuses, before changing anything, when a checkout it makes would overwrite or
remove an untracked or ignored file (git overwrites ignored files without a word)."""

from __future__ import annotations

import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli
from finish_test import conflict_on, make_flow, state


@pytest.fixture
def flow(hotfix: GitRepo) -> GitRepo:
    return make_flow(hotfix)


def ignored_here_tracked_there(repo: GitRepo, branch: str, tracked: str, local: str, ignore: str) -> None:
    """BRANCH tracks TRACKED; the checkout (the hotfix branch) has the ignored LOCAL."""
    repo.checkout(branch)
    repo.write(tracked, f"{branch}'s\n")
    repo.git("add", "-f", tracked)
    repo.git("commit", "-q", "-m", f"chore: track {tracked}")
    repo.checkout("hotfix/v1.2.4")
    repo.commit(GOOD_MESSAGE, **{".gitignore": f"{ignore}\n"})
    repo.write(local, "local secrets\n")


@pytest.mark.parametrize(
    ("branch", "tracked", "local", "ignore"),
    [
        ("develop", "settings.local", "settings.local", "settings.local"),
        ("main", "settings.local", "settings.local", "settings.local"),
        ("develop", "cache/data.db", "cache", "cache"),  # a file where a directory must go
        ("develop", "build", "build/out.bin", "build/"),  # a directory where a file must go
    ],
)
def test_an_ignored_file_in_the_way_is_refused(
    flow: GitRepo, branch: str, tracked: str, local: str, ignore: str
) -> None:
    ignored_here_tracked_there(flow, branch, tracked, local, ignore)
    assert flow.git("status", "--porcelain", "--ignored").count("!!") == 1
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 2, result.output
    assert local.split("/")[0] in result.stderr and f"tracked on {branch}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (flow.path / local).read_text() == "local secrets\n" and state(flow) == before


def test_an_untracked_file_in_the_way_is_refused(flow: GitRepo) -> None:
    flow.write("feature.py", "mine\n")  # develop tracks feature.py
    before = state(flow)
    result = run_cli(flow, "finish")
    assert result.exit_code == 2 and "feature.py" in result.stderr and "tracked on develop" in result.stderr
    assert (flow.path / "feature.py").read_text() == "mine\n" and state(flow) == before


def test_ignored_files_out_of_the_way_do_not_matter(flow: GitRepo) -> None:
    flow.write(".git/info/exclude", "*.log\n")
    flow.write("debug.log", "kept\n")
    assert run_cli(flow, "finish").exit_code == 0
    assert (flow.path / "debug.log").read_text() == "kept\n"


def test_continue_refuses_a_file_put_in_the_way_meanwhile(flow: GitRepo) -> None:
    conflict_on(flow, "main")
    run_cli(flow, "finish")
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    flow.write("feature.py", "mine\n")  # develop tracks it: the back-merge would overwrite it
    result = run_cli(flow, "finish", "--continue")
    assert result.exit_code == 2 and "feature.py" in result.stderr
    assert (flow.path / "feature.py").read_text() == "mine\n" and (flow.path / ".git/MERGE_HEAD").exists()
    (flow.path / "feature.py").unlink()
    assert run_cli(flow, "finish", "--continue").exit_code == 0


def test_a_file_only_the_merge_makes_is_found(flow: GitRepo) -> None:
    """main moved lib/ to src/; the hotfix adds lib/new.py: the merge puts it at src/new.py."""
    flow.checkout("hotfix/v1.2.4")
    flow.git("reset", "-q", "--hard", "v1.2.3")
    flow.commit("chore: lib", **{"lib__a.py": "a\n", "lib__b.py": "b\n"})
    flow.git("tag", "-f", "v1.2.3")
    flow.checkout("main")
    flow.git("merge", "-q", "--ff-only", "hotfix/v1.2.4")
    flow.git("mv", "lib", "src")
    flow.git("commit", "-q", "-m", "refactor: lib is src")
    flow.checkout("hotfix/v1.2.4")
    flow.commit(GOOD_MESSAGE, **{"lib__new.py": "new\n", ".gitignore": "src/new.py\n"})
    flow.write("src/new.py", "local\n")
    result = run_cli(flow, "finish", "--no-develop")
    assert result.exit_code == 2 and "src/new.py (tracked by the merge into main)" in result.stderr, result.output
    assert (flow.path / "src/new.py").read_text() == "local\n"
