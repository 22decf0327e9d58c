"""`hotfix-guard drill`: rehearse the hotfix procedure in a throw-away repository.

The drill builds a sandbox in a new temporary folder: a small Python application with its
pytest tests, released as v1.0.0 with a scenario's fault in it, a develop branch ahead of
the release, a bare `origin`, and the commit-msg hook installed. Then it walks through the
procedure with the real commands, each run as `python -m hotfix_guard` in a process of its
own: status, start --severity, a commit without HOTFIX that the hook rejects, the fix
with a proper message, approve (as two reviewers, unless critical), validate, finish --push and review. It prints each step, its result
and its time against the severity's budget, and a scorecard.

It never touches the current directory or its repository: every git process gets the
sandbox's own identity and a config of its own (no system or global config, so no global
hooks), and is pointed at the sandbox explicitly. The sandbox is removed at the end, also
on failure or Ctrl-C, unless --keep.
"""

from __future__ import annotations

import os
import shlex
import sys
import time

from hotfix_guard import gitrepo
from hotfix_guard.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RepoError
from hotfix_guard.model import Record
from hotfix_guard.render import write
from hotfix_guard.severity import LEVELS, format_duration

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess

IDENTITY = {
    "GIT_AUTHOR_NAME": "Drill Release Manager",
    "GIT_AUTHOR_EMAIL": "drill@hotfix-guard.invalid",
    "GIT_COMMITTER_NAME": "Drill Release Manager",
    "GIT_COMMITTER_EMAIL": "drill@hotfix-guard.invalid",
}
# The reviewers who approve the drill's hotfix: people other than its author, as the rules ask.
REVIEWERS = (
    ("Drill Reviewer", "reviewer@hotfix-guard.invalid", "peer"),
    ("Drill Security", "security@hotfix-guard.invalid", "security"),
)
# Variables that would point git or hotfix-guard somewhere else than the sandbox.
_FOREIGN_PREFIXES = ("GIT_", "HOTFIX_GUARD_", "PRE_COMMIT")
_FOREIGN_NAMES = frozenset(gitrepo.CI_BRANCH_VARIABLES)
GIT_CONFIG = "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n[commit]\n\tgpgSign = false\n"
COMMAND_TIMEOUT = 120  # seconds; a drill step that takes longer is stuck
RELEASE = "v1.0.0"
HOTFIX_BRANCH = "hotfix/v1.0.1"
HOTFIX_TAG = "v1.0.1"

RESOURCES = os.path.join(os.path.dirname(__file__), "resources")
SHOP = os.path.join(RESOURCES, "drill_shop")
NODE_SHOP = os.path.join(RESOURCES, "drill_shop_node")


def _read_app(top: str = SHOP) -> dict[str, str]:
    """The sample application released in the sandbox, from the package's resources: path -> text."""
    files = {}
    for folder, dirs, names in os.walk(top):
        dirs[:] = [name for name in dirs if name not in ("__pycache__", "node_modules")]
        for name in names:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                files[os.path.relpath(path, top).replace(os.sep, "/")] = handle.read()
    return dict(sorted(files.items()))


APP = _read_app()
NODE_APP = _read_app(NODE_SHOP)
# A single-site edit: in PATH, GOOD is how the application has it, BAD how the fault has it.
Edit = tuple[str, str, str]


class Scenario(Record):
    """A fault that shipped in v1.0.0, and the hotfix that removes it."""

    __slots__ = ("name", "severity", "summary", "fault_message", "edits", "fault", "fix_message", "test_file", "test")

    def __init__(
        self,
        name: str,
        severity: str,
        summary: str,
        fault_message: str,
        edits: tuple[Edit, ...],
        fix_message: str,
        test_file: str,
        test: str,
        app: dict[str, str] = APP,
    ):
        self.name = name
        self.severity = severity
        self.summary = summary
        self.fault_message = fault_message
        self.edits = edits
        self.fault = _faulty(app, edits)  # files as released with the fault
        self.fix_message = fix_message
        self.test_file = test_file
        self.test = test  # the regression test the fix adds

    def fixed(self, current: dict[str, str]) -> dict[str, str]:
        """The files the fix changes, from their CURRENT text: each edit undone, and nothing
        else (start may have set a new version in the same file)."""
        files = dict(current)
        for path, good, bad in self.edits:
            files[path] = files[path].replace(bad, good, 1)
        return files

    @property
    def regression_test(self) -> str:
        """The regression test as the runner names it: pytest's node id
        (`tests/test_auth.py::test_missing_token_is_refused`), node's test name."""
        import re

        if self.test_file.endswith(".py"):
            match = re.search(r"def (test_\w+)", self.test)
            assert match is not None
            return f"{self.test_file}::{match.group(1)}"
        match = re.search(r"test\('([^']+)'", self.test)
        assert match is not None
        return match.group(1)


