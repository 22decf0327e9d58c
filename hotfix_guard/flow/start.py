"""`hotfix-guard start`: create and check out a hotfix branch at a release tag, and record it.

Every precondition is checked before the branch is created; a failure after that (the
start record cannot be written, Ctrl-C) deletes the branch and checks out what was
checked out before. A failed or interrupted `--push` keeps the branch: it is the user's
work by then, and `start --push` run again pushes it. Once the push has begun, `--abort`
asks the remote first, and never undoes a branch the remote has.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from contextlib import suppress
from datetime import datetime, timezone
from typing import TypedDict, cast

from hotfix_guard import gitrepo
from hotfix_guard.checks import branch_name
from hotfix_guard.errors import EXIT_FAILED, EXIT_OK, GitError, RepoError
from hotfix_guard.flow.common import (
    GitChanges,
    Snapshot,
    SnapshotRecord,
    clear_stale_git_locks,
    holding_signals,
    keep_users_changes,
    latest_release,
    push_advice,
    release_tags,
    remote_shas,
    require_clean,
    require_no_other_run,
    require_nothing_in_the_way,
    require_remote,
    say,
    say_error,
    snapshot_record,
    untracked_in_the_way,
    write_json,
)
from hotfix_guard.flow.lock import locked
from hotfix_guard.flow.version_files import plan_bumps, write_bumps
from hotfix_guard.model import ERROR, Change
from hotfix_guard.paths import read_json, record_name, write_atomic
from hotfix_guard.repository import Repo
from hotfix_guard.severity import LEVELS
from hotfix_guard.versions import Version, parse_release_tag

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

KEBAB_CASE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*", re.ASCII)
_IDENT_DATE = re.compile(r" [0-9]+ [+-][0-9]{4}$")
MAX_SUMMARY = 200
JOURNAL = "start.json"
BUMP_SUBJECT = "fix(release): HOTFIX - set version"


class _Started(TypedDict):
    branch: str
    base_tag: str
    base_commit: str
    started_at: str  # ISO 8601, UTC
    who: str
    command: str


class StartRecord(_Started, total=False):
    """starts/<branch>.json (JSON): when and where a hotfix started, for a re-run and the incident
    timeline. Written in the order of the keys here."""

    severity: str
    summary: str
    previous: list[object]  # the records of earlier branches of this name (deleted since), as they were


class _StartPlanned(TypedDict):
    branch: str
    base_tag: str
    base_commit: str
    version: str  # the version the bump sets
    bumps: list[list[str]]  # [path, its bumped text] for each version file
    record: StartRecord
    previous_record: str | None  # the start record this one replaces, byte for byte
    remote: str
    push: bool
    before: SnapshotRecord
    started: float
    done: list[str]


class StartJournal(_StartPlanned, total=False):
    """start.json (JSON): what a start does and how far it got, written before its first change.
    Written in the order of the keys here, "pushing" once the push begins."""

    pushing: bool


def start(
    repo: Repo,
    config: Config,
    *,
    name: str | None,
    from_tag: str | None,
    security: bool,
    timestamp: bool,
    push: bool,
    dry_run: bool,
    now: datetime | None = None,
    severity: str | None = None,
    summary: str | None = None,
    action: str = "run",
) -> int:
    """Start a hotfix (ACTION "run"), or finish ("continue") or undo ("abort") one that was cut off."""
    began = time.time()
    if dry_run and action == "run":
        return _start(repo, config, name, from_tag, security, timestamp, push, True, now, severity, summary)
    command = shlex.join(["start", *start_options(name, from_tag, security, timestamp, push, {})])
    with locked(repo.git_dir, command if action == "run" else f"start --{action}", say):
        if action == "abort":
            return abort(repo, began)
        if action == "continue":
            return resume(repo, config, push, began)
        return _start(repo, config, name, from_tag, security, timestamp, push, False, now, severity, summary, began)


def _start(
    repo: Repo,
    config: Config,
    name: str | None,
    from_tag: str | None,
    security: bool,
    timestamp: bool,
    push: bool,
    dry_run: bool,
    now: datetime | None,
    severity: str | None,
    summary: str | None,
    began: float = 0.0,
) -> int:
    moment = utc(now or datetime.now(timezone.utc))
    if name is not None:
        require_kebab_case(name, config)
    incident = incident_fields(severity, summary)
    cut_off = read_json(repo.state_path(JOURNAL))
    if cut_off is not None:
        started = str(cut_off.get("branch"))
        if dry_run or (name is not None and f"{config.branch_prefix}{name}" != started):
            raise RepoError(
                f"a start of {started} was cut off; run hotfix-guard start --continue to complete it, "
                "or hotfix-guard start --abort to undo it"
            )
        say(f"found a start of {started} that was cut off; completing it")
        return resume(repo, config, push, began)
    require_no_other_run(repo, "start")
    options = start_options(name, from_tag, security, timestamp, push, incident)
    again = started_here(repo, config, name, from_tag, security, timestamp, options)
    if again is not None:
        return complete_again(repo, config, again, push, dry_run)
    require_clean(repo)
    version, tag = base_release(repo, config, from_tag)
    base_sha = repo.git("rev-parse", "--verify", "--end-of-options", f"refs/tags/{tag}^{{commit}}").strip()
    branch = new_branch_name(repo, config, version, name=name, security=security, timestamp=timestamp, now=moment)
    require_startable(repo, config, branch, version, tag)
    require_nothing_in_the_way(repo, {base_sha: f"tracked in {tag}"}, "start's checkout", "run start again")
    if push:
        require_remote(repo, config.remote)
    bumps = plan_bumps(repo, config.version_files, tag, version, version.next_patch())
    record = start_record(repo, branch, tag, base_sha, moment, options)
    if dry_run:
        show_plan(repo, branch, tag, record, bumps, version.next_patch())
        if push:
            GitChanges(repo, dry_run=True).run(*push_args(config.remote, branch))
        say("dry run: nothing was changed")
        return EXIT_OK
    journal: StartJournal = {
        "branch": branch,
        "base_tag": tag,
        "base_commit": base_sha,
        "version": str(version.next_patch()),
        "bumps": [list(bump) for bump in bumps],
        "record": record,
        "previous_record": read_text(repo.state_path("starts", record_name(branch))),
        "remote": config.remote,
        "push": push,
        "before": Snapshot.take(repo, [f"refs/heads/{branch}"]).to_json(),
        "started": time.time(),
        "done": [],
    }
    create_branch(repo, journal)
    say(f"Created {branch} at {tag} ({base_sha[:10]}) and checked it out.")
    if severity is not None:
        budget = LEVELS[severity]
        say(
            f"Severity {severity} ({budget.meaning}): budget {budget.budget} to the release tag; approval: {budget.approval}."
        )
    status = push_and_finish(repo, journal, config.remote, push)
    say(next_steps(config))
    return status


def push_and_finish(repo: Repo, journal: StartJournal, remote: str, push: bool) -> int:
    """Push the branch (the journal stays until the push has ended: a kill during it is
    completed by a re-run), then drop the journal."""
    if not push:
        finish_journal(repo)
        return EXIT_OK
    branch = journal["branch"]
    try:
        journal["pushing"] = True
        write_json(repo.state_path(JOURNAL), journal)
        require_remote(repo, remote)
        status = push_branch(repo, remote, branch)
    except KeyboardInterrupt:
        # The branch is the user's work by then and may be on the remote already: it stays, and
        # so does the journal, so that a re-run completes the push and --abort asks the remote first.
        say_error(push_interrupted(remote, branch))
        return EXIT_FAILED
    except BaseException:
        finish_journal(repo)
        raise
    finish_journal(repo)
    return status


def utc(moment: datetime) -> datetime:
    """MOMENT in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def incident_fields(severity: str | None, summary: str | None) -> dict[str, str]:
    """The severity and summary for the record, refused before anything changes when unusable."""
    fields = {}
    if severity is not None:
        if severity not in LEVELS:
            raise RepoError(f"unknown severity {severity!r}; use one of: {', '.join(LEVELS)}")
        fields["severity"] = severity
    if summary is not None:
        text = summary.strip()
        if not text or not text.isprintable():
            raise RepoError("--summary must be one line of text, e.g. --summary 'Login accepts empty tokens'")
        if len(text) > MAX_SUMMARY:
            raise RepoError(f"--summary is {len(text)} characters; keep it to {MAX_SUMMARY} (details go in the review)")
        fields["summary"] = text
    return fields


