"""`tests`: select and run the focused tests, list them, or build the coverage map."""

from __future__ import annotations

import sys

import click

from hotfix_guard.commands.common import BUG_HELP, Options
from hotfix_guard.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK
from hotfix_guard.render import write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.focus.focused import Outcome as FocusOutcome
    from hotfix_guard.focus.select import Context as FocusContext


TESTS_HELP_EPILOG = f"""\b
Examples:
  hotfix-guard tests                   select and run the focused tests of this hotfix
  hotfix-guard tests --list --explain  show what would run, and why
  hotfix-guard tests --build-map       once per release: map which test runs which line

\b
The runner: [focused-tests] runner (jest, vitest, mocha, node, pytest, command),
else the one package.json names, else pytest; it is named in the output.

\b
Exit codes: 0 the selected tests passed (or --list / --build-map done), 1 a selected
test failed, the runner could not collect or load them, ran none, or the run timed
out, 2 usage, config or repository error (or the runner could not start: the
command is shown; or a test-command without {{files}} was to run a change with
changed test files; or a map build was refused: nothing stored), 130 interrupted,
{BUG_HELP}."""


@click.command("tests", epilog=TESTS_HELP_EPILOG)
@click.option(
    "--base", metavar="REF", help="Base of the change (default: the nearest release tag reachable from the head)."
)
@click.option("--head", metavar="REF", help="Head of the change (default: HEAD).")
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Print the selected test ids (or whole test files), one a line, then any name filter as the runner gets it "
    "(with test-command: the command as it will run); run nothing.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="With --list: the map used (age, source lines covered) or how to build one, and a '# reason' line before each group.",
)
@click.option(
    "--build-map",
    is_flag=True,
    help="pytest only: run the whole suite on the base under coverage and store which test runs which line; refused "
    "(nothing stored) when a test fails only under the map, or no line of the project's own source ran.",
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

    Without a map, impacted tests come from the import graph; `--build-map` (pytest, run
    once on the base release; nothing else builds one) lets the selection follow the
    changed lines instead. In an npm project the critical set is the runner's name filter
    (jest -t, vitest -t, mocha --grep, node --test-name-pattern), and impacted tests come
    from jest's own graph (--findRelatedTests) or the require/import graph. Files that
    cannot be traced (conftest.py, package.json, test or packaging config, data files)
    select the whole suite, and the reason is printed. Running no test is a failure.
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
            f"test map of {context.base_sha[:12]}: {built.tests} tests over {built.files} files, "
            f"{built.source_lines} lines of the project's source, stored in {built.path}\n",
            sys.stderr,
        )
        if built.failing:
            shown = ", ".join(built.failing[:10]) + (
                f" and {len(built.failing) - 10} more" if len(built.failing) > 10 else ""
            )
            write(
                f"note: {len(built.failing)} test(s) fail on the base with the map and without it: {shown}\n",
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
    from hotfix_guard.collect import Target, locate_head, resolve_base
    from hotfix_guard.config import load_config
    from hotfix_guard.focus.select import Context

    target = Target(opts.repo, head, base)
    info = locate_head(target)
    config = load_config(info.top, opts.config_file, info.git_dir)
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
