"""Kill a flow command at its N-th ref update, and compare repository states byte for byte.

The stop point is a `reference-transaction` hook, installed in the repository and in its
bare remote. It is inert unless the run sets CRASH_DIR, so setup runs pass through it
untouched; the recovery runs' copies have it taken out (disarm), as it would only cost them
a shell at every ref transaction. In a crash run it counts every transaction it sees, per state
(`prepared`, `committed`), in files under CRASH_DIR, logs the refs, and at the N-th
invocation of the chosen state sends the signal to the process group of the command
(started with start_new_session, its pid exported as CRASH_PGID before the exec).

The remote's `git receive-pack` runs in a session of its own (`setsid`, through
remote.origin.receivepack), as a real server would: killing the client never kills the
server, so a kill at the remote's ref update is "the client died while the server took
the push". The harness waits for every server it started before it looks.

A git process killed with SIGKILL inside a transaction leaves its `*.lock` files, which
git then refuses to touch ("Another git process seems to be running ... remove the file
manually"). `remove_git_locks` does what that message says, as the user would; it never
touches hotfix-guard's own lock (`.git/hotfix-guard/lock`): taking over a stale lock of
its own is the tool's job, and a left-over one shows as a difference in the records.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

HOOK = r"""#!/bin/sh
# crash-matrix stop point: inert unless a crash run set CRASH_DIR
[ -n "$CRASH_DIR" ] || exit 0
case $1 in prepared | committed) ;; *) exit 0 ;; esac
n=0
[ -f "$CRASH_DIR/$1" ] && read -r n <"$CRASH_DIR/$1"
n=$((n + 1))
echo "$n" >"$CRASH_DIR/$1"
where=${PWD##*/}
{ printf '%s #%s in %s:' "$1" "$n" "$where"; while read -r old new ref; do printf ' %s %.10s->%.10s' "$ref" "$old" "$new"; done; echo; } >>"$CRASH_DIR/log"
[ "$1" = "$CRASH_STATE" ] && [ "$n" = "$CRASH_AT" ] || exit 0
tail -n 1 "$CRASH_DIR/log" >"$CRASH_DIR/fired"
kill -s "$CRASH_SIGNAL" -- "-$CRASH_PGID"
# In the killed group the signal ends this hook too; the server, in its own session, carries on.
[ "$where" = origin.git ] || sleep 5
exit 0
"""

# The server side of a push, in a session of its own; counted so the harness can wait for it.
SERVER = r"""#!/bin/sh
echo >>"$CRASH_DIR/server-started"
exec setsid sh -c 'git receive-pack "$1"; echo >>"$CRASH_DIR/server-ended"' server "$1"
"""

SIGNALS: dict[int, str] = {signal.SIGKILL: "SIGKILL", signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
IN_PROGRESS = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply", "BISECT_LOG")
TIMESTAMP = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?")


def git(cwd: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}: {result.stderr}")
    return result.stdout


def install_hooks(git_dir: Path) -> None:
    hook = git_dir / "hooks" / "reference-transaction"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(HOOK)
    hook.chmod(0o755)


def add_remote(repo: Path, origin: Path) -> None:
    """A bare remote beside REPO, named by a relative path so that copies of both keep working."""
    git(origin.parent, "init", "-q", "--bare", "--template=", origin.name)
    install_hooks(origin)
    git(repo, "remote", "add", "origin", f"../{origin.name}")
    # The shell git runs this through expands CRASH_SERVER only in a crash run.
    git(repo, "config", "remote.origin.receivepack", "${CRASH_SERVER:-git receive-pack}")


# --- running the real command ------------------------------------------------------


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        lines = [line for line in self.output().splitlines() if line.strip()]
        shown = " | ".join(lines[-3:]) if lines else "no output"
        return f"`hotfix-guard {' '.join(self.args)}` exited {self.returncode}: {shown}"


def hotfix_guard(repo: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """The real CLI in a process (and process group) of its own, with CRASH_PGID set to its pid.

    By default a warm server forks it, with hotfix_guard already imported: each run then
    costs git's work, not the interpreter's start (about 0.3 s, most of the matrix's time
    otherwise). CRASH_MATRIX_FRESH=1 starts `python -m hotfix_guard` afresh instead.
    """
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    out, err = repo.parent / "stdout", repo.parent / "stderr"
    if os.environ.get("CRASH_MATRIX_FRESH"):
        returncode = _fresh(repo, list(args), environment, out, err, timeout)
    else:
        returncode = _warm_server().run(repo, list(args), environment, out, err, timeout)
    return Run(list(args), returncode, out.read_text(), err.read_text())


def _fresh(repo: Path, args: list[str], env: dict[str, str], out: Path, err: Path, timeout: float) -> int:
    command = ["sh", "-c", 'CRASH_PGID=$$; export CRASH_PGID; exec "$@"', "sh"]
    command += [sys.executable, "-m", "hotfix_guard", "--repo", str(repo), *args]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            command, cwd=repo, env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return -999
        finally:
            _kill_group(process.pid)


def _kill_group(pid: int, grace: float = 5) -> None:
    """Whatever of the command's process group outlived it goes too, after GRACE seconds:
    a git that got SIGTERM or SIGINT is still removing its lock files when Python is gone."""
    deadline = time.monotonic() + grace
    while _live_members(pid) and time.monotonic() < deadline:
        time.sleep(0.005)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _live_members(group: int) -> bool:
    """Whether a process of GROUP still runs; zombies waiting for init to reap them do not count."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != b"Z":
                return True
    return False


# Runs in a server process: imports hotfix_guard once, then forks one child per request.
# A child is what `python -m hotfix_guard ARGS` would be after its imports: a new session
# (so a signal to its group reaches only it and what it starts), its own cwd, environment,
# standard streams and argv, no inherited atexit handlers, and it never returns here.
WARM_SERVER = r"""
import atexit, importlib, json, os, pkgutil, signal, sys, traceback
import hotfix_guard
for module in pkgutil.walk_packages(hotfix_guard.__path__, "hotfix_guard."):
    if not module.name.endswith(("testmap_plugin", "__main__")):
        try:
            importlib.import_module(module.name)
        except Exception:
            pass  # as in a fresh run, only a command that uses it fails
from hotfix_guard.entry import main

requests, replies = os.fdopen(os.dup(0), "r"), os.fdopen(os.dup(1), "w")

def child(request):
    code = 1
    try:
        os.setsid()
        os.close(requests.fileno()); os.close(replies.fileno())
        for fd, (path, flags) in enumerate([(os.devnull, os.O_RDONLY)] + [(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) for p in request["output"]]):
            opened = os.open(path, flags, 0o644); os.dup2(opened, fd); os.close(opened)
        sys.stdout.reconfigure(line_buffering=True); sys.stderr.reconfigure(line_buffering=True)
        os.chdir(request["cwd"])
        os.environ.clear(); os.environ.update(request["env"]); os.environ["CRASH_PGID"] = str(os.getpid())
        sys.argv = ["hotfix-guard", *request["args"]]
        atexit._clear()
        try:
            code = main(request["args"])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else (print(exit.code, file=sys.stderr), 1)[1]
        except KeyboardInterrupt:
            traceback.print_exc(); code = -signal.SIGINT
        except BaseException:
            traceback.print_exc(); code = 1
        atexit._run_exitfuncs()
        sys.stdout.flush(); sys.stderr.flush()
        if code == -signal.SIGINT:  # as Python itself dies of an uncaught KeyboardInterrupt
            signal.signal(signal.SIGINT, signal.SIG_DFL); os.kill(os.getpid(), signal.SIGINT)
    finally:
        os._exit(code if isinstance(code, int) and 0 <= code < 256 else 1)

for line in requests:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(request)
    print(json.dumps({"pid": pid}), file=replies, flush=True)
    status = os.waitpid(pid, 0)[1]
    print(json.dumps({"status": os.waitstatus_to_exitcode(status)}), file=replies, flush=True)
"""


class _WarmServer:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WARM_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )
        atexit.register(self.close)

    def close(self) -> None:
        """End of input ends the server; wait for it, so no process outlives the tests."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)

    def run(self, repo: Path, args: list[str], env: dict[str, str], out: Path, err: Path, timeout: float) -> int:
        import select

        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"args": ["--repo", str(repo), *args], "cwd": str(repo), "env": env, "output": [str(out), str(err)]}
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        pid = self._reply()["pid"]
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        _kill_group(pid)
        status = self._reply()["status"]
        return status if ready else -999

    def _reply(self) -> dict[str, int]:
        """One line from the server, read unbuffered so that select() sees what is pending."""
        assert self.process.stdout is not None
        line = b""
        while not line.endswith(b"\n"):
            byte = self.process.stdout.read(1)
            if not byte:
                raise AssertionError("the warm hotfix-guard server died; run with CRASH_MATRIX_FRESH=1 to compare")
            line += byte
        reply: dict[str, int] = json.loads(line)
        return reply


_server: _WarmServer | None = None


def _warm_server() -> _WarmServer:
    global _server
    if _server is None or _server.process.poll() is not None:
        _server = _WarmServer()
    return _server


@dataclass
class Crash:
    """What a crash run did: the command's result and where it was stopped."""

    run: Run
    fired: str  # the hook's log line for the transaction it stopped at, "" when never reached
    log: str  # every transaction the hook saw
    locks: list[str]  # git's lock files the killed processes left, removed as git's message says

    def describe(self) -> str:
        removed = f"; git's left-over locks removed by hand: {', '.join(self.locks)}" if self.locks else ""
        return f"stopped at {self.fired or '(never reached)'}; {self.run.describe()}{removed}"


