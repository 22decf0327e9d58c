"""`hotfix-guard review` on real repositories with a pinned clock: the timeline, the
durations against the budget, the gantt chart, and the checklist."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from incidents import FIX, LOG, finished, in_progress, moment

from hotfix_guard.config import default_config
from hotfix_guard.incident import find_incident
from hotfix_guard.repository import Repo
from hotfix_guard.review import TO_WRITE, render


def review_of(repo: GitRepo, name: str | None, now: str = "10:25:00") -> str:
    incident = find_incident(Repo(str(repo.path)), default_config(), name, ask_remote=True)
    return render(incident, default_config(), moment(now))


def rows(document: str, section: str) -> list[str]:
    """The table rows (without the header) of a `## SECTION`."""
    body = document.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    headers = ("| Time ", "| File ", "| Check ")
    return [line for line in body.splitlines() if line.startswith("| ") and not line.startswith(headers)]


def test_finished_hotfix_timeline_from_tag_merges_and_records(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shas = finished(released, monkeypatch, tmp_path)
    assert rows(review_of(released, "v1.2.4"), "Timeline") == [
        "| 2026-01-02 10:00:00 | start | hotfix/v1.2.4 started from v1.2.3 by Hotfix Tester <tester@example.com> |",
        f"| 2026-01-02 10:07:00 | commit | {shas['first'][:10]} {FIX} |",
        f"| 2026-01-02 10:12:00 | commit | {shas['second'][:10]} {LOG} |",
        "| 2026-01-02 10:20:00 | validate | passed (finish ran it before the merge) |",
        f"| 2026-01-02 10:20:00 | merge into main | merged into main ({shas['main'][:10]}, --no-ff) |",
        "| 2026-01-02 10:20:00 | tag | tagged v1.2.4 |",
        f"| 2026-01-02 10:20:00 | merge back | merged back into develop ({shas['develop'][:10]}, --no-ff) |",
        "| 2026-01-02 10:20:00 | push | pushed main to origin |",
    ]


def test_finished_hotfix_header_duration_and_checklist(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished(released, monkeypatch, tmp_path)
    document = review_of(released, "v1.2.4")
    assert document.startswith("# Post-incident review: v1.2.4 (hotfix/v1.2.4)\n")
    for row in (
        "| Date | 2026-01-02 |",
        "| Version | v1.2.3 → v1.2.4 |",
        "| Severity | critical: complete service failure (budget 15-30 min; approval: release manager) |",
        "| Duration | 20 min from start to tag v1.2.4; within budget, 10 min left (critical: 15-30 min) |",
        "| Summary | Login accepts empty tokens |",
    ):
        assert f"\n{row}\n" in document
    assert document.split("## Documentation checklist\n\n")[1].splitlines() == [
        "- [x] Issue description - the start summary: Login accepts empty tokens",
        "- [ ] Root cause analysis - see Root cause above",
        "- [x] Fix description - 2 commits in the timeline and the change above",
        "- [ ] Impact assessment - <fill in: who was affected, how, for how long> (severity critical: complete service failure)",
        "- [x] Testing summary - the checks above pass",
        "- [x] Deployment timeline - the timeline above",
        "- [ ] User communication - send the notice: hotfix-guard notify --users v1.2.4",
        "- [ ] Prevention measures - see Prevention above",
        "- [ ] Peer review - pending (released by the release manager alone): hotfix-guard approve v1.2.4",
    ]


def test_gantt_draws_the_budget_beside_the_actual_time(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished(released, monkeypatch, tmp_path)
    gantt = review_of(released, "v1.2.4").split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert gantt.splitlines() == [
        "gantt",
        "    title hotfix/v1.2.4, actual time against the budget",
        "    dateFormat YYYY-MM-DD HH:mm:ss",
        "    axisFormat %H:%M",
        "    section Budget",
        "    critical 15-30 min : budget, 2026-01-02 10:00:00, 30m",
        "    section Actual",
        "    Start to release 20 min : done, total, 2026-01-02 10:00:00, 2026-01-02 10:20:00",
        "    section Phases",
        "    Fix (2 commits) : fix, 2026-01-02 10:00:00, 2026-01-02 10:12:00",
        "    Validate, merge and tag : release, 2026-01-02 10:12:00, 2026-01-02 10:20:00",
        "    Merge back : back, 2026-01-02 10:20:00, 2026-01-02 10:20:00",
        "    v1.2.4 tagged : milestone, tag, 2026-01-02 10:20:00, 0m",
        "    Pushed : milestone, push, 2026-01-02 10:20:00, 0m",
    ]


def test_change_section_lists_files_lines_commits_and_checks(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished(released, monkeypatch, tmp_path)
    document = review_of(released, "v1.2.4")
    assert "2 files, 4 lines (+3 -1), 2 commits, from v1.2.3 to `" in document
    assert rows(document, "The change") == [
        "| app.py | 1 | 1 |",
        "| test_auth.py | 2 | 0 |",
        "| branch-name | passed |  |",
        "| file-count | passed |  |",
        "| config-change | passed |  |",
        "| diff-size | passed |  |",
        "| commit-message | passed |  |",
        "| scope | passed |  |",
        "| focused-tests | skipped | not run here (hotfix-guard tests runs them) |",
        "| approvals | passed | critical (recorded by start --severity): the release manager may release alone; "
        "peer review pending, after the release (hotfix-guard approve) |",
    ]


def test_people_sections_are_marked(released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    finished(released, monkeypatch, tmp_path)
    document = review_of(released, "v1.2.4")
    for title in ("Root cause", "What went well", "What could be improved", "Action items", "Prevention"):
        assert f"## {title}\n\n{TO_WRITE} " in document


def test_finished_hotfix_is_found_by_tag_by_deleted_branch_and_on_main(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished(released, monkeypatch, tmp_path)
    by_tag = review_of(released, "v1.2.4")
    assert review_of(released, "hotfix/v1.2.4") == by_tag
    assert review_of(released, None) == by_tag  # on main: the latest release is a hotfix


def test_in_progress_hotfix_runs_validate_now_and_counts_time_so_far(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = in_progress(released, monkeypatch)
    document = review_of(released, None, now="10:40:00")
    assert document.startswith("# Post-incident review: v1.2.4 (hotfix/v1.2.4, in progress)\n")
    assert "| Duration | 40 min from start to now, so far; over budget by 10 min (critical: 15-30 min) |" in document
    assert rows(document, "Timeline") == [
        "| 2026-01-02 10:00:00 | start | hotfix/v1.2.4 started from v1.2.3 by Hotfix Tester <tester@example.com> |",
        f"| 2026-01-02 10:07:00 | commit | {shas['first'][:10]} {FIX} |",
        f"| 2026-01-02 10:12:00 | commit | {shas['second'][:10]} {LOG} |",
        "| 2026-01-02 10:40:00 | validate | passed when this review was written (0 errors, 0 warnings) |",
    ]
    assert "    Start to now 40 min : crit, active, total, 2026-01-02 10:00:00, 2026-01-02 10:40:00" in document
    assert "- [ ] Deployment timeline - not released yet" in document
    assert "- [x] Testing summary - the checks above pass" in document


def test_in_progress_without_start_record_or_severity(hotfix: GitRepo) -> None:
    document = review_of(hotfix, "hotfix/v1.2.4")
    assert "| Severity | not recorded (start --severity critical\\|high\\|medium) |" in document
    assert "| Duration | 7 h 20 min from first commit (no start record) to now, so far |" in document
    assert "- [ ] Issue description - <fill in: what users saw> (start --summary records it)" in document
    assert "section Budget" not in document


def test_failing_checks_are_shown_and_not_ticked(released: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    in_progress(released, monkeypatch)
    released.commit("quick fix", **{"app.py": "print('again')\n"})
    document = review_of(released, None)
    assert "| commit-message | failed | " in document and "missing the hotfix token" in document
    assert "- [ ] Testing summary - the checks above do not pass yet" in document


def test_output_file_is_written_and_never_silently_overwritten(
    released: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_progress(released, monkeypatch)
    target = released.path / "docs" / "review.md"
    target.parent.mkdir()
    written = run_cli(released, "review", "--output", str(target))
    assert written.exit_code == 0 and written.stdout == f"wrote the review to {target}\n"
    assert target.read_text().startswith("# Post-incident review: v1.2.4")
    target.write_text("my notes\n")
    refused = run_cli(released, "review", "--output", str(target))
    assert refused.exit_code == 2 and "already exists; pass --force to overwrite it" in refused.stderr
    assert target.read_text() == "my notes\n"
    assert run_cli(released, "review", "--output", str(target), "--force").exit_code == 0
    assert target.read_text().startswith("# Post-incident review")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["no-such-thing"], "'no-such-thing' is neither a branch nor a tag here"),
        (["v1.2.3"], "v1.2.3 is not a hotfix release"),
        (["main"], "'main' is not a hotfix branch"),
        (["--output", "/nonexistent/dir/review.md"], "--output '/nonexistent/dir/review.md' is outside the repository"),
        (["--output", "."], ". is a directory"),
        (["--force"], "--force goes with --output FILE"),
    ],
)
def test_bad_input_is_one_line_error(hotfix: GitRepo, args: list[str], fragment: str) -> None:
    result = run_cli(hotfix, "review", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hotfix-guard: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr


def test_on_main_with_a_plain_release_asks_for_a_name(released: GitRepo) -> None:
    result = run_cli(released, "review")
    assert (
        result.exit_code == 2
        and "'main' is not a hotfix branch and the latest release is not a hotfix" in result.stderr
    )


def test_latest_release_that_merges_another_branch_asks_for_a_name(released: GitRepo) -> None:
    released.switch("release/1.3")
    released.commit("feat: 1.3", **{"new.py": "x\n"})
    released.checkout("main")
    released.git("merge", "-q", "--no-ff", "-m", "Merge branch 'release/1.3'", "release/1.3")
    released.tag("v1.3.0")
    result = run_cli(released, "review")
    assert result.exit_code == 2 and "the latest release is not a hotfix; name one" in result.stderr
    named = run_cli(released, "review", "v1.3.0")
    assert named.exit_code == 2 and "its merge does not name a hotfix/... branch" in named.stderr


def test_output_dash_is_standard_output(hotfix: GitRepo) -> None:
    result = run_cli(hotfix, "review", "--output", "-")
    assert result.exit_code == 0 and result.stdout.startswith("# Post-incident review: v1.2.4")
    assert not (hotfix.path / "-").exists() and not Path("-").exists()


@pytest.mark.parametrize("where", ["outside", "symlink out", "symlink in", "through a symlinked directory"])
def test_output_outside_the_repository_or_through_a_symlink_is_refused(
    hotfix: GitRepo, tmp_path: Path, where: str
) -> None:
    secret = tmp_path / "elsewhere.md"
    secret.write_text("not yours\n")
    (hotfix.path / "inside.md").write_text("mine\n")
    target = {
        "outside": secret,
        "symlink out": hotfix.path / "link.md",
        "symlink in": hotfix.path / "link.md",
        "through a symlinked directory": hotfix.path / "out" / "elsewhere.md",
    }[where]
    if where == "symlink out":
        target.symlink_to(secret)
    elif where == "symlink in":
        target.symlink_to(hotfix.path / "inside.md")
    elif where == "through a symlinked directory":
        (hotfix.path / "out").symlink_to(tmp_path)
    for force in ([], ["--force"]):
        result = run_cli(hotfix, "review", "--output", str(target), *force)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
        reason = "is a symbolic link" if where == "symlink in" else "is outside the repository"
        assert f"--output '{target}' {reason}" in result.stderr
    assert secret.read_text() == "not yours\n" and (hotfix.path / "inside.md").read_text() == "mine\n"


def test_output_relative_to_the_current_directory_inside_the_repository(
    hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    (hotfix.path / "docs").mkdir()
    monkeypatch.chdir(hotfix.path / "docs")
    assert run_cli(hotfix, "review", "--output", "review.md").exit_code == 0
    assert (hotfix.path / "docs" / "review.md").read_text().startswith("# Post-incident review: v1.2.4")


def test_output_creates_its_folders_inside_the_repository(hotfix: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(hotfix.path)
    assert run_cli(hotfix, "review", "--output", "docs/incidents/v1.2.4.md").exit_code == 0
    assert (hotfix.path / "docs/incidents/v1.2.4.md").read_text().startswith("# Post-incident review: v1.2.4")


def test_the_timeline_shows_a_conflict_finish_stopped_on(hotfix: GitRepo) -> None:
    from finish_test import conflict_on, make_flow

    flow = make_flow(hotfix)
    conflict_on(flow, "develop")
    assert run_cli(flow, "finish").exit_code == 1
    flow.write("VERSION", "1.2.4\n")
    flow.git("add", "VERSION")
    assert run_cli(flow, "finish", "--continue").exit_code == 0
    resolved = flow.git("rev-parse", "develop")[:10]
    timeline = rows(run_cli(flow, "review", "v1.2.4").stdout, "Timeline")
    conflict = [row for row in timeline if "| conflict |" in row]
    assert len(conflict) == 1 and (
        f"the merge into develop stopped on a conflict; resolved by hand in {resolved}, then finish --continue"
        in conflict[0]
    )


def test_the_timeline_shows_a_finish_that_was_aborted_before_the_one_that_released(hotfix: GitRepo) -> None:
    from finish_test import conflict_on, make_flow

    flow = make_flow(hotfix)
    conflict_on(flow, "develop")
    assert run_cli(flow, "finish").exit_code == 1
    assert run_cli(flow, "finish", "--abort").exit_code == 0
    assert run_cli(flow, "finish").exit_code == 1
    flow.write("VERSION", "1.2.4\n")
    flow.git("add", "VERSION")
    assert run_cli(flow, "finish", "--continue").exit_code == 0
    timeline = rows(run_cli(flow, "review", "v1.2.4").stdout, "Timeline")
    kinds = [row.split("|")[2].strip() for row in timeline]
    assert "abort" in kinds and "conflict" in kinds  # (ordered by time; the test pins commit dates)
    (aborted,) = [row for row in timeline if "| abort |" in row]
    assert "finish --abort put every ref back (it had done: merge-main" in aborted


def test_the_timeline_shows_any_kind_of_event_the_finished_record_lists(hotfix: GitRepo) -> None:
    """A kind of event a later finish records (here: a version conflict resolved by itself)
    shows up with no change to the review."""
    import json

    from finish_test import make_flow

    flow = make_flow(hotfix)
    assert run_cli(flow, "finish").exit_code == 0
    path = flow.path / ".git/hotfix-guard/finished/hotfix%2Fv1.2.4.json"
    if not path.exists():
        path = next((flow.path / ".git/hotfix-guard/finished").glob("*.json"))
    record = json.loads(path.read_text())
    record["version_resolutions"] = [{"at": "2026-01-02T03:04:05Z", "event": "version kept", "files": ["VERSION"]}]
    path.write_text(json.dumps(record))
    timeline = rows(run_cli(flow, "review", "v1.2.4").stdout, "Timeline")
    assert any("| version kept | files: ['VERSION'] |" in row for row in timeline), timeline
