"""`hotfix-guard finish`: merge the hotfix into main, tag it, merge it back, delete it.

Everything is checked before the first change. Each step is journaled inside the git
directory; a merge conflict stops with the merge in progress (`--continue` carries on,
`--abort` undoes everything), and any other failure undoes everything at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass
from typing import TypedDict, cast

from hotfix_guard import gitrepo
from hotfix_guard.branches import HOTFIX, branch_version, classify
from hotfix_guard.collect import Target
from hotfix_guard.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, GitError, RepoError
from hotfix_guard.flow import lock
from hotfix_guard.flow.backmerge import KeptVersion, Prediction, describe_kept, predict, resolved_tree
from hotfix_guard.flow.common import (
    GitChanges,
    Snapshot,
    SnapshotRecord,
    WorkTrees,
    clear_stale_git_locks,
    holding_signals,
    push_advice,
    require_clean,
    require_no_other_run,
    require_nothing_in_the_way,
    require_remote,
    save_and_say,
    say,
    say_error,
    snapshot_record,
    work_trees,
    work_trees_record,
    write_json,
)
from hotfix_guard.options import run_options
from hotfix_guard.paths import read_json, record_name
from hotfix_guard.repository import KnownRefs, Repo
from hotfix_guard.signing import signs_tags, tag_flag
from hotfix_guard.validation import Validation, enabled_checks, prepare

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.model import Change
    from hotfix_guard.options import RunOptions
    from hotfix_guard.overrides import Override
    from hotfix_guard.versions import Version

JOURNAL = "finish.json"
HISTORY = "history"  # per branch: events of earlier runs (an --abort), for the review's timeline
JOURNAL_FORMAT = 2  # 2: records the hand-over of a stopped merge and the undo's progress


class Conflict(Exception):
    """A merge stopped on conflicts; the journal keeps the place."""


class Planned(TypedDict):
    """What finish will do, decided entirely before anything changes: the journal's first keys."""

    branch: str
    head: str
    main: str
    develop: str | None  # the branch merged back into; None: no merge back
    tag: str | None
    remote: str
    message: str  # of the merge into main
    verified: bool
    keep: bool
    steps: list[str]


class Upstream(TypedDict):
    """The hotfix branch's upstream (branch.<name>.remote and .merge), which the delete step unsets."""

    remote: str
    merge: str


class HandOver(TypedDict):
    """A stopped merge given to the user: the step, and what the index and the work tree held then."""

    step: str
    trees: WorkTrees


class Undoing(TypedDict):
    """How far an undo got: the refs it put back."""

    restored: list[str]


class VersionPlan(TypedDict):
    """The version files a back-merge conflict may lie in and be resolved by itself, and the
    version the hotfix sets in them."""

    files: list[str]
    release: str


class FinishJournal(Planned, total=False):
    """finish.json (JSON): the plan, then how far the run got, each key added as the run goes.

    The keys are in the order they were added: a journal keeps its bytes from one version to
    the next (tests/journal_format_test.py).
    """

    sign: bool  # part of the plan: the tag is signed (only written when true)
    peer_review: str  # part of the plan: "pending" for a critical hotfix released without an approval yet
    versions: VersionPlan  # part of the plan, with version-files configured and a merge back
    before: SnapshotRecord
    upstream: Upstream | None
    started: float
    format: int  # JOURNAL_FORMAT; absent from an older hotfix-guard's journal
    done: list[str]
    expected: dict[str, str | None]  # where the steps done left each ref
    handed_over: HandOver
    resolved: list[str | None]  # the merge commits the user's resolutions went into
    undoing: Undoing
    saved: str  # the stash --abort saved the user's work in
    versions_kept: list[KeptVersion]  # the back-merge's version conflict, resolved by itself


class _Finished(TypedDict):
    branch: str
    head: str
    main: str
    develop: str | None
    tag: str | None
    verified: bool
    merge: str | None  # main after the finish


class FinishedRecord(_Finished, total=False):
    """finished/<branch>.json (JSON): a completed finish, for a re-run and the incident timeline.
    Written in the order branch, head, main, develop, tag, verified, remote, merge."""

    remote: str  # not in the records of older versions
    versions_kept: list[KeptVersion]  # only where the back-merge's version conflict was resolved
    events: list[FinishEvent]  # only when the finish met something worth a line in the review
    peer_review: str  # "pending": a critical hotfix released by the release manager alone; review comes after


class FinishEvent(TypedDict):
    """Something a finish met on its way (the review's timeline shows each, whatever its kind)."""

    at: str  # ISO 8601, UTC
    event: str  # conflict, ...
    detail: str


@dataclass
class Plan:
    """What finish will do, and, once it runs, the journal that says how far it got."""

    journal: FinishJournal
    already_finished: bool = False  # a re-run of a finish that is complete: nothing to do but push
    override: Override | None = None  # a break-glass override of missing approvals, recorded as the run begins

    @property
    def branch(self) -> str:
        return self.journal["branch"]

    @property
    def head(self) -> str:
        return self.journal["head"]

    @property
    def main(self) -> str:
        return self.journal["main"]

    @property
    def develop(self) -> str | None:
        return self.journal["develop"]

    @property
    def tag(self) -> str | None:
        return self.journal["tag"]

    @property
    def remote(self) -> str:
        return self.journal["remote"]

    @property
    def message(self) -> str:
        return self.journal["message"]

    @property
    def steps(self) -> list[str]:
        return self.journal["steps"]

    @property
    def done(self) -> list[str]:
        return self.journal.setdefault("done", [])


def finish(
    repo: Repo,
    config: Config,
    *,
    action: str,
    branch: str | None,
    develop: str | None,
    skip_develop: bool,
    tag: str | None,
    skip_tag: bool,
    keep: bool,
    push: bool,
    verify: bool,
    dry_run: bool,
) -> int:
    """Run, carry on or undo a finish; every run that changes something holds the repository's lock."""
    began = time.time()  # git lock files newer than the journal and older than this are a killed run's
    command = " ".join(["finish", *{"abort": ["--abort"], "continue": ["--continue"]}.get(action, [])])
    held = (
        contextlib.nullcontext() if dry_run else lock.locked(repo.git_dir, command + (" --push" if push else ""), say)
    )
    with held:
        return _finish(
            repo, config, action, branch, develop, skip_develop, tag, skip_tag, keep, push, verify, dry_run, began
        )


def _finish(
    repo: Repo,
    config: Config,
    action: str,
    branch: str | None,
    develop: str | None,
    skip_develop: bool,
    tag: str | None,
    skip_tag: bool,
    keep: bool,
    push: bool,
    verify: bool,
    dry_run: bool,
    began: float,
) -> int:
    if action == "abort":
        return abort(repo, began)
    if action == "continue":
        return resume(repo, began)
    require_no_other_run(repo, "finish")
    journal = read_json(repo.state_path(JOURNAL))
    if journal is not None and "undoing" in journal:
        raise RepoError("a finish was partly undone; run hotfix-guard finish --abort to finish putting things back")
    if journal is not None:
        raise RepoError("a finish is already in progress; run finish --continue, or finish --abort to undo it")
    plan = make_plan(repo, config, branch, develop, skip_develop, tag, skip_tag, keep, push, verify)
    if plan.already_finished:
        say(f"{plan.branch} is already finished: {plan.tag} is its merge into {plan.main}")
        if push and not dry_run:
            require_remote_takes_push(repo, plan)
            return _push(repo, plan)  # a push that was rejected last time
        return EXIT_OK
    if plan.override is not None:
        _record_approval_override(repo, plan.override, dry_run)
    if dry_run:
        return show_plan(repo, plan)
    return execute(repo, plan)


