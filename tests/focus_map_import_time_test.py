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
ALLOWED = ["admin"]
ALLOWED.append("user")
COUNTS = [0]
COUNTS[0] += 5
settings = types.SimpleNamespace()
settings.debug = True
setattr(settings, "level", 2)


def level(role):
    return ROLES[role]
"""
CONF = """\
CONFIG = None


def load():
    global CONFIG
    CONFIG = {"retries": 3}


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
