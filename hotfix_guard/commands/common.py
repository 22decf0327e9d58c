"""What the commands share: the global options, the exit-code texts, and the output."""

from __future__ import annotations

import os

from hotfix_guard.render import render, write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions
    from hotfix_guard.repository import Repo
    from hotfix_guard.validation import Report

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

REPORT_EXIT_CODES_HELP = f"""\b
Exit codes: 0 done, 2 usage, config or repository error (an unknown branch or
tag, one that is not a hotfix, a file that cannot be read or written),
{BUG_HELP}."""


class Options:
    """The group's options, as every command receives them (click's `obj`)."""

    __slots__ = ("repo", "config_file", "form", "colour")

    def __init__(self, repo: str | None, config_file: str | None, form: str, colour: bool):
        self.repo = repo
        self.config_file = config_file
        self.form = form
        self.colour = colour


def change_options(function: Callable[..., int]) -> Callable[..., int]:
    """--base/--head/--branch: which change to check."""
    import click  # here, not above: a plain validate runs this module without click (validate_run.py)

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


def output(report: Report, opts: Options, options: RunOptions, title: str) -> int:
    write(render(report, opts.form, opts.colour, options.strict, title))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if opts.form == "github" and summary:
        _append_step_summary(summary, render(report, "markdown", False, options.strict, title))
    return report.exit_code(options.strict)


def _append_step_summary(path: str, text: str) -> None:
    """GitHub's job summary: the file GITHUB_STEP_SUMMARY names (the runner's, not the repository's)."""
    from hotfix_guard.errors import HotfixGuardError

    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError as error:
        raise HotfixGuardError(
            f"cannot write the job summary GITHUB_STEP_SUMMARY={path!r}: {error.strerror or error}"
        ) from None


def flow_config(opts: Options) -> tuple[Repo, Config]:
    """The repository (from --repo) and its config (or --config), for the commands that work on a repository."""
    from hotfix_guard.config import load_config
    from hotfix_guard.repository import Repo

    repo = Repo(opts.repo)
    return repo, load_config(repo.top, opts.config_file, repo.git_dir)
