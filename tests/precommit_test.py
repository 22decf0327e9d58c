"""Every hook of .pre-commit-hooks.yaml, in every stage it declares, through the real `pre-commit run`.

The session's store, with every hook of this checkout installed once, is precommit_store's.
Each test runs `pre-commit run --config <that config> HOOK --hook-stage=...` in its
repository: the same code path as `pre-commit try-repo` (which builds that config and calls
run), without an install per test.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo
from precommit_store import run_pre_commit, shared_store
from shop_project import fix, make_shop

REMOTE_URL = "https://example.com/app.git"
STRICT_SIZE = '[diff-size]\nseverity = "error"\nmax-lines = 10\n'
VERDICT = {0: "Passed", 1: "Failed"}


class PreCommit:
    """`pre-commit run --config <every hook of the snapshot> HOOK OPTIONS...`, run in a test repository."""

    def __init__(self, config: Path, shared_env: dict[str, str]):
        self.config = config
        self.shared_env = shared_env

    def command(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        # conftest's git_environment has already dropped PRE_COMMIT_*, GIT_DIR and friends and the CI variables.
        env = dict(os.environ, **self.shared_env)
        env.pop("SKIP", None)  # pre-commit would skip the hooks it names
        return run_pre_commit(list(args), cwd, env)

    def __call__(self, repo: GitRepo, hook: str, *options: str) -> subprocess.CompletedProcess[str]:
        return self.command("run", "--color=never", f"--config={self.config}", hook, *options, cwd=repo.path)


@pytest.fixture(scope="session")
def pre_commit(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> PreCommit:
    """The session's store (precommit_store), under pytest-N/ of this session only."""
    base = tmp_path_factory.getbasetemp()
    return PreCommit(*shared_store(base if worker_id == "master" else base.parent))


