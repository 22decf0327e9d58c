"""Select and run the focused tests of a change; build the coverage map of a base."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from hotfix_guard import gitrepo
from hotfix_guard.errors import HotfixGuardError
from hotfix_guard.focus import run, testmap
from hotfix_guard.focus.select import Context, Selection, select

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from hotfix_guard.model import TestRun


class Outcome:
    """A selection and, when it was run, how the run went."""

    __slots__ = ("selection", "result")

    def __init__(self, selection: Selection, result: run.RunResult | None):
        self.selection = selection
        self.result = result

    def as_test_run(self) -> TestRun:
        """The facts the focused-tests check judges, as plain data."""
        from hotfix_guard.model import TestRun

        selection, result = self.selection, self.result
        runner = selection.runner.name
        selected, total = selection.count(), selection.total
        ran = result.ran() if result is not None else None
        if runner != "pytest":  # what the runner itself counted; the suite's size from the source
            selected = ran or 0
            total = max(total, selected) if runner != "command" else 0
        return TestRun(
            selected=selected,
            total=total,
            whole_suite=bool(selection.whole_suite),
            outcome=result.outcome if result is not None else None,
            failed=result.failed if result is not None and result.failed else 0,
            summary=result.summary if result is not None else "",
            seconds=result.seconds if result is not None else 0.0,
            details=self.as_dict(),
            runner=runner,
            counted=ran is not None or runner == "pytest",
        )

    def as_dict(self) -> dict[str, object]:
        """The facts for the JSON report (the incident review lists the selected ids)."""
        selection, result = self.selection, self.result
        return {
            "runner": selection.runner.name,
            "runner_reason": selection.runner.reason,
            "selected": selection.node_ids(),
            "name_filters": selection.name_filters(),
            "selected_count": selection.count(),
            "total": selection.total,
            "whole_suite": selection.whole_suite,
            "groups": [{"kind": g.kind, "reason": g.reason, "tests": g.tests} for g in selection.groups],
            "notes": selection.notes,
            "ignored": selection.ignored,
            "map": selection.map.path if selection.map is not None else None,
            "selection_seconds": round(selection.seconds, 3),
            "outcome": result.outcome if result else None,
            "summary": result.summary if result else None,
            "exit_status": result.exit_status if result else None,
            "run_seconds": round(result.seconds, 3) if result else None,
            "passed": result.passed if result else None,
            "failed": result.failed if result else None,
            "command": result.command if result else None,
            "commands": result.commands if result else None,
        }


def run_focused(
    context: Context,
    output: int,
    python: str | None = None,
    timeout: int | None = None,
    on_selected: Callable[[Selection], None] | None = None,
) -> Outcome:
    """Select the focused tests of the change and run them on a checkout of its head; the
    run's output goes to OUTPUT. ON_SELECTED sees the selection before the run starts."""
    with checkout_of(context, context.head) as (here, note):
        selection = select_here(here, note)
        if on_selected is not None:
            on_selected(selection)
        return run_selection(here, selection, output, python, timeout)


def select_at_head(context: Context) -> Selection:
    """The selection, read from a checkout of the head (what --list prints)."""
    with checkout_of(context, context.head) as (here, note):
        return select_here(here, note)


def select_here(context: Context, note: str | None) -> Selection:
    selection = select(context)
    if note:
        selection.notes.insert(0, note)
    return selection


@contextlib.contextmanager
def checkout_of(context: Context, commit: str) -> Iterator[tuple[Context, str | None]]:
    """CONTEXT with its top at a checkout of COMMIT, and a note when that is not the work tree.

    The work tree serves when it is at COMMIT with no tracked file modified. Otherwise
    (another head, uncommitted edits) a temporary worktree of COMMIT is made and removed
    afterwards, so what is tested is exactly what is checked, and the user's files are
    never touched.
    """
    if _is_clean_checkout_of(commit, context.top):
        yield context, None
        return
    parent = tempfile.mkdtemp(prefix="hotfix-guard-checkout-")
    tree = os.path.join(parent, "tree")
    try:
        gitrepo.add_temporary_worktree(tree, commit, context.top)
        here = Context(tree, context.git_dir, context.base_sha, context.head, context.config)
        note = (
            f"the work tree is not a clean checkout of {commit[:12]}: this ran in a temporary checkout of it "
            "(an editable install of the project would still import the work tree's code)"
        )
        if _lend_dependencies(context.top, tree):
            note += "; the work tree's node_modules is linked into it"
        yield here, note
    finally:
        lent = os.path.join(tree, "node_modules")
        if os.path.islink(lent):  # unlinked first: nothing may ever delete through it
            os.unlink(lent)
        gitrepo.remove_temporary_worktree(tree, context.top)
        shutil.rmtree(parent, ignore_errors=True)


