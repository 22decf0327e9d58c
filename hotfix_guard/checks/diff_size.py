"""A hotfix is a small diff: lines added + removed, from git's own per-file counts."""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.checks.file_count import split_excluded
from hotfix_guard.model import NOTE, Change, FileChange, Finding
from hotfix_guard.options import NO_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions

ID = "diff-size"


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    counted, excluded = split_excluded(change.files, config.diff_size_exclude)
    findings = []
    if excluded:
        findings.append(Finding(ID, f"not counted (excluded by config): {_list(excluded)}", NOTE))
    binary = [file for file in counted if file.binary]
    if binary:
        findings.append(Finding(ID, f"binary files, not counted as lines: {_list(binary)}", NOTE))
    total = sum(file.lines for file in counted)
    if total > config.max_lines:
        findings.append(
            Finding(
                ID,
                f"{total} lines changed (added + removed), the threshold is {config.max_lines}; "
                f"most in: {_largest(counted)}",
            )
        )
    return findings


def _largest(files: list[FileChange], count: int = 3) -> str:
    ranked = sorted(files, key=lambda file: (-file.lines, file.path))[:count]
    return ", ".join(f"{file.path!r} ({file.lines})" for file in ranked if file.lines)


def _list(files: list[FileChange], limit: int = 10) -> str:
    more = f" and {len(files) - limit} more" if len(files) > limit else ""
    return ", ".join(repr(file.path) for file in files[:limit]) + more


CHECK = Check(
    id=ID,
    order=30,
    summary="Lines added + removed in the whole hotfix stay under max-lines.",
    severity="warning",
    needs=("files",),
    stages=("pre-commit", "pre-push"),
    options={"max-lines": 200, "exclude": []},
    minimums={"max-lines": 1},
    function=check,
)
