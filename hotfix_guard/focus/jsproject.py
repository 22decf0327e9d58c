"""A JavaScript project's tests and imports, read from its tracked files without running node.

Test files are the names jest, vitest, mocha and node's runner look for by default:
`*.test.js`, `*.spec.js`, `*-test.js`, `*_test.js`, `test-*.js`, and the files under
`test/`, `tests/` and `__tests__/` (there, only the ones that call `it(` or `test(`: the
rest are helpers and fixtures, which the tests import). The import graph follows relative
`require` and `import` specifiers (and the package's own name) to tracked files.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re

from hotfix_guard.focus.discover import read_bytes

SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
_TEST_NAMES = ("*.test.*", "*.spec.*", "*-test.*", "*_test.*", "test-*.*", "test.*")
_TEST_DIRECTORIES = ("test", "tests", "__tests__")
# Root files every test depends on: the package, its lock files, and the runners' and compilers' config.
SUITE_WIDE = (
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    ".mocharc*",
    "jest.config.*",
    "vitest.config.*",
    "vitest.workspace.*",
    "vite.config.*",
    "babel.config.*",
    ".babelrc*",
    "tsconfig*.json",
    ".swcrc",
    ".nvmrc",
    ".node-version",
)
# it( / test( / specify( calls, with .only / .skip / .todo / .concurrent: a cheap count of tests.
_TEST_CALL = rb"(?<![\w.$])(?:it|test|specify)\s*(?:\.\s*(?:only|skip|todo|concurrent)\s*)?\("
TEST_CALL_RE = re.compile(_TEST_CALL)
_NAME = rb"\s*(['\"`])(.*?)(?<!\\)\1"
_TEST_NAME_RE = re.compile(_TEST_CALL + _NAME, re.DOTALL)
_SUITE_NAME_RE = re.compile(rb"(?<![\w.$])(?:describe|context|suite)\s*(?:\.\s*(?:only|skip)\s*)?\(" + _NAME, re.DOTALL)
_SPECIFIERS = re.compile(
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+|\bfrom\s+|\bexport\s*\*\s*from\s+)(['"])([^'"\n]+)\1"""
)


def is_source(path: str) -> bool:
    return path.endswith(SOURCE_SUFFIXES) and not path.endswith(".d.ts")


def is_suite_wide(path: str) -> bool:
    return "/" not in path and any(fnmatch.fnmatch(path, pattern) for pattern in SUITE_WIDE)


def is_named_like_a_test(path: str) -> bool:
    name = posixpath.basename(path)
    return is_source(path) and any(fnmatch.fnmatch(name, pattern) for pattern in _TEST_NAMES)


def is_test_file(top: str, path: str) -> bool:
    """Named like a test, or under a test directory and calling it( or test(."""
    if not is_source(path) or _in_dependencies(path):
        return False
    if is_named_like_a_test(path):
        return True
    directories = path.split("/")[:-1]
    return any(d in _TEST_DIRECTORIES for d in directories) and count_tests(top, path) > 0


def find_tests(top: str, tracked: list[str]) -> tuple[str, ...]:
    return tuple(sorted(path for path in tracked if is_test_file(top, path)))


def count_tests(top: str, path: str) -> int:
    """The it( / test( calls in PATH: a count from the source, without running it."""
    return len(TEST_CALL_RE.findall(read_bytes(top, path)))


def test_names(top: str, path: str, suites: bool = False) -> list[str]:
    """The literal names given to it( / test( in PATH (template names with ${} as written),
    and with SUITES those given to describe( too."""
    text = read_bytes(top, path)
    found = [m.group(2) for m in _TEST_NAME_RE.finditer(text)]
    if suites:
        found += [m.group(2) for m in _SUITE_NAME_RE.finditer(text)]
    return [name.decode("utf-8", "replace") for name in found]


def _in_dependencies(path: str) -> bool:
    return "node_modules" in path.split("/")


class ImportGraph:
    """Which tracked files each JavaScript file imports (relative specifiers, and the
    package's own name), read on demand."""

    def __init__(self, top: str, tracked: list[str]):
        self.top = top
        self.files = set(tracked)
        self.directories = {posixpath.dirname(f) for f in tracked}
        self._imports: dict[str, list[str]] = {}
        self._reach: dict[str, frozenset[str]] = {}
        self.name, self.main = _own_name_and_main(top)

    def imports(self, path: str) -> list[str]:
        if path not in self._imports:
            text = read_bytes(self.top, path).decode("utf-8", "replace")
            found = (self.resolve(path, m.group(2)) for m in _SPECIFIERS.finditer(text))
            self._imports[path] = sorted({f for f in found if f is not None})
        return self._imports[path]

    def reach(self, path: str) -> frozenset[str]:
        """Every file PATH imports, directly or transitively (PATH included)."""
        if path not in self._reach:
            seen, stack = {path}, [path]
            while stack:
                for imported in self.imports(stack.pop()):
                    if imported not in seen and is_source(imported):
                        seen.add(imported)
                        stack.append(imported)
            self._reach[path] = frozenset(seen)
        return self._reach[path]

    def resolve(self, importer: str, specifier: str) -> str | None:
        if specifier.startswith("."):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        elif self.name and (specifier == self.name or specifier.startswith(self.name + "/")):
            target = specifier[len(self.name) :].lstrip("/") or "."
        else:
            return None  # a dependency, or node's own module
        return self._file(target)

    def _file(self, target: str) -> str | None:
        stem = re.sub(r"\.[cm]?js$", "", target)
        candidates = [target, *(target + s for s in SOURCE_SUFFIXES), target + ".json"]
        candidates += [stem + s for s in (".ts", ".tsx", ".mts", ".cts")]  # TypeScript's './x.js' for x.ts
        for candidate in candidates:
            if candidate in self.files:
                return candidate
        if target in (".", "") or target in self.directories:
            main = self.main if target in (".", "") else _main_of(self.top, target)
            if main and main != target:
                return self._file(posixpath.normpath(posixpath.join(target, main)))
            for index in ("index" + s for s in SOURCE_SUFFIXES):
                joined = posixpath.normpath(posixpath.join(target, index))
                if joined in self.files:
                    return joined
        return None


def _own_name_and_main(top: str) -> tuple[str, str]:
    data = _package(top, "")
    name = data.get("name")
    return (name if isinstance(name, str) else ""), _main(data)


def _main_of(top: str, directory: str) -> str:
    return _main(_package(top, directory))


def _main(data: dict[str, object]) -> str:
    main = data.get("main")
    return main if isinstance(main, str) and main else "index.js"


def _package(top: str, directory: str) -> dict[str, object]:
    try:
        data = json.loads(read_bytes(top, posixpath.join(directory, "package.json")) or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def tests_reaching(graph: ImportGraph, tests: tuple[str, ...], targets: set[str]) -> list[str]:
    """The test files that import one of TARGETS, directly or transitively."""
    return [test for test in tests if graph.reach(test) & targets]
