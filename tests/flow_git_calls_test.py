"""The flow commands ask git once per fact: the batched questions answer as the one-at-a-time ones did."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import GitRepo

from hotfix_guard import gitrepo
from hotfix_guard.flow.common import untracked_in_the_way
from hotfix_guard.flow.finish import _upstream
from hotfix_guard.repository import Repo


def traced(tmp_path: Path, call: Callable[[], object]) -> tuple[object, list[list[str]]]:
    trace = tmp_path / "trace"
    trace.unlink(missing_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTFIX_GUARD_TRACE_GIT", str(trace))
        result = call()
    calls = [json.loads(line) for line in trace.read_text().splitlines()] if trace.exists() else []
    return result, calls


def test_shas_peels_each_ref_to_its_commit_as_rev_parse_does(released: GitRepo, tmp_path: Path) -> None:
    """Lightweight and annotated tags, a tag of a tag, tags of a tree and a blob, a symbolic ref,
    a dangling one, a ref that does not exist: one for-each-ref (a tag of a tag may cost one more)."""
    tree = released.git("rev-parse", "HEAD^{tree}").strip()
    blob = released.git("rev-parse", "HEAD:app.py").strip()
    released.git("tag", "-a", "-m", "release", "v1.2.4", "HEAD")
    released.git("-c", "advice.nestedTag=false", "tag", "-a", "-m", "again", "nested", "v1.2.4")
    released.git("tag", "-a", "-m", "a tree", "of-a-tree", tree)
    released.git("tag", "light-tree", tree)
    released.git("tag", "light-blob", blob)
    released.git("symbolic-ref", "refs/heads/alias", "refs/heads/main")
    released.git("symbolic-ref", "refs/heads/dangling", "refs/heads/nothing")
    names = ["v1.2.3", "v1.2.4", "nested", "of-a-tree", "light-tree", "light-blob", "gone"]
    refs = [f"refs/tags/{name}^{{commit}}" for name in names] + [f"refs/tags/{name}" for name in names]
    refs += ["refs/heads/alias^{commit}", "refs/heads/dangling^{commit}", "refs/heads/main", "HEAD^{commit}"]
    repo = Repo(str(released.path))
    found, calls = traced(tmp_path, lambda: repo.shas(refs))
    assert found == {ref: repo.sha(ref) for ref in refs}
    assert [call[3] for call in calls if call[3] != "rev-parse"] == ["for-each-ref"]
    assert len(calls) <= 3  # HEAD^{commit} is no full ref name; an older git peels the tag of a tag once


def in_the_way_flow(repo: GitRepo) -> list[str]:
    """Branches that track files the checkout has untracked or ignored: a file where one is, a
    directory where a file is, a file where a directory is; the revs that track them."""
    repo.git("init", "-q", "-b", "main")
    repo.commit("feat: first", **{"app.py": "1\n", ".gitignore": "*.local\n"})
    repo.switch("one")
    repo.commit("feat: one", **{"settings.local": "tracked\n", "docs__a.md": "a\n"})
    repo.git("add", "-f", "settings.local")
    repo.git("commit", "-q", "-m", "feat: force")
    repo.switch("two", "main")
    repo.commit("feat: two", **{"build": "a file\n", "notes.txt": "n\n"})
    repo.switch("three", "main")
    repo.commit("feat: three", **{"cache__x": "x\n", "docs__a.md": "other\n"})
    repo.checkout("main")
    repo.write("settings.local", "mine\n")
    repo.write("build/out.o", "object\n")
    repo.write("cache", "a file where a directory goes\n")
    repo.write("docs/a.md", "untracked\n")
    tree = repo.git("rev-parse", "three^{tree}").strip()
    return ["refs/heads/one", "refs/heads/two", "refs/heads/three", tree, "refs/heads/main"]


def one_by_one(repo: Repo, revs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for rev in revs:
        for path, where in untracked_in_the_way(repo, [rev]).items():
            found.setdefault(path, where)
    return found


def test_untracked_in_the_way_of_many_revs_says_what_one_rev_at_a_time_says(repo: GitRepo, tmp_path: Path) -> None:
    revs = in_the_way_flow(repo)
    opened = Repo(str(repo.path))
    found, calls = traced(tmp_path, lambda: untracked_in_the_way(opened, revs))
    assert found == one_by_one(opened, revs)
    assert found == {
        "settings.local": "refs/heads/one",
        "docs/a.md": "refs/heads/one",
        "build/": "refs/heads/two",
        "cache": "refs/heads/three",
    }
    assert "diff-tree" in [call[3] for call in calls]
    assert "diff-index" in [call[3] for call in calls if "--quiet" in call]
    assert not [call for call in calls if call[3] == "diff-index" and "--quiet" not in call]


def test_with_changes_staged_each_rev_is_asked_on_its_own(repo: GitRepo, tmp_path: Path) -> None:
    """The index is not HEAD's tree: the paths a rev has and the index lacks are not those it adds to HEAD."""
    revs = in_the_way_flow(repo)
    repo.git("rm", "-q", "--cached", "app.py")
    opened = Repo(str(repo.path))
    found, calls = traced(tmp_path, lambda: untracked_in_the_way(opened, revs))
    assert found == one_by_one(opened, revs)
    assert "diff-tree" not in [call[3] for call in calls]


