"""The pure parts of the selection: where a line sits, what a statement binds, a file's module names."""

from __future__ import annotations

import ast

import pytest

from hotfix_guard.focus.impact import bound_names, locate
from hotfix_guard.focus.imports import module_names

SOURCE = """\
import os
LIMIT = 3


@decorate(level=2)
def check(value, limit=LIMIT):
    if value > limit:
        return False
    else:
        return True


class Box:
    size = 4

    def grow(self):
        self.size += 1
"""


@pytest.mark.parametrize(
    ("line", "function", "header_of"),
    [
        (2, None, None),  # module constant
        (5, None, "check"),  # decorator
        (6, None, "check"),  # default argument
        (7, "check", None),  # body
        (9, "check", None),  # `else:`
        (14, None, None),  # class attribute
        (16, None, "grow"),  # a method's header
        (17, "grow", None),  # a method's body
    ],
)
def test_locate_tells_runtime_lines_from_import_time_lines(
    line: int, function: str | None, header_of: str | None
) -> None:
    location = locate(ast.parse(SOURCE), line)
    assert getattr(location.function, "name", None) == function
    assert getattr(location.header_of, "name", None) == header_of


@pytest.mark.parametrize(
    ("line", "names"),
    [(1, {"os"}), (2, {"LIMIT"}), (14, {"size"})],
)
def test_bound_names_of_import_time_statements(line: int, names: set[str]) -> None:
    statement = locate(ast.parse(SOURCE), line).statement
    assert statement is not None
    assert bound_names(statement) == names


def test_bound_names_skip_function_bodies() -> None:
    tree = ast.parse("if True:\n    def f():\n        inner = 1\n    X = 2\n")
    assert bound_names(tree.body[0]) == {"f", "X"}


@pytest.mark.parametrize(
    ("path", "packages", "names"),
    [
        ("src/shop/cart.py", {"src/shop"}, {"src.shop.cart", "shop.cart"}),
        ("src/shop/__init__.py", {"src/shop"}, {"src.shop", "shop"}),
        ("tests/test_cart.py", set(), {"tests.test_cart", "test_cart"}),
        ("pkg/sub/mod.py", {"pkg", "pkg/sub"}, {"pkg.sub.mod"}),
        ("lib/tool.py", set(), {"lib.tool", "tool"}),
    ],
)
def test_module_names(path: str, packages: set[str], names: set[str]) -> None:
    assert module_names(path, packages) == names