def make_plan(
    repo: Repo,
    config: Config,
    branch: str | None,
    develop: str | None,
    skip_develop: bool,
    tag: str | None,
    skip_tag: bool,
    keep: bool,
    push: bool,
    verify: bool,
) -> Plan:
    require_clean(repo)
    main = config.main_branch
    backmerge = None if skip_develop else (develop or config.develop_branch)
    named = branch or repo.current_branch()
    guessed = None if skip_tag else tag or _named_tag(named, config)
    refs = _plan_refs(repo, config.remote, [named, main, backmerge], guessed)
    finished = _finished_record(repo, refs, named, main)
    if finished is not None:
        return _finished_plan(finished, config.remote, keep)
    branch = named
    example = f"{config.branch_prefix}{config.tag_prefix}1.2.4"
    if branch is None:
        raise RepoError(f"HEAD is detached; name the hotfix branch: hotfix-guard finish {example}")
    if classify(branch, config) != HOTFIX:
        raise RepoError(f"{branch!r} is not a hotfix branch; name one: hotfix-guard finish {example}")
    head = refs.sha(f"refs/heads/{branch}")
    if head is None:
        raise RepoError(f"there is no branch {branch!r}")
    if refs.sha(f"refs/heads/{main}") is None:
        raise RepoError(f"there is no branch {main!r} to merge into; set main-branch in the config")
    if tag is not None:
        require_tag_name(tag, config.tag_prefix)
    if push:
        require_remote(repo, config.remote)
    options = run_options()  # finish has no check flags: the environment's (HOTFIX_GUARD_ALLOW_LARGE)
    checks = enabled_checks(config, options) if verify else []
    gathered = [*checks, "commit-message", "approvals"]  # the approvals also tell whether peer review is pending
    validation = prepare(Target(repo.top, f"refs/heads/{branch}"), head, branch, config, gathered)
    override = _approval_override(repo, validation, options, branch, head) if verify else None
    change = validation.change
    tag_name = None if skip_tag else (tag or _release_tag(branch, change, config))
    already = tag_name is not None and _tag_is_this_merge(repo, refs, tag_name, head, main)
    if not already:
        _require_latest_line(repo, config, change)
        _verify(validation, options, verify)
    # Read again: the focused tests may have run for minutes, and another process (a fetch
    # in another terminal, an editor's auto-fetch, a commit) may have moved refs meanwhile.
    checked = refs
    refs = _plan_refs(repo, config.remote, [branch, main, backmerge], tag_name)
    for name in (branch, main):
        then, now = checked.sha(f"refs/heads/{name}"), refs.sha(f"refs/heads/{name}")
        if now != then:
            raise RepoError(
                f"{name} moved while the checks ran (from {(then or 'nothing')[:10]} to {(now or 'nothing')[:10]}), "
                "so what was checked is not what would be merged; nothing was changed: run finish again"
            )
    if backmerge is not None and refs.sha(f"refs/heads/{backmerge}") is None:
        if develop is not None:
            raise RepoError(f"there is no branch {develop!r} to merge back into")
        backmerge = None
    for target in (main, backmerge, branch):
        if target is not None:
            _require_up_to_date(repo, refs, target, config.remote)
    _require_not_checked_out_elsewhere(repo, [main, backmerge, branch])
    if backmerge is not None and gitrepo.is_ancestor(head, f"refs/heads/{backmerge}", repo.top):
        backmerge = None  # merged back already: a re-run
    steps = ["merge-main", "tag", "merge-develop", "delete", "push"]
    steps = [
        step
        for step, wanted in zip(steps, (not already, tag_name and not already, backmerge, not keep, push), strict=True)
        if wanted
    ]
    if already and not set(steps) - {"push"}:
        return _already_finished(branch, head, main, tag_name, config.remote, keep)
    if {"merge-main", "merge-develop"} & set(steps):
        _require_nothing_in_the_way(repo, main, backmerge, branch, "run finish again")
    plan = Plan(
        {
            "branch": branch,
            "head": head,
            "main": main,
            "develop": backmerge,
            "tag": tag_name,
            "remote": config.remote,
            "message": f"Merge {branch} - {_first_subject(change)}",
            "verified": verify,
            "keep": keep,
            "steps": steps,
        }
    )
    if "tag" in steps and signs_tags(repo.top, config):
        plan.journal["sign"] = True
    if _peer_review_pending(change, config):
        plan.journal["peer_review"] = "pending"
    plan.override = override
    release = _release_version(branch, change, config)
    if "merge-develop" in steps and config.version_files and release is not None:
        from hotfix_guard.flow.version_files import version_file_paths

        plan.journal["versions"] = {"files": sorted(version_file_paths(config.version_files)), "release": release}
    if push:
        require_remote_takes_push(repo, plan, refs)
    return plan


def _plan_refs(repo: Repo, remote: str, branches: list[str | None], tag: str | None) -> KnownRefs:
    """The refs make_plan asks about, read together (one `for-each-ref`): each of BRANCHES (and
    the commit it is at) and its remote-tracking ref, and the commit TAG is on (a ref not read
    here is asked for when wanted). make_plan changes no ref itself; it reads them again after
    the focused tests, during which another process can."""
    refs = [f"refs/tags/{tag}^{{commit}}"] if tag is not None else []
    for name in dict.fromkeys(name for name in branches if name is not None):
        refs += [f"refs/heads/{name}", f"refs/heads/{name}^{{commit}}", f"refs/remotes/{remote}/{name}"]
    return KnownRefs(repo, refs)


def _named_tag(branch: str | None, config: Config) -> str | None:
    """The tag the branch's name promises (hotfix/v1.2.4: v1.2.4), which finish makes unless
    --tag says another."""
    version = branch_version(branch, config) if branch is not None else None
    return version.tag(config.tag_prefix) if version is not None else None


def require_remote_takes_push(repo: Repo, plan: Plan, refs: KnownRefs | None = None) -> None:
    """--push: ask the remote, before anything changes, whether it will take the push (one
    git ls-remote); RepoError naming each cause when it will not, or when it cannot be asked.
    REFS, when given, says where the local branches are (nothing has moved since it was read)."""
    there = _ask_remote(repo, plan)
    if isinstance(there, str):
        raise RepoError(
            f"cannot ask {plan.remote} whether it will take the push ({there}); nothing was changed. Run it "
            f"again when {plan.remote} answers, or finish without --push now and push later "
            f"(hotfix-guard finish {plan.branch} --push)"
        )
    problems = _push_problems(repo, plan, there, refs)
    if problems:
        raise RepoError(f"{'; '.join(problems)}. Nothing was changed")


def _pushed_refs(plan: Plan) -> list[str]:
    """The refs finish --push pushes: main, the branch merged back into, the new tag."""
    return [
        f"refs/heads/{plan.main}",
        *([f"refs/heads/{plan.develop}"] if plan.develop else []),
        *([f"refs/tags/{plan.tag}"] if plan.tag else []),
    ]


def _ask_remote(repo: Repo, plan: Plan) -> dict[str, str] | str:
    """What the remote has of the pushed refs (the tag also peeled, `^{}`), or, when it does not
    answer, git's complaint."""
    refs = _pushed_refs(plan) + ([f"refs/tags/{plan.tag}^{{}}"] if plan.tag else [])
    result = repo.try_git("ls-remote", "--", plan.remote, *refs)
    if result.returncode != 0:
        # The cause comes first (ssh: Could not resolve hostname ...), then git's summary and advice.
        said = gitrepo.decode(result.stderr).strip().split("\n\n", 1)[0].splitlines()
        return "; ".join(line.strip() for line in said[:2]) or result.error_line()
    lines = (line.partition("\t") for line in gitrepo.lines_of(result.text()))
    return {name: sha for sha, _, name in lines if name in refs}


def _push_problems(repo: Repo, plan: Plan, there: dict[str, str], refs: KnownRefs | None = None) -> list[str]:
    """Why the remote would refuse the push, one cause each: a branch that moved on there (its
    tip is not in what is pushed), a tag of the same name on another commit. REFS, when given,
    says where the local branches are: a remote branch at the same commit is contained."""
    remote, branch, problems = plan.remote, plan.branch, []
    for name in filter(None, (plan.main, plan.develop)):
        ref = f"refs/heads/{name}"
        theirs = there.get(ref)
        if theirs is None or (refs is not None and theirs == refs.sha(f"{ref}^{{commit}}")):
            continue
        if _contained(repo, theirs, [ref, plan.head]):
            continue
        seen = repo.sha(f"refs/remotes/{remote}/{name}")
        last = f"your last fetch saw {seen[:10]}" if seen else f"you never fetched {remote}/{name}"
        problems.append(
            f"{remote}'s {name} moved on: it is at {theirs[:10]} ({last}), which your {name} does not contain, "
            f"so {remote} would refuse the push. Bring it in first: git fetch {remote} && git switch {name} && "
            f"git merge {remote}/{name}; then run hotfix-guard finish {branch} --push"
        )
    tag = plan.tag
    theirs = there.get(f"refs/tags/{tag}") if tag else None
    if tag is not None and theirs is not None and theirs != repo.sha(f"refs/tags/{tag}"):
        on = there.get(f"refs/tags/{tag}^{{}}", theirs)[:10]
        problems.append(_tag_problem(repo, plan, tag, on))
    return problems