def require_kebab_case(name: str, config: Config) -> None:
    if KEBAB_CASE.fullmatch(name):
        return
    suggestion = re.sub(r"[^a-z0-9]+", "-", name.removeprefix(config.branch_prefix).lower()).strip("-")
    what = f"{name!r} is not a kebab-case name (lower-case letters and digits joined by single hyphens)"
    if suggestion:
        raise RepoError(f"{what}; to create {config.branch_prefix}{suggestion}, run: hotfix-guard start {suggestion}")
    raise RepoError(f"{what}; for example: hotfix-guard start critical-auth-fix")


def base_release(repo: Repo, config: Config, from_tag: str | None) -> tuple[Version, str]:
    """The release to branch from: FROM_TAG, or the highest release version."""
    if from_tag is None:
        return latest_release(repo, config.tag_prefix)
    version = parse_release_tag(from_tag, config.tag_prefix)
    if version is None:
        raise RepoError(
            f"--from {from_tag!r} is not a release tag ({config.tag_prefix}MAJOR.MINOR.PATCH); "
            f"pick one of: {recent_releases(repo, config)}"
        )
    if repo.sha(f"refs/tags/{from_tag}") is None:
        raise RepoError(f"release tag {from_tag!r} does not exist; pick one of: {recent_releases(repo, config)}")
    return version, from_tag