def test_a_path_with_a_newline_is_read_one_rev_at_a_time(repo: GitRepo) -> None:
    repo.git("init", "-q", "-b", "main")
    base = repo.commit("feat: first", **{"app.py": "1\n"})
    repo.commit("feat: odd", **{"odd\nname": "x\n", "plain": "y\n"})
    opened = Repo(str(repo.path))
    trees = gitrepo.trees_of([base, "HEAD", "HEAD", base, "HEAD"], opened.top)
    assert trees is not None
    assert gitrepo.added_paths(trees[0], trees[1:], opened.top) is None
    repo.git("reset", "-q", "--hard", base)
    repo.write("odd\nname", "mine\n")
    revs = ["refs/heads/main", "HEAD@{1}", "HEAD@{1}", "HEAD@{1}"]
    assert untracked_in_the_way(opened, revs) == {"odd\nname": "HEAD@{1}"} == one_by_one(opened, revs)


def test_added_paths_names_each_pair_s_own(repo: GitRepo) -> None:
    repo.git("init", "-q", "-b", "main")
    base = repo.commit("feat: first", **{"app.py": "1\n"})
    first = repo.commit("feat: a", **{"a": "a\n", "dir__b": "b\n"})
    second = repo.commit("feat: c", **{"c": "c\n"})
    trees = gitrepo.trees_of([base, first, base, second, second], str(repo.path))
    assert trees is not None
    added = [["a", "dir/b"], [], ["a", "c", "dir/b"], ["a", "c", "dir/b"]]  # each against the first
    assert gitrepo.added_paths(trees[0], trees[1:], str(repo.path)) == added


@pytest.mark.parametrize("branch", ["hotfix/v1.2.4", "hotfix/v1.2.4+x(1){2}|$.]", "a.b"])
def test_the_upstream_is_read_in_one_git_as_two_gits_read_it(released: GitRepo, tmp_path: Path, branch: str) -> None:
    """A branch name's regex characters stand for themselves; the last of several values counts;
    another branch whose name the pattern could match unescaped is not read."""
    for name in (branch, branch.replace(".", "X"), f"{branch}.more"):
        released.git("config", f"branch.{name}.remote", f"remote-of-{name}")
        released.git("config", f"branch.{name}.merge", f"refs/heads/{name}")
    released.git("config", "--add", f"branch.{branch}.merge", "refs/heads/last")
    repo = Repo(str(released.path))
    upstream, calls = traced(tmp_path, lambda: _upstream(repo, branch))
    assert upstream == {"remote": f"remote-of-{branch}", "merge": "refs/heads/last"}
    assert len(calls) == 1
    released.git("config", "--unset-all", f"branch.{branch}.merge")
    assert _upstream(repo, branch) is None


@pytest.mark.parametrize("name", ["dev\u2028elop", "dev\x85x"])
def test_shas_finds_a_branch_whose_name_holds_a_unicode_line_break(released: GitRepo, name: str) -> None:
    """git splits nothing but "\\n"; str.splitlines would also split at U+2028 and U+0085."""
    released.git("branch", name)
    repo = Repo(str(released.path))
    ref = f"refs/heads/{name}"
    assert repo.shas([ref, f"{ref}^{{commit}}", "refs/heads/main"]) == {
        ref: repo.sha(ref),
        f"{ref}^{{commit}}": repo.sha(ref),
        "refs/heads/main": repo.sha("refs/heads/main"),
    }
    assert repo.sha(ref) is not None
