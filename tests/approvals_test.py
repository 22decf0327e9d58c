"""Approvals (issue 15): `approve` notes, the approvals check per severity, status, review and
finish, on real repositories with distinct git identities."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo, copy_of_template, run_cli

from hotfix_guard.approvals import NOTES_REF

RECORD = Path(".git/hotfix-guard/starts/hotfix%2Fv1.2.4.json")
REVIEWER = ("Rita Reviewer", "rita@example.com")
SECURITY = ("Sam Security", "sam@example.com")


def build_started(repo: GitRepo) -> None:
    """v1.2.3 on main; hotfix/v1.2.4 started with --severity high, one fix by the tester."""
    repo.git("init", "-q", "-b", "main")
    repo.commit("feat: first release", **{"app.py": "print('hello')\n"})
    repo.tag("v1.2.3")
    assert run_cli(repo, "start", "--severity", "high").exit_code == 0
    repo.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})


@pytest.fixture
def started(repo: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return copy_of_template(build_started, repo, tmp_path_factory)


def as_person(monkeypatch: pytest.MonkeyPatch, person: tuple[str, str]) -> None:
    monkeypatch.setenv("GIT_COMMITTER_NAME", person[0])
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", person[1])


def approve(repo: GitRepo, monkeypatch: pytest.MonkeyPatch, person: tuple[str, str], *args: str) -> str:
    with monkeypatch.context() as patch:
        as_person(patch, person)
        result = run_cli(repo, "approve", *args)
    assert result.exit_code == 0, result.output
    return result.output


def set_start(repo: GitRepo, **fields: str | None) -> None:
    """Change the start record: a field set to None is removed."""
    path = repo.path / RECORD
    record = json.loads(path.read_text())
    record.update({key: value for key, value in fields.items() if value is not None})
    for key in [key for key, value in fields.items() if value is None]:
        record.pop(key, None)
    path.write_text(json.dumps(record))


def validate(repo: GitRepo, *global_args: str) -> tuple[int, str]:
    result = run_cli(repo, *global_args, "--format", "json", "validate")
    document = json.loads(result.output)
    messages = [f["message"] for f in document["findings"] if f["check"] == "approvals"]
    return result.exit_code, "\n".join(messages)


def config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return str(path)


def test_high_needs_one_approval_by_someone_who_is_not_an_author(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, found = validate(started)
    assert code == 1
    assert (
        "high (recorded by start --severity): head" in found
        and "lacks 1 more approval by someone who is not an author" in found
    )
    assert "anyone but Hotfix Tester <tester@example.com> may give it: hotfix-guard approve hotfix/v1.2.4" in found
    said = approve(started, monkeypatch, REVIEWER, "--comment", "read the diff")
    assert said.startswith("Recorded: Rita Reviewer <rita@example.com> approves hotfix/v1.2.4 at ")
    note = started.git("notes", "--ref", NOTES_REF, "show", "HEAD")
    assert note.startswith(
        "hotfix-guard approval\nref: refs/heads/hotfix/v1.2.4\nrole: peer\nwho: Rita Reviewer <rita@example.com>\n"
    )
    assert note.endswith("comment: read the diff\n")
    assert validate(started) == (0, "")


def test_an_author_cannot_approve_and_nothing_is_recorded(started: GitRepo) -> None:
    result = run_cli(started, "approve")
    assert result.exit_code == 2
    assert "you (Hotfix Tester <tester@example.com>) are an author of hotfix/v1.2.4's commits" in result.output
    assert started.git("notes", "--ref", NOTES_REF, "list") == ""


def test_an_authors_approval_recorded_elsewhere_never_counts(started: GitRepo) -> None:
    started.git(
        "notes", "--ref", NOTES_REF, "add", "-m", "hotfix-guard approval\nrole: peer\nwho: H <TESTER@example.com>\n"
    )
    code, found = validate(started)
    assert code == 1 and "not counted: H <TESTER@example.com> is an author (self-approval never counts)" in found


def test_a_new_commit_makes_an_approval_stale(started: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    approve(started, monkeypatch, REVIEWER)
    old_head = started.git("rev-parse", "HEAD").strip()
    started.commit(GOOD_MESSAGE, **{"app.py": "print('fixed again')\n"})
    code, found = validate(started)
    assert code == 1 and f"Rita Reviewer <rita@example.com> approved {old_head[:10]}, an older head (stale)" in found
    status = run_cli(started, "status").output
    assert f"Rita Reviewer <rita@example.com> (peer) of {old_head[:10]}" in status
    assert "[stale: of an older head, not counted]" in status and "Approvals: 0 counted of 1 recorded" in status
    approve(started, monkeypatch, REVIEWER)
    assert validate(started)[0] == 0


def test_the_same_approval_twice_is_recorded_once(started: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    approve(started, monkeypatch, REVIEWER)
    assert "already approved hotfix/v1.2.4" in approve(started, monkeypatch, REVIEWER)
    assert started.git("notes", "--ref", NOTES_REF, "show", "HEAD").count("hotfix-guard approval") == 1


def test_medium_needs_two_others_and_the_number_is_configurable(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_start(started, severity="medium")
    approve(started, monkeypatch, REVIEWER)
    code, found = validate(started)
    assert code == 1 and "medium (recorded by start --severity): head" in found and "lacks 1 more approval" in found
    assert validate(started, "--config", config_file(tmp_path, "[approvals]\nmedium = 1\n"))[0] == 0
    approve(started, monkeypatch, SECURITY)
    assert validate(started)[0] == 0


def test_a_security_fix_needs_a_security_approval(started: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    set_start(started, command="hotfix-guard start --security --severity high")
    approve(started, monkeypatch, REVIEWER)
    code, found = validate(started)
    assert code == 1 and "high (recorded by start --severity) security fix" in found
    assert (
        "lacks a security approval (--role security)" in found
        and "hotfix-guard approve hotfix/v1.2.4 --role security" in found
    )
    approve(started, monkeypatch, SECURITY, "--role", "security")
    assert validate(started)[0] == 0


def test_without_a_severity_it_is_a_note_unless_a_default_is_set(started: GitRepo, tmp_path: Path) -> None:
    set_start(started, severity=None)
    code, found = validate(started)
    assert code == 0 and found.startswith(
        "no severity recorded (start --severity LEVEL), so approvals were not checked"
    )
    code, found = validate(started, "--config", config_file(tmp_path, '[approvals]\ndefault-severity = "high"\n'))
    assert code == 1 and found.startswith("high ([approvals] default-severity): head")


def test_a_bad_default_severity_is_a_config_error(started: GitRepo, tmp_path: Path) -> None:
    result = run_cli(
        started, "--config", config_file(tmp_path, '[approvals]\ndefault-severity = "urgent"\n'), "validate"
    )
    assert (
        result.exit_code == 2
        and "'approvals.default-severity'" in result.output
        and "critical, high, medium" in result.output
    )


def test_finish_refuses_without_approvals_and_changes_nothing(started: GitRepo) -> None:
    before = started.refs()
    result = run_cli(started, "finish")
    assert result.exit_code == 2 and "does not pass validate" in result.output
    assert "[approvals]" in result.output and started.refs() == before


def test_an_override_passes_missing_approvals_and_the_review_lists_it(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = started.git("rev-parse", "HEAD").strip()
    monkeypatch.setenv("HOTFIX_GUARD_OVERRIDE", "INC-7: payments down")
    result = run_cli(started, "finish")
    assert result.exit_code == 0, result.output
    assert f"override of missing approvals recorded on {head[:10]}" in result.output
    note = started.git("notes", "--ref", "refs/notes/hotfix-guard", "show", head)
    assert "reason: INC-7: payments down" in note and "blocked: [approvals] high" in note
    monkeypatch.delenv("HOTFIX_GUARD_OVERRIDE")
    review = run_cli(started, "review", "v1.2.4").output
    overridden = review.split("### Approval overridden\n\n")[1].splitlines()[0]
    assert overridden.startswith(
        "- approval overridden by Hotfix Tester <tester@example.com>: INC-7: payments down (was: high"
    )


def test_critical_releases_alone_and_peer_review_stays_pending_until_approved(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_start(started, severity="critical")
    head = started.git("rev-parse", "HEAD").strip()
    assert run_cli(started, "finish").exit_code == 0
    record = json.loads((started.path / ".git/hotfix-guard/finished/hotfix%2Fv1.2.4.json").read_text())
    assert record["peer_review"] == "pending"
    status = run_cli(started, "status").output
    assert f"Peer review pending: v1.2.4 (hotfix/v1.2.4, head {head[:10]})" in status
    review = run_cli(started, "review", "v1.2.4").output
    assert "- [ ] Peer review - pending (released by the release manager alone): hotfix-guard approve v1.2.4" in review
    approve(started, monkeypatch, REVIEWER, "v1.2.4")
    assert started.git("notes", "--ref", NOTES_REF, "show", head).startswith(
        "hotfix-guard approval\nref: refs/tags/v1.2.4\n"
    )
    assert "Peer review pending" not in run_cli(started, "status").output
    review = run_cli(started, "review", "v1.2.4").output
    assert "- [x] Peer review - approved by Rita Reviewer <rita@example.com>" in review
    assert "**Peer review pending**" not in review


def test_approvals_travel_between_clones_with_the_notes_ref(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    started.git("remote", "add", "origin", str(origin))
    started.git("push", "-q", "origin", "main", "v1.2.3", "hotfix/v1.2.4")
    clone = GitRepo(tmp_path / "clone")
    subprocess.run(["git", "clone", "-q", "-b", "hotfix/v1.2.4", str(origin), str(clone.path)], check=True)
    approve(clone, monkeypatch, REVIEWER)
    clone.git("push", "-q", "origin", NOTES_REF)
    assert validate(started)[0] == 1
    started.git("fetch", "-q", "origin", f"{NOTES_REF}:{NOTES_REF}")
    assert validate(started) == (0, "")


def test_approve_help_names_its_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "approve", "--help"], capture_output=True, text=True, env=os.environ
    )
    assert "--role [peer|lead|security]" in result.stdout and "--comment TEXT" in result.stdout


def test_pushing_an_unapproved_hotfix_branch_passes_the_push_guard(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Approvals come after the push (reviewers need the branch): the guards of a hotfix branch push skip them."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    started.git("remote", "add", "origin", str(origin))
    assert run_cli(started, "install-hooks", "--hooks", "pre-push").exit_code == 0
    pushed = subprocess.run(
        ["git", "push", "-q", "origin", "main", "v1.2.3", "hotfix/v1.2.4"],
        cwd=started.path,
        capture_output=True,
        text=True,
    )
    assert pushed.returncode == 0, pushed.stderr
    hook = subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "hook", "validate"], cwd=started.path, capture_output=True, text=True
    )
    assert hook.returncode == 0 and "approvals" not in hook.stderr


def note_approval(repo: GitRepo, who: str, *extra: str) -> None:
    """An approval of the head recorded by hand (as a clone elsewhere would have it)."""
    repo.git(
        "notes",
        "--ref",
        NOTES_REF,
        "append",
        "-m",
        "\n".join(["hotfix-guard approval", "role: peer", f"who: {who}", *extra]),
    )


@pytest.mark.parametrize(
    "who", ["hotfix tester <tester@elsewhere.example>", "Someone Else <TESTER@example.com>", "HOTFIX  Tester <x@y.z>"]
)
def test_the_same_person_is_known_by_email_or_by_name(started: GitRepo, who: str) -> None:
    note_approval(started, who)
    code, found = validate(started)
    assert code == 1 and f"not counted: {who} is an author (self-approval never counts)" in found


def test_an_author_under_another_email_cannot_approve(started: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        as_person(patch, ("Hotfix Tester", "tester@home.example"))
        result = run_cli(started, "approve")
    assert result.exit_code == 2 and "are an author of hotfix/v1.2.4's commits" in result.output


def test_a_committer_of_the_hotfix_is_an_author(started: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        as_person(patch, REVIEWER)  # Rita commits (a cherry-pick, an amend) what the tester wrote
        started.commit(GOOD_MESSAGE, **{"app.py": "print('fixed by both')\n"})
    note_approval(started, "Rita Reviewer <rita@example.com>")
    code, found = validate(started)
    assert code == 1 and "Rita Reviewer <rita@example.com> is an author" in found


def test_a_co_author_is_an_author(started: GitRepo) -> None:
    started.commit(f"{GOOD_MESSAGE}\n\nCo-authored-by: Rita Reviewer <rita@example.com>\n", **{"app.py": "print(2)\n"})
    note_approval(started, "rita reviewer <rita@work.example>")
    code, found = validate(started)
    assert code == 1 and "anyone but Hotfix Tester <tester@example.com>, Rita Reviewer <rita@example.com>" in found


def test_two_approvals_by_one_person_under_two_emails_count_once(started: GitRepo) -> None:
    set_start(started, severity="medium")
    note_approval(started, "Rita Reviewer <rita@example.com>")
    note_approval(started, "Rita Reviewer <rita@home.example>")
    code, found = validate(started)
    assert code == 1 and "lacks 1 more approval" in found


def test_the_approvals_fact_starts_no_git_of_its_own(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The authors come with the change's commits (one log): no approval or override recorded costs nothing more."""
    trace = tmp_path / "trace"
    monkeypatch.setenv("HOTFIX_GUARD_TRACE_GIT", str(trace))
    assert run_cli(started, "check", "approvals").exit_code == 1
    calls = [json.loads(line) for line in trace.read_text().splitlines()]
    assert sum("log" in call for call in calls) == 1 and not [call for call in calls if "notes" in call]


