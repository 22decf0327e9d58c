"""`hotfix-guard tests --list`: which tests a change selects, and why, on a real package."""

from __future__ import annotations

import pytest
from conftest import GitRepo, run_cli
from shop_project import ALL_TEST_FILES, CRITICAL, fix, make_shop, rerelease


@pytest.fixture
def shop(repo: GitRepo) -> GitRepo:
    return make_shop(repo)


def listed(repo: GitRepo, *args: str) -> list[str]:
    result = run_cli(repo, "tests", "--list", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def explained(repo: GitRepo) -> str:
    result = run_cli(repo, "tests", "--list", "--explain")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_source_change_selects_its_importers_directly_and_transitively_plus_the_critical_set(shop: GitRepo) -> None:
    fix(shop, "src/shop/pricing.py", "round(amount * (1 - rate), 2)", "round(amount * (1 - rate), 3)")
    assert listed(shop) == ["tests/test_cart.py", "tests/test_pricing.py", *CRITICAL]


def test_list_prints_nothing_but_the_ids(shop: GitRepo) -> None:
    fix(shop, "src/shop/auth.py", '"secret"', '"s3cret"')
    assert run_cli(shop, "tests", "--list").stdout == "tests/test_auth.py\n"


def test_changed_test_file_selects_its_tests(shop: GitRepo) -> None:
    fix(shop, "tests/test_misc.py", "1 + 1 == 2", "2 + 2 == 4")
    assert listed(shop) == ["tests/test_misc.py", *CRITICAL]


def test_conftest_change_falls_back_to_the_whole_suite_with_the_reason(shop: GitRepo) -> None:
    shop.commit("fix(tests): HOTFIX - shared fixture", **{"tests__conftest.py": "import pytest\n"})
    assert listed(shop) == ALL_TEST_FILES
    assert "# whole suite: tests/conftest.py changed: its fixtures and hooks reach every test" in explained(shop)


@pytest.mark.parametrize("path", ["pytest.ini", "setup.cfg", "pyproject.toml", "tox.ini"])
def test_test_and_packaging_config_falls_back_to_the_whole_suite(shop: GitRepo, path: str) -> None:
    shop.commit("fix: HOTFIX - config", **{path: "[tool:pytest]\n" if path == "setup.cfg" else "\n"})
    assert listed(shop) == ALL_TEST_FILES
    assert f"# whole suite: {path} changed: packaging and test configuration reach every test" in explained(shop)


def test_data_file_falls_back_to_the_whole_suite(shop: GitRepo) -> None:
    shop.commit("fix: HOTFIX - rates", **{"src__shop__rates.json": "{}\n"})
    assert listed(shop) == ALL_TEST_FILES
    assert "src/shop/rates.json changed: not Python" in explained(shop)


def test_documentation_is_ignored_and_said_so(shop: GitRepo) -> None:
    fix(shop, "README.md", "shop", "the shop")
    assert listed(shop) == CRITICAL
    assert "# ignored: README.md (matches [focused-tests] ignore)" in explained(shop)


def test_documentation_beside_the_tests_is_data_they_may_read(shop: GitRepo) -> None:
    shop.commit("fix: HOTFIX - expected output", **{"tests__expected.md": "x\n"})
    assert listed(shop) == ALL_TEST_FILES


def test_empty_selection_is_never_a_silent_pass(repo: GitRepo) -> None:
    make_shop(repo, config=_config(repo, 'pattern = "nothing-matches-this"'))
    fix(repo, "README.md", "shop", "the shop")
    assert listed(repo) == ALL_TEST_FILES
    assert "nothing was selected, and an empty selection is never a pass" in explained(repo)


def test_configured_markers_join_the_critical_set(repo: GitRepo) -> None:
    make_shop(repo, config=_config(repo, 'pattern = "nothing-matches-this"\nmarkers = ["critical"]'))
    marked = "import pytest\n\n\n@pytest.mark.critical\ndef test_arithmetic():\n    assert True\n"
    rerelease(repo, **{"tests/test_misc.py": marked})
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    assert listed(repo) == ["tests/test_auth.py", "tests/test_misc.py::test_arithmetic"]


def test_version_bump_alone_does_not_select_the_whole_suite(repo: GitRepo) -> None:
    make_shop(repo, config=_config(repo, "", top='version-files = ["pyproject.toml"]'))
    rerelease(repo, **{"pyproject.toml": '[project]\nname = "shop"\nversion = "1.0.0"\n'})
    fix(repo, "pyproject.toml", "1.0.0", "1.0.1", "chore(release): HOTFIX - bump version")
    assert "# ignored: pyproject.toml (only its version changed)" in explained(repo)
    fix(repo, "pyproject.toml", 'name = "shop"', 'name = "shop2"')
    assert listed(repo) == ALL_TEST_FILES


@pytest.mark.parametrize(
    ("entry", "path", "content"),
    [
        (
            'version-files = [\'src/shop/__init__.py:__version__ = "([^"]+)"\']',
            "src/shop/__init__.py",
            '__version__ = "1.0.0"\n',
        ),
        ('version-files = ["VERSION"]', "VERSION", "1.0.0\n"),
        ('version-files = ["package.json"]', "package.json", '{\n  "name": "shop",\n  "version": "1.0.0"\n}\n'),
    ],
)
def test_the_bump_start_makes_is_ignored_in_both_forms_of_version_files(
    repo: GitRepo, entry: str, path: str, content: str
) -> None:
    make_shop(repo, config=_config(repo, "", top=entry))
    rerelease(repo, **{path: content})
    repo.checkout("main")
    repo.git("branch", "-D", "hotfix/v1.0.1")
    assert run_cli(repo, "start").exit_code == 0
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    assert listed(repo) == ["tests/test_auth.py"]
    assert f"# ignored: {path} (only its version changed)" in explained(repo)


def test_npm_lock_files_beside_package_json_are_ignored_with_it(repo: GitRepo) -> None:
    manifest = '{\n  "name": "shop",\n  "version": "1.0.0"\n}\n'
    lock = '{\n  "name": "shop",\n  "version": "1.0.0",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {\n      "version": "1.0.0"\n    }\n  }\n}\n'
    make_shop(repo, config=_config(repo, "", top='version-files = ["package.json"]'))
    rerelease(repo, **{"package.json": manifest, "package-lock.json": lock})
    repo.checkout("main")
    repo.git("branch", "-D", "hotfix/v1.0.1")
    assert run_cli(repo, "start").exit_code == 0
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    assert listed(repo) == ["tests/test_auth.py"]
    assert "# ignored: package-lock.json (only its version changed)" in explained(repo)


def test_deleted_module_selects_the_tests_that_imported_it(shop: GitRepo) -> None:
    shop.git("rm", "-q", "src/shop/auth.py")
    shop.commit("fix(auth): HOTFIX - drop the broken module")
    assert "tests/test_auth.py" in listed(shop)


def test_renamed_module_selects_its_importers(shop: GitRepo) -> None:
    shop.git("mv", "src/shop/cart.py", "src/shop/basket.py")
    shop.commit("fix(cart): HOTFIX - rename")
    assert "tests/test_cart.py" in listed(shop)


def test_without_a_map_the_notes_say_build_map_sharpens_it(shop: GitRepo) -> None:
    fix(shop, "src/shop/auth.py", '"secret"', '"s3cret"')
    assert "`hotfix-guard tests --build-map` sharpens the selection" in explained(shop)


def test_relative_imports_and_package_reexports_are_followed(shop: GitRepo) -> None:
    exported = "from shop import Cart\n\n\ndef test_cart_class():\n    assert Cart\n"
    rerelease(shop, **{"src/shop/__init__.py": "from .cart import Cart\n", "tests/test_misc.py": exported})
    fix(shop, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", "round(amount * (1 + TAX), 3)")
    assert "tests/test_misc.py" in listed(shop)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-tag"], "base 'no-such-tag' is not a commit in this repository"),
        (["--head", "--oops"], "head '--oops' is not a commit in this repository"),
    ],
)
def test_bad_refs_are_one_line_errors(shop: GitRepo, args: list[str], message: str) -> None:
    result = run_cli(shop, "tests", "--list", *args)
    assert (result.exit_code, result.stderr) == (2, f"hotfix-guard: error: {message}\n")


