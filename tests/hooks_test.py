"""`hotfix-guard hook NAME` as pre-commit runs it: a real process, in a real repository."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOOD_MESSAGE, GitRepo


def hook(repo: GitRepo, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hotfix_guard", "hook", *args]
    return subprocess.run(command, cwd=repo.path, capture_output=True, text=True, env={**os.environ, **env})


def message_file(repo: GitRepo, text: str) -> str:
    return str(repo.write(".git/COMMIT_EDITMSG", text))


def test_commit_message_passes_and_blocks(hotfix: GitRepo) -> None:
    assert hook(hotfix, "commit-message", message_file(hotfix, GOOD_MESSAGE + "\n")).returncode == 0
    blocked = hook(hotfix, "commit-message", message_file(hotfix, "quick fix\n"))
    assert blocked.returncode == 1
    assert blocked.stderr.startswith("error   [commit-message] missing the hotfix token")


def test_commit_message_ignores_comments_and_below_scissors(hotfix: GitRepo) -> None:
    text = "fix: HOTFIX - x\n# comment\n# ------------------------ >8 ------------------------\ndiff --git garbage\n"
    assert hook(hotfix, "commit-message", message_file(hotfix, text)).returncode == 0
    only_comments = hook(hotfix, "commit-message", message_file(hotfix, "# fix: HOTFIX\n"))
    assert only_comments.returncode == 1 and "empty commit message" in only_comments.stderr


def test_every_hook_passes_silently_off_hotfix_branches(released: GitRepo) -> None:
    for name in ("branch-name", "file-count", "diff-size", "validate"):
        result = hook(released, name)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert hook(released, "commit-message", message_file(released, "wip\n")).returncode == 0


def test_merge_commit_message_is_skipped(hotfix: GitRepo) -> None:
    hotfix.write(".git/MERGE_HEAD", hotfix.git("rev-parse", "HEAD"))
    assert hook(hotfix, "commit-message", message_file(hotfix, "Merge branch 'x'\n")).returncode == 0


def test_config_option_from_pre_commit_args(hotfix: GitRepo) -> None:
    config = hotfix.write("ci/guard.toml", "[commit-message]\ntoken = 'URGENT'\nconventional = false\n")
    for args in (["--config", str(config)], [f"--config={config}"]):
        assert hook(hotfix, "commit-message", *args, message_file(hotfix, "URGENT: patch\n")).returncode == 0
        assert hook(hotfix, "commit-message", *args, message_file(hotfix, GOOD_MESSAGE)).returncode == 1
    assert hook(hotfix, "branch-name", "--config").returncode == 2


def test_branch_name_hook_blocks_near_miss_with_the_right_name(hotfix: GitRepo) -> None:
    hotfix.git("branch", "-m", "hotfix-v1.2.4")
    result = hook(hotfix, "branch-name")
    assert result.returncode == 1
    assert "rename it: git branch -m hotfix/v1.2.4" in result.stderr


def test_file_count_hook_counts_committed_plus_staged(hotfix: GitRepo) -> None:
    for index in range(4):
        hotfix.write(f"s{index}.txt")
    hotfix.git("add", "-A")
    assert hook(hotfix, "file-count").returncode == 0
    hotfix.write("s4.txt")
    hotfix.git("add", "-A")
    blocked = hook(hotfix, "file-count")
    assert blocked.returncode == 1 and "6 files changed, the limit is 5" in blocked.stderr
    assert hook(hotfix, "file-count", HOTFIX_GUARD_ALLOW_LARGE="1").returncode == 0


def test_diff_size_hook_warns_without_blocking(hotfix: GitRepo) -> None:
    hotfix.write("big.txt", "line\n" * 250)
    hotfix.git("add", "-A")
    result = hook(hotfix, "diff-size")
    assert result.returncode == 0 and result.stderr.startswith("warning [diff-size] 252 lines changed")


def test_pre_push_checks_the_pushed_branch_not_the_checkout(hotfix: GitRepo) -> None:
    hotfix.switch("hotfix/v1.3.0", "v1.2.3")
    hotfix.commit()
    pushed = hotfix.git("rev-parse", "hotfix/v1.3.0").strip()
    hotfix.checkout("main")
    env = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/hotfix/v1.3.0", "PRE_COMMIT_TO_REF": pushed}
    result = hook(hotfix, "validate", **env)
    assert result.returncode == 1 and "'hotfix/v1.3.0' does not follow its base v1.2.3" in result.stderr


def test_pre_push_of_a_detached_head_to_a_hotfix_branch_is_checked(hotfix: GitRepo) -> None:
    hotfix.commit("no token here")
    pushed = hotfix.git("rev-parse", "HEAD").strip()
    hotfix.checkout(pushed)
    env = {"PRE_COMMIT_LOCAL_BRANCH": "HEAD", "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/hotfix/v1.2.4"}
    result = hook(hotfix, "validate", **env, PRE_COMMIT_TO_REF=pushed)
    assert result.returncode == 1 and "'no token here': missing the hotfix token" in result.stderr


def test_validate_hook_on_manual_stage(hotfix: GitRepo) -> None:
    assert hook(hotfix, "validate").returncode == 0
    hotfix.commit("no token here")
    assert hook(hotfix, "validate").returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "'nope' is not one of 'branch-name'"),
        (["commit-message"], "takes the message file"),
        (["commit-message", "/no/such/file"], "cannot read the commit message file"),
    ],
)
def test_bad_hook_usage_is_exit_2(hotfix: GitRepo, args: list[str], message: str) -> None:
    result = hook(hotfix, *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_hook_outside_a_repository(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hotfix_guard", "hook", "branch-name"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "not in a git repository" in result.stderr


def test_hook_during_rebase_uses_the_branch_being_rebased(hotfix: GitRepo) -> None:
    hotfix.git("checkout", "-q", "--detach")
    assert hook(hotfix, "commit-message", message_file(hotfix, "nope\n")).returncode == 0  # detached: out of scope
    hotfix.write(".git/rebase-merge/head-name", "refs/heads/hotfix/v1.2.4\n")
    assert hook(hotfix, "commit-message", message_file(hotfix, "nope\n")).returncode == 1


@pytest.mark.parametrize(("severity", "code"), [("off", 0), ("warning", 0), ("error", 1)])
def test_commit_message_hook_follows_configured_severity(hotfix: GitRepo, severity: str, code: int) -> None:
    hotfix.write(".hotfix-guard.toml", f'[commit-message]\nseverity = "{severity}"\n')
    result = hook(hotfix, "commit-message", message_file(hotfix, "bad\n"))
    assert result.returncode == code
    assert result.stderr.startswith(f"{severity:<7} [commit-message]") or (severity == "off" and not result.stderr)


def test_the_hook_script_is_hotfix_guard_hook(hotfix: GitRepo) -> None:
    """`hotfix-guard-hook NAME`, the entry of .pre-commit-hooks.yaml and of the shims: the same
    exits and words as `hotfix-guard hook NAME` (its speed is benchmarks/bench.py's to measure)."""
    script = os.path.join(os.path.dirname(sys.executable), "hotfix-guard-hook")
    assert os.access(script, os.X_OK), "pip install puts the script beside python (setup.cfg's scripts)"
    assert_same_as_hook(hotfix, [script])


def assert_same_as_hook(repo: GitRepo, script: list[str], env: dict[str, str] | None = None) -> None:
    message = message_file(repo, "quick fix\n")
    for args in (["commit-message", message], ["nope"], ["--help"]):
        direct = subprocess.run([*script, *args], cwd=repo.path, capture_output=True, text=True, env=env)
        through = hook(repo, *args)
        assert (direct.returncode, direct.stdout, direct.stderr) == (through.returncode, through.stdout, through.stderr)
        assert direct.returncode == {"commit-message": 1, "nope": 2, "--help": 0}[args[0]], direct.stderr


def test_the_hook_script_runs_the_python_of_its_own_install(hotfix: GitRepo, tmp_path: Path) -> None:
    """The script runs itself with the python named on the first line of the `hotfix-guard`
    console script beside it (the same install), never a `python` that merely sits in the same
    directory; where that line is pip's `#!/bin/sh` form (pip writes it for a path with a space
    or too long for a kernel to start), it hands over to the console script."""
    installed = Path(sys.executable).parent
    assert (installed / "hotfix-guard-hook").read_text().startswith("#!/bin/sh\n")
    shared = tmp_path / "shared-bin"
    shared.mkdir()
    (shared / "python").write_text("#!/bin/sh\necho 'not this python' >&2\nexit 9\n")
    (shared / "python").chmod(0o755)
    shutil.copy(installed / "hotfix-guard", shared / "hotfix-guard")
    shutil.copy(installed / "hotfix-guard-hook", shared / "hotfix-guard-hook")
    assert_same_as_hook(hotfix, [str(shared / "hotfix-guard-hook")])
    trampoline = tmp_path / "trampoline"
    trampoline.mkdir()
    shutil.copy(installed / "hotfix-guard-hook", trampoline / "hotfix-guard-hook")
    (trampoline / "hotfix-guard").write_text(f'#!/bin/sh\nexec {shlex.quote(str(installed / "hotfix-guard"))} "$@"\n')
    (trampoline / "hotfix-guard").chmod(0o755)
    assert_same_as_hook(hotfix, [str(trampoline / "hotfix-guard-hook")])


def test_the_hook_script_never_runs_a_hotfix_guard_of_the_current_directory_nor_itself(
    hotfix: GitRepo, tmp_path: Path
) -> None:
    """Started by name alone (`bash hotfix-guard-hook`, which bash finds on PATH) it does not
    take the current directory for its own; a `hotfix-guard` beside it that cannot be run is
    passed over for PATH's, as a shell would; one that is a copy of the script itself is
    refused in one line rather than run round in a loop."""
    installed = Path(sys.executable).parent
    planted = hotfix.path / "hotfix-guard"
    planted.write_text("#!/bin/sh\necho 'the repository ran its own code'\nexit 0\n")
    planted.chmod(0o755)
    env = {**os.environ, "PATH": f"{installed}:{os.environ['PATH']}"}
    assert_same_as_hook(hotfix, ["bash", "hotfix-guard-hook"], env=env)
    planted.unlink()
    idle = tmp_path / "not-executable"
    idle.mkdir()
    shutil.copy(installed / "hotfix-guard-hook", idle / "hotfix-guard-hook")
    shutil.copy(installed / "hotfix-guard", idle / "hotfix-guard")
    (idle / "hotfix-guard").chmod(0o644)
    assert_same_as_hook(hotfix, [str(idle / "hotfix-guard-hook")], env=env)
    loop = tmp_path / "loop"
    loop.mkdir()
    shutil.copy(installed / "hotfix-guard-hook", loop / "hotfix-guard-hook")
    (loop / "hotfix-guard").symlink_to(loop / "hotfix-guard-hook")
    ran = subprocess.run([str(loop / "hotfix-guard-hook"), "nope"], capture_output=True, text=True, timeout=30)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == (
        f"hotfix-guard: error: {loop}/hotfix-guard is a copy of hotfix-guard-hook, not hotfix-guard; reinstall hotfix-guard\n"
    )


def test_a_shim_runs_the_first_hotfix_guard_on_path_not_a_later_hook_script(hotfix: GitRepo, tmp_path: Path) -> None:
    """An older hotfix-guard first on PATH (an activated venv) is the one the shim runs, as
    doctor says: not the hotfix-guard-hook of another install later on PATH."""
    from hotfix_guard.install import shim_text

    older = tmp_path / "older"
    older.mkdir()
    (older / "hotfix-guard").write_text('#!/bin/sh\necho "older hotfix-guard: $*"\n')
    (older / "hotfix-guard").chmod(0o755)
    shim = tmp_path / "commit-msg"
    shim.write_text(shim_text("commit-msg"))
    shim.chmod(0o755)
    path = f"{older}:{Path(sys.executable).parent}:{os.environ['PATH']}"
    ran = subprocess.run(
        [str(shim), "MSG"], cwd=hotfix.path, capture_output=True, text=True, env={**os.environ, "PATH": path}
    )
    assert (ran.returncode, ran.stdout) == (0, "older hotfix-guard: hook commit-msg MSG\n"), ran.stderr
    newer_first = f"{Path(sys.executable).parent}:{older}:{os.environ['PATH']}"
    ran = subprocess.run(
        ["sh", "-x", str(shim), message_file(hotfix, "quick fix\n")],
        cwd=hotfix.path,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": newer_first},
    )
    assert ran.returncode == 1 and "exec " + str(Path(sys.executable).parent / "hotfix-guard-hook") in ran.stderr
    # an empty entry is the current directory, as for `command -v` and doctor: a trailing one too
    ran = subprocess.run(
        [str(shim), "MSG"], cwd=older, capture_output=True, text=True, env={**os.environ, "PATH": "/usr/bin:/bin:"}
    )
    assert (ran.returncode, ran.stdout) == (0, "older hotfix-guard: hook commit-msg MSG\n"), ran.stderr


def test_a_shim_without_hotfix_guard_on_path_never_imports_one_from_the_repository(
    hotfix: GitRepo, tmp_path: Path
) -> None:
    """The shims' last resort is python's own hotfix_guard; a `hotfix_guard/` package at the top
    of the repository (the current directory, which `python -m` puts first) is not it."""
    from hotfix_guard.install import shim_text

    message = message_file(hotfix, "quick fix\n")
    through = hook(hotfix, "commit-msg", message)  # before the package is planted: `-m` would take it
    assert through.returncode == 1
    planted = hotfix.path / "hotfix_guard"
    planted.mkdir()
    (planted / "__init__.py").write_text("print('the repository ran its own code')\n")
    (planted / "__main__.py").write_text("")
    (planted / "entry.py").write_text("def main(args):\n    print('the repository ran its own code')\n    return 0\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    shim = tmp_path / "commit-msg"
    shim.write_text(shim_text("commit-msg"))
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    ran = subprocess.run([str(shim), message], cwd=hotfix.path, capture_output=True, text=True, env=env)
    assert "the repository ran its own code" not in ran.stdout + ran.stderr
    assert (ran.returncode, ran.stdout, ran.stderr) == (through.returncode, through.stdout, through.stderr)