def test_an_override_of_another_rule_does_not_pass_missing_approvals(started: GitRepo) -> None:
    """A push override of [release-tag] recorded on the head is no override of the approvals."""
    started.git(
        "notes", "--ref", "refs/notes/hotfix-guard", "add", "-m",
        "hotfix-guard override\nref: refs/tags/v1.2.4\nreason: INC-9\nwho: Hotfix Tester <tester@example.com>\n"
        "when: 2026-01-02T03:04:05+00:00\nblocked: [release-tag] not on main\n",
    )  # fmt: skip
    code, found = validate(started)
    assert code == 1 and "approval overridden" not in found and "lacks 1 more approval" in found


def test_an_unsigned_approval_starts_no_signature_check(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    approve(started, monkeypatch, REVIEWER)
    trace = tmp_path / "trace"
    monkeypatch.setenv("HOTFIX_GUARD_TRACE_GIT", str(trace))
    assert run_cli(started, "check", "approvals").exit_code == 0
    calls = [json.loads(line) for line in trace.read_text().splitlines()]
    assert not [call for call in calls if "hash-object" in call or "verify-commit" in call]


def test_the_push_guard_asks_a_release_for_its_hotfixs_approvals(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The release tag's commit is finish's merge; its second parent, the hotfix head, lacks its approval."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    started.git("remote", "add", "origin", str(origin))
    started.git("push", "-q", "origin", "main", "v1.2.3")
    assert run_cli(started, "install-hooks", "--hooks", "pre-push").exit_code == 0
    assert run_cli(started, "finish", "--no-verify").exit_code == 0, "finish without validate"

    def push() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "push", "-q", "origin", "main", "v1.2.4"], cwd=started.path, capture_output=True, text=True
        )

    blocked = push()
    assert blocked.returncode != 0
    assert "[approvals]" in blocked.stderr and "high (recorded by start --severity): head" in blocked.stderr
    assert blocked.stderr.count("lacks 1 more approval") == 1, "main and its tag release one hotfix: said once"
    approve(started, monkeypatch, REVIEWER, "v1.2.4")
    passed = push()
    assert passed.returncode == 0, passed.stderr


