"""`hotfix-guard rollback`: undo a bad release without rewriting history.

One new commit on main whose tree is exactly an earlier release's (`v1.2.4` bad → a commit
with `v1.2.3`'s tree), tagged as the next patch (`v1.2.5`). Everything is checked before
the first change; after it, any failure puts main, the tag and HEAD back as they were.

A journal in the git directory, written before the first change and removed when the push
(if asked for) has ended, lets a rollback cut off by kill -9 or a power cut be completed
(`--continue`) or undone (`--abort`). A rollback that is complete but whose push was
rejected or interrupted is pushed by running `rollback --push` again. Once the push has
begun, `--abort` asks the remote first: a rollback the remote has is released, and is
never undone here (nothing is ever force-pushed).
"""

from __future__ import annotations

import os
import re
import shlex
import time
from contextlib import suppress
from typing import TypedDict, cast

from hotfix_guard.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RepoError
from hotfix_guard.flow.common import (
    GitChanges,
    Snapshot,
    SnapshotRecord,
    clear_stale_git_locks,
    holding_signals,
    keep_users_changes,
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
    write_json,
)
from hotfix_guard.flow.lock import locked
from hotfix_guard.paths import read_json
from hotfix_guard.refnames import is_valid_tag_name
from hotfix_guard.repository import Repo
from hotfix_guard.versions import Version, parse_release_tag

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from hotfix_guard.config import Config

HEADER = "revert: ROLLBACK"
JOURNAL = "rollback.json"
MAX_LISTED = 20  # undone commits named in the message; the rest are counted
DRY_RUN_COMMIT = "<rollback-commit>"
DAMAGED = f"the rollback journal is damaged ({JOURNAL}); put things right by hand, then remove it"


class PlanRecord(TypedDict):
    """A Plan as the journal keeps it: its first keys."""

    main: str
    main_sha: str
    switch: bool
    latest: str
    target: str
    tag: str
    undone: list[str]
    remote: str
    push: bool


class _Run(PlanRecord):
    before: SnapshotRecord
    started: float
    commit: str | None  # the rollback commit, once made
    done: list[str]


class RollbackJournal(_Run, total=False):
    """rollback.json (JSON): the plan and how far the rollback got, written before its first
    change. Written in the order of the keys here, "pushing" once the push begins."""

    bumps: list[list[str]]  # [path, its text with the rollback's version]; only with version-files
    sign: bool  # the tag is signed (only written when true)
    kept_config: list[str]  # hotfix-guard's config files kept as main has them
    pushing: bool


