"""Main's committed config: which branch is main, and its config files, before any config is read.

A hotfix branch is cut from a release tag, and a config the team added on main after that
release is not in its tree: read from the work tree, the rules would silently become the
defaults. So the rules come from the config committed on the main branch (local, else
`<remote>/<main>`), and from the work tree's file only where main has none (config.py
decides; this module only finds main's files). Where both exist and the local branch is
behind the remote's (a clone that has fetched but not pulled main), the remote's rules:
the team's config may be only there.

Which branch is main, before any config is read (the bootstrap rule): `main-branch` as the
work tree's config sets it, else `main`, else the branch the remote's HEAD names
(`refs/remotes/origin/HEAD`), else `master`; each local, else on the remote.

In a BARE repository (a server's) only its own branches count, and its HEAD's branch comes
first: HEAD is the admin's choice (what a clone's `origin/HEAD` is copied from), while any
pusher can create `refs/heads/main` or write `refs/remotes/*`, which a server holds only
because someone pushed them. So there main is HEAD's branch, else `main`, else `master`,
each only as `refs/heads/<name>`.

The hooks run on every commit, on every branch, and a git process costs as much as
their own work: main's commit is read from the ref files (no git), and main's config
files are kept in the git directory keyed by that commit id. A commit's files never
change, so the copy cannot be stale; when main moves, its new commit misses the copy and
one `git cat-file --batch` reads the files again. Where the ref files cannot be read
without git (reftable), one `for-each-ref` asks git instead. Whether a local main is
behind its remote-tracking branch is asked once (`merge-base --is-ancestor`) for each
pair of commits, and the answer kept with the copy.
"""

from __future__ import annotations

import os
import sys

from hotfix_guard import __version__, gitrepo
from hotfix_guard.errors import ConfigError, HotfixGuardError

FILE_NAMES = (".hotfix-guard.toml", "pyproject.toml", "setup.cfg")
CACHE = "main-config"
# The parsed tables depend on the code that parsed them: another version (another venv
# sharing the repository) reads main's files again rather than trust them.
_END = b"end"  # the last record: a copy without it is not used
_MAGIC = f"hotfix-guard main-config 3 {__version__} py{sys.version_info[0]}.{sys.version_info[1]}".encode()
_TABLE = ".table"  # a kept file's parsed table, marshalled: `name.table SIZE`


