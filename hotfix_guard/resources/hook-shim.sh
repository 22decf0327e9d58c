#!/bin/sh
{marker} ({hook}): installed by `hotfix-guard install-hooks`, removed by `hotfix-guard uninstall-hooks`.
# Hands this hook's arguments and standard input to `hotfix-guard hook {hook}`.
hook={hook}
# The first hotfix-guard on PATH; through the hotfix-guard-hook beside it when there is one (the
# same install, started without the import of re a console script makes: 7 ms of every hook).
ifs=$IFS
path=$PATH: # so that a trailing empty entry (the current directory) is split off as one
IFS=:
set -f
for dir in $path; do
    dir=${{dir:-.}}
    if [ -f "$dir/hotfix-guard" ] && [ -x "$dir/hotfix-guard" ]; then
        IFS=$ifs
        set +f
        if [ -f "$dir/hotfix-guard-hook" ] && [ -x "$dir/hotfix-guard-hook" ]; then
            exec "$dir/hotfix-guard-hook" "$hook" "$@"
        fi
        exec "$dir/hotfix-guard" hook "$hook" "$@"
    fi
done
IFS=$ifs
set +f
# Else python's hotfix_guard; never from the current directory (the repository), which `-c` and
# `-m` put first on sys.path.
run='import sys; del sys.path[0]; from hotfix_guard.entry import main; sys.exit(main(sys.argv[1:]))'
for python in python3 python; do
    if command -v "$python" >/dev/null 2>&1 && "$python" -c 'import sys; del sys.path[0]; import hotfix_guard' </dev/null >/dev/null 2>&1; then
        exec "$python" -c "$run" hook "$hook" "$@"
    fi
done
echo "hotfix-guard: error: the $hook hook cannot run: hotfix-guard is not installed (not on PATH, no python3 -m hotfix_guard); install it (pip install hotfix-guard) or remove this hook: $0" >&2
exit 1