def crash(top: Path, args: list[str], signum: int, state: str, number: int) -> Crash:
    """Run `hotfix-guard ARGS` in TOP/repo and send SIGNUM at the NUMBER-th STATE transaction
    (0: never, to count them); wait for the remote's servers, remove git's left-over locks."""
    counts = top / "crash"
    counts.mkdir()
    server = top / "server"
    server.write_text(SERVER)
    server.chmod(0o755)
    env = {
        "CRASH_DIR": str(counts),
        "CRASH_STATE": state,
        "CRASH_AT": str(number),
        "CRASH_SIGNAL": SIGNALS[signum].removeprefix("SIG"),
        "CRASH_SERVER": str(server),
    }
    run = hotfix_guard(top / "repo", *args, env=env)
    _wait_for_servers(counts)
    locks = remove_git_locks(top)
    fired = (counts / "fired").read_text().strip() if (counts / "fired").exists() else ""
    log = (counts / "log").read_text() if (counts / "log").exists() else ""
    shutil.rmtree(counts)
    server.unlink()
    return Crash(run, fired, log, locks)


def count_transactions(log: str) -> dict[str, int]:
    return {state: log.count(f"{state} #") for state in ("prepared", "committed")}


def _wait_for_servers(counts: Path, timeout: float = 20) -> None:
    def lines(name: str) -> int:
        path = counts / name
        return len(path.read_text().splitlines()) if path.exists() else 0

    deadline = time.monotonic() + timeout
    while lines("server-ended") < lines("server-started"):
        if time.monotonic() > deadline:
            raise AssertionError("the remote's git receive-pack did not finish within 20 s")
        time.sleep(0.01)