def test_explain_needs_list(shop: GitRepo) -> None:
    result = run_cli(shop, "tests", "--explain")
    assert result.exit_code == 2
    assert "--explain goes with --list" in result.stderr


def _config(repo: GitRepo, focused: str, top: str = "") -> str:
    import sys

    return f'{top}\n[focused-tests]\npython = "{sys.executable}"\n{focused}\n'


def test_each_changed_file_must_reach_a_test_or_the_whole_suite_runs(shop: GitRepo) -> None:
    fix(shop, "src/shop/auth.py", '"secret"', '"s3cret"')
    shop.commit("fix(shop): HOTFIX - helper", **{"src__shop__helpers.py": "VALUE = 1\n"})
    assert listed(shop) == ALL_TEST_FILES
    assert "# whole suite: no test module imports src/shop/helpers.py" in explained(shop)


@pytest.mark.parametrize(
    ("old", "new"),
    [('RATIO = "0.5"', 'RATIO = "5.0"'), ('requires = ["requests==2.31.0"]', 'requires = ["requests==2.0.0"]')],
    ids=["a-constant", "a-pin-moved-back"],
)
def test_only_a_version_moved_forward_counts_as_a_version_bump(repo: GitRepo, old: str, new: str) -> None:
    make_shop(repo, config=_config(repo, "", top='version-files = ["pyproject.toml"]'))
    rerelease(repo, **{"pyproject.toml": f'[project]\nversion = "1.0.0"\n{old}\n'})
    fix(repo, "pyproject.toml", old, new)
    assert listed(repo) == ALL_TEST_FILES


