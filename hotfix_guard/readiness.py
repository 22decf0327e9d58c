"""`hotfix-guard doctor --release`: is this release manager ready before the emergency?

The procedure's preparation checklist, answered from what this machine and repository can
tell: a git identity; a signing key that can sign (a test signature, kept by no ref); the
remote reachable and a push permitted (`git push --dry-run` of a throw-away ref, never a
real push); the guards active (what `doctor` checks); the hotfix-guard in use the version
the repository pins; the approvals notes ref fetched; a drill run recently (the drill
records its last run in the user's state directory). Each item passes or says how to fix it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

from hotfix_guard import __version__, gitrepo
from hotfix_guard.errors import HotfixGuardError
from hotfix_guard.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.repository import Repo

DRILL_MAX_AGE = timedelta(days=90)
PROBE_REF = "refs/hotfix-guard/doctor-release-probe"


class Item(Record):
    """One item of the checklist: its name, whether it passes, what was found, and the fix."""

    __slots__ = ("name", "ok", "found", "fix")

    def __init__(self, name: str, ok: bool, found: str, fix: str = ""):
        self.name = name
        self.ok = ok
        self.found = found
        self.fix = fix


def state_dir() -> str:
    """The user's state directory for hotfix-guard ($XDG_STATE_HOME, else ~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "hotfix-guard")


def record_drill(scenario: str, passed: bool, now: datetime | None = None) -> None:
    """Keep when the drill last ran, and how it went (what doctor --release asks); never fails the drill."""
    from hotfix_guard.paths import write_atomic

    moment = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    data = json.dumps({"when": moment, "scenario": scenario, "passed": passed}).encode("utf-8")
    try:
        os.makedirs(state_dir(), exist_ok=True)
        write_atomic(os.path.join(state_dir(), "last-drill.json"), data)
    except OSError:
        pass  # a read-only home: the drill itself went fine


def check(repo: Repo, config: Config, config_file: str | None, now: datetime | None = None) -> list[Item]:
    moment = now or datetime.now(timezone.utc)
    return [
        _identity(repo),
        _signing(repo),
        _push(repo, config),
        _guards(repo, config_file),
        _pinned_version(repo),
        _approvals_ref(repo, config),
        _drill(moment),
    ]


def _identity(repo: Repo) -> Item:
    from hotfix_guard.overrides import committer

    try:
        who, _when = committer(repo.top)
    except HotfixGuardError:
        return Item(
            "git identity", False, "none", 'git config user.name "Your Name" && git config user.email you@example.com'
        )
    return Item("git identity", True, who)


def _signing(repo: Repo) -> Item:
    from hotfix_guard.signing import HOW_TO_SET_UP

    form, key, _tag_sign = gitrepo.signing_setup(repo.top)
    if not key:
        return Item("signing key", False, "no user.signingKey", HOW_TO_SET_UP)
    try:
        gitrepo.signed_commit_object("hotfix-guard doctor --release: a test signature", repo.top)
    except HotfixGuardError as error:
        return Item("signing key", False, f"{key} ({form}) cannot sign: {error}", "check the key and gpg.format")
    return Item("signing key", True, f"{key} ({form}): a test signature was made")


def _push(repo: Repo, config: Config) -> Item:
    remote = config.remote
    if repo.try_git("remote", "get-url", "--end-of-options", remote).returncode != 0:
        return Item("remote", False, f"there is no remote {remote!r}", f"git remote add {remote} URL")
    result = repo.try_git("push", "--dry-run", "--no-verify", "--porcelain", remote, f"HEAD:{PROBE_REF}")
    if result.returncode != 0:
        return Item(
            "remote",
            False,
            f"a dry-run push to {remote} fails: {result.error_line()}",
            f"check git remote -v and your access to {remote}",
        )
    return Item("remote", True, f"{remote} is reachable and takes a push (dry run of a throw-away ref)")


def _guards(repo: Repo, config_file: str | None) -> Item:
    from hotfix_guard.doctor import diagnose

    problems = diagnose(repo.top, config_file).problems
    if problems:
        first = problems[0]
        return Item(
            "guards", False, f"{len(problems)} problem{'s' * (len(problems) != 1)}, first: {first.what}", first.fix
        )
    return Item("guards", True, "the hooks are active (hotfix-guard doctor: no problems)")


def _pinned_version(repo: Repo) -> Item:
    from hotfix_guard.doctor import _framework_rev

    rev = _framework_rev(repo.top)
    if rev is None:
        return Item("version", True, f"{__version__} (the repository pins none in .pre-commit-config.yaml)")
    if rev.removeprefix("v") != __version__:
        return Item(
            "version",
            False,
            f"this is {__version__}, the repository pins {rev}",
            f"pip install hotfix-guard=={rev.removeprefix('v')}",
        )
    return Item("version", True, f"{__version__}, as the repository pins")


def _approvals_ref(repo: Repo, config: Config) -> Item:
    from hotfix_guard.approvals import FETCH_HINT, NOTES_REF

    remote = config.remote
    result = repo.try_git("ls-remote", "--", remote, NOTES_REF)
    if result.returncode != 0:
        return Item(
            "approvals", False, f"cannot ask {remote} for {NOTES_REF}: {result.error_line()}", "check git remote -v"
        )
    there = result.text().split()[0] if result.text().split() else None
    if there is None:
        return Item("approvals", True, f"{remote} has no approvals yet ({NOTES_REF})")
    here = repo.sha(NOTES_REF)
    if here == there or (
        here is not None and repo.sha(f"{there}^{{commit}}") is not None and gitrepo.is_ancestor(there, here, repo.top)
    ):
        return Item("approvals", True, f"{NOTES_REF} is fetched")
    return Item("approvals", False, f"{NOTES_REF} is not fetched from {remote}", FETCH_HINT)


def _drill(now: datetime) -> Item:
    from hotfix_guard.incident import parse_time

    try:
        with open(os.path.join(state_dir(), "last-drill.json"), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return Item("drill", False, "no drill run recorded here", "hotfix-guard drill")
    when = parse_time(data.get("when")) if isinstance(data, dict) else None
    if when is None:
        return Item("drill", False, "the drill record does not read", "hotfix-guard drill")
    age = now - when
    outcome = "passed" if data.get("passed") else "failed"
    found = f"last run {when.date().isoformat()} ({age.days} days ago, {data.get('scenario')}, {outcome})"
    if age > DRILL_MAX_AGE or not data.get("passed"):
        return Item("drill", False, found, "hotfix-guard drill")
    return Item("drill", True, found)


def render(items: list[Item]) -> str:
    lines = []
    for item in items:
        lines.append(f"{'ok  ' if item.ok else 'FAIL'}  {item.name}: {item.found}")
        if not item.ok:
            lines.append(f"      fix: {item.fix}")
    failed = sum(1 for item in items if not item.ok)
    lines.append("ready for a release" if not failed else f"not ready: {failed} item{'s' * (failed != 1)} to fix")
    return "\n".join(lines) + "\n"
