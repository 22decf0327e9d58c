"""The one module that starts git. It runs the git binary's plumbing and returns model types.

Every git process goes through `run_git` here. Most questions are functions of this
module; some modules build their own git command lines and run them through `run_git`
(or `repository.Repo.git`, a thin wrapper): flow/ (the commands that change refs and
their undo), prepush.py (the facts of a push, each asked once), prereceive.py (the
server's override records), overrides.py (the audit notes), incident.py and status.py (history and timeline facts), notify.py (whether a
template is tracked) and drill.py (its sandbox). They follow the same rules as this
module. No module runs git through `subprocess` or a shell.

Processes are started with `os.posix_spawnp` rather than `subprocess`: importing
`subprocess` costs more than a whole git call, and the hooks run on every commit.
Arguments are always lists (never a shell), user-supplied refs come after
`--end-of-options`, and names are read NUL-separated (`-z`) and decoded with
`surrogateescape`, so odd bytes survive a round trip back to git.
"""

from __future__ import annotations

import os

from hotfix_guard.errors import GitError, RepoError
from hotfix_guard.model import Commit, FileChange, SettingsFile
from hotfix_guard.versions import glob_escape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_TRACE_ENV = "HOTFIX_GUARD_TRACE_GIT"
# The variables that tie git to one repository: git's own list (`git rev-parse
# --local-env-vars`), less GIT_CONFIG_PARAMETERS and GIT_CONFIG_COUNT (`git -c` settings,
# which git itself passes on to another repository), plus the ref namespace and the
# object quarantine of a receiving repository, which would refuse every ref update.
REPOSITORY_VARIABLES = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)
# Where CI systems say which branch a detached checkout is building, most specific first.
CI_BRANCH_VARIABLES = ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME")


class GitResult:
    __slots__ = ("returncode", "stdout", "stderr")

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def text(self) -> str:
        return decode(self.stdout)

    def push_refusal(self) -> str:
        """Why a push failed: git's per-ref lines (`! [remote rejected] ...`) and the remote's words."""
        lines = [line.strip() for line in decode(self.stderr).splitlines()]
        refused = [line for line in lines if line.startswith("! ")]
        remote_said = [line for line in lines if line.startswith("remote:")][:3]
        return "; ".join(refused + remote_said) or self.error_line()

    def error_line(self) -> str:
        """The line of git's complaint that says what went wrong (not a trailing hint); a line
        that ends in a colon gets the indented names git lists under it (the files a checkout
        would overwrite)."""
        raw = [line for line in decode(self.stderr).strip().splitlines() if line.strip()]
        lines = [line.strip() for line in raw]
        for prefixes in (("! [",), ("fatal:", "error:")):  # a push's refusal says more than its summary
            reasons = [index for index, line in enumerate(lines) if line.startswith(prefixes)]
            if reasons:
                index = reasons[-1]
                if not lines[index].endswith(":"):
                    return lines[index]
                names = []
                for line in raw[index + 1 :]:
                    if not line[:1].isspace():
                        break
                    names.append(line.strip())
                return f"{lines[index]} {', '.join(names[:10])}" if names else lines[index]
        return lines[-1] if lines else f"exit code {self.returncode}"


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def lines_of(text: str) -> list[str]:
    """git's output lines: split at "\n" only. str.splitlines also splits at "\r", U+0085 and
    U+2028, which a path or a ref name can hold (`dev\u2028elop` is a valid branch name)."""
    return text.removesuffix("\n").split("\n") if text else []


