"""The crash matrix: kill `start --push`, `finish --push` and `rollback --push` at every ref
update in turn, with SIGKILL and with SIGINT or SIGTERM (alternating), and check that
nothing is lost.

Each case runs the real CLI in a process group of its own and stops it at the N-th
`prepared` or `committed` reference transaction (in the repository or in its bare remote;
see crashkit). From that killed state, two recoveries are tried, each on its own copy:

(a) undo: `<command> --abort` must bring every ref, HEAD, the index, the work tree
    (tracked, untracked and ignored files), the stashes, hotfix-guard's records and the
    remote back byte for byte as they were before the run. Once the remote holds what the
    command pushed, the push cannot be taken back (nothing is ever force-pushed): then
    `--abort` must name the remote, leave the remote as it is, leave every local branch and
    tag the remote also has equal to it, and keep the user's stashes and untracked and
    ignored files.
(b) complete: the same command run again (a user's first move), and when that refuses
    and says to run `<command> --continue`, that; the end state must equal an
    uninterrupted run's: refs, HEAD, index, files, stashes, remote, upstreams, and the
    records with their times blanked. When the kill came before anything the user can see
    had changed, the re-run alone must complete.
A killed state byte for byte equal to one already recovered from in the same session, by
any worker (most often the state before the run, which every SIGINT or SIGTERM that was put
back leaves), reuses that recovery's findings: same input, same commands (see
recovery_problems). Each command's scenario and uninterrupted reference run are built once
per session too, by the first worker that needs them (see reference).

"Byte for byte" covers: every ref (with refs/stash and the remote-tracking refs), HEAD,
the index (`ls-files -s` and the staged diff against HEAD), every file outside .git with
the untracked and ignored ones, the stash list, every file under .git/hotfix-guard, an
operation under way (MERGE_HEAD, ...) or a left-over git lock, the branch.* config (the
hotfix branch's upstream), and the remote's refs. Each scenario puts a stash entry, an
untracked file and an ignored file into the repository first.

Besides: a run that exits 130 ("interrupted, put back") must have put everything back.
SIGTERM acts as Ctrl-C in the flow commands (exit 143 after the undo); a push that was
interrupted is exit 1, the result kept for a re-run with --push.

STEPS holds how many transactions of each state an uninterrupted run makes;
`test_steps_cover_every_ref_update` checks it against a counting run, so the matrix
cannot silently miss a step when the commands change.

Run it as `pytest -n 2 tests/crash_matrix_test.py`; CRASH_MATRIX_FRESH=1 starts every
command as a fresh `python -m hotfix_guard` instead of forking a warm one (slower, same
results).
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import crashkit
import pytest
from conftest import GOOD_MESSAGE
from crashkit import State, differences, hotfix_guard, snapshot

COMMANDS = {
    "start": ["start", "--push", "--severity", "critical", "--summary", "Login accepts empty tokens"],
    "finish": ["finish", "hotfix/v1.2.4", "--push"],
    "rollback": ["rollback", "--push"],
}
ABORT = {"start": ["start", "--abort"], "finish": ["finish", "--abort"], "rollback": ["rollback", "--abort"]}
# (prepared, committed) transactions of an uninterrupted run, local and remote together.
STEPS = {"start": (4, 4), "finish": (12, 12), "rollback": (5, 5)}


def signals_at(state: str, number: int) -> tuple[int, int]:
    """SIGKILL (nothing runs after it) at every stop point; Ctrl-C and SIGTERM, which take the
    same undo (SIGTERM raises a KeyboardInterrupt in the flow commands, and git's children die
    of either alike), alternate, so that each stop point's neighbours get the other one and
    both signals reach every step kind. Every point with both would double the matrix's time
    (about 35 CPU-seconds) for no path of the code that the alternation does not run."""
    graceful = signal.SIGINT if (number + (state == "committed")) % 2 else signal.SIGTERM
    return signal.SIGKILL, graceful


CASES = [
    pytest.param(command, signum, state, number, id=f"{command}-{crashkit.SIGNALS[signum]}-{state}{number}")
    for command, (prepared, committed) in STEPS.items()
    for state, count in (("prepared", prepared), ("committed", committed))
    for number in range(1, count + 1)
    for signum in signals_at(state, number)
]
CONFIG = 'version-files = ["VERSION"]\n\n[focused-tests]\nseverity = "off"\n'


@dataclass
class Reference:
    """A scenario ready to copy, the state before the command, and after an uninterrupted run."""

    template: Path
    before: State
    after: State
    log: str


_references: dict[str, Reference] = {}


def shared(factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this session sees (their base temps' parent), or the
    base temp without xdist: the references and recoveries are built once for all workers."""
    base = factory.getbasetemp()
    # A worker's base temp is the session's own, then popen-<worker id> (xdist's workermanage);
    # the variable alone could be inherited by a run without xdist, whose base temp's parent
    # outlives the session and would serve an older run's findings.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return base.parent if worker and base.name == f"popen-{worker}" else base


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """One worker at a time (a lock file beside PATH)."""
    with open(f"{path}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def reference(command: str, factory: pytest.TempPathFactory) -> Reference:
    """Built once per session, by the first worker that needs it: the scenario, then one
    uninterrupted counting run on a copy. The others wait for it and read it."""
    if command not in _references:
        place = shared(factory) / f"crash-matrix-{command}"
        with locked(place):
            kept = place / "reference.pickle"
            if not kept.exists():  # (a worker whose build failed leaves its folder, not this file)
                built = _build_reference(command, place / f"built-by-{os.getpid()}")
                kept.with_suffix(".part").write_bytes(pickle.dumps(built))
                kept.with_suffix(".part").rename(kept)
            _references[command] = pickle.loads(kept.read_bytes())
    return _references[command]


def _build_reference(command: str, place: Path) -> Reference:
    template = place / "template"
    template.mkdir(parents=True)
    SCENARIOS[command](template)
    for git_dir in (template / "repo", template / "origin.git"):
        crashkit.git(git_dir, "repack", "-a", "-d", "-q")  # fewer files to copy for every case
    before = snapshot(template)
    counted = crashkit.copy(template, place / "reference" / "top")
    run = crashkit.crash(counted, COMMANDS[command], signal.SIGKILL, "none", 0)
    assert run.run.returncode == 0, f"the uninterrupted run failed: {run.run.describe()}"
    return Reference(template, before, snapshot(counted), run.log)


# --- the scenarios: few commits, a remote, and user state that must survive ------------


def released(top: Path) -> Path:
    """v1.2.3 on main (pushed), develop one commit ahead at version 1.3.0.dev0 (pushed), main checked out."""
    repo = top / "repo"
    crashkit.git(top, "init", "-q", "-b", "main", "--template=", "repo")
    crashkit.install_hooks(repo / ".git")
    files = {".gitignore": "settings.local\n", ".hotfix-guard.toml": CONFIG, "VERSION": "1.2.3\n"}
    files |= {"app.py": "print('hello')\n", "README.md": "app\n"}
    commit(repo, "feat: first release", files)
    crashkit.git(repo, "tag", "v1.2.3")
    crashkit.git(repo, "switch", "-q", "-c", "develop")
    # develop's own version: finish's merge back conflicts on it and resolves it by itself (issue 11)
    commit(repo, "feat: unreleased", {"feature.py": "new\n", "VERSION": "1.3.0.dev0\n"})
    crashkit.git(repo, "switch", "-q", "main")
    crashkit.add_remote(repo, top / "origin.git")
    crashkit.git(repo, "push", "-q", "origin", "main", "develop", "v1.2.3")
    crashkit.git(repo, "fetch", "-q", "origin")
    return repo


def commit(repo: Path, message: str, files: dict[str, str]) -> None:
    for name, content in files.items():
        (repo / name).write_text(content)
    crashkit.git(repo, "add", "-A")
    crashkit.git(repo, "commit", "-q", "-m", message)


def user_state(repo: Path) -> None:
    """A stash entry, an untracked and an ignored file: none of them may be lost."""
    (repo / "README.md").write_text("app, with notes not committed yet\n")
    crashkit.git(repo, "stash", "push", "-q", "-m", "wip: readme")
    (repo / "notes.txt").write_text("untracked notes\n")
    (repo / "settings.local").write_text("password = ignored but precious\n")


def start_scenario(top: Path) -> None:
    user_state(released(top))


def finish_scenario(top: Path) -> None:
    """hotfix/v1.2.4 started with the real `start --push`, one fix committed, pushed and approved."""
    repo = released(top)
    started = hotfix_guard(repo, "start", "--push", "--severity", "high", "--summary", "Login accepts empty tokens")
    assert started.returncode == 0, started.describe()
    commit(repo, GOOD_MESSAGE, {"app.py": "print('fixed')\n"})
    crashkit.git(repo, "push", "-q")
    crashkit.git(repo, "fetch", "-q", "origin")
    # A high-severity hotfix needs a reviewer's approval of its head before finish (issue 15).
    reviewer = {"GIT_COMMITTER_NAME": "Rita Reviewer", "GIT_COMMITTER_EMAIL": "rita@example.com"}
    approved = hotfix_guard(repo, "approve", "--role", "peer", env=reviewer)
    assert approved.returncode == 0, approved.describe()
    user_state(repo)


def rollback_scenario(top: Path) -> None:
    """v1.2.4 released on main and pushed, found bad; develop checked out."""
    repo = released(top)
    commit(repo, "feat: cache everything", {"app.py": "print('cached')\n"})
    crashkit.git(repo, "tag", "v1.2.4")
    crashkit.git(repo, "push", "-q", "origin", "main", "v1.2.4")
    crashkit.git(repo, "fetch", "-q", "origin")
    crashkit.git(repo, "switch", "-q", "develop")
    user_state(repo)


SCENARIOS = {"start": start_scenario, "finish": finish_scenario, "rollback": rollback_scenario}


# --- the matrix ------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_steps_cover_every_ref_update(command: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    counts = crashkit.count_transactions(reference(command, tmp_path_factory).log)
    expected = dict(zip(("prepared", "committed"), STEPS[command], strict=True))
    assert counts == expected, (
        f"an uninterrupted `{' '.join(COMMANDS[command])}` makes {counts} transactions; set STEPS[{command!r}] = "
        f"({counts['prepared']}, {counts['committed']}). They are:\n{reference(command, tmp_path_factory).log}"
    )


@pytest.mark.parametrize(("command", "signum", "state", "number"), CASES)
def test_a_kill_at_any_ref_update_is_recoverable(
    command: str,
    signum: int,
    state: str,
    number: int,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> None:
    ref = reference(command, tmp_path_factory)
    top = crashkit.copy(ref.template, tmp_path / "killed")
    crash = crashkit.crash(top, COMMANDS[command], signum, state, number)
    assert crash.fired, (
        f"{' '.join(COMMANDS[command])} never reached {state} #{number}; see STEPS. It saw:\n{crash.log}"
    )
    killed = snapshot(top)
    problems = interrupted_problems(crash, killed, ref)
    problems += recovery_problems(command, top, killed, ref, tmp_path, request.node.name, tmp_path_factory)
    assert not problems, (
        f"`hotfix-guard {' '.join(COMMANDS[command])}` sent {crashkit.SIGNALS[signum]} at {crash.describe()}\n"
        f"state right after the kill, against before the run:\n  {_lines(differences(killed, ref.before))}\n"
        + "\n".join(problems)
    )


def recovery_problems(
    command: str, top: Path, killed: State, ref: Reference, tmp_path: Path, case: str, factory: pytest.TempPathFactory
) -> list[str]:
    """(a) and (b) from the killed state in TOP, once per distinct state and session.

    Many kills leave the same state: every SIGINT or SIGTERM that was put back leaves the
    state before the run, records and all. Recovering from a state already recovered from,
    byte for byte the same input (crashkit.fingerprint), runs the same commands on it, so
    its findings (kept in the session's shared folder, for every worker) are reused instead
    of running `--abort` and the re-run again.
    """
    kept = shared(factory) / f"crash-matrix-{command}" / "recoveries" / f"{crashkit.fingerprint(top, killed)}.json"
    if not kept.exists():
        crashkit.disarm(top)
        problems = abort_problems(crashkit.copy(top, tmp_path / "abort"), ABORT[command], killed, ref)
        problems += completion_problems(top, command, killed, ref)
        kept.parent.mkdir(exist_ok=True)
        kept.with_name(f"{kept.name}.{os.getpid()}").write_text(json.dumps({"problems": problems, "case": case}))
        kept.with_name(f"{kept.name}.{os.getpid()}").replace(kept)  # whole, or not there
    found = json.loads(kept.read_text())
    problems, first = found["problems"], found["case"]
    if problems and first != case:
        return [f"(recovered from the same state in {first}:)", *problems]
    return list(problems)


def interrupted_problems(crash: crashkit.Crash, killed: State, ref: Reference) -> list[str]:
    """Exit 130 promises that everything was put back."""
    if crash.run.returncode != 130:
        return []
    if not differences(killed, ref.before):
        return []
    return ["(0) it exited 130, which says it was interrupted and put everything back, but the state above differs"]


def abort_problems(top: Path, args: list[str], killed: State, ref: Reference) -> list[str]:
    run = hotfix_guard(top / "repo", *args)
    after = snapshot(top)
    if killed.remote == ref.before.remote:
        left = differences(after, ref.before)
        return [f"(a) {run.describe()}; then, against before the run:\n  {_lines(left)}"] if left else []
    left = [
        f"remote {name}: {sha[:10]} became {after.remote.get(name, 'absent')[:10]}"
        for name, sha in killed.remote.items()
        if after.remote.get(name) != sha
    ]
    for name, sha in after.remote.items():
        if name.startswith(("refs/heads/", "refs/tags/")) and after.refs.get(name, sha) != sha:
            left.append(f"{name} is {after.refs[name][:10]} here, {sha[:10]} on origin, which has the push already")
    if "origin" not in run.output():
        left.append("it does not say that origin has the push already (its output never names origin)")
    left += _user_data_lost(after, ref.before)
    if not left:
        return []
    return [f"(a) after the push reached origin, {run.describe()}; then:\n  {_lines(left)}"]


def _user_data_lost(after: State, before: State) -> list[str]:
    lost = [f"stash list: {after.stashes!r}, expected {before.stashes!r}"] if after.stashes != before.stashes else []
    for name in ("notes.txt", "settings.local"):
        if after.files.get(name) != before.files[name]:
            lost.append(f"file {name}: {after.files.get(name, 'absent')}, expected {before.files[name]}")
    return lost


def completion_problems(top: Path, command: str, killed: State, ref: Reference) -> list[str]:
    untouched = killed.user_state() == ref.before.user_state()
    runs = [hotfix_guard(top / "repo", *COMMANDS[command])]
    if runs[0].returncode != 0 and f"{command} --continue" in runs[0].output() and not untouched:
        runs.append(hotfix_guard(top / "repo", command, "--continue"))
    end = snapshot(top)
    left = differences(end.timeless(), ref.after.timeless())
    if runs[-1].returncode != 0:
        left.insert(0, "it did not complete (exit status above)")
    if not left:
        return []
    what = ", then ".join(run.describe() for run in runs)
    when = " (the kill came before anything had changed, so the re-run alone must complete)" if untouched else ""
    return [f"(b) {what}{when}; then, against an uninterrupted run:\n  {_lines(left)}"]


def _lines(items: list[str]) -> str:
    return "\n  ".join(items) if items else "(no difference)"


def test_the_harness_sees_a_change_it_must(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The snapshot is not blind: a lost ignored file and a moved ref both show."""
    top = crashkit.copy(reference("start", tmp_path_factory).template, tmp_path / "top")
    before = snapshot(top)
    (top / "repo" / "settings.local").unlink()
    subprocess.run(["git", "update-ref", "refs/heads/develop", "main"], cwd=top / "repo", check=True)
    assert sorted(line.split(":")[0] for line in differences(snapshot(top), before)) == [
        "files settings.local",
        "refs refs/heads/develop",
    ]
