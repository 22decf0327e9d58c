"""The server-side guard: `hotfix-guard hook pre-receive`, `hook update REF OLD NEW`, `hook post-receive`.

It runs in the repository that receives a push (a bare repository on the git server),
where `git push --no-verify` cannot reach. Git gives pre-receive (and post-receive) one
line per pushed ref on standard input, `<old sha> <new sha> <ref>`, and the per-ref update
hook the same three as arguments `REF OLD NEW`. The rules are the push guard's (prepush.py
gathers the facts, pushrules.py decides): a release tag is never deleted or moved and a
new one must be on main; a protected branch is never deleted nor rewritten; a hotfix
branch gets every check that needs no work tree. The focused tests need one and do not
run here: the output says so.

During pre-receive the pushed objects are in git's quarantine, which git names in the
environment it gives the hook (GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY,
GIT_ALTERNATE_OBJECT_DIRECTORIES); every git command started here inherits it, and the
refs still hold what they held before the push. So the rules come from the config
committed on main before the push (a push cannot loosen the rules it is judged by), or
from `--config FILE`. Pre-receive writes no ref.

Break-glass: `git push -o hotfix-guard.override="INC-123: why"` (the server needs
`receive.advertisePushOptions`). Pre-receive lets the blocked push through and leaves the
record in the git directory, one file per ref update, named by a digest of the update
and the reason; post-receive, which git runs after the refs are updated, finds it by the
same digest and records it as a git note under refs/notes/hotfix-guard, in the format of
the client's overrides (overrides.py), so `status` shows it on every clone that fetches
the notes.
"""

from __future__ import annotations

import os
import sys

from hotfix_guard.errors import EXIT_FAILED, EXIT_OK, ConfigError, HotfixGuardError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.model import Finding
    from hotfix_guard.options import RunOptions
    from hotfix_guard.overrides import Override
    from hotfix_guard.prepush import RefUpdate

INPUT_FORM = "<old sha> <new sha> <ref>"
OVERRIDE_OPTION = "hotfix-guard.override"
# Where a push can say who pushed it, most specific first: GitLab, Gitea/Forgejo, a web server's auth.
USER_VARIABLES = ("GL_USERNAME", "GITEA_PUSHER_NAME", "REMOTE_USER")
PENDING_DIR = "pending-overrides"  # under <git dir>/hotfix-guard/
PENDING_MAX_AGE = 24 * 3600  # a record no post-receive took (the push failed later) is dropped after this
FAILED_SUFFIX = ".failed"  # a record post-receive took but could not record: kept, never dropped
# Said when main's config (the server's rules) does not load: how an admin gets a fix onto
# main, since every push, the fix's included, is refused until then.
BROKEN_MAIN_CONFIG = (
    "the server refuses every push until main's config loads; its admin puts the fix on main where no "
    "receive hook runs: git -C {git_dir} fetch <a clone with the fix> <fixed commit>:refs/heads/<main> "
    "(or judges pushes meanwhile by a file: hotfix-guard hook pre-receive --config FILE)"
)
# The update hook sees one ref: a release tag pushed along with main (finish --push, atomically)
# is judged against main as it stood, and so refused. Never accepted unseen; said instead.
UPDATE_HOOK_NOTE = (
    "hotfix-guard: note: this server runs the per-ref update hook, which judges each ref alone: a release tag "
    "pushed together with {main} (as finish --push does) is judged against {main} as it stood before the push; "
    "push {main} first and the tag after it, or have the server's admin install pre-receive, which judges the "
    "push as a whole: hotfix-guard install-hooks --server\n"
)
NO_TESTS_NOTE = (
    "hotfix-guard: note: focused tests do not run on the server (it has no work tree); "
    "they run in the client's pre-push hook and in CI (hotfix-guard validate)\n"
)


def run(name: str, args: list[str], config_file: str | None, options: RunOptions) -> int:
    if name == "post-receive":
        return post_receive(args)
    if name == "update":
        if len(args) != 3:
            raise HotfixGuardError(f"the update hook takes REF OLD NEW, got {len(args)} arguments: {args!r}")
        updates = parse_receive_input(f"{args[1]} {args[2]} {args[0]}\n", "update hook's arguments")
        return guard(updates, config_file, options, per_ref=True)
    if args:
        raise HotfixGuardError(f"the pre-receive hook takes no arguments, got {args!r}")
    return guard(parse_receive_input(_stdin(), "pre-receive input"), config_file, options)


def _stdin() -> str:
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


