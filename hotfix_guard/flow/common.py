"""What every flow command shares: the repository, preconditions, ref snapshots, dry runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import sys
import threading
from typing import TypedDict

from hotfix_guard import gitrepo
from hotfix_guard.errors import GitError, RepoError
from hotfix_guard.gitrepo import common_dir
from hotfix_guard.render import write
from hotfix_guard.versions import Version, no_release_message, parse_release_tag

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from hotfix_guard.repository import Repo

IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or am",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}


# The journal each flow command keeps while it runs, and is left behind when it is cut off or stopped.
JOURNALS = {"start": "start.json", "finish": "finish.json", "rollback": "rollback.json"}


def require_no_other_run(repo: Repo, command: str, action: str = "run") -> None:
    """Refuse a new run of COMMAND (start, finish or rollback) while another of them is stopped or
    was cut off, in this worktree or another: its journal must be completed or undone first.
    Nothing to check for an ACTION other than "run" (the command's own --continue or --abort)."""
    if action != "run":
        return
    for other, journal in JOURNALS.items():
        path = repo.state_path(journal)
        if other != command and os.path.exists(path):
            raise RepoError(
                f"a {other} is in progress or was cut off (its journal is {path}); run hotfix-guard {other} "
                f"--continue to complete it, or hotfix-guard {other} --abort to undo it, before {command}"
            )


@contextlib.contextmanager
def holding_signals(done_when_gone: str | None = None) -> Iterator[None]:
    """Hold off Ctrl-C (SIGINT) and SIGTERM for the block: an undo, which must not stop half way.

    A signal that arrives meanwhile is noted, and once the block is done it is raised again for
    the handler that was in place (the CLI's: the command ends as interrupted or terminated).
    When the block fails, its error is what the user must see, and the signal is dropped (the
    command ends on that error anyway); so it is when DONE_WHEN_GONE, the journal an undo that
    reports its own failure removes once everything is back, is still there. SIGKILL still
    stops everything. Outside the main
    thread signals are not ours to take, and the block just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def note(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
    if done_when_gone is not None and os.path.lexists(done_when_gone):
        return
    for held in dict.fromkeys(caught):
        signal.raise_signal(held)


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
    hidden = hidden_changes(repo)
    if hidden:
        listed = ", ".join(hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
        raise RepoError(
            f"{listed} {'is' if len(hidden) == 1 else 'are'} marked assume-unchanged and "
            f"{'has' if len(hidden) == 1 else 'have'} local changes, which git status does not show and a "
            f"checkout or an undo would overwrite; keep them first (git update-index --no-assume-unchanged "
            f"{hidden[0]}, then git stash), then run again"
        )


def hidden_changes(repo: Repo) -> list[str]:
    """Files marked assume-unchanged whose content differs from the index: git status calls the
    tree clean, and git overwrites them without a word."""
    # `-v -s`: "h 100644 <sha> 0\tpath", the tag in lower case for an assume-unchanged file.
    staged = {
        entry.partition("\t")[2]: entry.split()[2]
        for entry in repo.git("ls-files", "-v", "-s", "-z").split("\0")
        if entry[:1].islower() and "\t" in entry
    }
    marked = list(staged)
    if not marked:
        return []
    present = [path for path in marked if os.path.isfile(os.path.join(repo.top, path))]
    hashes = repo.git("hash-object", "--no-filters", "--", *present).split() if present else []
    changed = {path for path, sha in zip(present, hashes, strict=False) if staged.get(path) != sha}
    return [path for path in marked if path in changed or path not in present]


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


def release_tags(repo: Repo, prefix: str, names: list[str] | None = None) -> list[tuple[Version, str]]:
    """Every release tag (among NAMES, default: every tag), lowest version first."""
    names = gitrepo.tag_names(repo.top) if names is None else names
    releases = [(version, tag) for tag in names if (version := parse_release_tag(tag, prefix))]
    return sorted(releases, key=lambda pair: pair[0].key())


def latest_release(repo: Repo, prefix: str) -> tuple[Version, str]:
    """The release with the highest version (not merely the newest or nearest tag)."""
    names = gitrepo.tag_names(repo.top)
    releases = release_tags(repo, prefix, names)
    if not releases:
        raise RepoError(no_release_message(prefix, "in this repository", "tag the release first", names))
    return releases[-1]


class SnapshotRecord(TypedDict):
    """A Snapshot as a journal keeps it (JSON)."""

    refs: dict[str, str | None]
    head: str


def snapshot_record(value: object) -> SnapshotRecord | None:
    """VALUE, read from a journal, as a snapshot record; None when it is not one."""
    if not isinstance(value, dict):
        return None
    refs, head = value.get("refs"), value.get("head")
    if not isinstance(refs, dict) or not isinstance(head, str):
        return None
    if not all(isinstance(ref, str) and isinstance(sha, (str, type(None))) for ref, sha in refs.items()):
        return None
    return {"refs": refs, "head": head}


class Snapshot:
    """Where some refs and HEAD pointed, to put them back exactly."""

    def __init__(self, refs: dict[str, str | None], head: str):
        self.refs = refs
        self.head = head  # "refs/heads/<branch>", or a commit when detached

    @classmethod
    def take(cls, repo: Repo, refs: list[str]) -> Snapshot:
        branch = repo.current_branch()
        head = f"refs/heads/{branch}" if branch else repo.git("rev-parse", "HEAD").strip()
        return cls(repo.shas(refs), head)

    def to_json(self) -> SnapshotRecord:
        return {"refs": self.refs, "head": self.head}

    @classmethod
    def from_json(cls, data: SnapshotRecord) -> Snapshot:
        return cls(dict(data["refs"]), data["head"])

    def restore(self, repo: Repo, restored: Callable[[str], None] | None = None) -> None:
        """Put every ref, HEAD, the index and the work tree back as they were taken.

        Every flow command starts from a clean tree, so the index and the work tree hold
        only the command's own changes: they are reset, never passed off as the user's in a
        stash (a command that handed the tree to the user saves the user's work first, see
        save_work). Stashes, and untracked and ignored files, are left alone. Each ref is
        restored even when another fails, and RESTORED is told of each one that is back;
        what could not be is raised, with the commands to finish by hand.
        """
        if os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD")):
            repo.try_git("merge", "--abort")
        failures = []
        for ref, sha in self.refs.items():
            # Read just before it is put back, not all at once: two refs may be one (develop a
            # symbolic ref to main), and the first put back moves the second.
            current = repo.sha(ref)
            if current != sha:
                if sha is None:
                    result = repo.try_git("update-ref", "-d", ref, current or "")
                else:
                    result = repo.try_git(
                        "update-ref", "-m", "hotfix-guard: restore", ref, sha, *([current] if current else [])
                    )
                if result.returncode != 0:
                    failures.append(f"{ref}: {result.error_line()}")
                    continue
            if restored is not None:
                restored(ref)
        if self.head.startswith("refs/heads/"):
            moved = repo.try_git("symbolic-ref", "HEAD", self.head)
        else:
            moved = repo.try_git("update-ref", "--no-deref", "HEAD", self.head)
        if moved.returncode != 0:
            failures.append(f"HEAD: {moved.error_line()}")
        reset = repo.try_git("reset", "-q", "--hard")
        if reset.returncode != 0:
            failures.append(f"the work tree: {reset.error_line()}")
        if failures:
            raise RepoError(
                f"could not put everything back ({'; '.join(failures)}); "
                f"finish by hand: {' && '.join(self.manual_commands())}"
            )

    def target(self, repo: Repo) -> str:
        """The commit HEAD is put back at."""
        if not self.head.startswith("refs/heads/"):
            return self.head
        return self.refs.get(self.head) or repo.sha(self.head) or "HEAD"

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
        now = repo.shas(list(self.refs))
        return [
            f"{ref} is at {(now[ref] or 'nothing')[:10]}, expected {(sha or 'nothing')[:10]}"
            for ref, sha in self.refs.items()
            if now[ref] != sha
        ]


def require_nothing_in_the_way(repo: Repo, revs: dict[str, str], checkouts: str, then: str) -> None:
    """Refuse (RepoError, nothing changed) when checking out any of REVS (each with how to name
    it) would overwrite or remove an untracked or ignored file: git does so to an ignored one
    without a word. CHECKOUTS names them ("finish's checkouts"), THEN says what to run after."""
    found = untracked_in_the_way(repo, list(revs))
    names = sorted(found)
    if not names:
        return
    listed = ", ".join(f"{name} ({revs[found[name]]})" for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    raise RepoError(
        f"untracked or ignored files are in the way of {checkouts}: {listed}{more}; git would overwrite "
        f"or remove them. Move them aside (or commit them), then {then}"
    )


def untracked_in_the_way(repo: Repo, revs: list[str]) -> dict[str, str]:
    """Untracked or ignored files that checking out any of REVS would overwrite or remove,
    each with the rev that tracks it (git overwrites ignored files without a word).

    Only paths a rev tracks and the index does not, or tracked files the work tree has
    replaced with a directory, can be in the way: a file there, a file where one of its
    directories must go, or a directory holding untracked files where the file must go.
    """
    found: dict[str, str] = {}
    # Tracked files the work tree has replaced (a directory where a file was): a checkout of a
    # rev that has the file there removes whatever untracked files the directory holds.
    replaced = [
        path
        for path in filter(None, repo.git("diff", "--name-only", "-z", "--no-renames", "--diff-filter=D").split("\0"))
        if os.path.isdir(os.path.join(repo.top, path))
    ]
    batched = _missing_from_index_at_once(repo, revs) if len(revs) > 3 else None
    for number, rev in enumerate(revs):
        missing = batched[number] if batched is not None else _missing_from_index(repo, rev)
        tracked_there = (
            repo.git("--literal-pathspecs", "ls-tree", "-z", "--name-only", rev, "--", *replaced).split("\0")
            if replaced
            else []
        )
        for path in [*missing, *filter(None, tracked_there)]:
            blocker = _blocker(repo, path)
            if blocker is not None:
                found.setdefault(blocker, rev)
    return found


def _missing_from_index(repo: Repo, rev: str) -> list[str]:
    """The paths REV tracks and the index does not."""
    missing = repo.git("diff-index", "--cached", "--no-renames", "--name-only", "-z", "--diff-filter=D", rev, "--")
    return list(filter(None, missing.split("\0")))


def _missing_from_index_at_once(repo: Repo, revs: list[str]) -> list[list[str]] | None:
    """What _missing_from_index says of each of REVS, in three git calls however many they are;
    None, and the caller asks rev by rev, unless the index is HEAD's tree.

    Then the paths REV has and the index does not are the paths REV's tree adds to HEAD's: one
    rev-parse for the trees, one `git diff-tree --stdin` for all of them. Worth it from four
    revs on (finish's checkouts: three branches and two merges' results).
    """
    if repo.try_git("diff-index", "--cached", "--quiet", "HEAD", "--").returncode != 0:
        return None
    trees = gitrepo.trees_of(["HEAD", *revs], repo.top)
    return gitrepo.added_paths(trees[0], trees[1:], repo.top) if trees is not None else None


def _blocker(repo: Repo, path: str) -> str | None:
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        name = "/".join(parts[:depth])
        full = os.path.join(repo.top, name)
        if not os.path.lexists(full):
            return None
        if os.path.islink(full) or not os.path.isdir(full):
            tracked = depth < len(parts) and repo.git("--literal-pathspecs", "ls-files", "-z", "--", name)
            return None if tracked else name
    # --directory stops at an untracked directory, but says nothing of one where the index
    # still has a file (a tracked file replaced by a directory): then list its files.
    leftovers = repo.git("--literal-pathspecs", "ls-files", "-z", "-o", "--directory", "--", path) or repo.git(
        "--literal-pathspecs", "ls-files", "-z", "-o", "--", path
    )
    return path + "/" if leftovers else None


class WorkTrees(TypedDict):
    """The index, the work tree and the untracked files in the way, each as a tree (a journal keeps them)."""

    index: str
    worktree: str
    untracked: str | None


def work_trees_record(value: object) -> WorkTrees | None:
    """VALUE, read from a journal, as work trees; None when it is not."""
    if not isinstance(value, dict):
        return None
    index, worktree, untracked = value.get("index"), value.get("worktree"), value.get("untracked")
    if not isinstance(index, str) or not isinstance(worktree, str) or not isinstance(untracked, (str, type(None))):
        return None
    return {"index": index, "worktree": worktree, "untracked": untracked}


def work_trees(repo: Repo, target: str) -> WorkTrees:
    """The index, the work tree and the untracked or ignored files a reset to TARGET would
    destroy, each as a tree, the way git stash keeps them.

    Unlike git stash this works in the middle of a merge: an unmerged path counts in the
    index as its HEAD side, and its conflict markers are in the work tree.
    """
    scratch = repo.state_path("work.index")
    os.makedirs(os.path.dirname(scratch), exist_ok=True)
    try:
        shutil.copyfile(repo.git("rev-parse", "--path-format=absolute", "--git-path", "index").strip(), scratch)
        ours, gone = {}, set()
        for entry in filter(None, repo.git("ls-files", "-u", "-z").split("\0")):
            meta, _, path = entry.partition("\t")
            mode, sha, stage = meta.split()
            gone.add(path)
            if stage == "2":
                ours[path] = f"{mode},{sha},{path}"
        if ours:
            repo.git_with_index(
                scratch, "update-index", *(arg for info in ours.values() for arg in ("--cacheinfo", info))
            )
        if gone - ours.keys():
            repo.git_with_index(scratch, "update-index", "--force-remove", "--", *sorted(gone - ours.keys()))
        index = repo.git_with_index(scratch, "write-tree").strip()
        repo.git_with_index(scratch, "add", "-u")
        worktree = repo.git_with_index(scratch, "write-tree").strip()
        os.remove(scratch)
        in_the_way = sorted(untracked_in_the_way(repo, [target]))
        files = repo.git("--literal-pathspecs", "ls-files", "-z", "-o", "--", *in_the_way) if in_the_way else ""
        untracked = None
        if files:
            repo.git_with_index(scratch, "read-tree", "--empty")
            repo.git_with_index(scratch, "update-index", "--add", "--", *filter(None, files.split("\0")))
            untracked = repo.git_with_index(scratch, "write-tree").strip()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(scratch)
    return {"index": index, "worktree": worktree, "untracked": untracked}


def save_work(repo: Repo, trees: WorkTrees, message: str) -> str:
    """A stash entry holding TREES on HEAD (git stash apply --index and git stash branch
    bring it all back); its commit."""
    env = _identity(repo)
    head = repo.git("rev-parse", "--verify", "HEAD").strip()
    index, worktree, untracked = trees["index"], trees["worktree"], trees["untracked"]
    parents = [
        "-p",
        head,
        "-p",
        repo.git_env(env, "commit-tree", index, "-p", head, "-m", f"index on {message}").strip(),
    ]
    if untracked is not None:
        parents += ["-p", repo.git_env(env, "commit-tree", untracked, "-m", f"untracked files on {message}").strip()]
    stash = repo.git_env(env, "commit-tree", worktree, *parents, "-m", message).strip()
    repo.git_env(env, "stash", "store", "-m", message, stash)
    return stash


# How long after the journal's last write a lock file can still be the killed git's: each step
# writes the journal and then runs its git, which made its locks by the time it was killed.
KILLED_GIT_GRACE = 5.0  # seconds


def clear_stale_git_locks(repo: Repo, refs: list[str], since: float, until: float) -> None:
    """Remove the lock and temporary files of a git that was killed with the command that was cut off.

    Git leaves `<file>.lock` (and `packed-refs.new`) behind when it is killed, and then
    refuses to touch that file until someone removes it. Only the files the command changes
    are looked at, and only those made while it ran: after its journal was begun, and no later
    than shortly after the journal's last write (the step under way, killed). A file made
    later may be a live git's (a `git commit` whose editor is open), and so may any while a
    git runs in this repository or one of its worktrees (seen in /proc): then the files are
    left, and when one is there this refuses (RepoError), naming it. So it does where there
    is no /proc to look in.
    """
    names = ["index", "HEAD", "ORIG_HEAD", "MERGE_HEAD", "packed-refs", "config", *refs]
    arguments = [argument for name in names for argument in ("--git-path", name)]
    paths = repo.git("rev-parse", *arguments).splitlines()
    leftovers = [f"{path}.lock" for path in paths] + [f"{path}.new" for path in paths if path.endswith("packed-refs")]
    found = {}
    for leftover in leftovers:
        path = os.path.join(repo.top, leftover)
        with contextlib.suppress(OSError):
            found[path] = os.lstat(path).st_mtime
    if not found:
        return
    gits = running_gits(repo)
    if gits is None:
        raise RepoError(
            f"git's lock files are left: {', '.join(sorted(found))}; if no git is running in this repository, "
            "remove them, then run again"
        )
    if gits:
        raise RepoError(
            f"git (pid {', '.join(map(str, gits))}) is running in this repository, and {', '.join(sorted(found))} "
            "may be its lock; wait for it to end, then run again"
        )
    journals = [repo.state_path(name) for name in JOURNALS.values()]
    written = max((os.path.getmtime(path) for path in journals if os.path.exists(path)), default=until)
    newer = []
    for path, made in sorted(found.items()):
        if since - 1 <= made <= min(until, written + KILLED_GIT_GRACE):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
            say(f"note: removed {path}, left by the git that was killed with the run that was cut off")
        else:
            newer.append(path)
    if newer:
        raise RepoError(
            f"{', '.join(newer)} was made after the run was cut off (a git may be using it); when no git is "
            "running in this repository, remove it, then run again"
        )


def running_gits(repo: Repo) -> list[int] | None:
    """The pids of the git processes (git, git-*) working in this repository: their directory is
    inside one of its worktrees or git directories, or their GIT_DIR is one of these. None
    where /proc cannot tell. Processes whose directory cannot be read (another user's) are
    not counted."""
    if not os.path.isdir("/proc/self"):
        return None
    listed = repo.try_git("worktree", "list", "--porcelain", "-z").text().split("\0")
    trees = [entry.removeprefix("worktree ") for entry in listed if entry.startswith("worktree ")]
    roots = {os.path.realpath(path) for path in [repo.top, repo.git_dir, common_dir(repo.git_dir), *trees]}

    def ours(path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)

    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="utf-8", errors="replace") as handle:
                name = handle.read().strip()
            if name != "git" and not name.startswith("git-"):
                continue
            cwd = os.readlink(f"/proc/{entry}/cwd")
            with open(f"/proc/{entry}/environ", "rb") as environ_file:
                environ = environ_file.read().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        git_dirs = [
            os.path.join(cwd, os.fsdecode(variable.partition(b"=")[2]))
            for variable in environ
            if variable.startswith((b"GIT_DIR=", b"GIT_COMMON_DIR="))
        ]
        if any(ours(path) for path in [cwd, *git_dirs]):
            found.append(int(entry))
    return found


def remote_shas(repo: Repo, remote: str, refs: list[str]) -> dict[str, str]:
    """What REFS are on REMOTE (the ones it has), from git ls-remote. RepoError when it does not
    answer: whether a push cut off reached it is unknown then, so nothing may be undone."""
    result = repo.try_git("ls-remote", "--", remote, *refs)
    if result.returncode != 0:
        raise RepoError(
            f"cannot ask {remote} whether the push that was cut off reached it ({result.error_line()}); "
            f"nothing was changed; try again when {remote} answers"
        )
    lines = (line.partition("\t") for line in gitrepo.lines_of(result.text()))
    return {name: sha for sha, _, name in lines if name in refs}


# A ref git's push refused, as it prints it: ` ! [rejected]        v1.2.4 -> v1.2.4 (already exists)`.
_REFUSED = re.compile(r"^! \[(?:rejected|remote rejected|remote failure)\]\s+\S+ -> (\S+) \((.+)\)$")


def push_advice(result: gitrepo.GitResult, remote: str, retry: str) -> str:
    """What to do after REMOTE refused a push (RESULT), cause by cause: RETRY where a retry can
    succeed once the cause is settled, and what to do instead where it cannot."""
    advice = []
    for line in gitrepo.decode(result.stderr).splitlines():
        refused = _REFUSED.match(line.strip())
        if refused is None or refused.group(2) == "atomic push failed":  # that one only fell with another
            continue
        ref, reason = refused.groups()
        if reason == "already exists":
            advice.append(
                f"{remote} already has a tag {ref} on another commit, so a retry cannot succeed: see which "
                f"(git ls-remote {remote} refs/tags/{ref}) and publish this under another tag name"
            )
        elif reason in ("fetch first", "non-fast-forward"):
            advice.append(
                f"{remote}'s {ref} has commits yours lacks (pushed since your last fetch), so a retry alone "
                f"cannot succeed: git fetch {remote} && git switch {ref} && git merge {remote}/{ref}, then {retry}"
            )
        else:
            advice.append(
                f"{remote} refused {ref} ({reason}): once that is settled there (permissions, branch "
                f"protection, a server hook), retry: {retry}"
            )
    if not advice:
        advice.append(f"the push did not get through ({result.error_line()}); retry when {remote} answers: {retry}")
    return "; ".join(advice)


def keep_users_changes(repo: Repo, target: str, doing: str) -> str | None:
    """Save what the index, the work tree and the untracked files in the way hold as a stash
    before a reset to TARGET, and say how to get it back; None when there is nothing to keep.

    For an undo that finds changes it did not make (the user edited files after a run was
    cut off): the reset that puts things back must never take them.
    """
    trees = work_trees(repo, target)
    head_tree = repo.sha("HEAD^{tree}")
    if (trees["index"], trees["worktree"], trees["untracked"]) == (head_tree, head_tree, None):
        return None
    return save_and_say(repo, trees, f"{doing}: your uncommitted changes")


def save_and_say(repo: Repo, trees: WorkTrees, what: str) -> str:
    """Save TREES as a stash entry named after WHAT and where HEAD is, and print the one command
    that brings all of it back; its commit."""
    where = repo.current_branch() or repo.git("rev-parse", "--short", "HEAD").strip()
    stash = save_work(repo, trees, f"On {where}: {what}")
    say(
        f"your uncommitted changes (staged, unstaged and new files) are saved as a stash; to bring all of it "
        f"back as it was, on a new branch at {where}: git stash branch hotfix-guard-saved-{stash[:10]} {stash}"
    )
    return stash


def _identity(repo: Repo) -> dict[str, str]:
    """Git's environment, with a stand-in identity where the user has none (commit-tree needs one)."""
    known = all(repo.try_git("var", name).returncode == 0 for name in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"))
    if known:
        return {}
    stand_in = {"NAME": "hotfix-guard", "EMAIL": "hotfix-guard@localhost"}
    return {f"GIT_{who}_{key}": value for who in ("AUTHOR", "COMMITTER") for key, value in stand_in.items()}


class GitChanges:
    """Runs the git commands that change the repository, or, in a dry run, only prints them.

    (Not the checks' run: that is hotfix_guard.validation.)"""

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
    write(f"hotfix-guard: error: {line}\n", sys.stderr)


def write_json(path: str, data: object) -> None:
    """Write atomically: a crash never leaves half a record."""
    from hotfix_guard.paths import write_atomic

    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2).encode("utf-8"))


__all__ = ["GitChanges", "GitError", "Snapshot"]
