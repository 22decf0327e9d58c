"""`start`, `finish` and `rollback`: the commands that move branches and tags.

Each checks its preconditions, locks, journals and undoes on failure (flow/); this module
only turns flags into a call. The group makes SIGTERM interrupt them like Ctrl-C.
"""

from __future__ import annotations

import click

from hotfix_guard.commands.common import BUG_HELP, FLOW_EXIT_CODES_HELP, Options, flow_config
from hotfix_guard.severity import NAMES as SEVERITY_NAMES


@click.command(
    epilog="Example: hotfix-guard start --severity critical --summary 'Login accepts empty tokens'"
    "    (on v1.2.3 → creates hotfix/v1.2.4)\n\n"
    f"""\b
Exit codes: 0 done (also a re-run that found the start complete), 1 the push
was rejected or interrupted (the branch is kept; run start --push again), 2 a precondition
failed, another hotfix-guard holds the lock, another start was cut off (run
--continue or --abort), or a step failed (everything was put back, or the
message says to run --abort),
{BUG_HELP},
130 interrupted by Ctrl-C, 143 terminated by SIGTERM (everything was put back)."""
)
@click.argument("name", required=False)
@click.option("--from", "from_tag", metavar="TAG", help="Base release (default: the highest release tag).")
@click.option("--security", is_flag=True, help="Name it hotfix/security-YYYY-NNN (next number not yet used this year).")
@click.option("--timestamp", is_flag=True, help="Name it hotfix/vYYYYMMDD_HHMM (v: the tag-prefix).")
@click.option("--push", is_flag=True, help="Push the new branch with upstream tracking to the remote.")
@click.option(
    "--severity",
    type=click.Choice(SEVERITY_NAMES),
    help="critical (15-30 min), high (30-60 min) or medium (1-4 h): recorded; status and review measure against it.",
)
@click.option("--summary", metavar="TEXT", help="One line on what is broken, recorded for status, review and notify.")
@click.option("--dry-run", is_flag=True, help="Print the git commands, change nothing.")
@click.option(
    "--continue",
    "resume",
    is_flag=True,
    help="Complete a start that was cut off (killed, power cut): branch, version bump, record; push with --push.",
)
@click.option(
    "--abort", is_flag=True, help="Undo a start that was cut off: no branch, checkout and start record as before."
)
@click.pass_obj
def start(
    opts: Options,
    name: str | None,
    from_tag: str | None,
    security: bool,
    timestamp: bool,
    push: bool,
    severity: str | None,
    summary: str | None,
    dry_run: bool,
    resume: bool,
    abort: bool,
) -> int:
    """Create and check out a hotfix branch at the latest release tag.

    Default name hotfix/vX.Y.(Z+1) from the highest release vX.Y.Z, v being the
    tag-prefix (hotfix/2.2.1 from 2.2.0 with tag-prefix = ""); NAME gives
    hotfix/NAME (kebab-case). Refuses on a dirty tree, an existing branch or tag.

    With version-files configured, it sets the new version in those files in a
    commit of its own on the new branch ('fix(release): HOTFIX - set version X.Y.Z'),
    and refuses before changing anything when a file does not hold the base's version.

    The start record is written before the branch. A start cut off half way is
    completed by running it again (or --continue), or undone with --abort. Run
    again on the branch it made, start says what it finds (version bump commit,
    whether the branch is on the remote) and, with --push, pushes it if missing.
    """
    from hotfix_guard.flow.start import start as run_start

    if sum(bool(choice) for choice in (name, security, timestamp)) > 1:
        raise click.UsageError("give at most one of NAME, --security and --timestamp")
    others = bool(dry_run or name or from_tag or security or timestamp or severity or summary)
    action = _flow_action("start", resume, abort, others=others, push=push)
    repo, config = flow_config(opts)
    return run_start(
        repo,
        config,
        name=name,
        from_tag=from_tag,
        security=security,
        timestamp=timestamp,
        push=push,
        dry_run=dry_run,
        severity=severity,
        summary=summary,
        action=action,
    )


