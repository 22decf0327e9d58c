"""`hotfix-guard tests --build-map` and the sharper selection a coverage map gives."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GitRepo, isolate_git, run_cli
from shop_project import ALL_TEST_FILES, CRITICAL, fix, make_shop, rerelease


@pytest.fixture(scope="module")
def mapped_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop, with the test map of v1.0.0 built: once per module (a build runs the shop's tests under coverage)."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_git(tmp_path_factory.mktemp("home"), patch)
        template = GitRepo(tmp_path_factory.mktemp("mapped") / "repo")
        template.path.mkdir()
        template.git("init", "-q", "-b", "main")
        make_shop(template)
        result = run_cli(template, "tests", "--build-map")
        assert result.exit_code == 0, result.output
    return template.path


@pytest.fixture
def mapped(mapped_template: Path, tmp_path: Path) -> GitRepo:
    """A copy of that shop (same commits, since identity and dates are pinned), its map in .git."""
    return GitRepo(Path(shutil.copytree(mapped_template, tmp_path / "repo", symlinks=True)))


def maps(repo: GitRepo) -> list[str]:
    directory = repo.path / ".git" / "hotfix-guard" / "test-maps"
    return sorted(os.listdir(directory)) if directory.exists() else []


def listed(repo: GitRepo) -> list[str]:
    result = run_cli(repo, "tests", "--list")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_map_is_stored_in_the_git_dir_keyed_by_the_base_commit(mapped: GitRepo) -> None:
    base = mapped.git("rev-parse", "v1.0.0").strip()
    assert maps(mapped) == [f"{base}.json"]
    document = json.loads((mapped.path / ".git" / "hotfix-guard" / "test-maps" / f"{base}.json").read_text())
    assert "tests/test_pricing.py::test_discount" in document["tests"]
    assert "src/shop/pricing.py" in document["files"]


def test_map_of_an_older_base_is_built_in_a_temporary_worktree_leaving_the_user_tree_alone(repo: GitRepo) -> None:
    make_shop(repo)
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    repo.write("notes.txt", "uncommitted work\n")
    result = run_cli(repo, "tests", "--build-map")
    assert result.exit_code == 0, result.output
    assert maps(repo) == [repo.git("rev-parse", "v1.0.0").strip() + ".json"]
    assert repo.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert repo.git("status", "--porcelain") == "?? notes.txt\n"
    assert '"s3cret"' in (repo.path / "src/shop/auth.py").read_text()


def test_function_body_change_selects_only_the_tests_that_ran_the_line(mapped: GitRepo) -> None:
    fix(mapped, "src/shop/pricing.py", "round(amount * (1 - rate), 2)", "round(amount * (1 - rate), 3)")
    assert listed(mapped) == sorted(["tests/test_pricing.py::test_discount", *CRITICAL])


def test_module_constant_selects_the_tests_that_run_code_using_it(mapped: GitRepo) -> None:
    fix(mapped, "src/shop/pricing.py", "TAX = 0.25", "TAX = 0.3")
    assert listed(mapped) == sorted(
        ["tests/test_cart.py::test_checkout", "tests/test_pricing.py::test_total", *CRITICAL]
    )


def test_default_argument_selects_the_tests_that_called_the_function(mapped: GitRepo) -> None:
    fix(mapped, "src/shop/pricing.py", "rate=0.1", "rate=0.2")
    assert listed(mapped) == sorted(["tests/test_pricing.py::test_discount", *CRITICAL])


def test_code_run_by_a_test_module_at_import_selects_that_whole_module(repo: GitRepo) -> None:
    make_shop(repo)
    at_import = "from shop.pricing import total\n\nPRICE = total(8)\n\n\ndef test_price():\n    assert PRICE == 10.0\n"
    rerelease(repo, **{"tests/test_misc.py": at_import})
    assert run_cli(repo, "tests", "--build-map").exit_code == 0
    fix(repo, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", "round(amount * (1 + TAX), 1)")
    assert "tests/test_misc.py" in listed(repo)


def test_module_the_map_never_ran_falls_back_to_the_import_graph(mapped: GitRepo) -> None:
    mapped.commit("fix(shop): HOTFIX - new helper", **{"src__shop__helpers.py": "VALUE = 1\n"})
    result = run_cli(mapped, "tests", "--list", "--explain")
    assert "no test module imports src/shop/helpers.py" in result.stdout
    assert result.stdout.splitlines()[-len(ALL_TEST_FILES) :] == ALL_TEST_FILES


def test_map_makes_the_selection_smaller_than_the_import_graph(repo: GitRepo) -> None:
    make_shop(repo)
    fix(repo, "src/shop/pricing.py", "rate=0.1", "rate=0.2")
    without_map = listed(repo)
    assert run_cli(repo, "tests", "--build-map").exit_code == 0
    assert len(listed(repo)) < len(without_map) + len(CRITICAL)
    assert without_map == ["tests/test_cart.py", "tests/test_pricing.py", *CRITICAL]


def test_failed_build_stores_no_map(repo: GitRepo) -> None:
    make_shop(repo, config=f'[focused-tests]\npython = "{sys.executable}"\npytest-args = ["--no-such-option"]\n')
    result = run_cli(repo, "tests", "--build-map")
    assert result.exit_code == 2
    assert "building the test map failed: pytest exited with 4 (pytest usage error); no map was stored" in result.stderr
    assert maps(repo) == []


def test_build_needs_coverage_in_the_projects_python(repo: GitRepo, tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    make_shop(repo)
    result = run_cli(repo, "tests", "--build-map", "--python", str(fake))
    assert result.exit_code == 2
    assert f"building a test map needs pytest and coverage.py in {fake}" in result.stderr


def test_interrupted_build_leaves_no_map_and_no_worktree(repo: GitRepo, tmp_path: Path) -> None:
    started = tmp_path / "started"
    slow = (
        f"import pathlib, time\n\n\ndef test_slow():\n    pathlib.Path({str(started)!r}).touch()\n    time.sleep(60)\n"
    )
    make_shop(repo)
    rerelease(repo, **{"tests/test_slow.py": slow})
    fix(repo, "src/shop/auth.py", '"secret"', '"s3cret"')
    process = subprocess.Popen(
        [sys.executable, "-m", "hotfix_guard", "--repo", str(repo.path), "tests", "--build-map"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole process group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert maps(repo) == []
    assert repo.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert repo.git("status", "--porcelain") == ""


def test_added_import_time_code_is_followed_by_the_names_it_binds(mapped: GitRepo) -> None:
    text = (mapped.path / "src/shop/pricing.py").read_text()
    mapped.write("src/shop/pricing.py", text + "\nTAX = 0.5\n")
    mapped.commit("fix(pricing): HOTFIX - new tax")
    selected = listed(mapped)
    assert {"tests/test_cart.py::test_checkout", "tests/test_pricing.py::test_total"} <= set(selected)
    assert "tests/test_cart.py::test_empty_cart" not in selected


def test_parametrized_tests_are_selected_without_their_parameters(repo: GitRepo) -> None:
    make_shop(repo)
    cases = "import pytest\n\nfrom shop.pricing import total\n\n\n@pytest.mark.parametrize('x', [1, 2])\ndef test_many(x):\n    assert total(x)\n"
    rerelease(repo, **{"tests/test_misc.py": cases})
    assert run_cli(repo, "tests", "--build-map").exit_code == 0
    fix(repo, "src/shop/pricing.py", "round(amount * (1 + TAX), 2)", "round(amount * (1 + TAX), 3)")
    assert "tests/test_misc.py::test_many" in listed(repo)


def test_build_that_stopped_early_stores_no_map(repo: GitRepo) -> None:
    make_shop(repo, config=f'[focused-tests]\npython = "{sys.executable}"\npytest-args = ["-x", "-p", "no:randomly"]\n')
    rerelease(repo, **{"tests/test_aaa.py": "def test_broken():\n    assert False\n"})
    result = run_cli(repo, "tests", "--build-map")
    assert result.exit_code == 2
    assert "the run stopped after 1 of 8 tests (-x or --maxfail?); no map was stored" in result.stderr
    assert maps(repo) == []


def test_a_map_is_written_whole_and_never_through_a_symlink(repo: GitRepo, tmp_path: Path) -> None:
    """A symlink where the map goes (or where the old code put its temporary `.partial` file)
    is replaced or left, never written through: the file it points at stays as it was."""
    make_shop(repo)
    outside = tmp_path / "outside.json"
    outside.write_text("mine\n")
    directory = repo.path / ".git" / "hotfix-guard" / "test-maps"
    directory.mkdir(parents=True)
    base = repo.git("rev-parse", "v1.0.0^{commit}").strip()
    (directory / f"{base}.json").symlink_to(outside)
    (directory / f"{base}.json.partial").symlink_to(outside)
    result = run_cli(repo, "tests", "--build-map")
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "mine\n"
    written = directory / f"{base}.json"
    assert not written.is_symlink() and json.loads(written.read_text())
