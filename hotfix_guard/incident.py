"""The facts of one hotfix, read from the repository: what `status`, `review` and `notify` report.

A hotfix is named by its branch (in progress, or finished with `--keep`), by its release
tag (finished: the tag names the `--no-ff` merge into main, whose second parent is the
hotfix's head), or by the name of a branch that `finish` deleted (its finished record).
The start record adds when it started, who started it, its severity and summary.
"""

from __future__ import annotations

import glob
import os
import re
from datetime import datetime, timezone

from hotfix_guard import gitrepo
from hotfix_guard.branches import HOTFIX, branch_version, classify
from hotfix_guard.checks import registry
from hotfix_guard.collect import Target
from hotfix_guard.errors import RepoError
from hotfix_guard.flow.common import release_tags
from hotfix_guard.model import Record
from hotfix_guard.paths import read_json, record_name
from hotfix_guard.severity import Severity, level
from hotfix_guard.validation import Validation, prepare

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.affected import Affected
    from hotfix_guard.config import Config
    from hotfix_guard.model import Change
    from hotfix_guard.options import RunOptions
    from hotfix_guard.repository import Repo
    from hotfix_guard.validation import Report
    from hotfix_guard.versions import Version

FINISHED = "finished"
IN_PROGRESS = "in progress"
_MERGE_SUBJECT = re.compile(r"^Merge (?:branch )?'?([^' ]+)'?")


class Event(Record):
    """Something that happened to the hotfix, at a time (UTC)."""

    __slots__ = ("time", "kind", "text")

    def __init__(self, time: datetime, kind: str, text: str):
        self.time = time
        self.kind = kind
        self.text = text


class CommitFact(Record):
    """One commit of the hotfix, with when it was committed."""

    __slots__ = ("sha", "time", "subject", "is_merge")

    def __init__(self, sha: str, time: datetime, subject: str, is_merge: bool):
        self.sha = sha
        self.time = time
        self.subject = subject
        self.is_merge = is_merge


class Incident:
    """One hotfix: where it is, what it changed, and what happened to it when."""

    def __init__(
        self,
        *,
        branch: str,
        state: str,
        head: str,
        tag: str | None,
        start: dict[str, object] | None,
        finished: dict[str, object] | None,
    ):
        self.branch = branch
        self.state = state
        self.head = head
        self.tag = tag  # the release tag finish made; None while in progress (or --no-tag)
        self.start = start or {}
        self.finished = finished or {}
        self.change: Change | None = None
        self.report: Report | None = None
        self.commits: list[CommitFact] = []
        self.main_merge: Event | None = None
        self.tagged: Event | None = None
        self.develop_merge: Event | None = None
        self.pushed: Event | None = None
        self.remote = ""
        # Whether the remote has the release tag as it is here: None until asked (ask_remote),
        # or when it cannot be asked (remote_error says why).
        self.tag_on_remote: bool | None = None
        self.remote_error = "not asked"
        self.journal_events: list[Event] = []  # what the finish saw (finished record): conflicts, --abort, ...
        self.affected: Affected | None = None  # derived on request (affected.py)

    @property
    def released(self) -> bool:
        """Released: finished, tagged, and the remote has that tag."""
        return self.state == FINISHED and self.tag is not None and self.tag_on_remote is True

    def release_words(self) -> str:
        """`released`, or what stands between the tag and a release, for reports to say."""
        if self.state != FINISHED:
            return "not released yet"
        if self.tag is None:
            return "merged, not tagged (finish --no-tag), so not released"
        if self.tag_on_remote:
            return f"released as {self.tag}"
        if self.tag_on_remote is False:
            return f"tagged {self.tag} locally, not pushed to {self.remote}"
        return (
            f"tagged {self.tag} locally; whether {self.remote or 'the remote'} has it is unknown ({self.remote_error})"
        )

    @property
    def severity(self) -> Severity | None:
        return level(self.start.get("severity"))

    @property
    def peer_review_pending(self) -> bool:
        """Released by the release manager alone (finish recorded "peer review pending"), and
        no one but an author has approved the released head since."""
        from hotfix_guard.approvals import peer_review_pending

        facts = self.change.approvals if self.change is not None else None
        return self.finished.get("peer_review") == "pending" and (facts is None or peer_review_pending(facts))

    @property
    def summary(self) -> str | None:
        summary = self.start.get("summary")
        return summary if isinstance(summary, str) and summary else None

    @property
    def started_at(self) -> datetime | None:
        """When `start` ran, from its record; None without one."""
        return parse_time(self.start.get("started_at"))

    @property
    def start_time(self) -> datetime | None:
        """When the hotfix began: the start record, else its first commit."""
        first = self.commits[0].time if self.commits else None
        return self.started_at or first

    @property
    def base(self) -> str | None:
        return self.change.base if self.change is not None and self.change.base else None

    @property
    def base_version(self) -> Version | None:
        return self.change.base_version if self.change is not None else None

    def release_version(self, config: Config) -> Version | None:
        """The version this hotfix releases: its tag's, its branch's, or the base's next patch."""
        from hotfix_guard.versions import parse_release_tag

        if self.tag is not None:
            return parse_release_tag(self.tag, config.tag_prefix)
        version = branch_version(self.branch, config)
        if version is None and self.base_version is not None:
            version = self.base_version.next_patch()
        return version

    @property
    def end_time(self) -> datetime | None:
        """When it was released: the tag, else the merge into main."""
        done = self.tagged or self.main_merge
        return done.time if done is not None else None

    def duration(self, now: datetime) -> float | None:
        """Seconds from start to release (to NOW while in progress)."""
        begin = self.start_time
        end = self.end_time if self.state == FINISHED else now
        return (end - begin).total_seconds() if begin is not None and end is not None else None


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time (git's `%cI`, the records' `...Z`) in UTC; None when not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def find_incident(
    repo: Repo, config: Config, name: str | None, options: RunOptions | None = None, *, ask_remote: bool = False
) -> Incident:
    """The hotfix NAME names (a branch or a release tag), or the checked-out hotfix branch, or
    the latest release when that is a hotfix; with every fact gathered, its checks run with
    OPTIONS (default: the run options from the environment); with ASK_REMOTE (the reports),
    whether the remote has its release tag (one git ls-remote) and the affected versions."""
    from hotfix_guard.options import run_options

    incident = _locate(repo, config, name)
    _gather(repo, config, incident, run_options() if options is None else options)
    if ask_remote:
        from hotfix_guard.affected import affected_versions

        _ask_remote_for_tag(repo, incident)
        incident.affected = affected_versions(repo, config, incident.base, incident.head)
    return incident


