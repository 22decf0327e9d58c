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
- a release tag, or main's new commit, that is finish's merge of a hotfix: the approvals
  check on that hotfix (approvals.released_change);
- anything else passes without starting git.

A run has three steps: `Gatherer` asks git for the facts of every guarded ref (each
question once, and only where the answer can matter), the push rules of `pushrules.py`
and the checks decide over those facts without starting git, and the findings are shown.

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
    from hotfix_guard.gitrepo import GitResult
    from hotfix_guard.options import RunOptions
    from hotfix_guard.overrides import Override
    from hotfix_guard.pushrules import RefFacts
    from hotfix_guard.validation import Validation

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
    # Split at "\n" and " " only, as git writes them: a ref name can hold U+2028 or U+0085,
    # where str.splitlines breaks a line, and U+00A0, where str.split breaks a field.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        # From the right: the local side is what the user wrote (`HEAD^{/fix login}` holds a
        # space), the other three never do.
        fields = line.rsplit(" ", 3)
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
    """Gather the facts of the push (git), evaluate the rules and checks over them (pure), render."""
    from hotfix_guard.config import load_config

    top, git_dir = _location()
    config = load_config(top, config_file, git_dir)
    guarded = guarded_refs(updates, config)
    if not guarded:
        return EXIT_OK  # ordinary refs only: no git, no diff, nothing more imported
    return _outcome(judge(updates, guarded, remote, config, options), remote)


def guarded_refs(updates: list[RefUpdate], config: Config) -> list[tuple[RefUpdate, str]]:
    """The updates a rule or the checks apply to, each with its kind; plain string work, no git."""
    from hotfix_guard.pushrules import OTHER_REF, kind_of

    kinds = [(update, kind_of(update.remote_ref, config)) for update in updates]
    return [(update, kind) for update, kind in kinds if kind != OTHER_REF]


def judge(
    updates: list[RefUpdate],
    guarded: list[tuple[RefUpdate, str]],
    remote: str,
    config: Config,
    options: RunOptions,
    *,
    server: bool = False,
) -> list[tuple[RefUpdate, Finding]]:
    """Gather the facts of the GUARDED refs of a push (git), and evaluate the rules and checks over them (pure).

    On the SERVER (prereceive.py) the refs still hold what they held before the push, and
    there is no work tree: the checks that need one (the focused tests) are left out."""
    from hotfix_guard.pushrules import RELEASE_TAG

    enabled = _enabled_checks(guarded, config, options, server)
    tags = sum(kind == RELEASE_TAG for _, kind in guarded)
    gather = Gatherer(updates, remote, config, enabled, tags=tags, server=server)
    facts = [(update, gather.facts(update, kind)) for update, kind in guarded]
    return [
        (update, finding)
        for update, ref in facts
        for finding in _evaluate(ref, config, options, enabled, gather.validations.get(ref.ref))
    ] + _release_approvals(guarded, config, options, server)


def _release_approvals(
    guarded: list[tuple[RefUpdate, str]], config: Config, options: RunOptions, server: bool
) -> list[tuple[RefUpdate, Finding]]:
    """The approvals check on the hotfix a release tag or main's new commit releases
    (approvals.released_change), once per released commit."""
    from hotfix_guard.pushrules import PROTECTED_BRANCH, RELEASE_TAG

    main = f"refs/heads/{config.main_branch}"
    wanted = [
        (update, kind)
        for update, kind in guarded
        if not update.deletes and (kind == RELEASE_TAG or (kind == PROTECTED_BRANCH and update.remote_ref == main))
    ]
    if not wanted:
        return []
    from hotfix_guard.approvals import may_block_a_release, released_change
    from hotfix_guard.validation import Validation, enabled_checks

    if "approvals" not in enabled_checks(config, options) or not may_block_a_release(config, server):
        return []

    found: list[tuple[RefUpdate, Finding]] = []
    released: set[str] = set()
    for update, kind in wanted:
        change = released_change(update.local_sha, kind == RELEASE_TAG, config, server)
        if change is None or change.head in released:
            continue
        released.add(change.head)
        findings = Validation(change, config).run(options, only=["approvals"]).findings
        found += [(update, Finding(f.check, f.message, f.severity, update.remote_ref, f.commit)) for f in findings]
    return found


