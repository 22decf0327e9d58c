"""Approvals of a hotfix: recorded as git notes, judged by the procedure's rules per severity.

`hotfix-guard approve` records an approval of exactly the hotfix's head commit as a note on
that commit under its own notes ref, `refs/notes/hotfix-guard-approvals`, so history is
never rewritten and every clone that fetches the ref sees (and can check) the same records.
The format is the override notes' (overrides.py): one note can hold several records, each
a block of `key: value` lines under the line `hotfix-guard approval`:

    hotfix-guard approval
    ref: refs/heads/hotfix/v1.2.4
    role: peer
    who: Jane Doe <jane@example.com>
    when: 2026-01-02T03:04:05+00:00
    comment: read the diff, ran the focused tests
    key: SHA256:BpxfGUrv8DhxbikqcQ8fo3dfaMJpfYTVIlbld3uuQeE
    signature: <base64 of a signed commit object whose message is the lines above>

An approval is signed when the approver's git has a signing key (`user.signingKey`): git signs
a commit object of the empty tree whose message is the record (`git commit-tree -S`), and the
note keeps that object and the key's fingerprint (an ssh key's `SHA256:...`, an OpenPGP key's
id as git's config names it), never a file path. Any clone checks it (`verify`): a note that
carries a signature counts only when git finds it good and its signer is the person in
`who:` (for ssh, the principal gpg.ssh.allowedSignersFile names for the key); an unsigned
note counts as an unsigned approval.

The rules (the `approvals` check, checks/approvals.py) per severity, defaults from the
procedure: critical may be released by the release manager alone, peer review after the
release; high needs one approval by someone who is not an author of the hotfix's commits
(and a `security` approval for a security fix); medium needs two. An approval of an older
head is stale and does not count; nor does an author's own. The same person is known by
their email or their name (either, in any case); the authors are the authors and committers
of the hotfix's commits that are not merges, and the people their Co-authored-by trailers name.
"""

from __future__ import annotations

import re

from hotfix_guard import gitrepo
from hotfix_guard.errors import GitError
from hotfix_guard.model import Approval, ApprovalFacts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from hotfix_guard.config import Config
    from hotfix_guard.model import Change, Commit
    from hotfix_guard.repository import Repo

NOTES_REF = "refs/notes/hotfix-guard-approvals"
CHECK_ID = "approvals"  # the check's id (checks/approvals.py), as override records name what they passed
HEADER = "hotfix-guard approval"
ROLES = ("peer", "lead", "security")
CRITICAL, HIGH, MEDIUM = "critical", "high", "medium"
FETCH_HINT = f"git fetch origin {NOTES_REF}:{NOTES_REF}"
SHARE_HINT = f"git push origin {NOTES_REF}"


# --- the notes -------------------------------------------------------------------------


def parse_note(commit: str, note: str) -> list[Approval]:
    """The approval records in one note's text (other paragraphs are ignored); a key given
    twice in a record counts by its first value."""
    from hotfix_guard.overrides import note_records

    return [
        _record(commit, {key: values[0] for key, values in fields.items()}) for fields in note_records(note, HEADER)
    ]


def _record(commit: str, fields: dict[str, str]) -> Approval:
    get = fields.get
    return Approval(
        commit,
        get("ref", ""),
        get("role", ""),
        get("who", ""),
        get("when", ""),
        get("comment", ""),
        get("key", ""),
        get("signature", ""),
    )


def format_note(approval: Approval) -> str:
    lines = [
        HEADER,
        f"ref: {approval.ref}",
        f"role: {approval.role}",
        f"who: {approval.who}",
        f"when: {approval.when}",
    ]
    if approval.comment:
        lines.append(f"comment: {_one_line(approval.comment)}")
    if approval.key:
        lines.append(f"key: {_one_line(approval.key)}")
    return "\n".join(lines) + "\n"


