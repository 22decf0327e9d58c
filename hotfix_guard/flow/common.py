"""What every flow command shares: the repository, preconditions, ref snapshots, dry runs."""

from __future__ import annotations

import json
import os
import shlex
import sys

from hotfix_guard import gitrepo
from hotfix_guard.errors import GitError, RepoError
from hotfix_guard.report import write
from hotfix_guard.versions import Version, parse_release_tag

IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or am",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}


class Repo:
    """A repository a flow command changes; every git call goes through gitrepo."""

    def __init__(self, path: str | None):
        info = gitrepo.repo_info(path)
        if info.head_sha is None:
            raise RepoError("the repository has no commits yet; commit something first")
        self.top = info.top
        self.git_dir = info.git_dir

    def git(self, *args: str) -> str:
        return gitrepo.git_ok(list(args), self.top)

    def try_git(self, *args: str) -> gitrepo.GitResult:
        return gitrepo.run_git(list(args), self.top)

    def sha(self, ref: str) -> str | None:
        """The commit (or tag object) REF names, None when it does not exist."""
        result = self.try_git("rev-parse", "--verify", "-q", "--end-of-options", ref)
        return result.text().strip() if result.returncode == 0 else None

    def current_branch(self) -> str | None:
        return gitrepo.head_branch(self.git_dir)

    def state_path(self, *parts: str) -> str:
        """A file of ours inside the git directory: never part of the work tree or a change."""
        return os.path.join(self.git_dir, "hotfix-guard", *parts)


def require_clean(repo: Repo) -> None:
    """Refuse when tracked files have changes, staged or not, or a git operation is under way."""
    operation = operation_in_progress(repo)
    if operation is not None:
        raise RepoError(f"{operation} is in progress; finish or abort it first")
    status = repo.git("status", "--porcelain", "-z", "--untracked-files=no")
    if status:
        names = [entry[3:] for entry in status.split("\0") if len(entry) > 3][:5]
        raise RepoError(
            f"the working tree or index has changes ({', '.join(names)}); commit or stash them first (git stash)"
        )


def require_remote(repo: Repo, remote: str) -> None:
    if repo.try_git("remote", "get-url", "--end-of-options", remote).returncode != 0:
        raise RepoError(
            f"there is no remote {remote!r} to push to; add it (git remote add {remote} URL) or drop --push"
        )


def operation_in_progress(repo: Repo) -> str | None:
    for name, operation in IN_PROGRESS.items():
        if os.path.exists(os.path.join(repo.git_dir, name)):
            return operation
    return None


def release_tags(repo: Repo, prefix: str) -> list[tuple[Version, str]]:
    """Every release tag, lowest version first."""
    output = repo.git("for-each-ref", "--format=%(refname:strip=2)", "refs/tags/")
    releases = [(version, tag) for tag in output.splitlines() if (version := parse_release_tag(tag, prefix))]
    return sorted(releases, key=lambda pair: pair[0].key())


def latest_release(repo: Repo, prefix: str) -> tuple[Version, str]:
    """The release with the highest version (not merely the newest or nearest tag)."""
    releases = release_tags(repo, prefix)
    if not releases:
        raise RepoError(f"no release tag (like {prefix}1.2.3) in this repository; tag the release first")
    return releases[-1]


