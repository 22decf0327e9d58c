"""The test suite as files and test ids, found from the tracked files without running pytest."""

from __future__ import annotations

import ast
import configparser
import fnmatch
import os
import re
import stat

PYTHON_TEST_FILES = ("test_*.py", "*_test.py")
# Files no test module names but every test may depend on.
SUITE_WIDE_FILES = ("conftest.py", "setup.cfg", "pyproject.toml", "tox.ini", "pytest.ini", "setup.py", "noxfile.py")
_TEST_DEF = re.compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]+test", re.MULTILINE)


_CONFIG_FILES = (
    ("pytest.ini", "pytest"),
    ("pytest.toml", "pytest"),
    (".pytest.toml", "pytest"),
    ("pyproject.toml", "tool"),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)
_OPTION_KEYS = ("testpaths", "python_files", "addopts")


class PytestOptions:
    """What of the project's pytest configuration decides which files are tests."""

    __slots__ = ("testpaths", "python_files", "addopts")

    def __init__(
        self,
        testpaths: tuple[str, ...] = (),
        python_files: tuple[str, ...] = PYTHON_TEST_FILES,
        addopts: tuple[str, ...] = (),
    ):
        self.testpaths = testpaths
        self.python_files = python_files
        self.addopts = addopts


def read_pytest_options(top: str) -> PytestOptions:
    """testpaths, python_files and addopts from the first pytest config file, the way pytest
    ranks them: pytest.ini (even without a [pytest] section), pytest 9's pytest.toml and
    .pytest.toml, pyproject.toml ([tool.pytest] or [tool.pytest.ini_options]), tox.ini, setup.cfg."""
    for name, section in _CONFIG_FILES:
        path = inside(top, name)
        if path is None:
            continue
        values = _toml_options(path, section) if name.endswith(".toml") else _ini_options(path, section)
        if values is None and name == "pytest.ini":
            values = {}
        if values is not None:
            testpaths = tuple(values.get("testpaths", ()))
            python_files = tuple(values.get("python_files", ())) or PYTHON_TEST_FILES
            return PytestOptions(testpaths, python_files, tuple(values.get("addopts", ())))
    return PytestOptions()


def _ini_options(path: str, section: str) -> dict[str, list[str]] | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    if not parser.has_section(section):
        return None
    return {key: parser.get(section, key).split() for key in _OPTION_KEYS if parser.has_option(section, key)}


def _toml_options(path: str, section: str) -> dict[str, list[str]] | None:
    import tomllib

    try:
        with open(path, "rb") as handle:
            table: object = tomllib.load(handle).get(section)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if section == "tool":  # pyproject.toml: [tool.pytest] (pytest 9), else [tool.pytest.ini_options]
        table = table.get("pytest") if isinstance(table, dict) else None
        if isinstance(table, dict) and isinstance(table.get("ini_options"), dict):
            table = table["ini_options"]
    if not isinstance(table, dict):
        return None
    values = {}
    for key in _OPTION_KEYS:
        value = table.get(key)
        if isinstance(value, str):
            values[key] = value.split()
        elif isinstance(value, list):
            values[key] = [str(item) for item in value]
    return values


class Suite:
    """The project's test files and conftest files, repo-relative."""

    __slots__ = ("top", "files", "conftests", "options", "test_def")

    def __init__(
        self,
        top: str,
        files: tuple[str, ...],
        conftests: tuple[str, ...],
        options: PytestOptions,
        test_def: re.Pattern[bytes] = _TEST_DEF,
    ):
        self.top = top
        self.files = files
        self.conftests = conftests
        self.options = options
        self.test_def = test_def  # what starts a test in a file of this suite, for the cheap count

    def is_test_file(self, path: str) -> bool:
        return is_test_file(path, self.options)

    def count_tests(self, path: str) -> int:
        """Test functions defined in PATH (a cheap count: parametrized cases count once; it( and
        test( calls in a JavaScript suite)."""
        return len(self.test_def.findall(read_bytes(self.top, path)))

    def conftests_of(self, path: str) -> list[str]:
        """The conftest.py files pytest loads for the tests in PATH."""
        return [c for c in self.conftests if _is_under(path, os.path.dirname(c))]


def find_suite(top: str, tracked: list[str]) -> Suite:
    options = read_pytest_options(top)
    roots = [os.path.normpath(p) for p in options.testpaths]
    # One compiled pattern over the names: a large repository tracks tens of thousands of files.
    names = re.compile("|".join(fnmatch.translate(pattern) for pattern in options.python_files))
    python = [p for p in tracked if p.endswith(".py")]
    files = [
        p for p in python if names.match(p.rpartition("/")[2]) and (not roots or any(_is_under(p, r) for r in roots))
    ]
    conftests = [p for p in python if p.endswith("conftest.py") and os.path.basename(p) == "conftest.py"]
    return Suite(top, tuple(sorted(files)), tuple(sorted(conftests)), options)


