"""Which releases carry the lines a hotfix changes: derived, never assumed.

The lines the fix changes are blamed at its base release (one `git blame --porcelain` per
changed file, limited with -L to the changed hunks); the earliest release tag that contains
any of the commits that last changed them (one `git for-each-ref --contains` for all of them)
is the first affected release, and every release from it up to the base is affected. That
errs on the side of naming a release too many: a release with only some of those lines as
the base has them may or may not have had the bug. New files and the version line of a
version file (start's bump) tell nothing and are left out. Where nothing can be derived, the answer is a visible
placeholder with the reason.
"""

from __future__ import annotations

import re

from hotfix_guard import gitrepo
from hotfix_guard.errors import GitError
from hotfix_guard.model import Record
from hotfix_guard.versions import parse_release_tag

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.repository import Repo
    from hotfix_guard.versions import Version

PLACEHOLDER = "<fill in: affected versions>"
_BLAME_HEADER = re.compile(r"^([0-9a-f]{40,64}) \d+ \d+(?: \d+)?$")


class Affected(Record):
    """The affected versions (`1.1.0 to 1.2.3`, or the placeholder) and how they were derived."""

    __slots__ = ("versions", "how")

    def __init__(self, versions: str, how: str):
        self.versions = versions
        self.how = how


def affected_versions(repo: Repo, config: Config, base: str | None, head: str) -> Affected:
    """The releases that carry the lines the change from release tag BASE to HEAD changes."""
    base_commit = repo.sha(f"refs/tags/{base}^{{commit}}") if base else None
    base_version = parse_release_tag(base, config.tag_prefix) if base else None
    if base is None or base_commit is None or base_version is None:
        return Affected(PLACEHOLDER, "cannot be derived: the hotfix's base release is unknown")
    versions_in = _version_lines(config)
    lines, files, commits = 0, 0, set()
    for status, path, old_path in gitrepo.changed_paths(base_commit, head, repo.top):
        at_base = old_path or path
        key = at_base if at_base in versions_in else path
        version_line = versions_in.get(key)
        if status == "A" or (key in versions_in and version_line is None):
            continue
        ranges = _ranges(_changed_base_lines(repo, base_commit, head, [p for p in (old_path, path) if p]))
        blamed = [
            commit
            for commit, text in _blame(repo, base_commit, at_base, ranges)
            if version_line is None or not version_line.search(text)
        ]
        if blamed:
            files += 1
            lines += len(blamed)
            commits.update(blamed)
    if not commits:
        return Affected(PLACEHOLDER, f"cannot be derived: the fix changes no line {base} has (only new files)")
    first = _earliest_release(repo, config, commits, base_version)
    changed = f"git blame of the {_plural(lines, 'line')} the fix changes in {_plural(files, 'file')} at {base}"
    if first is None:
        return Affected(PLACEHOLDER, f"cannot be derived: {changed}; no release up to {base} contains their commits")
    version, tag = first
    versions = str(base_version) if version == base_version else f"{version} to {base_version}"
    return Affected(
        versions,
        f"derived from {changed}: last changed by {_plural(len(commits), 'commit')}, "
        f"the earliest of them first released in {tag}",
    )


def _version_lines(config: Config) -> dict[str, re.Pattern[str] | None]:
    """Each version file, with the pattern of its version line (`path:regex`), or None when the
    whole file is the version (`VERSION`); an invalid pattern leaves the file out whole."""
    rules: dict[str, re.Pattern[str] | None] = {}
    for entry in config.version_files:
        path, colon, pattern = entry.partition(":")
        try:
            rules[path] = re.compile(pattern) if colon and pattern else None
        except re.error:
            rules[path] = None
    return rules


def _changed_base_lines(repo: Repo, base: str, head: str, paths: list[str]) -> set[int]:
    try:
        return gitrepo.line_changes(base, head, paths, repo.top).base_lines
    except GitError:
        return set()  # a diff git cannot show as lines (binary): nothing to blame


def _ranges(lines: set[int]) -> list[tuple[int, int]]:
    """LINES (1-based; 0, before the first line, is dropped) as runs of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for line in sorted(number for number in lines if number > 0):
        if runs and line == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], line)
        else:
            runs.append((line, line))
    return runs


def _blame(repo: Repo, base: str, path: str, ranges: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """The commit that last changed each line of RANGES in PATH at BASE, and the line."""
    if not ranges:
        return []
    limits = [arg for start, end in ranges for arg in ("-L", f"{start},{end}")]
    result = repo.try_git("blame", "--porcelain", *limits, base, "--", path)
    if result.returncode != 0 and len(ranges) > 1:
        # A range past the file's end (an insertion after its last line): blame the rest.
        result = repo.try_git("blame", "--porcelain", *limits[:-2], base, "--", path)
    if result.returncode != 0:
        return []
    blamed, commit = [], ""
    for line in result.text().splitlines():
        header = _BLAME_HEADER.match(line)
        if header is not None:
            commit = header.group(1)
        elif line.startswith("\t"):  # the line itself, after its commit's header and details
            blamed.append((commit, line[1:]))
    return blamed


def _earliest_release(
    repo: Repo, config: Config, commits: set[str], base_version: Version
) -> tuple[Version, str] | None:
    """The lowest release up to BASE_VERSION whose tag contains any of COMMITS."""
    contains = [arg for commit in sorted(commits) for arg in ("--contains", commit)]
    output = repo.git("for-each-ref", "--format=%(refname:strip=2)", *contains, "refs/tags/")
    releases = []
    for tag in output.splitlines():
        version = parse_release_tag(tag, config.tag_prefix)
        if version is not None and not base_version < version:
            releases.append((version, tag))
    return min(releases, key=lambda pair: pair[0].key(), default=None)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"