def parse_receive_input(text: str, what: str = "pre-receive input") -> list[RefUpdate]:
    """Git's `<old> <new> <ref>` lines, as the push guard's RefUpdate: the pushed sha as the
    local side (no ref names it yet), the ref's current sha as the remote's."""
    from hotfix_guard.prepush import RefUpdate, _is_sha
    from hotfix_guard.refnames import is_full_refname

    updates = []
    for number, line in enumerate(text.split("\n"), 1):  # "\n" and " " only: see parse_push_input
        if not line.strip():
            continue
        fields = line.split(" ")
        # A valid ref name, not only refs/...: a hand-fed "\r\n" would leave `refs/heads/main\r`,
        # a ref no rule protects.
        if len(fields) != 3 or not (_is_sha(fields[0]) and _is_sha(fields[1])) or not is_full_refname(fields[2]):
            raise HotfixGuardError(
                f"cannot read line {number} of the {what}, {line!r}: expected {INPUT_FORM!r}, "
                "as git gives a server's pre-receive hook"
            )
        old, new, ref = fields
        updates.append(RefUpdate(new, new, ref, old))
    return updates


# --- pre-receive and update ------------------------------------------------------------


def guard(updates: list[RefUpdate], config_file: str | None, options: RunOptions, per_ref: bool = False) -> int:
    """Judge the push by the rules of main as it stands (or --config); no git for ordinary refs.
    PER_REF: the update hook, which sees one ref of the push (see UPDATE_HOOK_NOTE)."""
    from hotfix_guard import gitrepo
    from hotfix_guard.config import load_config
    from hotfix_guard.prepush import guarded_refs

    git_dir = gitrepo.receiving_git_dir()
    try:
        config = load_config(git_dir, config_file, git_dir, work_tree=False)
    except ConfigError as error:
        if config_file is not None:
            raise
        raise ConfigError(f"{error}; {BROKEN_MAIN_CONFIG.format(git_dir=git_dir)}") from None
    broken = _broken_new_config(updates, config, git_dir)
    if broken:
        _say(f"hotfix-guard: push rejected by the server: {broken}\n")
        return EXIT_FAILED
    guarded = guarded_refs(updates, config)
    if not guarded:
        return EXIT_OK  # ordinary refs only: no git started, nothing more imported
    from hotfix_guard.config import NO_MAIN
    from hotfix_guard.prepush import judge

    if NO_MAIN in str(config.origin["text"]):
        _say(f"hotfix-guard: warning: this repository has {NO_MAIN}; the push is judged by the defaults\n")
    found = judge(updates, guarded, "", config, options, server=True)
    if _tests_left_out(guarded, config, options):
        _say(NO_TESTS_NOTE)
    outcome = _outcome(found, git_dir)
    if per_ref and outcome != EXIT_OK and any(_tag_not_judged_with_main(update, f) for update, f in found):
        _say(UPDATE_HOOK_NOTE.format(main=config.main_branch))
    return outcome


def _tag_not_judged_with_main(update: RefUpdate, finding: Finding) -> bool:
    from hotfix_guard.model import ERROR
    from hotfix_guard.pushrules import RELEASE_TAG

    return finding.check == RELEASE_TAG and finding.severity == ERROR and not update.deletes


def _broken_new_config(updates: list[RefUpdate], config: Config, git_dir: str) -> str:
    """Why the config a push puts on main does not load ("" when it does, or main is not pushed).

    Judged by the old rules, a broken config would land, and then every push after it (the
    fix included) would be refused: so it is refused, and no override lets it through."""
    mains = {f"refs/heads/{config.main_branch}", f"refs/heads/{config.origin['branch'] or config.main_branch}"}
    pushed = [update for update in updates if update.remote_ref in mains and not update.deletes]
    if not pushed:
        return ""
    from hotfix_guard import gitrepo
    from hotfix_guard.config import check_main_files
    from hotfix_guard.mainconfig import FILE_NAMES, MainFiles, _may_hold_settings

    for update in pushed:
        try:
            blobs = gitrepo.blobs_at(update.local_sha, list(FILE_NAMES), git_dir, follow_symlinks=True)
            texts = {name: data for name, data in blobs.items() if _may_hold_settings(name, data)}
            check_main_files(MainFiles(update.remote_ref, update.local_sha, texts))
        except HotfixGuardError as error:
            return (
                f"the config it puts on {update.remote_ref[len('refs/heads/') :]} ({update.local_sha[:10]}) "
                f"does not load: {error}; every push after it would be refused: fix the config and push again "
                "(no override: a broken config is never let through)"
            )
    return ""


def _tests_left_out(guarded: list[tuple[RefUpdate, str]], config: Config, options: RunOptions) -> bool:
    """Whether a hotfix branch with new commits was judged without the focused tests it would get on a client."""
    from hotfix_guard.pushrules import HOTFIX_BRANCH
    from hotfix_guard.validation import enabled_checks

    if not any(kind == HOTFIX_BRANCH and not update.deletes for update, kind in guarded):
        return False
    from hotfix_guard.checks import registry

    return any("tests" in registry()[check].needs for check in enabled_checks(config, options))


