"""`hotfix-guard approve`: record an approval of a hotfix's head commit, as a git note."""

from __future__ import annotations

import click

from hotfix_guard.approvals import ROLES
from hotfix_guard.commands.common import BUG_HELP, Options, flow_config


@click.command(
    epilog="Example: hotfix-guard approve hotfix/v1.2.4 --role lead --comment 'read the diff, tests pass'\n\n"
    f"""\b
Exit codes: 0 recorded (or already recorded), 2 it cannot be recorded: an unknown
branch or tag, one that is not a hotfix, no git identity, or you are an author
of the hotfix's commits (an author's approval never counts),
{BUG_HELP}."""
)
@click.argument("name", metavar="[BRANCH|TAG]", required=False)
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="peer",
    show_default=True,
    help="What you approve as: a peer, the lead developer, or security (a security fix needs one).",
)
@click.option("--comment", metavar="TEXT", default="", help="One line on what you checked; recorded with the approval.")
@click.pass_obj
def approve(opts: Options, name: str | None, role: str, comment: str) -> int:
    """Record an approval of the hotfix's current head commit (a git note).

    BRANCH is a hotfix branch, TAG a hotfix's release tag (a critical hotfix's peer review
    after the release); default: the checked-out hotfix branch. The approval is of exactly
    that commit: a new commit makes it stale. It records who (git's identity), when, the
    role and the comment as a note under refs/notes/hotfix-guard-approvals; share it with
    git push origin refs/notes/hotfix-guard-approvals. With a user.signingKey the note is
    signed and names the key's fingerprint; a signed approval counts only when its
    signature verifies and its signer is you (for ssh: your email is the key's principal in
    gpg.ssh.allowedSignersFile). Someone who is an author under another email or by name,
    a committer, or a Co-authored-by of the hotfix's commits, cannot approve.
    """
    from hotfix_guard.approvals import give

    repo, config = flow_config(opts)
    return give(repo, config, name, role, comment)
