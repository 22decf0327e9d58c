"""Measure what hotfix-guard costs on top of the work it cannot avoid.

A hook runs on every commit, so its cost that matters is the overhead: the
time beyond starting Python and running the git commands it needs. Each
command is therefore timed next to its *floor*: `python -c pass` plus the exact
git commands the command itself ran (recorded through HOTFIX_GUARD_TRACE_GIT and
replayed one after another with the same cwd and environment), so the floor
follows the code as it changes.

The repository is generated with `git fast-import`, deterministically, at the
size of a large product: 20,000 files, 20,000 commits on main, 2,000 release
tags plus nightly, vendor and pre-release tags, a develop branch, and a hotfix
branch off the latest release changing 2,000 files by 200,000 lines.

Rounds interleave every command (these machines are noisy, so a ratio is only
meaningful between runs taken side by side); the first round is a discarded
warm-up; a ratio is the median over rounds of that round's command / floor.

  commit-msg hook   target <= 2.0x its floor
  branch-name hook  target <= 2.0x its floor
  validate          target <= 1.5x its floor, peak RSS < 100 MiB

Usage: python benchmarks/bench.py [--runs N] [--workdir DIR] [--keep] [--json FILE] [--quick]
with the python of the venv where hotfix-guard is installed (its bin dir holds
the console script). Exit 0 once measured, even if a target is missed; exit 1
if a command misbehaves (unexpected exit code or a traceback).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Callable

HOOKS_YAML = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent  # not resolved: a venv's python is a symlink out of the venv
PYTHON_FLOOR = [sys.executable, "-c", "pass"]
SEED = 20240601
IDENT = "Release Bot <release-bot@example.com>"
EPOCH = 1514764800  # 2018-01-01T00:00:00Z; history spans 4.5 years so that 2019 is in it
SPAN = int(4.5 * 365 * 86400)
YEAR_2019 = 1546300800
LINES = 20  # setting lines per generated file
HOTFIX_EDITED, HOTFIX_ADDED = 10, 80  # -10 +90: 100 diff lines per hotfix file
COMMIT_MESSAGE = "fix(core): HOTFIX - stop token bypass\n"
HOTFIX_SUBJECTS = (
    "stop token bypass in session refresh",
    "reject expired tokens on the fast path",
    "harden the claim parser against empty input",
    "add regression tests for the token bypass",
)
KINDS = ("feat", "fix", "chore", "refactor", "docs", "test", "perf")
SCOPES = ("core", "api", "cli", "auth", "db", "ui", "build")
RSS_LIMIT_MIB = 100


class MisbehaviorError(Exception):
    """A measured command did not behave: its timings would mean nothing."""


@dataclass(frozen=True)
class Scale:
    files: int
    commits: int
    hotfix_files: int
    release_every: int = 10
    develop_commits: int = 3

    @property
    def releases(self) -> int:
        return self.commits // self.release_every


FULL = Scale(files=20_000, commits=20_000, hotfix_files=2_000)
QUICK = Scale(files=2_000, commits=2_000, hotfix_files=200)


# --- the repository --------------------------------------------------------


def version(k: int, scale: Scale) -> str:
    """Release k's tag: four majors, ten patches a minor, so minors and patches reach two digits."""
    per_major = scale.releases // 4
    return f"v{1 + k // per_major}.{k % per_major // 10}.{k % 10}"


def commit_time(i: int, scale: Scale) -> int:
    return EPOCH + i * SPAN // scale.commits


def day(when: int) -> str:
    return time.strftime("%Y%m%d", time.gmtime(when))