def is_test_file(path: str, options: PytestOptions) -> bool:
    name = os.path.basename(path)
    return name.endswith(".py") and any(fnmatch.fnmatch(name, pattern) for pattern in options.python_files)


def _is_under(path: str, directory: str) -> bool:
    return directory in ("", ".") or path.startswith(directory.rstrip("/") + "/")


# More than any source file holds: a tracked file is read no further.
MAX_READ_BYTES = 16 * 1024 * 1024


def read_bytes(top: str, path: str) -> bytes:
    """The first MAX_READ_BYTES of the file PATH in the repository at TOP; b"" when it is not
    a regular file inside TOP (a tracked symlink may lead anywhere: /dev/zero, a FIFO, ~/.ssh)."""
    real = inside(top, path)
    if real is None:
        return b""
    try:
        # O_NONBLOCK: opening a FIFO swapped in since the check must not wait for a writer.
        descriptor = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return b""
    with open(descriptor, "rb", closefd=True) as handle:
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return b""
            return handle.read(MAX_READ_BYTES)
        except OSError:
            return b""


def inside(top: str, path: str) -> str | None:
    """The real path of PATH under TOP when it is a regular file inside TOP (symlinks resolved); else None."""
    real_top = os.path.realpath(top)
    real = os.path.realpath(os.path.join(top, path))
    if not real.startswith(real_top.rstrip(os.sep) + os.sep) or not os.path.isfile(real):
        return None
    return real


def test_ids(top: str, path: str) -> list[tuple[str, frozenset[str]]]:
    """(pytest node id without parameters, marker names) of each test function in PATH."""
    try:
        tree = ast.parse(read_bytes(top, path), filename=path)
    except (SyntaxError, ValueError):
        return []
    found: list[tuple[str, frozenset[str]]] = []
    _collect(tree.body, path, _module_markers(tree), found)
    return found


def _collect(
    body: list[ast.stmt], prefix: str, markers: frozenset[str], found: list[tuple[str, frozenset[str]]]
) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            found.append((f"{prefix}::{node.name}", markers | _markers(node.decorator_list)))
        elif isinstance(node, ast.ClassDef) and _is_test_class(node):
            class_markers = markers | _markers(node.decorator_list) | _class_markers(node)
            _collect(node.body, f"{prefix}::{node.name}", class_markers, found)


def _is_test_class(node: ast.ClassDef) -> bool:
    """Test* classes, and unittest TestCase subclasses whatever their name; not `__test__ = False`."""
    for statement in node.body:
        if (
            isinstance(statement, ast.Assign)
            and any(getattr(t, "id", "") == "__test__" for t in statement.targets)
            and isinstance(statement.value, ast.Constant)
            and not statement.value.value
        ):
            return False
    bases = {getattr(base, "attr", getattr(base, "id", "")) for base in node.bases}
    return node.name.startswith("Test") or any(base.endswith("TestCase") for base in bases)


def _class_markers(node: ast.ClassDef) -> frozenset[str]:
    return _module_markers(ast.Module(body=node.body, type_ignores=[]))


def _module_markers(tree: ast.Module) -> frozenset[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            return _markers(values)
    return frozenset()


def _markers(expressions: list[ast.expr]) -> frozenset[str]:
    """Names of `pytest.mark.NAME` / `mark.NAME` (called or not) among EXPRESSIONS."""
    names = set()
    for expression in expressions:
        target = expression.func if isinstance(expression, ast.Call) else expression
        if isinstance(target, ast.Attribute) and _is_mark(target.value):
            names.add(target.attr)
    return frozenset(names)


def _is_mark(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "mark") or (
        isinstance(node, ast.Attribute) and node.attr == "mark"
    )


def critical_tests(suite: Suite, pattern: re.Pattern[str], markers: frozenset[str]) -> list[str]:
    """Ids of the tests whose id matches PATTERN or that carry one of MARKERS.

    A file's text is searched first, so only files that could hold a match are parsed.
    """
    found = []
    for path in suite.files:
        text = read_bytes(suite.top, path).decode("utf-8", "replace")
        if not pattern.search(path) and not pattern.search(text) and not any(m in text for m in markers):
            continue
        found += [test for test, marks in test_ids(suite.top, path) if pattern.search(test) or marks & markers]
    return found
