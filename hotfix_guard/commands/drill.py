"""`drill`: rehearse a hotfix in a throw-away repository."""

from __future__ import annotations

import click

from hotfix_guard.commands.common import BUG_HELP
from hotfix_guard.drill import NAMES as DRILL_SCENARIOS
from hotfix_guard.drill import STACK_NAMES

DRILL_EXIT_CODES_HELP = f"""\b
Exit codes: 0 the drill passed, 1 a step did not go as the procedure expects,
2 the sandbox could not be set up (or node is missing for --stack node),
130 interrupted (the sandbox is removed in
every case, unless --keep),
{BUG_HELP}."""


@click.command(
    epilog="Examples: hotfix-guard drill --scenario data-corruption --keep\n\n"
    "hotfix-guard drill --stack node --scenario auth-bypass\n\n" + DRILL_EXIT_CODES_HELP
)
@click.option(
    "--scenario",
    type=click.Choice(DRILL_SCENARIOS),
    default=DRILL_SCENARIOS[0],
    show_default=True,
    help="The fault that shipped in the sandbox's release.",
)
@click.option(
    "--stack",
    type=click.Choice(STACK_NAMES),
    default=STACK_NAMES[0],
    show_default=True,
    help="The sample application: Python tested with pytest, or an npm package tested with"
    " node's own runner (node --test, nothing to install; needs node on PATH).",
)
@click.option("--keep", is_flag=True, help="Keep the sandbox and print its path.")
def drill(scenario: str, stack: str, keep: bool) -> int:
    """Rehearse a hotfix in a throw-away repository, with the real commands.

    Builds a small application with tests (Python and pytest, or with --stack node an
    npm package with node --test tests and package.json as its version file), released
    as v1.0.0 with the scenario's fault, then runs status, start --severity, a commit the
    HOTFIX guard rejects, the fix, approve, validate (its focused tests really run, the
    fix's regression test among them), finish --push and review, timing each against
    the severity budget, and prints a scorecard. Never touches the current directory or
    its repository.
    """
    from hotfix_guard.drill import drill as run_drill

    return run_drill(scenario, keep, stack)