class Plan:
    """What the rollback will do, settled before anything changes."""

    __slots__ = ("main", "main_sha", "switch", "latest", "target", "tag", "undone", "remote", "push", "bumps", "sign")

    def __init__(
        self,
        main: str,
        main_sha: str,
        switch: bool,
        latest: str,
        target: str,
        tag: str,
        undone: list[str],
        remote: str,
        push: bool,
        bumps: list[tuple[str, str]] | None = None,
        sign: bool = False,
    ):
        self.main = main
        self.main_sha = main_sha
        self.switch = switch  # main is not checked out yet
        self.latest = latest  # the bad release
        self.target = target  # the release whose tree comes back
        self.tag = tag
        self.undone = undone  # "<short sha> <subject>" of every non-merge commit in target..main
        self.remote = remote
        self.push = push
        self.bumps = bumps or []  # (path, text): the version files, set to the rollback tag's version
        self.sign = sign  # the tag is signed (signing.py)

    def version(self) -> str | None:
        """The version the rollback's version files say (None: there are none)."""
        return _version_of(self.tag) if self.bumps else None

    def tree(self, repo: Repo, kept: Mapping[str, bytes | None]) -> str:
        """The rollback commit's tree: the target's, with the version files set to the tag's
        version and hotfix-guard's config files as KEPT gives them (settings_to_keep)."""
        from hotfix_guard.flow.version_files import tree_with

        tree = repo.git("rev-parse", "--verify", "--end-of-options", f"refs/tags/{self.target}^{{tree}}").strip()
        bumped: dict[str, bytes | None] = {path: text.encode("utf-8") for path, text in self.bumps}
        return tree_with(repo, tree, {**bumped, **kept}, new_files=True)

    def push_args(self) -> list[str]:
        return [
            "push",
            "--atomic",
            self.remote,
            f"refs/heads/{self.main}:refs/heads/{self.main}",
            f"refs/tags/{self.tag}",
        ]

    def push_command(self) -> str:
        return shlex.join(["git", *self.push_args()])

    def journal(self, before: SnapshotRecord, started: float) -> RollbackJournal:
        """The journal of this plan, as it is written before the first change."""
        journal: RollbackJournal = {
            "main": self.main,
            "main_sha": self.main_sha,
            "switch": self.switch,
            "latest": self.latest,
            "target": self.target,
            "tag": self.tag,
            "undone": self.undone,
            "remote": self.remote,
            "push": self.push,
            "before": before,
            "started": started,
            "commit": None,
            "done": [],
        }
        if self.bumps:
            journal["bumps"] = [list(bump) for bump in self.bumps]
        if self.sign:
            journal["sign"] = True
        return journal

    @classmethod
    def from_json(cls, data: PlanRecord) -> Plan:
        return cls(
            data["main"],
            data["main_sha"],
            data["switch"],
            data["latest"],
            data["target"],
            data["tag"],
            data["undone"],
            data["remote"],
            data["push"],
            [(path, text) for path, text in cast("RollbackJournal", data).get("bumps", [])],
            bool(cast("RollbackJournal", data).get("sign", False)),
        )


def journal_from(data: dict[str, object]) -> RollbackJournal:
    """DATA, read from rollback.json, as a journal; RepoError when it lacks anything or holds
    anything of another type (a hand-edited or truncated journal is reported as damaged, never
    as a bug). Its keys keep their order: it is written back as it was read."""
    texts = ("main", "main_sha", "latest", "target", "tag", "remote")
    undone, done = data.get("undone"), data.get("done")
    well_formed = (
        all(isinstance(data.get(name), str) for name in texts)
        and all(isinstance(data.get(name), bool) for name in ("switch", "push"))
        and isinstance(data.get("pushing", False), bool)
        and isinstance(data.get("sign", False), bool)
        and isinstance(undone, list)
        and all(isinstance(line, str) for line in undone)
        and snapshot_record(data.get("before")) is not None
        and isinstance(data.get("started"), (int, float))
        and "commit" in data
        and isinstance(data["commit"], (str, type(None)))
        and isinstance(done, list)
        and all(isinstance(step, str) for step in done)
        and _bumps_well_formed(data.get("bumps", []))
    )
    if not well_formed:
        raise RepoError(DAMAGED)
    return cast("RollbackJournal", data)


def _bumps_well_formed(bumps: object) -> bool:
    return isinstance(bumps, list) and all(
        isinstance(bump, list) and len(bump) == 2 and all(isinstance(part, str) for part in bump) for bump in bumps
    )


def _version_of(tag: str) -> str | None:
    """The version a tag names, whatever its prefix: v2.8.9, 2.8.9, release-2.8.9 -> 2.8.9."""
    match = re.search(r"(?<![0-9.])[0-9]+\.[0-9]+\.[0-9]+$", tag)
    return match.group(0) if match else None