def _location() -> tuple[str, str]:
    """The work tree whose config applies and its git directory, without starting git where
    it can be helped (found once, for the config and main's config both)."""
    from hotfix_guard import gitrepo

    found = gitrepo.find_git_dir(os.getcwd())
    if found is not None:
        return found
    # Git runs a hook at the top of the work tree, saying so with GIT_PREFIX; in a linked
    # worktree it also sets GIT_DIR, which stops find_git_dir.
    if "GIT_PREFIX" in os.environ and "GIT_DIR" in os.environ and "GIT_WORK_TREE" not in os.environ:
        return os.getcwd(), os.path.abspath(os.environ["GIT_DIR"])
    where = gitrepo.locate(None)
    return where.top, where.git_dir


# --- the facts ---------------------------------------------------------------------


# Above this many release tags in one push, whether each is on main is answered for all at
# once (one walk of main's history) instead of one git process per tag.
TAG_BATCH = 16


class Gatherer:
    """Asks git what the push rules and the checks need to know about a push, each question once."""

    def __init__(
        self,
        updates: list[RefUpdate],
        remote: str,
        config: Config,
        enabled: list[str],
        tags: int = 0,
        server: bool = False,
    ):
        self.updates = updates  # the whole push: a tag may be on a main pushed along with it
        self.server = server  # receiving the push: the refs are updated only after the guard
        self.remote = remote
        self.config = config
        self.enabled = enabled
        self.batch = tags > TAG_BATCH
        self._answers: dict[tuple[str, ...], GitResult] = {}
        self._on_main_commits: frozenset[str] | None = None
        self._peeled: dict[str, str] | None = None
        self.validations: dict[str, Validation] = {}  # pushed hotfix branch -> its change, ready to judge

    def facts(self, update: RefUpdate, kind: str) -> RefFacts:
        from hotfix_guard.pushrules import PROTECTED_BRANCH, RELEASE_TAG, RefFacts

        if update.deletes:
            return RefFacts(update.remote_ref, kind, update.local_sha, deletes=True, remote=self.remote)
        if kind == RELEASE_TAG:
            return self._release_tag(update)
        if kind == PROTECTED_BRANCH:
            return self._protected_branch(update)
        return self._hotfix_branch(update, kind)

    def _release_tag(self, update: RefUpdate) -> RefFacts:
        from hotfix_guard.pushrules import RELEASE_TAG, RefFacts

        pushed = self._object(update.local_sha)
        old = update.remote_sha if update.remote_sha is not None else self._remote_tag(update.remote_ref)
        old = None if old is None or is_zero(old) else old
        # A tag that would move is blocked whatever its commit: main is asked about only otherwise.
        on_main = self._on_main(pushed) if self.config.release_tags_on_main and old in (None, pushed) else None
        unsigned, tagged = (
            self._unsigned(pushed, update.remote_ref) if self.config.require_signed_tags else (None, None)
        )
        return RefFacts(
            update.remote_ref,
            RELEASE_TAG,
            pushed,
            old=old,
            remote=self.remote,
            on_main=on_main,
            unsigned=unsigned,
            tagged=tagged,
        )

    def _unsigned(self, pushed: str, ref: str) -> tuple[str, str | None]:
        """Why the tag object PUSHED is not a signed annotated tag git verifies for REF ("" when
        it is), and the commit it names (None when not a tag object naming a commit)."""
        kind = self._git("cat-file", "-t", pushed).text().strip()
        if kind != "tag":
            return f"it is a lightweight tag (a {kind or 'missing object'}), not a signed annotated tag", None
        header = self._git("cat-file", "tag", pushed).text().partition("\n\n")[0]
        # "\n" only: a tag name may hold U+2028 or U+0085, where splitlines would cut `tag v1.2.4<U+2028>rc`
        # down to `tag v1.2.4`, and a tag signed as another name would pass for v1.2.4.
        headers = dict(line.partition(" ")[::2] for line in header.split("\n"))
        tagged = headers.get("object") if headers.get("type") == "commit" else None
        name = ref[len("refs/tags/") :]
        if headers.get("tag") != name:
            # A signature vouches for the name it was made with: v1.2.4's is no v1.3.0's.
            return (
                f"it is tag {headers.get('tag', '?')!r} pushed under the name {name!r}, and was signed as that",
                tagged,
            )
        verified = self._git("verify-tag", "--end-of-options", pushed)
        return (
            "" if verified.returncode == 0 else f"git verify-tag does not accept it ({verified.error_line()})",
            tagged,
        )

    def _protected_branch(self, update: RefUpdate) -> RefFacts:
        from hotfix_guard.pushrules import PROTECTED_BRANCH, RefFacts

        old = update.old_remote
        if old is None:
            return RefFacts(update.remote_ref, PROTECTED_BRANCH, update.local_sha, remote=self.remote)
        answer = self._git("merge-base", "--is-ancestor", "--end-of-options", old, update.local_sha).returncode
        return RefFacts(
            update.remote_ref,
            PROTECTED_BRANCH,
            update.local_sha,
            old=old,
            remote=self.remote,
            old_known=answer in (0, 1),  # any other exit: git does not have the remote's commit
            fast_forward=answer == 0,
        )

    def _hotfix_branch(self, update: RefUpdate, kind: str) -> RefFacts:
        """The change the checks run on: exactly the pushed commit against its base (only the name for a near miss)."""
        from hotfix_guard.model import Change
        from hotfix_guard.pushrules import NEAR_MISS_BRANCH, RefFacts

        branch = update.remote_ref[len("refs/heads/") :]
        if kind == NEAR_MISS_BRANCH:
            change = Change(branch=branch, base="", base_version=None, head=branch)
        else:
            from hotfix_guard.collect import Target
            from hotfix_guard.validation import prepare

            validation = prepare(Target(), update.local_sha, branch, self.config, self.enabled)
            self.validations[update.remote_ref] = validation
            change = validation.change
        return RefFacts(update.remote_ref, kind, update.local_sha, remote=self.remote, change=change)

    def _git(self, *args: str) -> GitResult:
        if args not in self._answers:
            from hotfix_guard import gitrepo

            self._answers[args] = gitrepo.run_git(list(args))
        return self._answers[args]

    def _object(self, name: str) -> str:
        """NAME as an object id (pre-commit may pass a ref name instead of a sha)."""
        if _is_sha(name):
            return name
        result = self._git("rev-parse", "--verify", "-q", "--end-of-options", name)
        return result.text().strip() if result.returncode == 0 else name

    def _remote_tag(self, ref: str) -> str | None:
        """Where the remote has tag REF (pre-commit does not say: ask the remote)."""
        if not self.remote:
            raise HotfixGuardError(f"cannot tell whether the remote already has {ref}: no remote name was given")
        result = self._git("ls-remote", "--", self.remote, ref)
        if result.returncode != 0:
            raise HotfixGuardError(f"cannot ask {self.remote!r} whether it has {ref}: {result.error_line()}")
        for line in result.text().splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None

    def _main_refs(self) -> list[str]:
        """The refs that stand for main: local, remote-tracking, and what the push sends to it.
        On the server only its own branch: any pusher can write a server's refs/remotes/*."""
        from hotfix_guard.refnames import is_valid_refname

        main = self.config.main_branch
        refs = [f"refs/heads/{main}"]
        for remote in dict.fromkeys([self.remote, self.config.remote]) if not self.server else ():
            if remote and is_valid_refname(f"refs/remotes/{remote}/{main}"):
                refs.append(f"refs/remotes/{remote}/{main}")
        refs += [
            update.local_ref
            for update in self.updates
            if update.remote_ref == f"refs/heads/{main}" and update.local_ref.startswith("refs/") and not self.server
        ]
        return list(dict.fromkeys(refs))

    def _pushed_to_main(self) -> list[str]:
        """On the server, the commit this push sends to main: no ref names it until the push is accepted."""
        if not self.server:
            return []  # a client pushes from a ref, which _main_refs names
        main = f"refs/heads/{self.config.main_branch}"
        return [update.local_sha for update in self.updates if update.remote_ref == main and not update.deletes]

    def _on_main(self, tagged: str) -> bool:
        """Whether the tagged commit is on the main branch: local, remote-tracking, or pushed along."""
        if self.batch:
            commit = self._peel(tagged)
            if commit is not None:
                return commit in self._main_history()
        result = self._git(
            "for-each-ref", "--format=%(refname)", f"--contains={tagged}^{{commit}}", "--", *self._main_refs()
        )
        if result.returncode == 0 and result.text().strip():
            return True
        return any(
            self._git("merge-base", "--is-ancestor", "--end-of-options", f"{tagged}^{{commit}}", pushed).returncode == 0
            for pushed in self._pushed_to_main()
        )

    def _peel(self, tagged: str) -> str | None:
        """The commit a pushed tag object or commit names, from one listing of the local tags;
        None when the listing does not say (then the tag is asked about on its own)."""
        if self._peeled is None:
            listing = self._git(
                "for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype)", "refs/tags/"
            )
            self._peeled = {}
            for line in listing.text().splitlines() if listing.returncode == 0 else ():
                fields = line.split()
                if len(fields) == 2 and fields[1] == "commit":
                    self._peeled[fields[0]] = fields[0]
                elif len(fields) == 4 and fields[3] == "commit":
                    self._peeled[fields[0]] = fields[2]
        return self._peeled.get(tagged)

    def _main_history(self) -> frozenset[str]:
        """Every commit on main (its refs as in `_main_refs`), from one walk of its history."""
        if self._on_main_commits is None:
            tips = self._git("for-each-ref", "--format=%(objectname)", "--", *self._main_refs())
            commits = [*(tips.text().split() if tips.returncode == 0 else []), *self._pushed_to_main()]
            walked = self._git("rev-list", *commits, "--") if commits else None
            if walked is not None and walked.returncode != 0:
                raise HotfixGuardError(f"cannot list the history of {self.config.main_branch}: {walked.error_line()}")
            self._on_main_commits = frozenset(walked.text().split()) if walked is not None else frozenset()
        return self._on_main_commits


