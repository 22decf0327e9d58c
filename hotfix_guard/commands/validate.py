"""`validate` and the `check ID` family: every enabled check, or one, on a hotfix change.

The `check` subcommands come from the check registry: a check with no command of its own
here gets one with --base/--head/--branch, plus --staged when it judges the changed
files and a flag for each run option it honours.
"""

from __future__ import annotations

import os

import click

from hotfix_guard.checks import registry
from hotfix_guard.collect import Target
from hotfix_guard.commands.common import BUG_HELP, EXIT_CODES_HELP, Options, change_options, output
from hotfix_guard.commands.validate_run import validate_change
from hotfix_guard.errors import RepoError
from hotfix_guard.options import RunOptions, run_options
from hotfix_guard.validation import Report, for_target

CHECK_IDS = tuple(registry())
# `check ID` has no --strict: a warning never fails it.
CHECK_EXIT_CODES_HELP = f"""\b
Exit codes: 0 no errors (warnings allowed; also a check skipped as out of scope),
1 the check failed, 2 usage, config or repository error,
{BUG_HELP}."""
ALLOW_LARGE_HELP = "Accept more changed files than the limit (also HOTFIX_GUARD_ALLOW_LARGE=1)."


@click.command(epilog=EXIT_CODES_HELP)
@change_options
@click.option(
    "--skip",
    "skip",
    multiple=True,
    type=click.Choice(CHECK_IDS),
    metavar="ID",
    help=f"Skip a check (repeatable): {', '.join(CHECK_IDS)}.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--allow-large", is_flag=True, help=ALLOW_LARGE_HELP)
@click.pass_obj
def validate(
    opts: Options,
    base: str | None,
    head: str | None,
    branch: str | None,
    skip: tuple[str, ...],
    strict: bool,
    allow_large: bool,
) -> int:
    """Run every enabled check on the hotfix change, before release.

    Fails on a branch that is not a hotfix branch. The focused tests run last, and only
    when no other check failed (with --strict: or warned). When the file limit is exceeded in an interactive
    terminal, asks "Continue with hotfix? [y/N]". In CI (CI=true) no main branch to take the rules
    from is an error (exit 2), not the defaults: fetch main first, or pass --config FILE.
    """
    options = run_options(allow_large=allow_large, strict=strict, skip=skip)
    return validate_change(opts, base, head, branch, options)


@click.group(help=f"Run one check by its id.\n\nThe checks: {', '.join(CHECK_IDS)}.")
def check() -> None:
    pass


@check.command("branch-name", epilog=CHECK_EXIT_CODES_HELP)
@click.argument("name", required=False)
@click.option("--base", metavar="REF", help="Base release (default: the nearest release tag reachable from HEAD).")
@click.pass_obj
def check_branch_name(opts: Options, name: str | None, base: str | None) -> int:
    """Check a branch name (default: the checked-out branch).

    Accepted: hotfix/vX.Y.Z (the next patch of the base, not yet tagged),
    hotfix/security-YYYY-NNN, hotfix/<kebab-case>, hotfix/vYYYYMMDD_HHMM (v: the
    tag-prefix). A name outside hotfix/ is not checked (skipped, exit 0), except a
    near miss such as Hotfix/v1.2.4, which fails.
    """
    return _run_one(opts, "branch-name", Target(opts.repo, None, base, name), run_options())


@check.command("commit-message", epilog=CHECK_EXIT_CODES_HELP)
@click.option(
    "--file",
    "message_file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="Check a commit message file (as the commit-msg hook does); - for stdin.",
)
@click.option("--range", "commit_range", metavar="A..B", help="Check every non-merge commit in A..B.")
@change_options
@click.pass_obj
def check_commit_message(
    opts: Options,
    message_file: str | None,
    commit_range: str | None,
    base: str | None,
    head: str | None,
    branch: str | None,
) -> int:
    """Check commit messages carry HOTFIX and a conventional fix header.

    Default: every commit of the hotfix change (base..head).
    """
    if message_file is not None and commit_range is not None:
        raise click.UsageError("give either --file or --range, not both")
    if message_file is not None:
        return _check_message_file(opts, message_file)
    if commit_range is not None:
        base, head = _split_range(commit_range)
    return _run_one(opts, "commit-message", Target(opts.repo, head, base, branch), run_options())


def _generic_command(check_id: str) -> click.Command:
    """`check ID` for a check with no command of its own: the change's base, head and branch,
    --staged when it judges the changed files, and its run options as flags."""
    spec = registry()[check_id]
    staged_option = "files" in spec.needs

    @change_options
    @click.pass_obj
    def command(
        opts: Options,
        base: str | None,
        head: str | None,
        branch: str | None,
        staged: bool = False,
        allow_large: bool = False,
    ) -> int:
        target = Target(opts.repo, head, base, branch, staged)
        return _run_one(opts, check_id, target, run_options(allow_large=allow_large))

    if staged_option:
        command = click.option(
            "--staged",
            is_flag=True,
            help="Count what is staged too (base against the index), as the pre-commit hook does.",
        )(command)
    if "allow-large" in spec.run_options:
        command = click.option("--allow-large", is_flag=True, help=ALLOW_LARGE_HELP)(command)
    return click.command(check_id, help=f"Check: {spec.summary}", epilog=CHECK_EXIT_CODES_HELP)(command)


for _check_id in CHECK_IDS:
    if _check_id not in check.commands:
        check.add_command(_generic_command(_check_id))


def _split_range(commit_range: str) -> tuple[str, str]:
    base, separator, head = commit_range.partition("..")
    if not separator or not base or head.startswith("."):
        raise click.BadParameter(f"{commit_range!r} is not a range like v1.2.3..HEAD", param_hint="--range")
    return base, head or "HEAD"


def _check_message_file(opts: Options, path: str) -> int:
    from hotfix_guard.checks.commit_message import check_message_file
    from hotfix_guard.config import load_config
    from hotfix_guard.model import Change, with_check_severity
    from hotfix_guard.validation import OFF, CheckResult, status_of

    with click.open_file(path, "rb") as handle:
        data = handle.read()
    config = load_config(_message_file_top(opts), opts.config_file)
    severity = config.severity["commit-message"]
    change = Change(branch=None, base="", base_version=None, head=path)
    if severity == OFF:
        report = Report(change, [CheckResult("commit-message", OFF, "severity is off in config")], [], config.origin)
    else:
        findings = with_check_severity(check_message_file(data, config), severity)
        report = Report(change, [CheckResult("commit-message", status_of(findings))], findings, config.origin)
    return output(report, opts, run_options(), "check commit-message")


def _message_file_top(opts: Options) -> str:
    """Whose config judges a message file: the repository's top as git sees it (an inherited
    GIT_DIR / GIT_WORK_TREE counts, as in a hook), or the folder itself outside a repository."""
    from hotfix_guard import gitrepo

    found = gitrepo.find_git_dir(opts.repo or os.getcwd())
    if found is not None:
        return found[0]
    try:
        return gitrepo.locate(opts.repo).top
    except RepoError:
        return opts.repo or os.getcwd()


def _run_one(opts: Options, check_id: str, target: Target, options: RunOptions) -> int:
    validation = for_target(target, opts.config_file, [check_id], options=options, require_hotfix=False)
    return output(validation.run(options), opts, options, f"check {check_id}")
