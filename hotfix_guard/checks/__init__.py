"""The checks, by id, in the order they run and report."""

from __future__ import annotations

from hotfix_guard.checks import branch_name, commit_message, diff_size, file_count, scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from hotfix_guard.config import Config
    from hotfix_guard.model import Change, Finding

    CheckFunction = Callable[[Change, Config], list[Finding]]

CHECKS: dict[str, CheckFunction | None] = {
    branch_name.ID: branch_name.check,
    file_count.ID: file_count.check,
    diff_size.ID: diff_size.check,
    commit_message.ID: commit_message.check,
    scope.ID: scope.check,
    "focused-tests": None,  # delivered by its own issue; reported as skipped until then
}