class MainFiles:
    """The config files (those that can hold hotfix-guard's settings) of main's commit."""

    __slots__ = ("ref", "commit", "texts", "tables", "common", "over")

    def __init__(self, ref: str, commit: str, texts: dict[str, bytes], common: str = "", over: str = ""):
        self.ref = ref
        self.commit = commit
        self.texts = texts
        self.tables: dict[str, dict[str, object] | None] = {}  # parsed, as kept (config.py parses the rest)
        self.common = common
        self.over = over  # the other candidate's commit (local main and its remote's differ), or ""

    def keep_table(self, name: str, table: dict[str, object] | None) -> None:
        """Keep NAME's parsed table beside its text: a TOML parser costs a hook more than all
        its other work (importing it alone), and the table of a commit's file never changes."""
        import marshal

        try:
            marshal.dumps(table)
        except ValueError:
            return  # a value marshal cannot hold (a TOML date): parsed each time instead
        self.tables[name] = table
        if self.common:
            _write_cache(self.common, self)

    @property
    def branch(self) -> str:
        """`main`, or `origin/main` when only the remote-tracking branch exists."""
        for prefix in ("refs/heads/", "refs/remotes/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    def label(self, name: str) -> str:
        return f"{name} at {self.branch} {self.commit[:7]}"


def main_files(git_dir: str, main_branch: str | None, remote: str, bare: bool = False) -> MainFiles | None:
    """Main's config files, None when no main branch is found (MAIN_BRANCH, or the bootstrap
    rule; in a BARE repository with its HEAD as the remote's)."""
    common = gitrepo.common_dir(git_dir)
    try:
        found = _main_from_files(common, main_branch, remote, bare)
    except LookupError:
        found = _main_from_git(git_dir, main_branch, remote, bare)
    if not found:
        return None
    ref, commit, over = _choose(found, common, git_dir)
    cached = _read_cache(common, ref, commit, over)
    if cached is not None:
        return cached
    try:
        blobs = gitrepo.blobs_at(commit, list(FILE_NAMES), git_dir, follow_symlinks=True)
    except HotfixGuardError as error:
        raise ConfigError(f"cannot read the config committed on {ref} ({commit[:7]}): {error}") from None
    texts = {name: data for name, data in blobs.items() if _may_hold_settings(name, data)}
    files = MainFiles(ref, commit, texts, common, over)
    _write_cache(common, files)
    return files


def _choose(found: list[tuple[str, str]], common: str, git_dir: str) -> tuple[str, str, str]:
    """(ref, commit, the other candidate's commit or "") of main: the local branch, unless it
    is behind the remote's, whose config (added on main after this clone's last pull) rules."""
    (ref, commit), rest = found[0], found[1:]
    if not rest or rest[0][1] == commit:
        return ref, commit, ""
    other_ref, other = rest[0]
    for choice in ((ref, commit, other), (other_ref, other, commit)):
        if _cached_header(common) == _header(*choice):
            return choice  # decided before, for this very pair of commits
    try:
        behind = gitrepo.is_ancestor(commit, other, git_dir)
    except HotfixGuardError:
        behind = False  # an object missing from a shallow clone: the local branch, as before
    return (other_ref, other, commit) if behind else (ref, commit, other)


def _may_hold_settings(name: str, data: bytes) -> bool:
    # A pyproject.toml or setup.cfg without our table is not kept (nor parsed, on every commit).
    return name == ".hotfix-guard.toml" or b"hotfix-guard" in data


def candidate_refs(main_branch: str | None, remote: str, remote_head: str | None, bare: bool = False) -> list[str]:
    """The refs that can be main, in the order the bootstrap rule tries them."""
    return [ref for group in _candidates(main_branch, remote, remote_head, bare) for ref in group]


def _candidates(main_branch: str | None, remote: str, remote_head: str | None, bare: bool) -> list[tuple[str, ...]]:
    """The refs of each branch name the rule tries, in its order: the local branch and the
    remote's; in a BARE repository (REMOTE_HEAD is then its own HEAD's branch, tried first)
    the local branch only."""
    if main_branch is not None:
        names = [main_branch]
    elif bare:
        names = [*([remote_head] if remote_head else []), "main", "master"]
    else:
        names = ["main", *([remote_head] if remote_head else []), "master"]
    if bare:
        return [(f"refs/heads/{name}",) for name in dict.fromkeys(names)]
    return [(f"refs/heads/{name}", f"refs/remotes/{remote}/{name}") for name in dict.fromkeys(names)]


def _main_from_files(common: str, main_branch: str | None, remote: str, bare: bool = False) -> list[tuple[str, str]]:
    """(ref, commit) of the first branch name the rule finds: local, and the remote's as well."""
    packed: dict[str, bytes] = {}
    remote_head = None
    if main_branch is None and bare and is_bare(common):
        head = gitrepo.ref_from_files(common, "HEAD", packed)
        remote_head = head[len("ref: refs/heads/") :] if head and head.startswith("ref: refs/heads/") else None
    elif main_branch is None:
        head = gitrepo.ref_from_files(common, f"refs/remotes/{remote}/HEAD", packed)
        remote_head = _remote_head_branch(head, remote)
    found: dict[str, str] = {}
    for ref in candidate_refs(main_branch, remote, remote_head, bare):
        value = gitrepo.ref_from_files(common, ref, packed)
        if value is not None:
            if value.startswith("ref: "):
                raise LookupError(f"{ref} is a symbolic ref")  # git resolves it
            found[ref] = value
    return _first_name(found, main_branch, remote, remote_head, bare)


def _first_name(
    found: dict[str, str], main_branch: str | None, remote: str, remote_head: str | None, bare: bool = False
) -> list[tuple[str, str]]:
    for group in _candidates(main_branch, remote, remote_head, bare):
        pairs = [(ref, found[ref]) for ref in group if ref in found]
        if pairs:
            return pairs
    return []


def _main_from_git(git_dir: str, main_branch: str | None, remote: str, bare: bool = False) -> list[tuple[str, str]]:
    if bare:  # its own HEAD's branch, as git says it (reftable keeps no HEAD file to read)
        head = gitrepo.head_branch(git_dir) if main_branch is None and is_bare(gitrepo.common_dir(git_dir)) else None
        wanted = candidate_refs(main_branch, remote, head, bare)
        found = gitrepo.refs_with_targets(wanted, git_dir)
        return _first_name({ref: target for ref, (target, _) in found.items()}, main_branch, remote, head, bare)
    head_ref = f"refs/remotes/{remote}/HEAD"
    # Every branch the rule could name, with the remote's HEAD: one for-each-ref.
    wide = candidate_refs(main_branch, remote, None) + ([head_ref] if main_branch is None else [])
    found = gitrepo.refs_with_targets(wide, git_dir)
    remote_head = None
    if head_ref in found and found[head_ref][1]:
        remote_head = _remote_head_branch(f"ref: {found[head_ref][1]}", remote)
        extra = [ref for ref in candidate_refs(main_branch, remote, remote_head) if ref not in found]
        found.update(gitrepo.refs_with_targets(extra, git_dir) if extra else {})
    return _first_name({ref: target for ref, (target, _) in found.items()}, main_branch, remote, remote_head)


def is_bare(common: str) -> bool:
    """Whether the repository whose git directory is COMMON is bare, read from its config
    file (`core.bare`, which `git init` always writes), not from git. A server's bare
    repository's HEAD names its main branch (the admin's choice); a non-bare one that
    receives pushes (push-to-deploy) has the branch checked out there in HEAD, which may be
    a hotfix branch: it must not name main, or the hotfix would be judged by its own rules."""
    try:
        with open(os.path.join(common, "config"), encoding="utf-8", errors="replace") as handle:
            text = handle.read(1 << 16)
    except OSError:
        return False
    section, bare = "", False
    for line in text.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):  # no re: it costs a server's hook 4 ms
            name = line[1:-1].strip()
            simple = name.isascii() and name.replace(".", "").replace("-", "").isalnum()
            section = name.lower() if simple else ""  # `[remote "origin"]`: a subsection, not core
        elif section == "core":
            key, equals, value = line.partition("=")
            if key.strip().lower() == "bare":  # `bare` alone is true, as git reads it; the last one counts
                bare = not equals or value.strip().lower() in ("true", "yes", "on", "1")
    return bare


