"""A hotfix changes few files: at most `max-files` in the whole change (renames count once)."""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.model import NOTE, Change, FileChange, Finding
from hotfix_guard.options import NO_OPTIONS, RunOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

ID = "file-count"
ALLOW_HINT = "if this is intended, pass --allow-large or set HOTFIX_GUARD_ALLOW_LARGE=1"


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    """`options.allow_large`: the user accepted a change over the limit (a run option, never config)."""
    allow_large = options.allow_large
    counted, excluded = split_excluded(change.files, config.file_count_exclude)
    findings = []
    if excluded:
        findings.append(Finding(ID, f"not counted (excluded by config): {_names(excluded)}", NOTE))
    if len(counted) > config.max_files and allow_large:
        findings.append(
            Finding(
                ID, f"{len(counted)} files changed, over the limit of {config.max_files}: accepted (allow-large)", NOTE
            )
        )
    elif len(counted) > config.max_files:
        findings.append(
            Finding(
                ID,
                f"{len(counted)} files changed, the limit is {config.max_files}: "
                f"{_names(counted)}; keep the hotfix small, or {ALLOW_HINT}",
            )
        )
    return findings


def split_excluded(
    files: tuple[FileChange, ...], patterns: tuple[str, ...]
) -> tuple[list[FileChange], list[FileChange]]:
    """Files that count, and files that match one of the `exclude` globs."""
    if not patterns:
        return list(files), []
    from fnmatch import fnmatchcase

    counted: list[FileChange] = []
    excluded: list[FileChange] = []
    for file in files:
        is_excluded = any(fnmatchcase(file.path, pattern) for pattern in patterns)
        (excluded if is_excluded else counted).append(file)
    return counted, excluded


def _names(files: list[FileChange], limit: int = 20) -> str:
    names = [repr(file.path) if _needs_quotes(file.path) else file.path for file in files[:limit]]
    more = f" and {len(files) - limit} more" if len(files) > limit else ""
    return ", ".join(names) + more


def _needs_quotes(path: str) -> bool:
    return any(char in path for char in ", \n\t'\"") or not path.isprintable()


CHECK = Check(
    id=ID,
    order=20,
    summary="The whole hotfix (committed change plus staged files) changes at most max-files files.",
    severity="error",
    needs=("files",),
    stages=("pre-commit", "pre-push"),
    options={"max-files": 5, "exclude": []},
    minimums={"max-files": 1},
    run_options=("allow-large",),
    function=check,
)
