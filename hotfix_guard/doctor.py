"""`hotfix-guard doctor`: are the guards really active in this repository?

It looks at what git would run (each hook type: ours, the pre-commit framework's with the
hotfix-* ids its config lists, or another tool's), at the hotfix-guard the shims would
call from PATH, at the config, and at the clone's depth. Every problem comes with the
command that fixes it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

from hotfix_guard import __version__
from hotfix_guard.checks import registry
from hotfix_guard.errors import ConfigError
from hotfix_guard.install import (
    HOOK_TYPES,
    NONE,
    OTHER,
    OURS,
    OURS_OUTDATED,
    PRE_COMMIT,
    PUSH_OPTIONS_NOTE,
    SERVER_HOOK_TYPES,
    HooksDir,
    hooks_dir,
    owner,
    push_options_advertised,
)
from hotfix_guard.model import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

# The hotfix-* hook ids (.pre-commit-hooks.yaml) that guard each hook type under pre-commit.
# From the check registry: each check's hook in its stages; the push guard is hotfix-validate.
FRAMEWORK_IDS = {
    stage: tuple(f"hotfix-{check.id}" for check in registry().values() if stage in check.stages)
    for stage in ("pre-commit", "commit-msg")
}
FRAMEWORK_IDS["pre-push"] = ("hotfix-validate",)
UNGUARDED = {
    "pre-commit": "commits are not checked (branch name, file limit, diff size)",
    "commit-msg": "commit messages are not checked",
    "pre-push": "pushes are not guarded",
}
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


class Problem(Record):
    """Something that keeps a guard from running, and the command that fixes it."""

    __slots__ = ("what", "fix")

    def __init__(self, what: str, fix: str):
        self.what = what
        self.fix = fix


class Diagnosis:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.problems: list[Problem] = []

    def problem(self, what: str, fix: str) -> None:
        self.problems.append(Problem(what, fix))

    def text(self) -> str:
        out = list(self.lines)
        if self.problems:
            count = len(self.problems)
            out.append(f"{count} problem{'s' if count != 1 else ''}:")
            for problem in self.problems:
                out += [f"  - {problem.what}", f"    fix: {problem.fix}"]
        else:
            out.append("no problems: the guards are active")
        return "\n".join(out) + "\n"


def diagnose(repo: str | None, config_file: str | None) -> Diagnosis:
    diagnosis = Diagnosis()
    where = hooks_dir(repo)
    if where.bare:
        _server(diagnosis, where)
        _config(diagnosis, where.top, config_file, where.git_dir)
        return diagnosis
    _hooks(diagnosis, where)
    _config(diagnosis, where.top, config_file)
    if where.shallow:
        diagnosis.lines.append("history: shallow clone")
        diagnosis.problem(
            "this is a shallow clone: the base release tag or the hotfix's commits may be missing, "
            "so checks can fail or see too little",
            "git fetch --unshallow --tags",
        )
    else:
        diagnosis.lines.append("history: complete (not shallow)")
    return diagnosis


def _hooks(diagnosis: Diagnosis, where: HooksDir) -> None:
    via = " (core.hooksPath)" if where.configured else ""
    diagnosis.lines.append(f"hooks directory: {where.path}{via}")
    framework_ids = _framework_ids(where.top)
    owners = {hook_type: owner(where.hook(hook_type)) for hook_type in HOOK_TYPES}
    framework = PRE_COMMIT in owners.values() or bool(framework_ids)
    missing = []
    for hook_type, found in owners.items():
        path = where.hook(hook_type)
        calls_us = found == OTHER and "hotfix-guard" in _head(path)
        label = f"{found} (calls hotfix-guard)" if calls_us else found
        if found == PRE_COMMIT:
            listed = [i for i in FRAMEWORK_IDS[hook_type] if i in framework_ids]
            label += f" (runs {', '.join(listed)})" if listed else " (runs no hotfix-* hook)"
        diagnosis.lines.append(f"  {hook_type:<11} {label}")
        if found != NONE and not os.path.isdir(path) and not os.access(path, os.X_OK):
            diagnosis.problem(f"{hook_type}: {path} is not executable, so git skips it", f"chmod +x {path}")
        if found == OURS_OUTDATED:
            diagnosis.problem(
                f"{hook_type}: the shim is from another hotfix-guard version",
                f"hotfix-guard install-hooks --hooks {hook_type}",
            )
        elif found == PRE_COMMIT:
            _framework_hook(diagnosis, hook_type, framework_ids)
        elif found == OTHER and not calls_us:
            diagnosis.problem(
                f"{hook_type}: {path} is another tool's hook and does not call hotfix-guard, so {UNGUARDED[hook_type]}",
                f"hotfix-guard install-hooks --hooks {hook_type} --force (keeps a backup), "
                f"or call `hotfix-guard hook {hook_type}` from it",
            )
        elif found == NONE and framework:
            _framework_missing(diagnosis, hook_type, framework_ids)
        elif found == NONE:
            missing.append(hook_type)
    if missing:
        which = "" if len(missing) == len(HOOK_TYPES) else f" --hooks {','.join(missing)}"
        diagnosis.problem(
            f"no {', '.join(missing)} hook installed: " + "; ".join(UNGUARDED[t] for t in missing),
            f"hotfix-guard install-hooks{which}   (with the pre-commit framework: pre-commit install "
            + " ".join(f"-t {t}" for t in missing)
            + ")",
        )
    if any(found in (OURS, OURS_OUTDATED) for found in owners.values()) or any(
        found == OTHER and "hotfix-guard" in _head(where.hook(t)) for t, found in owners.items()
    ):
        _command_on_path(diagnosis, where.top)
    elif framework:
        rev = _framework_rev(where.top)
        pinned = f" (rev: {rev})" if rev else ""
        diagnosis.lines.append(
            f"hotfix-guard: pre-commit's hooks run their own install, pinned in {PRE_COMMIT_CONFIG}{pinned}"
        )


def _server(diagnosis: Diagnosis, where: HooksDir) -> None:
    """A bare repository (a git server's): its pre-receive, post-receive and update hooks, and push options."""
    via = " (core.hooksPath)" if where.configured else ""
    diagnosis.lines.append(f"bare repository: the server's hooks directory: {where.path}{via}")
    owners = {hook_type: owner(where.hook(hook_type)) for hook_type in SERVER_HOOK_TYPES}
    for hook_type, found in owners.items():
        path = where.hook(hook_type)
        calls_us = found == OTHER and "hotfix-guard" in _head(path)
        diagnosis.lines.append(
            f"  {hook_type:<12} {found} (calls hotfix-guard)" if calls_us else f"  {hook_type:<12} {found}"
        )
        if found != NONE and not os.path.isdir(path) and not os.access(path, os.X_OK):
            diagnosis.problem(f"{hook_type}: {path} is not executable, so git skips it", f"chmod +x {path}")
        if found == OURS_OUTDATED:
            diagnosis.problem(
                f"{hook_type}: the shim is from another hotfix-guard version",
                f"hotfix-guard install-hooks --server --hooks {hook_type}",
            )
    guarded = [t for t in ("pre-receive", "update") if owners[t] in (OURS, OURS_OUTDATED) or _calls_us(where, t)]
    if not guarded:
        diagnosis.problem(
            "no pre-receive hook calls hotfix-guard, so pushes this server receives are not checked",
            "hotfix-guard install-hooks --server",
        )
    if owners["post-receive"] not in (OURS, OURS_OUTDATED) and not _calls_us(where, "post-receive"):
        diagnosis.problem(
            "no post-receive hook calls hotfix-guard, so overrides (git push -o hotfix-guard.override=...) "
            "cannot be recorded and are refused",
            "hotfix-guard install-hooks --server --hooks post-receive",
        )
    if push_options_advertised(where.git_dir):
        diagnosis.lines.append("push options: accepted (receive.advertisePushOptions)")
    else:
        diagnosis.lines.append("push options: not accepted")
        diagnosis.problem(PUSH_OPTIONS_NOTE, f"git -C {where.git_dir} config receive.advertisePushOptions true")
    if guarded or owners["post-receive"] in (OURS, OURS_OUTDATED):
        _command_on_path(diagnosis, where.top)
    _unrecorded_overrides(diagnosis, where.git_dir)


def _unrecorded_overrides(diagnosis: Diagnosis, git_dir: str) -> None:
    """Overrides a post-receive accepted but could not write as notes: kept until recorded by hand."""
    from hotfix_guard.prereceive import FAILED_SUFFIX, pending_dir

    directory = pending_dir(git_dir)
    try:
        kept = sorted(name for name in os.listdir(directory) if name.endswith(FAILED_SUFFIX))
    except OSError:
        return
    for name in kept:
        path = os.path.join(directory, name)
        diagnosis.problem(
            f"an override the server accepted was never recorded as a note: {path}",
            f'git -C {git_dir} notes --ref refs/notes/hotfix-guard append -m "$(tail -n +2 {path})" '
            f"$(head -n 1 {path}), then remove {path}",
        )


def _calls_us(where: HooksDir, hook_type: str) -> bool:
    return owner(where.hook(hook_type)) == OTHER and "hotfix-guard" in _head(where.hook(hook_type))


def _framework_hook(diagnosis: Diagnosis, hook_type: str, framework_ids: set[str]) -> None:
    if not any(i in framework_ids for i in FRAMEWORK_IDS[hook_type]):
        diagnosis.problem(
            f"{hook_type}: pre-commit's hook runs no hotfix-guard hook ({PRE_COMMIT_CONFIG} lists none of "
            f"{', '.join(FRAMEWORK_IDS[hook_type])}), so {UNGUARDED[hook_type]}",
            f"add `- id: {FRAMEWORK_IDS[hook_type][0]}` to {PRE_COMMIT_CONFIG} (see the README)",
        )


def _framework_missing(diagnosis: Diagnosis, hook_type: str, framework_ids: set[str]) -> None:
    listed = [i for i in FRAMEWORK_IDS[hook_type] if i in framework_ids]
    if listed:
        diagnosis.problem(
            f"{hook_type}: pre-commit's {hook_type} hook is not installed, so {', '.join(listed)} never runs "
            "(pre-commit install sets up only the pre-commit type unless told with -t)",
            f"pre-commit install -t {hook_type}",
        )
    else:
        diagnosis.problem(
            f"{hook_type}: no {hook_type} hook, so {UNGUARDED[hook_type]}",
            f"add `- id: {FRAMEWORK_IDS[hook_type][0]}` to {PRE_COMMIT_CONFIG} and run: pre-commit install -t {hook_type}",
        )


def _framework_ids(top: str) -> set[str]:
    """The hotfix-* hook ids .pre-commit-config.yaml lists (read as text: no YAML library needed)."""
    text = _head(os.path.join(top, PRE_COMMIT_CONFIG))
    return set(re.findall(r"\bid:\s*['\"]?(hotfix-[a-z-]+)", text))


def _framework_rev(top: str) -> str | None:
    """The `rev:` of the repository entry that lists the hotfix-* hooks, if it can be seen."""
    text = _head(os.path.join(top, PRE_COMMIT_CONFIG))
    first = re.search(r"\bid:\s*['\"]?hotfix-", text)
    revs = re.findall(r"\brev:\s*['\"]?([^'\"\s#]+)", text[: first.start()] if first else "")
    return revs[-1] if revs else None


def _head(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return ""


def _command_on_path(diagnosis: Diagnosis, top: str) -> None:
    """The shims call `hotfix-guard` from PATH (else `python3 -m hotfix_guard`): which version is that?

    Asked from the top of the work tree, where git runs hooks (python -c imports from there).
    """
    here = os.path.dirname(os.path.abspath(sys.executable))
    ours_on_path = f'export PATH="{here}:$PATH"' if os.path.exists(os.path.join(here, "hotfix-guard")) else None
    found = shutil.which("hotfix-guard")
    if found is None:
        fallback = _python_fallback(top)
        if fallback is None:
            diagnosis.lines.append("hotfix-guard on PATH: not found, and no python3 -m hotfix_guard either")
            diagnosis.problem(
                "the hooks cannot find hotfix-guard (not on PATH, and python3 cannot import it), so they fail",
                ours_on_path or "pip install hotfix-guard",
            )
        else:
            python, fallback_version = fallback
            diagnosis.lines.append(
                f"hotfix-guard on PATH: not found; the hooks fall back to {python} -m hotfix_guard ({fallback_version})"
            )
            if fallback_version != __version__:
                diagnosis.problem(
                    f"the hooks will run hotfix-guard {fallback_version} ({python} -m hotfix_guard), but this is {__version__}",
                    ours_on_path or "pip install --upgrade hotfix-guard",
                )
        return
    version = _version_of([found, "--version"], top)
    diagnosis.lines.append(f"hotfix-guard on PATH: {found}, version {version or 'unknown'} (this is {__version__})")
    if version != __version__:
        diagnosis.problem(
            f"the hooks will run hotfix-guard {version or '(unknown version)'} from {found}, but this is {__version__}",
            ours_on_path or f"pip install --upgrade hotfix-guard (in the environment of {found})",
        )


def _python_fallback(top: str) -> tuple[str, str] | None:
    for python in ("python3", "python"):
        path = shutil.which(python)
        if path is not None:
            version = _version_of([path, "-c", "import hotfix_guard; print(hotfix_guard.__version__)"], top)
            if version is not None:
                return python, version
    return None


def _version_of(argv: list[str], cwd: str) -> str | None:
    """The last word a version command prints (`hotfix-guard, version 0.1.0` → 0.1.0)."""
    import subprocess

    try:
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = result.stdout.split()
    return words[-1] if result.returncode == 0 and words else None


def _config(diagnosis: Diagnosis, top: str, config_file: str | None, bare_git_dir: str | None = None) -> None:
    """Where the rules come from; in a bare repository (BARE_GIT_DIR), main's committed config or --config."""
    from hotfix_guard.config import load_config

    try:
        if bare_git_dir is not None:
            config = load_config(top, config_file, bare_git_dir, work_tree=False)
        else:
            config = load_config(top, config_file)
    except ConfigError as error:
        diagnosis.lines.append("config: does not parse")
        diagnosis.problem(f"config: {error}", "correct the file named above, then check again: hotfix-guard doctor")
        return
    diagnosis.lines.append(f"config: {config.origin['text']}" + (" parses" if config.source else " apply"))
    from hotfix_guard.config import NO_MAIN

    if NO_MAIN in str(config.origin["text"]):
        diagnosis.problem(
            f"config: {NO_MAIN}, so hotfix branches are judged by the defaults",
            'commit a config with main-branch = "<your release branch>" on that branch, then check again: hotfix-guard doctor',
        )
    _runner(diagnosis, top, config)


def _runner(diagnosis: Diagnosis, top: str, config: Config) -> None:
    """Which runner runs the focused tests, and whether it can start here."""
    from hotfix_guard.focus.runner import JS_RUNNERS, choose

    try:
        choice = choose(config, top)
    except ConfigError as error:
        diagnosis.lines.append("focused tests: no runner")
        diagnosis.problem(f"focused tests: {error}", "correct [focused-tests] in the config, then: hotfix-guard doctor")
        return
    if choice.name not in JS_RUNNERS:
        diagnosis.lines.append(f"focused tests: {choice.name} ({choice.reason})")
        return
    from hotfix_guard.focus.jsrun import can_start

    missing = can_start(top, choice.name)
    state = "cannot start" if missing else "can start"
    diagnosis.lines.append(f"focused tests: {choice.name} ({choice.reason}), {state}")
    if missing:
        diagnosis.problem(f"focused tests: {missing}", "npm ci (or npm install), then: hotfix-guard doctor")
