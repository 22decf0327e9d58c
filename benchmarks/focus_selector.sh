#!/bin/sh
# hotfix-guard as a strategy of the focused-test benchmark (../shared/bench/focus):
#   ../shared/bench/focus/run.sh "sh $PWD/benchmarks/focus_selector.sh"
# The harness calls it as: focus_selector.sh REPO BASE HEAD, in REPO checked out at HEAD.
# Its first call (HEAD == BASE) is the one-time setup: build the coverage map of the base.
set -eu
repo=$1 base=$2 head=$3
hotfix_guard=${HOTFIX_GUARD:-hotfix-guard}
if [ "$base" = "$head" ] && [ -z "${FOCUS_NO_MAP:-}" ]; then
    # Run pytest the way the harness does. FOCUS_PYTEST is `env PYTHONPATH=… VAR=… python -m
    # pytest OPTIONS`: its variables go to a wrapper used as the project's Python (not to
    # hotfix-guard, which is itself a click program and must not import the project under
    # test), its OPTIONS through PYTEST_ADDOPTS.
    wrapper_dir=$(mktemp -d)
    trap 'rm -rf "$wrapper_dir"' EXIT
    eval "set -- ${FOCUS_PYTEST:-env ${FOCUS_PYTHON:-python3} -m pytest}"
    variables="" python="" options="" after_pytest=""
    for word in "$@"; do
        if [ -n "$after_pytest" ]; then options="$options $word"
        elif [ "$word" = "pytest" ]; then after_pytest=1
        elif [ "$word" = "env" ] || [ "$word" = "-m" ]; then :
        else case $word in
            PYTHONPATH=*) variables="$variables \"$word:\$PYTHONPATH\"" ;;  # keep the map plugin's path
            *=*) variables="$variables '$word'" ;;
            *) python=$word ;;
        esac
        fi
    done
    printf '#!/bin/sh\nexec env %s %s "$@"\n' "$variables" "$python" > "$wrapper_dir/python"
    chmod +x "$wrapper_dir/python"
    PYTEST_ADDOPTS="$options" "$hotfix_guard" --repo "$repo" tests --base "$base" --head "$head" \
        --build-map --python "$wrapper_dir/python" >&2
fi
exec "$hotfix_guard" --repo "$repo" tests --base "$base" --head "$head" --list
