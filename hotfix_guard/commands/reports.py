"""`status`, `review` and `notify`: what a hotfix is, in a glance, a document or a message.

They judge the change with the same checks (validation.py) but never run tests.
"""

from __future__ import annotations

import click

from hotfix_guard.commands.common import BUG_HELP, REPORT_EXIT_CODES_HELP, Options, flow_config
from hotfix_guard.errors import EXIT_OK
from hotfix_guard.options import run_options
from hotfix_guard.render import write


@click.command(
    epilog="Example: hotfix-guard status --format json > triage.json\n\n"
    f"""\b
Exit codes: 0 done (whatever the checks found: status changes nothing),
2 the repository or the config cannot be read,
{BUG_HELP}."""
)
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

    repo, config = flow_config(opts)
    facts = triage.gather(repo, config, options=run_options())
    form = status_format or ("json" if opts.form == "json" else "text")
    write(triage.render_json(facts) if form == "json" else triage.render_text(facts))
    return EXIT_OK


@click.command(
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
    repo, config = flow_config(opts)
    text = render(find_incident(repo, config, name, ask_remote=True), config)
    if output is None or output == "-":
        write(text)
    else:
        write_review(text, output, force, repo.top)
        write(f"wrote the review to {output}\n")
    return EXIT_OK


@click.command(epilog="Example: hotfix-guard notify --users v1.2.4\n\n" + REPORT_EXIT_CODES_HELP)
@click.argument("name", metavar="[BRANCH|TAG]", required=False)
@click.option("--team", is_flag=True, help="The team notification, while the hotfix is under way (this or --users).")
@click.option("--users", is_flag=True, help="The notice for users, after the release (this or --team).")
@click.pass_obj
def notify(opts: Options, name: str | None, team: bool, users: bool) -> int:
    """Print the message a release manager sends: to the team (--team) or to users (--users).

    One of --team and --users is required (exactly one).

    Filled from the repository and the start record; what it cannot know is a visible
    <fill in: ...> placeholder. [notify] install-command sets how users update;
    team-template and users-template name files that replace the built-in templates.
    """
    from hotfix_guard.incident import find_incident
    from hotfix_guard.notify import message

    if team == users:
        raise click.UsageError("give one of --team and --users")
    repo, config = flow_config(opts)
    incident = find_incident(repo, config, name, ask_remote=True)
    write(message("team" if team else "users", incident, config, repo.top))
    return EXIT_OK
