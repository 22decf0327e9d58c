"""Which branches are hotfix branches, which are near misses, and what they should be called."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    from hotfix_guard.config import Config
    from hotfix_guard.versions import Version

HOTFIX = "hotfix"  # starts with the configured prefix (valid name or not)
NEAR_MISS = "near-miss"  # meant to be a hotfix branch, spelled otherwise: `Hotfix/v1.2.4`
OTHER = "other"  # out of scope: every hook passes silently

_VERSION_LIKE = r"[vV]?([0-9]+\.[0-9]+\.[0-9]+)"


def classify(name: str, config: Config) -> str:
    if name.startswith(config.branch_prefix):
        return HOTFIX
    return NEAR_MISS if _near_miss_rest(name, config) is not None else OTHER


def matching_pattern(name: str, config: Config) -> re.Match[str] | None:
    for pattern in config.branch_patterns:
        match = pattern.search(name)
        if match:
            return match
    return None


def version_text(name: str, config: Config) -> str | None:
    """What a `hotfix/vX.Y.Z` branch promises as its version (a pattern's `version` group)."""
    match = matching_pattern(name, config)
    if match is None or "version" not in match.re.groupindex:
        return None
    return match.group("version")


def branch_version(name: str, config: Config) -> Version | None:
    """The release version a `hotfix/vX.Y.Z` branch promises, if it names a valid one."""
    from hotfix_guard.versions import parse_version

    text = version_text(name, config)
    return parse_version(text) if text is not None else None


def suggest(name: str, config: Config, expected: Version | None = None) -> str | None:
    """A correct name for a near miss or a malformed hotfix branch, when one can be derived."""
    from hotfix_guard.refnames import is_valid_branch_name
    from hotfix_guard.versions import parse_version

    if name.startswith(config.branch_prefix):
        rest: str | None = name[len(config.branch_prefix) :]
    else:
        rest = _near_miss_rest(name, config)
    if not rest:
        return None
    import re

    version_like = re.fullmatch(_VERSION_LIKE, rest)
    if version_like:
        parts = (int(part) for part in version_like.group(1).split("."))  # v01.2.4 → 1.2.4
        version = expected or parse_version(".".join(str(part) for part in parts))
        tail = f"{config.tag_prefix}{version}" if version else ""
    else:
        tail = re.sub(r"[^a-z0-9]+", "-", rest.lower()).strip("-")
    candidate = f"{config.branch_prefix}{tail}"
    if tail and is_valid_branch_name(candidate) and matching_pattern(candidate, config):
        return candidate
    return None


def _near_miss_rest(name: str, config: Config) -> str | None:
    """What follows a misspelt prefix (`Hotfix/`, `hotfix-`, `hotfixes/`, `hot_fix/`), else None."""
    stem = config.branch_prefix.rstrip("/-_")
    if not stem:
        return None
    # Most names are not near misses; telling so by the first letter spares the hooks compiling
    # the pattern, which costs more than the rest of their work on such a branch.
    first, initial = name[:1], stem[:1]
    if first.isascii() and initial.isascii() and first.lower() != initial.lower():
        return None
    import re

    loose_stem = "[-_]?".join(re.escape(char) for char in stem)
    match = re.match(f"(?i){loose_stem}(?:e?s)?[/_.-]+(.+)", name)
    return match.group(1) if match else None