class Snapshot:
    """Where some refs and HEAD pointed, to put them back exactly."""

    def __init__(self, refs: dict[str, str | None], head: str):
        self.refs = refs
        self.head = head  # "refs/heads/<branch>", or a commit when detached

    @classmethod
    def take(cls, repo: Repo, refs: list[str]) -> Snapshot:
        branch = repo.current_branch()
        head = f"refs/heads/{branch}" if branch else repo.git("rev-parse", "HEAD").strip()
        return cls({ref: repo.sha(ref) for ref in refs}, head)

    def to_json(self) -> dict[str, object]:
        return {"refs": self.refs, "head": self.head}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Snapshot:
        refs = data["refs"]
        head = data["head"]
        assert isinstance(refs, dict) and isinstance(head, str)
        return cls(dict(refs), head)

    def restore(self, repo: Repo) -> None:
        """Put every ref, HEAD, the index and the work tree back as they were taken.

        Every flow command starts from a clean tree, so the tree holds only the command's
        own changes, except where the user edited files during a stopped merge: those
        are kept in a stash before the reset, so nothing is lost. Each ref is restored
        even when another fails; what could not be is raised with the commands to finish.
        """
        if os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD")):
            repo.try_git("merge", "--abort")
        _stash_changes(repo)
        failed = False
        for ref, sha in self.refs.items():
            current = repo.sha(ref)
            if current == sha:
                continue
            if sha is None:
                result = repo.try_git("update-ref", "-d", ref, current or "")
            else:
                result = repo.try_git(
                    "update-ref", "-m", "hotfix-guard: restore", ref, sha, *([current] if current else [])
                )
            if result.returncode != 0:
                failed = True
        if self.head.startswith("refs/heads/"):
            moved = repo.try_git("symbolic-ref", "HEAD", self.head)
        else:
            moved = repo.try_git("update-ref", "--no-deref", "HEAD", self.head)
        reset = repo.try_git("reset", "-q", "--hard")
        if moved.returncode != 0 or reset.returncode != 0:
            failed = True
        if failed:
            raise RepoError(f"could not put everything back; finish by hand: {' && '.join(self.manual_commands())}")

    def manual_commands(self) -> list[str]:
        """Shell commands that restore this snapshot, for when the tool cannot."""
        commands = [
            shlex.join(["git", "update-ref", "-d", ref] if sha is None else ["git", "update-ref", ref, sha])
            for ref, sha in self.refs.items()
        ]
        if self.head.startswith("refs/heads/"):
            commands.append(shlex.join(["git", "switch", "-f", self.head.removeprefix("refs/heads/")]))
        else:
            commands.append(shlex.join(["git", "switch", "-f", "--detach", self.head]))
        return commands

    def differences(self, repo: Repo) -> list[str]:
        """Refs that no longer point where they did, in words."""
        return [
            f"{ref} is at {(repo.sha(ref) or 'nothing')[:10]}, expected {(sha or 'nothing')[:10]}"
            for ref, sha in self.refs.items()
            if repo.sha(ref) != sha
        ]


def _stash_changes(repo: Repo) -> None:
    """Keep uncommitted edits to tracked files as a stash entry, and say so."""
    stash = repo.try_git("stash", "create", "hotfix-guard: changes found while putting things back").text().strip()
    if stash:
        repo.git("stash", "store", "-m", "hotfix-guard: changes found while putting things back", stash)
        say(f"your uncommitted changes were saved as a stash: git stash apply {stash[:10]}")


class Runner:
    """Runs the git commands that change the repository, or, in a dry run, only prints them."""

    def __init__(self, repo: Repo, dry_run: bool):
        self.repo = repo
        self.dry_run = dry_run

    def run(self, *args: str) -> str:
        if self.dry_run:
            say(f"would run: git {shlex.join(args)}")
            return ""
        return self.repo.git(*args)


def say(text: str) -> None:
    write(text + "\n")


def say_error(text: str) -> None:
    """One line on standard error in the documented form: `hotfix-guard: error: <text>`."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    write(f"hotfix-guard: error: {line.removeprefix('error: ')}\n", sys.stderr)


def write_json(path: str, data: object) -> None:
    """Write atomically: a crash never leaves half a record."""
    from hotfix_guard.paths import write_atomic

    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2).encode("utf-8"))


def read_json(path: str) -> dict[str, object] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise RepoError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise RepoError(f"cannot read {path}: not a JSON object")
    return data


def record_name(branch: str) -> str:
    """A file name for a branch name (which may hold slashes)."""
    return branch.replace("%", "%25").replace("/", "%2F") + ".json"


__all__ = ["GitError", "Repo", "Runner", "Snapshot"]