def _ask_remote_for_tag(repo: Repo, incident: Incident) -> None:
    """Whether the remote has the release tag, and as it is here (not another tag of that name)."""
    tag = incident.tag
    if incident.state != FINISHED or tag is None:
        return
    if repo.try_git("remote", "get-url", "--end-of-options", incident.remote).returncode != 0:
        incident.tag_on_remote = False
        incident.remote = f"{incident.remote} (there is no such remote)"
        return
    result = repo.try_git("ls-remote", "--", incident.remote, f"refs/tags/{tag}")
    if result.returncode != 0:
        incident.remote_error = result.error_line()
        return
    there = {name: sha for sha, _, name in (line.partition("\t") for line in gitrepo.lines_of(result.text()))}
    incident.tag_on_remote = there.get(f"refs/tags/{tag}") == repo.sha(f"refs/tags/{tag}")


def locate(repo: Repo, config: Config, name: str | None) -> Incident:
    """The hotfix NAME names, as find_incident finds it, without gathering its facts: its
    branch, state and head commit (what `approve` needs)."""
    return _locate(repo, config, name)


def _locate(repo: Repo, config: Config, name: str | None) -> Incident:
    if name is None:
        return _default(repo, config)
    if repo.sha(f"refs/heads/{name}") is not None:
        if classify(name, config) != HOTFIX:
            raise RepoError(
                f"{name!r} is not a hotfix branch; name a {config.branch_prefix}... branch or a hotfix's release tag"
            )
        return _from_branch(repo, config, name)
    if repo.sha(f"refs/tags/{name}") is not None:
        return _from_tag(repo, config, name)
    if classify(name, config) == HOTFIX:
        record = read_json(repo.state_path("finished", record_name(name)))
        if record is not None:
            return _from_finished_record(repo, config, name, record)
    raise RepoError(
        f"{name!r} is neither a branch nor a tag here; name a hotfix branch "
        f"({config.branch_prefix}{config.tag_prefix}1.2.4) or its release tag ({config.tag_prefix}1.2.4)"
    )


def _default(repo: Repo, config: Config) -> Incident:
    current = repo.current_branch()
    if current is not None and classify(current, config) == HOTFIX:
        return _from_branch(repo, config, current)
    releases = release_tags(repo, config.tag_prefix)
    if releases and _tag_merge(repo, releases[-1][1]) is not None:
        try:
            return _from_tag(repo, config, releases[-1][1])
        except RepoError:
            pass  # a merge, but not of a hotfix branch: ask for a name, as below
    raise RepoError(
        f"{current or 'HEAD'!r} is not a hotfix branch and the latest release is not a hotfix; name one: "
        f"a branch ({config.branch_prefix}{config.tag_prefix}1.2.4) or a release tag ({config.tag_prefix}1.2.4)"
    )


