"""`hotfix-guard status`: triage at a glance, from the repository alone.

What is in production (the highest release tag, and when it was tagged), what main holds
since then, where you are, how the hotfix you are on stands against its checks and its
severity's time budget, and which hotfix branches are still open here or on the remote.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TypedDict, final

from hotfix_guard import gitrepo
from hotfix_guard.branches import HOTFIX, classify
from hotfix_guard.errors import HotfixGuardError
from hotfix_guard.flow.common import release_tags
from hotfix_guard.incident import find_incident, tag_time
from hotfix_guard.model import ERROR, WARNING
from hotfix_guard.severity import format_duration

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.incident import Incident
    from hotfix_guard.options import RunOptions
    from hotfix_guard.repository import Repo

MAX_LISTED = 10  # commits on main listed one a line; the rest are counted

# The facts are what `status --format json` prints (public output), hence JSON-shaped records:
# their keys, in this order, are the document's.


class Production(TypedDict):
    tag: str
    version: str
    tagged_at: str | None


class Commit(TypedDict):
    sha: str
    subject: str


class MainFacts(TypedDict):
    branch: str
    exists: bool
    commits_since_release: int | None  # None when the branch does not exist
    commits: list[Commit]  # the newest MAX_LISTED


class CurrentBranch(TypedDict):
    name: str | None  # None: detached HEAD
    hotfix: bool
    base: str | None


class ChangeSize(TypedDict):
    files: int
    lines: int
    commits: int


class CheckFacts(TypedDict):
    id: str
    status: str
    reason: str | None
    findings: list[str]


class ApprovalEntry(TypedDict):
    who: str
    role: str
    commit: str
    when: str
    comment: str
    key: str
    signature: str  # "unsigned", "good", or "bad: why" (checked with git verify-commit)
    status: str  # "counts", "stale" (of an older head), "own" (an author's: never counts) or "bad signature"


class PendingReview(TypedDict):
    """A critical hotfix released by the release manager alone, which no one else has approved yet."""

    branch: str
    tag: str | None
    head: str


@final
class HotfixFacts(TypedDict):
    branch: str
    base: str | None
    state: str
    change: ChangeSize
    checks: list[CheckFacts]
    errors: int
    warnings: int
    severity: str | None
    summary: str | None
    started_at: str | None
    elapsed_seconds: int | None
    budget_minutes: list[int] | None  # [min, max]
    over_budget: bool | None
    approvals: list[ApprovalEntry]
    peer_review: str | None  # "pending": released by the release manager alone, not approved by anyone else yet


@final
class HotfixTrouble(TypedDict):
    """A hotfix branch whose facts cannot be gathered, and why."""

    branch: str
    base: None
    error: str


class OpenBranch(TypedDict):
    branch: str
    where: list[str]  # "local", and the remote's name


class Override(TypedDict):
    commit: str
    ref: str
    reason: str
    who: str
    when: str
    blocked: list[str]


class Facts(TypedDict):
    """Every fact status shows."""

    production: Production | None
    release_tag_hint: str | None  # no release tag: what the tags look like, and the setting that would fit them
    config: dict[str, str | None]  # where the rules came from (Config.origin)
    main: MainFacts
    current_branch: CurrentBranch
    hotfix: HotfixFacts | HotfixTrouble | None  # on a hotfix branch
    open_hotfix_branches: list[OpenBranch]
    overrides: list[Override]
    pending_peer_reviews: list[PendingReview]
    now: str | None


def gather(repo: Repo, config: Config, now: datetime | None = None, options: RunOptions | None = None) -> Facts:
    """Every fact status shows, as plain data (what --format json prints); OPTIONS (default:
    from the environment) are the run options its checks run with."""
    moment = now or datetime.now(timezone.utc)
    releases = release_tags(repo, config.tag_prefix)
    production: Production | None = None
    if releases:
        version, tag = releases[-1]
        tagged = tag_time(repo, tag)
        production = {"tag": tag, "version": str(version), "tagged_at": _iso(tagged)}
    current = repo.current_branch()
    is_hotfix = current is not None and classify(current, config) == HOTFIX
    hotfix = _hotfix(repo, config, current, moment, options) if is_hotfix and current is not None else None
    return {
        "production": production,
        "release_tag_hint": None if releases else _release_tag_hint(repo, config),
        "main": _main_since(repo, config, production["tag"] if production else None),
        "current_branch": {
            "name": current,
            "hotfix": is_hotfix,
            "base": hotfix["base"] if hotfix else None,
        },
        "hotfix": hotfix,
        "open_hotfix_branches": _open_branches(repo, config),
        "overrides": _overrides(repo),
        "pending_peer_reviews": _pending_reviews(repo, config),
        "config": config.origin,
        "now": _iso(moment),
    }


def _release_tag_hint(repo: Repo, config: Config) -> str | None:
    """With no release tag, where tags of another scheme exist: which setting makes them count."""
    from hotfix_guard import gitrepo
    from hotfix_guard.versions import no_release_message, other_scheme

    tags = gitrepo.tag_names(repo.top)
    return no_release_message(config.tag_prefix, "yet", "", tags) if other_scheme(tags, config.tag_prefix) else None


OVERRIDES_SHOWN = 5


def _overrides(repo: Repo) -> list[Override]:
    """The push guard's recorded break-glass overrides, newest first (the audit trail)."""
    from hotfix_guard.overrides import list_overrides

    return [
        {"commit": o.commit, "ref": o.ref, "reason": o.reason, "who": o.who, "when": o.when, "blocked": list(o.blocked)}
        for o in list_overrides(repo.top)
    ]