def _contained(repo: Repo, commit: str, tips: list[str]) -> bool:
    """Whether COMMIT (maybe not in this repository at all) is in the history of one of TIPS."""
    if repo.sha(f"{commit}^{{commit}}") is None:
        return False
    return any(gitrepo.is_ancestor(commit, tip, repo.top) for tip in tips)


def _tag_problem(repo: Repo, plan: Plan, tag: str, on: str) -> str:
    import re

    remote, branch = plan.remote, plan.branch
    # The next patch in the tag's own scheme (v1.2.4, 2.2.0, release-1.0.3): its last number plus one.
    last = re.search(r"(\d+)(\D*)$", tag)
    other = f"{tag[: last.start()]}{int(last.group(1)) + 1}{last.group(2)}" if last else "NAME"
    cause = (
        f"{remote} already has a tag {tag}, on {on}, which is not this release: {tag} was released from "
        "elsewhere, and a push of another "
        f"{tag} is refused however often it is retried"
    )
    if repo.sha(f"refs/tags/{tag}") is None:  # not made yet: finish can still make another
        return (
            f"{cause}. See it with: git fetch {remote} tag {tag} && git show {tag}; then release this fix as "
            f"another version: hotfix-guard finish {branch} --tag {other} --push (a version {remote} does not have)"
        )
    merge = repo.sha(f"refs/tags/{tag}^{{commit}}") or plan.main
    return (
        f"{cause}. This release is complete here as {tag} ({merge[:10]}); to publish it as another version: "
        f"git tag -d {tag} && git tag -a {other} -m 'Release {other} ({branch})' {merge[:10]} && "
        f"git push --atomic {remote} refs/heads/{plan.main} refs/tags/{other}"
    )


def _already_finished(branch: str, head: str, main: str, tag: str | None, remote: str, keep: bool) -> Plan:
    """The plan of a re-run of a finish whose merge TAG marks already, with the branch kept and
    merged back: a push, if asked for, is all that is left."""
    journal: FinishJournal = {
        "branch": branch,
        "head": head,
        "main": main,
        "develop": None,
        "tag": tag,
        "remote": remote,
        "message": "",
        "verified": False,
        "keep": keep,
        "steps": [],
    }
    return Plan(journal, already_finished=True)


def _finished_plan(record: FinishedRecord, remote: str, keep: bool) -> Plan:
    """The plan of a re-run of the finish RECORD says is complete: a push, if asked for, is all that is left."""
    journal: FinishJournal = {
        "branch": record["branch"],
        "head": record["head"],
        "main": record["main"],
        "develop": record["develop"],
        "tag": record["tag"],
        "remote": record.get("remote", remote),  # not in the records of older versions
        "message": "",
        "verified": record["verified"],
        "keep": keep,
        "steps": [],
    }
    return Plan(journal, already_finished=True)


def _finished_record(repo: Repo, refs: KnownRefs, branch: str | None, main: str) -> FinishedRecord | None:
    """The record of a completed finish this re-run repeats: of BRANCH once it is deleted, or,
    on main itself, of the hotfix whose merge main still ends with."""
    import glob

    if branch is not None and branch != main:
        if refs.sha(f"refs/heads/{branch}") is not None:
            return None
        paths = [repo.state_path("finished", record_name(branch))]
    else:
        paths = glob.glob(os.path.join(glob.escape(repo.state_path("finished")), "*.json"))
    for path in paths:
        record = _finished_from(read_json(path))
        if record is None:
            continue
        merge, tag = record["merge"], record["tag"]
        tag_holds = tag is None or refs.sha(f"refs/tags/{tag}^{{commit}}") == merge
        on_main = branch != main or refs.sha(f"refs/heads/{main}") == merge
        if merge and tag_holds and on_main:
            return record
    return None


def require_tag_name(tag: str, prefix: str = "v") -> None:
    from hotfix_guard.refnames import is_valid_tag_name

    if not is_valid_tag_name(tag):
        raise RepoError(f"{tag!r} is not a valid tag name; pass --tag like {prefix}1.2.4")


def _require_latest_line(repo: Repo, config: Config, change: Change) -> None:
    """A hotfix of an older line (from --from) must not be merged into main: its tag would
    name main's newer code."""
    from hotfix_guard.flow.common import latest_release

    latest, latest_tag = latest_release(repo, config.tag_prefix)
    if change.base_version is not None and change.base_version < latest:
        raise RepoError(
            f"{change.branch} starts from {change.base}, but {latest_tag} is newer: merging it into "
            f"{config.main_branch} would release {config.main_branch}'s code. Finish it on its maintenance "
            "branch instead (set main-branch for that line with --config)"
        )


def _require_nothing_in_the_way(repo: Repo, main: str, develop: str | None, branch: str, then: str) -> None:
    """Refuse when a checkout finish makes (main, develop, the branch, and each merge's result)
    would overwrite or remove an untracked or ignored file."""
    targets = {f"refs/heads/{name}": f"on {name}" for name in (main, develop, branch) if name is not None}
    for into in (main, develop):
        merged = _merge_result(repo, f"refs/heads/{into}", f"refs/heads/{branch}") if into is not None else None
        if merged is not None:
            targets.setdefault(merged, f"by the merge into {into}")
    tracked = {rev: f"tracked {where}" for rev, where in targets.items()}
    require_nothing_in_the_way(repo, tracked, "finish's checkouts", then)


def _merge_result(repo: Repo, into: str, branch: str) -> str | None:
    """The tree merging revision BRANCH into revision INTO makes, conflicts and all (a renamed
    directory can put a file where neither side has it); None where git cannot tell without a
    checkout."""
    result = repo.try_git("merge-tree", "--write-tree", "--no-messages", into, branch)
    tree = result.text().split("\n", 1)[0].strip() if result.returncode in (0, 1) else ""
    return tree or None


def _require_not_checked_out_elsewhere(repo: Repo, branches: list[str | None]) -> None:
    listing = repo.git("worktree", "list", "--porcelain", "-z").split("\0")
    here, elsewhere = "", []
    for field in listing:
        if field.startswith("worktree "):
            here = field[len("worktree ") :]
        elif field.startswith("branch refs/heads/") and os.path.realpath(here) != os.path.realpath(repo.top):
            elsewhere.append(field[len("branch refs/heads/") :])
    busy = [branch for branch in branches if branch is not None and branch in elsewhere]
    if busy:
        raise RepoError(f"{', '.join(busy)} is checked out in another worktree; switch it away there first")


def _verify(validation: Validation, options: RunOptions, verify: bool) -> None:
    if not verify:
        say("validate skipped (--no-verify)")
        return
    report = validation.run(options)
    change = report.change
    if report.exit_code(options.strict):
        from hotfix_guard.render import render_findings, write

        write(render_findings(report.findings), sys.stderr)
        raise RepoError(
            f"{change.branch} does not pass validate (above); nothing was changed. Fix it, or pass --no-verify"
        )


def _approval_override(
    repo: Repo, validation: Validation, options: RunOptions, branch: str, head: str
) -> Override | None:
    """With HOTFIX_GUARD_OVERRIDE set to a reason, the override of missing approvals (the only
    check it passes here): the findings it overrides, to be recorded on the head as the push
    guard records its overrides. The validation then sees it, as every later run will."""
    import os

    from hotfix_guard.model import ERROR
    from hotfix_guard.overrides import OVERRIDE_VARIABLE, Override, committer

    reason = " ".join(os.environ.get(OVERRIDE_VARIABLE, "").split())
    facts = validation.change.approvals
    if not reason or facts is None:
        return None
    report = validation.run(options, only=["approvals"])
    blocked = tuple(f"[{f.check}] {f.message}" for f in report.findings if f.severity == ERROR)
    if not blocked:
        return None
    who, when = committer(repo.top)
    override = Override(head, f"refs/heads/{branch}", reason, who, when, "", blocked)
    validation.change = validation.change.replace(
        approvals=type(facts)(
            head=facts.head,
            severity=facts.severity,
            security=facts.security,
            authors=facts.authors,
            approvals=facts.approvals,
            overrides=(*facts.overrides, f"{who}: {reason}"),
        )
    )
    return override