def plan_tags(scale: Scale) -> dict[int, list[tuple[str, str | None]]]:
    """Tags by main commit index; a note of None makes a lightweight tag."""
    tags: dict[int, list[tuple[str, str | None]]] = {}
    per_major = scale.releases // 4
    for k in range(scale.releases):
        at = k * scale.release_every + 4
        tags[at] = [(version(k, scale), f"Release {version(k, scale)}\n")]
        if k and k % per_major == 0:  # candidates around each major, never on a release commit
            for offset, suffix in ((-5, "rc.1"), (-3, "rc.2")):
                tags[at + offset] = [(f"{version(k, scale)}-{suffix}", "Release candidate\n")]
    nightly = [*range(57, scale.commits, 100), scale.commits - 1]
    tags.update({i: [(f"nightly-{day(commit_time(i, scale))}", None)] for i in nightly})
    vendor = next(i for i in range(scale.commits) if commit_time(i, scale) >= YEAR_2019 and i not in tags)
    tags[vendor] = [("vendor-import-2019", "Vendored libraries as imported in 2019\n")]
    return tags


def file_path(i: int) -> str:
    top = ("src", "lib", "tests", "docs")[i % 4]
    return f"{top}/pkg{i // 4 % 25:02d}/sub{i // 100 % 10}/f{i:05d}.{'md' if top == 'docs' else 'py'}"


def file_text(i: int, versions: list[int], added: int = 0) -> bytes:
    # Every line is unique within its file, so diff line counts are exact.
    lines = [f"# {file_path(i)}\n"]
    lines += [f"setting_{k} = '{i}.{v}'\n" for k, v in enumerate(versions)]
    lines += [f"guard_{i}_{n} = check({n})\n" for n in range(added)]
    return "".join(lines).encode()


