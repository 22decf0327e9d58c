"""The click CLI: `hotfix-guard [OPTIONS] COMMAND`. The one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import click

from hotfix_guard import __version__
from hotfix_guard.branches import OTHER, classify
from hotfix_guard.collect import Target, collect_change, head_info, resolve_branch
from hotfix_guard.config import CHECK_IDS, load_config
from hotfix_guard.drill import NAMES as DRILL_SCENARIOS
from hotfix_guard.errors import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    HotfixGuardError,
    RepoError,
    Terminated,
    report_bug,
)
from hotfix_guard.hooks import HOOKS
from hotfix_guard.options import RunOptions, run_options
from hotfix_guard.report import FORMATS, render, write
from hotfix_guard.runner import FAILED, Report, checks_to_run, run_checks
from hotfix_guard.severity import NAMES as SEVERITY_NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from hotfix_guard.config import Config
    from hotfix_guard.flow.common import Repo
    from hotfix_guard.focus.focused import Outcome as FocusOutcome
    from hotfix_guard.focus.select import Context as FocusContext
    from hotfix_guard.model import Change

# Every exit-code list ends with this: an unexpected exception is a bug, never "a check failed".
BUG_HELP = "3 a bug in hotfix-guard (details in .git/hotfix-guard/error.log)"

FLOW_EXIT_CODES_HELP = f"""\b
Exit codes: 0 done, 1 a step failed (everything was put back), a merge conflict
stopped it, or the push was rejected, 2 a precondition failed or another
hotfix-guard holds the lock (nothing changed),
{BUG_HELP},
130 interrupted by Ctrl-C, 143 terminated by SIGTERM (everything was put back)."""

EXIT_CODES_HELP = f"""\b
Exit codes: 0 no errors (warnings allowed unless --strict), 1 a check failed,
2 usage, config or repository error,
{BUG_HELP}."""


class Options:
    __slots__ = ("repo", "config_file", "form", "colour")

    def __init__(self, repo: str | None, config_file: str | None, form: str, colour: bool):
        self.repo = repo
        self.config_file = config_file
        self.form = form
        self.colour = colour


# The commands that change refs: SIGTERM interrupts them like Ctrl-C, so that they undo.
FLOW_COMMANDS = ("start", "finish", "rollback")
_ARGV = "hotfix_guard.argv"
_SIGTERM = "hotfix_guard.sigterm"


class GuardedGroup(click.Group):
    """The root group: a command's int result is the exit code; our errors exit 2 in one line,
    and anything unexpected is a bug: exit 3, one line, the traceback in a log."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        argv = [info_name or "hotfix-guard", *args]
        ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[_ARGV] = argv
        return ctx

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name in FLOW_COMMANDS:
            ctx.meta[_SIGTERM] = ctx.with_resource(sigterm_interrupts())  # until the command ends
        return name, command, rest

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
        except HotfixGuardError as error:
            write(f"hotfix-guard: error: {error}\n", sys.stderr)
            ctx.exit(error.exit_code)
        except click.ClickException as error:
            ctx.exit(show_click_error(error))
        except (click.exceptions.Exit, click.exceptions.Abort, BrokenPipeError):
            raise  # click's own ways out
        except Exception as error:
            ctx.exit(report_bug(error, ctx.meta.get(_ARGV, sys.argv), getattr(ctx.obj, "repo", None)))
        terminated = ctx.meta.get(_SIGTERM)
        if result == EXIT_INTERRUPTED and terminated is not None and terminated.received:
            result = EXIT_TERMINATED
        if isinstance(result, int) and result:
            ctx.exit(result)
        return result


class SigtermState:
    __slots__ = ("received",)

    def __init__(self) -> None:
        self.received = False


