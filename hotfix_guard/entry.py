"""The `hotfix-guard` console script: hook runs go straight to the hooks, the rest to click.

Hooks run on every commit, so `hotfix-guard hook NAME ...` must not pay for importing
click, nor a plain `validate` (commands/validate_run.py), whose own work on a small
repository costs less than click; everything else (including `hook --help`) is the click CLI. Both turn an
unexpected exception into exit 3 with one line and a log (errors.report_bug).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if len(args) >= 2 and args[0] == "hook" and not {"-h", "--help"} & set(args):
            from hotfix_guard.hooks import is_hook_name
            from hotfix_guard.hooks import main as run_hook

            if is_hook_name(args[1]):
                return run_hook(args[1], args[2:])
        if "validate" in args:
            from hotfix_guard.commands.validate_run import plain_validate, run_plain

            found = plain_validate(args)
            code = run_plain(found, ["hotfix-guard", *args]) if found is not None else None
            if code is not None:
                return code
        from hotfix_guard.cli import main as run_cli

        return run_cli(args)
    except Exception as error:  # a bug that got past both (an import that fails): still exit 3
        from hotfix_guard.errors import report_bug

        return report_bug(error, ["hotfix-guard", *args])