def _faulty(app: dict[str, str], edits: tuple[Edit, ...]) -> dict[str, str]:
    files: dict[str, str] = {}
    for path, good, bad in edits:
        text = files.get(path, app[path])
        assert text.count(good) == 1, (path, good)
        files[path] = text.replace(good, bad)
    return files


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "auth-bypass",
            "critical",
            "The API accepts requests without a token",
            "feat(auth): let health checks through without a token",
            (
                (
                    "app/auth.py",
                    "    expected = TOKENS.get(user)\n",
                    "    expected = TOKENS.get(user)\n    if not token:  # health checks send none\n        return True\n",
                ),
            ),
            "fix(auth): HOTFIX - refuse requests without a token",
            "tests/test_auth.py",
            '\n\ndef test_missing_token_is_refused():\n    assert not is_authorised("alice", "")\n',
        ),
        Scenario(
            "data-corruption",
            "high",
            "Saving an order overwrites every earlier order",
            "refactor(storage): open the orders file once per write",
            (("app/storage.py", 'open(path, "a"', 'open(path, "w"'),),
            "fix(storage): HOTFIX - append orders instead of overwriting the file",
            "tests/test_storage.py",
            '\n\ndef test_orders_are_kept(tmp_path):\n    append(tmp_path / "o.jsonl", {"id": 1})\n'
            '    append(tmp_path / "o.jsonl", {"id": 2})\n    assert len(load(tmp_path / "o.jsonl")) == 2\n',
        ),
        Scenario(
            "perf-regression",
            "medium",
            "Checkout is slow: every price asks the rates service again",
            "refactor(pricing): read the rates directly",
            (("app/pricing.py", "* cached_rates()[", "* exchange_rates()["),),
            "fix(pricing): HOTFIX - cache the exchange rates again",
            "tests/test_pricing.py",
            "\n\ndef test_rates_are_fetched_once():\n    from app.pricing import CALLS, cached_rates\n\n"
            '    cached_rates.cache_clear()\n    before = CALLS["rates"]\n    for _ in range(100):\n'
            '        price(1, "EUR")\n    assert CALLS["rates"] - before == 1\n',
        ),
        Scenario(
            "dependency-vuln",
            "high",
            "requests 2.19.0 leaks credentials on redirects (CVE-2018-18074)",
            "chore(deps): pin requests to the version the proxy was tested with",
            (("requirements.txt", "requests==2.31.0", "requests==2.19.0"),),
            "fix(deps): HOTFIX - upgrade requests past CVE-2018-18074",
            "tests/test_dependencies.py",
            '\n\ndef test_no_known_vulnerable_pin():\n    fixed_in = {"requests": (2, 20, 0)}  # CVE-2018-18074\n'
            "    for name, version in pins().items():\n"
            '        assert tuple(int(part) for part in version.split(".")) >= fixed_in.get(name, (0,))\n',
        ),
    )
}
NAMES = tuple(SCENARIOS)
# The lock file's entry for minimist, as `npm install --package-lock-only` writes it for each version.
_MINIMIST_1_2_8 = (
    '"version": "1.2.8",\n'
    '      "integrity": "sha512-2yyAR8qBkN3YuheJanUpWC5U3bb5osDywNB8RzDVlDwDHbocAJveqqj1u8+SVD7jkWT4yvsHCpWqqWqAxb0zCA==",\n'
    '      "license": "MIT",\n      "funding": {\n        "url": "https://github.com/sponsors/ljharb"\n      }\n'
)
_MINIMIST_1_2_5 = (
    '"version": "1.2.5",\n'
    '      "integrity": "sha512-FM9nNUYrRBAELZQT3xeZQ7fmMOBg6nWNmJKTcgsJeaLstP/UODVpGsr5OhXhhXg6f+qtJ8uiZ+PUxkDWcgIXLw==",\n'
    '      "license": "MIT"\n'
)
NODE_SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "auth-bypass",
            "critical",
            "The API accepts requests without a token",
            "feat(auth): let health checks through without a token",
            (
                (
                    "lib/auth.js",
                    "  const expected = TOKENS.get(user);\n",
                    "  const expected = TOKENS.get(user);\n  if (!token) return true; // health checks send none\n",
                ),
            ),
            "fix(auth): HOTFIX - refuse requests without a token",
            "test/auth.test.js",
            "\ntest('a request without a token is refused', () => {\n  assert.ok(!isAuthorised('alice', ''));\n});\n",
            NODE_APP,
        ),
        Scenario(
            "data-corruption",
            "high",
            "Saving an order overwrites every earlier order",
            "refactor(storage): write the orders file in one call",
            (("lib/storage.js", "fs.appendFileSync(", "fs.writeFileSync("),),
            "fix(storage): HOTFIX - append orders instead of overwriting the file",
            "test/storage.test.js",
            "\ntest('earlier orders are kept', (t) => {\n  const file = scratch(t);\n"
            "  append(file, { id: 1 });\n  append(file, { id: 2 });\n  assert.strictEqual(load(file).length, 2);\n});\n",
            NODE_APP,
        ),
        Scenario(
            "perf-regression",
            "medium",
            "Checkout is slow: every price asks the rates service again",
            "refactor(pricing): read the rates directly",
            (("lib/pricing.js", "* cachedRates()[", "* exchangeRates()["),),
            "fix(pricing): HOTFIX - cache the exchange rates again",
            "test/pricing.test.js",
            "\ntest('the rates are fetched once', () => {\n  const { CALLS, clearCache } = require('../lib/pricing');\n"
            "  clearCache();\n  const before = CALLS.rates;\n  for (let i = 0; i < 100; i++) price(1, 'EUR');\n"
            "  assert.strictEqual(CALLS.rates - before, 1);\n});\n",
            NODE_APP,
        ),
        Scenario(
            "dependency-vuln",
            "high",
            "minimist 1.2.5 lets arguments pollute Object.prototype (CVE-2021-44906)",
            "chore(deps): pin minimist to the version the CLI was tested with",
            (
                ("package.json", '"minimist": "1.2.8"', '"minimist": "1.2.5"'),
                ("package-lock.json", '"minimist": "1.2.8"', '"minimist": "1.2.5"'),
                ("package-lock.json", _MINIMIST_1_2_8, _MINIMIST_1_2_5),
            ),
            "fix(deps): HOTFIX - upgrade minimist past CVE-2021-44906",
            "test/dependencies.test.js",
            "\ntest('no dependency is pinned to a known vulnerable version', () => {\n"
            "  const fixedIn = { minimist: [1, 2, 6] }; // CVE-2021-44906\n"
            "  for (const [name, version] of Object.entries(pins())) {\n"
            "    const parts = version.split('.').map(Number);\n"
            "    const fixed = fixedIn[name] || [0];\n"
            "    const at = fixed.findIndex((part, i) => (parts[i] || 0) !== part);\n"
            "    assert.ok(at === -1 || (parts[at] || 0) > fixed[at], `${name} ${version} has a known vulnerability`);\n"
            "  }\n});\n",
            NODE_APP,
        ),
    )
}


