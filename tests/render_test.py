"""Rendering a report as text, JSON and GitHub workflow commands, and writing it safely."""

from __future__ import annotations

import io
import json

import pytest

from hotfix_guard.config import default_config
from hotfix_guard.model import ERROR, NOTE, WARNING, Change, Commit, FileChange, Finding
from hotfix_guard.render import render_github, render_json, render_text, write
from hotfix_guard.validation import Report, run_checks
from hotfix_guard.versions import Version

BRANCH_ERROR = (
    "'hotfix/v1.3.0' does not follow its base v1.2.3: the next patch is v1.2.4; rename it: git branch -m hotfix/v1.2.4"
)
SKIPPED = "skipped [focused-tests] not run here (hotfix-guard tests runs them)"
SUMMARY = "hotfix-guard validate failed: 1 error, 0 warnings on hotfix/v1.3.0 since v1.2.3 (1 commit, 1 file)"


def report(*findings: Finding) -> Report:
    """The checks run over a one-commit change whose branch skips a version; extra FINDINGS appended."""
    commit = Commit("a" * 40, ("b" * 40,), "fix: HOTFIX x")
    change = Change(branch="hotfix/v1.3.0", base="v1.2.3", base_version=Version(1, 2, 3), head="0123456789ab",
                    commits=(commit,), files=(FileChange("app.py", 3, 1),),
                    collected=frozenset({"commits", "files"}))  # fmt: skip
    result = run_checks(change, default_config())
    result.findings.extend(findings)
    return result


def test_text_lists_findings_skips_and_summary() -> None:
    assert (
        render_text(report(), False, False, "validate")
        == f"error   [branch-name] {BRANCH_ERROR}\n{SKIPPED}\nconfig: defaults (no config file)\n{SUMMARY}\n"
    )


def test_text_in_colour_paints_severity_and_outcome() -> None:
    text = render_text(report(), True, False, "validate")
    assert text.startswith("\033[31merror  \033[0m [branch-name] ") and "validate \033[31mfailed\033[0m: " in text


def test_text_keeps_each_finding_on_one_line() -> None:
    text = render_text(report(Finding("diff-size", "two\nlines\r", WARNING, "dir/new\nline.py")), False, False, "x")
    assert text.splitlines()[1] == "warning [diff-size] dir/new\\nline.py: two\\nlines\\r"


def test_json_has_findings_checks_and_summary() -> None:
    document = json.loads(render_json(report(), False))
    assert document["findings"] == [
        {"check": "branch-name", "severity": "error", "message": BRANCH_ERROR, "file": None}
    ]
    assert [(c["id"], c["status"]) for c in document["checks"]][:2] == [
        ("branch-name", "failed"),
        ("file-count", "passed"),
    ]
    assert document["summary"] == {"errors": 1, "warnings": 0, "notes": 0, "strict": False, "exit_code": 1}


def test_json_describes_the_change() -> None:
    document = json.loads(render_json(report(), False))
    assert (document["branch"], document["base"], document["base_version"], document["head"]) == (
        "hotfix/v1.3.0", "v1.2.3", "1.2.3", "0123456789ab")  # fmt: skip
    assert document["change"] == {"commits": 1, "files": 1, "lines": 4, "includes_staged": False}


def test_json_says_null_for_what_was_not_collected() -> None:
    change = Change(branch="hotfix/x", base="v1.2.3", base_version=Version(1, 2, 3), head="h")
    document = json.loads(render_json(Report(change, [], []), False))
    assert document["change"] == {"commits": None, "files": None, "lines": None, "includes_staged": False}


def test_json_strict_counts_warnings_as_failure() -> None:
    warned = Report(report().change, [], [Finding("diff-size", "big", WARNING)])
    assert json.loads(render_json(warned, True))["summary"]["exit_code"] == 1
    assert json.loads(render_json(warned, False))["summary"]["exit_code"] == 0


def test_json_stays_valid_json_through_write_with_surrogate_escaped_text() -> None:
    stream = io.StringIO()
    write(render_json(report(Finding("scope", "bad name caf\udcff", NOTE)), False), stream)
    assert json.loads(stream.getvalue())["findings"][-1] == {
        "check": "scope",
        "severity": "note",
        "message": "bad name caf\udcff",
        "file": None,
    }


def test_github_commands_and_summary() -> None:
    lines = render_github(report(Finding("diff-size", "note this", NOTE)), False, "validate").splitlines()
    assert lines == [
        f"::error title=hotfix-guard [branch-name]::{BRANCH_ERROR}",
        "::notice title=hotfix-guard [diff-size]::note this",
        "config: defaults (no config file)",
        SUMMARY,
    ]


@pytest.mark.parametrize(
    ("file", "message", "command"),
    [
        ("a%b.py", "100% sure", "::warning file=a%25b.py,title=hotfix-guard [scope]::100%25 sure"),
        ("dir:a,b.py", "x: y, z", "::warning file=dir%3Aa%2Cb.py,title=hotfix-guard [scope]::x: y, z"),
        (
            "new\nline\r.py",
            "two\r\nlines",
            "::warning file=new%0Aline%0D.py,title=hotfix-guard [scope]::two%0D%0Alines",
        ),
        ("%3A", "%0A", "::warning file=%253A,title=hotfix-guard [scope]::%250A"),
    ],
)
def test_github_escapes_data_and_properties(file: str, message: str, command: str) -> None:
    github = render_github(Report(report().change, [], [Finding("scope", message, WARNING, file)]), False, "validate")
    assert github.splitlines()[0] == command


@pytest.mark.parametrize(("severity", "command"), [(ERROR, "error"), (WARNING, "warning"), (NOTE, "notice")])
def test_github_one_command_per_finding(severity: str, command: str) -> None:
    github = render_github(Report(report().change, [], [Finding("scope", "a\nb", severity)]), False, "validate")
    assert github.startswith(f"::{command} title=hotfix-guard [scope]::a%0Ab\n") and github.count("\n") == 2


def test_write_surrogates_to_a_text_stream() -> None:
    stream = io.StringIO()
    write("name caf\udcff\n", stream)
    assert stream.getvalue() == "name caf\\udcff\n"


def test_write_surrogates_to_a_binary_backed_stream() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    stream.write("before ")
    write("caf\udcff \u00e9\n", stream)
    assert raw.getvalue() == "before caf\\udcff \u00e9\n".encode()
