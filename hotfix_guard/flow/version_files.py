"""Bump the version string in files (config `version-files`: `path`, or `path:regex` whose
first group is the version), checked against the base tag before anything changes.

A version file is a regular file inside the repository: a path leading out of the top, or a
symbolic link (in the base tag's tree or in the work tree), is refused before the branch is
created, and the bumped file is written without following any link.
"""

from __future__ import annotations

import os
import re

from hotfix_guard.errors import RepoError
from hotfix_guard.paths import inside, refuse_symlink, write_atomic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.flow.common import Repo
    from hotfix_guard.versions import Version

WHAT = "version file"
REGULAR_MODES = ("100644", "100755")
SYMLINK_MODE = "120000"


def plan_bumps(
    repo: Repo, entries: tuple[str, ...], base_tag: str, old: Version, new: Version
) -> list[tuple[str, str]]:
    """(path, new content) for every version file, as the base tag has it; a file whose
    version is not the base's is an error, never a silent skip."""
    return [_bump(repo, entry, base_tag, str(old), str(new)) for entry in entries]


def write_bumps(repo: Repo, bumps: list[tuple[str, str]]) -> None:
    """Write the bumped files into the work tree (checked out at the base by now): each must
    still be a regular file inside the top, and none is written through a link."""
    for path, _ in bumps:
        refuse_symlink(repo.top, path, WHAT)
    for path, content in bumps:
        write_atomic(refuse_symlink(repo.top, path, WHAT), content.encode("utf-8"))


def _bump(repo: Repo, entry: str, base_tag: str, old: str, new: str) -> tuple[str, str]:
    path, _, pattern = entry.partition(":")
    _require_contained(repo, path, base_tag)
    result = repo.try_git("show", f"refs/tags/{base_tag}:{path}")
    if result.returncode != 0:
        raise RepoError(f"version file {path!r} is not in {base_tag}; fix version-files in the config")
    try:
        text = result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise RepoError(f"version file {path!r} is not UTF-8 text") from None
    start, end = _version_span(text, path, pattern, old)
    return path, text[:start] + new + text[end:]


def _require_contained(repo: Repo, path: str, base_tag: str) -> None:
    """PATH names a regular file inside the top, in the base tag and in the work tree."""
    normal = os.path.normpath(path) if path else ""
    if not normal or normal == "." or os.path.isabs(path) or normal.split(os.sep)[0] == "..":
        raise RepoError(f"{WHAT} {path!r} is outside the repository; give a path relative to its top")
    if os.path.islink(os.path.join(repo.top, path)):
        raise RepoError(f"{WHAT} {path!r} is a symbolic link; hotfix-guard writes only regular files")
    inside(repo.top, path, WHAT)  # a symlinked directory in the work tree leading out
    listing = repo.try_git("ls-tree", "-z", "--full-tree", f"refs/tags/{base_tag}^{{tree}}", "--", normal)
    entry = listing.stdout.decode("utf-8", "replace").split("\0")[0] if listing.returncode == 0 else ""
    mode = entry.split(" ", 1)[0]
    if mode == SYMLINK_MODE:
        raise RepoError(f"{WHAT} {path!r} is a symbolic link in {base_tag}; hotfix-guard writes only regular files")
    if entry and mode not in REGULAR_MODES:
        raise RepoError(f"{WHAT} {path!r} is not a regular file in {base_tag}; fix version-files in the config")


def _version_span(text: str, path: str, pattern: str, old: str) -> tuple[int, int]:
    if pattern:
        try:
            match = re.search(pattern, text, re.MULTILINE)
        except re.error as error:
            raise RepoError(f"version-files: {pattern!r} is not a valid regular expression ({error})") from None
        if match is None or match.re.groups < 1:
            raise RepoError(f"version file {path!r}: {pattern!r} finds no version (it needs a group around it)")
        if match.group(1) != old:
            raise RepoError(
                f"version file {path!r} says {match.group(1)!r}, but the base is {old}; fix the file or the tag"
            )
        return match.span(1)
    spans = [m.span() for m in re.finditer(rf"(?<![0-9.]){re.escape(old)}(?![0-9.])", text)]
    if len(spans) != 1:
        found = "does not contain" if not spans else f"contains {len(spans)} times"
        raise RepoError(f"version file {path!r} {found} the base version {old}; give a regex: '{path}:<regex>'")
    return spans[0]
