"""Which test runner a project uses: `[focused-tests] runner`, else read from package.json.

Light on purpose (json and re; discover's reader only when package.json is read): `init` and
`doctor` name the runner, and the selection asks it first, without loading any runner's adapter.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

JS_RUNNERS = ("jest", "vitest", "mocha", "node")
# The first word of a `test` script that names a runner (after env, cross-env, nyc, c8...).
_SCRIPT_RUNNER = re.compile(r"(?:^|[\s&;|/])(jest|vitest|mocha|_mocha|node\s+(?:[^&;|]*\s)?--test)(?=$|[\s&;|])")
# `npm run NAME` (and yarn's, pnpm's) inside a script: the script NAME runs the tests.
_RUN_SCRIPT = re.compile(r"(?:\bnpm\s+(?:run|run-script)|\byarn(?:\s+run)?|\bpnpm(?:\s+run)?)\s+([\w:.\-]+)")


class Choice:
    """The runner, and why it is the one (said in `tests`, `init` and `doctor`)."""

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason


def choose(config: Config, top: str) -> Choice:
    """The configured runner; else `command` when test-command is set; else detected."""
    from hotfix_guard.errors import ConfigError

    configured = config.test_runner
    if configured == "command" and not config.test_command:
        raise ConfigError("[focused-tests] runner = 'command' needs a test-command to run")
    if configured and configured != "command" and config.test_command:
        raise ConfigError(
            f"[focused-tests] runner = {configured!r} and test-command are both set; "
            "remove test-command, or set runner = 'command' to use it"
        )
    if configured:
        return Choice(configured, "[focused-tests] runner")
    if config.test_command:
        return Choice("command", "[focused-tests] test-command")
    return detect(top)


def detect(top: str) -> Choice:
    """The runner package.json names: its `test` script first, then its dependencies; pytest without one."""
    package = read_package(top)
    if package is None:
        return Choice("pytest", "no package.json")
    script = test_script(package)
    if script:
        found = _runner_of_script(package, "test", script, depth=3)
        if found:
            name, via = found
            return Choice(name, f"package.json's test script runs it: {via}")
    declared = [name for name in JS_RUNNERS[:3] if name in dependencies(package)]
    if len(declared) == 1:
        return Choice(declared[0], "a dependency in package.json")
    if declared:
        return Choice(
            declared[0],
            f"package.json depends on {', '.join(declared)}: took the first; set [focused-tests] runner to choose",
        )
    if script:
        return Choice("pytest", f"package.json's test script ({script!r}) names no runner hotfix-guard knows")
    return Choice("pytest", "package.json names no test runner")


def _runner_of_script(package: dict[str, object], name: str, script: str, depth: int) -> tuple[str, str] | None:
    """(runner, the script that calls it) for the script NAME, following `npm run OTHER` DEPTH deep."""
    named = _SCRIPT_RUNNER.search(script)
    if named:
        word = named.group(1)
        shown = repr(script) if name == "test" else f"{name}: {script!r}"
        return ("node" if word.startswith("node") else word.lstrip("_")), shown
    scripts = package.get("scripts")
    if depth == 0 or not isinstance(scripts, dict):
        return None
    for other in _RUN_SCRIPT.findall(script):
        called = scripts.get(other)
        if isinstance(called, str) and other != name:
            found = _runner_of_script(package, other, called, depth - 1)
            if found:
                return found
    return None


def read_package(top: str) -> dict[str, object] | None:
    from hotfix_guard.focus.discover import read_bytes

    try:
        data = json.loads(read_bytes(top, "package.json") or b"null")
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def test_script(package: dict[str, object]) -> str | None:
    scripts = package.get("scripts")
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return test if isinstance(test, str) and test.strip() else None


def dependencies(package: dict[str, object]) -> set[str]:
    names: set[str] = set()
    for key in ("devDependencies", "dependencies"):
        table = package.get(key)
        if isinstance(table, dict):
            names.update(str(name) for name in table)
    return names
