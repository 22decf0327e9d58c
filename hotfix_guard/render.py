"""A run's report → text, JSON, GitHub Actions workflow commands, JUnit XML or Markdown."""

from __future__ import annotations

import sys

from hotfix_guard import __version__
from hotfix_guard.model import ERROR, NOTE, WARNING, Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

    from hotfix_guard.validation import Report

FORMATS = ("text", "json", "github", "junit", "markdown")
# The formats only a run of checks (validate, check) has: the other commands refuse them.
REPORT_FORMATS = ("junit", "markdown")

_COLOURS = {ERROR: "\033[31m", WARNING: "\033[33m", NOTE: "\033[36m", "passed": "\033[32m"}
_RESET = "\033[0m"


def write(text: str, stream: IO[str] | None = None) -> None:
    """Write text that may hold undecodable names (surrogate escapes) without crashing."""
    stream = stream or sys.stdout
    data = text.encode("utf-8", "backslashreplace")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8"))


def render(report: Report, form: str, colour: bool = False, strict: bool = False, title: str = "validate") -> str:
    if form == "json":
        return render_json(report, strict)
    if form == "github":
        return render_github(report, strict, title)
    if form == "junit":
        return render_junit(report, strict, title)
    if form == "markdown":
        return render_markdown(report, strict, title)
    return render_text(report, colour, strict, title)


def render_findings(findings: list[Finding], colour: bool = False) -> str:
    return "".join(_finding_line(finding, colour) + "\n" for finding in shown(findings))


# Checks whose failure explains the others': development work leaked into a hotfix (scope)
# is why it has too many files and lines and dozens of commits without the hotfix token.
LEADING = ("scope",)
MAX_COMMITS = 10  # commits a grouped finding lists; the rest are counted


def ordered(findings: list[Finding]) -> list[Finding]:
    """FINDINGS with those that explain a failure first (the errors of the LEADING checks), the
    rest in check order; every finding is kept."""
    return sorted(findings, key=lambda finding: not (finding.check in LEADING and finding.severity == ERROR))


def grouped(findings: list[Finding]) -> list[Finding]:
    """One finding for each problem a check found in several commits, listing the commits, in the
    place of the first of them; every other finding as it is."""
    groups: dict[tuple[str, str, str | None, str], list[Finding]] = {}
    for finding in findings:
        if finding.commit is not None:
            groups.setdefault((finding.check, finding.severity, finding.file, finding.problem), []).append(finding)
    result = []
    for finding in findings:
        group = groups.get((finding.check, finding.severity, finding.file, finding.problem), [finding])
        if finding.commit is None or len(group) == 1:
            result.append(finding)
        elif group[0] is finding:
            listed = ", ".join(str(member.commit) for member in group[:MAX_COMMITS])
            more = f", and {len(group) - MAX_COMMITS} more" if len(group) > MAX_COMMITS else ""
            message = f"{finding.problem} (in {len(group)} commits: {listed}{more})"
            result.append(Finding(finding.check, message, finding.severity, finding.file))
    return result


def shown(findings: list[Finding]) -> list[Finding]:
    """The findings as text shows them: the explaining ones first, repeated ones grouped."""
    return grouped(ordered(findings))


def _finding_line(finding: Finding, colour: bool) -> str:
    label = _paint(f"{finding.severity:<7}", finding.severity, colour)
    where = f"{_one_line(finding.file)}: " if finding.file else ""
    return f"{label} [{finding.check}] {where}{_one_line(finding.message)}"


def render_text(report: Report, colour: bool, strict: bool, title: str) -> str:
    lines = [_finding_line(finding, colour) for finding in shown(report.findings)]
    lines += [f"{'skipped':<7} [{r.check}] {r.reason}" for r in report.results if r.status == "skipped"]
    lines += _config_line(report)
    lines.append(_summary(report, colour, strict, title))
    return "\n".join(lines) + "\n"


def _config_line(report: Report) -> list[str]:
    """Where the rules came from: `config: .hotfix-guard.toml at main 3f2a9c1`."""
    if not report.config_origin:
        return []
    text = str(report.config_origin["text"])
    if "no main branch found" in text:  # config.NO_MAIN: the rules may not be the team's
        return [f"warning: config: {text}; set main-branch in the config committed on your release branch"]
    return [f"config: {text}"]