def recent_releases(repo: Repo, config: Config) -> str:
    from hotfix_guard.versions import other_scheme

    names = gitrepo.tag_names(repo.top)
    tags = [tag for _, tag in release_tags(repo, config.tag_prefix, names)[-3:]]
    if tags:
        return ", ".join(reversed(tags))
    return (
        f"none yet ({other_scheme(names, config.tag_prefix) or f'tag a release first, like {config.tag_prefix}1.2.3'})"
    )


def new_branch_name(
    repo: Repo, config: Config, base: Version, *, name: str | None, security: bool, timestamp: bool, now: datetime
) -> str:
    if name is not None:
        return f"{config.branch_prefix}{name}"
    if security:
        return f"{config.branch_prefix}security-{now.year}-{next_security_number(repo, config, now.year):03d}"
    if timestamp:
        return f"{config.branch_prefix}{config.tag_prefix}{now:%Y%m%d_%H%M}"
    return f"{config.branch_prefix}{base.next_patch().tag(config.tag_prefix)}"


def next_security_number(repo: Repo, config: Config, year: int) -> int:
    """One more than the highest number this year has used.

    A gap is not reused: it is usually a security hotfix that was finished and its branch
    deleted, and the number names that incident. So start records and merge subjects
    count as well as local and remote-tracking branches.
    """
    stem = f"{config.branch_prefix}security-{year}-"
    number = re.compile(rf"(?:^|[/\s'\"]){re.escape(stem)}([0-9]{{3}})(?![0-9])")
    used = [*security_branches(repo, stem), *started_branches(repo), *merge_subjects(repo, stem)]
    highest = max((int(match.group(1)) for text in used if (match := number.search(text))), default=0)
    if highest >= 999:
        raise RepoError(f"{stem}999 is taken: no security number left this year; give a NAME instead")
    return highest + 1


def security_branches(repo: Repo, stem: str) -> list[str]:
    from hotfix_guard.versions import glob_escape

    glob = f"{glob_escape(stem)}*"
    output = repo.git("for-each-ref", "--format=%(refname)", f"refs/heads/{glob}", f"refs/remotes/*/{glob}")
    return gitrepo.lines_of(output)


def started_branches(repo: Repo) -> list[str]:
    from urllib.parse import unquote

    try:
        names = os.listdir(repo.state_path("starts"))
    except OSError:
        return []
    return [unquote(name.removesuffix(".json")) for name in names if name.endswith(".json")]


def merge_subjects(repo: Repo, stem: str) -> list[str]:
    output = repo.git("log", "--all", "--merges", "--format=%s", "--fixed-strings", f"--grep={stem}")
    return output.splitlines()


