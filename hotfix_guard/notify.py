"""`hotfix-guard notify`: the two messages a release manager sends about a hotfix.

`--team` is the notification while the hotfix is under way (what is broken, how severe,
the ETA from the severity's budget, the versions, the details and the next steps);
`--users` is the notice after release (what happened, affected versions, fixed in, how to
update). What the repository knows is filled in; the rest is a visible `<fill in: ...>`
placeholder. `[notify] team-template` / `users-template` name files that replace the
built-in templates; they use `$name` placeholders (string.Template: no code, no
attribute access), and `$$` for a dollar sign. A template must be a file git tracks in the
repository (committed, or at least added to the index): a path or symlink leading out of
the repository, a file under `.git` (`.git/config` holds remote URLs, tokens included) and
an untracked or ignored file (`.env`) are refused, so that a repository's config cannot
put a local secret into the message.
"""

from __future__ import annotations

import os
import string
from datetime import timedelta, timezone

from hotfix_guard.errors import ConfigError
from hotfix_guard.incident import FINISHED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime

    from hotfix_guard.config import Config
    from hotfix_guard.incident import Incident

AUDIENCES = ("team", "users")
MAX_TEMPLATE_BYTES = 64 * 1024
MAX_LISTED = 10  # commits listed in the details; the rest are counted

TEMPLATES = {
    "team": """\
Subject: [HOTFIX $severity_label] $summary

Team, a hotfix is under way.

Issue: $summary
Severity: $severity
Impact: $impact
Timeline: started $started_at; $eta
Version: $old_version → $new_version

Details:
$details

Next steps:
$next_steps
""",
    "users": """\
Subject: Fixed in $new_version: $what_happened

What happened: $what_happened
Affected versions: $affected_versions ($affected_how)
Fixed in: $new_version ($released)
How to update: $install_command
""",
}


def fill_in(what: str) -> str:
    return f"<fill in: {what}>"


def values(incident: Incident, config: Config) -> dict[str, str]:
    """Every placeholder a template may use, filled from the repository where it can be."""
    severity = incident.severity
    release = incident.release_version(config)
    started = incident.start_time
    return {
        "summary": incident.summary or fill_in("issue summary"),
        "what_happened": incident.summary or fill_in("what happened"),
        "severity": (
            f"{severity.name}: {severity.meaning} (budget {severity.budget}; approval: {severity.approval})"
            if severity
            else fill_in("severity: critical, high or medium")
        ),
        "severity_label": severity.name.upper() if severity else fill_in("severity"),
        "impact": fill_in("impact"),
        "started_at": _time(started) if started else fill_in("start time"),
        "eta": _eta(incident),
        "old_version": str(incident.base_version) if incident.base_version else fill_in("current version"),
        "new_version": str(release) if release else fill_in("fixed version"),
        "branch": incident.branch,
        "details": _details(incident),
        "next_steps": _next_steps(incident, config),
        "released": _released(incident),
        "affected_versions": incident.affected.versions if incident.affected else fill_in("affected versions"),
        "affected_how": incident.affected.how if incident.affected else "not derived",
        "install_command": config.install_command or fill_in("how to update, e.g. pip install -U NAME"),
    }


def _time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _eta(incident: Incident) -> str:
    if incident.state == FINISHED and incident.end_time is not None:
        if not incident.released:
            return f"{incident.release_words()} ({_time(incident.end_time)})"
        return f"released {_time(incident.end_time)}"
    severity, started = incident.severity, incident.start_time
    if severity is None or started is None:
        return f"ETA {fill_in('ETA')}"
    latest = started + timedelta(minutes=severity.max_minutes)
    return f"ETA {_time(latest)} at the latest ({severity.name}: {severity.budget} from the start)"


def _details(incident: Incident) -> str:
    change = incident.change
    assert change is not None
    own = [commit for commit in incident.commits if not commit.is_merge]
    lines = [
        f"- {incident.branch} from {incident.base or 'its base'} ({incident.state})",
        f"- {len(own)} commit{'s' * (len(own) != 1)}, {len(change.files)} file{'s' * (len(change.files) != 1)}, "
        f"{sum(file.lines for file in change.files)} lines changed:",
    ]
    lines += [f"  - {commit.sha[:10]} {commit.subject}" for commit in own[:MAX_LISTED]]
    if len(own) > MAX_LISTED:
        lines.append(f"  - and {len(own) - MAX_LISTED} more")
    return "\n".join(lines)