def _record_approval_override(repo: Repo, override: Override, dry_run: bool) -> None:
    from hotfix_guard.overrides import NOTES_REF, record_override

    if dry_run:
        say(
            f"would record the override of missing approvals on {override.commit[:10]} ({NOTES_REF}): {override.reason}"
        )
        return
    record_override(override, repo.top)
    say(
        f"override of missing approvals recorded on {override.commit[:10]} ({NOTES_REF}) by {override.who}: {override.reason}"
    )


def _peer_review_pending(change: Change, config: Config) -> bool:
    """A critical hotfix released before anyone but its authors approved it: review comes after."""
    from hotfix_guard.approvals import CRITICAL, peer_review_pending, severity_of

    facts = change.approvals
    return facts is not None and severity_of(facts, config)[0] == CRITICAL and peer_review_pending(facts)


def _release_tag(branch: str, change: Change, config: Config) -> str:
    version = _released(branch, change, config)
    if version is None:
        raise RepoError(f"cannot tell which version {branch} releases; pass --tag NAME")
    return version.tag(config.tag_prefix)


def _release_version(branch: str, change: Change, config: Config) -> str | None:
    """The version the hotfix releases, as start's bump wrote it in the version files."""
    version = _released(branch, change, config)
    return str(version) if version is not None else None


def _released(branch: str, change: Change, config: Config) -> Version | None:
    """The branch's version (hotfix/v1.2.4), else the next patch of its base release."""
    version = branch_version(branch, config)
    if version is None and change.base_version is not None:
        version = change.base_version.next_patch()
    return version


def _first_subject(change: Change) -> str:
    """The first fix's subject, passing over start's version bump."""
    own = [
        c for c in change.commits if not c.is_merge and not c.subject.startswith("fix(release): HOTFIX - set version")
    ]
    return own[-1].subject if own else "hotfix"


def _require_up_to_date(repo: Repo, refs: KnownRefs, branch: str, remote: str) -> None:
    tracking = f"refs/remotes/{remote}/{branch}"
    seen = refs.sha(tracking)
    if seen is None or seen == refs.sha(f"refs/heads/{branch}^{{commit}}"):
        return  # never fetched, or at the very commit the branch is at
    if not gitrepo.is_ancestor(tracking, f"refs/heads/{branch}", repo.top):
        raise RepoError(
            f"{branch} is behind {remote}/{branch}; update it first (git switch {branch} && git pull --ff-only)"
        )


def _tag_is_this_merge(repo: Repo, refs: KnownRefs, tag: str, head: str, main: str) -> bool:
    """True when TAG already marks this hotfix's merge into main (a re-run); an error when it
    marks anything else."""
    tagged = refs.sha(f"refs/tags/{tag}^{{commit}}")
    if tagged is None:
        return False
    parents = repo.git("rev-list", "--no-walk", "--parents", tagged).split()[1:]
    if len(parents) == 2 and parents[1] == head and gitrepo.is_ancestor(tagged, f"refs/heads/{main}", repo.top):
        return True
    raise RepoError(f"tag {tag} already exists on another commit ({tagged[:10]}); pass --tag NAME for a new version")


def show_plan(repo: Repo, plan: Plan) -> int:
    changes = GitChanges(repo, dry_run=True)
    for step in plan.steps:
        prediction = _predict(repo, plan, step)
        for command in _commands(plan, step, prediction):
            changes.run(*command)
        if step in ("merge-main", "merge-develop"):
            say(f"  {_foresee(plan, step, prediction)}")
    delete = _remote_delete(repo, plan) if "push" in plan.steps and not plan.journal["keep"] else None
    if delete is not None:
        changes.run(*delete)
    return EXIT_OK


def _predict(repo: Repo, plan: Plan, step: str) -> Prediction | None:
    """What the merge of STEP would do (None: no merge, or git cannot tell); only the merge back
    into develop resolves a conflict on the version by itself."""
    if step == "merge-main":
        return predict(repo, f"refs/heads/{plan.main}", plan.head, [], None)
    if step != "merge-develop" or plan.develop is None:
        return None
    versions = plan.journal.get("versions")
    files, release = (versions["files"], versions["release"]) if versions is not None else ([], None)
    return predict(repo, f"refs/heads/{plan.develop}", plan.head, files, release)


def _foresee(plan: Plan, step: str, prediction: Prediction | None) -> str:
    """What the dry run expects of STEP's merge, from git merge-tree."""
    merge = _describe(plan, step)
    if prediction is None:
        return f"{merge}: git merge-tree cannot tell whether it conflicts"
    if not prediction.conflicts:
        return f"{merge}: merges cleanly"
    if prediction.resolvable:
        return f"{merge}: a conflict on the version only, resolved by itself: {describe_kept(prediction.kept, plan.develop or '')}"
    why = f" ({prediction.reason})" if prediction.reason and step == "merge-develop" else ""
    return (
        f"{merge}: would stop on a conflict in {', '.join(prediction.conflicts)}{why}; resolve it, then "
        "hotfix-guard finish --continue (or finish --abort)"
    )


def _commands(plan: Plan, step: str, prediction: Prediction | None = None) -> list[list[str]]:
    """The git commands of STEP; with a PREDICTION of a back-merge whose version conflict is
    resolved by itself, its merge keeps develop's side of the conflicting hunks (-X ours)."""
    branch, main, develop, tag = plan.branch, plan.main, plan.develop, plan.tag
    # The commit the checks passed, not the branch's name: a commit made on the branch since
    # (another terminal) was never checked, and a merge by name would take it in.
    checked = plan.head
    if step == "merge-main":
        return [["switch", "-q", main], ["merge", "--no-ff", "--no-edit", "-m", plan.message, checked]]
    if step == "tag":
        assert tag is not None
        flag = tag_flag(bool(plan.journal.get("sign")))
        return [["tag", flag, "-m", f"Release {tag} ({branch})", "--end-of-options", tag, f"refs/heads/{main}"]]
    if step == "merge-develop":
        assert develop is not None
        message = ["-m", f"Merge {branch} into {develop}"]
        if prediction is not None and prediction.resolvable:
            message = [*message, "-m", describe_kept(prediction.kept, develop) + ".", "-X", "ours"]
        return [
            ["switch", "-q", develop],
            ["merge", "--no-ff", "--no-edit", *message, checked],
            ["switch", "-q", main],
        ]
    if step == "delete":
        # A branch with an upstream is only "merged" for -d once pushed; it is merged into
        # main, which is what matters here, so drop the upstream and delete it safely.
        return [["branch", "--unset-upstream", branch], ["branch", "-d", branch]]
    refs = [
        f"refs/heads/{main}",
        *([f"refs/heads/{develop}"] if develop else []),
        *([f"refs/tags/{tag}"] if tag else []),
    ]
    return [["push", "--atomic", plan.remote, *(f"{ref}:{ref}" for ref in refs)]]


def execute(repo: Repo, plan: Plan) -> int:
    refs = [f"refs/heads/{plan.main}", f"refs/heads/{plan.branch}"]
    refs += [f"refs/heads/{plan.develop}"] if plan.develop else []
    refs += [f"refs/tags/{plan.tag}"] if plan.tag else []
    plan.journal["before"] = Snapshot.take(repo, refs).to_json()
    plan.journal["upstream"] = _upstream(repo, plan.branch)
    plan.journal["started"] = time.time()
    plan.journal["format"] = JOURNAL_FORMAT
    try:
        _save(repo, plan)
    except OSError as error:
        raise RepoError(
            f"cannot write the finish journal {repo.state_path(JOURNAL)} ({error.strerror or error}); "
            "nothing was changed. Fix that and run finish again"
        ) from None
    return _carry_on(repo, plan)


# What makes finish put everything back: a git error, a refusal, a file it cannot write, Ctrl-C.
UNDO_ON = (GitError, RepoError, OSError, KeyboardInterrupt)