def test_moved_conftest_selects_the_tests_it_left_behind(shop: GitRepo) -> None:
    rerelease(shop, **{"tests/a/conftest.py": "import pytest\n", "tests/a/test_a.py": "def test_a():\n    pass\n"})
    shop.git("mv", "tests/a/conftest.py", "tests/conftest.py")
    shop.commit("fix(tests): HOTFIX - share the fixture")
    assert listed(shop) == sorted([*ALL_TEST_FILES, "tests/a/test_a.py"])


def test_documentation_inside_a_package_is_package_data(shop: GitRepo) -> None:
    shop.commit("fix(shop): HOTFIX - welcome text", **{"src__shop__templates__welcome.md": "hi\n"})
    assert listed(shop) == ALL_TEST_FILES
    assert "not Python" in explained(shop)


def test_pytest_toml_decides_which_files_are_tests(repo: GitRepo) -> None:
    make_shop(repo)
    repo.git("rm", "-q", "pytest.ini")
    toml = '[pytest]\npythonpath = ["src"]\npython_files = ["check_*.py"]\n'
    rerelease(repo, **{"pytest.toml": toml, "tests/check_auth.py": "def test_x():\n    pass\n"})
    fix(repo, "tests/check_auth.py", "pass", "assert True")
    assert listed(repo) == ["tests/check_auth.py"]


def test_critical_set_leaves_out_classes_pytest_does_not_collect(repo: GitRepo) -> None:
    helper = "class TestAuthHelper:\n    __test__ = False\n\n    def test_x(self):\n        pass\n"
    make_shop(repo)
    rerelease(repo, **{"tests/test_misc.py": helper})
    fix(repo, "README.md", "shop", "the shop")
    assert listed(repo) == CRITICAL


def test_imports_behind_a_colon_or_a_backslash_are_followed(shop: GitRepo) -> None:
    rerelease(
        shop,
        **{
            "tests/test_misc.py": "if True: from shop import auth\nfrom shop.cart \\\n    import Cart\n\n\ndef test_x():\n    assert auth and Cart\n"
        },
    )
    fix(shop, "src/shop/pricing.py", "rate=0.1", "rate=0.2")
    assert "tests/test_misc.py" in listed(shop)


def test_doctest_modules_add_the_changed_modules_doctests(repo: GitRepo) -> None:
    make_shop(repo)
    rerelease(repo, **{"pytest.ini": "[pytest]\npythonpath = src\ntestpaths = tests\naddopts = --doctest-modules\n"})
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    assert "src/shop/auth.py" in listed(repo)