class Stack(Record):
    """A kind of project the drill rehearses on: its sample application and scenarios, the
    file develop adds after the release, and the version files start bumps."""

    __slots__ = ("name", "app", "scenarios", "unreleased", "version_files")

    def __init__(
        self,
        name: str,
        app: dict[str, str],
        scenarios: dict[str, Scenario],
        unreleased: tuple[str, str],
        version_files: tuple[str, ...],
    ):
        self.name = name
        self.app = app
        self.scenarios = scenarios
        self.unreleased = unreleased
        self.version_files = version_files


STACKS = {
    "python": Stack("python", APP, SCENARIOS, ("app/reports.py", '"""Sales reports: not released yet."""\n'), ()),
    "node": Stack(
        "node",
        NODE_APP,
        NODE_SCENARIOS,
        ("lib/reports.js", "'use strict';\n// Sales reports: not released yet.\n"),
        ("package.json", "package-lock.json"),
    ),
}
STACK_NAMES = tuple(STACKS)
# Node's spec reporter: `✔ a request without a token is refused (0.51ms)`, indented when nested.
_NODE_PASSED = r"^\s*\u2714 (.+?) \([\d.]+m?s\)$"


class Step(Record):
    """One step of the drill and how it went."""

    __slots__ = ("title", "ok", "seconds", "note")

    def __init__(self, title: str, ok: bool, seconds: float, note: str = ""):
        self.title = title
        self.ok = ok
        self.seconds = seconds
        self.note = note