def _carry_on(repo: Repo, plan: Plan) -> int:
    step = ""
    try:
        for step in plan.steps:
            if step in plan.done or step == "push":
                continue
            try:
                _run_step(repo, plan, step)
            except Conflict:
                _hand_over(repo, plan, step)
                say_error(
                    f"{_describe(plan, step)}: merge conflict. Resolve the conflicts, stage the files (git add), then "
                    "run hotfix-guard finish --continue; or hotfix-guard finish --abort to put everything back"
                )
                return EXIT_FAILED
            plan.done.append(step)
            _record_expected(repo, plan)
            _save(repo, plan)
            say(f"done: {_describe(plan, step)}")
            if step == "merge-develop" and plan.journal.get("versions_kept"):
                say(f"  {describe_kept(plan.journal['versions_kept'], plan.develop or '')}")
        _record_finished(repo, plan)
    except UNDO_ON as error:
        return _undo(repo, plan, step, error)
    try:
        _drop_journal(repo)
    except OSError as error:
        say_error(
            f"{plan.branch} is finished, but the journal {repo.state_path(JOURNAL)} could not be removed "
            f"({error.strerror or error}); remove it by hand"
        )
        return EXIT_FAILED
    say(f"finished {plan.branch}: on {plan.main}" + (f", tagged {plan.tag}" if plan.tag else ""))
    return _push(repo, plan) if "push" in plan.steps else EXIT_OK


def _hand_over(repo: Repo, plan: Plan, step: str) -> None:
    """Record that the index and the work tree are the user's now, and what they held when handed
    over: --abort keeps whatever the user changes from then on, and only that."""
    plan.journal["handed_over"] = {"step": step, "trees": work_trees(repo, _before(plan).target(repo))}
    _save(repo, plan)


def _run_step(repo: Repo, plan: Plan, step: str) -> None:
    prediction = _resolution(repo, plan, step)
    for command in _commands(plan, step, prediction):
        if command[:2] == ["branch", "--unset-upstream"]:
            repo.try_git(*command)  # fails, harmlessly, when there is no upstream
            continue
        if command[0] != "merge":
            repo.git(*command)
            if step == "tag" and plan.journal.get("sign") and plan.tag is not None:
                from hotfix_guard.signing import require_signed

                require_signed(f"refs/tags/{plan.tag}", repo.top)  # git 2.39 can exit 0 with an unsigned tag
            continue
        result = gitrepo.run_git(command, repo.top)
        if result.returncode != 0:
            if os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD")) and _unmerged(repo):
                raise Conflict()
            lines = [line.strip() for line in gitrepo.decode(result.stderr).splitlines() if line.strip()]
            raise GitError(f"git merge failed: {' | '.join(lines[:3])}")
        if prediction is not None:
            _require_predicted_tree(repo, plan, prediction)


def _resolution(repo: Repo, plan: Plan, step: str) -> Prediction | None:
    """For the merge back: the prediction of a conflict on the version only, which the merge
    resolves by itself, recorded in the journal before it runs; None for any other merge."""
    if step != "merge-develop" or "versions" not in plan.journal:
        return None
    prediction = _predict(repo, plan, step)
    if prediction is None or not prediction.resolvable:
        return None
    plan.journal["versions_kept"] = prediction.kept
    _save(repo, plan)
    return prediction


def _require_predicted_tree(repo: Repo, plan: Plan, prediction: Prediction) -> None:
    """The merge that kept develop's versions made exactly the predicted tree, or finish undoes it."""
    merged = repo.sha("HEAD^{tree}")
    if merged != resolved_tree(repo, prediction):
        raise RepoError(
            f"the merge back into {plan.develop} resolved its version conflict otherwise than predicted "
            f"(tree {(merged or '?')[:10]}); merge it by hand: hotfix-guard finish --no-develop, then git merge"
        )


def _unmerged(repo: Repo) -> list[str]:
    return [name for name in repo.git("diff", "--name-only", "-z", "--diff-filter=U").split("\0") if name]


def _describe(plan: Plan, step: str) -> str:
    branch = plan.branch
    return {
        "merge-main": f"merge {branch} into {plan.main}",
        "tag": f"tag {plan.tag}",
        "merge-develop": f"merge {branch} back into {plan.develop}",
        "delete": f"delete {branch}",
        "push": "push",
    }[step]


def _record_expected(repo: Repo, plan: Plan) -> None:
    plan.journal["expected"] = repo.shas(list(_before(plan).refs))


def _save(repo: Repo, plan: Plan) -> None:
    write_json(repo.state_path(JOURNAL), plan.journal)


def _drop_journal(repo: Repo) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(repo.state_path(JOURNAL))


def _put_back(repo: Repo, plan: Plan) -> None:
    """Restore the snapshot taken before finish started, recording in the journal how far the
    undo got, so that --abort can always finish it; RepoError says what is not back."""
    restored = plan.journal.setdefault("undoing", {"restored": []})["restored"]

    def record(ref: str) -> None:
        if ref not in restored:
            restored.append(ref)
            _save_if_possible(repo, plan)

    _save_if_possible(repo, plan)
    _before(plan).restore(repo, record)
    _restore_upstream(repo, plan)
    try:
        _drop_journal(repo)
    except OSError as error:
        raise RepoError(
            f"everything is back, but the journal {repo.state_path(JOURNAL)} could not be removed "
            f"({error.strerror or error}); remove it by hand"
        ) from None


def _save_if_possible(repo: Repo, plan: Plan) -> None:
    """The undo goes on when the journal cannot be written: every ref it has not reached is
    still where the journal last said, and the ones it put back are where they started."""
    with contextlib.suppress(OSError):
        _save(repo, plan)


def _undo(repo: Repo, plan: Plan, step: str, error: BaseException) -> int:
    if isinstance(error, KeyboardInterrupt):
        what = "was interrupted"
    elif isinstance(error, OSError):
        what = f"failed: {error.strerror or error}" + (f": {error.filename}" if error.filename else "")
    else:
        what = f"failed: {error}"
    resolved = plan.journal.get("resolved", [])
    kept = f" Your merge resolution is kept in commit {resolved[-1]} (git show it)." if resolved else ""
    try:
        with holding_signals():
            _put_back(repo, plan)
    except RepoError as restore_error:
        say_error(
            f"{_describe(plan, step)} {what}. Then {restore_error}; or, once the cause is fixed, run "
            f"hotfix-guard finish --abort to finish putting things back (the journal {repo.state_path(JOURNAL)} "
            f"records how far the undo got).{kept}"
        )
        return EXIT_FAILED
    say_error(
        f"{_describe(plan, step)} {what}. Every ref, the index and the work tree are back as before finish "
        "started. Fix the cause and run finish again (or --no-verify, --tag NAME, --no-develop as fits)." + kept
    )
    return EXIT_INTERRUPTED if isinstance(error, KeyboardInterrupt) else EXIT_FAILED


def _before(plan: Plan) -> Snapshot:
    return Snapshot.from_json(plan.journal["before"])


def _record_finished(repo: Repo, plan: Plan) -> None:
    record: FinishedRecord = {
        "branch": plan.branch,
        "head": plan.head,
        "main": plan.main,
        "develop": plan.develop,
        "tag": plan.tag,
        "verified": plan.journal["verified"],
        "remote": plan.remote,
        "merge": _left(repo, plan, f"refs/heads/{plan.main}"),
    }
    if plan.journal.get("versions_kept"):
        record["versions_kept"] = plan.journal["versions_kept"]
    if plan.journal.get("peer_review"):
        record["peer_review"] = plan.journal["peer_review"]
    events = _resolution_events(repo, plan)
    if events:
        record["events"] = events
    write_json(repo.state_path("finished", record_name(plan.branch)), record)


def _left(repo: Repo, plan: Plan, ref: str) -> str | None:
    """Where the finish left REF, once its last step is done: as the journal recorded it when
    that step ended (nothing has moved since), else as git says."""
    expected = plan.journal.get("expected") or {}
    return expected[ref] if ref in expected else repo.sha(ref)