@click.command(epilog="Example: hotfix-guard finish --push    (on hotfix/v1.2.4)\n\n" + FLOW_EXIT_CODES_HELP)
@click.argument("branch", required=False)
@click.option("--no-develop", is_flag=True, help="Do not merge back into the development branch.")
@click.option("--backmerge-to", metavar="BRANCH", help="Merge back into BRANCH instead of develop (e.g. release/1.3).")
@click.option("--no-tag", is_flag=True, help="Do not tag the release.")
@click.option(
    "--tag", "tag_name", metavar="NAME", help="Tag name (default: the branch version, or the base's next patch)."
)
@click.option("--keep", is_flag=True, help="Keep the hotfix branch.")
@click.option(
    "--push", is_flag=True, help="Push main, develop and the new tag atomically; then delete the remote branch."
)
@click.option("--no-verify", is_flag=True, help="Skip validate (printed and recorded).")
@click.option("--dry-run", is_flag=True, help="Print the git commands, change nothing.")
@click.option(
    "--continue", "resume", is_flag=True, help="Carry on after resolving a merge conflict (stage the files first)."
)
@click.option("--abort", is_flag=True, help="Put every ref and the checkout back as before finish started.")
@click.pass_obj
def finish(
    opts: Options,
    branch: str | None,
    no_develop: bool,
    backmerge_to: str | None,
    no_tag: bool,
    tag_name: str | None,
    keep: bool,
    push: bool,
    no_verify: bool,
    dry_run: bool,
    resume: bool,
    abort: bool,
) -> int:
    """Merge the hotfix into main (--no-ff), tag it, merge it back into develop, delete it.

    On a conflict it stops with the merge in progress: resolve, stage, then
    `finish --continue`, or `finish --abort` to undo everything. Any other failure
    undoes everything by itself.
    """
    from hotfix_guard.flow.finish import finish as run_finish

    if (resume or abort) and dry_run and not (resume and abort):
        raise click.UsageError("--dry-run plans a new finish; it does not go with --continue or --abort")
    action = _flow_action("finish", resume, abort, others=False, push=False)
    repo, config = flow_config(opts)
    return run_finish(
        repo,
        config,
        action=action,
        branch=branch,
        develop=None if no_develop else backmerge_to,
        skip_develop=no_develop,
        tag=None if no_tag else tag_name,
        skip_tag=no_tag,
        keep=keep,
        push=push,
        verify=not no_verify,
        dry_run=dry_run,
    )


@click.command(
    epilog="Example: hotfix-guard rollback    (v1.2.4 is bad → v1.2.5 restores v1.2.3)\n\n"
    f"""\b
Exit codes: 0 done (also a re-run with --push that pushed a complete rollback),
1 a step failed (everything was put back, or the message says to run --abort)
or the push was rejected or interrupted (the rollback is complete locally; run
rollback --push again), 2 a precondition failed, another hotfix-guard holds the lock, or a
rollback was cut off (nothing changed; run --continue or --abort),
{BUG_HELP},
130 interrupted by Ctrl-C, 143 terminated by SIGTERM (everything was put back)."""
)
@click.option(
    "--to", "to_tag", metavar="TAG", help="Release whose tree to restore (default: the one before the latest)."
)
@click.option("--tag", "tag_name", metavar="NAME", help="Tag for the rollback (default: the next patch of the latest).")
@click.option(
    "--push",
    is_flag=True,
    help="Push main and the new tag atomically. Run again after a rejected push, it pushes the complete rollback.",
)
@click.option("--dry-run", is_flag=True, help="Print the git commands, change nothing.")
@click.option(
    "--continue",
    "resume",
    is_flag=True,
    help="Complete a rollback that was cut off (killed, power cut): commit, move main, tag; push if asked then or now.",
)
@click.option(
    "--abort", is_flag=True, help="Undo a rollback that was cut off: main, the tag and the checkout as before it."
)
@click.pass_obj
def rollback(
    opts: Options, to_tag: str | None, tag_name: str | None, push: bool, dry_run: bool, resume: bool, abort: bool
) -> int:
    """Undo a bad release without rewriting history.

    One new commit on main whose tree is exactly an earlier release's, tagged as the
    next patch. Never force-pushes, never moves or deletes a tag.

    Its plan is journaled before the first change: a rollback cut off half way
    refuses a new one until `rollback --continue` completes it or `rollback --abort`
    puts main, the tag and the checkout back.
    """
    from hotfix_guard.flow.rollback import rollback as run_rollback

    action = _flow_action("rollback", resume, abort, others=bool(dry_run or to_tag or tag_name), push=push)
    repo, config = flow_config(opts)
    return run_rollback(repo, config, to_tag=to_tag, tag=tag_name, push=push, dry_run=dry_run, action=action)


def _flow_action(command: str, resume: bool, abort: bool, *, others: bool, push: bool) -> str:
    """ "run", "continue" or "abort" from the flags, with the usage errors the flow commands share:
    OTHERS says whether options of a new run were given too."""
    if resume and abort:
        raise click.UsageError("give --continue or --abort, not both")
    if (resume or abort) and others:
        raise click.UsageError("--continue and --abort take no other options (but --push with --continue)")
    if abort and push:
        raise click.UsageError(f"--abort undoes the {command}; it does not go with --push")
    return "continue" if resume else "abort" if abort else "run"