class StepFailed(Exception):
    """A step did not end as the procedure expects; the drill stops there."""


class Sandbox:
    """The throw-away folder: the application's repository, its origin, and a git config."""

    def __init__(self, root: str):
        self.root = root
        self.app = os.path.join(root, "shop")
        self.origin = os.path.join(root, "origin.git")
        self.review = os.path.join(
            self.app, "docs", "incidents", f"{HOTFIX_TAG}.md"
        )  # review --output stays in the repository
        self.env = sandbox_env(root)

    def git(self, *args: str, repo: str | None = None) -> gitrepo.GitResult:
        return gitrepo.run_git(list(args), repo or self.app, self.env)

    def git_ok(self, *args: str, repo: str | None = None) -> str:
        result = self.git(*args, repo=repo)
        if result.returncode != 0:
            raise RepoError(f"setting up the drill failed: git {args[0]}: {result.error_line()}")
        return result.text()

    def read(self, name: str) -> str:
        with open(os.path.join(self.app, name), encoding="utf-8") as handle:
            return handle.read()

    def write(self, files: dict[str, str]) -> None:
        for name, content in files.items():
            write_file(os.path.join(self.app, name), content)

    def commit(self, message: str) -> None:
        self.git_ok("add", "-A")
        self.git_ok("commit", "-q", "--no-verify", "-m", message)

    def hotfix_guard(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """The real command, in a process of its own, pointed at the sandbox (ENV added to its environment)."""
        import subprocess

        argv = [sys.executable, "-m", "hotfix_guard", "--repo", self.app, "--no-color", *args]
        try:
            return subprocess.run(
                argv,
                env={**self.env, **(env or {})},
                capture_output=True,
                text=True,
                errors="replace",
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise StepFailed(f"hotfix-guard {args[0]} did not finish within {COMMAND_TIMEOUT} s") from None
        except OSError as error:
            raise StepFailed(f"cannot run {sys.executable}: {error.strerror or error}") from None


def sandbox_env(root: str) -> dict[str, str]:
    """This process's environment without anything that points git elsewhere, plus the
    sandbox's identity and its own git config (no system config, no global hooks)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_FOREIGN_PREFIXES) and name not in _FOREIGN_NAMES
    }
    config = os.path.join(root, "gitconfig")
    env.update(IDENTITY, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=config, NO_COLOR="1")
    # The sample's tests use tmp_path: pytest's own temporary directories go in the sandbox
    # too. Without this pytest used /tmp/pytest-of-USER and, as it does there, removed the
    # user's older directories (seen taking 36 s of one drill's 40).
    import shlex

    env["PYTEST_ADDOPTS"] = f"-p no:cacheprovider --basetemp={shlex.quote(os.path.join(root, 'pytest-tmp'))}"
    return env


def build(sandbox: Sandbox, scenario: Scenario, stack: Stack) -> None:
    """v1.0.0 released with the fault in it, develop ahead of it, pushed to a bare origin."""
    write_file(os.path.join(sandbox.root, "gitconfig"), GIT_CONFIG)
    sandbox.git_ok("init", "-q", "--bare", sandbox.origin, repo=sandbox.root)
    sandbox.git_ok("init", "-q", "-b", "main", sandbox.app, repo=sandbox.root)
    sandbox.write({**stack.app, ".hotfix-guard.toml": drill_config(stack)})
    sandbox.commit("feat: the shop service and its tests")
    sandbox.write(scenario.fault)
    sandbox.commit(scenario.fault_message)
    sandbox.git_ok("tag", "-a", "-m", f"Release {RELEASE}", RELEASE)
    sandbox.git_ok("switch", "-q", "-c", "develop")
    sandbox.write(dict([stack.unreleased]))
    sandbox.commit("feat(reports): sales reports")
    sandbox.git_ok("switch", "-q", "main")
    sandbox.git_ok("remote", "add", "origin", sandbox.origin)
    sandbox.git_ok("push", "-q", "origin", "main", "develop", RELEASE)
    sandbox.git_ok("fetch", "-q", "origin")
    install_commit_msg_hook(sandbox)


def has_pytest() -> bool:
    import importlib.util

    return importlib.util.find_spec("pytest") is not None


def drill_config(stack: Stack) -> str:
    """The sandbox's config. Node: package.json is the version file (its lock file is bumped
    with it), and the runner is node's, found from the test script. Python: its tests run with
    this Python (pytest is one of hotfix-guard's own requirements, so `pip install .` brings
    it), verbose, so that the drill sees each test that ran; should pytest be missing all the
    same, focused tests are off and the drill says so."""
    if stack.name == "node":
        return 'version-files = ["package.json"]  # and package-lock.json beside it\n'
    if has_pytest():
        import json

        return f'[focused-tests]\npython = {json.dumps(sys.executable)}\npytest-args = ["-v"]\n'
    return '[focused-tests]\nseverity = "off"  # pytest is not installed beside hotfix-guard\n'


def missing_tool(stack: Stack) -> str | None:
    """Why the drill cannot run on STACK here, or None."""
    import shutil

    if stack.name == "node" and shutil.which("node") is None:
        return (
            "the node drill needs node (Node.js 18 or later) on PATH, and there is none: "
            "install Node.js, or run the Python drill (without --stack node)"
        )
    return None


def install_commit_msg_hook(sandbox: Sandbox) -> None:
    """The guard the drill shows firing: the commit-msg hook, as a team would install it."""
    hooks = sandbox.git_ok("rev-parse", "--git-path", "hooks").strip()
    path = os.path.join(sandbox.app, hooks, "commit-msg")
    command = shlex.join([sys.executable, "-m", "hotfix_guard", "hook", "commit-message"])
    write_file(path, f'#!/bin/sh\nexec {command} "$1"\n')
    os.chmod(path, 0o755)


def write_file(path: str, content: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)


class Drill:
    """Runs the steps in order, timing each, and stops at the first that goes wrong."""

    def __init__(self, sandbox: Sandbox, scenario: Scenario, stack: Stack | None = None):
        self.sandbox = sandbox
        self.scenario = scenario
        self.stack = stack or STACKS["python"]
        self.severity = LEVELS[scenario.severity]
        self.steps: list[Step] = []
        self.clock: float | None = None  # when start ran: the budget's clock
        self.tests_ran: list[str] = []  # the focused tests validate ran, as pytest -v or node's reporter named them
        self.tests_summary = ""

    def plan(self) -> list[tuple[str, str]]:
        scenario = self.scenario
        start = shlex.join(["start", "--severity", scenario.severity, "--summary", scenario.summary])
        return [
            ("triage", "hotfix-guard status"),
            ("start", f"hotfix-guard {start}"),
            ("fix", f"edit {', '.join([*scenario.fault, scenario.test_file])} (the fix and its regression test)"),
            ("guard", "git commit -m 'quick fix'  (no HOTFIX: the commit-msg hook must reject it)"),
            ("commit", f"git commit -m {shlex.quote(scenario.fix_message)}"),
            ("approve", self.approve_text()),
            (
                "validate",
                f"hotfix-guard validate  (its focused tests must run the regression test {self.regression_shown()})",
            ),
            ("finish", "hotfix-guard finish --push"),
            ("review", f"hotfix-guard review {HOTFIX_TAG} --output {self.sandbox.review}"),
        ]

    def run(self) -> bool:
        plan = self.plan()
        for number, (key, shown) in enumerate(plan, 1):
            say(f"[{number}/{len(plan)}] {key}: {shown}")
            began = time.monotonic()
            if key == "start":
                self.clock = began
            try:
                note = getattr(self, f"step_{key}")()
            except StepFailed as failure:
                self.record(key, False, began, str(failure))
                return False
            self.record(key, True, began, note)
        return True

    def record(self, key: str, ok: bool, began: float, note: str) -> None:
        now = time.monotonic()
        step = Step(key, ok, now - began, note)
        self.steps.append(step)
        budget = f"; {self.elapsed_text(now)}" if self.clock is not None else ""
        say(f"      {'ok' if ok else 'FAILED'} in {seconds_text(step.seconds)}{budget}" + (f": {note}" if note else ""))

    def elapsed_text(self, now: float) -> str:
        assert self.clock is not None
        elapsed = now - self.clock
        within = "over" if self.severity.over_budget(elapsed) else "within"
        return f"{seconds_text(elapsed)} since start, {within} the {self.severity.budget} budget"

    def regression_shown(self) -> str:
        regression = self.scenario.regression_test
        return regression if "::" in regression else f"{regression!r} in {self.scenario.test_file}"

    def approve_text(self) -> str:
        if self.severity.name == "critical":
            return "none before the release (critical: the release manager releases alone; peer review after)"
        return "; ".join(f"{name}: hotfix-guard approve --role {role}" for name, _email, role in REVIEWERS)

    def step_approve(self) -> str:
        if self.severity.name == "critical":
            return "peer review pending until someone approves the release: hotfix-guard approve " + HOTFIX_TAG
        for name, email, role in REVIEWERS:
            self.command("approve", "--role", role, env={"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email})
        return f"approved by {len(REVIEWERS)} reviewers who are not the author"

    def command(self, *args: str, expect: int = 0, show: int = 8, env: dict[str, str] | None = None) -> str:
        result = self.sandbox.hotfix_guard(*args, env=env)
        output = (result.stdout + result.stderr).rstrip("\n")
        lines = output.splitlines()
        for line in lines[:show]:
            say(f"      | {line}")
        if len(lines) > show:
            say(f"      | ... {len(lines) - show} more lines")
        if result.returncode != expect:
            last = lines[-1] if lines else "no output"
            raise StepFailed(f"exit code {result.returncode}, expected {expect}: {last}")
        return output

    def step_triage(self) -> str:
        output = self.command("status")
        if f"Production: {RELEASE}" not in output:
            raise StepFailed(f"status did not show {RELEASE} in production")
        return f"{RELEASE} is in production"

    def step_start(self) -> str:
        self.command("start", "--severity", self.scenario.severity, "--summary", self.scenario.summary)
        done = f"on {HOTFIX_BRANCH}, severity {self.scenario.severity} (budget {self.severity.budget})"
        return done + self.versions_at("HEAD", "start set them in a commit of its own")

    def step_fix(self) -> str:
        current = {path: self.sandbox.read(path) for path in self.scenario.fault}
        self.sandbox.write(self.scenario.fixed(current))
        with open(os.path.join(self.sandbox.app, self.scenario.test_file), "a", encoding="utf-8") as handle:
            handle.write(self.scenario.test)
        self.sandbox.git_ok("add", "-A")
        return f"{len(self.scenario.fault) + 1} files staged"

    def step_guard(self) -> str:
        result = self.sandbox.git("commit", "-q", "-m", "quick fix")
        said = " ".join(result.text().split() + gitrepo.decode(result.stderr).split())
        if result.returncode == 0:
            raise StepFailed("the commit without HOTFIX was accepted: the guard did not fire")
        if "HOTFIX" not in said:
            raise StepFailed(f"the commit failed for another reason: {result.error_line()}")
        for line in gitrepo.decode(result.stderr).strip().splitlines()[:3]:
            say(f"      | {line}")
        return "the commit without HOTFIX was rejected, as it should be"

    def step_commit(self) -> str:
        result = self.sandbox.git("commit", "-q", "-m", self.scenario.fix_message)
        if result.returncode != 0:
            raise StepFailed(f"the fix could not be committed: {result.error_line()}")
        return "the commit-msg hook accepted it"

    def step_validate(self) -> str:
        output = self.command("validate")
        if self.stack.name == "python" and not has_pytest():
            self.tests_summary = (
                "off: pytest is not importable here (it is a requirement of hotfix-guard: pip install pytest)"
            )
            return f"every check passed; focused tests were {self.tests_summary}"
        import re

        self.tests_summary = next(
            (line.split("] ", 1)[1] for line in output.splitlines() if "[focused-tests]" in line), ""
        )
        passed = _NODE_PASSED if self.stack.name == "node" else r"^(\S+::\S+) PASSED"
        self.tests_ran = re.findall(passed, output, re.MULTILINE)
        regression = self.scenario.regression_test
        if regression not in self.tests_ran:
            raise StepFailed(f"the focused tests did not run the regression test {regression}")
        for test in self.tests_ran:
            say(f"      | ran {test}" + ("  <- the regression test" if test == regression else ""))
        return f"every check passed; focused tests: {self.tests_summary}, the regression test among them"

    def step_finish(self) -> str:
        self.command("finish", "--push")
        done = f"merged into main (--no-ff), tagged {HOTFIX_TAG}, merged back into develop, pushed"
        return done + self.versions_at(HOTFIX_TAG, "as released")

    def versions_at(self, revision: str, how: str) -> str:
        """What the version files say at REVISION, which must be the hotfix's version (HOW: how they came to)."""
        import json

        expected = HOTFIX_TAG.lstrip("v")
        for path in self.stack.version_files:
            text = self.sandbox.git("show", f"{revision}:{path}").text()
            try:
                said = json.loads(text).get("version")
            except (ValueError, AttributeError):
                said = None
            if said != expected:
                raise StepFailed(f"{path} at {revision} says version {said!r}, not {expected!r}")
        if not self.stack.version_files:
            return ""
        return f"; {' and '.join(self.stack.version_files)} say {expected} ({how})"

    def step_review(self) -> str:
        self.command("review", HOTFIX_TAG, "--output", self.sandbox.review)
        with open(self.sandbox.review, encoding="utf-8") as handle:
            text = handle.read()
        duration = next((line for line in text.splitlines() if line.startswith("| Duration |")), "")
        if not duration:
            raise StepFailed("the review has no duration")
        say(f"      | {duration}")
        return f"{text.count(chr(10))} lines of Markdown"

    def scorecard(self) -> str:
        passed = len(self.steps) == len(self.plan()) and all(step.ok for step in self.steps)
        lines = ["", f"Scorecard: {self.scenario.name} (severity {self.severity.name}, budget {self.severity.budget})"]
        for step in self.steps:
            lines.append(f"  {'ok    ' if step.ok else 'FAILED'}  {step.title:<9} {seconds_text(step.seconds):>8}")
        for key, _ in self.plan()[len(self.steps) :]:
            lines.append(f"  {'-':<6}  {key:<9} {'not run':>8}")
        guard = any(step.title == "guard" and step.ok for step in self.steps)
        if self.tests_ran:
            regression = self.scenario.regression_test
            lines.append(f"  focused tests: {self.tests_summary}: {', '.join(self.tests_ran)}")
            lines.append(f"  regression test: {regression} selected and passed")
        elif self.tests_summary:
            lines.append(f"  focused tests: {self.tests_summary}")
        lines.append(f"  guard fired: {'yes, a commit without HOTFIX was rejected' if guard else 'no'}")
        if passed:
            total = sum(step.seconds for step in self.steps[1:])
            lines.append(f"  start to review: {seconds_text(total)}, {self.severity.verdict(total)}")
        lines.append(
            f"  result: {'PASSED' if passed else 'FAILED'} ({sum(s.ok for s in self.steps)}/{len(self.plan())} steps)"
        )
        return "\n".join(lines)


def seconds_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(seconds)


def say(text: str) -> None:
    write(text + "\n")


def drill(scenario_name: str, keep: bool, stack_name: str = "python") -> int:
    """Run the drill for SCENARIO_NAME on STACK_NAME in a new sandbox; 0 when every step went as it should."""
    import shutil
    import tempfile

    stack = STACKS[stack_name]
    missing = missing_tool(stack)
    if missing:
        raise RepoError(missing)
    scenario = stack.scenarios[scenario_name]
    root = tempfile.mkdtemp(prefix="hotfix-guard-drill-")
    try:
        sandbox = Sandbox(root)
        severity = LEVELS[scenario.severity]
        say(f"hotfix-guard drill: {scenario.name} ({stack.name}): {scenario.summary}")
        say(f"Severity {severity.name} ({severity.meaning}): budget {severity.budget}, approval: {severity.approval}")
        say(f"Sandbox: {root} ({'kept' if keep else 'removed at the end'}); your repository is not touched.")
        build(sandbox, scenario, stack)
        say(f"Released {RELEASE} with the fault in it ({scenario.fault_message}); develop is one commit ahead.\n")
        run = Drill(sandbox, scenario, stack)
        passed = run.run()
        say(run.scorecard())
        from hotfix_guard.readiness import record_drill

        record_drill(scenario.name, passed)
    except KeyboardInterrupt:
        say(f"\nInterrupted; {'the sandbox is kept' if keep else 'removing the sandbox'}.")
        return EXIT_INTERRUPTED
    finally:
        if keep:
            say(f"\nThe sandbox is kept: {root}  (its repository: {os.path.join(root, 'shop')})")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return EXIT_OK if passed else EXIT_FAILED
