"""The merge back into develop, predicted before it runs: clean, a conflict `finish` resolves by
itself, or a conflict it stops on.

`start` bumps the version files on the hotfix branch, and develop has its own version there
(`2.3.0.dev0`), so the merge back conflicts on every hotfix of a project with a version file.
When every conflicting hunk lies in a configured version file and changes nothing but the
version, develop keeps its own: the merge runs with `-X ours` (which resolves exactly those
hunks to develop's side), and its tree must then be the one predicted here, else finish undoes
everything. Any other conflict stops for `--continue` / `--abort`.

The prediction is `git merge-tree --write-tree` (git 2.38+) with diff3 markers: it needs no
checkout and changes no ref, so `finish --dry-run` uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from hotfix_guard.flow.version_files import keep_our_versions, tree_with

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.repository import Repo

CONTENT_STAGES = ("1", "2", "3")  # base, ours, theirs: a conflict inside the file, not over its existence


class KeptVersion(TypedDict):
    """A version file whose back-merge conflict finish resolved: develop kept its own version."""

    path: str
    kept: str  # develop's version(s), comma-separated
    hotfix: str  # the version the hotfix set


@dataclass
class Prediction:
    """What merging a branch into another would do."""

    tree: str  # merge-tree's result, conflict markers and all
    conflicts: list[str] = field(default_factory=list)  # paths in conflict; none: a clean merge
    reason: str = ""  # why the conflicts are not resolved by themselves ("" when they are, or there are none)
    resolved: dict[str, bytes] = field(default_factory=dict)  # path: its content with develop's version kept
    kept: list[KeptVersion] = field(default_factory=list)

    @property
    def resolvable(self) -> bool:
        return bool(self.conflicts) and not self.reason


def predict(repo: Repo, into: str, branch: str, version_files: list[str], release: str | None) -> Prediction | None:
    """Merging revision BRANCH into revision INTO: clean, resolvable (every conflict a version-only
    hunk of one of VERSION_FILES, whose hotfix side sets RELEASE), or not; None where git cannot tell."""
    result = repo.try_git(
        "-c", "merge.conflictStyle=diff3", "merge-tree", "--write-tree", "-z", "--no-messages", into, branch
    )
    if result.returncode not in (0, 1):
        return None
    fields = result.text().split("\0")
    prediction = Prediction(fields[0].strip())
    stages: dict[str, dict[str, str]] = {}
    for entry in fields[1:]:
        if not entry:
            break
        info, _, path = entry.partition("\t")
        mode, _, stage = info.split(" ")
        stages.setdefault(path, {})[stage] = mode
    prediction.conflicts = sorted(stages)
    if result.returncode == 0 or not prediction.conflicts:
        return prediction
    others = [path for path in prediction.conflicts if path not in version_files]
    if others:
        prediction.reason = f"{', '.join(others)} {'is' if len(others) == 1 else 'are'} not a version file"
        return prediction
    if release is None:
        prediction.reason = "the hotfix's version is not known"
        return prediction
    for path in prediction.conflicts:
        reason = _resolve(repo, prediction, path, stages[path], release)
        if reason:
            prediction.reason = f"{path}: {reason}"
            prediction.resolved, prediction.kept = {}, []
            break
    return prediction


def _resolve(repo: Repo, prediction: Prediction, path: str, stages: dict[str, str], release: str) -> str:
    """Resolve PATH's conflict into PREDICTION; why it cannot be, or ""."""
    if tuple(sorted(stages)) != CONTENT_STAGES or len(set(stages.values())) != 1:
        return "the conflict is over the file itself (added, deleted, renamed or its mode), not its version"
    shown = repo.try_git("cat-file", "blob", f"{prediction.tree}:{path}")
    try:
        text = shown.stdout.decode("utf-8") if shown.returncode == 0 else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        return "its merged text is not UTF-8 text git can show"
    result = keep_our_versions(text, release)
    if isinstance(result, str):
        return result
    resolved, kept = result
    prediction.resolved[path] = resolved.encode("utf-8")
    prediction.kept.append({"path": path, "kept": ", ".join(kept), "hotfix": release})
    return ""


def resolved_tree(repo: Repo, prediction: Prediction) -> str:
    """The tree of the merge with the version conflicts resolved: merge-tree's, with each
    resolved file in place of its conflict markers. Written to the object database only."""
    return tree_with(repo, prediction.tree, prediction.resolved)


def describe_kept(kept: list[KeptVersion], into: str) -> str:
    """What the merge back kept, e.g. 'develop keeps its own version 2.3.0.dev0 in VERSION (not the hotfix's 2.2.1)'."""
    versions = sorted({item["kept"] for item in kept})
    paths = ", ".join(item["path"] for item in kept)
    hotfix = sorted({item["hotfix"] for item in kept})
    return f"{into} keeps its own version {', '.join(versions)} in {paths} (not the hotfix's {', '.join(hotfix)})"