def signed_note(approval: Approval, repo: str | None) -> str:
    """APPROVAL's note, with the signed object of its record (signed with git's signing key)."""
    import base64

    text = format_note(approval)
    signed = gitrepo.signed_commit_object(text, repo)
    return text + f"signature: {base64.b64encode(signed).decode('ascii')}\n"


def verify(approval: Approval, repo: str | None) -> str:
    """`good`, `unsigned`, or `bad: why` the signature does not hold: git's words, that it signs
    other words, or that its signer is not the person the note names. Two git commands, and
    none for an unsigned note."""
    import base64
    import binascii

    from hotfix_guard.gitrepo import SIGNATURE_WORDS

    if not approval.signature:
        return "unsigned"
    try:
        raw = base64.b64decode(approval.signature, validate=True)
    except (binascii.Error, ValueError):
        return "bad: the signature is not base64"
    message = raw.partition(b"\n\n")[2].decode("utf-8", "replace")
    if message.strip() != format_note(approval).strip():
        return "bad: the signature is of other words than the approval's"
    letter, signer, fingerprint, words = gitrepo.commit_object_signature(raw, repo)
    if letter != "G":
        said = SIGNATURE_WORDS.get(letter, f"git says {letter!r}")
        return f"bad: {said}{f' ({words})' if words else ''}"
    if not same_person(approval.who, signer):
        return f"bad: signed by {signer or 'no one git names'}, not by {approval.who}"
    if approval.key.startswith("SHA256:") and fingerprint and fingerprint != approval.key:
        return f"bad: signed with the key {fingerprint}, not the key the note names ({approval.key})"
    return "good"


def checked(approval: Approval, repo: str | None) -> Approval:
    """APPROVAL with its signature's verdict (`verify`); an unsigned note is returned as it is."""
    if not approval.signature:
        return approval
    a = approval
    return Approval(a.commit, a.ref, a.role, a.who, a.when, a.comment, a.key, a.signature, verify(a, repo))