def _pending_reviews(repo: Repo, config: Config) -> list[PendingReview]:
    """Finished hotfixes whose record says "peer review pending" and whose head no one but an
    author has approved since (one notes lookup for them all)."""
    import glob
    import os

    from hotfix_guard.approvals import approvals_on, is_author, signature_holds
    from hotfix_guard.paths import read_json

    records = []
    for path in sorted(glob.glob(os.path.join(glob.escape(repo.state_path("finished")), "*.json"))):
        record = read_json(path)
        if record is not None and record.get("peer_review") == "pending" and isinstance(record.get("head"), str):
            records.append(record)
    if not records:
        return []
    approvals = approvals_on(frozenset(str(record["head"]) for record in records), repo.top)
    pending: list[PendingReview] = []
    for record in records:
        head, branch, tag = str(record["head"]), str(record.get("branch")), record.get("tag")
        givers = [a.who for a in approvals if a.commit == head and signature_holds(a)]
        if givers:
            authors = _authors(repo, config, head)
            if not all(is_author(giver, authors) for giver in givers):
                continue
        pending.append({"branch": branch, "tag": tag if isinstance(tag, str) else None, "head": head})
    return pending


def _authors(repo: Repo, config: Config, head: str) -> tuple[str, ...]:
    from hotfix_guard import gitrepo
    from hotfix_guard.approvals import authors_of
    from hotfix_guard.collect import Target, resolve_base

    base_rev = resolve_base(Target(repo.top, head), head, config)[1]
    return authors_of(gitrepo.commits_between(base_rev, head, repo.top))


def _approval_entries(incident: Incident, top: str | None) -> list[ApprovalEntry]:
    from hotfix_guard.approvals import Judgement, verify

    facts = incident.change.approvals if incident.change is not None else None
    if facts is None:
        return []
    judgement = Judgement(facts)
    entries: list[ApprovalEntry] = []
    for approval in facts.approvals:
        status = judgement.status(approval)
        entries.append(
            {
                "who": approval.who,
                "role": approval.role,
                "commit": approval.commit,
                "when": approval.when,
                "comment": approval.comment,
                "key": approval.key,
                "signature": approval.verdict or verify(approval, top),
                "status": status,
            }
        )
    return entries


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def _main_since(repo: Repo, config: Config, tag: str | None) -> MainFacts:
    main = config.main_branch
    if repo.sha(f"refs/heads/{main}") is None:
        return {"branch": main, "exists": False, "commits_since_release": None, "commits": []}
    since = [f"refs/tags/{tag}..refs/heads/{main}"] if tag else [f"refs/heads/{main}"]
    count = int(repo.git("rev-list", "--count", *since, "--").strip())
    lines = repo.git("log", f"-{MAX_LISTED}", "--format=%h%x1f%s", *since, "--").splitlines()
    commits: list[Commit] = [
        {"sha": sha, "subject": subject} for sha, _, subject in (line.partition("\x1f") for line in lines)
    ]
    return {"branch": main, "exists": True, "commits_since_release": count, "commits": commits}


