"""Build the Change a run checks: which branch, which base release, and what changed since.

Only the facts the enabled checks need (their `needs` in the registry) are asked of git,
each once. The focused tests are not run here: they are the last fact, gathered by the
validation service after the cheaper checks (validation.py).
"""

from __future__ import annotations

import os

from hotfix_guard import gitrepo
from hotfix_guard.branches import branch_version
from hotfix_guard.checks import needs_of
from hotfix_guard.errors import RepoError
from hotfix_guard.model import Change, Commit, FileChange, SettingsFile
from hotfix_guard.versions import no_release_message, non_release_globs, parse_release_tag, release_tag_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection

    from hotfix_guard.config import Config
    from hotfix_guard.model import ApprovalFacts
    from hotfix_guard.versions import Version


class Target:
    """What the user asked to check: which repository, head, base and branch name."""

    __slots__ = ("repo", "head", "base", "branch", "staged")

    def __init__(
        self,
        repo: str | None = None,
        head: str | None = None,
        base: str | None = None,
        branch: str | None = None,
        staged: bool = False,
    ):
        self.repo = repo
        self.head = head
        self.base = base
        self.branch = branch
        self.staged = staged


def resolve_branch(target: Target, git_dir: str) -> str | None:
    """The branch name being checked; None when it cannot be known (detached, no CI hint)."""
    if target.branch is not None:
        return target.branch
    if target.head is not None:
        named = gitrepo.branch_of_ref(target.head, target.repo)
        if named is not None:
            return named
    else:
        named = gitrepo.head_branch(git_dir)
        if named is not None:
            return named
    return gitrepo.ci_branch()


def locate_head(target: Target) -> gitrepo.Location:
    info = gitrepo.locate(target.repo, target.head or "HEAD")
    if info.head_sha is None:
        if target.head is not None:
            raise RepoError(f"head {target.head!r} is not a commit in this repository")
        raise RepoError("the repository has no commits yet; commit something first")
    return info


def collect_change(target: Target, head: str, branch: str | None, config: Config, checks: Collection[str]) -> Change:
    """The change from the base release to HEAD (a commit name), as far as CHECKS need it."""
    repo = target.repo
    needs = needs_of(checks)
    version = branch_version(branch, config) if branch and "release" in needs else None
    if not version and not needs & {"files", "commits", "history", "tests", "settings", "approvals"}:
        return Change(branch=branch, base="", base_version=None, head=_head_label(target, branch))

    base_name, base_rev, base_version = resolve_base(target, head, config)
    develop_refs = [f"refs/heads/{config.develop_branch}", f"refs/remotes/{config.remote}/{config.develop_branch}"]
    wanted_refs = list(develop_refs) if "history" in needs else []
    if "approvals" in needs:
        from hotfix_guard.approvals import NOTES_REF as APPROVALS_REF
        from hotfix_guard.overrides import NOTES_REF as OVERRIDES_REF

        wanted_refs += [APPROVALS_REF, OVERRIDES_REF]  # asked with the others: no notes read where none exist
    if version is not None:
        wanted_refs.append(f"refs/tags/{version.tag(config.tag_prefix)}")
    existing = gitrepo.existing_refs(wanted_refs, repo)

    collected = set()
    commits: tuple[Commit, ...] = ()
    if needs & {"commits", "history", "approvals"}:
        commits = gitrepo.commits_between(base_rev, head, repo)
        collected.add("commits")
    files: tuple[FileChange, ...] = ()
    if "files" in needs:
        files = gitrepo.changed_files(base_rev, None if target.staged else head, repo)
        collected.add("files")
    settings: tuple[SettingsFile, ...] = ()
    if "settings" in needs:
        from hotfix_guard.mainconfig import FILE_NAMES

        # Where the changed files are known and none is a config file, there is nothing to read.
        touched = {path for file in files for path in (file.path, file.old_path)} & set(FILE_NAMES)
        if touched or "files" not in collected:
            settings = gitrepo.files_changed_whole(base_rev, None if target.staged else head, FILE_NAMES, repo)
        collected.add("settings")
    development: frozenset[str] = frozenset()
    found_develop = [ref for ref in develop_refs if ref in existing]
    if found_develop and commits and "history" in needs:
        development = frozenset(c.sha for c in commits) & gitrepo.first_parent_line(found_develop, base_rev, repo)
    is_ancestor = True
    if target.base is not None and "history" in needs:
        is_ancestor = gitrepo.is_ancestor(base_rev, head, repo)
        if not is_ancestor and gitrepo.is_shallow(repo):
            raise RepoError(
                f"cannot tell whether {base_name} is an ancestor of the head in this shallow clone; "
                "fetch the history (git fetch --unshallow, or --deepen N)"
            )
    approvals = None
    if "approvals" in needs:
        known = commits, frozenset(ref for ref in existing if ref.startswith("refs/notes/"))
        approvals = _approval_facts(target, base_rev, head, branch, config, known)
    return Change(
        branch=branch,
        base=base_name,
        base_rev=base_rev,
        base_version=base_version,
        head=_head_label(target, branch),
        base_is_ancestor=is_ancestor,
        commits=commits,
        files=files,
        development_commits=development,
        existing_tags=frozenset(ref[len("refs/tags/") :] for ref in existing if ref.startswith("refs/tags/")),
        includes_staged=target.staged,
        collected=frozenset(collected),
        settings_files=settings,
        approvals=approvals,
    )