def _outcome(found: list[tuple[RefUpdate, Finding]], git_dir: str) -> int:
    """One line per finding (git shows them to the pusher as `remote:` lines); a blocked push
    goes through only with an override push option."""
    from hotfix_guard.model import ERROR, NOTE
    from hotfix_guard.render import render_findings

    shown = [finding for _, finding in found if finding.severity != NOTE]
    if shown:
        _say(render_findings(shown, colour=False))
    blocking = [(update, finding) for update, finding in found if finding.severity == ERROR]
    if not blocking:
        return EXIT_OK
    reason = override_reason()
    count = f"{len(blocking)} problem{'s' if len(blocking) != 1 else ''}"
    if reason is None:
        _say(
            f"hotfix-guard: push rejected by the server ({count}); fix it, or in an emergency push again "
            f'with a reason, which is recorded: git push -o {OVERRIDE_OPTION}="INC-123: why" ...\n'
        )
        return EXIT_FAILED
    if not reason:
        _say(
            f"hotfix-guard: push rejected by the server: the {OVERRIDE_OPTION} push option is empty; an override "
            f'needs a reason, e.g. git push -o {OVERRIDE_OPTION}="INC-123: payments down, fix cannot wait" ...\n'
        )
        return EXIT_FAILED
    try:
        pending = _leave_records(blocking, reason, git_dir)
    except HotfixGuardError as error:
        _say(f"hotfix-guard: push rejected by the server: the override cannot be recorded, so it is refused: {error}\n")
        return EXIT_FAILED
    first = pending[0]
    where = ", ".join(f"{o.commit[:10]} ({o.ref})" for o in pending)
    _say(
        f"hotfix-guard: OVERRIDE: the server lets this blocked push through\n"
        f"hotfix-guard:   reason: {first.reason}\n"
        f"hotfix-guard:   who:    {first.who}\n"
        f"hotfix-guard:   when:   {first.when}\n"
        f"hotfix-guard:   recorded as a git note under refs/notes/hotfix-guard on {where}; "
        f"see it: git fetch origin refs/notes/hotfix-guard:refs/notes/hotfix-guard && hotfix-guard status\n"
    )
    return EXIT_OK


def override_reason() -> str | None:
    """The reason the push option `hotfix-guard.override=REASON` gives, on one line; "" when
    it is given without one, None when it is not given (the last one counts)."""
    try:
        count = int(os.environ.get("GIT_PUSH_OPTION_COUNT", "0"))
    except ValueError:
        return None
    from hotfix_guard.overrides import printable

    reason = None
    for index in range(count):
        option = os.environ.get(f"GIT_PUSH_OPTION_{index}", "")
        name, equals, value = option.partition("=")
        if name == OVERRIDE_OPTION:
            reason = printable(value) if equals else ""
    return reason


def pusher(commit: str) -> str:
    """Who pushed, and how the server knows: its authenticated user where it names one, else
    the committer of the pushed commit (which the pusher chose, and the record says so)."""
    from hotfix_guard.overrides import printable

    for variable in USER_VARIABLES:
        value = printable(os.environ.get(variable, ""))
        if value:
            return f"{value} ({variable}, on the server)"
    from hotfix_guard import gitrepo

    result = gitrepo.run_git(
        ["log", "-1", "--no-walk", "--format=%cn <%ce>", "--end-of-options", f"{commit}^{{commit}}"]
    )
    ident = printable(result.text()) if result.returncode == 0 else ""  # the pusher chose it: no escapes
    if not ident:
        raise HotfixGuardError(
            f"cannot tell who pushed: no {', '.join(USER_VARIABLES)} and no committer of {commit[:10]}"
        )
    return f"{ident} (committer of {commit[:10]}; the server names no authenticated user)"


def _leave_records(blocking: list[tuple[RefUpdate, Finding]], reason: str, git_dir: str) -> list[Override]:
    """One record per blocked ref update, left for post-receive in the git directory (no ref is written)."""
    from datetime import datetime

    from hotfix_guard.overrides import Override, format_note

    _require_post_receive(git_dir)
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    records = []
    for update in dict.fromkeys(update for update, _ in blocking):
        noted = update.remote_sha if update.deletes else update.local_sha
        assert noted is not None
        blocked = tuple(f"[{f.check}] {f.message}" for u, f in blocking if u == update)
        record = Override(_commit_of(noted), update.remote_ref, reason, pusher(noted), when, "", blocked)
        _write_pending(git_dir, _key(update, reason), f"{record.commit}\n{format_note(record)}")
        records.append(record)
    return records


