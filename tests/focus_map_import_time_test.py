"""The coverage map and code that acts at import time: what a changed class-body binding,
a module-level mutation, a decorator or a function run at import reaches (issue 12, section 3;
review findings 2 and 3). Each change must select the tests that use what it changed, not
only those that name the changed word or ran the changed line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import GitRepo, isolate_git, run_cli
from shop_project import CONFIG, PYTEST_INI, fix

COLORS = """\
from dataclasses import astuple, dataclass
from enum import Enum


class Color(Enum):
    RED = 1
    GREEN = 2


def is_green(c):
    return c is Color.GREEN


@dataclass
class Point:
    x: int = 0
    y: int = 0


def origin():
    return astuple(Point())


class Limits:
    MAXIMUM = 10
"""
ROLES = """\
import types

ROLES = {"admin": 3}
ROLES["user"] = 1
RETIRED = "guest"
ROLES["guest"] = 0
del ROLES[RETIRED]
ALLOWED = ["admin"]
ALLOWED.append("user")
COUNTS = [0]
COUNTS[0] += 5
settings = types.SimpleNamespace()
settings.debug = True
setattr(settings, "level", 2)
MAXLEVEL = 3
MAXLEVEL += 1


def level(role):
    return ROLES[role]
"""
CONF = """\
CONFIG = None


def load(count=3):
    global CONFIG
    CONFIG = {"retries": count}


def retries():
    return CONFIG["retries"]


load()
"""
PLUGINS = """\
REGISTRY = {}


def register(name):
    def add(function):
        REGISTRY[name] = function
        return function

    return add


@register("hello")
def hello():
    return "hi"