def rollback(
    repo: Repo,
    config: Config,
    *,
    to_tag: str | None,
    tag: str | None,
    push: bool,
    dry_run: bool,
    action: str = "run",
) -> int:
    """Roll back (ACTION "run"), or complete ("continue") or undo ("abort") a rollback that was cut off."""
    began = time.time()
    if dry_run and action == "run":
        require_no_journal(repo)
        plan = make_plan(repo, config, to_tag, tag, push)
        say(f"dry run: roll back {plan.latest} to {plan.target} on {plan.main}, tagged {plan.tag}; nothing changes")
        carry_on(repo, plan, None, GitChanges(repo, dry_run=True), [])
        if plan.push:
            GitChanges(repo, dry_run=True).run(*plan.push_args())
        return EXIT_OK
    options = [*(["--to", to_tag] if to_tag else []), *(["--tag", tag] if tag else []), *(["--push"] if push else [])]
    command = shlex.join(["rollback", *options, *([f"--{action}"] if action != "run" else [])])
    with locked(repo.git_dir, command, say):
        require_no_other_run(repo, "rollback", action)
        if action == "abort":
            return abort(repo, began)
        journal = read_json(repo.state_path(JOURNAL))
        if action == "continue" and (journal is not None or not push):
            return resume(repo, push, began)
        if action == "run" and push and journal is not None and repeats_push(journal, to_tag, tag):
            return resume(repo, push, began)
        if action == "run":
            require_no_journal(repo)
        done = completed_rollback(repo, config, to_tag, tag) if push else None
        if done is None and action == "continue":
            raise RepoError("no rollback was cut off, and main is no complete rollback to push; nothing to do")
        if done is not None:
            say(
                f"{done.main} is rolled back already: {done.tag} restores {done.target} (undoing {done.latest}); "
                f"pushing it to {done.remote}"
            )
            require_remote(repo, done.remote)
            try:
                return push_rollback(repo, done)
            except KeyboardInterrupt:
                say_error(push_interrupted(done))
                return EXIT_FAILED
        return execute(repo, make_plan(repo, config, to_tag, tag, push))


def require_no_journal(repo: Repo) -> None:
    data = read_json(repo.state_path(JOURNAL))
    if data is not None:
        raise RepoError(
            f"a rollback to {data.get('target', '?')} (tag {data.get('tag', '?')}) was cut off; run hotfix-guard "
            "rollback --continue to complete it, or hotfix-guard rollback --abort to undo it"
        )


def repeats_push(journal: dict[str, object], to_tag: str | None, tag: str | None) -> bool:
    """True when JOURNAL is of a complete rollback whose push was cut off, and --to and --tag
    (if given) name it: running `rollback --push` again completes that push."""
    return (
        bool(journal.get("pushing")) and to_tag in (None, journal.get("target")) and tag in (None, journal.get("tag"))
    )


def completed_rollback(repo: Repo, config: Config, to_tag: str | None, tag: str | None) -> Plan | None:
    """The rollback this run repeats, when it is complete here: the latest release is a
    rollback, main is its commit, and --to and --tag (if given) name it."""
    releases = release_tags(repo, config.tag_prefix)
    if not releases:
        return None
    latest = releases[-1][1]
    main = config.main_branch
    commit = repo.sha(f"refs/tags/{latest}^{{commit}}")
    if commit is None or repo.sha(f"refs/heads/{main}") != commit:
        return None
    subject = repo.git("log", "-1", "--no-show-signature", "--format=%s", commit).strip()
    match = re.fullmatch(rf"{re.escape(HEADER)} (\S+) to (\S+)", subject)
    if match is None or to_tag not in (None, match.group(2)) or tag not in (None, latest):
        return None
    return Plan(main, commit, False, match.group(1), match.group(2), latest, [], config.remote, True)


def execute(repo: Repo, plan: Plan) -> int:
    """Journal the plan, then make the changes; any failure puts everything back."""
    snapshot = Snapshot.take(repo, [f"refs/heads/{plan.main}", f"refs/tags/{plan.tag}"])
    data = plan.journal(snapshot.to_json(), time.time())
    path = repo.state_path(JOURNAL)
    try:
        write_json(path, data)
    except OSError as error:
        raise RepoError(f"cannot write {path} ({error.strerror or error}); nothing changed") from None
    return run_steps(repo, plan, data)


