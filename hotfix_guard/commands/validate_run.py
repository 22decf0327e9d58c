"""`validate`'s run, without click: shared by the click command and the console script's
fast path for a plain `validate`.

Importing click (and with it inspect, typing, enum) costs about 30 ms, more than validate's
own work on a small repository. So the console script (entry.py) hands a command line of
the plain forms below straight to `validate_change`, and everything else (help, another
command, an abbreviation, a repeated option, a value that starts with `-`, a bad choice,
an interactive terminal, where validate may ask before it goes on) to click, which parses
and reports exactly as before. A test holds the two paths to the same output and exit
code over a table of command lines.

    hotfix-guard [--repo PATH] [--config FILE] [--format FORMAT] [--no-color]
                 validate [--base REF] [--head REF] [--branch NAME] [--skip ID]... [--strict] [--allow-large]

each value option as `--name VALUE` or `--name=VALUE`.
"""

from __future__ import annotations

import os
import sys

from hotfix_guard.render import write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.commands.common import Options
    from hotfix_guard.options import RunOptions
    from hotfix_guard.validation import Report

_GROUP_VALUES = ("--repo", "--config", "--format")
_GROUP_FLAGS = ("--no-color",)
_VALIDATE_VALUES = ("--base", "--head", "--branch", "--skip")
_VALIDATE_FLAGS = ("--strict", "--allow-large")


def validate_change(opts: Options, base: str | None, head: str | None, branch: str | None, options: RunOptions) -> int:
    """Run every enabled check on the change and print the report; the exit code."""
    from hotfix_guard.collect import Target
    from hotfix_guard.commands.common import output
    from hotfix_guard.validation import for_target

    target = Target(opts.repo, head, base, branch)
    validation = for_target(target, opts.config_file, None, options=options, require_hotfix=True)
    report = validation.run(options)
    if _should_ask(report, options, opts):
        import click

        write(_render_file_count(report, opts))
        if click.confirm("Continue with hotfix?", default=False):
            options = options.allowing_large()
            report = validation.run(options)
    return output(report, opts, options, "validate")


def _render_file_count(report: Report, opts: Options) -> str:
    from hotfix_guard.render import render_findings

    return render_findings([f for f in report.findings if f.check == "file-count"], opts.colour)


def _should_ask(report: Report, options: RunOptions, opts: Options) -> bool:
    from hotfix_guard.validation import FAILED

    failed = any(r.check == "file-count" and r.status == FAILED for r in report.results)
    return failed and _interactive() and opts.form == "text" and not options.allow_large


def _interactive() -> bool:
    """Both standard streams are a terminal (a closed one, None, is none)."""
    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout is not None and sys.stdout.isatty()


def plain_validate(args: list[str]) -> dict[str, str | bool | list[str]] | None:
    """The options of ARGS when it is a plain `validate` command line (the module's docstring),
    by option name; None for anything else."""
    found: dict[str, str | bool | list[str]] = {}
    skip: list[str] = []
    command = False
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "validate" and not command:
            command = True
            continue
        name, equals, value = arg.partition("=")
        if name in (_VALIDATE_VALUES if command else _GROUP_VALUES):
            if not equals:
                if not rest:
                    return None
                value = rest.pop(0)
            if not value or value.startswith("-") or (name in found and name != "--skip"):
                return None
            if name == "--skip":
                skip.append(value)
            found[name] = value
        elif arg in (_VALIDATE_FLAGS if command else _GROUP_FLAGS) and arg not in found:
            found[arg] = True
        else:
            return None
    if not command or not _valid_choices(found, skip):
        return None
    found["--skip"] = skip
    return found


def _valid_choices(found: dict[str, str | bool | list[str]], skip: list[str]) -> bool:
    from hotfix_guard.checks import listed_ids
    from hotfix_guard.render import FORMATS

    return found.get("--format", "text") in FORMATS and set(skip) <= listed_ids()


def run_plain(found: dict[str, str | bool | list[str]], argv: list[str]) -> int | None:
    """validate as the click command runs it, from plain_validate's options, with the errors
    and exit codes of cli.py; None at an interactive terminal (click's path asks there)."""
    from hotfix_guard.commands.common import Options
    from hotfix_guard.errors import EXIT_FAILED, EXIT_INTERRUPTED, HotfixGuardError, report_bug
    from hotfix_guard.options import run_options

    if _interactive():
        return None
    repo = _text(found, "--repo")
    colour = "--no-color" not in found and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    try:
        if repo is not None:
            from hotfix_guard.gitrepo import forget_inherited_repository

            forget_inherited_repository()  # --repo wins over an inherited GIT_DIR, as in cli.py
        opts = Options(repo, _text(found, "--config"), _text(found, "--format") or "text", colour)
        skip = found["--skip"]
        assert isinstance(skip, list)
        options = run_options(allow_large="--allow-large" in found, strict="--strict" in found, skip=skip)
        return validate_change(opts, _text(found, "--base"), _text(found, "--head"), _text(found, "--branch"), options)
    except HotfixGuardError as error:
        write(f"hotfix-guard: error: {error}\n", sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # as click's main (a blank line) and cli.main say it
        write("\n\nInterrupted.\n", sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away: exit 1, and no second error as Python flushes at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as error:
        return report_bug(error, argv, repo)


def _text(found: dict[str, str | bool | list[str]], name: str) -> str | None:
    value = found.get(name)
    return value if isinstance(value, str) else None
