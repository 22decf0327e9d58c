"""Mutation benchmark of the focused tests on a real npm package (issue 13, "Measure it").

The package is @sinonjs/samsam 10.0.2: 16 CommonJS modules under lib/, each with its mocha
tests beside it (`lib/*.test.js`, 604 tests), its test script `mocha ./lib/*.test.js`.
Its source comes from a git repository of sinonjs/samsam (a clone, or a bare mirror) at the
10.0.2 commit; its test dependencies, pinned to the versions of its package-lock.json, are
installed once with npm into a cache (~/.cache/hotfix-guard-bench).

Single-site faults are made mechanically in the modules (a comparison flipped, a boolean or
a number changed, && and || swapped, a return deleted) and the full suite is run on each;
the faults it catches are kept until there are --faults of them, taken in turn from each
module. For each kept fault, on a hotfix branch from the release tag whose one commit is the
fault, it runs:
  (a) the name rule alone: the procedure's --testNamePattern="critical|security|auth", as
      mocha's own filter (`mocha ./lib/*.test.js --grep /critical|security|auth/i`);
  (b) the runner's related-tests mode: mocha has none, so this column is "n/a";
  (c) hotfix-guard's selection, for real: `hotfix-guard tests` (its runner adapter runs
      the selected files with mocha and reports passed and failed).
and prints, per mode, the faults caught (of those the full suite catches), the share of the
full suite's tests run, and the time against the full suite's. Not a test: it takes minutes.

    python benchmarks/npm_mutation.py PATH_TO_SAMSAM_GIT [--commit REV] [--faults 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

PACKAGE = "@sinonjs/samsam"
VERSION = "10.0.2"
# The test dependencies, at the versions samsam 10.0.2's package-lock.json pins.
TEST_DEPENDENCIES = (
    "mocha@11.7.5",
    "@sinonjs/referee@11.0.1",
    "proxyquire@2.1.3",
    "jsdom-global@3.0.2",
    "jsdom@29.0.2",
    "jquery@4.0.0",
    "@sinonjs/commons@3.0.1",
    "type-detect@4.1.0",
)
PATTERN = "critical|security|auth"
SPEC = "./lib/*.test.js"
TIMEOUT = 300
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@hotfix-guard.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@hotfix-guard.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
# (what it does, pattern, replacement): each match in a module is one candidate fault.
OPERATORS = (
    ("=== to !==", r"===", "!=="),
    ("!== to ===", r"!==", "==="),
    ("&& to ||", r"&&", "||"),
    ("|| to &&", r"\|\|", "&&"),
    ("< to >=", r"(?<![<=])<(?![<=])", ">="),
    ("> to <=", r"(?<![>=\-])>(?![>=])", "<="),
    ("true to false", r"\btrue\b", "false"),
    ("false to true", r"\bfalse\b", "true"),
    ("0 to 1", r"(?<![\w.])0(?![\w.])", "1"),
    ("1 to 0", r"(?<![\w.])1(?![\w.])", "0"),
    ("return deleted", r"^(\s*)return\b[^;]*;", r"\1;"),
)


@dataclass
class Fault:
    path: str
    line: int
    operator: str
    text: str  # the module with the fault

    @property
    def name(self) -> str:
        return f"{self.path}:{self.line} {self.operator}"


@dataclass
class Run:
    ran: int
    failed: int
    seconds: float

    @property
    def caught(self) -> bool:
        return self.failed > 0


@dataclass
class Result:
    fault: Fault
    full: Run
    modes: dict[str, Run | None] = field(default_factory=dict)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("source", help="a git repository (or bare mirror) of sinonjs/samsam")
    parser.add_argument("--commit", default="HEAD", help=f"the {VERSION} commit (default: HEAD)")
    parser.add_argument("--faults", type=int, default=30, help="how many caught faults to measure")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="hotfix-guard-npm-bench-")
    try:
        top = prepare(options.source, options.commit, work)
        baseline, results = measure(top, options.faults)
        print(table(baseline, results))
        if options.json:
            with open(options.json, "w", encoding="utf-8") as handle:
                json.dump(summary(baseline, results), handle, indent=2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def prepare(source: str, commit: str, work: str) -> str:
    """The package's release as a repository of its own, tagged v10.0.2, its test dependencies linked."""
    import io
    import tarfile

    top = os.path.join(work, "samsam")
    archive = subprocess.run(["git", "--git-dir", git_dir(source), "archive", commit], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(top, filter="data")
    with open(os.path.join(top, "package.json"), encoding="utf-8") as handle:
        found = json.load(handle)
    if (found.get("name"), found.get("version")) != (PACKAGE, VERSION):
        raise SystemExit(f"{source} at {commit} is {found.get('name')} {found.get('version')}, not {PACKAGE} {VERSION}")
    os.symlink(dependencies(), os.path.join(top, "node_modules"), target_is_directory=True)
    # The one change to the package: mocha's 2 s timeout is too short for jsdom's set-up on a
    # busy machine, and a timeout would count as a caught fault. Every mode's mocha reads it.
    with open(os.path.join(top, ".mocharc.json"), "w", encoding="utf-8") as handle:
        handle.write('{"timeout": 30000}\n')
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", f"chore(release): {VERSION}")
    git(top, "tag", f"v{VERSION}")
    return top


def git_dir(source: str) -> str:
    dotgit = os.path.join(source, ".git")
    return dotgit if os.path.isdir(dotgit) else source


def dependencies() -> str:
    """The node_modules with the pinned test dependencies, installed on first use."""
    cache = os.path.join(os.path.expanduser("~"), ".cache", "hotfix-guard-bench", f"samsam-{VERSION}")
    modules = os.path.join(cache, "node_modules")
    if not os.path.exists(os.path.join(cache, "installed")):
        os.makedirs(cache, exist_ok=True)
        with open(os.path.join(cache, "package.json"), "w", encoding="utf-8") as handle:
            handle.write('{"name": "samsam-bench", "private": true}\n')
        command = ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *TEST_DEPENDENCIES]
        subprocess.run(command, cwd=cache, check=True, timeout=900)
        open(os.path.join(cache, "installed"), "w").close()
    return modules