def test_the_server_guard_asks_a_release_for_its_hotfixs_approvals(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The server has no start record: main's [approvals] default-severity says what the release needs."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    started.checkout("main")
    started.commit("chore: rules", **{".hotfix-guard.toml": '[approvals]\ndefault-severity = "high"\n'})
    started.checkout("hotfix/v1.2.4")
    started.git("remote", "add", "origin", str(origin))
    started.git("push", "-q", "origin", "main", "v1.2.3")
    assert run_cli(origin, "install-hooks", "--server").exit_code == 0
    assert run_cli(started, "finish", "--no-verify").exit_code == 0
    pushed = ["git", "push", "--no-verify", "origin", "main", "v1.2.4"]
    blocked = subprocess.run(pushed, cwd=started.path, capture_output=True, text=True)
    assert blocked.returncode != 0 and "high ([approvals] default-severity): head" in blocked.stderr
    approve(started, monkeypatch, REVIEWER, "v1.2.4")
    started.git("push", "-q", "origin", NOTES_REF)
    passed = subprocess.run(pushed, cwd=started.path, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stderr


def test_status_counts_one_approval_per_person_as_the_check_does(
    started: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: status labelled both of one person's approvals (two roles) as counted."""
    approve(started, monkeypatch, REVIEWER)
    approve(started, monkeypatch, REVIEWER, "--role", "lead")
    status = run_cli(started, "status").output
    assert "Approvals: 1 counted of 2 recorded" in status, status
    assert "[the same person again, counted once]" in status
