"""The push rules: pure functions over the facts of one pushed ref, like the checks.

`prepush.py` gathers the facts (asking git), these rules decide, and `prepush.py` renders.
A rule never prints, never reads files, never starts git. Rule ids appear in the output
(`[release-tag]`) and are kept apart from the check ids: a hotfix branch gets the checks
themselves (`checks_for` says which), a release tag or a protected branch gets its rule.

This module is imported for every push, ordinary ones included: it imports nothing heavy.
"""

from __future__ import annotations

from hotfix_guard.model import ERROR, Finding, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from hotfix_guard.config import Config
    from hotfix_guard.model import Change

# The rule ids, as they appear in the output; each is also the kind of ref the rule guards.
RELEASE_TAG = "release-tag"
PROTECTED_BRANCH = "protected-branch"
# The other kinds of ref: hotfix branches get the checks, anything else passes untouched.
HOTFIX_BRANCH = "hotfix-branch"
NEAR_MISS_BRANCH = "near-miss-branch"
OTHER_REF = "other"

BRANCH_NAME = "branch-name"  # the one check a near miss, or a hotfix branch without commits, gets


def kind_of(ref: str, config: Config) -> str:
    """Which rule a remote ref falls under; plain string work, no git."""
    if ref.startswith("refs/tags/"):
        from hotfix_guard.versions import parse_release_tag

        return RELEASE_TAG if parse_release_tag(ref[len("refs/tags/") :], config.tag_prefix) else OTHER_REF
    if not ref.startswith("refs/heads/"):
        return OTHER_REF
    name = ref[len("refs/heads/") :]
    if name in config.protected_branches:
        return PROTECTED_BRANCH
    from hotfix_guard.branches import HOTFIX, NEAR_MISS, classify

    kind = classify(name, config)
    return HOTFIX_BRANCH if kind == HOTFIX else NEAR_MISS_BRANCH if kind == NEAR_MISS else OTHER_REF


class RefFacts(Record):
    """What a push does to one remote ref, and what git said about it; gathered before any rule runs.

    `pushed` is the object the ref is set to (a release tag's as git resolved it), `old` the
    remote's object before the push (None for a new ref), `remote` the remote's name or URL
    ("" when not known). The answers git gave, each None where it was not asked:
    `old_known` whether this clone has `old`, `fast_forward` whether `old` is an ancestor of
    `pushed`, `on_main` whether the tagged commit is on the main branch (local,
    remote-tracking, or pushed along). `change` is what the checks need, for a hotfix branch
    or a near miss.
    """

    __slots__ = (
        "ref",
        "kind",
        "pushed",
        "deletes",
        "old",
        "remote",
        "old_known",
        "fast_forward",
        "on_main",
        "change",
        "unsigned",
        "tagged",
    )

    def __init__(
        self,
        ref: str,
        kind: str,
        pushed: str = "",
        *,
        deletes: bool = False,
        old: str | None = None,
        remote: str = "",
        old_known: bool | None = None,
        fast_forward: bool | None = None,
        on_main: bool | None = None,
        change: Change | None = None,
        unsigned: str | None = None,
        tagged: str | None = None,
    ):
        self.ref = ref
        self.kind = kind
        self.pushed = pushed
        self.deletes = deletes
        self.old = old
        self.remote = remote
        self.old_known = old_known
        self.fast_forward = fast_forward
        self.on_main = on_main
        self.change = change
        # With require-signed-tags: why the release tag is not a signed annotated tag that
        # `git verify-tag` accepts ("" when it is; None when not asked).
        self.unsigned = unsigned
        self.tagged = tagged  # the commit an annotated release tag names, where it was read (for advice)

    @property
    def name(self) -> str:
        """The branch or tag name: `main` for refs/heads/main, `v1.2.4` for refs/tags/v1.2.4."""
        return self.ref.split("/", 2)[2] if self.ref.startswith(("refs/heads/", "refs/tags/")) else self.ref


