"""`hotfix-guard validate` end to end through the CLI on real repositories."""

from __future__ import annotations

import json

from conftest import GitRepo, run_cli


def test_clean_hotfix_passes(hotfix: GitRepo) -> None:
    result = run_cli(hotfix, "validate")
    assert result.exit_code == 0, result.output
    assert "validate passed: 0 errors, 0 warnings on hotfix/v1.2.4 since v1.2.3" in result.stdout


def test_json_document_names_base_head_checks_and_summary(hotfix: GitRepo) -> None:
    document = json.loads(run_cli(hotfix, "--format", "json", "validate").stdout)
    assert (document["base"], document["branch"]) == ("v1.2.3", "hotfix/v1.2.4")
    assert [c["id"] for c in document["checks"]][:2] == ["branch-name", "file-count"]
    assert {
        "id": "focused-tests",
        "status": "skipped",
        "reason": "no tests found (no test_*.py or *_test.py files; for other runners set [focused-tests] test-command)",
    } in document["checks"]
    assert document["summary"] == {"errors": 0, "warnings": 0, "notes": 0, "strict": False, "exit_code": 0}
