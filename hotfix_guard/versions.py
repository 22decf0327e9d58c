"""Release tags: parsing `v1.2.3`, telling releases from other tags, next-patch arithmetic.

A release tag is the configured prefix followed by MAJOR.MINOR.PATCH, each a decimal
number without leading zeros. Pre-releases (`v1.3.0-rc.1`), build metadata and other tags
(`nightly-2024-01-01`) are not releases.
"""

from __future__ import annotations

import re

from hotfix_guard.model import Record

# Compiled on first use (re caches it): hooks import this module on every commit and push,
# most of them without parsing a version.
_CORE = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"


class Version(Record):
    __slots__ = ("major", "minor", "patch")

    def __init__(self, major: int, minor: int, patch: int):
        self.major = major
        self.minor = minor
        self.patch = patch

    def key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __lt__(self, other: Version) -> bool:
        return self.key() < other.key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def next_patch(self) -> Version:
        return Version(self.major, self.minor, self.patch + 1)

    def tag(self, prefix: str) -> str:
        return f"{prefix}{self}"


def parse_version(text: str) -> Version | None:
    """`1.2.3` → Version(1, 2, 3); anything else (pre-releases included) → None."""
    match = re.fullmatch(_CORE, text, re.ASCII)
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return Version(major, minor, patch)


def parse_release_tag(tag: str, prefix: str) -> Version | None:
    """`v1.2.3` (with prefix `v`) → Version(1, 2, 3); a non-release tag → None."""
    if not tag.startswith(prefix):
        return None
    return parse_version(tag[len(prefix) :])


def glob_escape(text: str) -> str:
    """TEXT as a glob (git's wildmatch) that matches only itself."""
    return "".join(f"[{char}]" if char in "*?[\\" else char for char in text)


def release_tag_glob(prefix: str) -> str:
    """A glob for `git describe --match` that every release tag matches (a superset)."""
    return f"{glob_escape(prefix)}[0-9]*.[0-9]*.[0-9]*"


def non_release_globs(prefix: str) -> list[str]:
    """Globs for `git describe --exclude` that no release tag matches: after the prefix, a
    character other than a digit or a dot (pre-releases, build metadata), a fourth part,
    or a leading zero."""
    escaped = glob_escape(prefix)
    return [f"{escaped}*[!0-9.]*", f"{escaped}*.*.*.*", f"{escaped}0[0-9]*", f"{escaped}*.0[0-9]*"]