def git(top: str, *args: str) -> str:
    env = {**os.environ, **IDENTITY}
    return subprocess.run(["git", *args], cwd=top, env=env, capture_output=True, text=True, check=True).stdout


def candidates(top: str) -> list[Fault]:
    """Every single-site fault in the modules, taken in turn from each module."""
    per_module: list[list[Fault]] = []
    for name in sorted(os.listdir(os.path.join(top, "lib"))):
        if not name.endswith(".js") or name.endswith(".test.js") or "benchmark" in name:
            continue
        path = f"lib/{name}"
        with open(os.path.join(top, path), encoding="utf-8") as handle:
            lines = handle.read().split("\n")
        found = []
        for number, line in enumerate(lines):
            if line.strip().startswith(("//", "*", "/*")) or "require(" in line:
                continue
            for operator, pattern, replacement in OPERATORS:
                for match in re.finditer(pattern, line, re.MULTILINE):
                    changed = line[: match.start()] + match.expand(replacement) + line[match.end() :]
                    text = "\n".join([*lines[:number], changed, *lines[number + 1 :]])
                    found.append(Fault(path, number + 1, operator, text))
        per_module.append(found)
    interleaved = []
    for index in range(max(len(faults) for faults in per_module)):
        interleaved += [faults[index] for faults in per_module if index < len(faults)]
    return interleaved


def measure(top: str, wanted: int) -> tuple[Run, list[Result]]:
    """The full suite on the release, and the faults it catches, each run in every mode."""
    baseline = mocha(top, [SPEC])
    if baseline.failed or not baseline.ran:
        raise SystemExit(f"the full suite does not pass on the release: {baseline}")
    results: list[Result] = []
    tried = 0
    for fault in candidates(top):
        if len(results) == wanted:
            break
        tried += 1
        commit_fault(top, fault)
        full = mocha(top, [SPEC])
        if not full.caught:
            continue
        result = Result(fault, full)
        result.modes["name rule"] = mocha(top, [SPEC, "--grep", f"/{PATTERN}/i"])
        result.modes["related"] = None  # mocha has no related-tests mode
        result.modes["hotfix-guard"] = hotfix_guard(top)
        results.append(result)
        print(f"  {fault.name}: full {full.failed} failed; " + "; ".join(describe(results[-1])), file=sys.stderr)
    print(f"{tried} faults tried, {len(results)} caught by the full suite and measured", file=sys.stderr)
    return baseline, results