def key_fingerprint(form: str, key: str) -> str:
    """What an approval records of the signing key git's config names (user.signingKey): for
    ssh the key's fingerprint (`SHA256:...`, as ssh-keygen -l prints it) from the public key
    file or the literal key; for OpenPGP the key id as configured. Never a file path."""
    import base64
    import binascii
    import hashlib
    import os

    if form != "ssh":
        return key
    text = key.removeprefix("key::")
    if not text.startswith(("ssh-", "ecdsa-", "sk-")):
        try:
            with open(os.path.expanduser(text), encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise GitError(f"cannot read the ssh public key user.signingKey names ({error}); check the key") from None
    fields = text.split()
    try:
        blob = base64.b64decode(fields[1], validate=True) if len(fields) > 1 else b""
    except (binascii.Error, ValueError):
        blob = b""
    if not blob:
        raise GitError("user.signingKey does not name an ssh public key (ssh-ed25519 AAAA...); check the key")
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def record_approval(approval: Approval, repo: str | None = None) -> None:
    """Append APPROVAL as a note on its commit under NOTES_REF (signed when it names a key);
    history is untouched."""
    note = signed_note(approval, repo) if approval.key else format_note(approval)
    result = gitrepo.run_git(["notes", "--ref", NOTES_REF, "append", "-m", note, "--", approval.commit], repo)
    if result.returncode != 0:
        raise GitError(f"cannot record the approval as a git note: {result.error_line()}")


def approvals_on(commits: frozenset[str], repo: str | None = None) -> tuple[Approval, ...]:
    """Every approval recorded on COMMITS, oldest first (by their time), each signed one with
    the verdict on its signature (git checks only those)."""
    found = [
        checked(approval, repo)
        for commit, note in gitrepo.notes(NOTES_REF, repo, commits).items()
        for approval in parse_note(commit, note)
    ]
    return tuple(sorted(found, key=lambda approval: approval.when))


def gather(
    repo: str | None,
    base_rev: str,
    head: str,
    branch: str | None,
    config: Config,
    start: dict[str, object] | None,
    known: tuple[tuple[Commit, ...], frozenset[str]] | None = None,
) -> ApprovalFacts:
    """The facts the approvals check judges, for the hotfix BASE_REV..HEAD (HEAD: a sha).
    START is the hotfix's start record (None without one). KNOWN, when the caller has them
    already, is (the commits of BASE_REV..HEAD with their authors, the notes refs that
    exist): then the notes are read only from refs that exist, and the common case (no
    approval or override recorded anywhere yet) costs no git command at all."""
    from hotfix_guard.overrides import NOTES_REF as OVERRIDES_REF
    from hotfix_guard.overrides import parse_note as parse_override

    if known is None:
        changed, refs = gitrepo.commits_between(base_rev, head, repo), frozenset((NOTES_REF, OVERRIDES_REF))
    else:
        changed, refs = known
    commits = {commit.sha for commit in changed} | {head}
    severity = start.get("severity") if start is not None else None
    command = start.get("command") if start is not None else None
    security = bool(branch and branch.startswith(f"{config.branch_prefix}security-")) or (
        isinstance(command, str) and " --security" in f" {command}"
    )
    overrides: tuple[str, ...] = ()
    if OVERRIDES_REF in refs:
        # Only an override of missing approvals passes them, not one of another rule on the same commit.
        overrides = tuple(
            f"{override.who}: {override.reason}"
            for note in gitrepo.notes(OVERRIDES_REF, repo, frozenset({head})).values()
            for override in parse_override(head, note)
            if any(blocked.startswith(f"[{CHECK_ID}]") for blocked in override.blocked)
        )
    return ApprovalFacts(
        head=head,
        severity=severity if isinstance(severity, str) and severity else None,
        security=security,
        authors=authors_of(changed),
        approvals=approvals_on(frozenset(commits), repo) if NOTES_REF in refs else (),
        overrides=overrides,
    )


# --- the rules (pure) ------------------------------------------------------------------


def person(who: str) -> tuple[str, str]:
    """(name, email) of an identity, `Name <email>`, each folded to lower case with its spaces
    evened out; a bare `x@example.com` is an email, other text a name ("" where not given)."""
    start, end = who.rfind("<"), who.rfind(">")
    if 0 <= start < end:
        return " ".join(who[:start].split()).casefold(), who[start + 1 : end].strip().casefold()
    text = " ".join(who.split()).casefold()
    return ("", text) if "@" in text else (text, "")


def same_person(first: str, second: str) -> bool:
    """Whether two identities are one person: the same email, or the same name."""
    first_name, first_email = person(first)
    second_name, second_email = person(second)
    return bool(first_email and first_email == second_email) or bool(first_name and first_name == second_name)


def is_author(who: str, authors: Iterable[str]) -> bool:
    return any(same_person(who, author) for author in authors)


CO_AUTHOR = re.compile(r"^[ \t]*co-authored-by:[ \t]*(\S.*?)[ \t]*$", re.IGNORECASE | re.MULTILINE)


def authors_of(commits: Iterable[Commit]) -> tuple[str, ...]:
    """Everyone who wrote the hotfix: the authors and committers of its commits that are not
    merges, and the people their Co-authored-by trailers name, each once."""
    people = [
        who
        for commit in commits
        if not commit.is_merge
        for who in (commit.author, commit.committer, *CO_AUTHOR.findall(commit.message))
        if who.strip()
    ]
    return tuple(dict.fromkeys(people))


def signature_holds(approval: Approval) -> bool:
    """Whether the approval may count as far as its signature goes: unsigned, or signed and verified good."""
    return not approval.signature or approval.verdict == "good"


class Judgement:
    """The approvals of a hotfix sorted out: those that count (of the head, by someone who is
    not an author, with a signature that holds when it has one, one per person), the stale
    ones (of an older head), the authors' own, and those whose signature does not hold."""

    __slots__ = ("counted", "stale", "own", "forged")

    def __init__(self, facts: ApprovalFacts):
        self.counted: list[Approval] = []
        self.stale: list[Approval] = []
        self.own: list[Approval] = []
        self.forged: list[Approval] = []
        for approval in facts.approvals:
            if approval.commit != facts.head:
                self.stale.append(approval)
            elif is_author(approval.who, facts.authors):
                self.own.append(approval)
            elif not signature_holds(approval):
                self.forged.append(approval)
            elif not is_author(approval.who, (seen.who for seen in self.counted)):
                self.counted.append(approval)

    def has_role(self, role: str) -> bool:
        return any(approval.role == role for approval in self.counted)

    def status(self, approval: Approval) -> str:
        """How APPROVAL was judged: counts, stale, own, bad signature, or again (its giver's
        approval already counts: one per person)."""
        for status, approvals in (
            ("counts", self.counted),
            ("stale", self.stale),
            ("own", self.own),
            ("bad signature", self.forged),
        ):
            if approval in approvals:
                return status
        return "again"


class Rule:
    """What a severity asks before release: how many approvals by others, and whether one
    of them must be a `security` approval."""

    __slots__ = ("severity", "count", "security")

    def __init__(self, severity: str, count: int, security: bool):
        self.severity = severity
        self.count = count
        self.security = security


def rule_for(severity: str, security_fix: bool, config: Config) -> Rule:
    count = config.option("approvals", severity)
    assert isinstance(count, int)
    wants_security = severity != CRITICAL and security_fix and bool(config.option("approvals", "security-approval"))
    return Rule(severity, count, wants_security)


def severity_of(facts: ApprovalFacts, config: Config) -> tuple[str | None, str]:
    """(the severity the rules follow, where it came from): the start record's, else
    `[approvals] default-severity`, else (None, "")."""
    from hotfix_guard.severity import LEVELS

    if facts.severity in LEVELS:
        return facts.severity, "recorded by start --severity"
    default = str(config.option("approvals", "default-severity"))
    if default:
        return default, "[approvals] default-severity"
    return None, ""


def missing(rule: Rule, judgement: Judgement) -> list[str]:
    """What the rule still asks for, in words; empty when it is met."""
    wanted = []
    short = rule.count - len(judgement.counted)
    if short > 0:
        wanted.append(f"{short} more approval{'s' * (short != 1)} by someone who is not an author")
    if rule.security and not judgement.has_role("security"):
        wanted.append("a security approval (--role security) by someone who is not an author")
    return wanted


def peer_review_pending(facts: ApprovalFacts) -> bool:
    """Whether no one but an author has approved the head yet (a critical hotfix's review after release)."""
    return not Judgement(facts).counted


def describe(approval: Approval, head: str, authors: tuple[str, ...]) -> str:
    """One line on an approval: who, role, of which commit, when, and whether it counts."""
    if approval.commit != head:
        status = f"stale: approves {approval.commit[:10]}, an older head; not counted"
    elif is_author(approval.who, authors):
        status = "an author's own approval; not counted"
    elif not signature_holds(approval):
        status = f"signature {approval.verdict or 'not checked'}; not counted"
    else:
        status = "counts"
    signed = f", signed with {approval.key or 'a key'}" if approval.signature else ""
    comment = f": {approval.comment}" if approval.comment else ""
    return f"{approval.who} ({approval.role or 'peer'}{signed}) {approval.when} [{status}]{comment}"


# --- approve ---------------------------------------------------------------------------


def give(repo: Repo, config: Config, name: str | None, role: str, comment: str) -> int:
    """`approve`: record the committer's approval of the head of the hotfix NAME names."""
    from hotfix_guard.errors import EXIT_OK, RepoError
    from hotfix_guard.flow.common import say
    from hotfix_guard.incident import FINISHED, locate
    from hotfix_guard.overrides import committer

    incident = locate(repo, config, name)
    who, when = committer(repo.top)
    base = incident.start.get("base_tag")
    base_rev = f"refs/tags/{base}" if isinstance(base, str) and repo.sha(f"refs/tags/{base}") else None
    if base_rev is None:
        base_rev = _nearest_release(repo, config, incident.head)
    authors = authors_of(gitrepo.commits_between(base_rev, incident.head, repo.top))
    if is_author(who, authors):
        raise RepoError(
            f"you ({who}) are an author of {incident.branch}'s commits, and an author's approval never counts; "
            f"ask someone who is not: hotfix-guard approve {incident.branch}"
        )
    ref = (
        f"refs/tags/{incident.tag}" if incident.state == FINISHED and incident.tag else f"refs/heads/{incident.branch}"
    )
    already = [
        approval
        for approval in approvals_on(frozenset({incident.head}), repo.top)
        if same_person(approval.who, who) and approval.role == role and signature_holds(approval)
    ]
    if already:
        say(f"{who} already approved {incident.branch} at {incident.head[:10]} as {role} ({already[0].when})")
        return EXIT_OK
    form, configured, _tag_sign = gitrepo.signing_setup(repo.top)
    key = key_fingerprint(form, configured) if configured else ""
    record_approval(Approval(incident.head, ref, role, who, when, _one_line(comment), key), repo.top)
    signed = f", signed with {key}" if key else ""
    say(
        f"Recorded: {who} approves {incident.branch} at {incident.head[:10]} as {role}{signed} (a note under {NOTES_REF})"
    )
    say(f"Share it: {SHARE_HINT}")
    return EXIT_OK


def _nearest_release(repo: Repo, config: Config, head: str) -> str:
    """The release tag the hotfix HEAD was cut from (its nearest), as a revision."""
    from hotfix_guard.collect import Target, resolve_base

    return resolve_base(Target(repo.top, head), head, config)[1]


# --- the push guard --------------------------------------------------------------------

MERGED_BRANCH = re.compile(r"^Merge (\S+)")  # finish's merge: "Merge hotfix/v1.2.4 - <first fix>"


def may_block_a_release(config: Config, server: bool) -> bool:
    """Whether the approvals of a release can block it: a severity is known, from
    `[approvals] default-severity` or (in a clone, not on a server) a start record. Else the
    check can only note, so the push guard asks git nothing for it. No git: files only."""
    import os

    if config.option("approvals", "default-severity"):
        return True
    found = None if server else gitrepo.find_git_dir(os.getcwd())
    if found is None:
        return False
    starts = os.path.join(gitrepo.common_dir(found[1]), "hotfix-guard", "starts")
    return os.path.isdir(starts) and any(name.endswith(".json") for name in os.listdir(starts))


def released_change(pushed: str, is_tag: bool, config: Config, server: bool = False) -> Change | None:
    """The change a push releases, with its approvals fact: PUSHED (a release tag, or main's
    new commit) is finish's --no-ff merge, whose second parent is the hotfix's head. None when
    it is not a merge (a rollback's tag), or for main when the merge names no hotfix branch.
    The severity is the start record's where this clone has it (never on a SERVER), else the
    config's default-severity; the check notes, and blocks nothing, without either."""
    from hotfix_guard.collect import Target, resolve_base, start_record
    from hotfix_guard.model import Change
    from hotfix_guard.overrides import NOTES_REF as OVERRIDES_REF

    shown = gitrepo.run_git(["log", "-1", "--no-walk", "--format=%P%n%s", "--end-of-options", f"{pushed}^{{commit}}"])
    parents, _, subject = shown.text().partition("\n")
    if shown.returncode != 0 or len(parents.split()) != 2:
        return None
    head = parents.split()[1]
    named = MERGED_BRANCH.match(subject)
    branch = named.group(1) if named and named.group(1).startswith(config.branch_prefix) else None
    if branch is None and not is_tag:
        return None
    base_name, base_rev, base_version = resolve_base(Target(None, head), head, config)
    commits = gitrepo.commits_between(base_rev, head, None)
    refs = gitrepo.existing_refs([NOTES_REF, OVERRIDES_REF], None)
    start = None if server else start_record(None, branch)
    facts = gather(None, base_rev, head, branch, config, start, (commits, refs))
    return Change(
        branch=branch, base=base_name, base_rev=base_rev, base_version=base_version, head=head, approvals=facts
    )