def run_git(
    args: list[str], repo: str | None = None, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> GitResult:
    """Run `git [-C repo] ARGS...` and collect its output; never raises for a non-zero exit.

    ENV, when given, replaces this process's environment for git (the drill's sandbox has
    its own identity and config). STDIN, when given, is git's standard input (a few
    lines, such as `cat-file --batch` names: at most _MAX_STDIN bytes); else /dev/null.
    """
    argv = ["git", *(["-C", repo] if repo else []), *args]
    trace = os.environ.get(_TRACE_ENV)
    if trace:
        _append_trace(trace, argv)
    if any("\0" in arg for arg in argv):
        raise RepoError(f"cannot pass a NUL character to git: {next(a for a in argv if chr(0) in a)!r}")
    try:
        return _spawn(argv, os.environ if env is None else env, stdin)
    except FileNotFoundError:
        raise RepoError("git is not installed or not on PATH") from None
    except OSError as error:
        raise RepoError(f"cannot run git: {error.strerror or error}") from None


def _append_trace(path: str, argv: list[str]) -> None:
    import json

    try:
        with open(path, "a", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(json.dumps(argv) + "\n")
    except OSError as error:
        raise RepoError(f"cannot write the git trace {_TRACE_ENV}={path!r}: {error.strerror}") from None


# Written whole before git's output is read: it must fit in a pipe's buffer (4 KiB at least, anywhere).
_MAX_STDIN = 4096


def _spawn(argv: list[str], base_env: Mapping[str, str], stdin: bytes | None = None) -> GitResult:
    import signal

    if stdin is not None and len(stdin) > _MAX_STDIN:
        raise ValueError(f"git's standard input is limited to {_MAX_STDIN} bytes, got {len(stdin)}")

    # A parent that ignores SIGCHLD would have the kernel reap git before we can read
    # its exit status; restore the default, as subprocess does for the child's signals.
    if signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    in_read, in_write = os.pipe() if stdin is not None else (-1, -1)
    standard_input = (
        (os.POSIX_SPAWN_DUP2, in_read, 0) if stdin is not None else (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)
    )
    env = dict(base_env, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    try:
        pid = os.posix_spawnp(
            argv[0],
            [os.fsencode(arg) for arg in argv],
            {os.fsencode(k): os.fsencode(v) for k, v in env.items()},
            file_actions=[
                standard_input,
                (os.POSIX_SPAWN_DUP2, out_write, 1),
                (os.POSIX_SPAWN_DUP2, err_write, 2),
            ],
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),  # Python ignores these; git must not
        )
    except BaseException:
        for fd in (out_read, err_read, in_write):
            if fd >= 0:
                os.close(fd)
        raise
    finally:
        os.close(out_write)
        os.close(err_write)
        if in_read >= 0:
            os.close(in_read)
    if stdin is not None:
        try:
            os.write(in_write, stdin)  # fits in the pipe's buffer: never waits for git
        except BrokenPipeError:
            pass  # git ended early; its exit status says why
        finally:
            os.close(in_write)
    try:
        stdout, stderr = _read_both(out_read, err_read)
    finally:
        _, status = os.waitpid(pid, 0)  # never leave a zombie, even when interrupted
    return GitResult(os.waitstatus_to_exitcode(status), stdout, stderr)


def _read_both(out_fd: int, err_fd: int) -> tuple[bytes, bytes]:
    """Drain both pipes together so that neither can fill up and stall git."""
    import select

    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    open_fds = [out_fd, err_fd]
    try:
        while open_fds:
            readable, _, _ = select.select(open_fds, [], [])
            for fd in readable:
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    chunks[fd].append(chunk)
                else:
                    open_fds.remove(fd)
    finally:
        os.close(out_fd)
        os.close(err_fd)
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd])


def git_ok(args: list[str], repo: str | None = None) -> str:
    """Stdout of a git command that must succeed; a failure becomes a one-line GitError."""
    result = run_git(args, repo)
    if result.returncode != 0:
        command = next((arg for arg in args if not arg.startswith("-") and "=" not in arg), "")
        raise GitError(f"git {command} failed: {result.error_line()}")
    return result.text()


class Location:
    """What git says of a place (`--repo`, or the current directory): the work tree, the git
    directory, whether the clone is shallow, and what HEAD (or the asked-for head) resolves to."""

    __slots__ = ("top", "git_dir", "shallow", "head_sha")

    def __init__(self, top: str, git_dir: str, shallow: bool, head_sha: str | None):
        self.top = top
        self.git_dir = git_dir
        self.shallow = shallow
        self.head_sha = head_sha


def locate(repo: str | None, head: str = "HEAD") -> Location:
    """One `rev-parse` for the work tree, git dir, shallowness and the head commit."""
    if repo is not None and not os.path.isdir(repo):
        raise RepoError(f"{repo!r} is not a directory")
    result = run_git(
        [
            "rev-parse",
            "--show-toplevel",
            "--absolute-git-dir",
            "--is-shallow-repository",
            "--verify",
            "-q",
            "--end-of-options",
            f"{head}^{{commit}}",
        ],
        repo,
    )
    lines = lines_of(result.text())
    if len(lines) < 3:
        where = repr(repo) if repo else "the current directory"
        if b"not a git repository" in result.stderr:
            raise RepoError(f"{where} is not in a git repository; run inside one or pass --repo PATH")
        raise RepoError(f"cannot use the repository at {where}: {result.error_line()}")
    head_sha = lines[3] if len(lines) > 3 and result.returncode == 0 else None
    return Location(lines[0], lines[1], lines[2] == "true", head_sha)