def run_steps(repo: Repo, plan: Plan, data: RollbackJournal) -> int:
    steps: list[str] = []
    try:
        commit = carry_on(repo, plan, data, GitChanges(repo, dry_run=False), steps)
    except (Exception, KeyboardInterrupt) as error:
        with holding_signals(repo.state_path(JOURNAL)):
            undo(repo, data, plan, steps[-1] if steps else "start", error)
        if not isinstance(error, (RepoError, KeyboardInterrupt, OSError)):
            raise  # a bug: restored, but keep the traceback
        return EXIT_INTERRUPTED if isinstance(error, KeyboardInterrupt) else EXIT_FAILED
    report_done(plan, commit, data.get("kept_config", []))
    if not plan.push:
        finish_journal(repo)
        return EXIT_OK
    try:
        data["pushing"] = True
        save(repo, data)
        status = push_rollback(repo, plan)
    except KeyboardInterrupt:
        # The rollback is complete and may be on the remote already: nothing is put back, and
        # the journal stays, so that --abort asks the remote before it undoes anything.
        say_error(push_interrupted(plan))
        return EXIT_FAILED
    except BaseException:
        finish_journal(repo)
        raise
    finish_journal(repo)
    return status


def save(repo: Repo, data: RollbackJournal) -> None:
    write_json(repo.state_path(JOURNAL), data)


def finish_journal(repo: Repo) -> None:
    with suppress(FileNotFoundError):
        os.remove(repo.state_path(JOURNAL))


def make_plan(repo: Repo, config: Config, to_tag: str | None, tag: str | None, push: bool) -> Plan:
    """Every precondition, in the order a user would fix them; RepoError (exit 2) on the first that fails."""
    require_clean(repo)
    main = config.main_branch
    tracking = f"refs/remotes/{config.remote}/{main}"
    known = repo.shas([f"refs/heads/{main}", tracking])  # one for-each-ref; nothing moves until the plan is made
    main_sha = known[f"refs/heads/{main}"]
    if main_sha is None:
        raise RepoError(f"branch {main!r} does not exist; create it, or set main-branch in the config")
    releases = release_tags(repo, config.tag_prefix)
    if not releases:
        from hotfix_guard import gitrepo
        from hotfix_guard.versions import no_release_message

        where, advice = "in this repository", "nothing to roll back"
        raise RepoError(no_release_message(config.tag_prefix, where, advice, gitrepo.tag_names(repo.top)))
    latest_version, latest = releases[-1]
    target = choose_target(repo, releases, to_tag, config.tag_prefix)
    tag = choose_tag(repo, latest_version, tag, config.tag_prefix)
    if repo.sha(f"refs/heads/{main}^{{tree}}") == repo.sha(f"refs/tags/{target}^{{tree}}"):
        raise RepoError(f"{main} already has exactly the tree of {target}; there is nothing to roll back")
    require_up_to_date(repo, main, main_sha, config.remote, known[tracking])
    if push:
        require_remote(repo, config.remote)
    undone = repo.git("log", "--no-merges", "--no-show-signature", "--format=%h %s", f"refs/tags/{target}..{main_sha}")
    switch = repo.current_branch() != main
    plan = Plan(main, main_sha, switch, latest, target, tag, undone.splitlines(), config.remote, push)
    plan.bumps = version_bumps(repo, config, target, tag)
    from hotfix_guard.signing import signs_tags

    plan.sign = signs_tags(repo.top, config)
    require_nothing_in_the_way(repo, checkouts(repo, plan), "rollback's checkout", "run rollback again")
    return plan


def version_bumps(repo: Repo, config: Config, target: str, tag: str) -> list[tuple[str, str]]:
    """The version files as TARGET has them, set to TAG's version: a rollback's tag is a release
    of its own (`npm publish` / a PyPI upload of it must not collide with TARGET's)."""
    if not config.version_files:
        return []
    old, new = _version_of(target), _version_of(tag)
    if old is None or new is None:
        say(f"note: {tag if new is None else target} names no version; the version files stay as {target} has them")
        return []
    from hotfix_guard.flow.version_files import set_versions

    return set_versions(repo, config.version_files, target, old, new, target)


