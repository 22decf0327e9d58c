"""Release tags: parsing `v1.2.3`, telling releases from other tags, next-patch arithmetic.

A release tag is the configured prefix followed by MAJOR.MINOR.PATCH, each a decimal
number without leading zeros. Pre-releases (`v1.3.0-rc.1`), build metadata and other tags
(`nightly-2024-01-01`) are not releases.
"""

from __future__ import annotations

from hotfix_guard.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

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
    import re  # here: a hook on a branch out of scope never needs it (and re costs ~10 ms to import)

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


def other_scheme(tags: Iterable[str], prefix: str) -> str | None:
    """When no tag is a release under PREFIX but tags of another release scheme exist, what
    to set: `found 34 tags like 2.2.0: set tag-prefix = ""`; else None.

    A scheme is what comes before MAJOR.MINOR.PATCH: nothing, or text ending in a character
    other than a digit or a dot (so `1.2.3.4` is no release of prefix `1.`). The most common
    scheme is named, with its highest version as the example.
    """
    tags = list(tags)
    if any(parse_release_tag(tag, prefix) is not None for tag in tags):
        return None
    schemes = release_schemes(tags)
    if not schemes:
        return None
    scheme, found = max(schemes.items(), key=lambda item: (len(item[1]), -len(item[0])))
    example = max(found, key=lambda pair: pair[0].key())[1]
    quoted = scheme.replace("\\", "\\\\").replace('"', '\\"')
    count = f"{len(found)} tag{'s' if len(found) != 1 else ''}"
    return f'found {count} like {example}: set tag-prefix = "{quoted}"'


def release_schemes(tags: Iterable[str]) -> dict[str, list[tuple[Version, str]]]:
    """The release tag schemes TAGS use: prefix -> [(version, tag)], most tags first. A scheme
    is what comes before MAJOR.MINOR.PATCH: nothing, or text ending in a character other than
    a digit or a dot (so `1.2.3.4` is no release of prefix `1.`)."""
    import re

    schemes: dict[str, list[tuple[Version, str]]] = {}
    for tag in tags:
        match = re.fullmatch(f"((?:.*[^0-9.])?){_CORE}", tag, re.ASCII | re.DOTALL)
        if match is None:
            continue
        version = Version(*(int(part) for part in match.groups()[1:]))
        schemes.setdefault(match.group(1), []).append((version, tag))
    return dict(sorted(schemes.items(), key=lambda item: (-len(item[1]), len(item[0]))))


def no_release_message(prefix: str, where: str, advice: str, tags: Iterable[str] = ()) -> str:
    """`no release tag (like v1.2.3) WHERE; ADVICE`, or, when TAGS hold releases of another
    scheme, the setting that would make them count instead of ADVICE."""
    hint = other_scheme(tags, prefix)
    return f"no release tag (like {prefix}1.2.3) {where}; {hint or advice}"