def bare_git_dir(repo: str | None) -> str | None:
    """REPO's git directory when it is a bare repository (a server's), else None; one rev-parse.

    `locate` cannot tell: a bare repository has no work tree, and `--show-toplevel` fails there."""
    if repo is not None and not os.path.isdir(repo):
        raise RepoError(f"{repo!r} is not a directory")
    result = run_git(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], repo)
    lines = lines_of(result.text())
    if result.returncode != 0 or len(lines) != 2 or lines[0] != "true":
        return None
    return lines[1]


def receiving_git_dir() -> str:
    """The git directory of the repository a push arrives in, from a server hook: GIT_DIR as
    git sets it for its hooks, else the current directory when it is a git directory (read
    from the files: no git), else git's answer. A non-bare repository that receives pushes
    gives its git directory too."""
    inherited = os.environ.get("GIT_DIR")
    if inherited:
        return os.path.abspath(inherited)
    here = os.getcwd()
    if all(os.path.exists(os.path.join(here, name)) for name in ("HEAD", "objects", "refs")):
        return here
    result = run_git(["rev-parse", "--absolute-git-dir"])
    if result.returncode != 0:
        raise RepoError(f"the server hooks run in the repository that receives the push: {result.error_line()}")
    return result.text().strip()


def is_shallow(repo: str | None) -> bool:
    return run_git(["rev-parse", "--is-shallow-repository"], repo).text().strip() == "true"


def head_branch(git_dir: str) -> str | None:
    """The checked-out branch, read from HEAD itself; None when detached (or unreadable).

    During a rebase HEAD is detached, but git records the branch being rebased.
    """
    for path in ("HEAD", "rebase-merge/head-name", "rebase-apply/head-name"):
        try:
            with open(os.path.join(git_dir, path), "rb") as handle:
                content = decode(handle.read()).strip()
        except OSError:
            continue
        content = content.removeprefix("ref: ")
        if content == "refs/heads/.invalid":  # reftable: HEAD is a stub, only git knows
            return _symbolic_head(git_dir)
        if content.startswith("refs/heads/"):
            return content[len("refs/heads/") :]
    return None


def _symbolic_head(git_dir: str) -> str | None:
    result = run_git(["--git-dir", git_dir, "symbolic-ref", "-q", "HEAD"])
    ref = result.text().strip()
    return ref[len("refs/heads/") :] if result.returncode == 0 and ref.startswith("refs/heads/") else None


def ci_branch() -> str | None:
    """The branch a CI system says it is building (its checkouts have a detached HEAD)."""
    for variable in CI_BRANCH_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return value.removeprefix("refs/heads/")
    return None


def forget_inherited_repository() -> list[str]:
    """Drop the variables that name a repository from this process's environment, and so
    from every git (and test run) it starts; the names of those that were set.

    For `--repo PATH`: run from another repository's git hook, the inherited GIT_DIR and
    GIT_WORK_TREE would otherwise make every git call act on that repository instead.
    """
    dropped = [name for name in REPOSITORY_VARIABLES if name in os.environ]
    for name in dropped:
        del os.environ[name]
    return dropped


def common_dir(git_dir: str) -> str:
    """The git directory shared by all worktrees, where the refs are (a linked worktree's
    git directory points to it in its `commondir` file). Read from the file: no git."""
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            pointed = handle.read().strip()
    except OSError:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, pointed))


def find_git_dir(start: str) -> tuple[str, str] | None:
    """(work tree top, git dir) found by looking for `.git` upwards, without starting git.

    Returns None where only git itself can tell (GIT_DIR set, a bare repository, a `.git`
    file that is not a plain `gitdir:` pointer): callers then ask git.
    """
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        return None
    directory = os.path.abspath(start)
    while True:
        dot_git = os.path.join(directory, ".git")
        if os.path.isdir(dot_git):
            return directory, dot_git
        if os.path.isfile(dot_git):
            pointed = _gitdir_pointer(dot_git)
            return (directory, os.path.join(directory, pointed)) if pointed else None
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _gitdir_pointer(dot_git_file: str) -> str | None:
    try:
        with open(dot_git_file, "rb") as handle:
            content = decode(handle.read()).strip()
    except OSError:
        return None
    return content[len("gitdir: ") :] if content.startswith("gitdir: ") else None


