"""The hotfix branch has an accepted name, and a version branch names the next patch of its base."""

from __future__ import annotations

from hotfix_guard.branches import NEAR_MISS, OTHER, classify, matching_pattern, suggest, version_text
from hotfix_guard.checks import Check
from hotfix_guard.model import NOTE, Change, Finding
from hotfix_guard.options import NO_OPTIONS
from hotfix_guard.refnames import is_valid_branch_name
from hotfix_guard.versions import Version, parse_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions

ID = "branch-name"


# What re.escape escapes; any other character stands for itself in a pattern.
_SPECIAL = frozenset("()[]{}?*+-|^$\\.&~# \t\n\r\v\f")


def default_patterns(tag_prefix: str = "v") -> tuple[str, ...]:
    """The accepted names when `patterns` is not configured; the version and timestamp forms
    carry the release tags' prefix (`hotfix/v1.2.4` for `v`, `hotfix/1.2.4` for `""`).

    Safe by construction: the prefix enters escaped, a fixed run of literal characters right
    after `^hotfix/`, so it adds no repetition and no choice for a match to backtrack into.
    (tests/regex_safety_test.py also runs the scanner on them for a table of prefixes.)
    """
    prefix = tag_prefix
    if any(char in _SPECIAL for char in tag_prefix):
        import re  # only then: the hooks import every check to read the config, and re costs them 3 ms

        prefix = re.escape(tag_prefix)
    return (
        rf"^hotfix/{prefix}(?P<version>[0-9]+\.[0-9]+\.[0-9]+)$",
        r"^hotfix/security-[0-9]{4}-[0-9]{3}$",
        rf"^hotfix/{prefix}[0-9]{{4}}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])_([01][0-9]|2[0-3])[0-5][0-9]$",
        r"^hotfix/[a-z0-9]+(-[a-z0-9]+)*$",
    )


def forms(tag_prefix: str = "v") -> str:
    """The default patterns in words."""
    return (
        f"hotfix/{tag_prefix}X.Y.Z, hotfix/security-YYYY-NNN, hotfix/<kebab-case> or hotfix/{tag_prefix}YYYYMMDD_HHMM"
    )


DEFAULT_PATTERNS = default_patterns()
FORMS = forms()


def skip_reason(change: Change, config: Config) -> str | None:
    """A branch outside the hotfix prefix, and no near miss, is out of scope: not checked, not passed."""
    name = change.branch
    if name is not None and classify(name, config) == OTHER:
        return f"{name!r} is not a hotfix branch (not under {config.branch_prefix}), so its name was not checked"
    return None


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    name = change.branch
    if name is None or classify(name, config) == OTHER:
        return []
    expected = change.base_version.next_patch() if change.base_version else None
    if not is_valid_branch_name(name):
        return [Finding(ID, f"{name!r} is not a valid git branch name{_hint(name, config, expected)}")]
    if classify(name, config) == NEAR_MISS:
        return [Finding(ID, f"{name!r} looks like a hotfix branch but is misspelt{_hint(name, config, expected)}")]
    if matching_pattern(name, config) is None:
        forms = _forms(config)
        return [Finding(ID, f"{name!r} is not an accepted hotfix name ({forms}){_hint(name, config, expected)}")]
    return _version_findings(name, change, config)


def _version_findings(name: str, change: Change, config: Config) -> list[Finding]:
    text = version_text(name, config)
    if text is None:
        return []
    version = parse_version(text)
    if version is None:
        hint = _hint(name, config, change.base_version.next_patch() if change.base_version else None)
        return [Finding(ID, f"{name!r}: {text!r} is not a release version (MAJOR.MINOR.PATCH, no leading zeros){hint}")]
    if change.base_version is None:
        return [
            Finding(ID, f"base {change.base} is not a release tag, so the version of {name!r} was not checked", NOTE)
        ]
    expected = change.base_version.next_patch()
    findings = []
    if version != expected:
        findings.append(
            Finding(
                ID,
                f"{name!r} does not follow its base {change.base}: the next patch is "
                f"{config.tag_prefix}{expected}; rename it: git branch -m {config.branch_prefix}{config.tag_prefix}{expected}",
            )
        )
    tag = version.tag(config.tag_prefix)
    if tag in change.existing_tags:
        findings.append(
            Finding(ID, f"tag {tag} already exists: version {version} is released; a hotfix needs a new version")
        )
    return findings


def _hint(name: str, config: Config, expected: Version | None) -> str:
    suggestion = suggest(name, config, expected)
    return f"; rename it: git branch -m {suggestion}" if suggestion else f"; use {_forms(config)}"


def _forms(config: Config) -> str:
    """The accepted forms in words for the default patterns, else the configured patterns."""
    patterns = tuple(pattern.pattern for pattern in config.branch_patterns)
    if patterns == default_patterns(config.tag_prefix):
        return forms(config.tag_prefix)
    return "a name matching " + " or ".join(repr(pattern) for pattern in patterns)


CHECK = Check(
    id=ID,
    order=10,
    summary=(
        "The hotfix branch is named hotfix/vX.Y.Z (next patch of its base), hotfix/security-YYYY-NNN, "
        "hotfix/<kebab-case> or hotfix/vYYYYMMDD_HHMM."
    ),
    severity="error",
    needs=("release",),
    stages=("pre-commit", "pre-push"),
    options={"patterns": list(DEFAULT_PATTERNS)},
    function=check,
    skip_reason=skip_reason,
)
