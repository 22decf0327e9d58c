"""Set the version string in files (config `version-files`: `path`, or `path:regex` whose
first group is the version), checked against a release tag before anything changes: start's
bump (the base's version to the next patch) and rollback's (the restored release's version
to the rollback tag's).

An npm `package.json` (given without a regex) is read as JSON: its top-level `"version"` is
set, and so are the `package-lock.json` and `npm-shrinkwrap.json` beside it, where they
exist (their top-level `"version"` and `packages[""].version`). JSON files are edited in
place, the two values and nothing else, so indentation, key order and the final newline stay
as they were; the result is parsed again and must equal the original with only those values
changed.

A version file is a regular file inside the repository: a path leading out of the top, or a
symbolic link (in the tag's tree or in the work tree), is refused before anything changes,
and the new file is written without following any link.
"""

from __future__ import annotations

import json
import os
import re
import tempfile

from hotfix_guard.errors import RepoError
from hotfix_guard.paths import inside, refuse_symlink, write_atomic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from hotfix_guard.repository import Repo
    from hotfix_guard.versions import Version

WHAT = "version file"
REGULAR_MODES = ("100644", "100755")
SYMLINK_MODE = "120000"
NPM_MANIFEST = "package.json"
NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")  # bumped beside a package.json
MANIFEST_KEYS: tuple[tuple[str, ...], ...] = (("version",),)
LOCK_KEYS: tuple[tuple[str, ...], ...] = (("version",), ("packages", "", "version"))


def plan_bumps(
    repo: Repo, entries: tuple[str, ...], base_tag: str, old: Version, new: Version
) -> list[tuple[str, str]]:
    """(path, new content) for every version file, as the base tag has it; a file whose
    version is not the base's is an error, never a silent skip."""
    return set_versions(repo, entries, base_tag, str(old), str(new), "the base")


def set_versions(
    repo: Repo, entries: tuple[str, ...], tag: str, old: str, new: str, label: str
) -> list[tuple[str, str]]:
    """(path, content) of every version file as TAG has it, with its version OLD set to NEW:
    the npm lock files beside a package.json included. LABEL names TAG in messages ("the base")."""
    bumps = []
    for entry in entries:
        path, _, pattern = entry.partition(":")
        if pattern or not is_npm_manifest(path):
            bumps.append(_bump(repo, entry, tag, old, new, label))
            continue
        bumps.append(_bump_json(repo, path, tag, old, new, label, MANIFEST_KEYS))
        for lock in npm_locks(path):
            if repo.try_git("cat-file", "-e", f"refs/tags/{tag}:{lock}").returncode == 0:
                bumps.append(_bump_json(repo, lock, tag, old, new, label, LOCK_KEYS))
    return bumps


def tree_with(repo: Repo, tree: str, contents: Mapping[str, bytes | None], new_files: bool = False) -> str:
    """TREE with the files CONTENTS names holding those bytes (None: removed): a new tree,
    written to the object database only (no index, no work tree). Each must be a regular file
    in TREE, whose mode it keeps; with NEW_FILES, one TREE lacks is added as a plain file."""
    if not contents:
        return tree
    with tempfile.TemporaryDirectory(prefix="hotfix-guard-") as scratch:
        index = os.path.join(scratch, "index")
        repo.git_with_index(index, "read-tree", tree)
        for path, content in sorted(contents.items()):
            if content is None:
                repo.git_with_index(index, "update-index", "--force-remove", "--", path)
                continue
            listed = repo.git("ls-tree", "--full-tree", "-z", tree, "--", path).split("\0")[0]
            mode = listed.split(" ", 1)[0] if listed else ("100644" if new_files else "")
            if mode not in REGULAR_MODES:
                raise RepoError(f"{WHAT} {path!r} is not a regular file in {tree[:10]}")
            blob_file = os.path.join(scratch, "blob")
            with open(blob_file, "wb") as handle:
                handle.write(content)
            blob = repo.git("hash-object", "-w", "--no-filters", "--", blob_file).strip()
            repo.git_with_index(index, "update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}")
        return repo.git_with_index(index, "write-tree").strip()


def is_npm_manifest(path: str) -> bool:
    return os.path.basename(path) == NPM_MANIFEST