def resolve_commit(ref: str, repo: str | None) -> str | None:
    result = run_git(["rev-parse", "--verify", "-q", "--end-of-options", f"{ref}^{{commit}}"], repo)
    return result.text().strip() if result.returncode == 0 else None


def commit_sha(rev: str, repo: str | None) -> str | None:
    """The commit REV names; a full sha (what resolve_base returns for --base) costs no git call."""
    if len(rev) == 40 and all(c in "0123456789abcdef" for c in rev):
        return rev
    return resolve_commit(rev, repo)


def branch_of_ref(ref: str, repo: str | None) -> str | None:
    """`hotfix/v1.2.4` when REF names a local branch, else None."""
    result = run_git(["rev-parse", "--symbolic-full-name", "--end-of-options", ref], repo)
    for line in lines_of(result.text()):
        if line.startswith("refs/heads/"):
            return line[len("refs/heads/") :]
    return None


def nearest_tag(
    head: str, match: str, exclude: list[str], is_wanted: Callable[[str], bool], repo: str | None
) -> str | None:
    """The nearest tag reachable from HEAD that matches MATCH, none of EXCLUDE, and `is_wanted`.

    `git describe` does the walk with globs; a tag the globs let through but `is_wanted`
    rejects is excluded by name and the walk asked again (rarely: the globs are close).
    """
    excluded = list(exclude)
    for _ in range(50):
        args = ["describe", "--tags", "--abbrev=0", "--match", match]
        for pattern in excluded:
            args += ["--exclude", pattern]
        result = run_git([*args, head], repo)
        if result.returncode != 0:
            return None
        tag = result.text().strip()
        if is_wanted(tag):
            return tag
        excluded.append(glob_escape(tag))
    return None


def tag_names(repo: str | None) -> list[str]:
    """Every tag's name (`v1.2.3`, `rel/v1.2.3`), one `for-each-ref`."""
    return lines_of(git_ok(["for-each-ref", "--format=%(refname:strip=2)", "refs/tags/"], repo))


def existing_refs(refs: list[str], repo: str | None) -> frozenset[str]:
    """Which of these full ref names exist (one `for-each-ref`, however many refs)."""
    if not refs:
        return frozenset()
    output = git_ok(["for-each-ref", "--format=%(refname)", *refs], repo)
    return frozenset(refs) & frozenset(lines_of(output))


def commits_between(base: str, head: str, repo: str | None) -> tuple[Commit, ...]:
    """The commits of base..head, newest first, with their authors, committers and full messages."""
    output = run_git(
        [
            "log",
            "-z",
            "--no-color",
            "--no-show-signature",
            "--encoding=UTF-8",
            "--format=%H %P%n%an <%ae>%n%cn <%ce>%n%B",
            f"{base}..{head}",
        ],
        repo,
    )
    if output.returncode != 0:
        raise GitError(f"git log failed: {output.error_line()}")
    return tuple(_parse_commit(record) for record in output.stdout.split(b"\0") if record.strip())


def _parse_commit(record: bytes) -> Commit:
    header, author, committer, body = [*record.split(b"\n", 3), b"", b"", b""][:4]
    sha, *parents = header.decode("ascii").split()
    who, by = author.decode("utf-8", "replace"), committer.decode("utf-8", "replace")
    try:
        return Commit(sha, tuple(parents), body.decode("utf-8"), author=who, committer=by)
    except UnicodeDecodeError:
        return Commit(sha, tuple(parents), body.decode("utf-8", "replace"), False, who, by)


def changed_files(base: str, head: str | None, repo: str | None) -> tuple[FileChange, ...]:
    """Files changed from BASE to HEAD (or to the index when HEAD is None), git's numstat."""
    args = ["diff", "--numstat", "-z", "-M", "--no-relative", "--no-color", "--no-ext-diff", "--no-textconv"]
    args += [base, head] if head is not None else ["--cached", base]
    output = run_git([*args, "--"], repo)
    if output.returncode != 0:
        raise GitError(f"git diff failed: {output.error_line()}")
    return parse_numstat(output.stdout)


def parse_numstat(data: bytes) -> tuple[FileChange, ...]:
    """Parse `git diff --numstat -z`: `A\\tD\\tPATH\\0`, or `A\\tD\\t\\0OLD\\0NEW\\0` for a rename."""
    fields = data.split(b"\0")
    files = []
    index = 0
    while index < len(fields) and fields[index]:
        added, removed, path = fields[index].split(b"\t", 2)
        index += 1
        old_path = None
        if not path:
            old_path, path = decode(fields[index]), fields[index + 1]
            index += 2
        files.append(FileChange(decode(path), _count(added), _count(removed), old_path))
    return tuple(files)


