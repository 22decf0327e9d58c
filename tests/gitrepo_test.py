"""The git layer's reading of git's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo

from hotfix_guard.gitrepo import GitResult
from hotfix_guard.repository import Repo


def test_a_git_error_that_lists_files_keeps_their_names() -> None:
    stderr = (
        b"error: Your local changes to the following files would be overwritten by checkout:\n"
        b"\tconf.yml\n\tapp.py\nPlease commit your changes or stash them before you switch branches.\nAborting\n"
    )
    assert GitResult(1, b"", stderr).error_line() == (
        "error: Your local changes to the following files would be overwritten by checkout: conf.yml, app.py"
    )


def test_shas_answers_as_sha_does_for_each_ref_with_one_git(released: GitRepo, tmp_path: Path) -> None:
    """Annotated tags (the tag object), a symbolic ref, a ref that does not exist, one whose
    name is another's prefix, packed and loose refs, and a name outside refs/."""
    released.git("tag", "-a", "-m", "release", "v1.2.4", "HEAD")
    released.git("symbolic-ref", "refs/heads/alias", "refs/heads/main")
    released.switch("main-2")
    released.commit("feat: two")
    released.git("pack-refs", "--all")
    released.switch("mainline")
    released.commit("feat: loose")
    refs = [
        "refs/heads/main",
        "refs/heads/main-2",
        "refs/heads/mainline",
        "refs/heads/alias",
        "refs/heads/ma",
        "refs/heads/gone",
        "refs/tags/v1.2.3",
        "refs/tags/v1.2.4",
        "HEAD",
        "v1.2.4^{commit}",
    ]
    repo = Repo(str(released.path))
    trace = tmp_path / "trace"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTFIX_GUARD_TRACE_GIT", str(trace))
        found = repo.shas(refs)
    assert found == {ref: repo.sha(ref) for ref in refs}
    assert found["refs/heads/alias"] == found["refs/heads/main"] and found["refs/heads/gone"] is None
    assert found["refs/tags/v1.2.4"] != found["v1.2.4^{commit}"] == found["refs/heads/main"]
    assert len(trace.read_text().splitlines()) == 3  # one for-each-ref, and HEAD and the peel one each
