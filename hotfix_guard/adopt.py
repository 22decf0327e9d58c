"""`hotfix-guard init`: adopt a repository in one command.

Detection reads the repository alone (its tags, branches, remotes, the files of its latest
release, its hooks) and says for each setting what it found and why. Only the settings that
differ from the defaults are written, each with a comment naming what was detected, where the
repository keeps its tool settings: the `[tool.hotfix-guard]` table appended to an existing
`pyproject.toml` as text (the rest of the file keeps every byte), else `.hotfix-guard.toml`.

Everything is decided and proved (the new config parses and passes the config reader's own
checks) before the first file is written: a bad input is one line and nothing written.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

from hotfix_guard import gitrepo
from hotfix_guard.config import DEFAULTS, config_from_table, settings_table
from hotfix_guard.errors import ConfigError, HotfixGuardError, RepoError
from hotfix_guard.paths import refuse_symlink, write_atomic
from hotfix_guard.versions import Version, parse_release_tag, release_schemes

STANDALONE = ".hotfix-guard.toml"
PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
HOOK_TYPES = ("pre-commit", "commit-msg", "pre-push")
PRE_COMMIT_INSTALL = "pre-commit install -t pre-commit -t commit-msg -t pre-push"
VENVS = (".venv/bin/python", "venv/bin/python")

# version-files regexes, group 1 the version; each is checked against the release's file.
PROJECT_VERSION = r'^version *= *"([^"]+)"'
SETUP_CFG_VERSION = r"^version *= *([0-9][^\s#;]*)"
DUNDER_VERSION = r"""^__version__ *= *['"]([^'"]+)['"]"""


class Setting:
    """One key init writes: TABLE ("" for the top level) and KEY, its VALUE, and WHY (the comment)."""

    __slots__ = ("table", "key", "value", "why")

    def __init__(self, table: str, key: str, value: object, why: str):
        self.table = table
        self.key = key
        self.value = value
        self.why = why


class Adoption:
    """What init found in a repository, and the settings it makes of it."""

    def __init__(self, top: str, git_dir: str):
        self.top = top
        self.git_dir = git_dir
        self.lines: list[str] = []  # what was found and why, for the user
        self.settings: list[Setting] = []
        self.main_branch = str(DEFAULTS["", "main-branch"])
        self.current_branch: str | None = None
        self.existing: list[str] = []  # files that already hold hotfix-guard settings
        self.pre_commit = False  # a .pre-commit-config.yaml exists
        self.husky = False

    def found(self, what: str, text: str) -> None:
        self.lines.append(f"  {what + ':':<14} {text}")

    def set(self, table: str, key: str, value: object, why: str) -> None:
        if DEFAULTS[table, key] != value:
            self.settings.append(Setting(table, key, value, why))

    @property
    def target(self) -> str:
        return PYPROJECT if os.path.isfile(os.path.join(self.top, PYPROJECT)) else STANDALONE


def detect(repo: str | None, tag_prefix: str | None) -> Adoption:
    """Look at the repository; a bad input (not a repository, no commits, two tag schemes) raises."""
    info = gitrepo.locate(repo)
    if info.head_sha is None:
        raise RepoError("the repository has no commits yet; commit your project first, then run init")
    adoption = Adoption(info.top, info.git_dir)
    adoption.current_branch = gitrepo.head_branch(info.git_dir)
    latest = _tag_scheme(adoption, tag_prefix)
    remote = _remote(adoption)
    _branches(adoption, remote)
    _version_files(adoption, latest)
    _tests(adoption)
    _hooks(adoption)
    adoption.existing = existing_configs(adoption.top)
    return adoption


def _tag_scheme(adoption: Adoption, tag_prefix: str | None) -> tuple[Version, str] | None:
    tags = gitrepo.tag_names(adoption.top)
    if tag_prefix is not None:
        releases = [(v, t) for t in tags if (v := parse_release_tag(t, tag_prefix)) is not None]
        prefix, why = tag_prefix, "--tag-prefix"
    else:
        schemes = release_schemes(tags)
        if len(schemes) > 1:
            listed = "; ".join(
                f"{_scheme_text(p)}: {_count(len(found), 'tag')}, latest {max(found)[1]}"
                for p, found in schemes.items()
            )
            raise HotfixGuardError(
                f"two release tag schemes are in use ({listed}); pass --tag-prefix with the one your releases use"
            )
        prefix, releases = next(iter(schemes.items()), (str(DEFAULTS["", "tag-prefix"]), []))
        why = "the prefix shared by the semver tags"
    if not releases:
        adoption.found(
            "release tags",
            f"none like {prefix}1.2.3 yet: tag-prefix {prefix!r}; tag your current release "
            f"(git tag -a {prefix}1.2.3 -m 'Release {prefix}1.2.3') and this config works as written",
        )
        adoption.set("", "tag-prefix", prefix, "given with --tag-prefix; no release tagged yet")
        return None
    latest = max(releases)
    text = f"{_count(len(releases), 'release')} tagged {prefix}MAJOR.MINOR.PATCH, latest {latest[1]}"
    adoption.found("release tags", f"{text}: tag-prefix {prefix!r} ({why})")
    adoption.set("", "tag-prefix", prefix, text)
    return latest


def _scheme_text(prefix: str) -> str:
    return f"prefix {prefix!r}" if prefix else "no prefix"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _remote(adoption: Adoption) -> str:
    remotes = gitrepo.git_ok(["remote"], adoption.top).split()
    default = str(DEFAULTS["", "remote"])
    if not remotes:
        adoption.found("remote", f"none: remote stays {default!r}; add one before `finish --push`")
        return default
    if default in remotes:
        adoption.found("remote", f"{default} (of {', '.join(remotes)})")
        return default
    chosen = remotes[0]
    adoption.found("remote", f"{chosen} (there is no {default}; the first of {', '.join(remotes)})")
    adoption.set("", "remote", chosen, f"the repository's remote ({default!r} does not exist)")
    return chosen


def _branches(adoption: Adoption, remote: str) -> None:
    listing = gitrepo.git_ok(
        ["for-each-ref", "--format=%(refname)%00%(symref)", "refs/heads", "refs/remotes"], adoption.top
    )
    refs: dict[str, str] = dict(line.split("\0", 1) for line in gitrepo.lines_of(listing) if "\0" in line)
    local = {ref[len("refs/heads/") :] for ref in refs if ref.startswith("refs/heads/")}
    on_remote = {ref[len(f"refs/remotes/{remote}/") :] for ref in refs if ref.startswith(f"refs/remotes/{remote}/")}
    head_target = refs.get(f"refs/remotes/{remote}/HEAD", "")
    remote_head = head_target.removeprefix(f"refs/remotes/{remote}/") if head_target else None
    if "main" in local or "main" in on_remote:
        main, why = "main", "a branch named main"
    elif "master" in local or "master" in on_remote:
        main, why = "master", "a branch named master, and none named main"
    elif remote_head:
        main, why = remote_head, f"{remote}'s HEAD names it"
    elif adoption.current_branch:
        main, why = adoption.current_branch, "no main or master: the checked-out branch"
    else:
        raise RepoError(
            "cannot tell the main branch (no main, no master, HEAD detached); check it out and run init again"
        )
    if remote_head and remote_head != main and remote_head in (local | on_remote):
        why += f" (note: {remote}'s HEAD names {remote_head}; if that is your release line, set main-branch)"
    adoption.main_branch = main
    adoption.found("main branch", f"{main} ({why})")
    adoption.set("", "main-branch", main, why)
    adoption.set("", "protected-branches", [main], f"the main branch, {main}: never deleted, only fast-forwarded")
    develop = next((name for name in ("develop", "dev") if name in local or name in on_remote), None)
    if develop is None:
        adoption.found(
            "develop",
            "none (no develop or dev branch): finish skips the merge back while there is no branch "
            "named develop; there is no setting to turn it off, so none is written",
        )
        return
    adoption.found("develop", f"{develop} (the merge back after each hotfix goes there)")
    adoption.set("", "develop-branch", develop, f"a branch named {develop}")


# --- version files ---------------------------------------------------------------------


def _version_files(adoption: Adoption, latest: tuple[Version, str] | None) -> None:
    if latest is None:
        adoption.found("version files", "not looked for: no release yet to compare them with")
        return
    version, tag = str(latest[0]), latest[1]
    names = gitrepo.git_ok(["ls-tree", "-r", "-z", "--name-only", f"refs/tags/{tag}"], adoption.top).split("\0")
    candidates = [name for name in names if _is_candidate(name)]
    blobs = gitrepo.blobs_at(f"refs/tags/{tag}", candidates, adoption.top) if candidates else {}
    entries, notes = [], []
    for path in candidates:
        text = blobs.get(path, b"").decode("utf-8", "replace")
        entry, found = _version_entry(path, text)
        if found is None:
            continue
        if found == version:
            entries.append(entry)
            locks = (
                [lock for lock in ("package-lock.json", "npm-shrinkwrap.json") if lock in names]
                if entry == "package.json"
                else []
            )
            notes.append(f"{path} ({found}{', with ' + ', '.join(locks) if locks else ''})")
        else:
            notes.append(f"{path} says {found}, not {version}: left out")
    if not notes:
        adoption.found(
            "version files",
            f"none holding {version} (package.json, pyproject.toml, setup.cfg, __version__ in a package or a top-level module, VERSION)",
        )
        return
    adoption.found("version files", f"{'; '.join(notes)} (compared with {tag})")
    adoption.set("", "version-files", entries, f"the files holding {version} in {tag}; start bumps them")


def _is_candidate(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if len(parts) == 1:
        # A single-module project (six.py) keeps its __version__ in that module.
        single_module = name.endswith(".py") and name not in ("setup.py", "conftest.py", "noxfile.py")
        single_module = single_module and not name.startswith(("test_", "_")) and not name.endswith("_test.py")
        return name in ("package.json", PYPROJECT, SETUP_CFG, "VERSION") or single_module
    in_package = len(parts) == 2 or (len(parts) == 3 and parts[0] == "src")
    return in_package and name in ("__init__.py", "_version.py") and not parts[-2].startswith(("test", "."))


def _version_entry(path: str, text: str) -> tuple[str, str | None]:
    """(the version-files entry for PATH, the version it holds), the version None when it holds none."""
    name = os.path.basename(path)
    if name == "package.json":
        try:
            data = json.loads(text)
        except ValueError:
            return path, None
        found = data.get("version") if isinstance(data, dict) else None
        return path, found if isinstance(found, str) else None
    if name == "VERSION":
        return path, text.strip() or None
    pattern = {PYPROJECT: PROJECT_VERSION, SETUP_CFG: SETUP_CFG_VERSION}.get(name, DUNDER_VERSION)
    match = re.search(pattern, text, re.MULTILINE)
    return f"{path}:{pattern}", match.group(1) if match else None


# --- tests and hooks ---------------------------------------------------------------------


def _tests(adoption: Adoption) -> None:
    from hotfix_guard.focus.runner import JS_RUNNERS, detect

    files = gitrepo.tracked_files(adoption.top)
    choice = detect(adoption.top)
    if choice.name in JS_RUNNERS:
        _javascript_tests(adoption, choice.name, choice.reason, files)
        return
    tests = [f for f in files if re.search(r"(^|/)(test_[^/]*|[^/]*_test)\.py$", f)]
    npm_test = _npm_test_script(adoption.top)
    if not tests:
        extra = (
            f"; package.json's test script ({npm_test!r}) names no runner hotfix-guard knows "
            "(jest, vitest, mocha, node --test): set [focused-tests] runner or test-command"
            if npm_test
            else ""
        )
        adoption.found(
            "tests", f"no pytest tests (test_*.py, *_test.py): focused-tests will report 'no tests found'{extra}"
        )
        return
    python = next((venv for venv in VENVS if os.access(os.path.join(adoption.top, venv), os.X_OK)), None)
    shown = python or "the active Python (python on PATH)"
    has = _has_pytest(os.path.join(adoption.top, python) if python else "python", adoption.top)
    state = "" if has else "; pytest is not installed there: install it before validate runs the tests"
    adoption.found("tests", f"pytest, {_count(len(tests), 'test file')}, run with {shown}{state}")
    if python:
        adoption.set("focused-tests", "python", python, "the project's virtualenv (relative to the repository's top)")


def _javascript_tests(adoption: Adoption, runner: str, reason: str, files: list[str]) -> None:
    """The runner package.json names, written down so that no later package.json edit changes it silently."""
    from hotfix_guard.focus import jsproject, jsrun

    tests = jsproject.find_tests(adoption.top, files)
    missing = jsrun.can_start(adoption.top, runner)
    state = f"; {missing}" if missing else ""
    adoption.found("tests", f"{runner} ({reason}), {_count(len(tests), 'test file')}{state}")
    adoption.set("focused-tests", "runner", runner, f"{reason}")


def _npm_test_script(top: str) -> str | None:
    try:
        with open(os.path.join(top, "package.json"), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return test if isinstance(test, str) else None


def _has_pytest(python: str, top: str) -> bool:
    try:
        result = subprocess.run([python, "-c", "import pytest"], cwd=top, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _hooks(adoption: Adoption) -> None:
    from hotfix_guard.install import NONE, hooks_dir, owner

    where = hooks_dir(adoption.top)
    found = []
    adoption.pre_commit = os.path.isfile(os.path.join(adoption.top, PRE_COMMIT_CONFIG))
    if adoption.pre_commit:
        text = _read(os.path.join(adoption.top, PRE_COMMIT_CONFIG), PRE_COMMIT_CONFIG)
        ours = (
            "lists hotfix-guard's hooks"
            if re.search(r"\bid:\s*['\"]?hotfix-", text)
            else "without hotfix-guard's hooks"
        )
        found.append(f"pre-commit framework ({PRE_COMMIT_CONFIG}, {ours})")
    adoption.husky = os.path.isdir(os.path.join(adoption.top, ".husky"))
    if adoption.husky:
        found.append(
            "husky (.husky/): install-hooks would not replace its hooks; add a line to each of "
            '.husky/pre-commit, commit-msg and pre-push instead: hotfix-guard hook TYPE "$@"'
        )
    installed = [f"{hook_type}: {who}" for hook_type in HOOK_TYPES if (who := owner(where.hook(hook_type))) != NONE]
    via = f" in core.hooksPath {os.path.relpath(where.path, adoption.top)}" if where.configured else ""
    if installed:
        found.append(f"installed{via}: {', '.join(installed)}")
    adoption.found("hooks", "; ".join(found) if found else "none installed")


def _read(path: str, name: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"cannot read {name}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: not valid UTF-8 (byte {error.start})") from None


# --- the config text ---------------------------------------------------------------------


def existing_configs(top: str) -> list[str]:
    """The files of the work tree that already hold hotfix-guard settings (an invalid one raises)."""
    found = []
    for name in (STANDALONE, PYPROJECT, SETUP_CFG):
        path = os.path.join(top, name)
        if not os.path.lexists(path):
            continue
        text = _read(path, name)
        if name == STANDALONE or settings_table(name, text, name) is not None:
            found.append(name)
    return found


def config_text(adoption: Adoption) -> str:
    """The table init writes: the settings that differ from the defaults, each with its reason."""
    standalone = adoption.target == STANDALONE
    top_header = "" if standalone else "[tool.hotfix-guard]\n"
    lines = [
        "# hotfix-guard: written by `hotfix-guard init` from what it found in this repository; keys left out",
        "# keep their defaults (see the README's Configuration section).",
    ]
    if top_header:
        lines.insert(0, top_header.rstrip("\n"))
    tables: dict[str, list[Setting]] = {}
    for setting in adoption.settings:
        tables.setdefault(setting.table, []).append(setting)
    for setting in tables.pop("", []):
        lines.append(f"{setting.key} = {_toml_value(setting.value)}  # {setting.why}")
    for table, settings in tables.items():
        lines.append(f"[{table}]" if standalone else f"[tool.hotfix-guard.{table}]")
        lines += [f"{s.key} = {_toml_value(s.value)}  # {s.why}" for s in settings]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value)
    if "\\" in text and "'" not in text and "\n" not in text:
        return f"'{text}'"  # a literal string: regexes read as written
    return json.dumps(text)


def planned_files(adoption: Adoption, force: bool) -> dict[str, str]:
    """name -> new content of every config file init changes, proved to parse; raises when an
    existing config is in the way (without FORCE) or a file cannot be read or parsed."""
    if adoption.existing and not force:
        raise ConfigError(
            f"{', '.join(adoption.existing)} already holds hotfix-guard's settings; "
            "init never overwrites them: edit them, or run init --force (it keeps a backup)"
        )
    target = adoption.target
    table = config_text(adoption)
    files: dict[str, str] = {}
    for name in adoption.existing:
        if name == STANDALONE:
            continue
        text = _read(os.path.join(adoption.top, name), name)
        files[name] = remove_tables(text, name)
    if target == PYPROJECT:
        text = files.get(PYPROJECT) or _read(os.path.join(adoption.top, PYPROJECT), PYPROJECT)
        settings_table(PYPROJECT, text + "\n# hotfix-guard\n", PYPROJECT)  # raises if it is not TOML
        files[PYPROJECT] = (
            (text if text.endswith("\n") or not text else text + "\n") + ("\n" if text.strip() else "") + table
        )
    else:
        files[STANDALONE] = table
    written = settings_table(target, files[target], target)
    if written is None:
        raise ConfigError(f"{target}: the table init wrote does not read back; report this as a bug")
    config_from_table(written, target)
    return files


def remove_tables(text: str, name: str) -> str:
    """TEXT without hotfix-guard's tables (`[tool.hotfix-guard...]` in pyproject.toml,
    `[hotfix-guard...]` in setup.cfg): from each such header to the next header not ours."""
    ours = re.compile(r"\[\s*tool\s*\.\s*[\"']?hotfix-guard\b" if name == PYPROJECT else r"\[hotfix-guard\b")
    kept, inside_ours = [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("["):
            inside_ours = bool(ours.match(line.lstrip()))
        if not inside_ours:
            kept.append(line)
    result = "".join(kept)
    if settings_table(name, result, name) is not None:
        raise ConfigError(f"{name}: hotfix-guard's settings are not in tables of their own; remove them by hand")
    return result


def write_files(adoption: Adoption, files: dict[str, str]) -> list[str]:
    """Write FILES (backing up each existing config file first); the lines saying what was done."""
    done = []
    for name in adoption.existing:
        path = refuse_symlink(adoption.top, name, "config file")
        backup = _backup_name(path)
        with open(path, "rb") as handle:
            write_atomic(backup, handle.read(), exclusive=True)
        done.append(f"kept a backup of {name}: {os.path.basename(backup)}")
    for name, text in files.items():
        path = refuse_symlink(adoption.top, name, "config file")
        write_atomic(path, text.encode("utf-8"))
        done.append(f"wrote {name}")
    return done


def _backup_name(path: str) -> str:
    number = 0
    while True:
        candidate = f"{path}.bak" + (str(number) if number else "")
        if not os.path.lexists(candidate):
            return candidate
        number += 1


# --- pre-commit ----------------------------------------------------------------------------


def pre_commit_hooks(indent: int) -> str:
    """hotfix-guard's hooks as a `repo: local` entry of `repos:`, list items at INDENT."""
    from hotfix_guard.checks import registry

    hooks = []
    for check in registry().values():
        for stage in ("pre-commit", "commit-msg"):
            if stage in check.stages:
                hooks.append((check.id, check.id.replace("-", " "), stage))
    pad = " " * indent
    lines = [
        f"{pad}- repo: local  # hotfix-guard's hooks, added by `hotfix-guard init`: they run the hotfix-guard installed here",
        f"{pad}  hooks:",
    ]
    for hook_id, name, stage in [*hooks, ("validate", "validate", "pre-push")]:
        stages = "[pre-push, manual]" if hook_id == "validate" else f"[{stage}]"
        lines += [
            f"{pad}    - id: hotfix-{hook_id}",
            f"{pad}      name: hotfix {name}",
            f"{pad}      entry: hotfix-guard hook {hook_id}",
            f"{pad}      language: system",
            *([f"{pad}      pass_filenames: false", f"{pad}      always_run: true"] if stage != "commit-msg" else []),
            f"{pad}      stages: {stages}",
        ]
    return "\n".join(lines) + "\n"