@contextmanager
def sigterm_interrupts() -> Iterator[SigtermState]:
    """While a flow command runs, SIGTERM raises Terminated (a KeyboardInterrupt), so that
    `kill` gets the same undo as Ctrl-C. Later SIGTERMs are noted, not raised: they must
    not cut the undo short (SIGKILL still stops everything)."""
    import signal

    state = SigtermState()

    def interrupt(signum: int, frame: object) -> None:
        if not state.received:
            state.received = True
            raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (an embedding caller): signals are not ours to take
        yield state
        return
    try:
        yield state
    finally:
        signal.signal(signal.SIGTERM, previous)


def show_click_error(error: click.ClickException) -> int:
    """A usage error in one line, like every other error (bare `hotfix-guard` shows the help)."""
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        error.show()
        return EXIT_ERROR
    context = getattr(error, "ctx", None)
    hint = f" (see '{context.command_path} --help')" if context is not None else ""
    write(f"hotfix-guard: error: {' '.join(error.format_message().split())}{hint}\n", sys.stderr)
    return EXIT_ERROR


@click.group(
    "hotfix-guard", cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP
)
@click.option(
    "--repo",
    metavar="PATH",
    help="Repository to work on (default: the current directory, or GIT_DIR / GIT_WORK_TREE when set; "
    "--repo overrides them).",
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Config file (default: .hotfix-guard.toml, pyproject.toml, setup.cfg).",
)
@click.option("--format", "form", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set or output is not a terminal).")
@click.version_option(__version__, prog_name="hotfix-guard")
@click.pass_context
def cli(ctx: click.Context, repo: str | None, config_file: str | None, form: str, no_color: bool) -> None:
    """Guard emergency hotfix releases: branch naming, change size, HOTFIX commit messages, scope.

    A hotfix branch (hotfix/v1.2.4) starts at a release tag (v1.2.3), its base. The
    change is everything from the base to the branch head.
    """
    colour = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    if repo is not None:
        from hotfix_guard.gitrepo import forget_inherited_repository

        forget_inherited_repository()  # --repo wins over a GIT_DIR inherited from another repository's hook
    ctx.obj = Options(repo, config_file, form, colour)


def change_options(function: Callable[..., int]) -> Callable[..., int]:
    """--base/--head/--branch: which change to check."""
    function = click.option(
        "--branch",
        metavar="NAME",
        help="Branch name to check (default: the checked-out branch, or the CI's GITHUB_HEAD_REF / GITHUB_REF_NAME / CI_COMMIT_REF_NAME on a detached HEAD).",
    )(function)
    function = click.option("--head", metavar="REF", help="Head of the change (default: HEAD).")(function)
    function = click.option(
        "--base", metavar="REF", help="Base of the change (default: the nearest release tag reachable from the head)."
    )(function)
    return function


