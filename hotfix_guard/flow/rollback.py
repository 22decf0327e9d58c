"""`hotfix-guard rollback`: undo a bad release without rewriting history.

One new commit on main whose tree is exactly an earlier release's (`v1.2.4` bad → a commit
with `v1.2.3`'s tree), tagged as the next patch (`v1.2.5`). Everything is checked before
the first change; after it, any failure puts main, the tag and HEAD back as they were.
"""

from __future__ import annotations

import shlex

from hotfix_guard.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RepoError
from hotfix_guard.flow.common import Repo, Runner, Snapshot, release_tags, require_clean, require_remote, say, say_error
from hotfix_guard.refnames import is_valid_tag_name
from hotfix_guard.versions import Version, parse_release_tag

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

HEADER = "revert: ROLLBACK"
MAX_LISTED = 20  # undone commits named in the message; the rest are counted
DRY_RUN_COMMIT = "<rollback-commit>"


class Plan:
    """What the rollback will do, settled before anything changes."""

    __slots__ = ("main", "main_sha", "switch", "latest", "target", "tag", "undone", "remote", "push")

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


def rollback(repo: Repo, config: Config, *, to_tag: str | None, tag: str | None, push: bool, dry_run: bool) -> int:
    plan = make_plan(repo, config, to_tag, tag, push)
    if dry_run:
        say(f"dry run: roll back {plan.latest} to {plan.target} on {plan.main}, tagged {plan.tag}; nothing changes")
        apply(plan, Runner(repo, dry_run=True), [])
        if plan.push:
            Runner(repo, dry_run=True).run(*plan.push_args())
        return EXIT_OK
    snapshot = Snapshot.take(repo, [f"refs/heads/{plan.main}", f"refs/tags/{plan.tag}"])
    steps: list[str] = []
    try:
        commit = apply(plan, Runner(repo, dry_run=False), steps)
    except (Exception, KeyboardInterrupt) as error:
        undo(repo, snapshot, plan, steps[-1] if steps else "start", error)
        if not isinstance(error, (RepoError, KeyboardInterrupt)):
            raise  # a bug: restored, but keep the traceback
        return EXIT_INTERRUPTED if isinstance(error, KeyboardInterrupt) else EXIT_FAILED
    report_done(plan, commit)
    return push_rollback(repo, plan) if plan.push else EXIT_OK


def make_plan(repo: Repo, config: Config, to_tag: str | None, tag: str | None, push: bool) -> Plan:
    """Every precondition, in the order a user would fix them; RepoError (exit 2) on the first that fails."""
    require_clean(repo)
    main = config.main_branch
    main_sha = repo.sha(f"refs/heads/{main}")
    if main_sha is None:
        raise RepoError(f"branch {main!r} does not exist; create it, or set main-branch in the config")
    releases = release_tags(repo, config.tag_prefix)
    if not releases:
        raise RepoError(f"no release tag (like {config.tag_prefix}1.2.3) in this repository; nothing to roll back")
    latest_version, latest = releases[-1]
    target = choose_target(repo, releases, to_tag, config.tag_prefix)
    tag = choose_tag(repo, latest_version, tag, config.tag_prefix)
    if repo.sha(f"refs/heads/{main}^{{tree}}") == repo.sha(f"refs/tags/{target}^{{tree}}"):
        raise RepoError(f"{main} already has exactly the tree of {target}; there is nothing to roll back")
    require_up_to_date(repo, main, main_sha, config.remote)
    if push:
        require_remote(repo, config.remote)
    undone = repo.git("log", "--no-merges", "--no-show-signature", "--format=%h %s", f"refs/tags/{target}..{main_sha}")
    switch = repo.current_branch() != main
    return Plan(main, main_sha, switch, latest, target, tag, undone.splitlines(), config.remote, push)


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


def require_up_to_date(repo: Repo, main: str, main_sha: str, remote: str) -> None:
    tracking = repo.sha(f"refs/remotes/{remote}/{main}")
    if tracking is None:
        return
    behind = int(repo.git("rev-list", "--count", f"{main_sha}..{tracking}").strip() or "0")
    if behind:
        raise RepoError(
            f"{main} is {behind} commit{'s' if behind > 1 else ''} behind {remote}/{main}; "
            f"update it first (git switch {main} && git pull --ff-only {remote} {main})"
        )