def _note_event(repo: Repo, branch: str, event: str, detail: str) -> None:
    """Add an event to BRANCH's history (what an earlier run met, e.g. an --abort), which the
    finished record carries into the review's timeline. An audit log, not a journal: nothing
    reads it to decide what to do."""
    from datetime import datetime, timezone

    path = repo.state_path(HISTORY, record_name(branch))
    known = read_json(path)
    earlier = known.get("events") if isinstance(known, dict) else None
    events = [item for item in earlier if isinstance(item, dict)] if isinstance(earlier, list) else []
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    write_json(path, {"events": [*events, {"at": now, "event": event, "detail": detail}]})


def _how_far(plan: Plan) -> str:
    done = plan.done
    return f"it had done: {', '.join(done)}" if done else "before any step took effect"


def _history_events(repo: Repo, branch: str) -> list[FinishEvent]:
    known = read_json(repo.state_path(HISTORY, record_name(branch)))
    listed = known.get("events") if isinstance(known, dict) else None
    return [
        {"at": item["at"], "event": item["event"], "detail": item["detail"]}
        for item in (listed if isinstance(listed, list) else [])
        if isinstance(item, dict) and all(isinstance(item.get(key), str) for key in ("at", "event", "detail"))
    ]


def _resolution_events(repo: Repo, plan: Plan) -> list[FinishEvent]:
    """What earlier runs of this finish met (--abort), and the conflicts this one stopped on,
    each resolved by hand in a merge commit and carried on."""
    events: list[FinishEvent] = _history_events(repo, plan.branch)
    for commit in filter(None, plan.journal.get("resolved", [])):
        when = repo.try_git("log", "-1", "--format=%cI", commit).text().strip()
        into = plan.main if _left(repo, plan, f"refs/heads/{plan.main}") == commit else plan.develop
        events.append(
            {
                "at": when,
                "event": "conflict",
                "detail": f"the merge into {into} stopped on a conflict; resolved by hand in {commit[:10]}, "
                "then finish --continue",
            }
        )
    kept = plan.journal.get("versions_kept")
    merged = _left(repo, plan, f"refs/heads/{plan.develop}") if kept and plan.develop else None
    if kept and merged is not None:
        events.append(
            {
                "at": repo.try_git("log", "-1", "--format=%cI", merged).text().strip(),
                "event": "version-conflict",
                "detail": f"the merge back met a version-only conflict, resolved by itself: {describe_kept(kept, plan.develop or '')}",
            }
        )
    return events


def _push(repo: Repo, plan: Plan) -> int:
    """Push the release; an interruption is no undo: the release is complete here, and a re-run
    pushes whatever the remote lacks."""
    try:
        return _push_release(repo, plan)
    except KeyboardInterrupt:
        say_error(
            f"the push to {plan.remote} was interrupted; the release is complete here, and "
            f"{plan.remote} may or may not have it. Run hotfix-guard finish {plan.branch} --push "
            "again: it pushes what is missing"
        )
        return EXIT_FAILED


def _push_release(repo: Repo, plan: Plan) -> int:
    command = _commands(plan, "push")[0]
    result = gitrepo.run_git(command, repo.top)
    if result.returncode != 0:
        say_error(
            f"the push was rejected ({result.push_refusal()}); nothing was pushed (--atomic), the local result is "
            f"complete. {_push_advice(repo, plan, result)}"
        )
        return EXIT_FAILED
    say(f"pushed {' '.join(ref.partition(':')[0] for ref in command[3:])} to {plan.remote}")
    if plan.journal["keep"]:
        return EXIT_OK
    delete = _remote_delete(repo, plan)
    if delete is None:
        return EXIT_OK
    deleted = gitrepo.run_git(delete, repo.top)
    if deleted.returncode != 0:
        if _remote_branch_gone(repo, plan):
            return EXIT_OK
        say_error(f"could not delete the remote branch ({deleted.error_line()}); the release itself is pushed")
        return EXIT_FAILED
    return EXIT_OK


def _push_advice(repo: Repo, plan: Plan, result: gitrepo.GitResult) -> str:
    """What to do after a rejected push, for the cause the remote now shows (asked again: an atomic
    push names only the first ref it refused), else for the cause git gave."""
    there = _ask_remote(repo, plan)
    problems = _push_problems(repo, plan, there) if isinstance(there, dict) else []
    if problems:
        return "; ".join(problems)
    return push_advice(result, plan.remote, f"hotfix-guard finish {plan.branch} --push")


def _remote_branch_gone(repo: Repo, plan: Plan) -> bool:
    """True when the remote has no hotfix branch any more (an earlier run deleted it and was cut
    off before it dropped its tracking ref, which is dropped now)."""
    remote, branch = plan.remote, plan.branch
    listed = repo.try_git("ls-remote", "--end-of-options", remote, f"refs/heads/{branch}")
    if listed.returncode != 0 or listed.text().strip():
        return False
    repo.try_git("update-ref", "-d", f"refs/remotes/{remote}/{branch}")
    say(f"{remote} has no {branch} any more: it was deleted by the run that was cut off")
    return True


def _remote_delete(repo: Repo, plan: Plan) -> list[str] | None:
    """Delete the remote hotfix branch, but only while it still holds what we last fetched,
    all of it merged (a lease, not a force: a colleague's later push is never deleted)."""
    remote, branch = plan.remote, plan.branch
    seen = repo.sha(f"refs/remotes/{remote}/{branch}")
    if seen is None:
        return None
    if seen != plan.head and not gitrepo.is_ancestor(seen, plan.head, repo.top):  # a commit contains itself
        say_error(f"{remote}/{branch} has commits that are not in the release; it was not deleted")
        return None
    return ["push", f"--force-with-lease=refs/heads/{branch}:{seen}", remote, f":refs/heads/{branch}"]


def _step_ref(plan: Plan, step: str) -> str | None:
    """The ref STEP moves: while a step is under way (or was cut off), only it may differ from
    the journal's record of where the finished steps left things."""
    name = {"merge-main": plan.main, "tag": plan.tag, "merge-develop": plan.develop, "delete": plan.branch}.get(step)
    if name is None:
        return None
    return f"refs/tags/{name}" if step == "tag" else f"refs/heads/{name}"


def _load(repo: Repo, resuming: bool, began: float) -> Plan:
    path = repo.state_path(JOURNAL)
    data = read_json(path)
    if data is None:
        raise RepoError("no finish is in progress")
    journal = _journal_from(data)
    if journal is None:
        raise RepoError(f"the finish journal {path} is damaged; put things right by hand, then remove it")
    plan = Plan(journal)
    started = journal.get("started")
    if started is not None and _cut_off(repo, plan):
        clear_stale_git_locks(repo, list(_before(plan).refs), started, began)
    if resuming and "undoing" in journal:
        raise RepoError("this finish was partly undone; run hotfix-guard finish --abort to finish putting things back")
    stale = _stale(repo, plan, resuming)
    if stale:
        raise RepoError(
            f"the finish journal no longer matches the repository ({'; '.join(stale)}); nothing was changed. "
            f"To put everything back by hand: {' && '.join(_before(plan).manual_commands())}; then remove {path}"
        )
    return plan


def _stale(repo: Repo, plan: Plan, resuming: bool) -> list[str]:
    """What in the repository the journal cannot account for.

    Each ref is where the last finished step left it; the one the step under way moves may be
    anywhere. For --abort a ref may also be back where it was before finish (an undo that
    could not record its progress got that far), and one the undo recorded as put back must be.
    """
    before = _before(plan).refs
    expected = plan.journal.get("expected") or before
    if resuming and (_cut_off(repo, plan) or _merge_committed_by_hand(repo, plan) is not None):
        resuming = False  # killed between steps or inside one: the step under way may have moved its ref
    if not resuming:
        step = next((step for step in plan.steps if step not in plan.done), "")
        expected = {ref: sha for ref, sha in expected.items() if ref != _step_ref(plan, step)}
    restored = plan.journal["undoing"]["restored"] if "undoing" in plan.journal else []
    problems = []
    now = repo.shas(list(expected))
    for ref, sha in expected.items():
        allowed = {before.get(ref)} if ref in restored else {sha} if resuming else {sha, before.get(ref)}
        current = now[ref]
        if current not in allowed:
            problems.append(f"{ref} is at {(current or 'nothing')[:10]}, expected {(sha or 'nothing')[:10]}")
    if resuming and not os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD")):
        problems.append("no merge is in progress (was it aborted with git merge --abort?); run finish --abort")
    return problems


