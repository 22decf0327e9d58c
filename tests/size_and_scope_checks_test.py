"""file-count, diff-size and scope, each called directly on hand-built changes (no git)."""

from __future__ import annotations

from hotfix_guard.checks import diff_size, file_count, scope
from hotfix_guard.config import DEFAULTS, Config, default_config
from hotfix_guard.model import ERROR, NOTE, Change, Commit, FileChange, Finding
from hotfix_guard.options import RunOptions

DEFAULT = default_config()


def change(*files: FileChange, commits: tuple[Commit, ...] = (), **facts: object) -> Change:
    values: dict[str, object] = {"branch": "hotfix/v1.2.4", "base": "v1.2.3", "base_version": None, "head": "HEAD"}
    values.update(facts)
    return Change(files=files, commits=commits, **values)


def files(count: int, lines: int = 1) -> tuple[FileChange, ...]:
    return tuple(FileChange(f"src/f{n}.py", lines, 0) for n in range(count))


def config(**values: object) -> Config:
    return Config({**DEFAULTS, **{tuple(key.split(":")): value for key, value in values.items()}})


# --- file-count -----------------------------------------------------------------------


def test_file_count_at_the_limit_passes_and_one_over_fails_naming_the_files() -> None:
    assert file_count.check(change(*files(5)), DEFAULT) == []
    (finding,) = file_count.check(change(*files(6)), DEFAULT)
    assert finding.severity == ERROR and finding.check == "file-count"
    assert finding.message.startswith("6 files changed, the limit is 5: src/f0.py, src/f1.py")
    assert "--allow-large" in finding.message and "HOTFIX_GUARD_ALLOW_LARGE=1" in finding.message


def test_file_count_over_the_limit_accepted_is_a_note() -> None:
    found = file_count.check(change(*files(6)), DEFAULT, RunOptions(allow_large=True))
    assert found == [Finding("file-count", "6 files changed, over the limit of 5: accepted (allow-large)", NOTE)]


def test_file_count_counts_renames_once_and_binaries_and_deletions() -> None:
    renamed = FileChange("new.py", 0, 0, old_path="old.py")
    binary = FileChange("logo.png", None, None)
    deleted = FileChange("gone.py", 0, 10)
    assert file_count.check(change(renamed, binary, deleted, *files(2)), DEFAULT) == []
    assert len(file_count.check(change(renamed, binary, deleted, *files(3)), DEFAULT)) == 1


def test_file_count_excluded_files_are_named_and_not_counted() -> None:
    excluded = config(**{"file-count:exclude": ["CHANGELOG.md", "docs/*"]})
    found = file_count.check(
        change(*files(5), FileChange("CHANGELOG.md", 1, 0), FileChange("docs/a.md", 1, 0)), excluded
    )
    assert found == [Finding("file-count", "not counted (excluded by config): CHANGELOG.md, docs/a.md", NOTE)]


def test_file_count_lists_twenty_names_then_how_many_more_and_quotes_odd_ones() -> None:
    odd = FileChange("a, b.py", 1, 0)
    (finding,) = file_count.check(change(odd, *files(24)), DEFAULT)
    assert finding.message.startswith("25 files changed, the limit is 5: 'a, b.py', src/f0.py")
    assert " and 5 more; keep the hotfix small" in finding.message


# --- diff-size -------------------------------------------------------------------------


def test_diff_size_at_the_threshold_passes_and_over_it_names_the_largest_files() -> None:
    assert diff_size.check(change(FileChange("a.py", 150, 50)), DEFAULT) == []
    found = diff_size.check(change(FileChange("a.py", 150, 50), FileChange("b.py", 1, 0)), DEFAULT)
    assert found == [
        Finding(
            "diff-size", "201 lines changed (added + removed), the threshold is 200; most in: 'a.py' (200), 'b.py' (1)"
        )
    ]


def test_diff_size_notes_binary_files_and_does_not_count_them() -> None:
    found = diff_size.check(change(FileChange("logo.png", None, None), FileChange("a.py", 3, 1)), DEFAULT)
    assert found == [Finding("diff-size", "binary files, not counted as lines: 'logo.png'", NOTE)]


def test_diff_size_excluded_files_do_not_count() -> None:
    excluded = config(**{"diff-size:exclude": ["package-lock.json"]})
    found = diff_size.check(change(FileChange("package-lock.json", 5000, 4000), FileChange("a.py", 3, 1)), excluded)
    assert found == [Finding("diff-size", "not counted (excluded by config): 'package-lock.json'", NOTE)]


# --- scope -----------------------------------------------------------------------------

FIX = Commit("a" * 40, ("b" * 40,), "fix: HOTFIX - the fix")
LEAK = Commit("c" * 40, ("d" * 40,), "feat: next release work")


def test_scope_passes_a_change_of_hotfix_commits_from_its_base() -> None:
    assert scope.check(change(commits=(FIX,)), DEFAULT) == []


def test_scope_fails_an_empty_change() -> None:
    (finding,) = scope.check(change(), DEFAULT)
    assert finding.message == "empty change: no commits between v1.2.3 and HEAD; commit the fix first"


def test_scope_fails_a_base_that_is_not_an_ancestor() -> None:
    (finding,) = scope.check(change(commits=(FIX,), base_is_ancestor=False), DEFAULT)
    assert finding.message.startswith("base v1.2.3 is not an ancestor of HEAD")
    assert "git switch -c <branch> v1.2.3" in finding.message


def test_scope_names_each_development_commit() -> None:
    (finding,) = scope.check(change(commits=(FIX, LEAK), development_commits=frozenset({LEAK.sha})), DEFAULT)
    assert finding.message == (
        f"1 commit comes from develop, not from v1.2.3: {LEAK.sha[:10]} 'feat: next release work'; "
        "rebuild the hotfix from v1.2.3 with only the fix"
    )


def test_scope_lists_ten_development_commits_then_how_many_more() -> None:
    leaks = tuple(Commit(f"{n:040x}", (), f"feat: work {n}") for n in range(12))
    found = scope.check(
        change(commits=leaks, development_commits=frozenset(c.sha for c in leaks)), config(**{":develop-branch": "dev"})
    )
    (finding,) = found
    assert (
        finding.message.startswith("12 commits come from dev, not from v1.2.3:") and " and 2 more;" in finding.message
    )


# --- focused-tests -----------------------------------------------------------------------


def test_focused_tests_that_did_not_run_are_not_said_to_have_run() -> None:
    from hotfix_guard.checks import focused_tests
    from hotfix_guard.model import TestRun

    stopped = TestRun(
        selected=3, total=9, whole_suite=False, outcome="error", summary="pytest did not run", seconds=0.2
    )
    (finding,) = focused_tests.check(change(tests=stopped), DEFAULT)
    assert finding.severity == ERROR and not finding.message.startswith("ran ")
    assert finding.message.startswith("selected 3 of 9 tests; the run did not complete (0.2 s): pytest did not run")
    failed = TestRun(
        selected=3, total=9, whole_suite=False, outcome="failed", failed=1, summary="tests failed", seconds=1
    )
    (finding,) = focused_tests.check(change(tests=failed), DEFAULT)
    assert finding.message == "ran 3 of 9 tests in 1.0 s: 1 failed, tests failed; rerun: hotfix-guard tests"
