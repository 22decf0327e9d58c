"""Error types and the exit codes they map to (exit codes are public API)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_BUG = 3  # an unexpected exception: one line naming the log file that holds the traceback
EXIT_INTERRUPTED = 130  # Ctrl-C, after putting back whatever the command had changed
EXIT_TERMINATED = 143  # SIGTERM during a flow command, after putting back whatever it had changed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


class HotfixGuardError(Exception):
    """A problem with usage, config or the repository: one line for the user, exit 2."""

    exit_code = EXIT_ERROR


class ConfigError(HotfixGuardError):
    """The configuration file is malformed or holds an unknown key or a wrong type."""


class RepoError(HotfixGuardError):
    """The repository is not in a state the command can work with."""


class GitError(RepoError):
    """A git command failed in a way the caller did not expect."""


class Terminated(KeyboardInterrupt):
    """SIGTERM during a flow command: undone like Ctrl-C, then exit 143."""


# --- bugs: exit 3, one line, the traceback in a log -------------------------------------
# What follows imports what it needs inside the functions: the hooks import this module
# on every commit and must not pay for the error path.

LOG_NAME = "error.log"


def report_bug(error: BaseException, argv: Sequence[str], where: str | None = None) -> int:
    """Say in one line that ERROR is a bug and where its traceback is logged; EXIT_BUG.

    The log is `<git dir>/hotfix-guard/error.log` of the repository at WHERE (default: the
    current directory), appended to, with the time, the version and the arguments; in a
    temporary directory when there is no git directory.
    """
    summary = " ".join(f"{type(error).__name__}: {error}".split())
    line = f"hotfix-guard: error: unexpected error (a bug in hotfix-guard): {summary}"
    try:
        path = _append_to_log(_log_entry(error, argv), where)
    except Exception as log_error:
        _write(f"{line}; the log could not be written ({log_error}), so here is the traceback:\n")
        _write(_traceback(error))
        return EXIT_BUG
    _write(f"{line}; details in {path}\n")
    return EXIT_BUG


def _traceback(error: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def _log_entry(error: BaseException, argv: Sequence[str]) -> str:
    import platform
    import time

    from hotfix_guard import __version__

    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return (
        f"--- {when} hotfix-guard {__version__}, Python {platform.python_version()}\n"
        f"argv: {list(argv)!r}\n{_traceback(error)}\n"
    )


def _append_to_log(entry: str, where: str | None) -> str:
    import os

    directory = _log_directory(where)
    path = os.path.join(directory, LOG_NAME)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(entry)
    return path


def _log_directory(where: str | None) -> str:
    """`<git dir>/hotfix-guard`, or a directory of this user's under the temporary directory."""
    import os

    git_dir = _git_dir(where or os.getcwd())
    if git_dir is not None:
        directory = os.path.join(git_dir, "hotfix-guard")
        os.makedirs(directory, exist_ok=True)
        return directory
    import stat
    import tempfile

    directory = os.path.join(tempfile.gettempdir(), f"hotfix-guard-{os.getuid()}")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    found = os.lstat(directory)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        return tempfile.mkdtemp(prefix="hotfix-guard-")  # someone else's, or a symlink: not ours to write in
    return directory


def _git_dir(where: str) -> str | None:
    try:
        from hotfix_guard import gitrepo

        found = gitrepo.find_git_dir(where)
        return found[1] if found is not None else gitrepo.locate(where).git_dir
    except Exception:
        return None


def _write(text: str) -> None:
    import sys

    sys.stderr.flush()
    sys.stderr.write(text)
    sys.stderr.flush()
