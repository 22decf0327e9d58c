"""The push guard: `hotfix-guard hook pre-push REMOTE URL`, and pre-commit's pre-push stage.

Git gives a native pre-push hook one line per pushed ref on standard input,
`<local ref> <local sha> <remote ref> <remote sha>` (a zero sha for a ref that is created
or deleted), and every ref is checked. The pre-commit framework instead hands its hooks
one ref in PRE_COMMIT_LOCAL_BRANCH / PRE_COMMIT_REMOTE_BRANCH / PRE_COMMIT_TO_REF /
PRE_COMMIT_FROM_REF (the first one with new commits; none for a deletion, nor for a tag
on a commit the remote already has), without the remote's sha.

What is checked, by the ref that lands on the remote:
- a hotfix branch: every enabled check on exactly the pushed commit against its base;
  a near miss (`Hotfix/v1.2.4`) is blocked with the corrected name;
- a release tag: never deleted, never moved once the remote has it, and (with
  `release-tags-on-main`) only on a commit of the main branch;
- a protected branch: never deleted, only fast-forwarded;
- anything else passes without starting git.

A blocked push goes through only with HOTFIX_GUARD_OVERRIDE set to a reason, which is
printed and recorded (see `overrides.py`).
"""

from __future__ import annotations

import os
import sys

from hotfix_guard.errors import EXIT_FAILED, EXIT_OK, HotfixGuardError
from hotfix_guard.model import ERROR, NOTE, Finding, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions
    from hotfix_guard.overrides import Override

RELEASE_TAG = "release-tag"  # the rule ids, as they appear in the output
PROTECTED_BRANCH = "protected-branch"
HOTFIX_BRANCH = "hotfix-branch"
NEAR_MISS_BRANCH = "near-miss-branch"
OTHER_REF = "other"

INPUT_FORM = "<local ref> <local sha> <remote ref> <remote sha>"


class RefUpdate(Record):
    """What a push does to one remote ref.

    `remote_sha` is None when it is not known (pre-commit does not pass it on); `from_ref`
    is pre-commit's PRE_COMMIT_FROM_REF, the remote's sha when this clone has it.
    """

    __slots__ = ("local_ref", "local_sha", "remote_ref", "remote_sha", "from_ref")

    def __init__(
        self, local_ref: str, local_sha: str, remote_ref: str, remote_sha: str | None, from_ref: str | None = None
    ):
        self.local_ref = local_ref
        self.local_sha = local_sha
        self.remote_ref = remote_ref
        self.remote_sha = remote_sha
        self.from_ref = from_ref

    @property
    def deletes(self) -> bool:
        return is_zero(self.local_sha)

    @property
    def old_remote(self) -> str | None:
        """The remote's commit before the push, as far as it is known; None for a new ref."""
        old = self.remote_sha if self.remote_sha is not None else self.from_ref
        return None if old is None or is_zero(old) else old


def is_zero(sha: str) -> bool:
    return bool(sha) and set(sha) == {"0"}


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(char in "0123456789abcdef" for char in text)


def parse_push_input(text: str) -> list[RefUpdate]:
    """Git's pre-push standard input, one RefUpdate a line; a malformed line is an error."""
    updates = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4 or not (_is_sha(fields[1]) and _is_sha(fields[3])):
            raise HotfixGuardError(
                f"cannot read line {number} of the pre-push input, {line!r}: expected {INPUT_FORM!r}, "
                "as git gives a pre-push hook on standard input"
            )
        updates.append(RefUpdate(fields[0], fields[1], fields[2], fields[3]))
    return updates


def update_from_pre_commit() -> RefUpdate | None:
    """The one ref pre-commit's pre-push stage hands its hooks; None outside such a run."""
    local = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if not local:
        return None
    remote = os.environ.get("PRE_COMMIT_REMOTE_BRANCH") or local
    # Without a TO_REF (a push of a whole history, root commit included) the local ref is the commit.
    pushed = os.environ.get("PRE_COMMIT_TO_REF") or local
    return RefUpdate(local, pushed, remote, None, os.environ.get("PRE_COMMIT_FROM_REF") or None)


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


