"""Signed release tags (issue 15): finish and rollback sign with an ssh key made here by
ssh-keygen (no gpg agent), `git verify-tag` checks them against an allowed-signers file, and
require-signed-tags makes the push guard block a tag it does not accept."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.config import default_config
from hotfix_guard.pushrules import RELEASE_TAG, RefFacts, release_tag

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")


def ssh_signing(repo: GitRepo, tmp_path: Path) -> None:
    """An ssh signing key for REPO, and an allowed-signers file that trusts it for the tester."""
    key = tmp_path / "signing_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tester", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"tester@example.com {(tmp_path / 'signing_key.pub').read_text()}")
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingKey", str(key) + ".pub")
    repo.git("config", "gpg.ssh.allowedSignersFile", str(allowed))


def commit_config(repo: GitRepo, text: str) -> None:
    """TEXT as main's committed .hotfix-guard.toml, back on the hotfix branch after."""
    branch = repo.git("branch", "--show-current").strip()
    repo.checkout("main")
    repo.commit("chore: hotfix-guard config", **{".hotfix-guard.toml": text})
    repo.checkout(branch)


def test_finish_signs_the_release_tag_when_git_has_a_key(hotfix: GitRepo, tmp_path: Path) -> None:
    ssh_signing(hotfix, tmp_path)
    assert run_cli(hotfix, "finish").exit_code == 0
    assert "-----BEGIN SSH SIGNATURE-----" in hotfix.git("cat-file", "tag", "v1.2.4")
    verified = subprocess.run(["git", "verify-tag", "v1.2.4"], cwd=hotfix.path, capture_output=True, text=True)
    assert verified.returncode == 0 and 'Good "git" signature for tester@example.com' in verified.stderr


def test_finish_without_a_key_makes_an_unsigned_annotated_tag(hotfix: GitRepo) -> None:
    assert run_cli(hotfix, "finish").exit_code == 0
    assert hotfix.git("cat-file", "-t", "v1.2.4").strip() == "tag"
    assert "SIGNATURE" not in hotfix.git("cat-file", "tag", "v1.2.4")


def test_sign_tags_without_a_key_is_refused_before_any_change(hotfix: GitRepo) -> None:
    commit_config(hotfix, "sign-tags = true\n")
    before = hotfix.refs()
    result = run_cli(hotfix, "finish")
    assert result.exit_code == 2
    assert "sign-tags = true in the config, but git has no signing key; nothing was changed" in result.output
    assert "git config user.signingKey KEY" in result.output and "gpg.format ssh" in result.output
    assert hotfix.refs() == before


def test_dry_run_shows_the_signed_tag(hotfix: GitRepo, tmp_path: Path) -> None:
    ssh_signing(hotfix, tmp_path)
    result = run_cli(hotfix, "finish", "--dry-run")
    assert "git tag -s -m 'Release v1.2.4 (hotfix/v1.2.4)' --end-of-options v1.2.4 refs/heads/main" in result.output


def test_rollback_signs_its_tag_by_the_same_rule(hotfix: GitRepo, tmp_path: Path) -> None:
    assert run_cli(hotfix, "finish").exit_code == 0
    ssh_signing(hotfix, tmp_path)
    assert run_cli(hotfix, "rollback").exit_code == 0
    tag = hotfix.git("describe", "--tags", "--abbrev=0", "main").strip()
    assert tag == "v1.2.5"
    assert subprocess.run(["git", "verify-tag", tag], cwd=hotfix.path, capture_output=True).returncode == 0


def pre_push(repo: GitRepo, tag: str) -> subprocess.CompletedProcess[str]:
    sha = repo.git("rev-parse", f"refs/tags/{tag}").strip()
    line = f"refs/tags/{tag} {sha} refs/tags/{tag} {'0' * 40}\n"
    return subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "hook", "pre-push", "origin", "url"],
        cwd=repo.path,
        input=line,
        capture_output=True,
        text=True,
        env={name: value for name, value in os.environ.items() if name != "HOTFIX_GUARD_OVERRIDE"},
    )


