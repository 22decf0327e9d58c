"""Reading and writing files on the user's behalf, never outside the repository.

A path from the config, the command line or a committed file is resolved (every symlink
followed) and must land inside the repository's top; a file the tool writes is never a
symlink itself, and is replaced atomically (temporary file + rename), so a crash never
leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
from stat import S_ISREG

from hotfix_guard.errors import RepoError


def inside(top: str, path: str, what: str) -> str:
    """The real absolute path of PATH (relative to TOP unless absolute), refused unless inside TOP."""
    real_top = os.path.realpath(top)
    real = os.path.realpath(os.path.join(top, path))
    if real != real_top and not real.startswith(real_top.rstrip(os.sep) + os.sep):
        raise RepoError(f"{what} {path!r} is outside the repository ({real}); use a path inside {top}")
    return real


def read_inside(top: str, path: str, what: str) -> bytes:
    """The content of a file inside TOP; a path (or symlink) leading out of it is refused."""
    real = inside(top, path, what)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise RepoError(f"cannot read {what} {path!r}: {error.strerror or error}") from None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def refuse_symlink(top: str, path: str, what: str) -> str:
    """The absolute path of a file the tool is about to write: inside TOP, and not a symlink."""
    absolute = os.path.join(top, path)
    if os.path.islink(absolute):
        raise RepoError(f"{what} {path!r} is a symbolic link; hotfix-guard writes only regular files")
    parent = inside(top, os.path.dirname(path) or ".", what)
    return os.path.join(parent, os.path.basename(absolute))


def write_atomic(path: str, data: bytes, *, exclusive: bool = False) -> None:
    """Write PATH through a temporary file beside it and a rename; never through a symlink.

    EXCLUSIVE refuses an existing PATH (FileExistsError), as open(..., "x") does.
    """
    directory = os.path.dirname(path) or "."
    if exclusive and os.path.lexists(path):
        raise FileExistsError(path)
    mode = 0o666 & ~_umask()
    with contextlib.suppress(FileNotFoundError):
        found = os.stat(path, follow_symlinks=False)
        if S_ISREG(found.st_mode):  # a file's own mode is kept; a symlink's (0777) never
            mode = found.st_mode & 0o7777
    temporary = os.path.join(directory, f".{os.path.basename(path)}.hotfix-guard-{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        fd = os.open(temporary, flags, mode)
    except FileExistsError:  # a killed process's, which had this pid: the name is no live one's
        os.remove(temporary)
        fd = os.open(temporary, flags, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        if exclusive:
            os.link(temporary, path)  # fails, like O_EXCL, if PATH appeared meanwhile
            os.remove(temporary)
        else:
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def read_json(path: str) -> dict[str, object] | None:
    """The JSON object in the record at PATH (one of hotfix-guard's own, in the git
    directory), None when there is none; json is imported only when there is one."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # ValueError: not UTF-8
        raise RepoError(f"cannot read {path}: {error}") from None
    import json

    try:
        data = json.loads(text)
    except ValueError as error:
        raise RepoError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise RepoError(f"cannot read {path}: not a JSON object")
    return data


def record_name(branch: str) -> str:
    """A file name for a branch name (which may hold slashes)."""
    return branch.replace("%", "%25").replace("/", "%2F") + ".json"