@cli.command(epilog=EXIT_CODES_HELP)
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
@click.option(
    "--allow-large", is_flag=True, help="Accept more changed files than the limit (also HOTFIX_GUARD_ALLOW_LARGE=1)."
)
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

    Fails on a branch that is not a hotfix branch. When the file limit is exceeded in an
    interactive terminal, asks "Continue with hotfix? [y/N]".
    """
    target = Target(opts.repo, head, base, branch)
    options = run_options(allow_large=allow_large, strict=strict, skip=skip)
    config, change = _prepare(opts, target, options, checks=None, require_hotfix=True)
    report = run_checks(change, config, options)
    if _should_ask(report, options, opts):
        write(render_file_count(report, opts))
        if click.confirm("Continue with hotfix?", default=False):
            options = options.allowing_large()
            report = run_checks(change, config, options)
    return _output(report, opts, options, "validate")


def render_file_count(report: Report, opts: Options) -> str:
    from hotfix_guard.report import render_findings

    return render_findings([f for f in report.findings if f.check == "file-count"], opts.colour)


def _should_ask(report: Report, options: RunOptions, opts: Options) -> bool:
    failed = any(r.check == "file-count" and r.status == FAILED for r in report.results)
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and opts.form == "text"
    return failed and interactive and not options.allow_large


@cli.group()
def check() -> None:
    """Run one check: branch-name, file-count, diff-size, commit-message or scope."""


@check.command("branch-name", epilog=EXIT_CODES_HELP)
@click.argument("name", required=False)
@click.option("--base", metavar="REF", help="Base release (default: the nearest release tag reachable from HEAD).")
@click.pass_obj
def check_branch_name(opts: Options, name: str | None, base: str | None) -> int:
    """Check a branch name (default: the checked-out branch).

    Accepted: hotfix/vX.Y.Z (the next patch of the base, not yet tagged),
    hotfix/security-YYYY-NNN, hotfix/<kebab-case>, hotfix/vYYYYMMDD_HHMM. Names outside
    hotfix/ pass, except near misses such as Hotfix/v1.2.4.
    """
    return _run_one(opts, "branch-name", Target(opts.repo, None, base, name), run_options())


def _single_check(check_id: str, summary: str, staged_option: bool) -> None:
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

    command.__doc__ = summary
    if staged_option:
        command = click.option(
            "--staged",
            is_flag=True,
            help="Count what is staged too (base against the index), as the pre-commit hook does.",
        )(command)
    if check_id == "file-count":
        command = click.option(
            "--allow-large",
            is_flag=True,
            help="Accept more changed files than the limit (also HOTFIX_GUARD_ALLOW_LARGE=1).",
        )(command)
    check.command(check_id, epilog=EXIT_CODES_HELP)(command)


_single_check(
    "file-count", "Check the number of changed files (renames count once; deletions and binaries count).", True
)
_single_check("diff-size", "Check lines added + removed in the whole change (git's numstat).", True)
_single_check("scope", "Check the change starts at its base, is not empty and carries no development work.", False)


@check.command("commit-message", epilog=EXIT_CODES_HELP)
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


def _split_range(commit_range: str) -> tuple[str, str]:
    base, separator, head = commit_range.partition("..")
    if not separator or not base or head.startswith("."):
        raise click.BadParameter(f"{commit_range!r} is not a range like v1.2.3..HEAD", param_hint="--range")
    return base, head or "HEAD"


def _check_message_file(opts: Options, path: str) -> int:
    from hotfix_guard.checks.commit_message import check_message_file
    from hotfix_guard.model import Change, with_check_severity
    from hotfix_guard.runner import OFF, CheckResult, status_of

    with click.open_file(path, "rb") as handle:
        data = handle.read()
    config = load_config(_message_file_top(opts), opts.config_file)
    severity = config.severity["commit-message"]
    change = Change(branch=None, base="", base_version=None, head=path)
    if severity == OFF:
        report = Report(change, [CheckResult("commit-message", OFF, "severity is off in config")], [])
    else:
        findings = with_check_severity(check_message_file(data, config), severity)
        report = Report(change, [CheckResult("commit-message", status_of(findings))], findings)
    return _output(report, opts, run_options(), "check commit-message")


def _message_file_top(opts: Options) -> str:
    """Whose config judges a message file: the repository's top as git sees it (an inherited
    GIT_DIR / GIT_WORK_TREE counts, as in a hook), or the folder itself outside a repository."""
    from hotfix_guard import gitrepo

    found = gitrepo.find_git_dir(opts.repo or os.getcwd())
    if found is not None:
        return found[0]
    try:
        return gitrepo.repo_info(opts.repo).top
    except RepoError:
        return opts.repo or os.getcwd()


def _run_one(opts: Options, check_id: str, target: Target, options: RunOptions) -> int:
    config, change = _prepare(opts, target, options, checks=[check_id], require_hotfix=False)
    report = run_checks(change, config, options, only=[check_id])
    return _output(report, opts, options, f"check {check_id}")


def _prepare(
    opts: Options, target: Target, options: RunOptions, checks: list[str] | None, require_hotfix: bool
) -> tuple[Config, Change]:
    info = head_info(target)
    config = load_config(info.top, opts.config_file)
    branch = resolve_branch(target, info.git_dir)
    if branch is None and (require_hotfix or "branch-name" in (checks or ())):
        raise RepoError(_unknown_branch_message(target))
    if require_hotfix:
        _require_hotfix_branch(branch, config)
    enabled = checks if checks is not None else checks_to_run(config, options)
    assert info.head_sha is not None
    return config, collect_change(target, info.head_sha, branch, config, enabled)


def _unknown_branch_message(target: Target) -> str:
    if target.head is not None:
        return f"--head {target.head!r} does not name a branch; pass --branch NAME"
    return (
        "HEAD is detached and no CI branch variable (GITHUB_HEAD_REF, GITHUB_REF_NAME, "
        "CI_COMMIT_REF_NAME) is set; pass --branch NAME"
    )


def _require_hotfix_branch(branch: str | None, config: Config) -> None:
    if branch is None or classify(branch, config) == OTHER:
        raise RepoError(
            f"{branch!r} is not a hotfix branch; validate checks a {config.branch_prefix}... branch "
            "before release (check one out, or pass --branch NAME)"
        )


def _output(report: Report, opts: Options, options: RunOptions, title: str) -> int:
    write(render(report, opts.form, opts.colour, options.strict, title))
    return report.exit_code(options.strict)


TESTS_HELP_EPILOG = f"""\b
Examples:
  hotfix-guard tests                   select and run the focused tests of this hotfix
  hotfix-guard tests --list --explain  show what would run, and why
  hotfix-guard tests --build-map       once per release: map which test runs which line

