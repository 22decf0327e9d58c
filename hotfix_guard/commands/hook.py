"""`hook NAME`: the hooks' entry point through click (for --help; entry.py skips click for real hook runs)."""

from __future__ import annotations

import os

import click

from hotfix_guard.commands.common import Options
from hotfix_guard.errors import RepoError
from hotfix_guard.hooks import hook_names


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=True)
@click.argument("name", type=click.Choice(hook_names()))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def hook(opts: Options, name: str, args: tuple[str, ...]) -> int:
    """Entry point for git hooks and pre-commit: hotfix-guard hook NAME [COMMIT_MSG_FILE].

    Passes silently on branches that are not hotfix branches, except near misses
    (Hotfix/v1.2.4), which are blocked. pre-commit stage: the change plus what is staged; pre-push stage: what is pushed; commit-msg: the message file.
    The git hook shims run `hook pre-commit`, `hook commit-msg FILE` and
    `hook pre-push REMOTE URL` (git's ref lines on standard input: every pushed ref).

    On the git server, in the bare repository (install-hooks --server): `hook pre-receive`
    (git's `<old> <new> <ref>` lines on standard input) or `hook update REF OLD NEW`
    check every push it receives by main's committed config (or --config), without the
    focused tests, which need a work tree; main is the branch the repository's HEAD names
    (else main, else master), never a refs/remotes/* ref. A push to main whose config does
    not load is refused (no override). The update hook judges each ref alone: a release tag
    pushed with main is judged against main as it stood (prefer pre-receive).
    `hook post-receive` records the overrides (git push -o hotfix-guard.override="INC-123: why")
    as git notes.
    """
    from hotfix_guard.hooks import SERVER_HOOKS
    from hotfix_guard.hooks import main as run_hook

    if opts.repo is not None and name in SERVER_HOOKS:
        # --repo drops the variables that tie git to a repository, git's quarantine among them:
        # the pushed objects would be out of sight.
        raise click.UsageError(
            f"hook {name} runs in the repository git runs it in (the pushed objects are there); drop --repo"
        )
    if opts.repo is not None:
        if not os.path.isdir(opts.repo):
            raise RepoError(f"{opts.repo!r} is not a directory")
        os.chdir(opts.repo)  # a hook works where git runs it: in the work tree
    config = ["--config", opts.config_file] if opts.config_file is not None else []
    return run_hook(name, [*config, *args])