def npm_locks(path: str) -> list[str]:
    """The lock files an npm package.json at PATH has beside it (whether they exist or not)."""
    directory = os.path.dirname(path)
    return [f"{directory}/{name}" if directory else name for name in NPM_LOCKS]


def version_file_paths(entries: tuple[str, ...]) -> set[str]:
    """Every path the version-files ENTRIES make hotfix-guard write: each entry's path (without
    its regex), and the npm lock files beside a package.json given without one."""
    paths = set()
    for entry in entries:
        path, _, pattern = entry.partition(":")
        paths.add(path)
        if not pattern and is_npm_manifest(path):
            paths.update(npm_locks(path))
    return paths


def write_bumps(repo: Repo, bumps: list[tuple[str, str]]) -> None:
    """Write the bumped files into the work tree (checked out at the base by now): each must
    still be a regular file inside the top, and none is written through a link."""
    for path, _ in bumps:
        refuse_symlink(repo.top, path, WHAT)
    for path, content in bumps:
        write_atomic(refuse_symlink(repo.top, path, WHAT), content.encode("utf-8"))


def _bump(repo: Repo, entry: str, tag: str, old: str, new: str, label: str) -> tuple[str, str]:
    path, _, pattern = entry.partition(":")
    text = _read(repo, path, tag)
    start, end = _version_span(text, path, pattern, old, label)
    return path, text[:start] + new + text[end:]


def _read(repo: Repo, path: str, tag: str) -> str:
    _require_contained(repo, path, tag)
    result = repo.try_git("show", f"refs/tags/{tag}:{path}")
    if result.returncode != 0:
        raise RepoError(f"version file {path!r} is not in {tag}; fix version-files in the config")
    try:
        return result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise RepoError(f"version file {path!r} is not UTF-8 text") from None


def _bump_json(
    repo: Repo, path: str, tag: str, old: str, new: str, label: str, keys: tuple[tuple[str, ...], ...]
) -> tuple[str, str]:
    """PATH (JSON) with the string at each of KEYS that it has, all OLD, set to NEW in place."""
    text = _read(repo, path, tag)
    try:
        return path, set_json_strings(text, keys, old, new)
    except JsonVersionError as error:
        raise RepoError(f"version file {path!r} {error}, but {label} is {old}; fix the file or the tag") from None
    except ValueError as error:
        raise RepoError(f"version file {path!r} is not JSON npm can read ({error}); fix it") from None


class JsonVersionError(ValueError):
    """A JSON version file holds another version than expected, or none."""


def set_json_strings(text: str, keys: tuple[tuple[str, ...], ...], old: str, new: str) -> str:
    """TEXT (JSON) with the string value at each path of KEYS that it has set from OLD to NEW,
    every other byte kept; ValueError when TEXT is not JSON, JsonVersionError when none of KEYS
    is there or one holds anything but OLD. The result is proved: parsed, it equals TEXT parsed
    with those values changed."""
    spans = json_string_spans(text, set(keys))
    if not spans:
        raise JsonVersionError(f"has no {_json_path(keys[0])}")
    for key, (start, end) in spans.items():
        if text[start:end] != old:
            raise JsonVersionError(f"says {_json_path(key)} = {text[start:end]!r}")
    result = text
    for start, end in sorted(spans.values(), reverse=True):
        result = result[:start] + new + result[end:]
    expected = json.loads(text)
    for key in spans:
        _set_in(expected, key, new)
    if json.loads(result) != expected:  # never: the spans are of those strings, and nothing else moved
        raise ValueError("editing the version in place would change more than the version")
    return result


def _json_path(key: tuple[str, ...]) -> str:
    return key[0] + "".join(f"[{part!r}]" for part in key[1:])


def _set_in(data: object, key: tuple[str, ...], value: str) -> None:
    for part in key[:-1]:
        assert isinstance(data, dict)
        data = data[part]
    assert isinstance(data, dict)
    data[key[-1]] = value


