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
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+|\bfrom\s+|\bexport\s*\*\s*from\s+)(['"`])([^'"`\n]+)\1"""
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
    """Which tracked files each JavaScript file imports, read on demand: relative specifiers
    (quoted, or a template string without ${}), `#aliases` of the nearest package.json's
    "imports", and the names of the package and of its workspaces (their "exports", else
    "main"). A specifier that looks like one of these and leads to no tracked file is kept
    in `unresolved`: the selection cannot rule out that a changed module is behind it."""

    def __init__(self, top: str, tracked: list[str]):
        self.top = top
        self.files = set(tracked)
        self.directories = {posixpath.dirname(f) for f in tracked}
        self._imports: dict[str, list[str]] = {}
        self._reach: dict[str, frozenset[str]] = {}
        self.unresolved: dict[str, list[str]] = {}  # file -> the local-looking specifiers that lead nowhere
        self._packages: dict[str, dict[str, object]] = {}
        self.package_directories = {
            posixpath.dirname(f)
            for f in tracked
            if posixpath.basename(f) == "package.json" and not _in_dependencies(f) and f in self.files
        }
        self.names = self._package_names()  # package name -> its directory ("" for the top)

    def imports(self, path: str) -> list[str]:
        if path not in self._imports:
            text = read_bytes(self.top, path).decode("utf-8", "replace")
            found: set[str] = set()
            for match in _SPECIFIERS.finditer(text):
                specifier = match.group(2)
                targets = self.resolve(path, specifier)
                if targets is None:
                    self.unresolved.setdefault(path, []).append(specifier)
                else:
                    found.update(targets)
            self._imports[path] = sorted(found)
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

    def resolve(self, importer: str, specifier: str) -> list[str] | None:
        """The tracked files SPECIFIER in IMPORTER leads to; [] for a dependency or one of
        node's modules; None where it looks like the project's own file but leads to none."""
        if "${" in specifier or specifier.startswith("/"):
            return None  # computed, or absolute: it may be any file
        if specifier.startswith("."):
            return self._one(posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier)))
        if specifier.startswith("#"):
            directory = self._package_of(importer)
            if directory is None:
                return None
            return self._mapped(directory, _map_targets(self._package(directory).get("imports"), specifier))
        parts = specifier.split("/")
        name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
        directory = self.names.get(name)
        if directory is None:
            return []  # a dependency, or node's own module
        subpath = specifier[len(name) :].lstrip("/")
        exports = self._package(directory).get("exports")
        if exports is not None:
            return self._mapped(directory, _map_targets(exports, "./" + subpath if subpath else "."))
        return self._one(posixpath.normpath(posixpath.join(directory, subpath)) if subpath or directory else ".")

    def _one(self, target: str) -> list[str] | None:
        found = self._file(target)
        return None if found is None else [found]

    def _mapped(self, directory: str, targets: list[str] | None) -> list[str] | None:
        """The files an "exports" or "imports" entry maps to (every condition hotfix-guard takes:
        require, import, node, default); None when it maps to none, or to a file not tracked."""
        if targets is None:
            return None
        files: list[str] = []
        for target in targets:
            if not target.startswith("./"):
                continue  # "imports" may name a dependency: outside the project
            found = self._file(posixpath.normpath(posixpath.join(directory, target)))
            if found is None:
                return None  # built output (dist/), or a mistake: what it holds cannot be traced
            files.append(found)
        return files

    def _file(self, target: str) -> str | None:
        stem = re.sub(r"\.[cm]?js$", "", target)
        candidates = [target, *(target + s for s in SOURCE_SUFFIXES), target + ".json"]
        candidates += [stem + s for s in (".ts", ".tsx", ".mts", ".cts")]  # TypeScript's './x.js' for x.ts
        for candidate in candidates:
            if candidate in self.files:
                return candidate
        if target in (".", "") or target in self.directories:
            directory = "" if target == "." else target
            main = _main(self._package(directory))
            if main and posixpath.normpath(posixpath.join(directory, main)) != target:
                return self._file(posixpath.normpath(posixpath.join(directory, main)))
            for index in ("index" + s for s in SOURCE_SUFFIXES):
                joined = posixpath.normpath(posixpath.join(target, index))
                if joined in self.files:
                    return joined
        return None

    def _package(self, directory: str) -> dict[str, object]:
        if directory not in self._packages:
            self._packages[directory] = _package(self.top, directory)
        return self._packages[directory]

    def _package_of(self, path: str) -> str | None:
        """The directory of the package.json nearest above PATH (node's scope for #imports)."""
        directory = posixpath.dirname(path)
        while True:
            if directory in self.package_directories:
                return directory
            if not directory:
                return None
            directory = posixpath.dirname(directory)

    def _package_names(self) -> dict[str, str]:
        """The top package's name, and each workspace package's (npm's, yarn's "workspaces")."""
        names: dict[str, str] = {}
        top = self._package("")
        globs = top.get("workspaces")
        if isinstance(globs, dict):  # yarn's {"packages": [...]}
            globs = globs.get("packages")
        for directory in sorted(self.package_directories - {""}):
            if isinstance(globs, list) and any(isinstance(g, str) and _glob_match(g, directory) for g in globs):
                name = self._package(directory).get("name")
                if isinstance(name, str) and name:
                    names.setdefault(name, directory)
        name = top.get("name")
        if isinstance(name, str) and name:
            names[name] = ""
        return names


