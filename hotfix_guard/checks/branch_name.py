"""The hotfix branch has an accepted name, and a version branch names the next patch of its base."""

from __future__ import annotations

from hotfix_guard.branches import NEAR_MISS, OTHER, branch_version, classify, matching_pattern, suggest
from hotfix_guard.model import NOTE, Change, Finding
from hotfix_guard.refnames import is_valid_branch_name
from hotfix_guard.versions import Version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

ID = "branch-name"

FORMS = "hotfix/vX.Y.Z, hotfix/security-YYYY-NNN, hotfix/<kebab-case> or hotfix/vYYYYMMDD_HHMM"


def check(change: Change, config: Config) -> list[Finding]:
    name = change.branch
    if name is None or classify(name, config) == OTHER:
        return []
    expected = change.base_version.next_patch() if change.base_version else None
    if not is_valid_branch_name(name):
        return [Finding(ID, f"{name!r} is not a valid git branch name{_hint(name, config, expected)}")]
    if classify(name, config) == NEAR_MISS:
        return [Finding(ID, f"{name!r} looks like a hotfix branch but is misspelt{_hint(name, config, expected)}")]
    if matching_pattern(name, config) is None:
        return [Finding(ID, f"{name!r} is not an accepted hotfix name ({FORMS}){_hint(name, config, expected)}")]
    return _version_findings(name, change, config)


def _version_findings(name: str, change: Change, config: Config) -> list[Finding]:
    version = branch_version(name, config)
    if version is None:
        return []
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
    return f"; rename it: git branch -m {suggestion}" if suggestion else f"; use {FORMS}"