def run_selection(
    context: Context, selection: Selection, output: int, python: str | None = None, timeout: int | None = None
) -> Outcome:
    config = context.config
    runner = selection.runner.name
    if runner == "command" and selection.unrunnable:  # the command cannot run what was selected
        return Outcome(selection, run.RunResult(run.ERROR, 2, selection.unrunnable, 0.0, selection.command))
    if runner != "command" and not selection.suite.files:
        unrunnable = run.RunResult(run.ERROR, 2, selection.unrunnable, 0.0, []) if selection.unrunnable else None
        return Outcome(selection, unrunnable)
    timeout = timeout or config.test_timeout
    if runner == "command":
        result = run.run_command(context.top, selection.command, timeout, output)
    elif runner != "pytest":
        from hotfix_guard.focus import jsrun

        result = jsrun.run_selection(context.top, selection, timeout, output)
    else:
        command = run.pytest_command(_python(python, config.test_python, context.top), config.pytest_args)
        node_ids = [] if selection.whole_suite else selection.node_ids()
        result = run.run_pytest(context.top, command, node_ids, timeout, output)
        if not node_ids and result.passed is not None and result.outcome in (run.PASSED, run.FAILED):
            testmap.record_suite_time(context.git_dir, result.seconds, "full-suite run")  # what a map build costs
    return Outcome(selection, result)


def build_map(context: Context, python: str | None = None) -> testmap.BuildResult:
    """Build the map of the base, on a checkout of it (see checkout_of)."""
    config = context.config
    from hotfix_guard.focus.runner import choose

    runner = choose(config, context.top)
    if runner.name != "pytest":
        raise HotfixGuardError(
            f"a test map needs pytest; the runner here is {runner.name} ({runner.reason}): "
            "jest and vitest trace their own dependency graphs"
        )
    interpreter = _python(python, config.test_python, context.top)
    _require_coverage(interpreter)
    command = run.pytest_command(interpreter, config.pytest_args)
    with checkout_of(context, context.base_sha) as (here, _note):
        sources = own_sources(here.top, gitrepo.tracked_files(here.top))
        return testmap.build(here.top, context.git_dir, context.base_sha, command, dict(os.environ), sources)


def own_sources(top: str, tracked: list[str]) -> list[str]:
    """The project's Python files that are not tests: neither test modules nor conftest.py,
    nor anything in a directory that holds tests (helpers, fixtures)."""
    from hotfix_guard.focus import discover

    suite = discover.find_suite(top, tracked)
    test_dirs = {os.path.dirname(f) for f in suite.files} - {""}  # the top holds everything
    return [
        path
        for path in tracked
        if path.endswith(".py")
        and not suite.is_test_file(path)
        and os.path.basename(path) != "conftest.py"
        and not any(path.startswith(d + "/") for d in test_dirs)
    ]


def _python(option: str | None, configured: str, top: str) -> str:
    """--python as given (relative to the current directory), else the config's (relative to the top)."""
    return run.find_python(option) if option else run.find_python(configured, top)


def _lend_dependencies(top: str, tree: str) -> bool:
    """Link TOP's node_modules into the temporary checkout TREE: an npm project's tests need
    their dependencies, which are never committed."""
    installed = os.path.join(top, "node_modules")
    target = os.path.join(tree, "node_modules")
    if not os.path.isdir(installed) or os.path.lexists(target):
        return False
    os.symlink(installed, target, target_is_directory=True)
    return True


def _is_clean_checkout_of(commit: str, top: str) -> bool:
    return gitrepo.same_tree("HEAD", commit, top) and gitrepo.tracked_files_unmodified(top)


def _require_coverage(python: str) -> None:
    import subprocess

    probe = subprocess.run([python, "-c", "import coverage, pytest"], capture_output=True, stdin=subprocess.DEVNULL)
    if probe.returncode != 0:
        raise HotfixGuardError(
            f"building a test map needs pytest and coverage.py in {python}: "
            f"{python} -m pip install pytest coverage (or set [focused-tests] python)"
        )
