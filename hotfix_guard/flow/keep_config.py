"""Rollback restores a release's code, not its lack of a config.

The release a rollback restores may predate hotfix-guard's config (added on main later):
its exact tree would delete the config from main. So the rollback's tree is the release's,
with hotfix-guard's settings as main has them: `.hotfix-guard.toml` whole, and in
`pyproject.toml` / `setup.cfg` only hotfix-guard's own sections (`[tool.hotfix-guard...]`,
`[hotfix-guard...]`), spliced into the release's file; the rest of those files is the
release's. A splice that does not give exactly main's settings is refused, never guessed.
"""

from __future__ import annotations

import re

from hotfix_guard import gitrepo
from hotfix_guard.errors import ConfigError, RepoError
from hotfix_guard.mainconfig import FILE_NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.repository import Repo

_SECTION = {
    "pyproject.toml": re.compile(r"\[\s*tool\s*\.\s*(\"hotfix-guard\"|hotfix-guard)\s*(\.[^\]]*)?\]"),
    "setup.cfg": re.compile(r"\[hotfix-guard(\.[^\]]*)?\]"),
}
_HEADER = re.compile(r"\[\[?[^\]]*\]\]?\s*(#.*)?$")


def settings_to_keep(
    repo: Repo, main_sha: str, target: str, changed: dict[str, bytes] | None = None
) -> dict[str, bytes | None]:
    """The config files whose hotfix-guard settings differ between TARGET and main: each
    with the content the rollback gives it (None: the file goes, as on main). CHANGED: files
    the rollback already gives other content (its version files), whose text is spliced into."""
    from hotfix_guard.config import settings_table

    at_main = gitrepo.blobs_at(main_sha, list(FILE_NAMES), repo.top)
    at_target = {**gitrepo.blobs_at(f"refs/tags/{target}", list(FILE_NAMES), repo.top), **(changed or {})}
    kept: dict[str, bytes | None] = {}
    for name in FILE_NAMES:
        ours, theirs = at_main.get(name), at_target.get(name)
        if ours == theirs:
            continue
        if name == ".hotfix-guard.toml":
            kept[name] = ours
            continue
        try:
            main_table = settings_table(name, _text(ours), f"{name} on main") if ours is not None else None
            release_table = settings_table(name, _text(theirs), f"{name} in {target}") if theirs is not None else None
        except ConfigError as error:
            raise RepoError(f"cannot keep main's hotfix-guard settings in {name}: {error}") from None
        if main_table == release_table:
            continue
        kept[name] = _splice(name, _text(theirs), _text(ours), target).encode("utf-8")
    return kept


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "surrogateescape")


def _splice(name: str, release: str, main: str, target: str) -> str:
    """RELEASE's text with its hotfix-guard sections replaced by MAIN's; checked by parsing."""
    from hotfix_guard.config import settings_table

    kept, _ = _split(name, release)
    _, ours = _split(name, main)
    result = kept.rstrip("\n") + ("\n\n" if kept.strip() else "") + ours if ours else kept
    try:
        same = settings_table(name, result, name) == settings_table(name, main, name)
    except ConfigError:
        same = False
    if not same:
        raise RepoError(
            f"cannot keep main's hotfix-guard settings in {target}'s {name} (they are not in sections of their "
            f"own); roll back with --dry-run to see the plan, and copy the settings by hand after it"
        )
    return result


def _split(name: str, text: str) -> tuple[str, str]:
    """(the text without hotfix-guard's sections, those sections)."""
    others: list[str] = []
    ours: list[str] = []
    current = others
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if _HEADER.match(stripped):
            current = ours if _SECTION[name].match(stripped) else others
        current.append(line)
    return "".join(others), "".join(ours)