def require_startable(repo: Repo, config: Config, branch: str, base: Version, tag: str) -> None:
    """Refuse a branch that exists here or on the remote, a released version, a rejected name."""
    if repo.current_branch() == branch:
        raise RepoError(f"you are on {branch} already; commit your fix here, then run hotfix-guard validate")
    target = branch_target(branch, base, config)
    local, remote, tag_ref = f"refs/heads/{branch}", f"refs/remotes/{config.remote}/{branch}", f"refs/tags/{target}"
    existing = repo.shas([local, remote, *([tag_ref] if target is not None else [])])  # one for-each-ref
    if existing[local] is not None:
        raise RepoError(
            f"branch {branch} already exists; switch to it (git switch {branch}) or delete it first (git branch -d {branch})"
        )
    if existing[remote] is not None:
        raise RepoError(
            f"branch {branch} already exists on {config.remote}; someone started this hotfix: "
            f"work on it with git switch {branch}"
        )
    if target is not None and existing[tag_ref] is not None:
        raise RepoError(
            f"tag {target} already exists, so {branch} would patch a released version; "
            f"start from the newest release of that line: hotfix-guard start --from {newest_of_line(repo, config, base)}"
        )
    change = Change(branch=branch, base=tag, base_version=base, head=f"refs/tags/{tag}")
    errors = [finding for finding in branch_name.check(change, config) if finding.severity == ERROR]
    if errors:
        raise RepoError(
            f"{branch} would fail the branch-name check ({errors[0].message}); check [branch-name] patterns"
        )


def branch_target(branch: str, base: Version, config: Config) -> str | None:
    """The release tag a version branch will become, None for other names."""
    from hotfix_guard.branches import version_text

    return f"{config.tag_prefix}{base.next_patch()}" if version_text(branch, config) is not None else None


def newest_of_line(repo: Repo, config: Config, base: Version) -> str:
    line = [tag for version, tag in release_tags(repo, config.tag_prefix) if version.key()[:2] == base.key()[:2]]
    return line[-1]


def start_options(
    name: str | None, from_tag: str | None, security: bool, timestamp: bool, push: bool, incident: dict[str, str]
) -> list[str]:
    """The command-line options of this start, as the record and the lock name them."""
    return [
        *([name] if name else []),
        *(["--from", from_tag] if from_tag else []),
        *(["--security"] if security else []),
        *(["--timestamp"] if timestamp else []),
        *(["--push"] if push else []),
        *(["--severity", incident["severity"]] if "severity" in incident else []),
        *(["--summary", incident["summary"]] if "summary" in incident else []),
    ]


def start_record(repo: Repo, branch: str, tag: str, base_sha: str, moment: datetime, options: list[str]) -> StartRecord:
    """When and where the hotfix started, and how severe it is, for the incident timeline."""
    record: StartRecord = {
        "branch": branch,
        "base_tag": tag,
        "base_commit": base_sha,
        "started_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "who": who(repo),
        "command": shlex.join(["hotfix-guard", "start", *options]),
    }
    if "--severity" in options:
        record["severity"] = options[options.index("--severity") + 1]
    if "--summary" in options:
        record["summary"] = options[options.index("--summary") + 1]
    # Records left by earlier branches of this name (deleted since) stay in the timeline.
    previous = read_json(repo.state_path("starts", record_name(branch)))
    if previous is not None:
        earlier = previous.pop("previous", [])
        record["previous"] = [previous, *(earlier if isinstance(earlier, list) else [earlier])]
    return record


def who(repo: Repo) -> str:
    result = repo.try_git("var", "GIT_COMMITTER_IDENT")
    if result.returncode == 0:
        return _IDENT_DATE.sub("", result.text().strip())
    name = repo.try_git("config", "user.name").text().strip()
    email = repo.try_git("config", "user.email").text().strip()
    return f"{name} <{email}>" if name or email else "unknown"