\b
Exit codes: 0 the selected tests passed (or --list / --build-map done), 1 a selected
test failed, pytest could not collect them, ran none, or the run timed out, 2 usage,
config or repository error (or pytest could not start), 130 interrupted,
{BUG_HELP}."""


@cli.command("tests", epilog=TESTS_HELP_EPILOG)
@click.option(
    "--base", metavar="REF", help="Base of the change (default: the nearest release tag reachable from the head)."
)
@click.option("--head", metavar="REF", help="Head of the change (default: HEAD).")
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Print the selected test ids (or whole test files), one a line; run nothing.",
)
@click.option("--explain", is_flag=True, help="With --list: a '# reason' line before each group.")
@click.option(
    "--build-map",
    is_flag=True,
    help="Run the whole suite on the base under coverage and store which test runs which line.",
)
@click.option(
    "--python", metavar="PATH", help="The project's Python (default: [focused-tests] python, else python on PATH)."
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Kill the test run after this long (default: [focused-tests] timeout, 900).",
)
@click.pass_obj
def tests(
    opts: Options,
    base: str | None,
    head: str | None,
    list_only: bool,
    explain: bool,
    build_map: bool,
    python: str | None,
    timeout: int | None,
) -> int:
    """Select and run the focused tests: critical set, changed tests, and what the change reaches.

    Without a map, impacted tests come from the import graph; `--build-map` (run once on
    the base release) lets the selection follow the changed lines instead. Files that
    cannot be traced (conftest.py, pytest or packaging config, data files) select the
    whole suite, and the reason is printed.
    """
    from hotfix_guard.focus import show
    from hotfix_guard.focus.focused import build_map as build_test_map
    from hotfix_guard.focus.focused import run_focused, select_at_head

    if explain and not list_only:
        raise click.UsageError("--explain goes with --list")
    context = _focus_context(opts, base, head)
    if build_map:
        built = build_test_map(context, python)
        write(
            f"test map of {context.base_sha[:12]}: {built.tests} tests over {built.files} files, stored in {built.path}\n",
            sys.stderr,
        )
        if not list_only:
            return EXIT_OK
    if list_only:
        write(show.listing(select_at_head(context), explain))
        return EXIT_OK
    if opts.form == "json":
        import json

        outcome = run_focused(context, output=2, python=python, timeout=timeout)
        write(json.dumps(outcome.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        outcome = run_focused(context, 1, python, timeout, on_selected=lambda chosen: write(show.header(chosen)))
        write(show.footer(outcome))
    return _focused_exit(outcome)


def _focus_context(opts: Options, base: str | None, head: str | None) -> FocusContext:
    from hotfix_guard import gitrepo
    from hotfix_guard.collect import resolve_base
    from hotfix_guard.focus.select import Context

    target = Target(opts.repo, head, base)
    info = head_info(target)
    config = load_config(info.top, opts.config_file)
    assert info.head_sha is not None
    _name, base_rev, _version = resolve_base(target, info.head_sha, config)
    base_sha = gitrepo.commit_sha(base_rev, opts.repo)
    assert base_sha is not None
    return Context(info.top, info.git_dir, base_sha, info.head_sha, config)


def _focused_exit(outcome: FocusOutcome) -> int:
    result = outcome.result
    if result is None or result.outcome == "passed":
        return EXIT_OK
    return EXIT_ERROR if result.outcome == "error" else EXIT_FAILED


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=True)
@click.argument("name", type=click.Choice(HOOKS))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def hook(opts: Options, name: str, args: tuple[str, ...]) -> int:
    """Entry point for git hooks and pre-commit: hotfix-guard hook NAME [COMMIT_MSG_FILE].

    Passes silently on branches that are not hotfix branches. pre-commit stage: the change
    plus what is staged; pre-push stage: what is pushed; commit-msg: the message file.
    The git hook shims run `hook pre-commit`, `hook commit-msg FILE` and
    `hook pre-push REMOTE URL` (git's ref lines on standard input: every pushed ref).
    """
    from hotfix_guard.hooks import main as run_hook

    if opts.repo is not None:
        if not os.path.isdir(opts.repo):
            raise RepoError(f"{opts.repo!r} is not a directory")
        os.chdir(opts.repo)  # a hook works where git runs it: in the work tree
    config = ["--config", opts.config_file] if opts.config_file is not None else []
    return run_hook(name, [*config, *args])


def _flow_config(opts: Options) -> tuple[Repo, Config]:
    from hotfix_guard.flow.common import Repo

    repo = Repo(opts.repo)
    return repo, load_config(repo.top, opts.config_file)


@cli.command(
    epilog="Example: hotfix-guard start --severity critical --summary 'Login accepts empty tokens'"
    "    (on v1.2.3 → creates hotfix/v1.2.4)\n\n"
    f"""\b
Exit codes: 0 done (also a re-run that found the start complete), 1 the push
was rejected (the branch is kept; run start --push again), 2 a precondition
failed, another hotfix-guard holds the lock, another start was cut off (run
--continue or --abort), or a step failed (everything was put back, or the
message says to run --abort),
{BUG_HELP},
130 interrupted by Ctrl-C, 143 terminated by SIGTERM (everything was put back)."""
)
@click.argument("name", required=False)
@click.option("--from", "from_tag", metavar="TAG", help="Base release (default: the highest release tag).")
@click.option("--security", is_flag=True, help="Name it hotfix/security-YYYY-NNN (next number not yet used this year).")
@click.option("--timestamp", is_flag=True, help="Name it hotfix/vYYYYMMDD_HHMM.")
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

    Default name hotfix/vX.Y.(Z+1) from the highest release vX.Y.Z; NAME gives
    hotfix/NAME (kebab-case). Refuses on a dirty tree, an existing branch or tag.

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
    repo, config = _flow_config(opts)
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


@cli.command(epilog="Example: hotfix-guard finish --push    (on hotfix/v1.2.4)\n\n" + FLOW_EXIT_CODES_HELP)
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
    repo, config = _flow_config(opts)
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


@cli.command(
    epilog="Example: hotfix-guard rollback    (v1.2.4 is bad → v1.2.5 restores v1.2.3)\n\n"
    f"""\b
Exit codes: 0 done (also a re-run with --push that pushed a complete rollback),
1 a step failed (everything was put back, or the message says to run --abort)
or the push was rejected (the rollback is complete locally; run rollback --push
again), 2 a precondition failed, another hotfix-guard holds the lock, or a
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
    repo, config = _flow_config(opts)
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


REPORT_EXIT_CODES_HELP = f"""\b
Exit codes: 0 done, 2 usage, config or repository error (an unknown branch or
tag, one that is not a hotfix, a file that cannot be read or written),
{BUG_HELP}."""


@cli.command(epilog="Example: hotfix-guard status --format json > triage.json\n\n" + REPORT_EXIT_CODES_HELP)
@click.option(
    "--format",
    "status_format",
    type=click.Choice(("text", "json")),
    help="Output format (default: the global --format, text unless json).",
)
@click.pass_obj
def status(opts: Options, status_format: str | None) -> int:
    """Triage at a glance: production version, main since it, the hotfix you are on, open hotfixes.

    On a hotfix branch: its base, the change so far, each check's result, and the time
    since start against its severity's budget.
    """
    from hotfix_guard import status as triage

    repo, config = _flow_config(opts)
    facts = triage.gather(repo, config, options=run_options())
    form = status_format or ("json" if opts.form == "json" else "text")
    write(triage.render_json(facts) if form == "json" else triage.render_text(facts))
    return EXIT_OK


@cli.command(
    epilog="Example: hotfix-guard review v1.2.4 --output docs/incidents/v1.2.4.md\n\n" + REPORT_EXIT_CODES_HELP
)
@click.argument("name", metavar="[BRANCH|TAG]", required=False)
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write the review to FILE, inside the repository (- for standard output); an existing file is refused.",
)
@click.option("--force", is_flag=True, help="With --output: overwrite FILE if it exists.")
@click.pass_obj
def review(opts: Options, name: str | None, output: str | None, force: bool) -> int:
    """Write a post-incident review in Markdown, filled from the repository.

    BRANCH is a hotfix branch (finished or in progress), TAG a hotfix's release tag;
    default: the checked-out hotfix branch, else the latest release if it is a hotfix.
    Timeline table and Mermaid gantt chart against the severity budget, the change and
    its checks, sections marked TO BE WRITTEN, and the documentation checklist.
    """
    from hotfix_guard.incident import find_incident
    from hotfix_guard.review import render, write_review

    if force and output is None:
        raise click.UsageError("--force goes with --output FILE")
    repo, config = _flow_config(opts)
    text = render(find_incident(repo, config, name), config)
    if output is None or output == "-":
        write(text)
    else:
        write_review(text, output, force, repo.top)
        write(f"wrote the review to {output}\n")
    return EXIT_OK