def remove_git_locks(top: Path) -> list[str]:
    """Delete the `*.lock` files git left behind when it was killed (see the module doc)."""
    removed = []
    for git_dir in (top / "repo" / ".git", top / "origin.git"):
        for path in git_dir.rglob("*.lock"):
            if "hotfix-guard" not in path.relative_to(git_dir).parts:
                path.unlink()
                removed.append(str(path.relative_to(top)))
    return sorted(removed)


# --- snapshots ---------------------------------------------------------------------


@dataclass
class State:
    """Everything a flow command may change, and everything of the user's it must not lose."""

    refs: dict[str, str]  # every ref, with refs/stash and the remote-tracking refs
    head: str  # "ref: refs/heads/x" or a commit
    index: dict[str, str]  # git ls-files -s: path -> mode, blob and stage
    staged: dict[str, str]  # git diff --cached --raw against HEAD: path -> modes, blobs, status
    files: dict[str, str]  # every file outside .git (tracked, untracked, ignored) -> content hash
    stashes: str  # the stash list, with commits
    records: dict[str, bytes]  # every file under .git/hotfix-guard, byte for byte
    git_state: list[str] = field(default_factory=list)  # an operation under way (MERGE_HEAD, ...)
    upstreams: str = ""  # branch.* config: which branch tracks what
    remote: dict[str, str] = field(default_factory=dict)  # the bare remote's refs

    def timeless(self) -> State:
        """The same state with the times in the records blanked, to compare separate runs."""
        records = {name: TIMESTAMP.sub(b"<time>", content) for name, content in self.records.items()}
        return State(**{**{f.name: getattr(self, f.name) for f in fields(self)}, "records": records})

    def user_state(self) -> tuple[object, ...]:
        """What the user sees of the repository, without hotfix-guard's own records."""
        return (self.refs, self.head, self.index, self.staged, self.files, self.stashes, self.git_state, self.remote)


def snapshot(top: Path) -> State:
    repo, git_dir = top / "repo", top / "repo" / ".git"
    head = (git_dir / "HEAD").read_text().strip()
    return State(
        refs=_refs(repo),
        head=head,
        index=_index(repo),
        staged=_staged(repo),
        files=_files(repo),
        stashes=git(repo, "stash", "list", "--format=%gd %H %gs"),
        records=_records(git_dir / "hotfix-guard"),
        git_state=[name for name in IN_PROGRESS if (git_dir / name).exists()]
        + sorted(str(p.relative_to(git_dir)) for p in git_dir.rglob("*.lock")),
        upstreams=git(repo, "config", "--local", "--get-regexp", r"^branch\.", check=False),
        remote=_refs(top / "origin.git") if (top / "origin.git").exists() else {},
    )