class FastImport:
    """A git fast-import stream; commits get marks 1, 2, ... in the order written."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.marks = out, 0

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n%s\n" % (len(payload), payload))

    def commit(self, ref: str, when: int, message: str, files: dict[str, bytes], parent: int = 0) -> int:
        self.marks += 1
        self.out.write(f"commit {ref}\nmark :{self.marks}\ncommitter {IDENT} {when} +0000\n".encode())
        self._data(message.encode())
        if parent:
            self.out.write(b"from :%d\n" % parent)
        for path, blob in files.items():
            self.out.write(f"M 100644 inline {path}\n".encode())
            self._data(blob)
        return self.marks

    def tag(self, name: str, mark: int, when: int, note: str | None) -> None:
        if note is None:
            self.out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())
            return
        self.out.write(f"tag {name}\nfrom :{mark}\ntagger {IDENT} {when} +0000\n".encode())
        self._data(note.encode())


def routine_change(i: int, scale: Scale, rng: random.Random, versions: list[list[int]]) -> dict[str, bytes]:
    """The files of an everyday commit: the first tenth of history creates them, later ones edit 1-3."""
    per_commit = scale.files * 10 // scale.commits
    if i * per_commit < scale.files:
        ids: list[int] = list(range(i * per_commit, min(scale.files, (i + 1) * per_commit)))
    else:
        ids = rng.sample(range(scale.files), rng.randint(1, 3))
        for f in ids:
            versions[f][rng.randrange(LINES)] += 1
    return {file_path(f): file_text(f, versions[f]) for f in ids}


def write_history(fi: FastImport, scale: Scale) -> str:
    """Write main, develop and the hotfix branch; return the hotfix branch name."""
    rng = random.Random(SEED)
    hotfix_ids = sorted(rng.sample(range(scale.files), scale.hotfix_files))
    versions = [[0] * LINES for _ in range(scale.files)]
    tags = plan_tags(scale)
    fork = (scale.releases - 1) * scale.release_every + 4  # the latest release: the hotfix starts there
    base = mark = 0
    snapshot: dict[int, list[int]] = {}
    for i in range(scale.commits):
        files = routine_change(i, scale, rng, versions)
        message = f"{rng.choice(KINDS)}({rng.choice(SCOPES)}): update {next(iter(files))} (#{i + 1})\n"
        if i % scale.release_every == 4:
            release = version(i // scale.release_every, scale)
            files["VERSION"] = f"{release[1:]}\n".encode()
            message = f"chore(release): {release}\n"
        mark = fi.commit("refs/heads/main", commit_time(i, scale), message, files)
        if i == fork:
            base, snapshot = mark, {f: list(versions[f]) for f in hotfix_ids}
        for name, note in tags.get(i, []):
            fi.tag(name, mark, commit_time(i, scale), note)
    for j in range(scale.develop_commits):
        files = routine_change(scale.commits, scale, rng, versions)
        when = commit_time(scale.commits + j, scale)
        fi.commit("refs/heads/develop", when, f"feat(api): next minor, part {j + 1}\n", files, mark if j == 0 else 0)
    major, minor, patch = version(scale.releases - 1, scale)[1:].split(".")
    branch = f"hotfix/v{major}.{minor}.{int(patch) + 1}"
    for j, subject in enumerate(HOTFIX_SUBJECTS):
        chunk = hotfix_ids[j :: len(HOTFIX_SUBJECTS)]
        edited = {f: [v + (k < HOTFIX_EDITED) for k, v in enumerate(snapshot[f])] for f in chunk}
        files = {file_path(f): file_text(f, edited[f], HOTFIX_ADDED) for f in chunk}
        when = commit_time(scale.commits + scale.develop_commits + j, scale)
        message = f"fix(core): HOTFIX - {subject}\n\nRefs: INC-{4711 + j}\n"
        fi.commit(f"refs/heads/{branch}", when, message, files, base if j == 0 else 0)
    return branch


def git(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def build_repo(repo: Path, scale: Scale, env: dict[str, str]) -> None:
    git(["init", "-q", "-b", "main", str(repo)], repo.parent, env)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=repo, env=env, stdin=subprocess.PIPE, bufsize=1 << 20)
    assert proc.stdin is not None
    branch = write_history(FastImport(proc.stdin), scale)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait():
        raise SystemExit("bench: git fast-import failed")
    git(["symbolic-ref", "HEAD", f"refs/heads/{branch}"], repo, env)
    git(["reset", "-q", "--hard"], repo, env)


def isolated_env(workdir: Path) -> dict[str, str]:
    """Neither the machine's nor the user's git config may change the figures; a fresh machine has no identity."""
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / ".gitconfig"
    config.write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "HOTFIX_GUARD_"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")
    return env


def prepare_repo(workdir: Path, scale: Scale, env: dict[str, str]) -> Path:
    """Build the repository, or reuse one this same script and scale built in this workdir."""
    repo, stamp = workdir / "repo", workdir / "stamp.json"
    want = json.dumps({"scale": asdict(scale), "seed": SEED, "bench": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()})
    if repo.exists() and stamp.exists() and stamp.read_text() == want:
        print(f"repository: reusing {repo}")
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    repo.mkdir(parents=True)
    start = time.perf_counter()
    build_repo(repo, scale, env)
    stamp.write_text(want)
    print(f"repository: built {repo} in {time.perf_counter() - start:.1f} s")
    return repo


def describe_repo(repo: Path, env: dict[str, str]) -> dict[str, str]:
    return {
        "branch": git(["symbolic-ref", "--short", "HEAD"], repo, env).strip(),
        "head": git(["rev-parse", "HEAD"], repo, env).strip(),
        "base": git(["describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "--exclude", "*-*"], repo, env).strip(),
        "main commits": git(["rev-list", "--count", "main"], repo, env).strip(),
        "files": str(git(["ls-files", "-z"], repo, env).count("\0")),
        "tags": str(len(git(["tag"], repo, env).split())),
    }


# --- the measurement -------------------------------------------------------


@dataclass
class Command:
    name: str
    argv: list[str]
    target: float
    floor: list[list[str]] = field(default_factory=list)  # traced git argvs, run after python -c pass
    output: str = ""
    peak_kib: int = 0
    git_peak_kib: int = 0


def hook_entries(path: Path) -> dict[str, str]:
    """Hook id -> entry; the file is a flat list of maps, so no YAML library is needed."""
    entries, current = {}, ""
    for line in path.read_text().splitlines():
        key, _, value = line.strip().removeprefix("- ").partition(":")
        if key == "id":
            current = value.strip()
        elif key == "entry":
            entries[current] = value.strip().strip("'\"")
    return entries


def console_script(words: list[str]) -> list[str]:
    script = BIN / words[0]
    if not script.exists():
        raise MisbehaviorError(f"{script} not found: run with the python of the venv where hotfix-guard is installed")
    return [str(script), *words[1:]]


def load_commands() -> list[Command]:
    entries = hook_entries(HOOKS_YAML)
    message = shlex.split(entries["hotfix-commit-message"]) + [".git/COMMIT_EDITMSG"]  # where git puts it
    return [
        Command("commit-msg hook", console_script(message), 2.0),
        Command("branch-name hook", console_script(shlex.split(entries["hotfix-branch-name"])), 2.0),
        Command("validate", console_script(["hotfix-guard", "validate"]), 1.5),
    ]


def trace(cmd: Command, repo: Path, env: dict[str, str], log: Path) -> None:
    """Run once with the git trace on: checks the exit code and records the floor's git commands."""
    log.unlink(missing_ok=True)
    traced = {**env, "HOTFIX_GUARD_TRACE_GIT": str(log)}
    result = subprocess.run(cmd.argv, cwd=repo, env=traced, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    cmd.output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or "Traceback (most recent call last)" in cmd.output:
        raise MisbehaviorError(f"{cmd.name}: `{shlex.join(cmd.argv)}` exited {result.returncode} in {repo}:\n{cmd.output}")
    cmd.floor = [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []


def run_timed(argv: list[str], repo: Path, env: dict[str, str], sink: IO[bytes]) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (KiB) of one process."""
    sink.seek(0)
    sink.truncate()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait on a recycled pid
    return seconds, proc.returncode, usage.ru_maxrss


def jobs(commands: list[Command], repo: Path, env: dict[str, str], sink: IO[bytes]) -> dict[str, Callable[[], float]]:
    def python() -> float:
        return run_timed(PYTHON_FLOOR, repo, env, sink)[0]

    def command(cmd: Command) -> float:
        seconds, code, kib = run_timed(cmd.argv, repo, env, sink)
        if code != 0:
            sink.seek(0)
            raise MisbehaviorError(f"{cmd.name} exited {code} during timing:\n{sink.read().decode(errors='replace')}")
        cmd.peak_kib = max(cmd.peak_kib, kib)
        return seconds

    def floor(cmd: Command) -> float:
        total = python()
        for argv in cmd.floor:
            seconds, _, kib = run_timed(argv, repo, env, sink)
            total, cmd.git_peak_kib = total + seconds, max(cmd.git_peak_kib, kib)
        return total

    table = {"python -c pass": python}
    for cmd in commands:
        table[cmd.name] = lambda cmd=cmd: command(cmd)
        table[f"{cmd.name} floor"] = lambda cmd=cmd: floor(cmd)
    return table


def measure(table: dict[str, Callable[[], float]], runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in table}
    names, progress = list(table), sys.stderr.isatty()
    for round_ in range(runs + 1):
        if progress:
            print(f"\rround {round_ + 1}/{runs + 1}", end="", file=sys.stderr, flush=True)
        shift = round_ % len(names)  # rotate so no command always runs right after the same one
        for name in names[shift:] + names[:shift]:
            seconds = table[name]()
            if round_:  # round 0 is the warm-up: page cache, pyc files
                samples[name].append(seconds)
    if progress:
        print(file=sys.stderr)
    return samples


def summarize(commands: list[Command], samples: dict[str, list[float]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [{"command": "python -c pass", "median_ms": 1000 * statistics.median(samples["python -c pass"])}]
    for cmd in commands:
        times, floors = samples[cmd.name], samples[f"{cmd.name} floor"]
        ratio = statistics.median(t / f for t, f in zip(times, floors))
        rows.append({
            "command": cmd.name, "argv": cmd.argv, "git_commands": cmd.floor,
            "median_ms": 1000 * statistics.median(times), "floor_median_ms": 1000 * statistics.median(floors),
            "ratio": ratio, "target": cmd.target, "pass": ratio <= cmd.target,
            "peak_rss_mib": cmd.peak_kib / 1024, "largest_git_rss_mib": cmd.git_peak_kib / 1024,
        })
    return rows


def machine() -> dict[str, str]:
    try:
        from importlib.metadata import version as dist_version

        guard = dist_version("hotfix-guard")
    except Exception:  # not fatal: the console script was found, only its metadata is missing
        guard = "unknown"
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1]
    return {"nproc": str(len(os.sched_getaffinity(0))), "python": platform.python_version(), "git": git_version,
            "hotfix-guard": guard, "platform": platform.platform()}


def print_report(rows: list[dict[str, object]], runs: int, info: dict[str, str]) -> None:
    print(f"\nmachine: {', '.join(f'{k} {v}' for k, v in info.items())}; {runs} runs, medians")
    print(f"{'command':<18} {'median ms':>10} {'floor ms':>9} {'git cmds':>8} {'ratio':>6} {'target':>7}  result")
    for row in rows:
        if "ratio" not in row:
            print(f"{row['command']:<18} {row['median_ms']:>10.1f}")
            continue
        result = "PASS" if row["pass"] else "FAIL"
        print(f"{row['command']:<18} {row['median_ms']:>10.1f} {row['floor_median_ms']:>9.1f} "
              f"{len(row['git_commands']):>8} {row['ratio']:>5.2f}x {'<=' + str(row['target']) + 'x':>7}  {result}")
    validate = rows[-1]
    verdict = "PASS" if validate["peak_rss_mib"] < RSS_LIMIT_MIB else "FAIL"
    print(f"validate peak RSS {validate['peak_rss_mib']:.1f} MiB (target < {RSS_LIMIT_MIB} MiB) {verdict}; "
          f"largest git process in its floor {validate['largest_git_rss_mib']:.1f} MiB")


def run(args: argparse.Namespace, workdir: Path) -> int:
    commands = load_commands()
    scale = QUICK if args.quick else FULL
    env = isolated_env(workdir)
    repo = prepare_repo(workdir, scale, env)
    layout = describe_repo(repo, env)
    print("repository: " + ", ".join(f"{k} {v}" for k, v in layout.items()))
    (repo / ".git" / "COMMIT_EDITMSG").write_text(COMMIT_MESSAGE)
    for cmd in commands:
        trace(cmd, repo, env, workdir / "git-trace.jsonl")
        print(f"{cmd.name}: exit 0, {len(cmd.floor)} git commands" + (f"; says: {cmd.output[:300]}" if cmd.output else ""))
    with tempfile.TemporaryFile(dir=workdir) as sink:
        samples = measure(jobs(commands, repo, env, sink), args.runs)
    rows = summarize(commands, samples)
    info = machine()
    print_report(rows, args.runs, info)
    if args.json:
        figures = {"machine": info, "repository": layout, "scale": asdict(scale), "runs": args.runs, "results": rows,
                   "rss_limit_mib": RSS_LIMIT_MIB}
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed rounds after one warm-up round (default 15)")
    parser.add_argument("--workdir", help="build and keep the repository here (reused when unchanged)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workdir")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="a 10x smaller repository, for a smoke run")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir).resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="hotfix-guard-bench-"))
    try:
        return run(args, workdir)
    except MisbehaviorError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        if args.workdir or args.keep:
            print(f"workdir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