@cli.command(epilog="Example: hotfix-guard notify --users v1.2.4\n\n" + REPORT_EXIT_CODES_HELP)
@click.argument("name", metavar="[BRANCH|TAG]", required=False)
@click.option("--team", is_flag=True, help="The team notification, while the hotfix is under way.")
@click.option("--users", is_flag=True, help="The notice for users, after the release.")
@click.pass_obj
def notify(opts: Options, name: str | None, team: bool, users: bool) -> int:
    """Print the message a release manager sends: to the team (--team) or to users (--users).

    Filled from the repository and the start record; what it cannot know is a visible
    <fill in: ...> placeholder. [notify] install-command sets how users update;
    team-template and users-template name files that replace the built-in templates.
    """
    from hotfix_guard.incident import find_incident
    from hotfix_guard.notify import message

    if team == users:
        raise click.UsageError("give one of --team and --users")
    repo, config = _flow_config(opts)
    incident = find_incident(repo, config, name)
    write(message("team" if team else "users", incident, config, repo.top))
    return EXIT_OK


DRILL_EXIT_CODES_HELP = f"""\b
Exit codes: 0 the drill passed, 1 a step did not go as the procedure expects,
2 the sandbox could not be set up, 130 interrupted (the sandbox is removed in
every case, unless --keep),
{BUG_HELP}."""