def _from_branch(repo: Repo, config: Config, branch: str) -> Incident:
    head = repo.sha(f"refs/heads/{branch}^{{commit}}")
    assert head is not None
    finished = read_json(repo.state_path("finished", record_name(branch)))
    start = read_json(repo.state_path("starts", record_name(branch)))
    if finished is not None and finished.get("head") == head and _merged_into_main(repo, finished):
        tag = finished.get("tag")
        return Incident(
            branch=branch,
            state=FINISHED,
            head=head,
            tag=tag if isinstance(tag, str) else None,
            start=start,
            finished=finished,
        )
    return Incident(branch=branch, state=IN_PROGRESS, head=head, tag=None, start=start, finished=None)


def _merged_into_main(repo: Repo, finished: dict[str, object]) -> bool:
    merge = finished.get("merge")
    return isinstance(merge, str) and repo.sha(f"{merge}^{{commit}}") is not None


def _tag_merge(repo: Repo, tag: str) -> tuple[str, list[str]] | None:
    """(merge commit, its parents) when TAG names a merge commit, else None."""
    commit = repo.sha(f"refs/tags/{tag}^{{commit}}")
    if commit is None:
        return None
    parents = repo.git("rev-list", "--no-walk", "--parents", commit).split()[1:]
    return (commit, parents) if len(parents) == 2 else None


def _from_tag(repo: Repo, config: Config, tag: str) -> Incident:
    merge = _tag_merge(repo, tag)
    if merge is None:
        raise RepoError(
            f"{tag} is not a hotfix release: its commit is not a merge of a hotfix branch (finish makes one); "
            "name the hotfix branch instead"
        )
    commit, parents = merge
    record = _finished_record_of_tag(repo, tag)
    branch = record.get("branch") if record is not None else _branch_from_subject(repo, commit)
    if not isinstance(branch, str) or classify(branch, config) != HOTFIX:
        raise RepoError(
            f"{tag} is not a hotfix release: its merge does not name a {config.branch_prefix}... branch; "
            "name the hotfix branch instead"
        )
    start = read_json(repo.state_path("starts", record_name(branch)))
    return Incident(branch=branch, state=FINISHED, head=parents[1], tag=tag, start=start, finished=record)


def _finished_record_of_tag(repo: Repo, tag: str) -> dict[str, object] | None:
    for path in sorted(glob.glob(os.path.join(glob.escape(repo.state_path("finished")), "*.json"))):
        record = read_json(path)
        if record is not None and record.get("tag") == tag:
            return record
    return None


def _branch_from_subject(repo: Repo, commit: str) -> str | None:
    match = _MERGE_SUBJECT.match(repo.git("log", "-1", "--format=%s", commit).strip())
    return match.group(1) if match else None


def _from_finished_record(repo: Repo, config: Config, branch: str, record: dict[str, object]) -> Incident:
    tag, head = record.get("tag"), record.get("head")
    if isinstance(tag, str) and _tag_merge(repo, tag) is not None:
        return _from_tag(repo, config, tag)
    if not isinstance(head, str) or repo.sha(f"{head}^{{commit}}") is None or not _merged_into_main(repo, record):
        raise RepoError(
            f"the finished record of {branch} names commits this repository does not have; name its release tag instead"
        )
    start = read_json(repo.state_path("starts", record_name(branch)))
    return Incident(branch=branch, state=FINISHED, head=head, tag=None, start=start, finished=record)


def _gather(repo: Repo, config: Config, incident: Incident, options: RunOptions) -> None:
    incident.remote = str(incident.finished.get("remote") or config.remote)
    incident.change = _change(repo, config, incident)
    incident.report = Validation(incident.change, config).run(options)
    if incident.base is not None:
        incident.commits = commit_facts(repo, f"refs/tags/{incident.base}", incident.head)
    if incident.state != FINISHED:
        return
    main = str(incident.finished.get("main") or config.main_branch)
    merge = _main_merge(repo, incident)
    if merge is not None:
        incident.main_merge = Event(
            commit_time(repo, merge), "merge-main", f"merged into {main} ({merge[:10]}, --no-ff)"
        )
    if incident.tag is not None:
        when = tag_time(repo, incident.tag)
        if when is not None:
            incident.tagged = Event(when, "tag", f"tagged {incident.tag}")
    incident.develop_merge = _develop_merge(repo, config, incident, merge)
    remote = str(incident.finished.get("remote") or config.remote)
    if merge is not None:
        incident.pushed = _push_event(repo, remote, main, merge)
    incident.journal_events = recorded_events(incident.finished)


_TIME_KEYS, _KIND_KEYS, _TEXT_KEYS = ("at", "time"), ("event", "kind"), ("detail", "text")


