"""The repository a command works on, once opened: `Repo`.

Names, one per concept: `repo` (a path, or None for the current directory) is where the
user said to look (`--repo`); `gitrepo.Location` is what git says of that place (work tree,
git directory, shallowness, head commit); `Repo` is the repository opened there, which
start, finish, rollback, status, review and notify act on; `collect.Target` is what a
check run judges (where, which head, base and branch).
"""

from __future__ import annotations

import os

from hotfix_guard import gitrepo
from hotfix_guard.errors import GitError, RepoError
from hotfix_guard.refnames import is_full_refname

# The suffix that asks for the commit a ref peels to (an annotated tag's), as rev-parse takes it.
PEEL = "^{commit}"


class Repo:
    """An opened repository that a command reads or changes: where it is (`top`, `git_dir`),
    git run there (every call through gitrepo), and the files of ours in its git directory."""

    def __init__(self, path: str | None):
        info = gitrepo.locate(path)
        if info.head_sha is None:
            raise RepoError("the repository has no commits yet; commit something first")
        self.top = info.top
        self.git_dir = info.git_dir

    def git(self, *args: str) -> str:
        return gitrepo.git_ok(list(args), self.top)

    def try_git(self, *args: str) -> gitrepo.GitResult:
        return gitrepo.run_git(list(args), self.top)

    def git_env(self, env: dict[str, str], *args: str) -> str:
        """Like git(), with ENV added to the environment."""
        if not env:
            return self.git(*args)
        result = gitrepo.run_git(list(args), self.top, {**os.environ, **env})
        if result.returncode != 0:
            command = next((arg for arg in args if not arg.startswith("-")), "")
            raise GitError(f"git {command} failed: {result.error_line()}")
        return result.text()

    def git_with_index(self, index: str, *args: str) -> str:
        """Like git(), on the index file INDEX instead of the repository's."""
        return self.git_env({"GIT_INDEX_FILE": index}, *args)

    def sha(self, ref: str) -> str | None:
        """The commit (or tag object) REF names, None when it does not exist."""
        result = self.try_git("rev-parse", "--verify", "-q", "--end-of-options", ref)
        return result.text().strip() if result.returncode == 0 else None

    def shas(self, refs: list[str]) -> dict[str, str | None]:
        """What each of REFS points at (as sha() says), None for one that does not exist: one
        `for-each-ref` for every full ref name (`refs/...`, or `refs/...^{commit}` for the commit
        it peels to), the rest one at a time."""
        full = {ref: ref.removesuffix(PEEL) for ref in refs if is_full_refname(ref.removesuffix(PEEL))}
        objects = gitrepo.ref_objects(list(dict.fromkeys(full.values())), self.top) if full else {}
        if objects is None:  # an object git cannot read: rev-parse says what it says of each
            return {ref: self.sha(ref) for ref in refs}
        answers: dict[str, str | None] = {}
        for ref in refs:
            name = full.get(ref)
            if name is None:
                answers[ref] = self.sha(ref)
            elif name not in objects:
                answers[ref] = None
            elif ref.endswith(PEEL):
                answers[ref] = self._peeled(ref, *objects[name])
            else:
                answers[ref] = objects[name][0]
        return answers

    def _peeled(self, ref: str, sha: str, kind: str, peeled: str, peeled_kind: str) -> str | None:
        """The commit REF^{commit} names, from what for-each-ref said of REF; a tag of a tag
        (which an older git peels only once) is left to rev-parse."""
        if kind == "commit":
            return sha
        if kind == "tag" and peeled_kind == "commit":
            return peeled
        if kind in ("tree", "blob") or (kind == "tag" and peeled_kind in ("tree", "blob")):
            return None
        return self.sha(ref)

    def current_branch(self) -> str | None:
        return gitrepo.head_branch(self.git_dir)

    def state_path(self, *parts: str) -> str:
        """A file of ours inside the git directory: never part of the work tree or a change.

        In the common git directory, shared by every worktree as the refs are: a journal left in
        one worktree stops the commands of all the others (files an older version wrote in a
        linked worktree's own git directory are not read any more).
        """
        return os.path.join(gitrepo.common_dir(self.git_dir), "hotfix-guard", *parts)


class KnownRefs:
    """What some refs pointed at, read together (Repo.shas: one `for-each-ref`), for a run that
    changes no ref while it asks; a ref not read then is asked for, once, when it is wanted."""

    def __init__(self, repo: Repo, refs: list[str]):
        self.repo = repo
        self.known = repo.shas(refs)

    def sha(self, ref: str) -> str | None:
        """What REF points at (as Repo.sha says), None when it does not exist."""
        if ref not in self.known:
            self.known[ref] = self.repo.sha(ref)
        return self.known[ref]
