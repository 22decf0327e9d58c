"""A hotfix is a hotfix of its base: it starts at the base, is not empty, and carries no development work."""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.model import Change, Finding
from hotfix_guard.options import NO_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions

ID = "scope"


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    if not change.base_is_ancestor:
        return [
            Finding(
                ID,
                f"base {change.base} is not an ancestor of {change.head}: "
                f"a hotfix must branch from its release tag (git switch -c <branch> {change.base})",
            )
        ]
    if not change.commits:
        return [Finding(ID, f"empty change: no commits between {change.base} and {change.head}; commit the fix first")]
    leaked = [c for c in change.commits if c.sha in change.development_commits]
    if not leaked:
        return []
    listed = "; ".join(f"{c.short_sha} {c.subject!r}" for c in leaked[:10])
    more = f" and {len(leaked) - 10} more" if len(leaked) > 10 else ""
    return [
        Finding(
            ID,
            f"{len(leaked)} commit{'s come' if len(leaked) != 1 else ' comes'} from {config.develop_branch}, "
            f"not from {change.base}: "
            f"{listed}{more}; rebuild the hotfix from {change.base} with only the fix",
        )
    ]


CHECK = Check(
    id=ID,
    order=50,
    summary="The change starts at its base, is not empty and carries no development work.",
    severity="error",
    needs=("commits", "history"),
    stages=(),  # no hook of its own: it runs in hotfix-validate and the push guard
    function=check,
)