def checkouts(repo: Repo, plan: Plan) -> dict[str, str]:
    """The trees the rollback still checks out (main, then the target's), each with how to name it."""
    revs = {}
    if repo.current_branch() != plan.main:
        revs[f"refs/heads/{plan.main}"] = f"tracked on {plan.main}"
    if repo.sha(f"refs/heads/{plan.main}") == plan.main_sha:
        revs[f"refs/tags/{plan.target}^{{tree}}"] = f"tracked in {plan.target}"
    return revs


def choose_target(repo: Repo, releases: list[tuple[Version, str]], to_tag: str | None, prefix: str) -> str:
    """The release whose tree comes back: --to, or the release before the latest by version."""
    latest_version, latest = releases[-1]
    earlier = [name for version, name in releases if version < latest_version]
    choices = f"pick an earlier release: {', '.join(reversed(earlier[-5:]))}" if earlier else "there is none"
    if to_tag is None:
        if not earlier:
            raise RepoError(f"{latest} is the only release; there is no earlier release to roll back to")
        if repo.git("log", "-1", "--no-show-signature", "--format=%s", f"refs/tags/{latest}").startswith(HEADER):
            raise RepoError(
                f"the latest release {latest} is itself a rollback; rolling back to {earlier[-1]} would bring back "
                f"what it undid; say which release to restore with --to TAG"
            )
        return earlier[-1]
    version = parse_release_tag(to_tag, prefix)
    if version is None:
        raise RepoError(f"--to {to_tag!r} is not a release tag (like {prefix}1.2.3); {choices}")
    if repo.sha(f"refs/tags/{to_tag}") is None:
        raise RepoError(f"--to {to_tag}: no such tag; {choices}")
    if not version < latest_version:
        raise RepoError(f"--to {to_tag} is not older than the latest release {latest}; {choices}")
    return to_tag


def choose_tag(repo: Repo, latest: Version, tag: str | None, prefix: str) -> str:
    """The rollback's tag: --tag, or the next patch of the latest release. Never one that exists."""
    default = latest.next_patch().tag(prefix)
    name = default if tag is None else tag
    if not is_valid_tag_name(name):
        raise RepoError(f"--tag {name!r} is not a valid tag name; use a release tag such as {default}")
    version = parse_release_tag(name, prefix)
    if version is not None and not latest < version:
        raise RepoError(
            f"--tag {name} is not above the latest release {latest.tag(prefix)}, which would stay the latest; "
            f"use a higher version such as {default}"
        )
    existing = repo.sha(f"refs/tags/{name}")
    if existing is not None:
        raise RepoError(
            f"tag {name} already exists ({existing[:10]}) and is never moved; pick another, such as {default}"
        )
    if version is None:
        say(f"note: {name} is not a release tag (like {default}); start and rollback will not count it as a release")
    return name


def require_up_to_date(repo: Repo, main: str, main_sha: str, remote: str, tracking: str | None) -> None:
    """Refuse when MAIN (at MAIN_SHA) lacks commits of REMOTE's main, which TRACKING (its
    remote-tracking ref's commit, None when never fetched) is at."""
    if tracking is None:
        return
    behind = int(repo.git("rev-list", "--count", f"{main_sha}..{tracking}").strip() or "0")
    if behind:
        raise RepoError(
            f"{main} is {behind} commit{'s' if behind > 1 else ''} behind {remote}/{main}; "
            f"update it first (git switch {main} && git pull --ff-only {remote} {main})"
        )