def _hotfix(
    repo: Repo, config: Config, branch: str, now: datetime, options: RunOptions | None
) -> HotfixFacts | HotfixTrouble:
    try:
        incident = find_incident(repo, config, branch, options)
    except HotfixGuardError as error:
        return {"branch": branch, "base": None, "error": str(error)}
    return _hotfix_facts(incident, now, repo.top)


def _hotfix_facts(incident: Incident, now: datetime, top: str | None = None) -> HotfixFacts:
    change, report = incident.change, incident.report
    assert change is not None and report is not None
    severity = incident.severity
    elapsed = incident.duration(now) if incident.started_at is not None else None
    return {
        "branch": incident.branch,
        "base": incident.base,
        "state": incident.state,
        "change": {
            "files": len(change.files),
            "lines": sum(file.lines for file in change.files),
            "commits": len(change.commits),
        },
        "checks": [
            {
                "id": result.check,
                "status": result.status,
                "reason": result.reason or None,
                "findings": [f.message for f in report.findings if f.check == result.check],
            }
            for result in report.results
        ],
        "errors": report.count(ERROR),
        "warnings": report.count(WARNING),
        "severity": severity.name if severity else None,
        "summary": incident.summary,
        "started_at": _iso(incident.started_at),
        "elapsed_seconds": int(elapsed) if elapsed is not None else None,
        "budget_minutes": [severity.min_minutes, severity.max_minutes] if severity else None,
        "over_budget": severity.over_budget(elapsed) if severity and elapsed is not None else None,
        "approvals": _approval_entries(incident, top),
        "peer_review": "pending" if incident.peer_review_pending else None,
    }


def _open_branches(repo: Repo, config: Config) -> list[OpenBranch]:
    """Hotfix branches, local or on the remote, whose head is not merged into main yet."""
    main = f"refs/heads/{config.main_branch}"
    merged_filter = [f"--no-merged={main}"] if repo.sha(main) is not None else []
    output = repo.git("for-each-ref", "--format=%(refname)", *merged_filter, "refs/heads/", "refs/remotes/")
    found: dict[str, list[str]] = {}
    remote_prefix = f"refs/remotes/{config.remote}/"
    for ref in gitrepo.lines_of(output):
        if ref.startswith("refs/heads/"):
            name, where = ref[len("refs/heads/") :], "local"
        elif ref.startswith(remote_prefix):
            name, where = ref[len(remote_prefix) :], config.remote
        else:
            continue
        if name != "HEAD" and classify(name, config) == HOTFIX:
            found.setdefault(name, []).append(where)
    return [{"branch": name, "where": where} for name, where in sorted(found.items())]


def render_json(facts: Facts) -> str:
    return json.dumps(facts, indent=2, ensure_ascii=False) + "\n"


def render_text(facts: Facts) -> str:
    config = facts["config"]
    lines = [*_production_lines(facts), *_main_lines(facts)]
    lines += [f"Config: {config['text']}"] if config else []
    lines += _current_lines(facts)
    lines += _open_lines(facts)
    lines += _pending_review_lines(facts)
    lines += _override_lines(facts)
    return "\n".join(lines) + "\n"


def _pending_review_lines(facts: Facts) -> list[str]:
    return [
        f"Peer review pending: {entry['tag'] or entry['branch']} ({entry['branch']}, head {entry['head'][:10]}) was "
        f"released by the release manager alone; review it: hotfix-guard approve {entry['tag'] or entry['branch']}"
        for entry in facts["pending_peer_reviews"]
    ]


def _override_lines(facts: Facts) -> list[str]:
    overrides = facts["overrides"]
    if not overrides:
        return ["Push guard overrides: none recorded"]
    lines = [f"Push guard overrides: {len(overrides)} recorded (refs/notes/hotfix-guard)"]
    for override in overrides[:OVERRIDES_SHOWN]:
        lines.append(
            f"  {override['when']} {override['who']} pushed {override['ref']} ({override['commit'][:10]}): {override['reason']}"
        )
    if len(overrides) > OVERRIDES_SHOWN:
        lines.append(f"  and {len(overrides) - OVERRIDES_SHOWN} more")
    return lines


def _production_lines(facts: Facts) -> list[str]:
    production = facts["production"]
    if production is None:
        hint = facts["release_tag_hint"]
        return [f"Production: {hint}" if hint else "Production: no release tag yet"]
    return [f"Production: {production['tag']} (tagged {_readable(production['tagged_at'])})"]


