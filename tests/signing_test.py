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


def test_the_rule_is_off_by_default() -> None:
    facts = RefFacts("refs/tags/v1.2.4", RELEASE_TAG, "a" * 40, on_main=True, unsigned="it is a lightweight tag")
    assert release_tag(facts, default_config()) == []


def test_an_approval_is_signed_with_the_approvers_key_and_verified(hotfix: GitRepo, tmp_path: Path) -> None:
    from conftest import run_cli as cli

    ssh_signing(hotfix, tmp_path)
    (tmp_path / "allowed_signers").write_text(f"rita@example.com {(tmp_path / 'signing_key.pub').read_text()}")
    env = {"GIT_COMMITTER_NAME": "Rita Reviewer", "GIT_COMMITTER_EMAIL": "rita@example.com"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        said = cli(hotfix, "approve").output
    assert f"signed with {tmp_path / 'signing_key.pub'}" in said
    note = hotfix.git("notes", "--ref", "refs/notes/hotfix-guard-approvals", "show", "HEAD")
    assert f"key: {tmp_path / 'signing_key.pub'}\nsignature: " in note
    assert "signature good" in run_cli(hotfix, "status").output
    tampered = note.replace("role: peer", "role: security")
    hotfix.git("notes", "--ref", "refs/notes/hotfix-guard-approvals", "add", "-f", "-m", tampered, "HEAD")
    assert "signature bad: the signature is of other words than the approval's" in run_cli(hotfix, "status").output