def carry_on(repo: Repo, plan: Plan, data: RollbackJournal | None, changes: GitChanges, steps: list[str]) -> str:
    """Run (or print) every change not made yet, recording each in the journal DATA (None in
    a dry run); `steps` names each as it starts, for the failure report. Each step looks at
    the repository first, so one cut off half way is made again, once."""
    if repo.current_branch() != plan.main:
        steps.append(f"check out {plan.main}")
        changes.run("switch", "-q", plan.main)
    commit = data["commit"] if data is not None else None
    if repo.sha(f"refs/heads/{plan.main}") == plan.main_sha:
        steps.append("create the rollback commit")
        if commit is None or repo.sha(f"{commit}^{{commit}}") is None:
            from hotfix_guard.flow.keep_config import settings_to_keep

            bumped = {path: text.encode("utf-8") for path, text in plan.bumps}
            kept = settings_to_keep(repo, plan.main_sha, plan.target, bumped)
            if data is not None and kept:  # only then: a journal without it keeps its old bytes
                data["kept_config"] = sorted(kept)
            if changes.dry_run:
                tree = f"refs/tags/{plan.target}^{{tree}}"
                if plan.bumps:
                    say(f"would set the version in {', '.join(path for path, _ in plan.bumps)} to {plan.version()}")
                if kept:
                    say(f"would keep hotfix-guard's config as {plan.main} has it ({', '.join(sorted(kept))})")
            else:
                tree = plan.tree(repo, kept)
            message = commit_message(plan, sorted(kept))
            commit = changes.run("commit-tree", tree, "-p", plan.main_sha, "-m", message).strip()
            commit = commit or DRY_RUN_COMMIT
            record_step(repo, data, "commit", commit)
        steps.append(f"move {plan.main} to the rollback commit")
        changes.run("merge", "-q", "--ff-only", commit)
        record_step(repo, data, "move-main")
    assert commit is not None, "main has moved, so the journal has the commit (load_journal checks)"
    if repo.sha(f"refs/tags/{plan.tag}") is None:
        from hotfix_guard.signing import tag_flag

        steps.append(f"create tag {plan.tag}")
        changes.run("tag", tag_flag(plan.sign), plan.tag, "-m", tag_message(plan), commit)
        record_step(repo, data, "tag")
        if plan.sign and not changes.dry_run:
            from hotfix_guard.signing import require_signed

            require_signed(f"refs/tags/{plan.tag}", repo.top)  # git 2.39 can exit 0 with an unsigned tag
    return commit


def record_step(repo: Repo, data: RollbackJournal | None, step: str, commit: str | None = None) -> None:
    if data is None:
        return  # a dry run
    if commit is not None:
        data["commit"] = commit
    if step not in data["done"]:
        data["done"].append(step)
    save(repo, data)


def commit_message(plan: Plan, kept: list[str] | None = None) -> str:
    listed = [f"- {line}" for line in plan.undone[:MAX_LISTED]]
    if len(plan.undone) > MAX_LISTED:
        listed.append(f"- and {len(plan.undone) - MAX_LISTED} more")
    undone = (
        f"It undoes the effect of these commits ({plan.target}..{plan.main}):\n\n" + "\n".join(listed)
        if listed
        else f"{plan.main} has no commits of its own since {plan.target}."
    )
    restores = f"the code of release {plan.target}" if kept else f"exactly the tree of release {plan.target}"
    config = (
        f"hotfix-guard's config is kept as {plan.main} has it ({', '.join(kept)}): a rollback restores "
        "the release's code, not its lack of a config.\n\n"
        if kept
        else ""
    )
    return (
        f"{HEADER} {plan.latest} to {plan.target}\n\n"
        f"ROLLBACK of release {plan.latest}: this commit restores {restores}, without rewriting history. "
        f"Tagged {plan.tag}.\n\n{_versions_note(plan)}{config}{undone}\n"
    )


def _versions_note(plan: Plan) -> str:
    if not plan.bumps:
        return ""
    paths = ", ".join(path for path, _ in plan.bumps)
    return f"Except its version files ({paths}): they say {plan.version()}, the version of {plan.tag}.\n\n"


def tag_message(plan: Plan) -> str:
    return (
        f"{plan.tag}: ROLLBACK {plan.latest} to {plan.target}\n\n"
        f"Restores exactly the tree of {plan.target}; undoes release {plan.latest}.\n"
    )