_NOT_READ = ("objects/", "logs/HEAD", "logs/refs/heads/")


def fingerprint(top: Path, state: State) -> str:
    """A digest of everything a command run in TOP can depend on: STATE (TOP's snapshot) and
    every file of the repository's and the remote's git directories (config, ORIG_HEAD,
    packed-refs, the remote-tracking reflogs that `review` reads, ...) except the object
    store, the index (its entries are in STATE), and what git writes for itself and no
    command reads: HEAD's and the local branches' reflogs, COMMIT_EDITMSG. Two TOPs with
    the same fingerprint are the same input."""
    digest = hashlib.sha256()
    for f in fields(State):
        value = getattr(state, f.name)
        items = sorted(value.items()) if isinstance(value, dict) else value
        digest.update(f"{f.name}={items!r}\n".encode())
    for git_dir in (top / "repo" / ".git", top / "origin.git"):
        for path in sorted(git_dir.rglob("*")):
            name = path.relative_to(git_dir).as_posix()
            if path.is_file() and not name.startswith(_NOT_READ) and name not in ("index", "COMMIT_EDITMSG"):
                digest.update(f"{git_dir.name}/{name}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _index(repo: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for entry in git(repo, "ls-files", "-s", "-z").split("\0"):
        if entry:
            info, _, path = entry.partition("\t")
            entries[path] = f"{entries[path]}, {info}" if path in entries else info
    return entries


def _staged(repo: Path) -> dict[str, str]:
    fields = git(repo, "diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "HEAD", check=False).split(
        "\0"
    )
    return {path: info.lstrip(":") for info, path in zip(fields[::2], fields[1::2], strict=False) if path}


def _refs(cwd: Path) -> dict[str, str]:
    output = git(cwd, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ", 1) for line in output.splitlines())


def _files(repo: Path) -> dict[str, str]:
    found = {}
    for root, dirs, names in os.walk(repo):
        if root == str(repo):
            dirs.remove(".git")
        for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(root, d)))]:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, repo)
            if os.path.islink(path):
                found[relative] = f"symlink to {os.readlink(path)}"
            else:
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()[:12]
                found[relative] = digest + (" executable" if os.access(path, os.X_OK) else "")
    return found


# Not records of a run: the parsed copy of main's committed config, keyed by main's commit,
# which any command may write (mainconfig.py; it can never serve stale rules), and the
# history of earlier runs per branch (an --abort notes itself there, for the review).
CACHES = ("main-config",)
AUDIT_LOGS = ("history/",)


def _records(directory: Path) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
        and str(p.relative_to(directory)) not in CACHES
        and not str(p.relative_to(directory)).startswith(AUDIT_LOGS)
    }


def differences(actual: State, expected: State) -> list[str]:
    """What differs, one line each: which ref, which file, which record."""
    lines = []
    for f in fields(State):
        have, want = getattr(actual, f.name), getattr(expected, f.name)
        if have == want:
            continue
        if isinstance(want, dict):
            for key in sorted(set(have) | set(want)):
                if have.get(key) == want.get(key):
                    continue
                record = _json_object(have.get(key)), _json_object(want.get(key))
                if record[0] is not None and record[1] is not None:
                    lines += [
                        f"{f.name} {key}: {name!r} is {_show(record[0].get(name))}, expected {_show(record[1].get(name))}"
                        for name in sorted(set(record[0]) | set(record[1]))
                        if record[0].get(name) != record[1].get(name)
                    ]
                else:
                    lines.append(f"{f.name} {key}: {_show(have.get(key))}, expected {_show(want.get(key))}")
        else:
            lines.append(f"{f.name}: {_show(have)}, expected {_show(want)}")
    return lines


def _json_object(value: object) -> dict[str, object] | None:
    try:
        data = json.loads(value) if isinstance(value, bytes) else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _show(value: object) -> str:
    if value is None:
        return "absent"
    record = _json_object(value)
    if record is not None:  # a record: every key, long values cut, so that none is hidden
        return "{" + ", ".join(f"{key}: {_show(item)[:60]}" for key, item in record.items()) + "}"
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.strip().replace("\n", " | ")
    if re.fullmatch(r"[0-9a-f]{40}", text):
        return text[:10]
    return repr(text if len(text) <= 300 else text[:300] + "...")


def disarm(top: Path) -> None:
    """Take the stop points out of TOP (the repository and its remote), for the recovery runs:
    inert there, each still cost a shell at every ref transaction (a third of a case's processes)."""
    for git_dir in (top / "repo" / ".git", top / "origin.git"):
        (git_dir / "hooks" / "reference-transaction").unlink(missing_ok=True)


def copy(top: Path, to: Path) -> Path:
    shutil.copytree(top, to, symlinks=True)
    return to
