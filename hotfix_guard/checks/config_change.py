"""A hotfix cannot loosen its own guards: it must not change hotfix-guard's own settings.

The rules a hotfix is judged by come from main's committed config (config.py), so a
hotfix that edits the config would not change them anyway; but merged into main it
would, for every later hotfix. Any change to `.hotfix-guard.toml`, to the
`[tool.hotfix-guard]` table of `pyproject.toml` or to the `[hotfix-guard*]` sections of
`setup.cfg` is a finding; the rest of those files (a version bump in `pyproject.toml`)
is the project's, and is not.
"""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.errors import ConfigError
from hotfix_guard.model import Change, Finding, SettingsFile
from hotfix_guard.options import NO_OPTIONS, RunOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

ID = "config-change"
_TABLES = {
    ".hotfix-guard.toml": "hotfix-guard's settings",
    "pyproject.toml": "its [tool.hotfix-guard] table",
    "setup.cfg": "its [hotfix-guard] sections",
}


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    base = change.base or "the base"
    findings = []
    for file in change.settings_files:
        what = _changed(file)
        if what is not None:
            undo = f"git rm --cached {file.path}" if file.before is None else f"git checkout {base} -- {file.path}"
            findings.append(
                Finding(
                    ID,
                    f"the hotfix {what}: a hotfix cannot change its own guards (main's config applies all the same); "
                    f"change the config on main instead, and take this out of the hotfix ({undo})",
                    file=file.path,
                )
            )
    return findings


def _changed(file: SettingsFile) -> str | None:
    """What the change does to hotfix-guard's settings in FILE, None when they stay as they were."""
    from hotfix_guard.config import settings_table

    if file.path not in _TABLES or file.before == file.after:
        return None
    name = file.path
    if name == ".hotfix-guard.toml":
        return f"{_verb(file.before, file.after)} .hotfix-guard.toml"
    try:
        before = settings_table(name, file.before, name) if file.before is not None else None
        after = settings_table(name, file.after, name) if file.after is not None else None
    except ConfigError:
        return f"changes {name} so that it does not parse: hotfix-guard's settings in it cannot be told apart"
    if before == after:
        return None  # the project's own part of the file (a version bump), not ours
    return f"{_verb(before, after)} {_TABLES[name]} in {name}"


def _verb(before: object, after: object) -> str:
    return "adds" if before is None else "removes" if after is None else "changes"


CHECK = Check(
    id=ID,
    order=25,
    summary="The hotfix does not change hotfix-guard's own settings (.hotfix-guard.toml, [tool.hotfix-guard], [hotfix-guard]).",
    severity="error",
    needs=("settings",),
    stages=("pre-commit", "pre-push"),
    function=check,
)