def undo(repo: Repo, data: RollbackJournal, plan: Plan, step: str, error: BaseException) -> None:
    cause = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error) or type(error).__name__
    snapshot = before(data)
    try:
        discard_own_changes(repo, plan, data)
        snapshot.restore(repo)
        left = snapshot.differences(repo)
    except (Exception, KeyboardInterrupt) as restore_error:
        left = [f"restoring failed: {restore_error or type(restore_error).__name__}"]
    if not left:
        finish_journal(repo)
        say_error(
            f"rollback failed at step '{step}' ({cause}); everything is back as it was "
            f"({plan.main} at {plan.main_sha[:10]}, tag {plan.tag} absent); fix the cause and run it again"
        )
        return
    say_error(
        f"rollback failed at step '{step}' ({cause}), and could not be fully undone: {'; '.join(left)}; "
        f"run hotfix-guard rollback --abort to finish undoing it, or by hand: {'; '.join(snapshot.manual_commands())}"
    )


def before(data: RollbackJournal) -> Snapshot:
    return Snapshot.from_json(data["before"])


def discard_own_changes(repo: Repo, plan: Plan, data: RollbackJournal) -> None:
    """Reset the index and work tree when what differs from HEAD is the rollback's own half-done
    checkout (the tree of main or of the target release), so that putting things back never
    keeps it as a stash of "your changes"; anything else is the user's, and is stashed."""
    stash = repo.try_git("stash", "create").text().strip()
    if not stash:
        return
    own = {repo.sha(f"refs/tags/{plan.target}^{{tree}}"), repo.sha(f"{plan.main_sha}^{{tree}}")}
    if data["commit"] is not None:
        own.add(repo.sha(f"{data['commit']}^{{tree}}"))  # with the version files set
    moved = repo.sha("HEAD") == data["commit"]  # the checkout was complete: changes since are the user's
    if not moved and {repo.sha(f"{stash}^{{tree}}"), repo.sha(f"{stash}^2^{{tree}}")} <= own:
        repo.git("reset", "-q", "--hard")
    else:
        keep_users_changes(repo, before(data).target(repo), "hotfix-guard rollback --abort")


def load_journal(repo: Repo, began: float) -> tuple[Plan, RollbackJournal]:
    """The journal of a rollback that was cut off, checked against the repository, with the lock
    files its killed git left cleared."""
    path = repo.state_path(JOURNAL)
    read = read_json(path)
    if read is None:
        raise RepoError("no rollback was cut off; there is nothing to continue or abort")
    data = journal_from(read)
    plan = Plan.from_json(data)
    snapshot = before(data)
    commit = data["commit"]
    main, tag = repo.sha(f"refs/heads/{plan.main}"), repo.sha(f"refs/tags/{plan.tag}^{{commit}}")
    problems = []
    if main not in (plan.main_sha, commit):
        problems.append(f"{plan.main} is at {(main or 'nothing')[:10]}, not {plan.main_sha[:10]}")
    if tag is not None and tag != commit:
        problems.append(f"tag {plan.tag} is on {tag[:10]}, not on the rollback commit")
    if problems:
        raise RepoError(
            f"the rollback journal no longer matches the repository ({'; '.join(problems)}); nothing was changed. "
            f"To put everything back by hand: {' && '.join(snapshot.manual_commands())}; then remove {path}"
        )
    refs = [*snapshot.refs, f"refs/remotes/{plan.remote}/{plan.main}"]
    clear_stale_git_locks(repo, refs, data["started"], began)
    return plan, data


def resume(repo: Repo, push: bool, began: float) -> int:
    """Complete a rollback that was cut off: commit, move main, tag, then push if asked (now or then)."""
    plan, data = load_journal(repo, began)
    plan.push = plan.push or push
    data["push"] = plan.push
    discard_own_changes(repo, plan, data)
    require_nothing_in_the_way(
        repo, checkouts(repo, plan), "rollback's checkout", "run hotfix-guard rollback --continue"
    )
    say(f"completing the rollback of {plan.latest} to {plan.target} (tag {plan.tag}) that was cut off")
    done = data["done"]
    say(f"  done before it was cut off: {', '.join(done) if done else 'nothing'}")
    return run_steps(repo, plan, data)