def _approval_facts(
    target: Target,
    base_rev: str,
    head: str,
    branch: str | None,
    config: Config,
    known: tuple[tuple[Commit, ...], frozenset[str]],
) -> ApprovalFacts:
    """The approvals fact: the notes on the change's commits, its authors, and its start record's severity."""
    from hotfix_guard.approvals import gather

    return gather(target.repo, base_rev, head, branch, config, start_record(target.repo, branch), known)


def start_record(repo: str | None, branch: str | None) -> dict[str, object] | None:
    """BRANCH's start record (start writes it in the common git directory), None without one."""
    if branch is None:
        return None
    from hotfix_guard.paths import read_json, record_name

    found = gitrepo.find_git_dir(repo or ".")
    git_dir = found[1] if found is not None else gitrepo.locate(repo).git_dir
    return read_json(os.path.join(gitrepo.common_dir(git_dir), "hotfix-guard", "starts", record_name(branch)))


def _head_label(target: Target, branch: str | None) -> str:
    return target.head or branch or "HEAD"


def resolve_base(target: Target, head: str, config: Config) -> tuple[str, str, Version | None]:
    """(name to show, revision to give git, release version or None) of the base."""
    prefix = config.tag_prefix
    if target.base is not None:
        sha = gitrepo.resolve_commit(target.base, target.repo)
        if sha is None:
            shallow = gitrepo.is_shallow(target.repo)
            hint = " (this is a shallow clone: git fetch --tags --unshallow)" if shallow else ""
            raise RepoError(f"base {target.base!r} is not a commit in this repository{hint}")
        name = target.base.removeprefix("refs/tags/")
        version = parse_release_tag(name, prefix)
        if version is not None and not gitrepo.existing_refs([f"refs/tags/{name}"], target.repo):
            version = None
        return name if version is not None else target.base, sha, version
    tag = gitrepo.nearest_tag(
        head,
        release_tag_glob(prefix),
        non_release_globs(prefix),
        lambda name: parse_release_tag(name, prefix) is not None,
        target.repo,
    )
    if tag is None:
        raise RepoError(_no_release_message(gitrepo.is_shallow(target.repo), prefix, gitrepo.tag_names(target.repo)))
    return tag, f"refs/tags/{tag}", parse_release_tag(tag, prefix)


def _no_release_message(shallow: bool, prefix: str, tags: list[str]) -> str:
    if shallow:
        where = "is reachable from HEAD in this shallow clone"
        advice = "fetch history and tags (git fetch --tags --unshallow, or --deepen N) or pass --base REF"
        return no_release_message(prefix, where, advice, tags)
    return no_release_message(prefix, "is reachable from HEAD", "tag the release or pass --base REF", tags)
