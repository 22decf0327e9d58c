"""The map build must not change the suite it maps, must say when it maps nothing of the
project, and nothing but `tests --build-map` builds one (issue 12, section 3)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import GitRepo, isolate_git, run_cli
from shop_project import CART, fix, make_shop, rerelease

BIN = str(Path(sys.executable).parent)  # where the hotfix-guard under test is installed

TEST_ZIP = """\
import importlib.machinery
import os
import sys
import zipimport

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "vendor", "zpkg.zip"))

import zpkg  # noqa: E402

import shop.pricing  # noqa: E402


def test_zip_package_keeps_its_zipimporter():
    assert zpkg.NAME == "zipped"
    assert isinstance(zpkg.__loader__, zipimport.zipimporter)
    assert isinstance(zpkg.__spec__.loader, zipimport.zipimporter)


def test_project_module_keeps_its_loader():
    assert type(shop.pricing.__loader__) is importlib.machinery.SourceFileLoader
    assert shop.pricing.__spec__.loader is shop.pricing.__loader__
"""
LATE = "def compute():\n    return 42\n\n\nVALUE = compute()\n"
TEST_LATE = "def test_late_import():\n    from shop import late\n\n    assert late.VALUE == 42\n"
TEST_BROKEN = 'def test_broken_at_base():\n    assert False, "broken in the release"\n'


def zipped_package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("zpkg/__init__.py", 'NAME = "zipped"\n')
    return buffer.getvalue()


def maps(repo: GitRepo | Path) -> list[str]:
    path = repo.path if isinstance(repo, GitRepo) else repo
    directory = path / ".git" / "hotfix-guard" / "test-maps"
    return sorted(os.listdir(directory)) if directory.exists() else []


def map_document(path: Path) -> dict[str, object]:
    directory = path / ".git" / "hotfix-guard" / "test-maps"
    [name] = os.listdir(directory)
    document: dict[str, object] = json.loads((directory / name).read_text())
    return document


def zip_shop(repo: GitRepo) -> GitRepo:
    """The shop with a package imported from a zip file, a module a test imports late,
    and a test the release already fails."""
    make_shop(repo)
    repo.write("vendor/zpkg.zip", zipped_package())
    rerelease(
        repo,
        **{
            "tests/test_zip.py": TEST_ZIP,
            "src/shop/late.py": LATE,
            "tests/test_late.py": TEST_LATE,
            "tests/test_broken.py": TEST_BROKEN,
            "src/shop/cart.py": '"""A cart: checkout() adds TAX."""\n' + CART,
        },
    )
    return repo


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """zip_shop with its map built, once per module: (the repository, what the build said)."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_git(tmp_path_factory.mktemp("home"), patch)
        repo = GitRepo(tmp_path_factory.mktemp("zipshop") / "repo")
        repo.path.mkdir()
        repo.git("init", "-q", "-b", "main")
        zip_shop(repo)
        result = run_cli(repo, "tests", "--build-map")
        assert result.exit_code == 0, result.output
    return repo.path, result.stderr


@pytest.fixture
def copy(built: tuple[Path, str], tmp_path: Path) -> GitRepo:
    return GitRepo(Path(shutil.copytree(built[0], tmp_path / "repo", symlinks=True)))


def test_build_leaves_a_zip_imported_package_its_zipimporter(built: tuple[Path, str]) -> None:
    document = map_document(built[0])
    assert "tests/test_zip.py::test_zip_package_keeps_its_zipimporter" in document["tests"]
    assert "tests/test_zip.py::test_project_module_keeps_its_loader" in document["tests"]
    assert document["failing"] == ["tests/test_broken.py::test_broken_at_base"]  # the zip tests passed


def test_build_names_the_tests_the_base_fails_with_and_without_the_map(built: tuple[Path, str]) -> None:
    assert (
        "note: 1 test(s) fail on the base with the map and without it: tests/test_broken.py::test_broken_at_base"
        in built[1]
    )
    assert "lines of the project's source, stored in" in built[1]


def test_module_imported_inside_a_test_runs_its_top_level_outside_that_test(built: tuple[Path, str]) -> None:
    by_line, outside = map_document(built[0])["files"]["src/shop/late.py"]  # type: ignore[index]
    assert 2 in outside  # compute()'s body, run by the module's top level
    assert "2" not in by_line  # not the first importer's: every later user shares VALUE


def test_build_where_a_test_fails_only_under_the_map_stores_none(repo: GitRepo) -> None:
    make_shop(repo)
    sensing = "import sys\n\n\ndef test_untraced():\n    assert sys.gettrace() is None\n"  # coverage traces
    rerelease(repo, **{"tests/test_sensing.py": sensing})
    result = run_cli(repo, "tests", "--build-map")
    assert result.exit_code == 2
    assert (
        "building the test map failed: 1 test(s) failed under the map build but not when run again without it: "
        "tests/test_sensing.py::test_untraced; no map was stored" in result.stderr
    )
    assert maps(repo) == []


