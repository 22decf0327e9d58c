"""Real git repositories under tmp_path, with a fixed identity and an isolated git config."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hotfix_guard.cli import cli

IDENTITY = {
    "GIT_AUTHOR_NAME": "Hotfix Tester",
    "GIT_AUTHOR_EMAIL": "tester@example.com",
    "GIT_COMMITTER_NAME": "Hotfix Tester",
    "GIT_COMMITTER_EMAIL": "tester@example.com",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05+00:00",
    "GIT_COMMITTER_DATE": "2026-01-02T03:04:05+00:00",
}
CI_VARIABLES = (
    "CI",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "HOTFIX_GUARD_ALLOW_LARGE",
    "NO_COLOR",
)
GOOD_MESSAGE = "fix(auth): HOTFIX - stop token bypass"

# The suite starts hundreds of Python processes (the CLI, pytest in sample projects, the
# xdist workers). With PYTHONDONTWRITEBYTECODE set none of them keeps a bytecode cache:
# each recompiles hotfix_guard, and each pytest re-rewrites hypothesis's ~90 modules
# (1.5 s a start). Loaded before the workers start, so they and everything the tests
# start inherit this; the caches then go where Python and pytest normally put them.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# A suite started in the background by a shell without job control (`pytest &` in a script)
# inherits SIGINT ignored, and so would every command it starts: the tests that press Ctrl-C
# (SIGINT to a flow command, the crash matrix) would then see it ignored. A handler instead
# is reset to the default in each process started from here.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def git_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the same git: no user or system config, a pinned identity and dates."""
    isolate_git(tmp_path_factory.mktemp("home"), monkeypatch)


def isolate_git(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What git_environment does, for fixtures of a wider scope (which run before it)."""
    # No automatic maintenance: git commit, merge and fetch would each start `git maintenance
    # run --auto`, and a receiving repository `git gc --auto`: 2,000 processes a run, for nothing.
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        "[maintenance]\n\tauto = false\n[receive]\n\tautogc = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for name, value in IDENTITY.items():
        monkeypatch.setenv(name, value)
    # The sample projects' own pytest runs need none of this venv's plugins (xdist, hypothesis):
    # without them a start costs 0.5 s instead of 0.8 s.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for name in (*CI_VARIABLES, "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in [name for name in os.environ if name.startswith("PRE_COMMIT")]:
        monkeypatch.delenv(name)


class GitRepo:
    """A repository driven through the real git binary."""

    def __init__(self, path: Path):
        self.path = path

    def git(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def write(self, name: str, content: str | bytes = "x\n") -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    def commit(self, message: str = GOOD_MESSAGE, **files: str) -> str:
        """Write FILES (name=content; use `__` for `/` in names) and commit everything."""
        for name, content in files.items():
            self.write(name.replace("__", "/"), content)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head_after_commit()

    def head_after_commit(self) -> str:
        """HEAD's commit, read from the files a commit has just written (the branch's ref is
        loose then) rather than by one more git process for every commit of the suite."""
        git_dir = self.path / ".git"
        if git_dir.is_dir():
            head = (git_dir / "HEAD").read_text().strip()
            ref = git_dir / head.removeprefix("ref: ") if head.startswith("ref: refs/") else None
            sha = ref.read_text().strip() if ref is not None and ref.is_file() else head
            if len(sha) == 40 and all(c in "0123456789abcdef" for c in sha):
                return sha
        return self.git("rev-parse", "HEAD").strip()

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", name, ref)

    def switch(self, branch: str, start: str | None = None) -> None:
        self.git("switch", "-q", *(["-c", branch, start] if start else ["-c", branch]))

    def checkout(self, ref: str) -> None:
        self.git("checkout", "-q", ref)

    def refs(self) -> str:
        """Every ref and what it points at, to assert that nothing moved."""
        return self.git("for-each-ref", "--format=%(refname) %(objectname)")


@pytest.fixture
def repo(tmp_path: Path, request: pytest.FixtureRequest) -> GitRepo:
    """An empty repository on branch main."""
    path = tmp_path / "repo"
    path.mkdir()
    git_repo = GitRepo(path)
    if "released" not in request.fixturenames:  # else released fills it with a copy of its template
        git_repo.git("init", "-q", "-b", "main")
    return git_repo


def build_released(repo: GitRepo) -> None:
    repo.git("init", "-q", "-b", "main")
    repo.commit("feat: first release", **{"app.py": "print('hello')\n", "README.md": "app\n"})
    repo.tag("v1.2.3")


def build_hotfix(repo: GitRepo) -> None:
    build_released(repo)
    repo.switch("hotfix/v1.2.4", "v1.2.3")
    repo.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})


_templates: dict[str, Path] = {}


def copy_of_template(build: Callable[[GitRepo], None], repo: GitRepo, factory: pytest.TempPathFactory) -> GitRepo:
    """REPO made what BUILD makes, by copying what it made once per worker: the same bytes
    (identity and dates are pinned, the environment is git_environment's), without its git
    processes in every test."""
    if build.__name__ not in _templates:
        template = factory.mktemp(f"template-{build.__name__}") / "repo"
        template.mkdir()
        with pytest.MonkeyPatch.context() as patch:
            isolate_git(factory.mktemp("template-home"), patch)
            build(GitRepo(template))
        _templates[build.__name__] = template
    shutil.rmtree(repo.path)
    shutil.copytree(_templates[build.__name__], repo.path, symlinks=True)
    return repo


@pytest.fixture
def released(repo: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """main with release v1.2.3 tagged, checked out on main."""
    assert not any(repo.path.iterdir()), "a fixture wrote into repo before released replaced it"
    return copy_of_template(build_released, repo, tmp_path_factory)


@pytest.fixture
def hotfix(released: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """hotfix/v1.2.4 from v1.2.3 with one good commit changing one file."""
    return copy_of_template(build_hotfix, released, tmp_path_factory)


def run_cli(repo: GitRepo | Path, *args: str, input: str | None = None) -> Result:
    """`hotfix-guard --repo REPO ARGS...` through click's test runner."""
    path = repo.path if isinstance(repo, GitRepo) else repo
    return CliRunner().invoke(cli, ["--repo", str(path), *args], input=input, catch_exceptions=False)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: `pytest -p no:xdist -n 0` has no such hook
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than there are CPUs. A worker spends about a third of its
    time waiting (on git, on a test runner's start, on a timeout it tests), and on 2 cores
    three workers finish the suite 10-15 % sooner than two. PYTEST_XDIST_AUTO_NUM_WORKERS,
    when set, still decides (xdist's own hook reads it)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else None


_head_start: list[threading.Thread] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist, the controller (which runs no test) starts the session's two installs in
    threads: pre-commit's store (precommit_store) and the npm runners (npm_runners), mostly
    waiting on pip and npm. The workers run other tests meanwhile, instead of one of them
    installing while the other waits on its lock; the fixtures find them built."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return  # a worker, or no xdist: the fixtures build them when a test first needs them
    import npm_runners
    from precommit_store import shared_store

    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]  # pytest-N/, as the workers' parent
    for name, build in (("precommit", lambda: shared_store(base)), ("npm", npm_runners.installed)):
        if config.args and not any(name in arg or Path(arg).is_dir() for arg in config.args):
            continue  # only other test files were asked for
        thread = threading.Thread(target=_build_quietly, args=(build,), daemon=True)
        thread.start()
        _head_start.append(thread)


def _build_quietly(build: Callable[[], object]) -> None:
    # On a failure a worker's fixture builds it again, and that test says why.
    with contextlib.suppress(BaseException):
        build()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for thread in _head_start:
        thread.join()