# --- entry points --------------------------------------------------------------


def run_native(args: list[str], config_file: str | None, options: RunOptions) -> int:
    """`hotfix-guard hook pre-push [REMOTE [URL]]` with git's ref lines on standard input.

    Without REMOTE, inside a pre-commit run (a `local` hook calling it), the ref comes
    from pre-commit's environment as for `run_pre_commit`.
    """
    if len(args) > 2:
        raise HotfixGuardError(f"the pre-push hook takes REMOTE and URL, got {len(args)} arguments: {args!r}")
    if not args:
        from_framework = update_from_pre_commit()
        if from_framework is not None:
            return _guard([from_framework], _framework_remote(), config_file, options)
    updates = parse_push_input(sys.stdin.buffer.read().decode("utf-8", "surrogateescape"))
    return _guard(updates, args[0] if args else "", config_file, options)


def run_pre_commit(config_file: str | None, options: RunOptions) -> int:
    """pre-commit's pre-push stage: the one ref it passes in PRE_COMMIT_* variables."""
    update = update_from_pre_commit()
    if update is None:
        raise HotfixGuardError("not in a pre-commit pre-push run: PRE_COMMIT_LOCAL_BRANCH is not set")
    return _guard([update], _framework_remote(), config_file, options)


def _framework_remote() -> str:
    return os.environ.get("PRE_COMMIT_REMOTE_NAME") or os.environ.get("PRE_COMMIT_REMOTE_URL") or ""


def _guard(updates: list[RefUpdate], remote: str, config_file: str | None, options: RunOptions) -> int:
    from hotfix_guard.config import load_config

    config = load_config(_top(), config_file)
    kinds = [(update, kind_of(update.remote_ref, config)) for update in updates]
    guarded = [(update, kind) for update, kind in kinds if kind != OTHER_REF]
    if not guarded:
        return EXIT_OK  # ordinary refs only: no git, no diff, nothing more imported
    push = Push(updates, remote, config, options)
    found = [(update, finding) for update, kind in guarded for finding in push.check(update, kind)]
    shown = [finding for _, finding in found if finding.severity != NOTE]
    if shown:
        _say(_render(shown))
    blocking = [(update, finding) for update, finding in found if finding.severity == ERROR]
    if not blocking:
        return EXIT_OK
    return _override(blocking, remote)


def _top() -> str:
    """The work tree whose config applies, without starting git where it can be helped."""
    from hotfix_guard import gitrepo

    found = gitrepo.find_git_dir(os.getcwd())
    if found is not None:
        return found[0]
    # Git runs a hook at the top of the work tree, saying so with GIT_PREFIX; in a linked
    # worktree it also sets GIT_DIR, which stops find_git_dir.
    if "GIT_PREFIX" in os.environ and "GIT_DIR" in os.environ and "GIT_WORK_TREE" not in os.environ:
        return os.getcwd()
    return gitrepo.repo_info(None).top


# --- the rules -------------------------------------------------------------------