def _count(field: bytes) -> int | None:
    return None if field == b"-" else int(field)


def first_parent_line(refs: list[str], since: str, repo: str | None) -> frozenset[str]:
    """Commits made on the line of REFS since SINCE, following first parents only.

    First parents are the line's own commits; a branch merged into it (a hotfix merged
    back with --no-ff) arrives through second parents and is not counted as its work.
    """
    output = git_ok(["rev-list", "--first-parent", *refs, "--not", since, "--"], repo)
    return frozenset(output.split())


def is_ancestor(ancestor: str, descendant: str, repo: str | None) -> bool:
    result = run_git(["merge-base", "--is-ancestor", ancestor, descendant], repo)
    if result.returncode not in (0, 1):
        raise GitError(f"git merge-base failed: {result.error_line()}")
    return result.returncode == 0


# Statuses of `git diff --name-status`: A added, D deleted, M modified, R renamed, C copied, T type.
def changed_paths(base: str, head: str, repo: str | None) -> tuple[tuple[str, str, str | None], ...]:
    """(status letter, path, old path of a rename or None) for each file changed from BASE to HEAD."""
    args = ["diff", "--name-status", "-z", "-M", "--no-relative", "--no-color", "--no-ext-diff", base, head, "--"]
    output = run_git(args, repo)
    if output.returncode != 0:
        raise GitError(f"git diff failed: {output.error_line()}")
    fields = output.stdout.split(b"\0")
    paths: list[tuple[str, str, str | None]] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = decode(fields[index])[:1]
        if status in ("R", "C"):
            old, new = decode(fields[index + 1]), decode(fields[index + 2])
            paths.append((status, new, old))
            index += 3
        else:
            paths.append((status, decode(fields[index + 1]), None))
            index += 2
    return tuple(paths)


class LineChanges:
    """Which lines of one file a change touches: base-side lines, head-side lines, and the
    removed/added line pairs (for telling a version bump from a real edit)."""

    __slots__ = ("base_lines", "head_lines", "removed", "added")

    def __init__(self) -> None:
        self.base_lines: set[int] = set()
        self.head_lines: set[int] = set()
        self.removed: list[str] = []
        self.added: list[str] = []


def line_changes(base: str, head: str, paths: list[str], repo: str | None) -> LineChanges:
    """The lines of PATHS (a file, or a rename's old and new path) changed from BASE to HEAD.

    A pure insertion touches no base line; it counts as touching the base lines on either
    side of it, since code there is what runs around the new lines.
    """
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    args = ["diff", "-U0", "-M", "--no-relative", "--no-color", "--no-ext-diff", "--no-textconv"]
    output = run_git([*args, base, head, "--", *paths], repo)
    if output.returncode != 0:
        raise GitError(f"git diff failed: {output.error_line()}")
    changes = LineChanges()
    try:
        patch = PatchSet(decode(output.stdout).splitlines(keepends=True))
    except UnidiffParseError as error:
        raise GitError(f"cannot read the diff of {paths[-1]!r}: {error}") from None
    for patched in patch:
        for hunk in patched:
            if hunk.source_length:
                changes.base_lines.update(range(hunk.source_start, hunk.source_start + hunk.source_length))
            else:
                changes.base_lines.update((hunk.source_start, hunk.source_start + 1))
            changes.head_lines.update(range(hunk.target_start, hunk.target_start + max(hunk.target_length, 1)))
            for line in hunk:
                if line.is_removed:
                    changes.removed.append(line.value)
                elif line.is_added:
                    changes.added.append(line.value)
    return changes


def tracked_files(repo: str | None) -> list[str]:
    """The files git tracks in the work tree, relative to its top (run from the top)."""
    output = run_git(["ls-files", "-z", "--full-name"], repo)
    if output.returncode != 0:
        raise GitError(f"git ls-files failed: {output.error_line()}")
    return [decode(name) for name in output.stdout.split(b"\0") if name]


def file_at(rev: str, path: str, repo: str | None) -> bytes | None:
    """The content of PATH at commit REV, or None when it has no such file."""
    result = run_git(["cat-file", "blob", f"{rev}:{path}"], repo)
    return result.stdout if result.returncode == 0 else None


