"""The click group: `hotfix-guard [OPTIONS] COMMAND`. The one place errors become exit codes.

Each command lives in a module of commands/ and is imported only when it runs: `--help`
lists them from the table below without importing any, and the hooks (entry.py) do not
come here at all.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import click

from hotfix_guard import __version__
from hotfix_guard.commands.common import EXIT_CODES_HELP, Options
from hotfix_guard.errors import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    HotfixGuardError,
    Terminated,
    report_bug,
)
from hotfix_guard.render import FORMATS, REPORT_FORMATS, write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

# name -> (module in commands/, function, the one line `--help` shows). A test checks
# that each line is the command's own short help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "approve": ("approve", "approve", "Record an approval of the hotfix's current head commit (a git note)."),
    "check": ("validate", "check", "Run one check by its id."),
    "doctor": ("install", "doctor", "Tell whether the guards are really active in this repository."),
    "drill": ("drill", "drill", "Rehearse a hotfix in a throw-away repository, with the real commands."),
    "finish": (
        "flow",
        "finish",
        "Merge the hotfix into main (--no-ff), tag it, merge it back into develop, delete it.",
    ),
    "hook": ("hook", "hook", "Entry point for git hooks and pre-commit: hotfix-guard hook NAME [COMMIT_MSG_FILE]."),
    "init": (
        "init",
        "init",
        "Adopt this repository: detect its tags, branches and version files, and write the config.",
    ),
    "install-hooks": ("install", "install_hooks", "Install hotfix-guard's git hooks (no pre-commit framework needed)."),
    "notify": (
        "reports",
        "notify",
        "Print the message a release manager sends: to the team (--team) or to users (--users).",
    ),
    "review": ("reports", "review", "Write a post-incident review in Markdown, filled from the repository."),
    "rollback": ("flow", "rollback", "Undo a bad release without rewriting history."),
    "start": ("flow", "start", "Create and check out a hotfix branch at the latest release tag."),
    "status": (
        "reports",
        "status",
        "Triage at a glance: production version, main since it, the hotfix you are on, open hotfixes.",
    ),
    "tests": (
        "tests",
        "tests",
        "Select and run the focused tests: critical set, changed tests, and what the change reaches.",
    ),
    "uninstall-hooks": (
        "install",
        "uninstall_hooks",
        "Remove the git hooks install-hooks installed, restoring any hook it backed up.",
    ),
    "validate": ("validate", "validate", "Run every enabled check on the hotfix change, before release."),
}


# The commands that change refs: SIGTERM interrupts them like Ctrl-C, so that they undo.
FLOW_COMMANDS = ("start", "finish", "rollback")
_ARGV = "hotfix_guard.argv"
_SIGTERM = "hotfix_guard.sigterm"


class GuardedGroup(click.Group):
    """The root group: a command's int result is the exit code; our errors exit 2 in one line,
    and anything unexpected is a bug: exit 3, one line, the traceback in a log. Commands
    are loaded lazily from COMMANDS (click's documented lazy group)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            from importlib import import_module

            module, name, _short = COMMANDS[cmd_name]
            command = getattr(import_module(f"hotfix_guard.commands.{module}"), name)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table: `--help` imports no command."""
        names = [name for name in self.list_commands(ctx) if name in COMMANDS]
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
        form = ctx.params.get("form")  # parsed; the group's callback has not run yet
        if form in REPORT_FORMATS and name not in ("validate", "check"):
            raise click.UsageError(f"--format {form} is for validate and check; {name} prints text or json")
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
@click.option(
    "--format",
    "form",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format (junit and markdown: validate and check only; with github, GITHUB_STEP_SUMMARY gets the markdown too).",
)
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
