"""Bump the version string in files (config `version-files`: `path`, or `path:regex` whose
first group is the version), checked against the base tag before anything changes."""

from __future__ import annotations

import re

from hotfix_guard.errors import RepoError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.flow.common import Repo
    from hotfix_guard.versions import Version


def plan_bumps(
    repo: Repo, entries: tuple[str, ...], base_tag: str, old: Version, new: Version
) -> list[tuple[str, str]]:
    """(path, new content) for every version file, as the base tag has it; a file whose
    version is not the base's is an error, never a silent skip."""
    return [_bump(repo, entry, base_tag, str(old), str(new)) for entry in entries]


def _bump(repo: Repo, entry: str, base_tag: str, old: str, new: str) -> tuple[str, str]:
    path, _, pattern = entry.partition(":")
    result = repo.try_git("show", f"refs/tags/{base_tag}:{path}")
    if result.returncode != 0:
        raise RepoError(f"version file {path!r} is not in {base_tag}; fix version-files in the config")
    try:
        text = result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise RepoError(f"version file {path!r} is not UTF-8 text") from None
    start, end = _version_span(text, path, pattern, old)
    return path, text[:start] + new + text[end:]


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