_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_SCALAR = re.compile(r"true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _string(text: str, at: int) -> tuple[str, int]:
    """The JSON string starting at AT, decoded, and the offset after it."""
    match = _STRING.match(text, at)
    if match is None:
        raise ValueError(f"a bad string at offset {at}")
    decoded = json.loads(match.group())
    assert isinstance(decoded, str)
    return decoded, match.end()


def _skip(text: str, at: int) -> int:
    """The offset of the first character at or after AT that is not JSON whitespace."""
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def json_string_spans(text: str, wanted: set[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, int]]:
    """Where in TEXT (JSON) the string values at the object-key paths WANTED lie, quotes
    excluded, for those it has; a value that is no plain string (escapes) is not found. The
    last of duplicate keys counts, as for json.loads. ValueError when TEXT is not JSON."""
    found: dict[tuple[str, ...], tuple[int, int]] = {}
    depth = max((len(key) for key in wanted), default=0)

    def value(at: int, path: tuple[str, ...] | None) -> int:
        at = _skip(text, at)
        char = text[at : at + 1]
        if char == '"':
            decoded, end = _string(text, at)
            if path in wanted:
                found.pop(path, None)  # a later duplicate key wins, as in json.loads
                if text[at + 1 : end - 1] == decoded:
                    found[path] = (at + 1, end - 1)
            return end
        if char in "{[":
            return container(at, path)
        scalar = _SCALAR.match(text, at)
        if scalar is None:
            raise ValueError(f"unexpected {char or 'end of file'!r} at offset {at}")
        return scalar.end()

    def container(at: int, path: tuple[str, ...] | None) -> int:
        close = "}" if text[at] == "{" else "]"
        at = _skip(text, at + 1)
        if text[at : at + 1] == close:
            return at + 1
        while True:
            inner: tuple[str, ...] | None = None
            if close == "}":
                if text[at : at + 1] != '"':
                    raise ValueError(f"expected a key at offset {at}")
                key, at = _string(text, at)
                at = _skip(text, at)
                if text[at : at + 1] != ":":
                    raise ValueError(f"expected ':' at offset {at}")
                at += 1
                inner = (*path, key) if path is not None and len(path) < depth else None
            at = _skip(text, value(at, inner))
            char = text[at : at + 1]
            if char == close:
                return at + 1
            if char != ",":
                raise ValueError(f"expected ',' or {close!r} at offset {at}")
            at = _skip(text, at + 1)

    end = _skip(text, value(0, ()))
    if end != len(text):
        raise ValueError(f"extra data at offset {end}")
    json.loads(text)  # what the scan above lets through (a bad escape, a lone surrogate), json refuses
    return found


def _require_contained(repo: Repo, path: str, base_tag: str) -> None:
    """PATH names a regular file inside the top, in the tag and in the work tree."""
    normal = os.path.normpath(path) if path else ""
    if not normal or normal == "." or os.path.isabs(path) or normal.split(os.sep)[0] == "..":
        raise RepoError(f"{WHAT} {path!r} is outside the repository; give a path relative to its top")
    if os.path.islink(os.path.join(repo.top, path)):
        raise RepoError(f"{WHAT} {path!r} is a symbolic link; hotfix-guard writes only regular files")
    inside(repo.top, path, WHAT)  # a symlinked directory in the work tree leading out
    listing = repo.try_git("ls-tree", "-z", "--full-tree", f"refs/tags/{base_tag}^{{tree}}", "--", normal)
    entry = listing.stdout.decode("utf-8", "replace").split("\0")[0] if listing.returncode == 0 else ""
    mode = entry.split(" ", 1)[0]
    if mode == SYMLINK_MODE:
        raise RepoError(f"{WHAT} {path!r} is a symbolic link in {base_tag}; hotfix-guard writes only regular files")
    if entry and mode not in REGULAR_MODES:
        raise RepoError(f"{WHAT} {path!r} is not a regular file in {base_tag}; fix version-files in the config")


def _version_span(text: str, path: str, pattern: str, old: str, label: str) -> tuple[int, int]:
    if pattern:
        try:
            match = re.search(pattern, text, re.MULTILINE)
        except re.error as error:
            raise RepoError(f"version-files: {pattern!r} is not a valid regular expression ({error})") from None
        if match is None or match.re.groups < 1:
            raise RepoError(f"version file {path!r}: {pattern!r} finds no version (it needs a group around it)")
        if match.group(1) != old:
            raise RepoError(
                f"version file {path!r} says {match.group(1)!r}, but {label} is {old}; fix the file or the tag"
            )
        return match.span(1)
    spans = [m.span() for m in re.finditer(rf"(?<![0-9.]){re.escape(old)}(?![0-9.])", text)]
    if len(spans) != 1:
        found = "does not contain" if not spans else f"contains {len(spans)} times"
        raise RepoError(f"version file {path!r} {found} {label} version {old}; give a regex: '{path}:<regex>'")
    return spans[0]


# --- the back-merge's conflict on the version -------------------------------------------

# A version as projects write them: 2.3.0, 2.3.0.dev0, 2.3.0-dev, 2.3.0rc1, 2.3.0-beta.1+build.5.
VERSION_TOKEN = re.compile(
    r"(?<![0-9.])[0-9]+(?:\.[0-9]+)+(?:[-+.]?[A-Za-z][0-9A-Za-z]*(?:[-+.][0-9A-Za-z]+)*)?(?![0-9A-Za-z])"
)
MARKERS = ("<" * 7, "|" * 7, "=" * 7, ">" * 7)  # git's diff3 conflict markers, at their default size


def keep_our_versions(text: str, release: str) -> tuple[str, list[str]] | str:
    """TEXT, a file git merged with diff3 conflict markers, with every conflict resolved to our
    side, and the versions ours kept; or, as a string, why it cannot be: a conflict that changes
    anything but a version on either side, or whose other side's version is not RELEASE."""
    lines = text.splitlines(keepends=True)
    resolved: list[str] = []
    kept: list[str] = []
    at, hunks = 0, 0
    while at < len(lines):
        if not _is_marker(lines[at], MARKERS[0]):
            if any(_is_marker(lines[at], marker) for marker in MARKERS[1:]):
                return "its conflict markers do not parse"
            resolved.append(lines[at])
            at += 1
            continue
        sides: list[list[str]] = [[], [], []]  # ours, base, theirs
        side, at = 0, at + 1
        while at < len(lines) and not _is_marker(lines[at], MARKERS[3]):
            line = lines[at]
            if side < 2 and _is_marker(line, MARKERS[side + 1]):
                side += 1
            elif any(_is_marker(line, marker) for marker in MARKERS):
                return "its conflict markers do not parse"
            else:
                sides[side].append(line)
            at += 1
        if at == len(lines) or side != 2:
            return "its conflict markers do not parse"
        at += 1
        hunks += 1
        reason = _version_only("".join(sides[0]), "".join(sides[1]), "".join(sides[2]), release, kept)
        if reason:
            return reason
        resolved.extend(sides[0])
    if not hunks:
        return "no conflict in it that hotfix-guard can read"
    return "".join(resolved), kept


def _is_marker(line: str, marker: str) -> bool:
    return line.startswith(marker) and line[len(marker) : len(marker) + 1] in ("", " ", "\n", "\r")


def _version_only(ours: str, base: str, theirs: str, release: str, kept: list[str]) -> str:
    """Why the conflicting hunk OURS | BASE | THEIRS is not a version conflict ("" when it is):
    the three sides must differ in versions only, and the hotfix's side may only set RELEASE."""
    shapes = {VERSION_TOKEN.sub("\0", side) for side in (ours, base, theirs)}
    if len(shapes) != 1:
        return "the conflict changes more than the version"
    ours_versions, base_versions, theirs_versions = (VERSION_TOKEN.findall(side) for side in (ours, base, theirs))
    # Keeping develop's side drops every change the hotfix made in the hunk: that is only right
    # where develop changed the same version too (its own version supersedes the release's).
    # A version only the hotfix moved (SCHEMA_VERSION beside __version__) would be lost.
    dropped = [
        new
        for own, old, new in zip(ours_versions, base_versions, theirs_versions, strict=True)
        if new != old and own == old
    ]
    if dropped:
        return f"the hotfix also changes {', '.join(dropped)} where develop did not, which keeping develop's side would lose"
    moved = [new for old, new in zip(base_versions, theirs_versions, strict=True) if old != new]
    others = [new for new in moved if new != release]
    if release in moved and others:
        return f"the conflict also changes {', '.join(others)}, not only the version"
    if not moved or others:
        return f"the hotfix's side sets {', '.join(moved) or 'no version'}, not its release {release}"
    kept.extend(own for own, new in zip(ours_versions, theirs_versions, strict=True) if own != new and own not in kept)
    return ""