def resume(repo: Repo, began: float) -> int:
    plan = _load(repo, resuming=True, began=began)
    if _cut_off(repo, plan):
        return _recover(repo, plan)
    committed = _merge_committed_by_hand(repo, plan)
    if committed is not None:
        return _accept_hand_commit(repo, plan, committed)
    unmerged = _unmerged(repo)
    if unmerged:
        raise RepoError(
            f"still unmerged: {', '.join(unmerged[:5])}; resolve and git add them, then run finish --continue"
        )
    unstaged = [name for name in repo.git("diff", "--name-only", "-z").split("\0") if name]
    if unstaged:
        # finish's remaining checkouts (and an undo, should one fail) would carry or reset them.
        raise RepoError(
            f"unstaged changes in {', '.join(unstaged[:5])}: stage them (git add) to put them in the merge, or "
            "take them out (keep a copy, then git restore them), then run finish --continue"
        )
    _require_nothing_in_the_way(repo, plan.main, plan.develop, plan.branch, "run finish --continue")
    step = next(step for step in plan.steps if step not in plan.done)
    commit = repo.try_git("-c", "core.editor=true", "commit", "--no-edit", "--cleanup=strip", "-q")
    if commit.returncode != 0:
        # Keep the user's resolution and the journal: this is theirs to fix, not ours to undo.
        raise RepoError(
            f"the merge could not be committed ({commit.error_line()}); your resolution is kept. "
            "Fix that, then run finish --continue again (or finish --abort)"
        )
    say(f"done: {_describe(plan, step)}")
    return _merge_concluded(repo, plan, step)


def _merge_concluded(repo: Repo, plan: Plan, step: str) -> int:
    """The stopped merge is committed (HEAD): the tree is finish's again, the resolution is in that
    commit; carry on with the rest."""
    plan.done.append(step)
    plan.journal.pop("handed_over", None)
    plan.journal.setdefault("resolved", []).append(repo.sha("HEAD"))
    try:
        if step == "merge-develop":
            repo.git("switch", "-q", plan.main)
        _record_expected(repo, plan)
        _save(repo, plan)
    except UNDO_ON as error:
        return _undo(repo, plan, step, error)
    return _carry_on(repo, plan)


def abort(repo: Repo, began: float) -> int:
    if read_json(repo.state_path(JOURNAL)) is None:
        _explain_nothing_to_abort(repo)
    plan = _load(repo, resuming=False, began=began)
    try:
        if _cut_off(repo, plan) and "undoing" not in plan.journal:
            _keep_changes_of_a_cut_off_run(repo, plan, _under_way(plan), _before(plan).target(repo), "finish --abort")
        _keep_users_work(repo, plan)
    except OSError as error:
        raise RepoError(
            f"cannot save your work ({error.strerror or error}: {error.filename}); nothing was put back yet. "
            "Fix that and run finish --abort again"
        ) from None
    _keep_users_commits(repo, plan)
    try:
        with holding_signals():
            _put_back(repo, plan)
    except RepoError as error:
        raise RepoError(
            f"{error}; or fix the cause and run hotfix-guard finish --abort again (the journal records how far it got)"
        ) from None
    say(f"finish of {plan.branch} aborted: every ref and the checkout are back as before it started")
    _note_event(repo, plan.branch, "abort", f"finish --abort put every ref back ({_how_far(plan)})")
    for commit in filter(None, plan.journal.get("resolved", [])):
        say(
            f"your merge resolution is kept in commit {commit[:10]}; to keep it on a branch: "
            f"git branch hotfix-guard-resolved-{commit[:10]} {commit}"
        )
    return EXIT_OK


def _keep_users_work(repo: Repo, plan: Plan) -> None:
    """Before anything is reset: when a stopped merge was handed to the user and they changed
    anything since (staged, unstaged, new files), keep all of it as one stash entry."""
    # An older hotfix-guard's journal does not say: a stopped merge may hold the user's work.
    older = "format" not in plan.journal and os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD"))
    handed = None if older else plan.journal.get("handed_over")
    if handed is None and not older:
        return  # nothing was handed over: whatever is in the tree is finish's own doing
    trees = work_trees(repo, _before(plan).target(repo))
    head_tree = repo.sha("HEAD^{tree}")
    clean = (trees["index"], trees["worktree"], trees["untracked"]) == (head_tree, head_tree, None)
    if not clean and (handed is None or trees != handed["trees"]):
        doing = _describe(plan, handed["step"]) if handed is not None else f"finish {plan.branch}"
        plan.journal["saved"] = save_and_say(
            repo, trees, f"hotfix-guard finish --abort: your work on the stopped {doing}"
        )
    plan.journal.pop("handed_over", None)
    _save(repo, plan)


def _keep_users_commits(repo: Repo, plan: Plan) -> None:
    """Say how to get back a commit the user made on a ref finish is about to put back (a
    merge committed by hand while it was stopped): the reset leaves it only in the reflog."""
    expected = plan.journal.get("expected") or {}
    before = _before(plan).refs
    now = repo.shas(list(before))
    for ref, sha in before.items():
        current = now[ref]
        if current is not None and current not in (sha, expected.get(ref)):
            say(
                f"{ref} is at {current[:10]}, which finish did not make; it is put back all the same, "
                f"and to keep that commit: git branch hotfix-guard-saved-{current[:10]} {current}"
            )


def _upstream(repo: Repo, branch: str) -> Upstream | None:
    """The branch's upstream (branch.<name>.remote and .merge), which the delete step unsets:
    both in one `git config --get-regexp`, the last value of each as `git config --get` says."""
    import re

    key = re.sub(r"([.\[\\()*+?{|^$])", r"\\\1", branch)  # POSIX's special characters, each as itself
    listed = repo.try_git("config", "-z", "--get-regexp", f"^branch\\.{key}\\.(remote|merge)$").text()
    values = {}
    for entry in filter(None, listed.split("\0")):
        name, _, value = entry.partition("\n")
        values[name.rpartition(".")[2]] = value.strip()
    remote, merge = values.get("remote", ""), values.get("merge", "")
    return {"remote": remote, "merge": merge} if remote and merge else None


def _restore_upstream(repo: Repo, plan: Plan) -> None:
    upstream, branch = plan.journal.get("upstream"), plan.branch
    if upstream is None or repo.sha(f"refs/heads/{branch}") is None:
        return
    if _upstream(repo, branch) is None:
        repo.try_git("config", f"branch.{branch}.remote", upstream["remote"])
        repo.try_git("config", f"branch.{branch}.merge", upstream["merge"])


def _cut_off(repo: Repo, plan: Plan) -> bool:
    """A run that stopped without handing a conflict to the user: killed, or a power cut.

    A merge killed just after it moved its branch leaves MERGE_HEAD behind; only a journal
    older than the hand-over record cannot tell that from a conflict given to the user.
    """
    if "handed_over" in plan.journal:
        return False
    return "format" in plan.journal or not os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD"))


def _under_way(plan: Plan) -> str | None:
    return next((step for step in plan.steps if step not in plan.done and step != "push"), None)


def _keep_changes_of_a_cut_off_run(repo: Repo, plan: Plan, step: str | None, target: str, doing: str) -> None:
    """Save, before a reset, index and work-tree changes that are not the cut-off run's own.

    A run killed inside a step leaves HEAD's tree, or, killed inside a merge, the merge's result
    in the index and the work tree: that is nobody's work. Anything else was changed after the
    kill, by the user, and is kept as a stash entry (saying how to bring it back).
    """
    trees = work_trees(repo, target)
    own = {repo.sha("HEAD^{tree}")}
    into = {"merge-main": plan.main, "merge-develop": plan.develop}.get(step or "")
    if into is not None:
        own.add(_merge_result(repo, f"refs/heads/{into}", plan.head))
    if step == "merge-develop" and plan.journal.get("versions_kept"):
        prediction = _predict(repo, plan, step)  # the merge that keeps develop's version, killed inside
        if prediction is not None and prediction.resolvable:
            own.add(resolved_tree(repo, prediction))
    if trees["untracked"] is None and trees["index"] in own and trees["worktree"] in own:
        return
    save_and_say(repo, trees, f"hotfix-guard {doing}: your uncommitted changes")