def _enabled_checks(
    guarded: list[tuple[RefUpdate, str]], config: Config, options: RunOptions, server: bool = False
) -> list[str]:
    """The enabled checks where a hotfix branch (or a near miss) is pushed; else the registry stays unimported.
    On the SERVER, only those that need no work tree (not the focused tests)."""
    from hotfix_guard.pushrules import HOTFIX_BRANCH, NEAR_MISS_BRANCH

    if all(update.deletes or kind not in (HOTFIX_BRANCH, NEAR_MISS_BRANCH) for update, kind in guarded):
        return []
    from hotfix_guard.checks import registry
    from hotfix_guard.validation import enabled_checks

    # Approvals are given after the push, by reviewers who need the branch: not a push's
    # business; and a server runs no tests.
    unwanted = {"approvals", "tests"} if server else {"approvals"}
    return [check for check in enabled_checks(config, options) if not unwanted & set(registry()[check].needs)]


# --- the rules and the checks, over the facts -------------------------------------------


def _evaluate(
    ref: RefFacts, config: Config, options: RunOptions, enabled: list[str], validation: Validation | None
) -> list[Finding]:
    """What the push rule for REF finds, or for a hotfix branch its checks (no git, except
    the focused tests, which run last and only when the other checks passed)."""
    from hotfix_guard import pushrules

    rule = pushrules.RULES.get(ref.kind)
    if rule is not None:
        return rule(ref, config)
    wanted = pushrules.checks_for(ref, enabled)
    if not wanted or ref.change is None:
        return []
    from hotfix_guard.validation import Validation

    if validation is None:
        validation = Validation(ref.change, config)
    return pushrules.on_ref(validation.run(options, only=wanted).findings, ref)


# --- rendering -------------------------------------------------------------------------


def _outcome(found: list[tuple[RefUpdate, Finding]], remote: str) -> int:
    """Show the findings; a blocked push goes through only with a recorded override."""
    shown = [finding for _, finding in found if finding.severity != NOTE]
    if shown:
        _say(_render(shown))
    blocking = [(update, finding) for update, finding in found if finding.severity == ERROR]
    if not blocking:
        return EXIT_OK
    return _override(blocking, remote)


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
    from hotfix_guard.render import render_findings

    colour = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    return render_findings(findings, colour)


def _say(text: str) -> None:
    from hotfix_guard.render import write

    write(text, sys.stderr)