class Push:
    """The whole push, for rules that look beyond their own ref (a tag pushed with main)."""

    def __init__(self, updates: list[RefUpdate], remote: str, config: Config, options: RunOptions):
        self.updates = updates
        self.remote = remote
        self.config = config
        self.options = options

    def check(self, update: RefUpdate, kind: str) -> list[Finding]:
        if kind == RELEASE_TAG:
            return self.release_tag(update)
        if kind == PROTECTED_BRANCH:
            return self.protected_branch(update)
        if update.deletes:
            return []  # deleting a (misnamed) hotfix branch: finish --push does it after the merge
        if kind == NEAR_MISS_BRANCH:
            return self.branch_checks(update, only_name=True)
        return self.branch_checks(update, only_name=False)

    def release_tag(self, update: RefUpdate) -> list[Finding]:
        tag = update.remote_ref[len("refs/tags/") :]
        if update.deletes:
            return [
                _finding(
                    RELEASE_TAG,
                    update,
                    f"deleting release tag {tag} is blocked: a published release stays; "
                    "if it is bad, release a new patch that undoes it: hotfix-guard rollback",
                )
            ]
        pushed = self._object(update.local_sha)
        existing = update.remote_sha if update.remote_sha is not None else self._remote_tag(update.remote_ref)
        if existing is not None and not is_zero(existing) and existing != pushed:
            return [
                _finding(
                    RELEASE_TAG,
                    update,
                    f"release tag {tag} already exists on the remote at {existing[:10]}; moving it to {pushed[:10]} "
                    "is blocked: a published release never moves; make a new release instead (hotfix-guard start)",
                )
            ]
        if not self.config.release_tags_on_main or self._on_main(pushed):
            return []
        main = self.config.main_branch
        return [
            _finding(
                RELEASE_TAG,
                update,
                f"release tag {tag} points at {pushed[:10]}, which is not on {main}: a release is tagged on {main} "
                f"after the merge; delete this tag (git tag -d {tag}) and run hotfix-guard finish "
                f"(it merges into {main}, tags the merge and pushes both)",
            )
        ]

    def protected_branch(self, update: RefUpdate) -> list[Finding]:
        from hotfix_guard import gitrepo

        branch = update.remote_ref[len("refs/heads/") :]
        if update.deletes:
            return [_finding(PROTECTED_BRANCH, update, f"deleting protected branch {branch} is blocked")]
        old = update.old_remote
        if old is None:
            return []  # a new branch
        result = gitrepo.run_git(["merge-base", "--is-ancestor", "--end-of-options", old, update.local_sha])
        if result.returncode == 0:
            return []
        if result.returncode == 1:
            why = f"the remote's {old[:10]} is not an ancestor of {update.local_sha[:10]}, so commits on {branch} would be lost"
        else:
            why = f"this clone does not have the remote's {old[:10]}"
        return [
            _finding(
                PROTECTED_BRANCH,
                update,
                f"not a fast-forward of protected branch {branch}: {why}; "
                f"fetch and merge instead of overwriting it (git pull --no-rebase {self.remote or 'origin'} {branch})",
            )
        ]

    def branch_checks(self, update: RefUpdate, only_name: bool) -> list[Finding]:
        """The hotfix checks on exactly what is pushed (only the name for a near miss)."""
        from hotfix_guard.model import Change
        from hotfix_guard.runner import checks_to_run, run_checks

        branch = update.remote_ref[len("refs/heads/") :]
        enabled = checks_to_run(self.config, self.options)
        if only_name:
            change = Change(branch=branch, base="", base_version=None, head=branch)
            return _on_ref(run_checks(change, self.config, self.options, only=["branch-name"]).findings, update)
        from hotfix_guard.collect import Target, collect_change

        change = collect_change(Target(), update.local_sha, branch, self.config, enabled)
        if "commits" in change.collected and not change.commits:
            # A hotfix branch with no commits yet, as `hotfix-guard start --push` publishes it.
            enabled = [check for check in enabled if check == "branch-name"]
        return _on_ref(run_checks(change, self.config, self.options, only=enabled).findings, update)

    def _object(self, name: str) -> str:
        """NAME as an object id (pre-commit may pass a ref name instead of a sha)."""
        if _is_sha(name):
            return name
        from hotfix_guard import gitrepo

        result = gitrepo.run_git(["rev-parse", "--verify", "-q", "--end-of-options", name])
        return result.text().strip() if result.returncode == 0 else name

    def _remote_tag(self, ref: str) -> str | None:
        """Where the remote has tag REF (pre-commit does not say: ask the remote)."""
        from hotfix_guard import gitrepo

        if not self.remote:
            raise HotfixGuardError(f"cannot tell whether the remote already has {ref}: no remote name was given")
        result = gitrepo.run_git(["ls-remote", "--", self.remote, ref])
        if result.returncode != 0:
            raise HotfixGuardError(f"cannot ask {self.remote!r} whether it has {ref}: {result.error_line()}")
        for line in result.text().splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None

    def _on_main(self, tagged: str) -> bool:
        """Whether the tagged commit is on the main branch: local, remote-tracking, or pushed along."""
        from hotfix_guard import gitrepo
        from hotfix_guard.refnames import is_valid_refname

        main = self.config.main_branch
        refs = [f"refs/heads/{main}"]
        for remote in dict.fromkeys([self.remote, self.config.remote]):
            if remote and is_valid_refname(f"refs/remotes/{remote}/{main}"):
                refs.append(f"refs/remotes/{remote}/{main}")
        refs += [
            update.local_ref
            for update in self.updates
            if update.remote_ref == f"refs/heads/{main}" and update.local_ref.startswith("refs/")
        ]
        result = gitrepo.run_git(
            ["for-each-ref", "--format=%(refname)", f"--contains={tagged}^{{commit}}", "--", *dict.fromkeys(refs)]
        )
        return result.returncode == 0 and bool(result.text().strip())