def assert_outcome(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    """The run exits with CODE, the hook's status line says Passed or Failed to match, and TEXT is shown."""
    verdicts = re.findall(r"^.+?\.{3,}(Passed|Failed|Skipped)$", result.stdout, re.MULTILINE)
    assert (result.returncode, verdicts) == (code, [VERDICT[code]]), result.stdout
    assert text in result.stdout, result.stdout


def pushing(repo: GitRepo, branch: str, base: str = "v1.2.3") -> list[str]:
    """The options pre-commit's pre-push hook passes for `git push origin BRANCH` of a new branch from BASE."""
    return [
        "--hook-stage=pre-push",
        f"--from-ref={repo.git('rev-parse', f'{base}^{{commit}}').strip()}",
        f"--to-ref={repo.git('rev-parse', f'refs/heads/{branch}').strip()}",
        f"--local-branch=refs/heads/{branch}",
        f"--remote-branch=refs/heads/{branch}",
        "--remote-name=origin",
        f"--remote-url={REMOTE_URL}",
    ]


def add_files(repo: GitRepo, count: int, lines: int = 1) -> None:
    """Stage COUNT new files of LINES lines each."""
    for number in range(count):
        repo.write(f"extra{number}.py", "x = 1\n" * lines)
    repo.git("add", "-A")


@pytest.fixture
def strict_size(repo: GitRepo) -> GitRepo:
    """hotfix/v1.2.4 (one 2-line fix) of a release whose config makes diff-size an error above 10 lines."""
    repo.commit("feat: first release", **{".hotfix-guard.toml": STRICT_SIZE, "app.py": "print('hello')\n"})
    repo.tag("v1.2.3")
    repo.switch("hotfix/v1.2.4", "v1.2.3")
    repo.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    return repo


@pytest.mark.parametrize(
    ("branch", "code", "text"),
    [
        ("hotfix/v1.2.4", 0, "Passed"),
        ("hotfix/v1.2.5", 1, "'hotfix/v1.2.5' does not follow its base v1.2.3: the next patch is v1.2.4"),
    ],
    ids=["next-patch", "wrong-version"],
)
def test_branch_name_before_commit(released: GitRepo, pre_commit: PreCommit, branch: str, code: int, text: str) -> None:
    released.switch(branch, "v1.2.3")
    assert_outcome(pre_commit(released, "hotfix-branch-name", "--hook-stage=pre-commit"), code, text)


@pytest.mark.parametrize(
    ("branch", "code", "text"),
    [
        ("hotfix/v1.2.4", 0, "Passed"),
        (
            "Hotfix/v1.2.4",
            1,
            "'Hotfix/v1.2.4' looks like a hotfix branch but is misspelt; rename it: git branch -m hotfix/v1.2.4",
        ),
    ],
    ids=["hotfix-branch", "near-miss"],
)
def test_branch_name_on_push_checks_the_pushed_branch(
    released: GitRepo, pre_commit: PreCommit, branch: str, code: int, text: str
) -> None:
    released.switch(branch, "v1.2.3")
    released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    released.checkout("main")  # not a hotfix branch: only the pushed branch can block
    assert_outcome(pre_commit(released, "hotfix-branch-name", *pushing(released, branch)), code, text)


@pytest.mark.parametrize(
    ("staged", "code", "text"),
    [(4, 0, "Passed"), (5, 1, "6 files changed, the limit is 5")],
    ids=["five-files", "six-files"],
)
def test_file_count_before_commit_counts_staged_files(
    hotfix: GitRepo, pre_commit: PreCommit, staged: int, code: int, text: str
) -> None:
    add_files(hotfix, staged)
    assert_outcome(pre_commit(hotfix, "hotfix-file-count", "--hook-stage=pre-commit"), code, text)


@pytest.mark.parametrize(
    ("committed", "staged", "code", "text"),
    [(0, 5, 0, "Passed"), (5, 0, 1, "6 files changed, the limit is 5")],
    ids=["staged-files-are-not-pushed", "six-files-pushed"],
)
def test_file_count_on_push_counts_pushed_files(
    hotfix: GitRepo, pre_commit: PreCommit, committed: int, staged: int, code: int, text: str
) -> None:
    if committed:
        add_files(hotfix, committed)
        hotfix.commit(GOOD_MESSAGE)
    add_files(hotfix, staged)
    assert_outcome(pre_commit(hotfix, "hotfix-file-count", *pushing(hotfix, "hotfix/v1.2.4")), code, text)


@pytest.mark.parametrize(
    ("lines", "code", "text"),
    [(8, 0, "Passed"), (9, 1, "11 lines changed (added + removed), the threshold is 10")],
    ids=["ten-lines", "eleven-lines"],
)
def test_diff_size_before_commit_counts_staged_lines(
    strict_size: GitRepo, pre_commit: PreCommit, lines: int, code: int, text: str
) -> None:
    add_files(strict_size, 1, lines)
    assert_outcome(pre_commit(strict_size, "hotfix-diff-size", "--hook-stage=pre-commit"), code, text)


@pytest.mark.parametrize(
    ("lines", "code", "text"),
    [(8, 0, "Passed"), (9, 1, "11 lines changed (added + removed), the threshold is 10")],
    ids=["ten-lines", "eleven-lines"],
)
def test_diff_size_on_push_counts_pushed_lines(
    strict_size: GitRepo, pre_commit: PreCommit, lines: int, code: int, text: str
) -> None:
    add_files(strict_size, 1, lines)
    strict_size.commit(GOOD_MESSAGE)
    assert_outcome(pre_commit(strict_size, "hotfix-diff-size", *pushing(strict_size, "hotfix/v1.2.4")), code, text)


@pytest.mark.parametrize(
    ("branch", "message", "code", "text"),
    [
        ("hotfix/v1.2.4", GOOD_MESSAGE, 0, "Passed"),
        ("hotfix/v1.2.4", "update stuff", 1, "missing the hotfix token"),
        ("main", "update stuff", 0, "Passed"),
    ],
    ids=["good-message", "bad-message", "bad-message-outside-hotfix"],
)
def test_commit_message(
    released: GitRepo, pre_commit: PreCommit, branch: str, message: str, code: int, text: str
) -> None:
    if branch != "main":
        released.switch(branch, "v1.2.3")
    released.write(".git/COMMIT_EDITMSG", message + "\n")
    result = pre_commit(
        released, "hotfix-commit-message", "--hook-stage=commit-msg", "--commit-msg-filename=.git/COMMIT_EDITMSG"
    )
    assert_outcome(result, code, text)


@pytest.mark.parametrize(
    ("message", "code", "text"),
    [(GOOD_MESSAGE, 0, "Passed"), ("update stuff", 1, "'update stuff': missing the hotfix token")],
    ids=["good-message", "bad-message"],
)
def test_validate_on_push(released: GitRepo, pre_commit: PreCommit, message: str, code: int, text: str) -> None:
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(message, **{"app.py": "print('fixed')\n"})
    assert_outcome(pre_commit(released, "hotfix-validate", *pushing(released, "hotfix/v1.2.4")), code, text)


@pytest.mark.parametrize(
    ("commits", "code", "text"),
    [
        (1, 0, "Passed"),
        (0, 1, "[scope] empty change: no commits between v1.2.3 and hotfix/v1.2.4; commit the fix first"),
    ],
    ids=["one-fix", "empty-change"],
)
def test_validate_manual_checks_head(
    released: GitRepo, pre_commit: PreCommit, commits: int, code: int, text: str
) -> None:
    released.switch("hotfix/v1.2.4", "v1.2.3")
    for _ in range(commits):
        released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    assert_outcome(pre_commit(released, "hotfix-validate", "--hook-stage=manual"), code, text)


@pytest.mark.parametrize(
    ("new_total", "code", "text"),
    [
        ("round(amount * (1 + TAX), 2) or 0", 0, "Passed"),
        ("round(amount * TAX, 2)", 1, "[focused-tests] ran 6 of 7 tests"),
    ],
    ids=["fix-keeps-tests-green", "fix-breaks-a-test"],
)
def test_focused_tests_on_push(repo: GitRepo, pre_commit: PreCommit, new_total: str, code: int, text: str) -> None:
    make_shop(repo)  # its config names this interpreter, which has pytest, as the project's Python
    fix(repo, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", new_total)
    result = pre_commit(repo, "hotfix-focused-tests", *pushing(repo, "hotfix/v1.0.1", base="v1.0.0"))
    assert_outcome(result, code, text)