def _commit_of(sha: str) -> str:
    """The commit SHA names (a tag object names one): what the note goes on."""
    from hotfix_guard import gitrepo

    commit = gitrepo.resolve_commit(sha, None)
    if commit is None:
        raise HotfixGuardError(f"{sha[:10]} names no commit to attach the override note to")
    return commit


def _require_post_receive(git_dir: str) -> None:
    """The record is written by post-receive: without that hook it would be lost."""
    from hotfix_guard import gitrepo

    hooks = gitrepo.git_ok(["rev-parse", "--git-path", "hooks"], git_dir).strip()
    path = os.path.join(git_dir, hooks, "post-receive")
    if not os.access(path, os.X_OK):
        raise HotfixGuardError(
            f"the server records overrides in its post-receive hook, and {path} is not installed "
            "(the server's admin: hotfix-guard install-hooks --server)"
        )


def _key(update: RefUpdate, reason: str) -> str:
    """The name of a ref update's record: what post-receive sees of the same push (the same
    line and push option), as a digest, so that no ref name becomes a path."""
    import hashlib

    line = f"{update.remote_sha} {update.local_sha} {update.remote_ref}\n{reason}"
    return hashlib.sha256(line.encode("utf-8", "surrogateescape")).hexdigest()


def pending_dir(git_dir: str) -> str:
    from hotfix_guard import gitrepo

    return os.path.join(gitrepo.common_dir(git_dir), "hotfix-guard", PENDING_DIR)


def _write_pending(git_dir: str, key: str, text: str) -> None:
    directory = pending_dir(git_dir)
    path = os.path.join(directory, key)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(directory, exist_ok=True)
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise HotfixGuardError(f"cannot write {path}: {error.strerror or error}") from None


# --- post-receive -----------------------------------------------------------------------


def post_receive(args: list[str]) -> int:
    """Record the overrides pre-receive let through, now that the refs are updated.

    A push without the override option has nothing to record: no git, no file read."""
    reason = override_reason()
    if not reason:
        return EXIT_OK
    if args:
        raise HotfixGuardError(f"the post-receive hook takes no arguments, got {args!r}")
    from hotfix_guard import gitrepo

    updates = parse_receive_input(_stdin(), "post-receive input")
    git_dir = gitrepo.receiving_git_dir()
    directory = pending_dir(git_dir)
    failed = 0
    for update in updates:
        path = os.path.join(directory, _key(update, reason))
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read()
        except FileNotFoundError:
            continue  # this ref was not blocked
        except OSError as error:
            _say(f"hotfix-guard: error: cannot read the override record {path}: {error.strerror}\n")
            failed += 1
            continue
        try:
            _record(text, git_dir)
        except HotfixGuardError as error:
            kept = _keep_failed(path)
            _say(
                f"hotfix-guard: error: the override of {update.remote_ref} was not recorded ({error}); the record "
                f"is kept in {kept} and never dropped; record it by hand: git -C {git_dir} notes --ref "
                f'refs/notes/hotfix-guard append -m "$(tail -n +2 {kept})" {text.partition(chr(10))[0][:40]}\n'
            )
            failed += 1
            continue
        os.remove(path)
    _drop_stale(directory)
    return EXIT_FAILED if failed else EXIT_OK


def _record(text: str, git_dir: str) -> None:
    """Append the record TEXT (its commit's sha, then the note as overrides.format_note
    writes it) to that commit's note."""
    from hotfix_guard.overrides import parse_note, record_override
    from hotfix_guard.prepush import _is_sha

    commit, _, note = text.partition("\n")
    records = parse_note(commit, note)
    if not _is_sha(commit) or len(records) != 1 or not records[0].ref:
        raise HotfixGuardError("the record does not read as one override")
    record_override(records[0], git_dir, fallback_identity=True)


def _keep_failed(path: str) -> str:
    """Set aside the record at PATH that post-receive could not record: an override that let a
    push through is never forgotten (the stale ones `_drop_stale` removes never did)."""
    kept = path + FAILED_SUFFIX
    try:
        os.replace(path, kept)
    except OSError:
        return path
    return kept


def _drop_stale(directory: str) -> None:
    """Remove records no post-receive took (their push failed after pre-receive); never one
    post-receive took and could not record (FAILED_SUFFIX)."""
    import time

    try:
        names = os.listdir(directory)
    except OSError:
        return
    limit = time.time() - PENDING_MAX_AGE
    for name in names:
        if name.endswith(FAILED_SUFFIX):
            continue
        path = os.path.join(directory, name)
        try:
            if os.stat(path).st_mtime < limit:
                os.remove(path)
        except OSError:
            pass


def _say(text: str) -> None:
    from hotfix_guard.render import write

    write(text, sys.stderr)
