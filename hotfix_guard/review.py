"""`hotfix-guard review`: a post-incident review in Markdown, filled from the repository.

Everything the repository can answer is filled in (dates, duration against the severity
budget, the timeline as a table and as a Mermaid gantt chart, the change and its checks);
what only people can write is left in sections marked TO BE WRITTEN, and the
documentation checklist ticks the items that are already answered.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from hotfix_guard.errors import RepoError
from hotfix_guard.incident import FINISHED, Event
from hotfix_guard.render import grouped
from hotfix_guard.severity import format_duration

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.incident import Incident

TO_WRITE = "> **TO BE WRITTEN** by the team:"
MAX_FILES = 20  # files listed in the change table; the rest are counted
PEOPLE_SECTIONS = (
    ("Root cause", "what broke, why, and how it reached production."),
    ("What went well", "what helped: detection, people, tools, the procedure."),
    ("What could be improved", "what slowed the fix or the release down, or nearly went wrong."),
    ("Action items", "one line each: the action, its owner, its due date."),
    ("Prevention", "the tests, checks, alerts or process changes that keep this from happening again."),
)


def timeline(incident: Incident, report_time: datetime) -> list[Event]:
    """Start, each commit, validation, merge into main, tag, merge back, push: in that order; and
    what the finish met on the way (its record's events: conflicts, ...) where they happened."""
    events = []
    if incident.started_at is not None:
        who = incident.start.get("who")
        base = incident.start.get("base_tag")
        by = f" by {who}" if isinstance(who, str) and who else ""
        events.append(Event(incident.started_at, "start", f"{incident.branch} started from {base}{by}"))
    for commit in incident.commits:
        kind = "merge commit" if commit.is_merge else "commit"
        events.append(Event(commit.time, kind, f"{commit.sha[:10]} {commit.subject}"))
    validation = _validation(incident, report_time)
    if validation is not None:
        events.append(validation)
    events += [event for event in (incident.main_merge, incident.tagged, incident.develop_merge) if event]
    if incident.pushed is not None:
        events.append(incident.pushed)
    for recorded in incident.journal_events:  # each in its place in time; the others keep their order
        later = next((index for index, event in enumerate(events) if event.time > recorded.time), len(events))
        events.insert(later, recorded)
    return events


def _validation(incident: Incident, report_time: datetime) -> Event | None:
    if incident.state == FINISHED:
        verified = incident.finished.get("verified")
        if incident.main_merge is None or verified is None:
            return None
        what = "passed (finish ran it before the merge)" if verified else "skipped (finish --no-verify)"
        return Event(incident.main_merge.time, "validate", what)
    assert incident.report is not None
    outcome = "failed" if incident.report.exit_code() else "passed"
    return Event(report_time, "validate", f"{outcome} when this review was written ({_counts(incident)})")


def _counts(incident: Incident) -> str:
    from hotfix_guard.model import ERROR, WARNING

    assert incident.report is not None
    errors, warnings = incident.report.count(ERROR), incident.report.count(WARNING)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def render(incident: Incident, config: Config, now: datetime | None = None) -> str:
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    events = timeline(incident, moment)
    parts = [
        _header(incident, config, moment),
        _timeline_table(events),
        _gantt(incident, events, moment),
        _change_section(incident),
        _approvals_section(incident),
        *(_people_section(title, prompt) for title, prompt in PEOPLE_SECTIONS),
        _checklist(incident, config),
    ]
    return "\n\n".join(part.rstrip("\n") for part in parts if part) + "\n"


def _header(incident: Incident, config: Config, now: datetime) -> str:
    release = incident.release_version(config)
    release_tag = release.tag(config.tag_prefix) if release else "the next release"
    state = "" if incident.state == FINISHED else ", in progress"
    start = incident.start_time
    rows = [
        ("Date", start.strftime("%Y-%m-%d") if start else "unknown (no start record and no commits)"),
        ("Status", f"finished, {incident.release_words()}" if incident.state == FINISHED else incident.state),
        ("Version", f"{incident.base or 'unknown'} → {release_tag}"),
        (
            "Affected versions",
            f"{incident.affected.versions} ({incident.affected.how})" if incident.affected else "not derived",
        ),
        ("Severity", _severity_text(incident)),
        ("Duration", _duration_text(incident, now)),
        ("Started by", str(incident.start.get("who") or "unknown (no start record)")),
        ("Summary", incident.summary or "<fill in: what was broken> (record it with start --summary)"),
    ]
    table = "\n".join(f"| {name} | {_cell(value)} |" for name, value in rows)
    return f"# Post-incident review: {release_tag} ({incident.branch}{state})\n\n| | |\n|---|---|\n{table}"


def _severity_text(incident: Incident) -> str:
    severity = incident.severity
    if severity is None:
        return "not recorded (start --severity critical|high|medium)"
    return f"{severity.name}: {severity.meaning} (budget {severity.budget}; approval: {severity.approval})"


def _duration_text(incident: Incident, now: datetime) -> str:
    seconds = incident.duration(now)
    if seconds is None:
        return "unknown"
    source = "start" if incident.started_at is not None else "first commit (no start record)"
    end = f"tag {incident.tag}" if incident.tag else "merge into main" if incident.state == FINISHED else "now, so far"
    verdict = f"; {incident.severity.verdict(seconds)}" if incident.severity else ""
    return f"{format_duration(seconds)} from {source} to {end}{verdict}"


def _timeline_table(events: list[Event]) -> str:
    rows = [f"| {_when(event.time)} | {_label(event.kind)} | {_cell(event.text)} |" for event in events]
    if not rows:
        rows = ["| | | nothing recorded yet |"]
    return "## Timeline\n\n| Time (UTC) | Event | Details |\n|---|---|---|\n" + "\n".join(rows)


def _label(kind: str) -> str:
    return {"merge-main": "merge into main", "merge-develop": "merge back", "tag": "tag"}.get(kind, kind)


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _gantt(incident: Incident, events: list[Event], now: datetime) -> str:
    """The timeline as a Mermaid gantt chart, with the severity budget beside the actual time."""
    start = incident.start_time
    if start is None:
        return ""
    end = incident.end_time if incident.state == FINISHED else now
    end = end or start
    lines = [
        "```mermaid",
        "gantt",
        f"    title {_task(incident.branch)}, actual time against the budget",
        "    dateFormat YYYY-MM-DD HH:mm:ss",
        "    axisFormat %H:%M",
    ]
    severity = incident.severity
    if severity is not None:
        lines += [
            "    section Budget",
            f"    {severity.name} {severity.budget} : budget, {_when(start)}, {severity.max_minutes}m",
        ]
    over = severity is not None and severity.over_budget((end - start).total_seconds())
    total = "done" if incident.state == FINISHED else "active"
    lines += [
        "    section Actual",
        f"    {'Start to release' if incident.state == FINISHED else 'Start to now'} "
        f"{format_duration((end - start).total_seconds())} : {'crit, ' if over else ''}{total}, total, "
        f"{_when(start)}, {_when(end)}",
    ]
    lines += _phases(incident, start)
    lines.append("```")
    return "\n".join(lines)


def _phases(incident: Incident, start: datetime) -> list[str]:
    """Fix (start to last commit), release (to the tag), merge back, and the push as a milestone."""
    lines = ["    section Phases"]
    fix_end = incident.commits[-1].time if incident.commits else start
    count = len([commit for commit in incident.commits if not commit.is_merge])
    lines.append(f"    Fix ({count} commit{'s' * (count != 1)}) : fix, {_when(start)}, {_when(fix_end)}")
    released = incident.end_time
    if released is not None:
        lines.append(f"    Validate, merge and tag : release, {_when(fix_end)}, {_when(released)}")
        if incident.develop_merge is not None:
            lines.append(f"    Merge back : back, {_when(released)}, {_when(incident.develop_merge.time)}")
    if incident.tagged is not None:
        lines.append(f"    {_task(incident.tag or '')} tagged : milestone, tag, {_when(incident.tagged.time)}, 0m")
    if incident.pushed is not None:
        lines.append(f"    Pushed : milestone, push, {_when(incident.pushed.time)}, 0m")
    return lines


def _task(text: str) -> str:
    """Text safe in a Mermaid task name (`:` starts the task data, `#` and `;` end a line)."""
    return " ".join(text.translate(str.maketrans(":#;", "   ")).split())


def _change_section(incident: Incident) -> str:
    change, report = incident.change, incident.report
    assert change is not None and report is not None
    added = sum(file.added or 0 for file in change.files)
    removed = sum(file.removed or 0 for file in change.files)
    own = [commit for commit in change.commits if not commit.is_merge]
    lines = [
        "## The change",
        "",
        f"{len(change.files)} file{'s' * (len(change.files) != 1)}, {added + removed} lines "
        f"(+{added} -{removed}), {len(own)} commit{'s' * (len(own) != 1)}, "
        f"from {change.base or 'the base'} to `{incident.head[:10]}`.",
        "",
        "| File | Added | Removed |",
        "|---|---|---|",
    ]
    for file in change.files[:MAX_FILES]:
        name = f"{file.old_path} → {file.path}" if file.old_path else file.path
        counts = ("binary", "binary") if file.binary else (str(file.added), str(file.removed))
        lines.append(f"| {_cell(name)} | {counts[0]} | {counts[1]} |")
    if len(change.files) > MAX_FILES:
        lines.append(f"| and {len(change.files) - MAX_FILES} more | | |")
    ran = "when this review was written"
    if incident.finished.get("verified"):
        ran = "by finish before the merge, and again when this review was written"
    lines += ["", "### Checks", "", f"Every check, focused tests included, as run {ran}:"]
    lines += ["", "| Check | Result | Findings |", "|---|---|---|"]
    for result in report.results:
        of_check = [finding for finding in report.findings if finding.check == result.check]
        found = "; ".join(finding.message for finding in grouped(of_check))
        lines.append(f"| {result.check} | {result.status} | {_cell(found or result.reason)} |")
    return "\n".join(lines)


def _approvals_section(incident: Incident) -> str:
    """Who approved which head (stale and authors' own approvals shown, not counted), the peer
    review a critical release left pending, and the overrides that passed missing approvals."""
    from hotfix_guard.approvals import NOTES_REF, describe

    facts = incident.change.approvals if incident.change is not None else None
    if facts is None:
        return ""
    lines = ["## Approvals", ""]
    if facts.approvals:
        lines += [f"- {_cell(describe(approval, facts.head, facts.authors))}" for approval in facts.approvals]
    else:
        lines.append(f"None recorded (notes under {NOTES_REF}; fetch them from the remote if given elsewhere).")
    if incident.peer_review_pending:
        lines += [
            "",
            f"**Peer review pending**: released by the release manager alone; hotfix-guard approve {incident.tag or incident.branch}.",
        ]
    assert incident.report is not None
    overridden = [
        f for f in incident.report.findings if f.check == "approvals" and f.message.startswith("approval overridden")
    ]
    if overridden:
        lines += ["", "### Approval overridden", ""]
        lines += [f"- {_cell(finding.message)}" for finding in overridden]
    return "\n".join(lines)


def _peer_review_item(incident: Incident) -> tuple[bool, str, str]:
    from hotfix_guard.approvals import Judgement

    facts = incident.change.approvals if incident.change is not None else None
    counted = Judgement(facts).counted if facts is not None else []
    if counted:
        return True, "Peer review", "approved by " + ", ".join(approval.who for approval in counted)
    if incident.peer_review_pending:
        return (
            False,
            "Peer review",
            f"pending (released by the release manager alone): hotfix-guard approve {incident.tag or incident.branch}",
        )
    return False, "Peer review", f"no approval of the head yet: hotfix-guard approve {incident.tag or incident.branch}"


def _people_section(title: str, prompt: str) -> str:
    return f"## {title}\n\n{TO_WRITE} {prompt}"


def _checklist(incident: Incident, config: Config) -> str:
    assert incident.report is not None
    own = [commit for commit in incident.commits if not commit.is_merge]
    passed = incident.report.exit_code() == 0
    release = incident.release_version(config)
    tag = release.tag(config.tag_prefix) if release else "TAG"
    items = [
        (bool(incident.summary), "Issue description", f"the start summary: {incident.summary}" if incident.summary else "<fill in: what users saw> (start --summary records it)"),
        (False, "Root cause analysis", "see Root cause above"),
        (bool(own), "Fix description", f"{len(own)} commit{'s' * (len(own) != 1)} in the timeline and the change above"),
        (False, "Impact assessment", _impact_hint(incident)),
        (passed, "Testing summary", "the checks above pass" if passed else "the checks above do not pass yet"),
        (incident.released and incident.end_time is not None, "Deployment timeline", "the timeline above" if incident.released else incident.release_words()),
        (False, "User communication", f"send the notice: hotfix-guard notify --users {tag}"),
        (False, "Prevention measures", "see Prevention above"),
        _peer_review_item(incident),
    ]  # fmt: skip
    lines = [f"- [{'x' if done else ' '}] {name} - {detail}" for done, name, detail in items]
    return "## Documentation checklist\n\n" + "\n".join(lines)


def _impact_hint(incident: Incident) -> str:
    severity = incident.severity
    if severity is None:
        return "<fill in: who was affected, how, for how long>"
    return f"<fill in: who was affected, how, for how long> (severity {severity.name}: {severity.meaning})"


def write_review(text: str, path: str, force: bool, top: str) -> None:
    """Write the review to PATH (relative to the current directory), inside the repository
    whose work tree is TOP and never through a symlink; an existing file only with FORCE."""
    from hotfix_guard.paths import inside, refuse_symlink, write_atomic

    if os.path.isdir(path):
        raise RepoError(f"{path} is a directory; give a file name, e.g. --output {os.path.join(path, 'review.md')}")
    absolute = os.path.abspath(path)
    inside(top, absolute, "--output")  # names the file itself when it (or its directory) leads out
    target = refuse_symlink(top, absolute, "--output")
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)  # docs/incidents/ on the first review
        write_atomic(target, text.encode("utf-8"), exclusive=not force)
    except FileExistsError:
        raise RepoError(f"{path} already exists; pass --force to overwrite it, or choose another --output") from None
    except OSError as error:
        raise RepoError(f"cannot write {path}: {error.strerror or error}") from None