def apply(plan: Plan, runner: Runner, steps: list[str]) -> str:
    """Run (or print) the changes; `steps` names each as it starts, for the failure report."""
    if plan.switch:
        steps.append(f"check out {plan.main}")
        runner.run("switch", "-q", plan.main)
    steps.append("create the rollback commit")
    tree = f"refs/tags/{plan.target}^{{tree}}"
    commit = runner.run("commit-tree", tree, "-p", plan.main_sha, "-m", commit_message(plan)).strip()
    commit = commit or DRY_RUN_COMMIT
    steps.append(f"move {plan.main} to the rollback commit")
    runner.run("merge", "-q", "--ff-only", commit)
    steps.append(f"create tag {plan.tag}")
    runner.run("tag", "-a", plan.tag, "-m", tag_message(plan), commit)
    return commit


def commit_message(plan: Plan) -> str:
    listed = [f"- {line}" for line in plan.undone[:MAX_LISTED]]
    if len(plan.undone) > MAX_LISTED:
        listed.append(f"- and {len(plan.undone) - MAX_LISTED} more")
    undone = (
        f"It undoes the effect of these commits ({plan.target}..{plan.main}):\n\n" + "\n".join(listed)
        if listed
        else f"{plan.main} has no commits of its own since {plan.target}."
    )
    return (
        f"{HEADER} {plan.latest} to {plan.target}\n\n"
        f"ROLLBACK of release {plan.latest}: this commit restores exactly the tree of release "
        f"{plan.target}, without rewriting history. Tagged {plan.tag}.\n\n{undone}\n"
    )


def tag_message(plan: Plan) -> str:
    return (
        f"{plan.tag}: ROLLBACK {plan.latest} to {plan.target}\n\n"
        f"Restores exactly the tree of {plan.target}; undoes release {plan.latest}.\n"
    )


def undo(repo: Repo, snapshot: Snapshot, plan: Plan, step: str, error: BaseException) -> None:
    cause = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error) or type(error).__name__
    try:
        snapshot.restore(repo)
        left = snapshot.differences(repo)
    except (Exception, KeyboardInterrupt) as restore_error:
        left = [f"restoring failed: {restore_error or type(restore_error).__name__}"]
    if not left:
        say_error(
            f"error: rollback failed at step '{step}' ({cause}); everything is back as it was "
            f"({plan.main} at {plan.main_sha[:10]}, tag {plan.tag} absent); fix the cause and run it again"
        )
        return
    say_error(f"error: rollback failed at step '{step}' ({cause}), and could not be fully undone: {'; '.join(left)}")
    say_error(f"error: put it back by hand: {'; '.join(snapshot.manual_commands())}")


def report_done(plan: Plan, commit: str) -> None:
    short = commit[:10]
    count = len(plan.undone)
    say(f"rolled back {plan.latest}: {plan.main} is now {short} '{HEADER} {plan.latest} to {plan.target}'")
    say(f"  its tree is exactly {plan.target}'s; it undoes {count} commit{'' if count == 1 else 's'} (listed in it)")
    say(f"  history kept: the previous {plan.main} {plan.main_sha[:10]} is its parent")
    say(f"tagged {plan.tag} (annotated) on {short}")
    if plan.switch:
        say(f"you are on {plan.main} now")
    if not plan.push:
        say(f"not pushed; publish it with: {plan.push_command()}")


def push_rollback(repo: Repo, plan: Plan) -> int:
    """Push main and only the new tag, atomically; a refusal keeps the local result."""
    what = f"{plan.main} and tag {plan.tag}"
    try:
        result = repo.try_git(*plan.push_args())
    except KeyboardInterrupt:
        say_error(
            f"error: the push was interrupted; the rollback is complete locally, but {what} may not be on "
            f"{plan.remote}; check with git ls-remote {plan.remote} and retry: {plan.push_command()}"
        )
        return EXIT_FAILED
    if result.returncode != 0:
        say_error(
            f"error: the push to {plan.remote} failed ({result.push_refusal()}); nothing was pushed: the rollback "
            f"is complete locally, but {what} are not on {plan.remote}; fix the cause and retry: {plan.push_command()}"
        )
        return EXIT_FAILED
    say(f"pushed {what} to {plan.remote}")
    return EXIT_OK