@cli.command(epilog="Example: hotfix-guard drill --scenario data-corruption --keep\n\n" + DRILL_EXIT_CODES_HELP)
@click.option(
    "--scenario",
    type=click.Choice(DRILL_SCENARIOS),
    default=DRILL_SCENARIOS[0],
    show_default=True,
    help="The fault that shipped in the sandbox's release.",
)
@click.option("--keep", is_flag=True, help="Keep the sandbox and print its path.")
def drill(scenario: str, keep: bool) -> int:
    """Rehearse a hotfix in a throw-away repository, with the real commands.

    Builds a small application with tests, released as v1.0.0 with the scenario's
    fault, then runs status, start --severity, a commit the HOTFIX guard rejects, the
    fix, validate, finish --push and review, timing each against the severity budget,
    and prints a scorecard. Never touches the current directory or its repository.
    """
    from hotfix_guard.drill import drill as run_drill

    return run_drill(scenario, keep)


HOOKS_EXIT_CODES_HELP = f"""\b
Exit codes: 0 done, 2 usage or repository error, another hotfix-guard command
holds the repository's lock, or a hook that is not ours is in the way (nothing
was changed),
{BUG_HELP}."""


@cli.command(
    "install-hooks",
    epilog="Example: hotfix-guard install-hooks --hooks commit-msg,pre-push\n\n" + HOOKS_EXIT_CODES_HELP,
)
@click.option(
    "--hooks",
    "hook_types",
    metavar="LIST",
    default="pre-commit,commit-msg,pre-push",
    show_default=True,
    help="Comma-separated git hook types to install.",
)
@click.option(
    "--force", is_flag=True, help="Replace hooks that are not ours, keeping a backup that uninstall-hooks restores."
)
@click.pass_obj
def install_hooks(opts: Options, hook_types: str, force: bool) -> int:
    """Install hotfix-guard's git hooks (no pre-commit framework needed).

    Small shell shims that run `hotfix-guard hook <type>`, put where git looks for
    hooks (core.hooksPath and linked worktrees included). A hook that is not ours is
    never overwritten unless --force, which keeps a backup.
    """
    from hotfix_guard.install import install_hooks as run_install
    from hotfix_guard.install import parse_hook_types

    try:
        wanted = parse_hook_types(hook_types)
    except HotfixGuardError as error:
        raise click.BadParameter(str(error).removeprefix(f"--hooks {hook_types!r}: "), param_hint="--hooks") from None
    for line in run_install(opts.repo, wanted, force):
        write(line + "\n")
    return EXIT_OK