"""
LIMITS = "LIMIT = 5\n"
INIT = "from app.limits import LIMIT as MAX_ITEMS\n"
TESTS = {
    "tests/test_green.py": "from app.colors import Color, is_green\n\n\ndef test_green():\n    assert is_green(Color.GREEN)\n",
    "tests/test_values.py": (
        "from app import colors\n\n\ndef test_values():\n    assert [c.value for c in colors.Color] == [1, 2]\n"
    ),
    "tests/test_point.py": "from app.colors import origin\n\n\ndef test_origin():\n    assert origin() == (0, 0)\n",
    "tests/test_limits.py": (
        "from app import colors\n\n\ndef test_maximum():\n"
        "    assert max(v for k, v in vars(colors.Limits).items() if k.isupper()) == 10\n"
    ),
    "tests/test_level.py": "from app.roles import level\n\n\ndef test_level():\n    assert level('admin') == 3\n",
    "tests/test_table.py": (
        "from app import roles\n\n\ndef test_table():\n    assert roles.ROLES == {'admin': 3, 'user': 1}\n"
    ),
    "tests/test_allowed.py": "from app import roles\n\n\ndef test_allowed():\n    assert len(roles.ALLOWED) == 2\n",
    "tests/test_counts.py": "from app import roles\n\n\ndef test_counts():\n    assert sum(roles.COUNTS) == 5\n",
    "tests/test_settings.py": (
        "from app import roles\n\n\ndef test_settings():\n    assert sorted(vars(roles.settings).values()) == [True, 2]\n"
    ),
    "tests/test_maxlevel.py": "from app import roles\n\n\ndef test_maxlevel():\n    assert roles.MAXLEVEL == 4\n",
    "tests/test_retries.py": "from app.conf import retries\n\n\ndef test_retries():\n    assert retries() == 3\n",
    "tests/test_config.py": "from app import conf\n\n\ndef test_config():\n    assert len(conf.CONFIG) == 1\n",
    "tests/test_hello.py": "from app.plugins import hello\n\n\ndef test_hello():\n    assert hello() == 'hi'\n",
    "tests/test_registry.py": (
        "from app import plugins\n\n\ndef test_registry():\n    assert list(plugins.REGISTRY) == ['hello']\n"
    ),
    "tests/test_max_items.py": "import app\n\n\ndef test_max_items():\n    assert app.MAX_ITEMS == 5\n",
    "tests/test_unrelated.py": "def test_unrelated():\n    assert 1 + 1 == 2\n",
}

TESTS_RUN = {
    f"{path}::{line[4:].split('(')[0]}"
    for path, text in TESTS.items()
    for line in text.splitlines()
    if line.startswith("def test_")
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app released as v1.0.0, hotfix/v1.0.1 checked out, the map of v1.0.0 built: once per module."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_git(tmp_path_factory.mktemp("home"), patch)
        repo = GitRepo(tmp_path_factory.mktemp("app") / "repo")
        repo.path.mkdir()
        repo.git("init", "-q", "-b", "main")
        sources = {"colors.py": COLORS, "roles.py": ROLES, "conf.py": CONF, "plugins.py": PLUGINS, "limits.py": LIMITS}
        for name, text in {"__init__.py": INIT, **sources}.items():
            repo.write(f"src/app/{name}", text)
        for path, text in TESTS.items():
            repo.write(path, text)
        repo.write("pytest.ini", PYTEST_INI)
        repo.write(".hotfix-guard.toml", CONFIG)
        repo.write(".gitignore", "__pycache__/\n.pytest_cache/\n")
        repo.commit("feat: app")
        repo.tag("v1.0.0")
        repo.switch("hotfix/v1.0.1", "v1.0.0")
        result = run_cli(repo, "tests", "--build-map")
        assert result.exit_code == 0, result.output
    return repo.path


@pytest.fixture
def app(built: Path, tmp_path: Path) -> GitRepo:
    return GitRepo(Path(shutil.copytree(built, tmp_path / "repo", symlinks=True)))


def selected(repo: GitRepo) -> set[str]:
    """The tests `tests --list` selects, a module standing for each of its tests (never the whole suite)."""
    result = run_cli(repo, "tests", "--list")
    assert result.exit_code == 0, result.output
    chosen = set(result.stdout.splitlines())
    tests = {test for test in TESTS_RUN if test in chosen or test.split("::")[0] in chosen}
    assert "tests/test_unrelated.py::test_unrelated" not in tests, "the whole suite was selected"
    return tests


@pytest.mark.parametrize(
    ("old", "new", "tests"),
    [
        ("GREEN = 2", "GREEN = 3", {"test_green.py::test_green", "test_values.py::test_values"}),
        ("x: int = 0", "x: int = 1", {"test_point.py::test_origin"}),
        ("MAXIMUM = 10", "MAXIMUM = 11", {"test_limits.py::test_maximum"}),
    ],
)
def test_class_body_binding_selects_the_tests_that_use_its_class(
    app: GitRepo, old: str, new: str, tests: set[str]
) -> None:
    fix(app, "src/app/colors.py", old, new)
    assert {f"tests/{test}" for test in tests} <= selected(app)


@pytest.mark.parametrize(
    ("old", "new", "test"),
    [
        ('ROLES["user"] = 1', 'ROLES["user"] = 0', "test_table.py::test_table"),
        ('RETIRED = "guest"', 'RETIRED = "user"', "test_table.py::test_table"),  # only `del ROLES[RETIRED]` uses it
        ('ALLOWED.append("user")', 'ALLOWED.append("guest")', "test_allowed.py::test_allowed"),
        ("COUNTS[0] += 5", "COUNTS[0] += 6", "test_counts.py::test_counts"),
        ("settings.debug = True", "settings.debug = False", "test_settings.py::test_settings"),
        ('setattr(settings, "level", 2)', 'setattr(settings, "level", 3)', "test_settings.py::test_settings"),
        ("MAXLEVEL += 1", "MAXLEVEL += 2", "test_maxlevel.py::test_maxlevel"),
    ],
)
def test_module_statement_binding_no_name_selects_the_tests_that_use_what_it_mutates(
    app: GitRepo, old: str, new: str, test: str
) -> None:
    fix(app, "src/app/roles.py", old, new)
    assert f"tests/{test}" in selected(app)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('CONFIG = {"retries": count}', 'CONFIG = {"retries": count + 1}'),  # a `global` rebound in it
        ("def load(count=3):", "def load(count=4):"),  # its default
        ("load()", "load(4)"),  # the module-level call, which binds nothing
    ],
)
def test_function_run_at_import_selects_the_tests_that_read_what_it_set(app: GitRepo, old: str, new: str) -> None:
    fix(app, "src/app/conf.py", old, new)
    assert "tests/test_config.py::test_config" in selected(app)


@pytest.mark.parametrize(
    ("old", "new", "tests"),
    [
        ('@register("hello")', '@register("hullo")', {"test_registry.py::test_registry", "test_hello.py::test_hello"}),
        ("REGISTRY[name] = function", "REGISTRY[name.upper()] = function", {"test_registry.py::test_registry"}),
    ],
)
def test_decorator_selects_the_tests_that_use_the_function_and_what_the_decorator_keeps(
    app: GitRepo, old: str, new: str, tests: set[str]
) -> None:
    fix(app, "src/app/plugins.py", old, new)
    assert {f"tests/{test}" for test in tests} <= selected(app)


def test_constant_re_exported_under_another_name_selects_the_tests_of_that_name(app: GitRepo) -> None:
    fix(app, "src/app/limits.py", "LIMIT = 5", "LIMIT = 6")
    assert "tests/test_max_items.py::test_max_items" in selected(app)


@pytest.mark.parametrize(
    ("path", "old", "new", "test"),
    [
        ("roles.py", 'ROLES["user"] = 1\n', 'ROLES["user"] = 1\nROLES["guest"] = 0\n', "test_table.py::test_table"),
        ("colors.py", "GREEN = 2\n", "GREEN = 2\n    BLUE = 4\n", "test_values.py::test_values"),
        (
            "conf.py",
            '"retries": count}\n',
            '"retries": count}\n    CONFIG["delay"] = 1\n',
            "test_config.py::test_config",
        ),
        ("conf.py", "load()\n", "load()\nCONFIG.clear()\n", "test_config.py::test_config"),
        ("plugins.py", "\ndef hello", '\n@register("hi")\ndef hello', "test_registry.py::test_registry"),
    ],
)
def test_added_import_time_code_selects_the_tests_that_use_what_it_changes(
    app: GitRepo, path: str, old: str, new: str, test: str
) -> None:
    fix(app, f"src/app/{path}", old, new)
    assert f"tests/{test}" in selected(app)
