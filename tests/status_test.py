"""`hotfix-guard status` on real repositories: production, main since the release, the
hotfix you are on against its budget, and the open hotfix branches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli
from incidents import add_origin, in_progress, moment

from hotfix_guard.config import default_config
from hotfix_guard.repository import Repo
from hotfix_guard.status import Facts, gather, render_text


def status_at(repo: GitRepo, clock: str) -> Facts:
    return gather(Repo(str(repo.path)), default_config(), moment(clock))


@pytest.fixture
def busy(released: GitRepo, tmp_path: Path) -> GitRepo:
    """Three unreleased commits on main; open hotfixes here and on origin; one merged hotfix."""
    for number in range(1, 4):
        released.commit(f"feat: unreleased {number}", **{f"f{number}.py": "x\n"})
    released.git("branch", "develop")
    add_origin(released, tmp_path)
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(**{"app.py": "print('fixed')\n"})
    released.switch("hotfix/security-2026-001", "v1.2.3")
    released.commit(**{"auth.py": "fixed\n"})
    released.git("push", "-q", "origin", "hotfix/v1.2.4", "hotfix/security-2026-001")
    released.git("fetch", "-q", "origin")
    released.checkout("main")
    released.git("branch", "-D", "hotfix/security-2026-001")  # only on origin now
    released.git("branch", "hotfix/merged-already", "main")
    released.checkout("main")
    return released


def test_text_shows_production_main_since_release_and_open_hotfixes(busy: GitRepo) -> None:
    result = run_cli(busy, "status")
    assert result.exit_code == 0, result.output
    log = busy.git("log", "--format=%h %s", "v1.2.3..main").splitlines()
    assert result.stdout.splitlines() == [
        "Production: v1.2.3 (tagged 2026-01-02 03:04:05 UTC)",
        "Main (main): 3 commits since the release:",
        *(f"  {line}" for line in log),
        f"Config: defaults (no config file; main {log[0].split()[0][:7]} has none)",
        "Current branch: main (not a hotfix branch)",
        "Open hotfix branches (not merged into main):",
        "  hotfix/security-2026-001 (origin)",
        "  hotfix/v1.2.4 (local, origin)",
        "Push guard overrides: none recorded",
    ]


def test_many_commits_on_main_are_capped(released: GitRepo) -> None:
    for number in range(12):
        released.commit(f"feat: change {number}", **{"f.py": f"{number}\n"})
    lines = run_cli(released, "status").stdout.splitlines()
    assert lines[1] == "Main (main): 12 commits since the release:"
    assert lines[2].endswith(" feat: change 11") and lines[12] == "  and 2 more"


def test_json_gives_the_same_facts(busy: GitRepo) -> None:
    for args in (["status", "--format", "json"], ["--format", "json", "status"]):
        facts = json.loads(run_cli(busy, *args).stdout)
        assert facts["production"]["tag"] == "v1.2.3"
        assert facts["production"]["tagged_at"] == "2026-01-02T03:04:05Z"
        assert facts["main"]["commits_since_release"] == 3
        assert [c["subject"] for c in facts["main"]["commits"]] == [f"feat: unreleased {n}" for n in (3, 2, 1)]
        assert facts["current_branch"] == {"name": "main", "hotfix": False, "base": None}
        assert facts["open_hotfix_branches"] == [
            {"branch": "hotfix/security-2026-001", "where": ["origin"]},
            {"branch": "hotfix/v1.2.4", "where": ["local", "origin"]},
        ]


def test_on_a_hotfix_branch_shows_change_checks_and_budget(released: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    in_progress(released, monkeypatch)
    facts = status_at(released, "10:25:00")
    hotfix = facts["hotfix"]
    assert isinstance(hotfix, dict)
    assert (hotfix["base"], hotfix["change"]) == ("v1.2.3", {"files": 2, "lines": 4, "commits": 2})
    assert (hotfix["elapsed_seconds"], hotfix["budget_minutes"], hotfix["over_budget"]) == (1500, [15, 30], False)
    lines = render_text(facts).splitlines()
    assert lines[2] == "Config: defaults (no config file)"  # status_at's config: the defaults, as built in the test
    assert lines[3:7] == [
        "Current branch: hotfix/v1.2.4 (hotfix branch, base v1.2.3, in progress)",
        "  Change: 2 files, 4 lines, 2 commits",
        "  Summary: Login accepts empty tokens",
        "  Severity: critical (complete service failure; approval: release manager); started 2026-01-02 10:00:00 UTC, "
        "elapsed 25 min: within budget, 5 min left (critical: 15-30 min)",
    ]
    assert "  passed   [commit-message]" in lines
    assert "  skipped  [focused-tests] not run here (hotfix-guard tests runs them)" in lines


def test_over_budget_is_said(released: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    in_progress(released, monkeypatch)
    facts = status_at(released, "11:05:00")
    assert "elapsed 1 h 05 min: over budget by 35 min (critical: 15-30 min)" in render_text(facts)
    assert isinstance(facts["hotfix"], dict) and facts["hotfix"]["over_budget"] is True


def test_failing_check_is_listed_with_its_finding(hotfix: GitRepo) -> None:
    hotfix.commit("quick fix")
    text = run_cli(hotfix, "status").stdout
    lines = text.splitlines()
    failed = lines.index("  failed   [commit-message]")
    assert (
        lines[failed + 1].startswith("           commit ")
        and "'quick fix': missing the hotfix token" in lines[failed + 1]
    )
    assert "  Severity: not recorded (no start record; record it with start --severity LEVEL)" in text


def test_a_hotfix_branch_without_a_release_says_why(repo: GitRepo) -> None:
    repo.commit("init", **{"a.txt": "a"})
    repo.switch("hotfix/auth-fix")
    result = run_cli(repo, "status")
    assert result.exit_code == 0
    assert "Production: no release tag yet" in result.stdout
    assert "Current branch: hotfix/auth-fix (hotfix branch; no release tag (like v1.2.3) is reachable" in result.stdout


def test_outside_a_repository_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "status")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "is not in a git repository" in result.stderr