def pre_commit_config(top: str) -> str | None:
    """The new .pre-commit-config.yaml, or None when it lists hotfix-guard's hooks already."""
    path = os.path.join(top, PRE_COMMIT_CONFIG)
    if not os.path.lexists(path):
        return (
            "# pre-commit's configuration (https://pre-commit.com), written by `hotfix-guard init`.\n"
            f"default_install_hook_types: [{', '.join(HOOK_TYPES)}]\nrepos:\n" + pre_commit_hooks(2)
        )
    text = _read(path, PRE_COMMIT_CONFIG)
    if re.search(r"\bid:\s*['\"]?hotfix-", text):
        return None
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"repos:\s*(#.*)?$", line)), None)
    if start is None:
        if re.search(r"^repos:", text, re.MULTILINE):
            raise ConfigError(f"{PRE_COMMIT_CONFIG}: its repos are a flow-style list; add hotfix-guard's hooks by hand")
        raise ConfigError(f"{PRE_COMMIT_CONFIG}: no top-level `repos:` list; it is not a pre-commit config")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[^\s#-]", lines[i])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # the blank lines before the next key stay after our entry
    item = next((re.match(r"( *)- ", line) for line in lines[start + 1 : end] if re.match(r" *- ", line)), None)
    indent = len(item.group(1)) if item else 2
    before = "".join(lines[:end])
    if before and not before.endswith("\n"):
        before += "\n"
    return before + pre_commit_hooks(indent) + "".join(lines[end:])