def test_require_signed_tags_blocks_unsigned_and_passes_signed_tags(hotfix: GitRepo, tmp_path: Path) -> None:
    commit_config(hotfix, "require-signed-tags = true\n")
    hotfix.tag("v1.2.9", "main")  # lightweight
    blocked = pre_push(hotfix, "v1.2.9")
    assert blocked.returncode == 1
    assert (
        "release tag v1.2.9 is blocked by require-signed-tags: it is a lightweight tag"
        in blocked.stdout + blocked.stderr
    )
    hotfix.git("tag", "-a", "-m", "unsigned", "v1.2.8", "main")
    said = pre_push(hotfix, "v1.2.8")
    assert said.returncode == 1 and "git verify-tag does not accept it" in said.stdout + said.stderr
    ssh_signing(hotfix, tmp_path)
    hotfix.git("tag", "-s", "-m", "signed", "v1.2.7", "main")
    assert pre_push(hotfix, "v1.2.7").returncode == 0


@pytest.mark.parametrize("other", ["v1.2.6\u2028rc-for-staging", "v1.2.6\u0085rc"])
def test_a_tag_signed_as_another_name_with_a_unicode_line_break_is_blocked(
    hotfix: GitRepo, tmp_path: Path, other: str
) -> None:
    """The tag object's header is split where git splits it: `tag v1.2.6<U+2028>rc` is not v1.2.6."""
    commit_config(hotfix, "require-signed-tags = true\n")
    ssh_signing(hotfix, tmp_path)
    hotfix.git("tag", "-s", "-m", "signed for staging", other, "main")
    hotfix.git("update-ref", "refs/tags/v1.2.6", hotfix.git("rev-parse", f"refs/tags/{other}").strip())
    said = pre_push(hotfix, "v1.2.6")
    assert said.returncode == 1, said.stdout + said.stderr
    assert f"it is tag {other!r} pushed under the name 'v1.2.6'" in said.stdout + said.stderr


def test_the_rule_is_off_by_default() -> None:
    facts = RefFacts("refs/tags/v1.2.4", RELEASE_TAG, "a" * 40, on_main=True, unsigned="it is a lightweight tag")
    assert release_tag(facts, default_config()) == []


RITA = {"GIT_COMMITTER_NAME": "Rita Reviewer", "GIT_COMMITTER_EMAIL": "rita@example.com"}
APPROVALS = "refs/notes/hotfix-guard-approvals"


def approve_as_rita(repo: GitRepo) -> str:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in RITA.items():
            patch.setenv(name, value)
        result = run_cli(repo, "approve")
    assert result.exit_code == 0, result.output
    return result.output


def trust(tmp_path: Path, principal: str) -> None:
    """The allowed-signers file: the signing key belongs to PRINCIPAL."""
    (tmp_path / "allowed_signers").write_text(f"{principal} {(tmp_path / 'signing_key.pub').read_text()}")


def validate_high(repo: GitRepo, tmp_path: Path) -> tuple[int, str]:
    rules = tmp_path / "rules.toml"
    rules.write_text('[approvals]\ndefault-severity = "high"\n')
    result = run_cli(repo, "--config", str(rules), "--format", "json", "check", "approvals")
    return result.exit_code, result.output


def fingerprint(public_key: Path) -> str:
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(public_key)], capture_output=True, text=True, check=True)
    return listed.stdout.split()[1]


def test_an_approval_is_signed_with_the_approvers_key_and_verified(hotfix: GitRepo, tmp_path: Path) -> None:
    ssh_signing(hotfix, tmp_path)
    trust(tmp_path, "rita@example.com")
    key = fingerprint(tmp_path / "signing_key.pub")
    assert key.startswith("SHA256:") and f"signed with {key}" in approve_as_rita(hotfix)
    note = hotfix.git("notes", "--ref", APPROVALS, "show", "HEAD")
    assert f"key: {key}\nsignature: " in note and str(tmp_path) not in note
    assert "signature good" in run_cli(hotfix, "status").output
    assert validate_high(hotfix, tmp_path)[0] == 0
    tampered = note.replace("role: peer", "role: security")
    hotfix.git("notes", "--ref", APPROVALS, "add", "-f", "-m", tampered, "HEAD")
    assert "signature bad: the signature is of other words than the approval's" in run_cli(hotfix, "status").output
    code, found = validate_high(hotfix, tmp_path)
    assert (
        code == 1 and "Rita Reviewer <rita@example.com>'s signature does not hold (the signature is of other" in found
    )