def recorded_events(record: dict[str, object]) -> list[Event]:
    """What the finished RECORD says the finish met, whatever its kind: every entry, in any list
    of the record, that is an object with a time (`at`); its kind is its `event` (else the
    list's name), its text its `detail` (else its other fields)."""
    events = []
    for key, value in record.items():
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, dict):
                continue
            moment = parse_time(next((item[k] for k in _TIME_KEYS if k in item), None))
            if moment is None:
                continue
            kind = next((str(item[k]) for k in _KIND_KEYS if item.get(k)), key)
            rest = "; ".join(f"{k}: {v}" for k, v in item.items() if k not in (*_TIME_KEYS, *_KIND_KEYS))
            text = next((str(item[k]) for k in _TEXT_KEYS if item.get(k)), rest)
            events.append(Event(moment, kind, text))
    return events


def _change(repo: Repo, config: Config, incident: Incident) -> Change:
    base = incident.start.get("base_tag")
    if not isinstance(base, str) or repo.sha(f"refs/tags/{base}") is None:
        base = None
    target = Target(repo.top, incident.head, base, incident.branch)
    # Triage and documents must not wait for a test run: focused tests are `hotfix-guard tests`.
    change = prepare(target, incident.head, incident.branch, config, list(registry()), tests=False).change
    if incident.tag is not None:
        # The hotfix's own release tag exists because it is finished, not because the
        # branch patches a released version.
        change = change.replace(existing_tags=change.existing_tags - {incident.tag})
    return change


def commit_facts(repo: Repo, base: str, head: str) -> list[CommitFact]:
    """The commits of BASE..HEAD, oldest first, with commit times."""
    output = repo.git("log", "-z", "--reverse", "--format=%H%x1f%P%x1f%cI%x1f%s", f"{base}..{head}", "--")
    facts = []
    for record in output.split("\0"):
        fields = record.strip("\n").split("\x1f", 3)
        if len(fields) != 4:
            continue
        sha, parents, when, subject = fields
        moment = parse_time(when)
        assert moment is not None
        facts.append(CommitFact(sha, moment, subject, len(parents.split()) > 1))
    return facts


def commit_time(repo: Repo, commit: str) -> datetime:
    moment = parse_time(repo.git("log", "-1", "--format=%cI", commit).strip())
    assert moment is not None
    return moment


def tag_time(repo: Repo, tag: str) -> datetime | None:
    """When TAG was made: its tagger date, or its commit's date for a lightweight tag."""
    output = repo.git("for-each-ref", "--format=%(creatordate:iso-strict)", f"refs/tags/{tag}")
    return parse_time(output.splitlines()[0] if output else None)


def _main_merge(repo: Repo, incident: Incident) -> str | None:
    if incident.tag is not None:
        merge = _tag_merge(repo, incident.tag)
        if merge is not None:
            return merge[0]
    recorded = incident.finished.get("merge")
    return recorded if isinstance(recorded, str) else None


def _develop_merge(repo: Repo, config: Config, incident: Incident, main_merge: str | None) -> Event | None:
    """The --no-ff merge of the hotfix head into the development branch, if there is one."""
    develop = incident.finished.get("develop", config.develop_branch) if incident.finished else config.develop_branch
    if not isinstance(develop, str) or repo.sha(f"refs/heads/{develop}") is None:
        return None
    output = repo.git(
        "log",
        "--merges",
        "--ancestry-path",
        "--reverse",
        "--format=%H %cI %P",
        f"{incident.head}..refs/heads/{develop}",
    )
    for line in output.splitlines():
        sha, when, *parents = line.split()
        if sha != main_merge and len(parents) == 2 and parents[1] == incident.head:
            moment = parse_time(when)
            assert moment is not None
            return Event(moment, "merge-develop", f"merged back into {develop} ({sha[:10]}, --no-ff)")
    return None


def _push_event(repo: Repo, remote: str, main: str, merge: str) -> Event | None:
    """When the merge reached the remote, from the remote-tracking branch's reflog (if kept)."""
    ref = f"refs/remotes/{remote}/{main}"
    if repo.sha(ref) is None:
        return None
    output = repo.try_git("log", "-g", "--date=iso-strict", "--format=%H%x1f%gs%x1f%gd", ref, "--").text()
    pushed = None
    for line in output.splitlines():
        fields = line.split("\x1f")
        if len(fields) == 3 and fields[0] == merge and fields[1].startswith("update by push"):
            pushed = fields[2]  # newest first: the last match is the first push
    moment = parse_time(pushed[pushed.find("@{") + 2 : -1]) if pushed else None
    return Event(moment, "push", f"pushed {main} to {remote}") if moment is not None else None
