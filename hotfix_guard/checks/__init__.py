"""One module per check: `ID` and `check(change, config) -> list[Finding]`, pure.

The registry lives in `hotfix_guard.runner`, so that a hook importing one check (the
commit-msg hook, on every commit) does not import them all.
"""