def test_a_signature_by_someone_else_than_the_approver_never_counts(hotfix: GitRepo, tmp_path: Path) -> None:
    """Mallory signs with her key an approval naming Rita: git calls the signature good, but its signer is Mallory."""
    ssh_signing(hotfix, tmp_path)
    trust(tmp_path, "mallory@example.com")
    approve_as_rita(hotfix)
    code, found = validate_high(hotfix, tmp_path)
    assert code == 1
    assert "signature does not hold (signed by mallory@example.com, not by Rita Reviewer <rita@example.com>)" in found
    assert "its signature does not hold, not counted" in run_cli(hotfix, "status").output


def test_a_signature_by_a_key_no_one_vouches_for_never_counts(hotfix: GitRepo, tmp_path: Path) -> None:
    ssh_signing(hotfix, tmp_path)
    trust(tmp_path, "rita@example.com")
    approve_as_rita(hotfix)
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "o", "-f", str(other)], check=True)
    (tmp_path / "allowed_signers").write_text(f"rita@example.com {(tmp_path / 'other_key.pub').read_text()}")
    code, found = validate_high(hotfix, tmp_path)
    assert code == 1 and "a signature by a key no one vouches for" in found


FLAKY_SSH_KEYGEN = """#!/bin/sh
# Signs once (finish's test signature), then fails as ssh-keygen does with a key it cannot load.
marker="$(dirname "$0")/signed-once"
if [ -e "$marker" ]; then echo "Couldn't load public key: No such file or directory" >&2; exit 255; fi
: > "$marker"
exec ssh-keygen "$@"
"""


def signing_fails_after_the_test_signature(repo: GitRepo, tmp_path: Path) -> None:
    """git 2.39's `git tag -s` exits 0 and writes an unsigned tag when ssh-keygen fails: the key signs once only."""
    ssh_signing(repo, tmp_path)
    program = tmp_path / "flaky-ssh-keygen"
    program.write_text(FLAKY_SSH_KEYGEN)
    program.chmod(0o755)
    repo.git("config", "gpg.ssh.program", str(program))


@pytest.mark.parametrize("command", ["finish", "rollback"])
def test_a_key_that_cannot_sign_is_refused_before_any_change(hotfix: GitRepo, command: str) -> None:
    if command == "rollback":
        assert run_cli(hotfix, "finish").exit_code == 0
    hotfix.git("config", "gpg.format", "ssh")
    hotfix.git("config", "user.signingKey", "/nonexistent/key.pub")
    before = hotfix.refs()
    result = run_cli(hotfix, command)
    assert result.exit_code == 2, result.output
    assert "the release tag is to be signed (user.signingKey /nonexistent/key.pub, gpg.format ssh)" in result.output
    assert "but git cannot sign" in result.output and "nothing was changed" in result.output
    assert hotfix.refs() == before


@pytest.mark.parametrize("command", ["finish", "rollback"])
def test_a_tag_git_made_unsigned_is_undone(hotfix: GitRepo, tmp_path: Path, command: str) -> None:
    if command == "rollback":
        assert run_cli(hotfix, "finish").exit_code == 0
    signing_fails_after_the_test_signature(hotfix, tmp_path)
    before = hotfix.refs()
    result = run_cli(hotfix, command)
    assert result.exit_code == 1, result.output
    assert "made tag" in result.output and "without a signature although it was asked to sign it" in result.output
    assert hotfix.refs() == before
    assert not (hotfix.path / ".git/hotfix-guard" / f"{command}.json").exists()