_CONDITIONS = ("require", "import", "node", "default")


def _map_targets(table: object, key: str) -> list[str] | None:
    """The targets KEY has in an "exports" or "imports" TABLE (a string, an array, conditions,
    or subpaths with `*` patterns); None when the table does not name KEY."""
    if isinstance(table, (str, list)) or (isinstance(table, dict) and not any(str(k)[:1] in ".#" for k in table)):
        table = {".": table}  # the sugar for "." alone
    if not isinstance(table, dict):
        return None
    if key in table:
        return _conditions(table[key], "", 0)
    best: tuple[int, list[str]] | None = None
    for pattern, value in table.items():
        prefix, star, suffix = str(pattern).partition("*")
        if star and key.startswith(prefix) and key.endswith(suffix) and len(key) >= len(prefix) + len(suffix):
            matched = key[len(prefix) : len(key) - len(suffix)]
            if best is None or len(prefix) > best[0]:  # node takes the longest prefix
                best = (len(prefix), _conditions(value, matched, 0))
        elif not star and str(pattern).endswith("/") and key.startswith(pattern):  # the old folder mappings
            rest = key[len(pattern) :]
            if best is None or len(pattern) > best[0]:
                best = (len(pattern), [target + rest for target in _conditions(value, "", 0)])
    return best[1] if best is not None else None


def _conditions(value: object, star: str, depth: int) -> list[str]:
    if isinstance(value, str):
        return [value.replace("*", star)]
    if depth > 8:
        return []
    if isinstance(value, list):
        return [target for item in value for target in _conditions(item, star, depth + 1)]
    if isinstance(value, dict):
        return [t for key, item in value.items() if key in _CONDITIONS for t in _conditions(item, star, depth + 1)]
    return []  # null: not exported


def _glob_match(pattern: str, directory: str) -> bool:
    """Whether a workspaces glob (packages/*, packages/**, apps/web) names DIRECTORY, one
    path segment at a time as npm's glob does."""
    return _segments_match(posixpath.normpath(pattern).split("/"), directory.split("/"))


def _segments_match(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":  # any number of segments: tried from each position, no backtracking within one
        return any(_segments_match(pattern[1:], parts[index:]) for index in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _segments_match(pattern[1:], parts[1:])


def _main(data: dict[str, object]) -> str:
    main = data.get("main")
    return main if isinstance(main, str) and main else "index.js"


def _package(top: str, directory: str) -> dict[str, object]:
    try:
        data = json.loads(read_bytes(top, posixpath.join(directory, "package.json")) or b"{}")
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def tests_reaching(graph: ImportGraph, tests: tuple[str, ...], targets: set[str]) -> list[str]:
    """The test files that import one of TARGETS, directly or transitively."""
    return [test for test in tests if graph.reach(test) & targets]
