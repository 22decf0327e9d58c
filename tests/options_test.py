"""Run options (allow-large, strict, skip): built once from flags and environment, the same for every command."""

from __future__ import annotations

import json

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.config import default_config
from hotfix_guard.options import RunOptions, run_options


def test_allow_large_means_the_same_in_validate_finish_and_status(
    hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    hotfix.commit(**{f"f{index}.txt": f"{index}\n" for index in range(5)})  # 6 files, the limit is 5
    before = hotfix.refs()

    def outcomes() -> tuple[int, int, str, list[str]]:
        validate = run_cli(hotfix, "validate").exit_code
        finish = run_cli(hotfix, "finish", "--dry-run").exit_code
        checks = json.loads(run_cli(hotfix, "status", "--format", "json").stdout)["hotfix"]["checks"]
        file_count = next(check for check in checks if check["id"] == "file-count")
        return validate, finish, file_count["status"], [finding.split(":")[0] for finding in file_count["findings"]]

    assert outcomes() == (1, 2, "failed", ["6 files changed, the limit is 5"])
    monkeypatch.setenv("HOTFIX_GUARD_ALLOW_LARGE", "1")
    assert outcomes() == (0, 0, "passed", ["6 files changed, over the limit of 5"])  # "...: accepted (allow-large)"
    assert hotfix.refs() == before


@pytest.mark.parametrize(
    ("value", "allowed"), [("1", True), ("true", True), (" YES ", True), ("0", False), ("", False), ("no", False)]
)
def test_allow_large_from_the_environment(value: str, allowed: bool) -> None:
    assert run_options(environ={"HOTFIX_GUARD_ALLOW_LARGE": value}).allow_large is allowed
    assert run_options(allow_large=True, environ={"HOTFIX_GUARD_ALLOW_LARGE": value}).allow_large


def test_run_options_are_immutable_and_config_holds_none() -> None:
    options = run_options(strict=True, skip=["scope", "scope", "diff-size"], environ={})
    assert options == RunOptions(False, True, ("scope", "diff-size"))
    with pytest.raises(AttributeError):
        options.allow_large = True  # type: ignore[misc]
    assert options.allowing_large() == RunOptions(True, True, ("scope", "diff-size"))
    assert not hasattr(default_config(), "allow_large")
