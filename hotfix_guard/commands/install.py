"""`install-hooks`, `uninstall-hooks` and `doctor`: putting the guards in place, and checking they are."""

from __future__ import annotations

import click

from hotfix_guard.commands.common import BUG_HELP, Options
from hotfix_guard.errors import EXIT_FAILED, EXIT_OK, HotfixGuardError
from hotfix_guard.render import write

HOOKS_EXIT_CODES_HELP = f"""\b
Exit codes: 0 done, 2 usage or repository error, another hotfix-guard command
holds the repository's lock, or a hook that is not ours is in the way (nothing
was changed),
{BUG_HELP}."""


@click.command(
    "install-hooks",
    epilog="Examples: hotfix-guard install-hooks --hooks commit-msg,pre-push\n\n"
    "hotfix-guard --repo /srv/git/app.git install-hooks --server\n\n" + HOOKS_EXIT_CODES_HELP,
)
@click.option(
    "--hooks",
    "hook_types",
    metavar="LIST",
    default=None,
    help="Comma-separated git hook types to install [default: pre-commit,commit-msg,pre-push; "
    "with --server: pre-receive,post-receive; update is for servers that call per-ref hooks].",
)
@click.option(
    "--server",
    is_flag=True,
    help="Install the server's hooks into a bare repository: every push it receives is checked "
    "(--no-verify cannot skip them), and overrides are recorded.",
)
@click.option(
    "--force", is_flag=True, help="Replace hooks that are not ours, keeping a backup that uninstall-hooks restores."
)
@click.pass_obj
def install_hooks(opts: Options, hook_types: str | None, server: bool, force: bool) -> int:
    """Install hotfix-guard's git hooks (no pre-commit framework needed).

    Small shell shims that run `hotfix-guard hook <type>`, put where git looks for
    hooks (core.hooksPath and linked worktrees included). A hook that is not ours is
    never overwritten unless --force, which keeps a backup. With --server, the
    pre-receive and post-receive hooks of a bare repository on the git server.
    """
    from hotfix_guard.install import SERVER_DEFAULT, parse_hook_types
    from hotfix_guard.install import install_hooks as run_install

    if hook_types is None:
        hook_types = ",".join(SERVER_DEFAULT) if server else "pre-commit,commit-msg,pre-push"
    try:
        wanted = parse_hook_types(hook_types, server)
    except HotfixGuardError as error:
        raise click.BadParameter(str(error).removeprefix(f"--hooks {hook_types!r}: "), param_hint="--hooks") from None
    for line in run_install(opts.repo, wanted, force, server):
        write(line + "\n")
    return EXIT_OK


@click.command(
    "uninstall-hooks",
    epilog="Example: hotfix-guard uninstall-hooks\n\n\b\nExit codes: 0 done, 2 usage or repository error "
    f"(or another hotfix-guard\ncommand holds the repository's lock),\n{BUG_HELP}.",
)
@click.pass_obj
def uninstall_hooks(opts: Options) -> int:
    """Remove the git hooks install-hooks installed, restoring any hook it backed up.

    Hooks that are not hotfix-guard's are left alone.
    """
    from hotfix_guard.install import uninstall_hooks as run_uninstall

    for line in run_uninstall(opts.repo):
        write(line + "\n")
    return EXIT_OK


@click.command(
    epilog="Example: hotfix-guard doctor --release\n\n\b\nExit codes: 0 the guards are active (--release: ready), 1 problems found "
    f"(each with the command\nthat fixes it), 2 usage or repository error,\n{BUG_HELP}.",
)
@click.option(
    "--release",
    is_flag=True,
    help="Is this release manager ready? Identity, a signing key that signs, push access (dry run), the guards, "
    "the pinned version, the approvals notes fetched, a recent drill.",
)
@click.pass_obj
def doctor(opts: Options, release: bool) -> int:
    """Tell whether the guards are really active in this repository.

    Which hook types are installed and by whom (hotfix-guard, the pre-commit framework
    and with which -t types, or another tool), whether the hotfix-guard on PATH is the
    version the hooks will call, whether the config parses, and whether the clone is
    shallow. In a bare repository (a git server's): the pre-receive, update and
    post-receive hooks, whether it accepts push options (the override needs them), and
    main's committed config. With --release, the release manager's checklist before the
    emergency instead: each item passes or says how to fix it (never a real push).
    """
    if release:
        from hotfix_guard import readiness
        from hotfix_guard.commands.common import flow_config

        repo, config = flow_config(opts)
        items = readiness.check(repo, config, opts.config_file)
        write(readiness.render(items))
        return EXIT_FAILED if any(not item.ok for item in items) else EXIT_OK
    from hotfix_guard.doctor import diagnose

    diagnosis = diagnose(opts.repo, opts.config_file)
    write(diagnosis.text())
    return EXIT_FAILED if diagnosis.problems else EXIT_OK