def same_tree(first: str, second: str, repo: str | None) -> bool:
    """Whether two commits hold the same tree (one rev-parse)."""
    result = run_git(["rev-parse", "--end-of-options", f"{first}^{{tree}}", f"{second}^{{tree}}"], repo)
    trees = [line for line in result.text().split() if not line.startswith("-")]  # rev-parse echoes the option
    return result.returncode == 0 and len(trees) == 2 and trees[0] == trees[1]


def tracked_files_unmodified(repo: str | None) -> bool:
    """No staged or unstaged change to a tracked file (untracked files do not count)."""
    return not git_ok(["status", "--porcelain", "-z", "--untracked-files=no"], repo)


def add_temporary_worktree(path: str, rev: str, repo: str | None) -> None:
    git_ok(["worktree", "add", "--detach", "--quiet", path, rev], repo)


def remove_temporary_worktree(path: str, repo: str | None) -> None:
    # --force: the tree is ours, and a test run leaves untracked caches in it.
    run_git(["worktree", "remove", "--force", path], repo)
    run_git(["worktree", "prune"], repo)


def ref_from_files(common_dir: str, ref: str, packed: dict[str, bytes] | None = None) -> str | None:
    """REF as the ref files say, without starting git: a commit id, `ref: TARGET` for a
    symbolic ref, or None when there is no such ref. Raises LookupError where only git can
    tell (the reftable format, a ref file that does not read as one). PACKED, when given,
    keeps the packed-refs file read once for several calls."""
    if os.path.isdir(os.path.join(common_dir, "reftable")):
        raise LookupError("reftable")
    try:
        with open(os.path.join(common_dir, *ref.split("/")), "rb") as handle:
            text = decode(handle.read()).strip()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        pass
    except OSError as error:
        raise LookupError(str(error)) from None
    else:
        if text.startswith("ref: ") or _is_object_id(text):
            return text
        raise LookupError(f"{ref}: {text[:40]!r}")
    cache = packed if packed is not None else {}
    if "packed-refs" not in cache:
        try:
            with open(os.path.join(common_dir, "packed-refs"), "rb") as handle:
                cache["packed-refs"] = b"\n" + handle.read()
        except FileNotFoundError:
            cache["packed-refs"] = b""
        except OSError as error:
            raise LookupError(str(error)) from None
    data = cache["packed-refs"]
    end = data.find(b" " + os.fsencode(ref) + b"\n")
    if end < 0:
        return None
    start = data.rfind(b"\n", 0, end) + 1
    sha = decode(data[start:end])
    if not _is_object_id(sha):
        raise LookupError(f"packed-refs: {ref}")
    return sha


def _is_object_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def refs_with_targets(refs: list[str], repo: str | None) -> dict[str, tuple[str, str]]:
    """(object id, symbolic target or "") of each of REFS that exists (one `for-each-ref`)."""
    output = git_ok(["for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)", *refs], repo)
    found = {}
    for line in lines_of(output):
        name, _, rest = line.partition("\0")
        sha, _, target = rest.partition("\0")
        if name in refs:
            found[name] = (sha, target)
    return found


def trees_of(revs: list[str], repo: str | None) -> list[str] | None:
    """The tree each of REVS names (`REV^{tree}`), in one rev-parse; None when one names none."""
    result = run_git(["rev-parse", "--end-of-options", *(f"{rev}^{{tree}}" for rev in revs)], repo)
    trees = [line for line in result.text().split() if _is_object_id(line)]  # not the option rev-parse may echo
    return trees if result.returncode == 0 and len(trees) == len(revs) else None


def added_paths(base: str, trees: list[str], repo: str | None) -> list[list[str]] | None:
    """The paths each of TREES has and tree BASE does not (object ids all), in the order of TREES:
    one `git diff-tree --stdin`. None when its answer cannot be read for certain (a path with a
    newline in it, which is where git's header for each pair ends) or the trees are too many."""
    headers = [f"{base} {tree}".encode() for tree in trees]
    stdin = b"".join(header + b"\n" for header in headers)
    if len(stdin) > _MAX_STDIN:
        return None
    args = ["diff-tree", "--stdin", "-r", "--name-only", "-z", "--no-renames", "--diff-filter=A"]
    result = run_git(args, repo, stdin=stdin)
    # "BASE TREE\n" heads each pair's "path\0" names: split at the newlines, each piece is the
    # names of one pair followed by the next pair's header.
    pieces = result.stdout.split(b"\n")
    if result.returncode != 0 or len(pieces) != len(headers) + 1 or pieces[0] != headers[0]:
        return None
    found = []
    for piece, following in zip(pieces[1:], [*headers[1:], b""], strict=True):
        names = piece[: len(piece) - len(following)]
        if not piece.endswith(following) or (names and not names.endswith(b"\0")):
            return None
        found.append([decode(name) for name in names.split(b"\0") if name])
    return found


