"""validate on a real terminal (a pty): the file-limit prompt and colour."""

from __future__ import annotations

import os
import pty
import sys

from conftest import GOOD_MESSAGE, GitRepo


def run_in_terminal(repo: GitRepo, *args: str, answer: bytes | None = None, **env: str) -> tuple[int, bytes]:
    """Run `python -m hotfix_guard ARGS` on a pty; type ANSWER at the [y/N] prompt."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(repo.path)
        os.execve(sys.executable, [sys.executable, "-m", "hotfix_guard", *args], {**os.environ, **env})
    output = b""
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if answer is not None and b"[y/N]" in output:
            os.write(fd, answer)
            answer = None
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def large(repo: GitRepo) -> GitRepo:
    repo.commit(GOOD_MESSAGE, **{f"f{index}.txt": "x" for index in range(6)})
    return repo


def test_prompt_yes_accepts_a_large_hotfix(hotfix: GitRepo) -> None:
    code, output = run_in_terminal(large(hotfix), "--no-color", "validate", answer=b"y\n")
    assert b"Continue with hotfix? [y/N]" in output
    assert code == 0 and b"accepted (allow-large)" in output


def test_prompt_default_is_no(hotfix: GitRepo) -> None:
    code, output = run_in_terminal(large(hotfix), "--no-color", "validate", answer=b"\n")
    assert code == 1 and b"7 files changed, the limit is 5" in output.split(b"[y/N]")[1]


def test_colour_on_a_terminal_unless_no_color(hotfix: GitRepo) -> None:
    hotfix.commit("no token")
    _, painted = run_in_terminal(hotfix, "validate")
    assert b"\033[31merror  \033[0m [commit-message]" in painted
    for args, env in ((("--no-color", "validate"), {}), (("validate",), {"NO_COLOR": "1"})):
        _, plain = run_in_terminal(hotfix, *args, **env)
        assert b"\033[" not in plain and b"error   [commit-message]" in plain
