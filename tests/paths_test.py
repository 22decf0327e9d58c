"""Files read and written on the user's behalf stay inside the repository."""

from __future__ import annotations

import os

import pytest

from hotfix_guard.errors import RepoError
from hotfix_guard.paths import inside, read_inside, refuse_symlink, write_atomic


def test_inside_accepts_paths_in_the_top(tmp_path) -> None:
    (tmp_path / "docs").mkdir()
    assert inside(str(tmp_path), "docs/x.md", "file") == str(tmp_path.resolve() / "docs" / "x.md")


@pytest.mark.parametrize("path", ["../secret.txt", "/etc/passwd", "docs/../../secret.txt"])
def test_inside_refuses_paths_leaving_the_top(tmp_path, path: str) -> None:
    top = tmp_path / "repo"
    (top / "docs").mkdir(parents=True)
    with pytest.raises(RepoError, match="is outside the repository"):
        inside(str(top), path, "template")


def test_read_inside_refuses_a_symlink_out(tmp_path) -> None:
    top = tmp_path / "repo"
    top.mkdir()
    (tmp_path / "secret.txt").write_text("s3cret")
    os.symlink(tmp_path / "secret.txt", top / "link.txt")
    with pytest.raises(RepoError, match="outside the repository"):
        read_inside(str(top), "link.txt", "template")
    (top / "ok.txt").write_text("fine")
    assert read_inside(str(top), "ok.txt", "template") == b"fine"


def test_refuse_symlink_names_the_file(tmp_path) -> None:
    os.symlink(tmp_path / "elsewhere", tmp_path / "VERSION")
    with pytest.raises(RepoError, match="'VERSION' is a symbolic link"):
        refuse_symlink(str(tmp_path), "VERSION", "version file")


def test_write_atomic_keeps_mode_and_exclusive_refuses(tmp_path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    os.chmod(target, 0o755)
    write_atomic(str(target), b"new")
    assert target.read_text() == "new" and (os.stat(target).st_mode & 0o777) == 0o755
    with pytest.raises(FileExistsError):
        write_atomic(str(target), b"again", exclusive=True)
    assert target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["run.sh"]  # no temporary file left


def test_write_atomic_over_a_symlink_gives_a_file_of_the_umask_not_the_links_0777(tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("theirs")
    target = tmp_path / "map.json"
    target.symlink_to(elsewhere)
    previous = os.umask(0o022)
    try:
        write_atomic(str(target), b"ours")
    finally:
        os.umask(previous)
    assert not target.is_symlink() and target.read_bytes() == b"ours" and elsewhere.read_text() == "theirs"
    assert target.stat().st_mode & 0o7777 == 0o644


def test_write_atomic_replaces_a_temporary_file_a_killed_process_with_this_pid_left(tmp_path) -> None:
    target = tmp_path / "map.json"
    left = tmp_path / f".map.json.hotfix-guard-{os.getpid()}.tmp"
    left.write_bytes(b"half")
    write_atomic(str(target), b"whole")
    assert target.read_bytes() == b"whole" and not left.exists()