def abort(repo: Repo, began: float) -> int:
    """Undo a rollback that was cut off: main, the tag, HEAD, the index and the work tree as before.
    Never what the remote has already: a rollback it took is released, and is completed instead."""
    plan, data = load_journal(repo, began)
    if data.get("pushing"):
        require_unpublished(repo, plan, data)
    with holding_signals():
        discard_own_changes(repo, plan, data)
        before(data).restore(repo)
        finish_journal(repo)
    say(
        f"rollback to {plan.target} aborted: {plan.main} is at {plan.main_sha[:10]} again, tag {plan.tag} is absent, "
        "and the checkout is as before"
    )
    if data.get("pushing"):
        say(f"its push had begun, but {plan.remote} has neither {plan.main} at the rollback commit nor tag {plan.tag}")
    return EXIT_OK


def require_unpublished(repo: Repo, plan: Plan, data: RollbackJournal) -> None:
    """Refuse to undo (RepoError, nothing changed) when the remote has the rollback's main or tag."""
    main_ref, tag_ref = f"refs/heads/{plan.main}", f"refs/tags/{plan.tag}"
    remote = remote_shas(repo, plan.remote, [main_ref, tag_ref])
    commit, tag = data["commit"], repo.sha(tag_ref)
    has = [
        *([f"{plan.main} at {commit[:10]}"] if commit is not None and remote.get(main_ref) == commit else []),
        *([f"tag {plan.tag}"] if tag is not None and remote.get(tag_ref) == tag else []),
    ]
    if has:
        raise RepoError(
            f"{plan.remote} already has {' and '.join(has)}: the rollback is released and is not undone; "
            "run hotfix-guard rollback --continue to finish here"
        )


def report_done(plan: Plan, commit: str, kept: list[str]) -> None:
    short = commit[:10]
    count = len(plan.undone)
    say(f"rolled back {plan.latest}: {plan.main} is now {short} '{HEADER} {plan.latest} to {plan.target}'")
    tree = f"{plan.target}'s code, with hotfix-guard's config as {plan.main} has it ({', '.join(kept)})"
    tree = tree if kept else f"exactly {plan.target}'s"
    say(f"  its tree is {tree}; it undoes {count} commit{'' if count == 1 else 's'} (listed in it)")
    if plan.bumps:
        verb = "says" if len(plan.bumps) == 1 else "say"
        say(f"  except the version: {', '.join(path for path, _ in plan.bumps)} {verb} {plan.version()}, {plan.tag}'s")
    say(f"  history kept: the previous {plan.main} {plan.main_sha[:10]} is its parent")
    say(f"tagged {plan.tag} (annotated) on {short}")
    if plan.switch:
        say(f"you are on {plan.main} now")
    if not plan.push:
        say(f"not pushed; publish it with: hotfix-guard rollback --push (or {plan.push_command()})")


def push_rollback(repo: Repo, plan: Plan) -> int:
    """Push main and only the new tag, atomically; a refusal keeps the local result."""
    what = f"{plan.main} and tag {plan.tag}"
    result = repo.try_git(*plan.push_args())
    if result.returncode != 0:
        retry = f"hotfix-guard rollback --push (or {plan.push_command()})"
        say_error(
            f"the push to {plan.remote} failed ({result.push_refusal()}); nothing was pushed: the rollback "
            f"is complete locally, but {what} are not on {plan.remote}. {push_advice(result, plan.remote, retry)}"
        )
        return EXIT_FAILED
    say(f"pushed {what} to {plan.remote}")
    return EXIT_OK


def push_interrupted(plan: Plan) -> str:
    return (
        f"the push was interrupted; the rollback is complete here, but {plan.main} and tag {plan.tag} may or "
        f"may not be on {plan.remote}; run hotfix-guard rollback --push again to complete it"
    )
