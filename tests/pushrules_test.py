"""The pure push rules over hand-built facts of a pushed ref: no git, no repository."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import GOOD_MESSAGE

from hotfix_guard.config import CHECK_IDS, DEFAULTS, Config, default_config
from hotfix_guard.model import ERROR, WARNING, Change, Commit, Finding
from hotfix_guard.pushrules import (
    HOTFIX_BRANCH,
    NEAR_MISS_BRANCH,
    OTHER_REF,
    PROTECTED_BRANCH,
    RELEASE_TAG,
    RULES,
    RefFacts,
    checks_for,
    kind_of,
    on_ref,
    protected_branch,
    release_tag,
)

OLD, NEW, ZERO = "a" * 40, "b" * 40, "0" * 40
TAG, MAIN, HOTFIX = "refs/tags/v1.2.4", "refs/heads/main", "refs/heads/hotfix/v1.2.4"
DEFAULT = default_config()
TAGS_ANYWHERE = Config({**DEFAULTS, ("", "release-tags-on-main"): False})
TRUNK = Config({**DEFAULTS, ("", "main-branch"): "trunk", ("", "protected-branches"): ["trunk", "release"]})


def tag(pushed: str = NEW, **facts: Any) -> RefFacts:
    return RefFacts(TAG, RELEASE_TAG, pushed, remote="origin", **facts)


def main(pushed: str = NEW, **facts: Any) -> RefFacts:
    return RefFacts(MAIN, PROTECTED_BRANCH, pushed, **facts)


@pytest.mark.parametrize(
    ("ref", "kind", "config"),
    [
        ("refs/tags/v1.2.4", RELEASE_TAG, DEFAULT),
        ("refs/tags/v1.2", OTHER_REF, DEFAULT),
        ("refs/tags/nightly", OTHER_REF, DEFAULT),
        ("refs/heads/main", PROTECTED_BRANCH, DEFAULT),
        ("refs/heads/release", PROTECTED_BRANCH, TRUNK),
        ("refs/heads/release", OTHER_REF, DEFAULT),
        ("refs/heads/hotfix/v1.2.4", HOTFIX_BRANCH, DEFAULT),
        ("refs/heads/hotfix/Not_Valid", HOTFIX_BRANCH, DEFAULT),
        ("refs/heads/Hotfix/v1.2.4", NEAR_MISS_BRANCH, DEFAULT),
        ("refs/heads/feature", OTHER_REF, DEFAULT),
        ("refs/notes/hotfix-guard", OTHER_REF, DEFAULT),
    ],
)
def test_kind_of_a_pushed_ref(ref: str, kind: str, config: Config) -> None:
    assert kind_of(ref, config) == kind


@pytest.mark.parametrize(
    ("facts", "config", "message"),
    [
        (
            tag(ZERO, deletes=True),
            TAGS_ANYWHERE,
            "deleting release tag v1.2.4 is blocked: a published release stays; "
            "if it is bad, release a new patch that undoes it: hotfix-guard rollback",
        ),
        (
            tag(old=OLD, on_main=True),
            DEFAULT,
            "release tag v1.2.4 already exists on the remote at aaaaaaaaaa; moving it to bbbbbbbbbb is blocked: "
            "a published release never moves; make a new release instead (hotfix-guard start)",
        ),
        (
            tag(on_main=False),
            TRUNK,
            "release tag v1.2.4 points at bbbbbbbbbb, which is not on trunk: a release is tagged on trunk after the "
            "merge; delete this tag (git tag -d v1.2.4) and run hotfix-guard finish (it merges into trunk, tags the "
            "merge and pushes both)",
        ),
    ],
    ids=["deleted", "moved", "not-on-main"],
)
def test_release_tag_blocks(facts: RefFacts, config: Config, message: str) -> None:
    assert release_tag(facts, config) == [Finding(RELEASE_TAG, message, ERROR, TAG)]


@pytest.mark.parametrize(
    ("facts", "config"),
    [
        (tag(on_main=True), DEFAULT),
        (tag(old=NEW, on_main=True), DEFAULT),  # the remote has it there already
        (tag(on_main=False), TAGS_ANYWHERE),
        (tag(), TAGS_ANYWHERE),  # main not asked about
    ],
    ids=["new-on-main", "same-place", "off-main-allowed", "not-asked"],
)
def test_release_tag_passes(facts: RefFacts, config: Config) -> None:
    assert release_tag(facts, config) == []


def test_a_tag_the_remote_has_at_the_same_commit_is_still_checked_against_main() -> None:
    assert [f.message[:40] for f in release_tag(tag(old=NEW, on_main=False), DEFAULT)] == [
        "release tag v1.2.4 points at bbbbbbbbbb,"
    ]


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (main(ZERO, deletes=True), "deleting protected branch main is blocked"),
        (
            main(old=OLD, old_known=True, fast_forward=False, remote="upstream"),
            "not a fast-forward of protected branch main: the remote's aaaaaaaaaa is not an ancestor of bbbbbbbbbb, "
            "so commits on main would be lost; fetch and merge instead of overwriting it "
            "(git pull --no-rebase upstream main)",
        ),
        (
            main(old=OLD, old_known=False, fast_forward=False),
            "not a fast-forward of protected branch main: this clone does not have the remote's aaaaaaaaaa; "
            "fetch and merge instead of overwriting it (git pull --no-rebase origin main)",
        ),
    ],
    ids=["deleted", "rewritten", "old-unknown"],
)
def test_protected_branch_blocks(facts: RefFacts, message: str) -> None:
    assert protected_branch(facts, DEFAULT) == [Finding(PROTECTED_BRANCH, message, ERROR, MAIN)]


@pytest.mark.parametrize(
    "facts",
    [main(), main(old=OLD, old_known=True, fast_forward=True)],
    ids=["created", "fast-forward"],
)
def test_protected_branch_passes(facts: RefFacts) -> None:
    assert protected_branch(facts, DEFAULT) == []


ENABLED = ["branch-name", "file-count", "commit-message"]
COMMIT = Commit("c" * 40, (OLD,), GOOD_MESSAGE)


def branch(kind: str = HOTFIX_BRANCH, commits: tuple[Commit, ...] = (COMMIT,), asked: bool = True) -> RefFacts:
    change = Change(
        branch="hotfix/v1.2.4",
        base="v1.2.3",
        base_version=None,
        head="hotfix/v1.2.4",
        commits=commits,
        collected=frozenset({"commits"} if asked else ()),
    )
    return RefFacts(HOTFIX, kind, NEW, change=change)


@pytest.mark.parametrize(
    ("facts", "enabled", "checks"),
    [
        (branch(), ENABLED, ENABLED),
        (branch(commits=()), ENABLED, ["branch-name"]),  # as `start --push` publishes it
        (branch(commits=()), ["file-count"], []),
        (branch(commits=(), asked=False), ["file-count"], ["file-count"]),  # commits not collected: not known empty
        (branch(NEAR_MISS_BRANCH), ENABLED, ["branch-name"]),
        (branch(NEAR_MISS_BRANCH), ["file-count"], []),
        (RefFacts(HOTFIX, HOTFIX_BRANCH, ZERO, deletes=True), ENABLED, []),  # finish --push deletes it
        (RefFacts(HOTFIX, NEAR_MISS_BRANCH, ZERO, deletes=True), ENABLED, []),
        (tag(), ENABLED, []),
    ],
    ids=[
        "hotfix",
        "no-commits",
        "no-commits-name-off",
        "commits-not-asked",
        "near-miss",
        "near-miss-name-off",
        "hotfix-deleted",
        "near-miss-deleted",
        "tag",
    ],
)
def test_checks_for_a_pushed_branch(facts: RefFacts, enabled: list[str], checks: list[str]) -> None:
    assert checks_for(facts, enabled) == checks


def test_findings_of_the_checks_name_the_pushed_ref() -> None:
    found = [Finding("file-count", "6 files"), Finding("scope", "outside", WARNING, "app.py")]
    assert on_ref(found, branch()) == [
        Finding("file-count", "6 files", ERROR, HOTFIX),
        Finding("scope", "outside", WARNING, f"{HOTFIX}: app.py"),
    ]


def test_rule_ids_are_the_kinds_they_guard_and_apart_from_check_ids() -> None:
    assert list(RULES.items()) == [(RELEASE_TAG, release_tag), (PROTECTED_BRANCH, protected_branch)]
    assert not set(RULES) & set(CHECK_IDS)
