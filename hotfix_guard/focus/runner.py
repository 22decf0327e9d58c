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
# A script is read as commands (split at &, ;, |) of words, in one pass: a regex over the
# whole script backtracked (40 KB of "node " took 5 s). Both patterns are single classes,
# which regex_safety.hazard accepts (tests/focus_js_test.py asserts it).
COMMAND_SEPARATOR = re.compile(r"[&;|]")
SCRIPT_NAME = re.compile(r"[\w:.\-]+")
_RUNNER_WORDS = {"jest": "jest", "vitest": "vitest", "mocha": "mocha", "_mocha": "mocha"}


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
    """(runner, the script that calls it) for the script NAME, following `npm run OTHER` DEPTH
    deep, each script once."""
    seen = {name}
    level = [(name, script)]
    scripts = package.get("scripts")
    for remaining in range(depth, -1, -1):
        following: list[tuple[str, str]] = []
        for current, text in level:
            runner = runner_in(text)
            if runner:
                return runner, repr(text) if current == "test" else f"{current}: {text!r}"
            if remaining == 0 or not isinstance(scripts, dict):
                continue
            for other in called_scripts(text):
                called = scripts.get(other)
                if isinstance(called, str) and other not in seen:
                    seen.add(other)
                    following.append((other, called))
        level = following
    return None


def _commands(script: str) -> list[list[str]]:
    """The words of each command in SCRIPT."""
    return [command.split() for command in COMMAND_SEPARATOR.split(script)]


def runner_in(script: str) -> str | None:
    """The first runner a command of SCRIPT starts: a word that is (or whose last path part is)
    jest, vitest, mocha or _mocha, or node with a --test word after it in the same command."""
    for words in _commands(script):
        last_test = max((index for index, word in enumerate(words) if word == "--test"), default=-1)
        for index, word in enumerate(words):
            program = word.rpartition("/")[2]
            if program in _RUNNER_WORDS:
                return _RUNNER_WORDS[program]
            if program == "node" and index < last_test:
                return "node"
    return None


def called_scripts(script: str) -> list[str]:
    """The scripts SCRIPT runs: `npm run NAME`, `npm run-script NAME`, `yarn [run] NAME`, `pnpm [run] NAME`."""
    names: list[str] = []
    for words in _commands(script):
        for index, word in enumerate(words):
            tool = word.rpartition("/")[2]
            rest = words[index + 1 : index + 3]
            if tool == "npm" and rest[:1] in (["run"], ["run-script"]):
                rest = rest[1:]
            elif tool in ("yarn", "pnpm"):
                rest = rest[1:] if rest[:1] == ["run"] and len(rest) > 1 else rest[:1]
            else:
                continue
            found = SCRIPT_NAME.match(rest[0]) if rest else None
            if found and found.group() not in names:
                names.append(found.group())
    return names


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
