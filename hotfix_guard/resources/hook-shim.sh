#!/bin/sh
{marker} ({hook}): installed by `hotfix-guard install-hooks`, removed by `hotfix-guard uninstall-hooks`.
# Hands this hook's arguments and standard input to `hotfix-guard hook {hook}`.
hook={hook}
# hotfix-guard-hook is `hotfix-guard hook` started without the console script's import of re (7 ms).
if command -v hotfix-guard-hook >/dev/null 2>&1; then
    exec hotfix-guard-hook "$hook" "$@"
fi
if command -v hotfix-guard >/dev/null 2>&1; then
    exec hotfix-guard hook "$hook" "$@"
fi
for python in python3 python; do
    if command -v "$python" >/dev/null 2>&1 && "$python" -c 'import hotfix_guard' </dev/null >/dev/null 2>&1; then
        exec "$python" -m hotfix_guard hook "$hook" "$@"
    fi
done
echo "hotfix-guard: error: the $hook hook cannot run: hotfix-guard is not installed (not on PATH, no python3 -m hotfix_guard); install it (pip install hotfix-guard) or remove this hook: $0" >&2
exit 1