def _main_lines(facts: Facts) -> list[str]:
    main = facts["main"]
    count = main["commits_since_release"]
    if not main["exists"] or count is None:
        return [f"Main: there is no branch {main['branch']!r} (set main-branch in the config)"]
    since = "since the release" if facts["production"] else "in all"
    lines = [f"Main ({main['branch']}): {_plural(count, 'commit')} {since}" + (":" if count else "")]
    lines += [f"  {commit['sha']} {commit['subject']}" for commit in main["commits"]]
    if count > len(main["commits"]):
        lines.append(f"  and {count - len(main['commits'])} more")
    return lines


def _current_lines(facts: Facts) -> list[str]:
    current, hotfix = facts["current_branch"], facts["hotfix"]
    if current["name"] is None:
        return ["Current branch: none (detached HEAD)"]
    if not current["hotfix"] or hotfix is None:
        return [f"Current branch: {current['name']} (not a hotfix branch)"]
    if "error" in hotfix:
        return [f"Current branch: {current['name']} (hotfix branch; {hotfix['error']})"]
    lines = [f"Current branch: {current['name']} (hotfix branch, base {hotfix['base']}, {hotfix['state']})"]
    change = hotfix["change"]
    counts = ", ".join(
        _plural(count, noun)
        for count, noun in ((change["files"], "file"), (change["lines"], "line"), (change["commits"], "commit"))
    )
    lines.append(f"  Change: {counts}")
    lines += _severity_lines(hotfix)
    lines += _approval_lines(hotfix)
    for check in hotfix["checks"]:
        reason = f" {check['reason']}" if check["reason"] else ""
        lines.append(f"  {check['status']:<8} [{check['id']}]{reason}")
        lines += [f"           {finding}" for finding in check["findings"]]
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _severity_lines(hotfix: HotfixFacts) -> list[str]:
    from hotfix_guard.severity import level

    lines = [f"  Summary: {hotfix['summary']}"] if hotfix["summary"] else []
    severity = level(hotfix["severity"])
    elapsed = hotfix["elapsed_seconds"]
    started = f"started {_readable(hotfix['started_at'])}" if hotfix["started_at"] else "no start record"
    if severity is None:
        lines.append(f"  Severity: not recorded ({started}; record it with start --severity LEVEL)")
    elif elapsed is not None:
        lines.append(
            f"  Severity: {severity.name} ({severity.meaning}; approval: {severity.approval}); {started}, "
            f"elapsed {format_duration(elapsed)}: {severity.verdict(elapsed)}"
        )
    return lines


STATUS_WORDS = {
    "counts": "counts",
    "stale": "stale: of an older head, not counted",
    "own": "an author's own, not counted",
    "bad signature": "its signature does not hold, not counted",
    "again": "the same person again, counted once",
}


def _approval_lines(hotfix: HotfixFacts) -> list[str]:
    entries = hotfix["approvals"]
    counted = sum(1 for entry in entries if entry["status"] == "counts")
    lines = [f"  Approvals: {counted} counted" + (f" of {len(entries)} recorded" if len(entries) != counted else "")]
    for entry in entries:
        signature = entry["signature"]
        signed = (
            f", signature {signature}" + (f" ({entry['key']})" if entry["key"] else "")
            if signature != "unsigned"
            else ""
        )
        comment = f": {entry['comment']}" if entry["comment"] else ""
        lines.append(
            f"    {entry['who']} ({entry['role']}{signed}) of {entry['commit'][:10]}, {entry['when']} "
            f"[{STATUS_WORDS[entry['status']]}]{comment}"
        )
    if hotfix["peer_review"] == "pending":
        lines.append(
            f"  Peer review: pending (released by the release manager alone): hotfix-guard approve {hotfix['branch']}"
        )
    return lines


def _open_lines(facts: Facts) -> list[str]:
    branches = facts["open_hotfix_branches"]
    if not branches:
        return ["Open hotfix branches: none"]
    return ["Open hotfix branches (not merged into main):"] + [
        f"  {entry['branch']} ({', '.join(entry['where'])})" for entry in branches
    ]


def _readable(iso: str | None) -> str:
    return str(iso).replace("T", " ").replace("Z", " UTC") if iso else "at an unknown time"