def commit_fault(top: str, fault: Fault) -> None:
    git(top, "switch", "-q", "-C", f"hotfix/v{VERSION[:-1]}{int(VERSION[-1]) + 1}", f"v{VERSION}")
    with open(os.path.join(top, fault.path), "w", encoding="utf-8") as handle:
        handle.write(fault.text)
    git(top, "commit", "-q", "-a", "-m", f"fix(bench): HOTFIX - {fault.name}")


def mocha(top: str, arguments: list[str]) -> Run:
    """The tests ARGUMENTS select, run with mocha's json reporter: how many ran and failed."""
    report = os.path.join(top, "..", "report.json")
    command = [os.path.join(top, "node_modules", ".bin", "mocha"), "--reporter", "json"]
    command += ["--reporter-option", f"output={report}", *arguments]
    if os.path.exists(report):
        os.remove(report)
    began = time.perf_counter()
    subprocess.run(command, cwd=top, capture_output=True, timeout=TIMEOUT, check=False)
    seconds = time.perf_counter() - began
    try:
        with open(report, encoding="utf-8") as handle:
            stats = json.load(handle)["stats"]
    except (OSError, ValueError, KeyError):
        return Run(0, 1, seconds)  # no report: the run broke, which the fault did
    return Run(int(stats["passes"]) + int(stats["failures"]), int(stats["failures"]), seconds)


def hotfix_guard(top: str) -> Run:
    """`hotfix-guard tests` on the hotfix branch: what its selection ran, and whether it failed."""
    command = [sys.executable, "-m", "hotfix_guard", "--repo", top, "--no-color", "tests"]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    seconds = time.perf_counter() - began
    said = done.stdout + done.stderr
    line = next((text for text in reversed(said.splitlines()) if text.startswith("focused tests ")), "")
    passed = re.search(r"(\d+) passed", line)
    failed = re.search(r"(\d+) failed", line)
    count_passed = int(passed.group(1)) if passed else 0
    count_failed = int(failed.group(1)) if failed else (1 if done.returncode != 0 else 0)
    return Run(count_passed + count_failed, count_failed, seconds)


def describe(result: Result) -> list[str]:
    return [
        f"{mode}: {'n/a' if run is None else ('caught' if run.caught else 'missed') + f' ({run.ran} tests)'}"
        for mode, run in result.modes.items()
    ]


def summary(baseline: Run, results: list[Result]) -> dict[str, object]:
    """Per mode: faults caught, the mean share of the full suite's tests run (BASELINE's count:
    a fault that breaks loading runs none), the total time against the full suite's."""
    full_seconds = sum(result.full.seconds for result in results)
    modes: dict[str, object] = {}
    for mode in results[0].modes if results else ():
        runs = [result.modes[mode] for result in results]
        measured = [(run, result) for run, result in zip(runs, results, strict=True) if run is not None]
        if not measured:
            modes[mode] = None
            continue
        modes[mode] = {
            "caught": sum(run.caught for run, _ in measured),
            "share_of_tests": sum(run.ran / baseline.ran for run, _ in measured) / len(measured),
            "time_ratio": sum(run.seconds for run, _ in measured) / full_seconds,
        }
    return {
        "package": f"{PACKAGE} {VERSION}",
        "faults": len(results),
        "full_suite_tests": baseline.ran,
        "full_suite_seconds": full_seconds / max(len(results), 1),
        "modes": modes,
        "per_fault": [
            {
                "fault": result.fault.name,
                "full": vars(result.full),
                **{mode: (run and vars(run)) for mode, run in result.modes.items()},
            }
            for result in results
        ],
    }


def table(baseline: Run, results: list[Result]) -> str:
    figures = summary(baseline, results)
    count = figures["faults"]
    lines = [
        f"{figures['package']}: {count} single-site faults the full suite catches "
        f"(full suite: {figures['full_suite_tests']} tests, {figures['full_suite_seconds']:.2f} s a run)",
        "",
        "| mode | caught | share of tests run | time vs full suite |",
        "|---|---|---|---|",
    ]
    modes = figures["modes"]
    assert isinstance(modes, dict)
    for mode, data in modes.items():
        if data is None:
            lines.append(f"| {mode} | n/a (mocha has no related-tests mode) | | |")
            continue
        lines.append(
            f"| {mode} | {data['caught']}/{count} ({100 * data['caught'] / count:.0f} %) "
            f"| {100 * data['share_of_tests']:.0f} % | {100 * data['time_ratio']:.0f} % |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
