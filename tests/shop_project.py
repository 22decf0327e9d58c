"""A small Python package with a pytest suite, released as v1.0.0: the focused tests' playground.

src/shop/pricing.py  TAX (module constant), total(), discount()
src/shop/cart.py     Cart, which imports pricing
src/shop/auth.py     check_token()
tests/test_pricing.py, test_cart.py, test_auth.py (the critical set, by name), test_misc.py
"""

from __future__ import annotations

import sys

from conftest import GitRepo

PRICING = """\
TAX = 0.25


def total(amount):
    return round(amount * (1 + TAX), 2)


def discount(amount, rate=0.1):
    return round(amount * (1 - rate), 2)
"""
CART = """\
from shop.pricing import total


class Cart:
    def __init__(self):
        self.items = []

    def add(self, price):
        self.items.append(price)

    def checkout(self):
        return total(sum(self.items))
"""
AUTH = """\
def check_token(token):
    return token == "secret"
"""
TEST_PRICING = """\
from shop.pricing import discount, total


def test_total():
    assert total(100) == 125.0


def test_discount():
    assert discount(100) == 90.0
"""
TEST_CART = """\
from shop.cart import Cart


def test_checkout():
    cart = Cart()
    cart.add(40)
    cart.add(60)
    assert cart.checkout() == 125.0


def test_empty_cart():
    assert Cart().items == []
"""
TEST_AUTH = """\
from shop.auth import check_token


def test_accepts_secret():
    assert check_token("secret")


def test_rejects_other():
    assert not check_token("guess")
"""
TEST_MISC = """\
def test_arithmetic():
    assert 1 + 1 == 2
"""
PYTEST_INI = "[pytest]\npythonpath = src\ntestpaths = tests\n"
CONFIG = f'[focused-tests]\npython = "{sys.executable}"\n'

ALL_TEST_FILES = ["tests/test_auth.py", "tests/test_cart.py", "tests/test_misc.py", "tests/test_pricing.py"]
CRITICAL = ["tests/test_auth.py::test_accepts_secret", "tests/test_auth.py::test_rejects_other"]


def make_shop(repo: GitRepo, config: str = CONFIG) -> GitRepo:
    """The shop package released as v1.0.0 on main, then hotfix/v1.0.1 checked out."""
    files = {
        "src/shop/__init__.py": "",
        "src/shop/pricing.py": PRICING,
        "src/shop/cart.py": CART,
        "src/shop/auth.py": AUTH,
        "tests/test_pricing.py": TEST_PRICING,
        "tests/test_cart.py": TEST_CART,
        "tests/test_auth.py": TEST_AUTH,
        "tests/test_misc.py": TEST_MISC,
        "pytest.ini": PYTEST_INI,
        ".hotfix-guard.toml": config,
        ".gitignore": "__pycache__/\n.pytest_cache/\n",
        "README.md": "shop\n",
    }
    for path, content in files.items():
        repo.write(path, content)
    repo.commit("feat: shop")
    repo.tag("v1.0.0")
    repo.switch("hotfix/v1.0.1", "v1.0.0")
    return repo


def rerelease(repo: GitRepo, **files: str) -> None:
    """Change the release itself: commit FILES on main, move v1.0.0 there, restart the hotfix."""
    repo.checkout("main")
    for path, content in files.items():
        repo.write(path, content)
    repo.commit("feat: shop, amended")
    repo.git("tag", "-f", "v1.0.0")
    repo.git("branch", "-f", "hotfix/v1.0.1", "v1.0.0")
    repo.checkout("hotfix/v1.0.1")


def fix(repo: GitRepo, path: str, old: str, new: str, message: str = "fix(shop): HOTFIX - correct it") -> None:
    """Commit a one-place edit of PATH, as a hotfix does."""
    text = (repo.path / path).read_text()
    assert old in text, f"{old!r} not in {path}"
    repo.write(path, text.replace(old, new, 1))
    repo.commit(message)