def _next_steps(incident: Incident, config: Config) -> str:
    release = incident.release_version(config)
    tag = release.tag(config.tag_prefix) if release else "TAG"
    if incident.state == FINISHED:
        steps = [] if incident.released else [f"Push the release: hotfix-guard finish {incident.branch} --push"]
        steps += [
            f"Watch production on {tag}; if it is bad: hotfix-guard rollback",
            f"Tell users: hotfix-guard notify --users {tag}",
            f"Write the review: hotfix-guard review {tag} --output review.md",
        ]
    else:
        approval = incident.severity.approval if incident.severity else fill_in("who approves")
        steps = [
            f"Approval of the fix on {incident.branch}: {approval}",
            "hotfix-guard validate",
            "hotfix-guard finish --push",
            f"Tell users once released: hotfix-guard notify --users {tag}",
        ]
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, 1))


def _released(incident: Incident) -> str:
    """`released` and when, only when the remote has the release tag."""
    if incident.released and incident.end_time is not None:
        return f"released {_time(incident.end_time)}"
    return incident.release_words()


def message(audience: str, incident: Incident, config: Config, top: str) -> str:
    """The AUDIENCE's message, from the configured template file or the built-in one."""
    template = _template(audience, config, top)
    key = f"{audience}-template"
    try:
        return string.Template(template).substitute(values(incident, config))
    except KeyError as error:
        known = ", ".join(f"${name}" for name in sorted(values(incident, config)))
        raise ConfigError(
            f"the template named by {config.where('notify', key)} uses ${error.args[0]}, which notify does not fill; "
            f"use: {known}"
        ) from None
    except ValueError as error:
        raise ConfigError(
            f"the template named by {config.where('notify', key)} has a misplaced $ ({error}); write $$ for a dollar sign"
        ) from None


def _template(audience: str, config: Config, top: str) -> str:
    """The template file the config names: a file git tracks in the repository (committed, or
    at least in the index), never one under `.git`, outside the top (`../secret.txt`,
    `/etc/shadow`), reached through a symlink leading out, or untracked or ignored (`.env`)."""
    from hotfix_guard.paths import inside, read_inside

    name = config.notify_templates[audience]
    if not name:
        return TEMPLATES[audience]
    key = config.where("notify", f"{audience}-template")
    what = f"{key}: the template"
    real = inside(top, name, what)
    relative = os.path.relpath(real, os.path.realpath(top))
    if _under_git_dir(name) or _under_git_dir(relative):
        raise ConfigError(f"{key} names {name!r}, which is under .git; a template must be a file git tracks")
    if not os.path.exists(real):
        raise ConfigError(
            f"{key} names {name!r}, which cannot be read (No such file or directory); create it or remove the key"
        )
    if not os.path.isfile(real):
        raise ConfigError(f"{key} names {name!r}, which is not a regular file; name a text file")
    if not _tracked(top, relative):
        raise ConfigError(
            f"{key} names {name!r}, which git does not track (untracked or ignored); "
            f"a template must be a file committed or added to the index"
        )
    if os.path.getsize(real) > MAX_TEMPLATE_BYTES:
        raise ConfigError(
            f"{key} names {name!r}, which is over {MAX_TEMPLATE_BYTES // 1024} KiB; is it the right file?"
        )
    data = read_inside(top, name, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{key} names {name!r}, which is not valid UTF-8 (byte {error.start})") from None


def _under_git_dir(path: str) -> bool:
    """Whether PATH has a `.git` part (any case: git refuses to track such a path anyway)."""
    return any(part.lower() == ".git" for part in path.replace(os.sep, "/").split("/"))


def _tracked(top: str, relative: str) -> bool:
    """Whether git tracks RELATIVE (a file's path from TOP, symlinks resolved) in its index.
    The pathspec is literal, so that `*` or `.en[v]` cannot stand for another file."""
    from hotfix_guard.gitrepo import run_git

    result = run_git(["--literal-pathspecs", "ls-files", "--error-unmatch", "-z", "--", relative], top)
    listed = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    return result.returncode == 0 and relative.replace(os.sep, "/") in listed
