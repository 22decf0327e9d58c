"""`hotfix-guard start`: create and check out a hotfix branch at a release tag, and record it.

Every precondition is checked before the branch is created; a failure after that (the
start record cannot be written, Ctrl-C) deletes the branch and checks out what was
checked out before. A failed `--push` keeps the branch: it is the user's work by then.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from datetime import datetime, timezone

from hotfix_guard.checks import branch_name
from hotfix_guard.errors import EXIT_FAILED, EXIT_OK, GitError, RepoError
from hotfix_guard.flow.common import (
    Repo,
    Runner,
    Snapshot,
    latest_release,
    read_json,
    record_name,
    release_tags,
    require_clean,
    require_remote,
    say,
    say_error,
    write_json,
)
from hotfix_guard.flow.version_files import plan_bumps
from hotfix_guard.model import ERROR, Change
from hotfix_guard.severity import LEVELS
from hotfix_guard.versions import Version, parse_release_tag

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

KEBAB_CASE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*", re.ASCII)
_IDENT_DATE = re.compile(r" [0-9]+ [+-][0-9]{4}$")
MAX_SUMMARY = 200


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
) -> int:
    moment = utc(now or datetime.now(timezone.utc))
    if name is not None:
        require_kebab_case(name, config)
    incident = incident_fields(severity, summary)
    require_clean(repo)
    version, tag = base_release(repo, config, from_tag)
    base_sha = repo.git("rev-parse", "--verify", "--end-of-options", f"refs/tags/{tag}^{{commit}}").strip()
    branch = new_branch_name(repo, config, version, name=name, security=security, timestamp=timestamp, now=moment)
    require_startable(repo, config, branch, version, tag)
    if push:
        require_remote(repo, config.remote)
    bumps = plan_bumps(repo, config.version_files, tag, version, version.next_patch())
    record = start_record(repo, branch, tag, base_sha, moment, name, from_tag, security, timestamp, push, incident)
    runner = Runner(repo, dry_run)
    create_branch(repo, runner, branch, tag, record, bumps, version.next_patch())
    if dry_run:
        if push:
            runner.run(*push_args(config.remote, branch))
        say("dry run: nothing was changed")
        return EXIT_OK
    say(f"Created {branch} at {tag} ({base_sha[:10]}) and checked it out.")
    if severity is not None:
        budget = LEVELS[severity]
        say(
            f"Severity {severity} ({budget.meaning}): budget {budget.budget} to the release tag; approval: {budget.approval}."
        )
    status = push_branch(repo, config.remote, branch) if push else EXIT_OK
    say(next_steps(config))
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
    tags = [tag for _, tag in release_tags(repo, config.tag_prefix)[-3:]]
    return ", ".join(reversed(tags)) if tags else f"none yet (tag a release first, like {config.tag_prefix}1.2.3)"


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
    return output.splitlines()


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
    if repo.sha(f"refs/heads/{branch}") is not None:
        raise RepoError(
            f"branch {branch} already exists; switch to it (git switch {branch}) or delete it first (git branch -d {branch})"
        )
    if repo.sha(f"refs/remotes/{config.remote}/{branch}") is not None:
        raise RepoError(
            f"branch {branch} already exists on {config.remote}; someone started this hotfix: "
            f"work on it with git switch {branch}"
        )
    target = branch_target(branch, base, config)
    if target is not None and repo.sha(f"refs/tags/{target}") is not None:
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


def start_record(
    repo: Repo,
    branch: str,
    tag: str,
    base_sha: str,
    moment: datetime,
    name: str | None,
    from_tag: str | None,
    security: bool,
    timestamp: bool,
    push: bool,
    incident: dict[str, str] | None = None,
) -> dict[str, object]:
    """When and where the hotfix started, and how severe it is, for the incident timeline."""
    incident = incident or {}
    options = [
        *([name] if name else []),
        *(["--from", from_tag] if from_tag else []),
        *(["--security"] if security else []),
        *(["--timestamp"] if timestamp else []),
        *(["--push"] if push else []),
        *(["--severity", incident["severity"]] if "severity" in incident else []),
        *(["--summary", incident["summary"]] if "summary" in incident else []),
    ]
    record: dict[str, object] = {
        "branch": branch,
        "base_tag": tag,
        "base_commit": base_sha,
        "started_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "who": who(repo),
        "command": shlex.join(["hotfix-guard", "start", *options]),
        **incident,
    }
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


def create_branch(
    repo: Repo,
    runner: Runner,
    branch: str,
    tag: str,
    record: dict[str, object],
    bumps: list[tuple[str, str]],
    version: Version,
) -> None:
    """Create and check out BRANCH at TAG, bump the version files in a commit of their own,
    and write the record; or leave everything as it was."""
    path = repo.state_path("starts", record_name(branch))
    if runner.dry_run:
        runner.run("switch", "-c", branch, "--end-of-options", f"refs/tags/{tag}^{{commit}}")
        commit_bumps(repo, runner, bumps, version)
        say(f"would write {path}:\n{json.dumps(record, indent=2)}")
        return
    snapshot = Snapshot.take(repo, [f"refs/heads/{branch}"])
    try:
        runner.run("switch", "-c", branch, "--end-of-options", f"refs/tags/{tag}^{{commit}}")
        if bumps:
            try:
                commit_bumps(repo, runner, bumps, version)
            except GitError as error:
                put_back(repo, snapshot, branch)
                raise RepoError(f"the version bump could not be committed ({error}); nothing changed") from None
        write_json(path, record)
    except GitError:
        raise  # git switch refused: it changed nothing
    except OSError as error:
        put_back(repo, snapshot, branch)
        raise RepoError(
            f"cannot write the start record {path} ({error.strerror or error}); {branch} was removed again "
            "and nothing changed; fix that and run start again"
        ) from None
    except BaseException:
        put_back(repo, snapshot, branch)
        raise


def commit_bumps(repo: Repo, runner: Runner, bumps: list[tuple[str, str]], version: Version) -> None:
    """Write the bumped version files and commit them, alone, on the new branch."""
    if not bumps:
        return
    paths = [path for path, _ in bumps]
    for path, content in bumps:
        if runner.dry_run:
            say(f"would set the version in {path} to {version}")
            continue
        with open(os.path.join(repo.top, path), "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
    runner.run("add", "--", *paths)
    runner.run("commit", "-q", "-m", f"fix(release): HOTFIX - set version {version}", "--", *paths)


def put_back(repo: Repo, snapshot: Snapshot, branch: str) -> None:
    try:
        snapshot.restore(repo)
    except GitError as error:
        back = snapshot.head.removeprefix("refs/heads/")
        raise RepoError(
            f"{branch} was created but could not be removed again ({error}); "
            f"do it by hand: git switch {back} && git branch -D {branch}"
        ) from None


def push_args(remote: str, branch: str) -> list[str]:
    return ["push", "--set-upstream", remote, f"refs/heads/{branch}:refs/heads/{branch}"]


def push_branch(repo: Repo, remote: str, branch: str) -> int:
    args = push_args(remote, branch)
    result = repo.try_git(*args)
    if result.returncode != 0:
        say_error(
            f"error: pushing {branch} to {remote} failed ({result.push_refusal()}); the branch is created and "
            f"checked out here, but not on {remote}; retry: git {shlex.join(args)}"
        )
        return EXIT_FAILED
    say(f"Pushed it to {remote}, tracking {remote}/{branch}.")
    return EXIT_OK


def next_steps(config: Config) -> str:
    kind = config.message_types[0] if config.message_types else "fix"
    return (
        f"Next: commit your fix with a message like '{kind}(scope): HOTFIX - ...', "
        "then run hotfix-guard validate and hotfix-guard finish."
    )
