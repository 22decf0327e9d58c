"""CI formats: JUnit XML (parsed with the standard library, against the names the common
readers use), Markdown, and GitHub's job summary; refused where there is no run of checks."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

NASTY = "fix: stop it \x01 <b>&\"'| \udcff"  # a control character, markup, a pipe, a lone surrogate


def test_junit_has_a_suite_per_check_and_a_failure_per_error(hotfix: GitRepo) -> None:
    hotfix.commit("wip: no token", **{"b.py": "x\n"})
    result = run_cli(hotfix, "--format", "junit", "validate", "--skip", "focused-tests")
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout.split("\n", 1)[1])
    assert root.tag == "testsuites" and root.get("name") == "hotfix-guard validate"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert "commit-message" in suites and "focused-tests" in suites
    failures = suites["commit-message"].findall("testcase/failure")
    assert failures and failures[0].get("type") == "error" and "HOTFIX" in (failures[0].text or "")
    assert suites["focused-tests"].find("testcase/skipped") is not None
    assert suites["branch-name"].find("testcase").get("name") == "branch-name: passed"
    assert int(root.get("failures") or 0) == sum(int(s.get("failures") or 0) for s in suites.values()) >= 1
    assert int(root.get("tests") or 0) == sum(int(s.get("tests") or 0) for s in suites.values())
    summary = root.find("properties/property[@name='summary']")
    assert summary is not None and "validate failed" in (summary.get("value") or "")


def test_junit_stays_well_formed_with_hostile_messages(hotfix: GitRepo) -> None:
    hotfix.git("commit", "-q", "--allow-empty", "-m", NASTY.replace("\udcff", "\u00ff"))
    result = run_cli(hotfix, "--format", "junit", "check", "commit-message")
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout.split("\n", 1)[1])  # parses: no raw control character
    texts = [failure.text or "" for failure in root.iter("failure")]
    assert any("\\x01" in text and "<b>&" in text for text in texts)


def test_markdown_escapes_table_cells(hotfix: GitRepo) -> None:
    hotfix.git("commit", "-q", "--allow-empty", "-m", "fix: a | b <i>")
    result = run_cli(hotfix, "--format", "markdown", "check", "commit-message")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("### hotfix-guard check commit-message failed")
    assert "| check | status | reason |" in lines
    row = next(line for line in lines if line.startswith("| error |"))
    assert "a \\| b &lt;i&gt;" in row and row.count(" | ") == 2  # the pipe does not open a column


def test_github_format_also_writes_the_job_summary(
    hotfix: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_cli(hotfix, "--format", "github", "validate", "--skip", "focused-tests")
    assert result.exit_code == 0 and result.stdout.startswith(("::", "config:"))
    text = summary.read_text()
    assert text.startswith("earlier step\n### hotfix-guard validate passed") and "| `scope` | passed |" in text
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    failed = run_cli(hotfix, "--format", "github", "validate", "--skip", "focused-tests")
    assert failed.exit_code == 2 and "cannot write the job summary GITHUB_STEP_SUMMARY=" in failed.stderr


def test_report_formats_are_refused_by_commands_without_a_run_of_checks(hotfix: GitRepo) -> None:
    for form in ("junit", "markdown"):
        result = run_cli(hotfix, "--format", form, "status")
        assert result.exit_code == 2
        assert f"--format {form} is for validate and check; status prints text or json" in result.stderr
        assert result.stderr.count("\n") == 1