def ref_objects(refs: list[str], repo: str | None) -> dict[str, tuple[str, str, str, str]] | None:
    """(object id, its type, and for a tag the object it peels to and that one's type, else "")
    of each of REFS that exists (one `for-each-ref`); None when git cannot read one of the
    objects (a damaged repository)."""
    fields = "%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)"
    result = run_git(["for-each-ref", f"--format={fields}", *refs], repo)
    if result.returncode != 0:
        return None
    found = {}
    for line in lines_of(result.text()):
        name, sha, kind, peeled, peeled_kind = [*line.split("\0"), "", "", "", ""][:5]
        if name in refs:
            found[name] = (sha, kind, peeled, peeled_kind)
    return found


def blobs_at(commit: str, paths: list[str], repo: str | None, follow_symlinks: bool = False) -> dict[str, bytes]:
    """The content of each of PATHS that is a file at COMMIT (one `cat-file --batch`); with
    FOLLOW_SYMLINKS, a symbolic link inside COMMIT's tree gives its target's content, and one
    that leads out of it (or nowhere) is an error naming it."""
    names = "".join(f"{commit}:{path}\n" for path in paths)
    follow = ["--follow-symlinks"] if follow_symlinks else []
    result = run_git(["cat-file", "--batch", *follow], repo, stdin=names.encode("utf-8", "surrogateescape"))
    if result.returncode != 0:
        raise GitError(f"git cat-file failed: {result.error_line()}")
    found = {}
    data, position = result.stdout, 0
    for path in paths:
        end = data.find(b"\n", position)
        if end < 0:
            raise GitError(f"git cat-file said too little about {commit}:{path}")
        header = decode(data[position:end]).split()
        position = end + 1
        if len(header) == 3 and header[1] in ("blob", "tree", "commit", "tag") and header[2].isdigit():
            size = int(header[2])
            if header[1] == "blob":
                found[path] = data[position : position + size]
            position += size + 1  # the object, then a newline
        elif follow_symlinks and len(header) == 2 and header[0] in ("symlink", "dangling", "loop", "notdir"):
            target = decode(data[end + 1 : end + 1 + int(header[1])]) if header[1].isdigit() else "?"
            why = {"symlink": f"leads out of the repository ({target})", "dangling": "points to nothing"}
            raise GitError(f"{path} at {commit[:7]} is a symbolic link that {why.get(header[0], 'cannot be followed')}")
        elif not header or header[-1] != "missing":
            raise GitError(f"git cat-file cannot read {commit}:{path}: {' '.join(header)}")
    return found


def files_changed_whole(
    base: str, head: str | None, paths: tuple[str, ...], repo: str | None
) -> tuple[SettingsFile, ...]:
    """Each of PATHS (at the top) that differs from BASE to HEAD (or to the index when HEAD is
    None), with its whole text on both sides: one `git diff` whose context is the whole file."""
    # Fixed prefixes and paths from the top, whatever diff.noprefix, diff.mnemonicPrefix or
    # diff.relative say: the parser reads `b/PATH` (found in review: each of them hid a change).
    args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--text", "--unified=100000000"]
    args += ["--src-prefix=a/", "--dst-prefix=b/", "--no-relative"]
    args += [base, head] if head is not None else ["--cached", base]
    output = run_git([*args, "--", *(f":(top,literal){path}" for path in paths)], repo)
    if output.returncode != 0:
        raise GitError(f"git diff failed: {output.error_line()}")
    return parse_whole_diff(decode(output.stdout))


def parse_whole_diff(text: str) -> tuple[SettingsFile, ...]:
    """The files of a `git diff --unified=<whole file>`: each side is the context plus its own lines."""
    found: list[SettingsFile] = []
    path, before, after = "", list[str](), list[str]()
    exists = [True, True]
    in_hunk = False

    def close() -> None:
        if path:
            found.append(
                SettingsFile(path, "".join(before) if exists[0] else None, "".join(after) if exists[1] else None)
            )

    for line in text.splitlines(keepends=True):
        if line.startswith("diff --git "):
            close()
            path, before, after, exists, in_hunk = "", list[str](), list[str](), [True, True], False
            path = line.rstrip("\n").rpartition(" b/")[2]
        elif not in_hunk and line.startswith("new file mode"):
            exists[0] = False
        elif not in_hunk and line.startswith("deleted file mode"):
            exists[1] = False
        elif line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line[:1] in (" ", "-", "+"):
            if line[:1] in (" ", "-"):
                before.append(line[1:])
            if line[:1] in (" ", "+"):
                after.append(line[1:])
    close()
    return tuple(found)