def test_map_of_test_files_only_is_refused_with_the_reason(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute PYTHONPATH at the work tree: the base's checkout imports the head's code."""
    make_shop(repo)
    rerelease(repo, **{"pytest.ini": "[pytest]\ntestpaths = tests\n"})
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')  # the head differs: a temporary checkout of the base
    monkeypatch.setenv("PYTHONPATH", str(repo.path / "src"))
    result = run_cli(repo, "tests", "--build-map")
    assert result.exit_code == 2
    assert "the tests ran no line of the project's own 4 Python files (only test files were recorded)" in result.stderr
    assert f"the tests imported them from {repo.path.resolve()}/src/shop/" in result.stderr
    assert maps(repo) == []


def test_explain_names_the_map_its_age_and_the_source_lines_it_covers(copy: GitRepo) -> None:
    fix(copy, "src/shop/pricing.py", "rate=0.1", "rate=0.2")
    base = copy.git("rev-parse", "v1.0.0").strip()
    lines = run_cli(copy, "tests", "--list", "--explain").stdout.splitlines()
    source_lines = map_document(copy.path)["source_lines"]
    assert isinstance(source_lines, int) and source_lines > 0
    assert lines[0].startswith(f"# map: test map of {base[:12]}, built ")
    assert f" ago): 11 tests, covering {source_lines} lines of the project's source (" in lines[0]


def test_without_a_map_tests_offers_a_build_and_what_it_would_cost(repo: GitRepo) -> None:
    make_shop(repo)
    fix(repo, "src/shop/auth.py", '"secret"', '"secret" or token == "admin"')
    base = repo.git("rev-parse", "v1.0.0").strip()[:12]
    first = run_cli(repo, "tests", "--list", "--explain").stdout.splitlines()[0]
    assert first == (
        f"# map: no test map of {base}: `hotfix-guard tests --build-map` sharpens the selection; "
        "it runs the whole suite once; how long it takes is not known yet"
    )
    repo.commit("fix(shop): HOTFIX - fixtures", **{"tests__conftest.py": "\n"})  # runs (and times) the whole suite
    assert run_cli(repo, "tests").exit_code == 0
    after = run_cli(repo, "tests", "--list", "--explain").stdout.splitlines()[0]
    assert ": about " in after and " s, as the last full-suite run took (expect more under coverage)" in after


def test_a_docstring_naming_a_changed_constant_selects_nothing_through_it(copy: GitRepo) -> None:
    fix(copy, "src/shop/pricing.py", "TAX = 0.25", "TAX = 0.3")
    selected = run_cli(copy, "tests", "--list").stdout.splitlines()
    assert "tests/test_cart.py::test_checkout" in selected
    assert "tests/test_cart.py::test_empty_cart" not in selected  # cart.py's docstring says TAX


def test_map_of_an_older_format_is_not_used_and_says_so(copy: GitRepo) -> None:
    [name] = maps(copy)
    stored = copy.path / ".git" / "hotfix-guard" / "test-maps" / name
    stored.write_text(json.dumps(dict(json.loads(stored.read_text()), format=3)))
    fix(copy, "src/shop/pricing.py", "rate=0.1", "rate=0.2")
    first = run_cli(copy, "tests", "--list", "--explain").stdout.splitlines()[0]
    assert first.startswith(f"# map: the test map of {name[:12]} was built by an older hotfix-guard: ")


def test_validate_and_the_pre_push_hook_never_build_a_map(repo: GitRepo, tmp_path: Path) -> None:
    make_shop(repo)
    remote = GitRepo(tmp_path / "origin.git")
    remote.path.mkdir()
    remote.git("init", "-q", "--bare")
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "-q", "origin", "main", "v1.0.0")
    assert run_cli(repo, "install-hooks", "--hooks", "pre-push").exit_code == 0
    fix(repo, "src/shop/pricing.py", "rate=0.1", "rate=0.10")
    validate = subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "--repo", str(repo.path), "validate"], capture_output=True, text=True
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    environment = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    push = subprocess.run(
        ["git", "push", "-q", "origin", "hotfix/v1.0.1"], cwd=repo.path, capture_output=True, text=True, env=environment
    )
    assert push.returncode == 0, push.stderr
    assert "focused-tests" in push.stderr + validate.stdout  # the focused tests did run
    assert not (repo.path / ".git" / "hotfix-guard" / "test-maps").exists()