def _summary(report: Report, colour: bool, strict: bool, title: str) -> str:
    change = report.change
    errors, warnings = report.count(ERROR), report.count(WARNING)
    outcome = "failed" if report.exit_code(strict) else "passed"
    if outcome == "passed" and not report.findings and all(r.status in ("skipped", "off") for r in report.results):
        outcome = "skipped"  # nothing was checked: `check branch-name feature/foo` did not pass anything
    where = change.branch or change.head
    base = f" since {change.base}" if change.base else ""
    sizes = ", ".join(
        _plural(len(items), noun)
        for items, noun, name in ((change.commits, "commit", "commits"), (change.files, "file", "files"))
        if name in change.collected
    )
    sizes = f" ({sizes})" if sizes else ""
    counts = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    painted = _paint(outcome, ERROR if errors or outcome == "failed" else "passed", colour)
    return f"hotfix-guard {title} {painted}: {counts} on {where}{base}{sizes}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _paint(text: str, key: str, colour: bool) -> str:
    return f"{_COLOURS[key]}{text}{_RESET}" if colour and key in _COLOURS else text


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def render_json(report: Report, strict: bool) -> str:
    import json

    change = report.change
    document = {
        "tool": "hotfix-guard",
        "version": __version__,
        "branch": change.branch,
        "base": change.base or None,
        "base_version": str(change.base_version) if change.base_version else None,
        "head": change.head,
        "change": {  # null: not asked of git, because no check that ran needed it
            "commits": len(change.commits) if "commits" in change.collected else None,
            "files": len(change.files) if "files" in change.collected else None,
            "lines": sum(file.lines for file in change.files) if "files" in change.collected else None,
            "includes_staged": change.includes_staged,
        },
        "config": report.config_origin,
        "focused_tests": change.tests.details if change.tests is not None else None,
        "checks": [{"id": r.check, "status": r.status, "reason": r.reason or None} for r in report.results],
        "findings": [
            {"check": f.check, "severity": f.severity, "message": f.message, "file": f.file}
            for f in ordered(report.findings)
        ],
        "summary": {
            "errors": report.count(ERROR),
            "warnings": report.count(WARNING),
            "notes": report.count(NOTE),
            "strict": strict,
            "exit_code": report.exit_code(strict),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_github(report: Report, strict: bool, title: str) -> str:
    """Workflow commands (`::error title=…::message`) that GitHub Actions turns into annotations."""
    commands = {ERROR: "error", WARNING: "warning", NOTE: "notice"}
    lines = []
    for finding in shown(report.findings):
        properties = [f"title={_escape_property(f'hotfix-guard [{finding.check}]')}"]
        if finding.file:
            properties.insert(0, f"file={_escape_property(finding.file)}")
        command = commands.get(finding.severity, "notice")
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(finding.message)}")
    lines += _config_line(report)
    lines.append(_summary(report, False, strict, title))
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_junit(report: Report, strict: bool, title: str) -> str:
    """One JUnit XML document, as GitLab, Jenkins, Azure and GitHub test reporters read it: a
    testsuite per check; a testcase per finding (an error, or a warning under --strict, is a
    <failure>; other findings pass with the message in <system-out>), a passing testcase for a
    check that found nothing, and a <skipped> one for a check that did not run."""
    from xml.etree.ElementTree import Element, SubElement, tostring

    def case(suite: Element, check: str, name: str) -> Element:
        return SubElement(suite, "testcase", classname=f"hotfix-guard.{check}", name=_xml(name)[:200])

    findings = grouped(ordered(report.findings))
    root = Element("testsuites", name=_xml(f"hotfix-guard {title}"))
    properties = SubElement(root, "properties")
    SubElement(properties, "property", name="summary", value=_xml(_summary(report, False, strict, title)))
    if report.config_origin:
        SubElement(properties, "property", name="config", value=_xml(str(report.config_origin.get("text"))))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in report.results:
        suite = SubElement(root, "testsuite", name=_xml(result.check))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        mine = [finding for finding in findings if finding.check == result.check]
        if result.status in ("skipped", "off"):
            SubElement(case(suite, result.check, result.check), "skipped", message=_xml(result.reason or result.status))
            counts["tests"], counts["skipped"] = 1, 1
        elif not mine:
            case(suite, result.check, f"{result.check}: passed")
            counts["tests"] = 1
        for finding in mine:
            where = f"{finding.file}: " if finding.file else ""
            testcase = case(suite, result.check, f"{finding.check}: {where}{_one_line(finding.message)}")
            counts["tests"] += 1
            if finding.severity == ERROR or (strict and finding.severity == WARNING):
                failure = SubElement(
                    testcase, "failure", message=_xml(_one_line(finding.message)), type=finding.severity
                )
                failure.text = _xml(f"{finding.severity} [{finding.check}] {where}{finding.message}")
                counts["failures"] += 1
            else:
                SubElement(testcase, "system-out").text = _xml(f"{finding.severity}: {finding.message}")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def _xml(text: str) -> str:
    """TEXT with what XML 1.0 cannot hold (control characters, lone surrogates) written as \\xNN."""
    import re

    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", lambda m: f"\\x{ord(m.group()):02x}", text)


def render_markdown(report: Report, strict: bool, title: str) -> str:
    """A Markdown summary (for a pull request comment or GitHub's job summary): the outcome,
    each check's status, then the findings, the one that explains a failure first."""
    lines = [f"### {_md(_summary(report, False, strict, title))}", "", "| check | status | reason |", "|---|---|---|"]
    lines += [f"| `{r.check}` | {r.status} | {_md(r.reason)} |" for r in report.results]
    found = shown(report.findings)
    if found:
        lines += ["", "| severity | check | finding |", "|---|---|---|"]
        for finding in found:
            where = f"{finding.file}: " if finding.file else ""
            lines.append(f"| {finding.severity} | `{finding.check}` | {_md(where + finding.message)} |")
    if report.config_origin:
        lines += ["", f"Rules: {_md(str(report.config_origin.get('text')))}"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """TEXT for a Markdown table cell: one line, pipes and HTML escaped."""
    return _one_line(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
