"""Break-glass overrides of the push guard: recorded as git notes, listed for the audit.

An override is recorded as a note on the pushed commit under its own notes ref,
`refs/notes/hotfix-guard`, so history is never rewritten. One note can hold several
records (`git notes append` adds a paragraph each time); a record is a block of
`key: value` lines under the line `hotfix-guard override`:

    hotfix-guard override
    ref: refs/heads/main
    reason: INC-4711 payments down, the fix cannot wait for the merge
    who: Jane Doe <jane@example.com>
    when: 2026-01-02T03:04:05+00:00
    remote: origin
    blocked: [protected-branch] not a fast-forward: ...
"""

from __future__ import annotations

from hotfix_guard import gitrepo
from hotfix_guard.errors import GitError
from hotfix_guard.model import Record

NOTES_REF = "refs/notes/hotfix-guard"
HEADER = "hotfix-guard override"
OVERRIDE_VARIABLE = "HOTFIX_GUARD_OVERRIDE"


class Override(Record):
    """One recorded override: which commit and ref, why, who, when, and what was blocked.

    `when` is ISO 8601 with the committer's UTC offset (`2026-01-02T03:04:05+00:00`);
    `who` is git's committer identity (`Name <email>`).
    """

    __slots__ = ("commit", "ref", "reason", "who", "when", "remote", "blocked")

    def __init__(
        self,
        commit: str,
        ref: str,
        reason: str,
        who: str,
        when: str,
        remote: str = "",
        blocked: tuple[str, ...] = (),
    ):
        self.commit = commit
        self.ref = ref
        self.reason = reason
        self.who = who
        self.when = when
        self.remote = remote
        self.blocked = blocked


def list_overrides(repo: str | None = None) -> list[Override]:
    """Every override recorded in REPO (default: the current directory), newest first.

    Reads the notes under `refs/notes/hotfix-guard` (two git commands, whatever the
    number of notes). A repository without that ref has none: the result is empty.
    Overrides recorded elsewhere are seen only after fetching the notes ref
    (`git fetch origin refs/notes/hotfix-guard:refs/notes/hotfix-guard`).
    Raises GitError when git cannot read the notes.
    """
    listed = gitrepo.run_git(["notes", "--ref", NOTES_REF, "list"], repo)
    if listed.returncode != 0:
        raise GitError(f"git notes list failed: {listed.error_line()}")
    commits = [line.split()[1] for line in listed.text().splitlines() if len(line.split()) == 2]
    if not commits:
        return []
    output = gitrepo.git_ok(
        ["log", "-z", "--no-walk=unsorted", "--ignore-missing", f"--notes={NOTES_REF}", "--format=%H%n%N", *commits],
        repo,
    )
    found = []
    for entry in output.split("\0"):
        sha, _, note = entry.strip("\n").partition("\n")
        if sha:
            found.extend(parse_note(sha, note))
    # Newest first; records of one note were appended oldest first, so reverse before the stable sort.
    found.reverse()
    return sorted(found, key=_timestamp, reverse=True)


def parse_note(commit: str, note: str) -> list[Override]:
    """The override records in one note's text (other paragraphs are ignored)."""
    return [_record(commit, fields) for fields in note_records(note, HEADER)]


def note_records(note: str, header: str) -> list[dict[str, list[str]]]:
    """The `key: value` lines of each record of a note, by key, in order: a record starts at
    a HEADER line and runs to the next (the approvals' notes are written the same way)."""
    records: list[dict[str, list[str]]] = []
    fields: dict[str, list[str]] | None = None
    for line in [*note.splitlines(), header]:
        if line.strip() == header:
            if fields is not None:
                records.append(fields)
            fields = {}
        elif fields is not None and ": " in line:
            key, _, value = line.partition(": ")
            fields.setdefault(key.strip(), []).append(value.strip())
    return records


def _record(commit: str, fields: dict[str, list[str]]) -> Override:
    def one(key: str) -> str:
        return printable(fields.get(key, [""])[0])

    blocked = tuple(printable(line) for line in fields.get("blocked", []))
    return Override(commit, one("ref"), one("reason"), one("who"), one("when"), one("remote"), blocked)


def printable(text: str) -> str:
    """A field of a note with no control character: anyone who can push refs/notes/hotfix-guard
    writes them (a committer's name included), and status shows them on others' terminals."""
    return " ".join("".join(char if char.isprintable() else " " for char in text).split())


def _timestamp(override: Override) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(override.when).timestamp()
    except ValueError:
        return 0.0


def format_note(override: Override) -> str:
    lines = [
        HEADER,
        f"ref: {override.ref}",
        f"reason: {_one_line(override.reason)}",
        f"who: {override.who}",
        f"when: {override.when}",
    ]
    if override.remote:
        lines.append(f"remote: {_one_line(override.remote)}")
    lines += [f"blocked: {_one_line(reason)}" for reason in override.blocked]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def committer(repo: str | None = None) -> tuple[str, str]:
    """(who, when) of whoever acts now: git's committer identity and time, as a commit would record them."""
    result = gitrepo.run_git(["var", "GIT_COMMITTER_IDENT"], repo)
    parts = result.text().strip().rsplit(" ", 2)
    if result.returncode != 0 or len(parts) != 3 or not parts[1].isdigit():
        raise GitError(
            f"cannot tell who you are ({result.error_line()}); "
            'set it: git config user.name "Your Name" && git config user.email you@example.com'
        )
    who, seconds, zone = parts
    return who, _iso_time(int(seconds), zone)


def _iso_time(seconds: int, zone: str) -> str:
    from datetime import datetime, timedelta, timezone

    sign = -1 if zone.startswith("-") else 1
    digits = zone.lstrip("+-").rjust(4, "0")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    return datetime.fromtimestamp(seconds, timezone(sign * offset)).isoformat()


# The notes commit's author where a server has no git identity of its own: the record names who pushed.
SERVER_IDENTITY = {
    "GIT_AUTHOR_NAME": "hotfix-guard (server)",
    "GIT_AUTHOR_EMAIL": "hotfix-guard@server.invalid",
    "GIT_COMMITTER_NAME": "hotfix-guard (server)",
    "GIT_COMMITTER_EMAIL": "hotfix-guard@server.invalid",
}


def record_override(override: Override, repo: str | None = None, fallback_identity: bool = False) -> None:
    """Append OVERRIDE as a note on its commit under NOTES_REF; history is untouched.

    With FALLBACK_IDENTITY (the server's post-receive), a repository without a git identity
    writes the notes commit as SERVER_IDENTITY instead of failing; a client's never does.
    Tried up to three times: pushes arriving together race for the notes ref."""
    import os

    args = ["notes", "--ref", NOTES_REF, "append", "-m", format_note(override), "--", override.commit]
    env = None
    for _ in range(3):
        result = gitrepo.run_git(args, repo, env)
        if result.returncode == 0:
            return
        said = gitrepo.decode(result.stderr)
        if fallback_identity and env is None and ("identity" in said or "tell me who you are" in said):
            env = {**os.environ, **SERVER_IDENTITY}
        elif "lock" not in said:
            break
    raise GitError(f"cannot record the override as a git note: {result.error_line()}")
