"""The plain data the checks work on: a hotfix change and the findings about it. No I/O.

These are small slotted classes rather than dataclasses on purpose: the commit-msg hook
runs on every commit, and importing `dataclasses` (it pulls in `inspect`) would cost that
hook more time than the rest of its work together.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from hotfix_guard.versions import Version

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # reported, never fails a run (e.g. a limit the user accepted)


class Record:
    """Value semantics for slotted classes: equality, hashing and a readable repr."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> Iterator[object]:
        return (getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple(self._values()) == tuple(other._values())  # type: ignore[attr-defined,unused-ignore]

    def __hash__(self) -> int:
        return hash(tuple(self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Finding(Record):
    """One thing a check found: which check, how serious, what to do, and where.

    A finding about one commit names it in COMMIT (`abc1234 'subject'`), and its message starts
    with `commit <COMMIT>: `: a report can group one problem found in many commits.
    """

    __slots__ = ("check", "message", "severity", "file", "commit")

    def __init__(
        self, check: str, message: str, severity: str = ERROR, file: str | None = None, commit: str | None = None
    ):
        self.check = check
        self.message = message
        self.severity = severity
        self.file = file
        self.commit = commit

    def with_severity(self, severity: str) -> Finding:
        return Finding(self.check, self.message, severity, self.file, self.commit)

    @property
    def problem(self) -> str:
        """The message without the commit it is about."""
        return self.message.removeprefix(f"commit {self.commit}: ") if self.commit else self.message


def with_check_severity(findings: list[Finding], severity: str) -> list[Finding]:
    """Findings at their check's configured severity; notes stay notes."""
    return [finding if finding.severity == NOTE else finding.with_severity(severity) for finding in findings]


class FileChange(Record):
    """One file of the change, with git's own line counts (None for a binary file)."""

    __slots__ = ("path", "old_path", "added", "removed")

    def __init__(self, path: str, added: int | None, removed: int | None, old_path: str | None = None):
        self.path = path
        self.old_path = old_path
        self.added = added
        self.removed = removed

    @property
    def binary(self) -> bool:
        return self.added is None

    @property
    def lines(self) -> int:
        return (self.added or 0) + (self.removed or 0)


class Commit(Record):
    """One commit of the change; its author and committer as `Name <email>` ("" when not asked)."""

    __slots__ = ("sha", "parents", "message", "valid_utf8", "author", "committer")

    def __init__(
        self,
        sha: str,
        parents: tuple[str, ...],
        message: str,
        valid_utf8: bool = True,
        author: str = "",
        committer: str = "",
    ):
        self.sha = sha
        self.parents = parents
        self.message = message
        self.valid_utf8 = valid_utf8
        self.author = author
        self.committer = committer

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def short_sha(self) -> str:
        return self.sha[:10]

    @property
    def subject(self) -> str:
        return self.message.strip().split("\n", 1)[0] if self.message.strip() else ""


class SettingsFile(Record):
    """A file that can hold hotfix-guard's own settings (`.hotfix-guard.toml`, `pyproject.toml`,
    `setup.cfg`, at the top), as the change alters it: its text at the base and at the head
    (None where it does not exist)."""

    __slots__ = ("path", "before", "after")

    def __init__(self, path: str, before: str | None, after: str | None):
        self.path = path
        self.before = before
        self.after = after


class Approval(Record):
    """One recorded approval (approvals.py): of which commit, on which ref, in which role, by
    whom (git's committer identity, `Name <email>`), when (ISO 8601), why, and the signing
    key's fingerprint and the signature when the approval is signed ("" when not). `verdict`
    is what checking the signature found (approvals.verify): "good", "bad: why", or "" when
    it was not checked (an unsigned note); a signed approval counts only when it is "good"."""

    __slots__ = ("commit", "ref", "role", "who", "when", "comment", "key", "signature", "verdict")

    def __init__(
        self,
        commit: str,
        ref: str,
        role: str,
        who: str,
        when: str,
        comment: str = "",
        key: str = "",
        signature: str = "",
        verdict: str = "",
    ):
        self.commit = commit
        self.ref = ref
        self.role = role
        self.who = who
        self.when = when
        self.comment = comment
        self.key = key
        self.signature = signature  # base64 of the signed object of the record (approvals.py), "" unsigned
        self.verdict = verdict


class ApprovalFacts(Record):
    """What the approvals check judges: the head commit (sha), the severity the start recorded (None: none), whether
    it is a security fix, the authors of the hotfix's commits, every approval recorded on its
    commits (the head's and older ones), and the break-glass overrides recorded on its head
    (`who: reason`)."""

    __slots__ = ("head", "severity", "security", "authors", "approvals", "overrides")

    def __init__(
        self,
        *,
        head: str,
        severity: str | None,
        security: bool,
        authors: tuple[str, ...],
        approvals: tuple[Approval, ...],
        overrides: tuple[str, ...] = (),
    ):
        self.head = head
        self.severity = severity
        self.security = security
        self.authors = authors
        self.approvals = approvals
        self.overrides = overrides


class Change(Record):
    """Everything between the base release and the head of a hotfix branch.

    `base_version` is None when the base is not a release tag (a sha given with --base).
    `development_commits` are the change's commits made on the development line (its
    first-parent history since the base); `existing_tags` are the release tags, among
    those the checks ask about, that already exist.
    """

    __slots__ = (
        "branch",
        "base",
        "base_rev",
        "base_version",
        "head",
        "base_is_ancestor",
        "commits",
        "files",
        "development_commits",
        "existing_tags",
        "includes_staged",
        "collected",
        "tests",
        "settings_files",
        "approvals",
    )

    def __init__(
        self,
        *,
        branch: str | None,
        base: str,
        base_version: Version | None,
        base_rev: str = "",
        head: str,
        base_is_ancestor: bool = True,
        commits: tuple[Commit, ...] = (),
        files: tuple[FileChange, ...] = (),
        development_commits: frozenset[str] = frozenset(),
        existing_tags: frozenset[str] = frozenset(),
        includes_staged: bool = False,
        collected: frozenset[str] = frozenset(),
        tests: TestRun | None = None,
        settings_files: tuple[SettingsFile, ...] = (),
        approvals: ApprovalFacts | None = None,
    ):
        self.branch = branch
        self.base = base
        self.base_rev = base_rev  # what git was given for the base: refs/tags/v1.2.3, or a commit
        self.base_version = base_version
        self.head = head
        self.base_is_ancestor = base_is_ancestor
        self.commits = commits
        self.files = files
        self.development_commits = development_commits
        self.existing_tags = existing_tags
        self.includes_staged = includes_staged
        self.collected = collected  # which of "commits", "files" were asked of git
        self.tests = tests  # the focused tests' run, gathered last (None: not run)
        self.settings_files = settings_files  # the files that can hold hotfix-guard's settings, where changed
        self.approvals = approvals  # the review facts (None: not gathered)

    def replace(self, **changes: object) -> Change:
        """A copy with CHANGES (a change is not altered once collected)."""
        values: dict[str, object] = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Change(**values)  # type: ignore[arg-type]


class TestRun(Record):
    """How the focused tests of a change went, as plain facts.

    `outcome` is "passed", "failed" or "error" (pytest could not run them, none ran, the
    run timed out), or None when the project has no tests to run. `details` holds the
    selection and run as the JSON report shows them. `runner` names what ran them (pytest,
    jest, vitest, mocha, node, command); for all but pytest `selected` is how many tests the
    runner reported, and `total` is 0 when the suite's size is unknown; `counted` is False
    when the runner's output said nothing about how many ran (a test-command's own runner).
    """

    __test__ = False  # not a pytest test class, whatever its name
    __slots__ = (
        "selected",
        "total",
        "whole_suite",
        "outcome",
        "failed",
        "summary",
        "seconds",
        "details",
        "runner",
        "counted",
    )

    def __init__(
        self,
        *,
        selected: int,
        total: int,
        whole_suite: bool,
        outcome: str | None,
        failed: int = 0,
        summary: str = "",
        seconds: float = 0.0,
        details: dict[str, object] | None = None,
        runner: str = "pytest",
        counted: bool = True,
    ):
        self.selected = selected
        self.total = total
        self.whole_suite = whole_suite
        self.outcome = outcome
        self.failed = failed
        self.summary = summary
        self.seconds = seconds
        self.details = details if details is not None else {}
        self.runner = runner
        self.counted = counted

    def __hash__(self) -> int:
        return hash((self.selected, self.total, self.outcome, self.summary))