def _step_took_effect(repo: Repo, plan: Plan, step: str) -> bool:
    """Whether the step a killed run was inside got as far as moving its ref; RepoError when
    the ref is somewhere the step cannot have put it."""
    expected = plan.journal.get("expected") or _before(plan).refs
    if step in ("merge-main", "merge-develop"):
        ref = f"refs/heads/{plan.main if step == 'merge-main' else plan.develop}"
        current, was = repo.sha(ref), expected.get(ref)
        if current == was:
            return False
        parents = repo.git("rev-list", "--no-walk", "--parents", current or "").split()[1:] if current else []
        if parents == [was, plan.head]:
            return True
        raise RepoError(
            f"{ref} is at {(current or 'nothing')[:10]}, which the cut-off {_describe(plan, step)} did not make; "
            "nothing was changed. Run hotfix-guard finish --abort to put everything back"
        )
    if step == "tag":
        tagged = repo.sha(f"refs/tags/{plan.tag}^{{commit}}")
        if tagged is None:
            return False
        if tagged == repo.sha(f"refs/heads/{plan.main}"):
            return True
        raise RepoError(f"tag {plan.tag} is on {tagged[:10]}, not on the merge; run finish --abort")
    return step == "delete" and repo.sha(f"refs/heads/{plan.branch}") is None


def _recover(repo: Repo, plan: Plan) -> int:
    """--continue after a run that was cut off: finish the step it was inside (or see that it
    got that far), then carry on with the rest, the push included."""
    step = _under_way(plan)
    where = f"inside: {_describe(plan, step)}" if step else "after its last step"
    say(f"found a finish of {plan.branch} that was cut off {where}; completing it")
    try:
        _keep_changes_of_a_cut_off_run(repo, plan, step, "HEAD", "finish --continue")
        if os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD")):
            repo.git("merge", "--quit")  # the killed merge's state; its result, if any, is on its branch
        repo.git("reset", "-q", "--hard")  # the cut-off step's half-done checkout or merge
        if step is not None and _step_took_effect(repo, plan, step):
            plan.done.append(step)
            say(f"done: {_describe(plan, step)}")
        main = plan.main
        if "merge-main" in plan.done and repo.current_branch() != main:
            repo.git("switch", "-q", main)
        _record_expected(repo, plan)
        _save(repo, plan)
    except UNDO_ON as error:
        return _undo(repo, plan, step or "push", error)
    return _carry_on(repo, plan)


def _explain_nothing_to_abort(repo: Repo) -> None:
    """No journal: say what became of the newest finish (tagged, pushed or not), never just 'no'."""
    import glob

    paths = glob.glob(os.path.join(glob.escape(repo.state_path("finished")), "*.json"))
    newest = max(paths, key=os.path.getmtime, default=None)
    record = _finished_from(read_json(newest)) if newest is not None else None
    if record is None:
        raise RepoError("no finish is in progress; there is nothing to abort")
    branch, main, tag, merge = record["branch"], record["main"], record["tag"], record["merge"]
    remote = record.get("remote", "origin")
    refs = [f"refs/heads/{main}", *([f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}"] if tag else [])]
    listed = repo.try_git("ls-remote", "--end-of-options", remote, *refs)
    has = {line.split("\t")[1]: line.split("\t")[0] for line in gitrepo.lines_of(listed.text()) if "\t" in line}
    if listed.returncode != 0:
        where = f"{remote} could not be asked ({listed.error_line()})"
    elif merge in has.values():
        where = f"{remote} has it already"
    else:
        where = f"{remote} does not have it yet: hotfix-guard finish {branch} --push pushes it"
    raise RepoError(
        f"no finish is in progress: {branch} was finished (merged into {main}"
        + (f", tagged {tag}" if tag else "")
        + f"), and {where}. A finished release is not undone by --abort: use hotfix-guard rollback"
    )


def _journal_from(data: dict[str, object]) -> FinishJournal | None:
    """DATA, read from finish.json, as a journal; None when it lacks what every reader of it takes
    for granted or holds anything of another type (a hand-edited or truncated journal is reported
    as damaged, never as a bug). Its keys keep their order: it is written back as it was read."""
    handed, undoing, resolved = (
        data.get("handed_over", {}),
        data.get("undoing", {"restored": []}),
        data.get("resolved", []),
    )
    well_formed = (
        snapshot_record(data.get("before")) is not None
        and _texts(data.get("steps"))
        and _texts(data.get("done", []))
        and all(isinstance(data.get(key), str) for key in ("branch", "head", "main", "remote", "message"))
        and all(key in data and isinstance(data[key], (str, type(None))) for key in ("develop", "tag"))
        and all(isinstance(data.get(key), bool) for key in ("verified", "keep"))
        and isinstance(data.get("started", 0), (int, float))
        and isinstance(data.get("format", JOURNAL_FORMAT), int)
        and _refs(data.get("expected", {}))
        and (data.get("upstream") is None or _texts(data.get("upstream"), ("remote", "merge")))
        and isinstance(handed, dict)
        and ("handed_over" not in data or isinstance(handed.get("step"), str))
        and ("handed_over" not in data or work_trees_record(handed.get("trees")) is not None)
        and isinstance(resolved, list)
        and all(isinstance(commit, (str, type(None))) for commit in resolved)
        and isinstance(undoing, dict)
        and _texts(undoing.get("restored"))
        and isinstance(data.get("saved", ""), str)
        and isinstance(data.get("sign", False), bool)
        and isinstance(data.get("peer_review", ""), str)
        and _versions(data)
    )
    return cast("FinishJournal", data) if well_formed else None


def _versions(data: dict[str, object]) -> bool:
    """Whether the journal's version plan and the versions the back-merge kept (if any) are well formed."""
    versions, kept = data.get("versions", {"files": [], "release": ""}), data.get("versions_kept", [])
    return (
        isinstance(versions, dict)
        and _texts(versions.get("files"))
        and isinstance(versions.get("release"), str)
        and isinstance(kept, list)
        and all(_texts(item, ("path", "kept", "hotfix")) for item in kept)
    )


def _texts(value: object, keys: tuple[str, ...] | None = None) -> bool:
    """Whether VALUE is a list of strings, or, given KEYS, an object with a string at each."""
    if keys is not None:
        return isinstance(value, dict) and all(isinstance(value.get(key), str) for key in keys)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _refs(value: object) -> bool:
    """Whether VALUE maps refs to commits (or to None: no such ref)."""
    return isinstance(value, dict) and all(
        isinstance(ref, str) and isinstance(sha, (str, type(None))) for ref, sha in value.items()
    )


def _finished_from(data: dict[str, object] | None) -> FinishedRecord | None:
    """DATA, read from a finished record, as one; None when it is none (or none of ours)."""
    if data is None:
        return None
    well_formed = (
        all(isinstance(data.get(key), str) for key in ("branch", "head", "main"))
        and all(isinstance(data.get(key), (str, type(None))) for key in ("develop", "tag", "merge"))
        and isinstance(data.get("verified"), bool)
        and isinstance(data.get("remote", ""), str)
    )
    return cast("FinishedRecord", data) if well_formed else None


def _merge_committed_by_hand(repo: Repo, plan: Plan) -> str | None:
    """The step of the stopped merge when the user concluded it with git commit, as git suggests:
    no merge is in progress, and the branch of the merge under way ends with that merge."""
    step = _under_way(plan)
    if "handed_over" not in plan.journal or step not in ("merge-main", "merge-develop"):
        return None
    if os.path.exists(os.path.join(repo.git_dir, "MERGE_HEAD")):
        return None
    try:
        return step if _step_took_effect(repo, plan, step) else None
    except RepoError:
        return None


def _accept_hand_commit(repo: Repo, plan: Plan, step: str) -> int:
    if repo.git("status", "--porcelain", "-z", "--untracked-files=no"):
        raise RepoError(
            "you committed the merge; the tree still has uncommitted changes, which finish's next checkouts "
            "would carry or reset: commit or stash them, then run finish --continue"
        )
    say(f"done: {_describe(plan, step)} (you committed the merge: {(repo.sha('HEAD') or '')[:10]})")
    return _merge_concluded(repo, plan, step)
