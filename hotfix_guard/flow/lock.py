"""One command at a time changes a repository's refs: an exclusive lock in the git directory.

The lock is a file created with O_CREAT|O_EXCL in the common git directory (shared by
every worktree, as refs are), holding the holder's pid, its process start time and the
command. A lock whose holder is gone (killed with SIGKILL, the machine rebooted) is stale:
the next command says so and takes it over. A lock whose holder still runs is refused
with a one-line error naming it.

Taking over a stale lock is done under a breaker, so that two takers cannot both win: an
flock on `lock.break` beside the lock (the kernel drops a dead process's flock, so a breaker
is never stale). It counts only while the file is still at that name: its holder removes it
before letting go, and one who waited on the removed file tries the new one. Under it the
taker reads the lock again and removes it only when it still holds the very record found
stale. That is safe because the
file at the lock's path cannot change while the breaker is held: a new lock is only linked
into place where there is none, a live holder removes only its own, and a stale one is only
removed under the breaker. A taker that finds another record (one who broke it first and
took the lock) starts over, and meets a live holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TypedDict

from hotfix_guard.errors import RepoError
from hotfix_guard.gitrepo import common_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

LOCK_NAME = "lock"
_held: dict[str, int] = {}  # lock path -> nesting depth, for a command that calls another


def lock_path(git_dir: str) -> str:
    return os.path.join(common_dir(git_dir), "hotfix-guard", LOCK_NAME)


def process_start(pid: int) -> str | None:
    """When process PID started (clock ticks since boot), to tell it from a later one with the same pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return fields[19].decode("ascii") if len(fields) > 19 else None


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    now = process_start(pid)
    return started is None or now is None or now == started


class LockRecord(TypedDict):
    """What the lock file holds (JSON): who holds the lock, and since when."""

    pid: int
    start: str | None  # the holder's process start time, see process_start
    command: str
    since: str


@dataclass(frozen=True)
class Found:
    """A lock file as read: its record, None when it is unreadable (not one of ours)."""

    holder: LockRecord | None


def _read(path: str) -> Found | None:
    """The lock at PATH; None when there is none."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return Found(None)
    return Found(_record(text))


def _record(text: str) -> LockRecord | None:
    """The record in a lock file's TEXT, None without a pid (a lock file that is not one of ours)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    pid = data.get("pid") if isinstance(data, dict) else None
    if not isinstance(pid, int):
        return None
    start = data.get("start")
    return {
        "pid": pid,
        "start": start if isinstance(start, str) else None,
        "command": str(data.get("command", "?")),
        "since": str(data.get("since", "?")),
    }


def _describe(holder: LockRecord) -> str:
    return f"pid {holder['pid']}, `hotfix-guard {holder['command']}`, since {holder['since']}"


def _try_create(path: str, command: str) -> bool:
    record: LockRecord = {
        "pid": os.getpid(),
        "start": process_start(os.getpid()),
        "command": command,
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # Written whole beside it, then linked into place: a process killed while writing (or
    # stopped by a file-size limit) leaves no empty, unreadable lock behind.
    temporary = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        with suppress(OSError):
            os.remove(temporary)
    return True


def _is_ours(found: Found | None) -> bool:
    holder = found.holder if found is not None else None
    return holder is not None and holder["pid"] == os.getpid() and holder["start"] == process_start(os.getpid())


def acquire(git_dir: str, command: str, say: Callable[[str], None] | None = None) -> str:
    """Take the lock or raise RepoError naming its live holder; returns the lock's path."""
    path = lock_path(git_dir)
    if _held.get(path):
        _held[path] += 1
        return path
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError as error:
        raise RepoError(f"cannot create {os.path.dirname(path)}: {error.strerror or error}") from None
    for _ in range(5):
        try:
            if _try_create(path, command):
                _held[path] = 1
                return path
        except OSError as error:
            raise RepoError(f"cannot take the lock {path}: {error.strerror or error}") from None
        found = _read(path)
        if found is None:
            continue  # released between our two looks: try again
        holder = found.holder
        if holder is None:
            raise RepoError(f"the lock {path} is unreadable; if no hotfix-guard is running, remove it")
        if _alive(holder["pid"], holder["start"]):
            raise RepoError(
                f"another hotfix-guard is changing this repository ({_describe(holder)}); wait for it to end. "
                f"If no such process is running, remove {path}"
            )
        try:
            broken = _break_stale(path, holder)
        except OSError as error:
            raise RepoError(f"cannot take over the stale lock {path}: {error.strerror or error}") from None
        if not broken:
            continue  # someone else broke it (and may hold the lock now): look again
        if say is not None:
            say(f"note: took over a stale lock ({_describe(holder)}), whose process is no longer running")
    raise RepoError(f"cannot take the lock {path}: it keeps changing hands; try again")


BREAK_WAIT = 5.0  # seconds: the breaker is held only to read and remove one file


def _break_stale(path: str, stale: LockRecord) -> bool:
    """Remove the lock at PATH if it still holds the record STALE (whose process is gone);
    False when it holds anything else. See the module's docstring for why this is safe."""
    breaker = f"{path}.break"
    deadline = time.monotonic() + BREAK_WAIT
    while True:
        fd = os.open(breaker, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RepoError(f"cannot take over the stale lock {path}: {breaker} stays locked") from None
                time.sleep(0.01)
                continue
            if not _same_file(fd, breaker):
                continue  # its holder removed it as we waited: take the one there now
            try:
                if _read(path) != Found(stale):
                    return False
                os.remove(path)
                return True
            finally:
                os.remove(breaker)  # while still holding it, so nothing is left behind
        finally:
            os.close(fd)  # drops the flock


def _same_file(fd: int, path: str) -> bool:
    try:
        there = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (there.st_dev, there.st_ino) == (held.st_dev, held.st_ino)


def release(path: str) -> None:
    depth = _held.get(path, 0)
    if depth > 1:
        _held[path] = depth - 1
        return
    _held.pop(path, None)
    if _is_ours(_read(path)):
        with suppress(OSError):  # a lock we cannot remove is stale once we are gone
            os.remove(path)


@contextmanager
def locked(git_dir: str, command: str, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the repository's lock for the block (re-entrant within one process)."""
    path = acquire(git_dir, command, say)
    try:
        yield
    finally:
        release(path)
