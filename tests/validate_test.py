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
        "reason": (
            "no tests found (no test_*.py or *_test.py files, no JavaScript test files; "
            "set [focused-tests] runner, or test-command for another runner)"
        ),
    } in document["checks"]
    # The one note: no severity was recorded (no start --severity), so approvals were not checked.
    assert document["summary"] == {"errors": 0, "warnings": 0, "notes": 1, "strict": False, "exit_code": 0}


def develop_leak(hotfix: GitRepo, count: int) -> GitRepo:
    """COUNT development commits (no HOTFIX token) merged into the hotfix branch: what a
    `git merge develop` by mistake does."""
    hotfix.switch("develop", "v1.2.3")
    for number in range(count):
        hotfix.commit(f"feat: feature {number}", **{f"feature{number % 3}.py": f"{number}\n"})
    hotfix.checkout("hotfix/v1.2.4")
    hotfix.git("merge", "-q", "--no-ff", "--no-edit", "develop")
    return hotfix


def test_a_develop_leak_leads_with_scope_and_groups_the_commit_messages(hotfix: GitRepo) -> None:
    result = run_cli(develop_leak(hotfix, 70), "validate")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("error   [scope] 70 commits come from develop, not from v1.2.3")
    messages = [line for line in lines if "[commit-message]" in line]
    assert len(messages) == 2  # one per rule broken, not one per commit and rule
    assert "missing the hotfix token" in messages[0] and "(in 70 commits: " in messages[0]
    assert messages[0].endswith(", and 60 more)") and "'feat: feature 69'" in messages[0]
    assert lines[-1].startswith("hotfix-guard validate failed: 141 errors")


def test_json_keeps_every_finding_in_the_same_order(hotfix: GitRepo) -> None:
    document = json.loads(run_cli(develop_leak(hotfix, 12), "--format", "json", "validate").stdout)
    checks = [finding["check"] for finding in document["findings"]]
    assert checks[0] == "scope" and checks.count("commit-message") == 24
    assert document["summary"]["errors"] == len(checks) - checks.count("approvals")  # the approvals note


def test_one_bad_commit_is_named_as_before(hotfix: GitRepo) -> None:
    hotfix.commit("oops", **{"app.py": "print('again')\n"})
    lines = run_cli(hotfix, "validate").stdout.splitlines()
    assert any(line.startswith("error   [commit-message] commit ") and "'oops': missing" in line for line in lines)