def notes(ref: str, repo: str | None, commits: frozenset[str] | None = None) -> dict[str, str]:
    """The text of each note under notes REF, by the commit it annotates (only COMMITS, when
    given): two git commands whatever the number of notes; none when the ref does not exist."""
    listed = run_git(["notes", "--ref", ref, "list"], repo)
    if listed.returncode != 0:
        raise GitError(f"git notes list failed: {listed.error_line()}")
    annotated = [fields[1] for fields in (line.split() for line in listed.text().splitlines()) if len(fields) == 2]
    wanted = [commit for commit in annotated if commits is None or commit in commits]
    if not wanted:
        return {}
    output = git_ok(
        ["log", "-z", "--no-walk=unsorted", "--ignore-missing", f"--notes={ref}", "--format=%H%n%N", *wanted], repo
    )
    found = {}
    for entry in output.split("\0"):
        sha, _, note = entry.strip("\n").partition("\n")
        if sha:
            found[sha] = note
    return found


def signing_setup(repo: str | None) -> tuple[str, str, bool]:
    """(gpg.format, user.signingKey, tag.gpgSign) as git's config says (one `git config`)."""
    result = run_git(["config", "-z", "--get-regexp", r"^(gpg\.format|user\.signingkey|tag\.gpgsign)$"], repo)
    values = {}
    for entry in result.text().split("\0"):
        key, _, value = entry.partition("\n")
        if key:
            values[key.lower()] = value
    return (
        values.get("gpg.format", "openpgp") or "openpgp",
        values.get("user.signingkey", ""),
        values.get("tag.gpgsign", "").lower() in ("true", "yes", "on", "1"),
    )


# git's empty tree: a signed approval is a commit object of it, made by no ref and kept in the note.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def signed_commit_object(message: str, repo: str | None) -> bytes:
    """A commit object of the empty tree with MESSAGE, signed by git's signing setup (`commit-tree -S`),
    as raw bytes; no ref points at it."""
    made = run_git(["commit-tree", "-S", EMPTY_TREE, "-m", message], repo)
    if made.returncode != 0:
        raise GitError(f"cannot sign: {made.error_line()}")
    raw = git_ok(["cat-file", "commit", made.text().strip()], repo).encode("utf-8", "surrogateescape")
    if b"\ngpgsig " not in raw.partition(b"\n\n")[0]:
        raise GitError("cannot sign: git made the object without a signature")
    return raw


# What git's %G? letters say when a signature does not hold ("G" is a good signature by a known signer).
SIGNATURE_WORDS = {
    "B": "a bad signature",
    "U": "a signature by a key no one vouches for (for ssh: not in gpg.ssh.allowedSignersFile)",
    "X": "an expired signature",
    "Y": "a signature by an expired key",
    "R": "a signature by a revoked key",
    "E": "a signature git cannot check (the key is missing)",
    "N": "no signature git can check",
}


def commit_object_signature(raw: bytes, repo: str | None) -> tuple[str, str, str, str]:
    """(git's %G? letter, the signer, the key's fingerprint, git's last words) of the signature
    of the commit object RAW, which is written to the object store (no ref points at it):
    two git commands (git itself starts gpg or ssh-keygen). For ssh the signer is the
    principal gpg.ssh.allowedSignersFile names for the key."""
    written = run_git(["hash-object", "-t", "commit", "-w", "--stdin"], repo, stdin=raw)
    if written.returncode != 0:
        return "E", "", "", written.error_line()
    shown = run_git(["log", "-1", "--no-walk", "--format=%G?%x00%GS%x00%GF", written.text().strip()], repo)
    letter, signer, fingerprint = ([*shown.text().strip("\n").split("\0"), "", "", ""])[:3]
    words = [line.strip() for line in decode(shown.stderr).splitlines() if line.strip()]
    return letter or "E", signer, fingerprint, words[-1] if words else ""


def tag_carries_signature(tag: str, repo: str | None) -> bool:
    """Whether the tag object TAG (a name or id) holds a signature block (whether or not it verifies)."""
    shown = run_git(["cat-file", "tag", tag], repo)
    return shown.returncode == 0 and "\n-----BEGIN " in shown.text() and " SIGNATURE-----" in shown.text()