@cli.command(
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


@cli.command(
    epilog="Example: hotfix-guard doctor\n\n\b\nExit codes: 0 the guards are active, 1 problems found "
    f"(each with the command\nthat fixes it), 2 usage or repository error,\n{BUG_HELP}.",
)
@click.pass_obj
def doctor(opts: Options) -> int:
    """Tell whether the guards are really active in this repository.

    Which hook types are installed and by whom (hotfix-guard, the pre-commit framework
    and with which -t types, or another tool), whether the hotfix-guard on PATH is the
    version the hooks will call, whether the config parses, and whether the clone is
    shallow.
    """
    from hotfix_guard.doctor import diagnose

    diagnosis = diagnose(opts.repo, opts.config_file)
    write(diagnosis.text())
    return EXIT_FAILED if diagnosis.problems else EXIT_OK


def main(args: list[str] | None = None) -> int:
    try:
        result = cli.main(args=args, prog_name="hotfix-guard", standalone_mode=False)
    except click.exceptions.Abort as abort:
        if isinstance(abort.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            return _interrupted(abort.__cause__)
        write("\nAborted.\n", sys.stderr)
        return EXIT_FAILED
    except click.ClickException as error:
        return show_click_error(error)
    except KeyboardInterrupt as interrupt:
        return _interrupted(interrupt)
    except Exception as error:  # a bug outside any command (the group's own parsing)
        return report_bug(error, ["hotfix-guard", *(sys.argv[1:] if args is None else args)])
    return result if isinstance(result, int) else EXIT_OK


def _interrupted(interrupt: KeyboardInterrupt) -> int:
    if isinstance(interrupt, Terminated):
        write("\nTerminated.\n", sys.stderr)
        return EXIT_TERMINATED
    write("\nInterrupted.\n", sys.stderr)
    return EXIT_INTERRUPTED