def show_plan(
    repo: Repo, branch: str, tag: str, record: StartRecord, bumps: list[tuple[str, str]], version: Version
) -> None:
    changes = GitChanges(repo, dry_run=True)
    say(f"would write {repo.state_path('starts', record_name(branch))}:\n{json.dumps(record, indent=2)}")
    changes.run("switch", "-c", branch, "--end-of-options", f"refs/tags/{tag}^{{commit}}")
    for path, _ in bumps:
        say(f"would set the version in {path} to {version}")
    if bumps:
        paths = [path for path, _ in bumps]
        changes.run("add", "--", *paths)
        changes.run("commit", "-q", "-m", f"{BUMP_SUBJECT} {version}", "--", *paths)


def read_text(path: str) -> str | None:
    """A record's exact text, to put it back byte for byte; None when there is none."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise RepoError(f"cannot read {path}: {error}") from None


def create_branch(repo: Repo, journal: StartJournal) -> None:
    """Record the start, create and check out the branch at the base tag, and bump the version
    files in a commit of their own; or leave everything as it was.

    The journal is written before the first change and removed once all is done (the push
    too, if asked for): a start cut
    off in between (kill -9, a power cut) is completed by a re-run or start --continue, or
    undone by start --abort.
    """
    path = repo.state_path(JOURNAL)
    try:
        write_json(path, journal)
    except OSError as error:
        raise RepoError(f"cannot write {path} ({error.strerror or error}); nothing changed") from None
    try:
        carry_on(repo, journal)
    except BaseException as error:
        with holding_signals():
            undo(repo, journal, error)
        if isinstance(error, OSError):
            raise RepoError(f"start failed ({error.strerror or error}); nothing changed") from None
        raise


def carry_on(repo: Repo, journal: StartJournal) -> None:
    """Do every step not done yet; each checks the repository, so a step cut off is redone."""
    branch, tag = journal["branch"], journal["base_tag"]
    record_path = repo.state_path("starts", record_name(branch))
    try:
        write_json(record_path, journal["record"])
    except OSError as error:
        raise RepoError(
            f"cannot write the start record {record_path} ({error.strerror or error}); nothing changed; "
            "fix that and run start again"
        ) from None
    step_done(repo, journal, "record")
    if repo.sha(f"refs/heads/{branch}") is None:
        repo.git("switch", "-c", branch, "--end-of-options", f"refs/tags/{tag}^{{commit}}")
    elif repo.current_branch() != branch:
        repo.git("switch", "-q", branch)
    step_done(repo, journal, "branch")
    bumps = journal_bumps(journal)
    if bumps and repo.sha("HEAD") == journal["base_commit"]:
        try:
            write_bumps(repo, bumps)
            paths = [path for path, _ in bumps]
            repo.git("add", "--", *paths)
            repo.git("commit", "-q", "-m", f"{BUMP_SUBJECT} {journal['version']}", "--", *paths)
        except GitError as error:
            raise RepoError(f"the version bump could not be committed ({error}); nothing changed") from None
    step_done(repo, journal, "bump")


def step_done(repo: Repo, journal: StartJournal, step: str) -> None:
    if step not in journal["done"]:
        journal["done"].append(step)
        write_json(repo.state_path(JOURNAL), journal)


def finish_journal(repo: Repo) -> None:
    with suppress(FileNotFoundError):
        os.remove(repo.state_path(JOURNAL))


def journal_from(data: dict[str, object]) -> StartJournal:
    """DATA, read from start.json, as a journal; RepoError naming the first key it lacks or holds
    something else in (a hand-edited or truncated journal is reported as damaged, never as a bug).
    Its keys keep their order: it is written back as it was read."""
    record, bumps = data.get("record"), data.get("bumps")
    checks = {
        **{key: isinstance(data.get(key), str) for key in ("branch", "base_tag", "base_commit", "version", "remote")},
        "bumps": isinstance(bumps, list) and all(_texts(bump, 2) for bump in bumps),
        "record": isinstance(record, dict) and record_from(record) is not None,
        "previous_record": isinstance(data.get("previous_record"), (str, type(None))),
        "push": isinstance(data.get("push"), bool),
        "before": snapshot_record(data.get("before")) is not None,
        "started": isinstance(data.get("started"), (int, float)),
        "done": _texts(data.get("done")),
        "pushing": isinstance(data.get("pushing", False), bool),
    }
    missing = next((key for key, good in checks.items() if not good), None)
    if missing is not None:
        raise RepoError(f"the start journal {missing!r} is missing; put things right by hand, then remove the journal")
    return cast("StartJournal", data)


def record_from(data: dict[str, object] | None) -> StartRecord | None:
    """DATA, read from a start record, as one; None when it is none (or none of ours)."""
    if data is None:
        return None
    well_formed = (
        all(
            isinstance(data.get(key), str)
            for key in ("branch", "base_tag", "base_commit", "started_at", "who", "command")
        )
        and all(isinstance(data.get(key, ""), str) for key in ("severity", "summary"))
        and isinstance(data.get("previous", []), list)
    )
    return cast("StartRecord", data) if well_formed else None


def _texts(value: object, length: int | None = None) -> bool:
    """Whether VALUE is a list of strings (of LENGTH of them, if given)."""
    return isinstance(value, list) and length in (None, len(value)) and all(isinstance(item, str) for item in value)


def journal_bumps(journal: StartJournal) -> list[tuple[str, str]]:
    return [(path, content) for path, content in journal["bumps"]]


def undo(repo: Repo, journal: StartJournal, error: BaseException) -> None:
    """Put back what the start changed; if that fails too, say how to finish it (the journal stays)."""
    branch = journal["branch"]
    try:
        restore(repo, journal)
    except (RepoError, OSError) as restore_error:
        cause = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error) or type(error).__name__
        raise RepoError(
            f"start of {branch} failed ({cause}) and could not be undone ({restore_error}); "
            "run hotfix-guard start --abort to try again"
        ) from None


def restore(repo: Repo, journal: StartJournal) -> None:
    """Refs, HEAD, index, work tree and the start record exactly as before; then drop the journal."""
    snapshot = Snapshot.from_json(journal["before"])
    if own_changes_only(repo, journal):
        repo.try_git("reset", "-q", "--hard")  # the tool's own half-done checkout or bump: nobody's work
    else:
        keep_users_changes(repo, snapshot.target(repo), "hotfix-guard start --abort")
    snapshot.restore(repo)
    record_path = repo.state_path("starts", record_name(journal["branch"]))
    previous = journal["previous_record"]
    if previous is not None:
        write_atomic(record_path, previous.encode("utf-8"))
    else:
        with suppress(FileNotFoundError):
            os.remove(record_path)
        with suppress(OSError):
            os.rmdir(os.path.dirname(record_path))  # only when empty: as it was before the first start
    finish_journal(repo)


def own_changes_only(repo: Repo, journal: StartJournal) -> bool:
    """True when the uncommitted state is one the start itself passes through."""
    return not users_changes(repo, journal)


def users_changes(repo: Repo, journal: StartJournal) -> list[str]:
    """The paths whose index or work-tree content the start did not put there.

    Before the bump is committed, the start's own state is, path by path, HEAD's content or
    the base's (a checkout from the old HEAD to the base, cut off half way) or the bumped
    text; anything else is the user's, as is every change once the bump is committed. An
    untracked file a reset would overwrite counts too: when in doubt, it is kept.
    """
    base, head = journal["base_commit"], repo.sha("HEAD")
    in_the_way = sorted(untracked_in_the_way(repo, ["HEAD", base]))
    stash = repo.try_git("stash", "create").text().strip()
    if not stash:
        return in_the_way
    trees = [f"{stash}^{{tree}}", f"{stash}^2^{{tree}}"]
    if head != base and repo.current_branch() == journal["branch"]:
        return sorted({path for tree in trees for path in changed_paths(repo, "HEAD", tree)} | set(in_the_way))
    bumps = dict(journal_bumps(journal))
    found = set(in_the_way)
    for tree in trees:
        for path in changed_paths(repo, "HEAD", tree) & changed_paths(repo, base, tree):
            if path not in bumps or repo.try_git("show", f"{tree}:{path}").stdout != bumps[path].encode("utf-8"):
                found.add(path)
    return sorted(found)


def changed_paths(repo: Repo, old: str, new: str) -> set[str]:
    """The paths whose content or mode differs between the trees OLD and NEW."""
    output = repo.git("diff", "--name-only", "-z", "--no-renames", old, new, "--")
    return set(filter(None, output.split("\0")))


def load_journal(repo: Repo, began: float) -> StartJournal:
    """The journal of a start that was cut off, with the lock files its killed git left cleared."""
    data = read_json(repo.state_path(JOURNAL))
    if data is None:
        raise RepoError("no start was cut off; there is nothing to continue or abort")
    journal = journal_from(data)
    branch, remote = journal["branch"], journal["remote"]
    clear_stale_git_locks(repo, [f"refs/heads/{branch}", f"refs/remotes/{remote}/{branch}"], journal["started"], began)
    return journal


def resume(repo: Repo, config: Config, push: bool, began: float) -> int:
    """Complete a start that was cut off, from its journal."""
    journal = load_journal(repo, began)
    branch, tag = journal["branch"], journal["base_tag"]
    done = journal["done"]
    say(f"  done before it was cut off: {', '.join(done) if done else 'nothing'}")
    require_resumable(repo, journal)
    try:
        carry_on(repo, journal)
    except BaseException as error:
        with holding_signals():
            undo(repo, journal, error)
        raise
    say(f"Completed the start of {branch} at {tag} ({journal['base_commit'][:10]}); it is checked out.")
    remote = journal["remote"] or config.remote
    status = push_and_finish(repo, journal, remote, push or journal["push"])
    say(next_steps(config))
    return status


def require_resumable(repo: Repo, journal: StartJournal) -> None:
    """Refuse (RepoError, nothing changed, the journal kept) when completing the start would
    overwrite what is not its own: a file in the way of the checkout still to make, or a
    change the user made after the cut-off to a file the checkout or the bump still writes."""
    branch = journal["branch"]
    checkout = repo.current_branch() != branch
    if checkout:
        rev = f"refs/heads/{branch}" if repo.sha(f"refs/heads/{branch}") is not None else journal["base_commit"]
        require_nothing_in_the_way(
            repo,
            {rev: f"tracked in {journal['base_tag']}"},
            "start's checkout",
            "run hotfix-guard start --continue",
        )
    bump_pending = repo.sha("HEAD") == journal["base_commit"]
    bumped = {path for path, _ in journal_bumps(journal)} if bump_pending else set()
    users = users_changes(repo, journal)
    at_risk = users if checkout else [path for path in users if path in bumped]
    if at_risk:
        listed = ", ".join(at_risk[:5]) + (f" and {len(at_risk) - 5} more" if len(at_risk) > 5 else "")
        raise RepoError(
            f"{listed} changed after the start of {branch} was cut off, and completing it would write over that; "
            "nothing was changed and your changes are where you left them: commit or stash them (git stash -u), "
            "then run hotfix-guard start --continue (and git stash pop after it)"
        )


def abort(repo: Repo, began: float) -> int:
    """Undo a start that was cut off: no branch, the checkout and the start record as before.
    Never once the remote has the branch: it is published, and is completed instead."""
    journal = load_journal(repo, began)
    if journal.get("pushing"):
        require_unpublished(repo, journal)
    with holding_signals():
        restore(repo, journal)
    head = journal["before"]["head"]
    branch = journal["branch"]
    say(
        f"start of {branch} aborted: the branch is gone and {head.removeprefix('refs/heads/')} is checked out as before"
    )
    if journal.get("pushing"):
        say(f"its push had begun, but {journal['remote']} does not have {branch}")
    return EXIT_OK


def require_unpublished(repo: Repo, journal: StartJournal) -> None:
    """Refuse to undo (RepoError, nothing changed) when the remote has the branch as it is here."""
    branch, remote = journal["branch"], journal["remote"]
    ref = f"refs/heads/{branch}"
    there, here = remote_shas(repo, remote, [ref]).get(ref), repo.sha(ref)
    if there is not None and there == here:
        raise RepoError(
            f"{remote} already has {branch} at {there[:10]}: the start is published and is not undone; run "
            f"hotfix-guard start --continue to finish here, or delete it there (git push {remote} --delete {branch}) "
            "and run hotfix-guard start --abort again"
        )


def started_here(
    repo: Repo,
    config: Config,
    name: str | None,
    from_tag: str | None,
    security: bool,
    timestamp: bool,
    options: list[str],
) -> StartRecord | None:
    """The start record of the checked-out branch, when this run repeats the start that made it."""
    branch = repo.current_branch()
    if branch is None:
        return None
    record = record_from(read_json(repo.state_path("starts", record_name(branch))))
    if record is None or record["branch"] != branch:
        return None
    base = record["base_commit"]
    if repo.sha(f"{base}^{{commit}}") is None or not gitrepo.is_ancestor(base, "HEAD", repo.top):
        return None
    again = without_push(record["command"]) == without_push(shlex.join(["hotfix-guard", "start", *options]))
    if name is not None:
        again = again or branch == f"{config.branch_prefix}{name}"
    elif not (security or timestamp):
        try:
            version, _ = base_release(repo, config, from_tag)
        except RepoError:
            return record if again else None
        again = again or branch == f"{config.branch_prefix}{version.next_patch().tag(config.tag_prefix)}"
    return record if again else None


def without_push(command: str) -> list[str]:
    return [word for word in shlex.split(command) if word != "--push"]


def complete_again(repo: Repo, config: Config, record: StartRecord, push: bool, dry_run: bool) -> int:
    """A re-run of a start that is done: say what is there, and push if asked and missing."""
    branch, base_tag, base = record["branch"], record["base_tag"], record["base_commit"]
    say(f"you are on {branch} already: started {record['started_at']} from {base_tag} ({base[:10]})")
    if config.version_files:
        subjects = repo.git("log", "--no-show-signature", "--format=%s", f"{base}..HEAD").splitlines()
        version = parse_release_tag(base_tag, config.tag_prefix)
        target = version.next_patch() if version is not None else "the new version"
        if any(subject.startswith(BUMP_SUBJECT) for subject in subjects):
            say(f"  the version bump is committed ({BUMP_SUBJECT} {target})")
        else:
            files = ", ".join(entry.partition(":")[0] for entry in config.version_files)
            say(
                f"  the version bump commit is missing: set the version in {files} to {target} "
                f"and commit it ('{BUMP_SUBJECT} {target}')"
            )
    remote = config.remote
    tracking = repo.sha(f"refs/remotes/{remote}/{branch}")
    if tracking is not None:
        say(f"  it is on {remote} ({remote}/{branch} at {tracking[:10]})")
        return EXIT_OK
    if not push:
        say(
            f"  it is not on {remote}; push it with: hotfix-guard start --push (or git {shlex.join(push_args(remote, branch))})"
        )
        return EXIT_OK
    require_remote(repo, remote)
    say(f"  it is not on {remote}: pushing it")
    if dry_run:
        GitChanges(repo, dry_run=True).run(*push_args(remote, branch))
        return EXIT_OK
    try:
        return push_branch(repo, remote, branch)
    except KeyboardInterrupt:
        say_error(push_interrupted(remote, branch))
        return EXIT_FAILED


def push_args(remote: str, branch: str) -> list[str]:
    return ["push", "--set-upstream", remote, f"refs/heads/{branch}:refs/heads/{branch}"]


def push_branch(repo: Repo, remote: str, branch: str) -> int:
    args = push_args(remote, branch)
    result = repo.try_git(*args)
    if result.returncode != 0:
        retry = f"hotfix-guard start --push (or git {shlex.join(args)})"
        say_error(
            f"pushing {branch} to {remote} failed ({result.push_refusal()}); the branch is created and "
            f"checked out here, but not on {remote}. {push_advice(result, remote, retry)}"
        )
        return EXIT_FAILED
    say(f"Pushed it to {remote}, tracking {remote}/{branch}.")
    return EXIT_OK


def push_interrupted(remote: str, branch: str) -> str:
    return (
        f"the push was interrupted; {branch} is created here and may or may not be on {remote}; "
        "run hotfix-guard start --push again to complete it"
    )


def next_steps(config: Config) -> str:
    kind = config.message_types[0] if config.message_types else "fix"
    return (
        f"Next: commit your fix with a message like '{kind}(scope): HOTFIX - ...', "
        "then run hotfix-guard validate and hotfix-guard finish."
    )
