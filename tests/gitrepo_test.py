"""The git layer's reading of git's own words."""

from __future__ import annotations

from hotfix_guard.gitrepo import GitResult


def test_a_git_error_that_lists_files_keeps_their_names() -> None:
    stderr = (
        b"error: Your local changes to the following files would be overwritten by checkout:\n"
        b"\tconf.yml\n\tapp.py\nPlease commit your changes or stash them before you switch branches.\nAborting\n"
    )
    assert GitResult(1, b"", stderr).error_line() == (
        "error: Your local changes to the following files would be overwritten by checkout: conf.yml, app.py"
    )
