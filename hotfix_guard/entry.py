"""The `hotfix-guard` console script: hook runs go straight to the hooks, the rest to click.

Hooks run on every commit, so `hotfix-guard hook NAME ...` must not pay for importing
click; everything else (including `hook --help`) is the click CLI.
"""

from __future__ import annotations

import sys

from hotfix_guard.hooks import HOOKS


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) >= 2 and args[0] == "hook" and args[1] in HOOKS and not {"-h", "--help"} & set(args):
        from hotfix_guard.hooks import main as run_hook

        return run_hook(args[1], args[2:])
    from hotfix_guard.cli import main as run_cli

    return run_cli(args)