def _remote_head_branch(value: str | None, remote: str) -> str | None:
    prefix = f"ref: refs/remotes/{remote}/"
    return value[len(prefix) :] if value is not None and value.startswith(prefix) else None


def _cache_path(common: str) -> str:
    return os.path.join(common, "hotfix-guard", CACHE)


def _header(ref: str, commit: str, over: str) -> bytes:
    return b" ".join((_MAGIC, os.fsencode(ref), commit.encode("ascii"), *([over.encode("ascii")] if over else [])))


def _cached_header(common: str) -> bytes | None:
    try:
        with open(_cache_path(common), "rb") as handle:
            return handle.readline().rstrip(b"\n")
    except OSError:
        return None


def _read_cache(common: str, ref: str, commit: str, over: str) -> MainFiles | None:
    """The copy of main's files, when it was made from this very commit (chosen over OVER)."""
    try:
        with open(_cache_path(common), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header, _, rest = data.partition(b"\n")
    if header != _header(ref, commit, over):
        return None
    import marshal

    files = MainFiles(ref, commit, {}, common, over)
    while rest:
        line, _, rest = rest.partition(b"\n")
        if line == _END and not rest:
            return files
        name, _, size = line.decode("utf-8", "replace").partition(" ")
        if name.removesuffix(_TABLE) not in FILE_NAMES or not size.isdigit() or len(rest) < int(size):
            return None  # damaged: read main again
        data, rest = rest[: int(size)], rest[int(size) :]
        if name.endswith(_TABLE):
            try:
                table = marshal.loads(data)
            except (ValueError, EOFError, TypeError):
                return None
            if table is not None and not isinstance(table, dict):
                return None
            files.tables[name.removesuffix(_TABLE)] = table
        else:
            files.texts[name] = data
    return None  # no end record: a copy cut short (a crash while writing it) would look like "no config"


def _write_cache(common: str, files: MainFiles) -> None:
    """Keep the copy (atomically); a git directory that cannot be written only costs speed."""
    parts = [_header(files.ref, files.commit, files.over) + b"\n"]
    import marshal

    for name, data in files.texts.items():
        parts += [f"{name} {len(data)}\n".encode(), data]
    for name, table in files.tables.items():
        data = marshal.dumps(table)
        parts += [f"{name}{_TABLE} {len(data)}\n".encode(), data]
    parts.append(_END + b"\n")
    path = _cache_path(common)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(b"".join(parts))
        os.replace(temporary, path)
    except OSError:
        from contextlib import suppress  # here: importing it costs every hook 3 ms

        with suppress(OSError):
            os.remove(temporary)