def release_tag(ref: RefFacts, config: Config) -> list[Finding]:
    """A release tag is never deleted, never moved once the remote has it, and (with
    `release-tags-on-main`) only on a commit of the main branch."""
    tag = ref.name
    if ref.deletes:
        return [
            _finding(
                RELEASE_TAG,
                ref,
                f"deleting release tag {tag} is blocked: a published release stays; "
                "if it is bad, release a new patch that undoes it: hotfix-guard rollback",
            )
        ]
    if ref.old is not None and ref.old != ref.pushed:
        return [
            _finding(
                RELEASE_TAG,
                ref,
                f"release tag {tag} already exists on the remote at {ref.old[:10]}; moving it to {ref.pushed[:10]} "
                "is blocked: a published release never moves; make a new release instead (hotfix-guard start)",
            )
        ]
    if config.require_signed_tags and ref.unsigned:
        return [
            _finding(
                RELEASE_TAG,
                ref,
                f"release tag {tag} is blocked by require-signed-tags: {ref.unsigned}; sign it: "
                f"git tag -d {tag} && git tag -s {tag} -m 'Release {tag}' {(ref.tagged or ref.pushed)[:10]} "
                "(finish and rollback sign their tags once git has a signing key: git config user.signingKey KEY)",
            )
        ]
    if not config.release_tags_on_main or ref.on_main:
        return []
    main = config.main_branch
    return [
        _finding(
            RELEASE_TAG,
            ref,
            f"release tag {tag} points at {ref.pushed[:10]}, which is not on {main}: a release is tagged on {main} "
            f"after the merge; delete this tag (git tag -d {tag}) and run hotfix-guard finish "
            f"(it merges into {main}, tags the merge and pushes both)",
        )
    ]


def protected_branch(ref: RefFacts, config: Config) -> list[Finding]:
    """A protected branch is never deleted, only created or fast-forwarded."""
    branch = ref.name
    if ref.deletes:
        return [_finding(PROTECTED_BRANCH, ref, f"deleting protected branch {branch} is blocked")]
    if ref.old is None or ref.fast_forward:
        return []
    if ref.old_known:
        why = (
            f"the remote's {ref.old[:10]} is not an ancestor of {ref.pushed[:10]}, so commits on {branch} would be lost"
        )
    else:
        why = f"this clone does not have the remote's {ref.old[:10]}"
    return [
        _finding(
            PROTECTED_BRANCH,
            ref,
            f"not a fast-forward of protected branch {branch}: {why}; "
            f"fetch and merge instead of overwriting it (git pull --no-rebase {ref.remote or 'origin'} {branch})",
        )
    ]


# The rules by id, which is also the kind of ref each guards.
RULES: dict[str, Callable[[RefFacts, Config], list[Finding]]] = {
    RELEASE_TAG: release_tag,
    PROTECTED_BRANCH: protected_branch,
}


def checks_for(ref: RefFacts, enabled: Sequence[str]) -> list[str]:
    """The checks a pushed hotfix branch gets, of the ENABLED ones: on exactly what is pushed.

    None for a deletion (finish --push deletes the hotfix branch after the merge); only the
    name for a near miss (`Hotfix/v1.2.4`) and for a hotfix branch with no commits yet, as
    `hotfix-guard start --push` publishes it.
    """
    if ref.deletes or ref.kind not in (HOTFIX_BRANCH, NEAR_MISS_BRANCH):
        return []
    change = ref.change
    no_commits = change is not None and "commits" in change.collected and not change.commits
    if ref.kind == NEAR_MISS_BRANCH or no_commits:
        return [check for check in enabled if check == BRANCH_NAME]
    return list(enabled)


def on_ref(findings: Sequence[Finding], ref: RefFacts) -> list[Finding]:
    """Findings of the checks about a pushed ref, each naming it."""
    where = ref.ref
    return [
        Finding(f.check, f.message, f.severity, f"{where}: {f.file}" if f.file else where, f.commit) for f in findings
    ]


def _finding(rule: str, ref: RefFacts, message: str) -> Finding:
    return Finding(rule, message, ERROR, ref.ref)
