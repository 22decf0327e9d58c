"""One name per concept: the hook ids, the check registry, the hook entry points and the README agree."""

from __future__ import annotations

from pathlib import Path

import yaml

from hotfix_guard.config import CHECK_IDS
from hotfix_guard.hooks import HOOKS
from hotfix_guard.runner import CHECKS

ROOT = Path(__file__).parents[1]
HOOK_DEFINITIONS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
README = (ROOT / "README.md").read_text()


def test_registry_and_config_know_the_same_checks() -> None:
    assert tuple(CHECKS) == CHECK_IDS


def test_every_hook_is_hotfix_plus_a_hook_entry_point() -> None:
    for hook in HOOK_DEFINITIONS:
        name = hook["id"].removeprefix("hotfix-")
        assert name in HOOKS, hook["id"]
        assert hook["entry"] == f"hotfix-guard hook {name}"


def test_every_check_has_a_hook_and_a_readme_row() -> None:
    hook_ids = {hook["id"] for hook in HOOK_DEFINITIONS}
    for check in CHECKS:
        if check != "scope":  # scope runs inside hotfix-validate
            assert f"hotfix-{check}" in hook_ids
        assert f"| `{check}` |" in README


def test_every_hook_is_in_the_readme() -> None:
    for hook in HOOK_DEFINITIONS:
        assert f"| `{hook['id']}` |" in README