def _finding(rule: str, update: RefUpdate, message: str) -> Finding:
    return Finding(rule, message, ERROR, update.remote_ref)


def _on_ref(findings: list[Finding], update: RefUpdate) -> list[Finding]:
    """Findings about a pushed ref, each naming it."""
    ref = update.remote_ref
    return [Finding(f.check, f.message, f.severity, f"{ref}: {f.file}" if f.file else ref) for f in findings]


# --- break-glass ------------------------------------------------------------------


def _override(blocking: list[tuple[RefUpdate, Finding]], remote: str) -> int:
    from hotfix_guard.overrides import OVERRIDE_VARIABLE

    reason = os.environ.get(OVERRIDE_VARIABLE)
    if reason is None:
        _say(
            f"hotfix-guard: push blocked ({len(blocking)} problem{'s' if len(blocking) != 1 else ''}); fix it, "
            f'or in an emergency push again with a reason, which is recorded: {OVERRIDE_VARIABLE}="INC-123: why" git push ...\n'
        )
        return EXIT_FAILED
    if not reason.strip():
        _say(
            f"hotfix-guard: push blocked: {OVERRIDE_VARIABLE} is set but empty; an override needs a reason, "
            f'e.g. {OVERRIDE_VARIABLE}="INC-123: payments down, fix cannot wait" git push ...\n'
        )
        return EXIT_FAILED
    try:
        recorded = _record(blocking, remote, " ".join(reason.split()))
    except HotfixGuardError as error:
        _say(f"hotfix-guard: push blocked: the override was not recorded, so it is refused: {error}\n")
        return EXIT_FAILED
    first = recorded[0]
    notes = ", ".join(f"{o.commit[:10]} ({o.ref})" for o in recorded)
    share = f"git push {remote or 'origin'} refs/notes/hotfix-guard"
    _say(
        f"hotfix-guard: OVERRIDE: letting this blocked push through\n"
        f"hotfix-guard:   reason: {first.reason}\n"
        f"hotfix-guard:   who:    {first.who}\n"
        f"hotfix-guard:   when:   {first.when}\n"
        f"hotfix-guard:   recorded as a git note under refs/notes/hotfix-guard on {notes}; share it: {share}\n"
    )
    return EXIT_OK


def _record(blocking: list[tuple[RefUpdate, Finding]], remote: str, reason: str) -> list[Override]:
    """One record per blocked ref, each on the commit that ref pushes."""
    from hotfix_guard.overrides import Override, committer, record_override

    who, when = committer()
    recorded = []
    for update in dict.fromkeys(update for update, _ in blocking):
        blocked = tuple(f"[{f.check}] {f.message}" for u, f in blocking if u == update)
        override = Override(_noted_commit(update), update.remote_ref, reason, who, when, remote, blocked)
        record_override(override)
        recorded.append(override)
    return recorded


def _noted_commit(update: RefUpdate) -> str:
    """The commit a record goes on: the pushed one, or for a deletion the one the ref held."""
    from hotfix_guard import gitrepo

    noted = update.remote_sha if update.deletes else update.local_sha
    for name in [*([noted] if noted and not is_zero(noted) else []), "HEAD"]:
        sha = gitrepo.resolve_commit(name, None)
        if sha is not None:
            return sha
    raise HotfixGuardError("no commit to attach the override note to")


def _render(findings: list[Finding]) -> str:
    from hotfix_guard.report import render_findings

    colour = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    return render_findings(findings, colour)


def _say(text: str) -> None:
    from hotfix_guard.report import write

    write(text, sys.stderr)
