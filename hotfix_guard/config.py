"""Defaults and the one config reader.

`--config FILE` wins. Else the config committed on the main branch (mainconfig.py finds
it), else the work tree's: a hotfix branch, cut from a release that may predate the
config, is judged by main's rules. In each place the first found wins: `.hotfix-guard.toml`,
`[tool.hotfix-guard]` in `pyproject.toml`, `[hotfix-guard]` in `setup.cfg`. Top-level keys sit in the main table;
each check's keys sit in a sub-table named by its check id (`[tool.hotfix-guard.file-count]`,
or `[hotfix-guard.file-count]` in setup.cfg). Unknown keys and wrong types are errors that
name the key and the file.
"""

from __future__ import annotations

import os
import sys

from hotfix_guard.checks import registry
from hotfix_guard.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Mapping

    from hotfix_guard.mainconfig import MainFiles

SEVERITIES = ("error", "warning", "off")
# Said where no branch is main (no main, master or remote HEAD branch, and no main-branch):
# the rules cannot come from main, which every report and doctor say loudly.
NO_MAIN = "no main branch found: none named main or master, no remote HEAD, no main-branch set"
# Tables that are not checks: settings of one command, named by it.
COMMAND_TABLES = ("notify",)

# (table, key) -> default; the default's type is the key's type. Table "" is the top level;
# each check's table (its severity and options) comes from the check registry.
SETTINGS: dict[tuple[str, str], object] = {
    ("", "tag-prefix"): "v",
    ("", "branch-prefix"): "hotfix/",
    ("", "main-branch"): "main",
    ("", "develop-branch"): "develop",
    ("", "remote"): "origin",
    ("", "version-files"): [],
    ("", "protected-branches"): ["main"],
    ("", "release-tags-on-main"): True,
    ("", "sign-tags"): False,  # finish and rollback sign their tags (refused without a key); else when git is set up to
    ("", "require-signed-tags"): False,  # the push guard blocks a release tag that `git verify-tag` does not accept
    ("notify", "install-command"): "",  # e.g. "pip install -U NAME"; empty: a visible placeholder
    ("notify", "team-template"): "",  # a file (relative to the repository top) replacing the built-in template
    ("notify", "users-template"): "",
}


def _defaults() -> tuple[tuple[str, ...], dict[tuple[str, str], object], dict[tuple[str, str], int]]:
    checks = registry()
    defaults = dict(SETTINGS)
    minimums = {}
    for check in checks.values():
        defaults[check.id, "severity"] = check.severity
        for key, default in check.options.items():
            defaults[check.id, key] = default
        for key, minimum in check.minimums.items():
            minimums[check.id, key] = minimum
    return tuple(checks), defaults, minimums


_CHECK_DEFAULTS: tuple[tuple[str, ...], dict[tuple[str, str], object], dict[tuple[str, str], int]] | None = None


def registry_defaults() -> tuple[tuple[str, ...], dict[tuple[str, str], object], dict[tuple[str, str], int]]:
    """(check ids, every default, minimums), from the check registry on first use: a hook that
    only needs the top-level settings (the push of an ordinary branch, a commit on a branch
    that is not a hotfix branch) does not import the checks."""
    global _CHECK_DEFAULTS
    if _CHECK_DEFAULTS is None:
        _CHECK_DEFAULTS = _defaults()
    return _CHECK_DEFAULTS


if TYPE_CHECKING:  # served by __getattr__ below; declared for the type checker
    CHECK_IDS: tuple[str, ...]
    DEFAULTS: dict[tuple[str, str], object]
    MINIMUMS: dict[tuple[str, str], int]


def __getattr__(name: str) -> object:
    """CHECK_IDS, DEFAULTS and MINIMUMS, computed when first asked for (PEP 562)."""
    names = ("CHECK_IDS", "DEFAULTS", "MINIMUMS")
    if name in names:
        return registry_defaults()[names.index(name)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _all_defaults() -> dict[tuple[str, str], object]:
    return registry_defaults()[1]


def _check_default(check: str, key: str) -> object:
    """One check's default, from its own module (the registry names a check's module after its
    id): the commit-msg hook reads commit-message's settings without importing every check."""
    return _one_check(check)[0][check, key]  # not a check's key: the KeyError names it


def _one_check(check: str) -> tuple[dict[tuple[str, str], object], dict[tuple[str, str], int]]:
    """(defaults, minimums) of the check CHECK (an id listed_ids() knows), from its own module:
    a config that sets two checks' options imports those two, not every check."""
    if _CHECK_DEFAULTS is not None:
        return _CHECK_DEFAULTS[1], _CHECK_DEFAULTS[2]
    from hotfix_guard.checks import listed_ids

    if check not in listed_ids():
        return _all_defaults(), registry_defaults()[2]
    module = f"hotfix_guard.checks.{check.replace('-', '_')}"
    __import__(module)
    spec = sys.modules[module].CHECK
    defaults: dict[tuple[str, str], object] = {(check, "severity"): spec.severity}
    defaults.update(((check, key), default) for key, default in spec.options.items())
    return defaults, {(check, key): minimum for key, minimum in spec.minimums.items()}


_MISSING = object()

_FILE_NAMES = (".hotfix-guard.toml", "pyproject.toml", "setup.cfg")


class Config:
    """Validated settings; `source` names the file they came from (None for defaults), as
    messages name it; `origin` says where the rules came from (config: lines print its text)."""

    def __init__(
        self,
        values: Mapping[tuple[str, str], object],
        source: str | None = None,
        configured: frozenset[tuple[str, str]] | None = None,
        origin: Mapping[str, str | None] | None = None,
    ):
        """CONFIGURED: the keys the config file set (default: those whose value is not the
        default); ORIGIN: where the rules came from (validate, status and doctor say it)."""
        self.source = source
        self._configured = configured
        self.origin: dict[str, str | None] = dict(origin or _origin("defaults", None, "defaults (no config file)"))
        self._values = values
        self.tag_prefix = str(self._value("", "tag-prefix"))
        self.branch_prefix = str(self._value("", "branch-prefix"))
        self.main_branch = str(self._value("", "main-branch"))
        self.develop_branch = str(self._value("", "develop-branch"))
        self.remote = str(self._value("", "remote"))
        self.version_files = self._strings("", "version-files")
        self.protected_branches = self._strings("", "protected-branches")
        self.release_tags_on_main = bool(self._value("", "release-tags-on-main"))
        self.sign_tags = bool(self._value("", "sign-tags"))
        self.require_signed_tags = bool(self._value("", "require-signed-tags"))
        self.install_command = str(self._value("notify", "install-command"))
        self.notify_templates = {
            "team": str(self._value("notify", "team-template")),
            "users": str(self._value("notify", "users-template")),
        }
        self._severity: dict[str, str] | None = None
        self._branch_patterns: tuple[re.Pattern[str], ...] | None = None
        self._message_token: re.Pattern[str] | None = None
        self._critical_pattern: re.Pattern[str] | None = None

    def _value(self, table: str, key: str) -> object:
        """The value of TABLE.KEY: from VALUES, else its default (a check's, from the registry)."""
        value = self._values.get((table, key), _MISSING)
        if value is _MISSING:
            value = SETTINGS[table, key] if (table, key) in SETTINGS else _check_default(table, key)
        return value

    def _strings(self, table: str, key: str) -> tuple[str, ...]:
        value = self._value(table, key)
        assert isinstance(value, list)
        return tuple(value)

    def _int(self, table: str, key: str) -> int:
        value = self._value(table, key)
        assert isinstance(value, int)
        return value

    @property
    def configured(self) -> frozenset[tuple[str, str]]:
        """The keys the config file set (given: from the file; else those not at their default)."""
        if self._configured is None:
            defaults = _all_defaults()
            self._configured = frozenset(k for k, v in self._values.items() if defaults.get(k) != v)
        return self._configured

    # The checks' settings are read when a check needs them: a hook with nothing to check
    # does not import the check registry for their defaults.
    @property
    def severity(self) -> dict[str, str]:
        if self._severity is None:
            self._severity = {check: str(self._value(check, "severity")) for check in registry_defaults()[0]}
        return self._severity

    @property
    def max_files(self) -> int:
        return self._int("file-count", "max-files")

    @property
    def file_count_exclude(self) -> tuple[str, ...]:
        return self._strings("file-count", "exclude")

    @property
    def max_lines(self) -> int:
        return self._int("diff-size", "max-lines")

    @property
    def diff_size_exclude(self) -> tuple[str, ...]:
        return self._strings("diff-size", "exclude")

    @property
    def conventional(self) -> bool:
        return bool(self._value("commit-message", "conventional"))

    @property
    def message_types(self) -> tuple[str, ...]:
        return self._strings("commit-message", "types")

    @property
    def test_markers(self) -> frozenset[str]:
        return frozenset(self._strings("focused-tests", "markers"))

    @property
    def test_python(self) -> str:
        return str(self._value("focused-tests", "python"))

    @property
    def pytest_args(self) -> tuple[str, ...]:
        return self._strings("focused-tests", "pytest-args")

    @property
    def test_runner(self) -> str:
        """[focused-tests] runner: one of checks.focused_tests.RUNNERS, or "" to detect it."""
        return str(self._value("focused-tests", "runner"))

    @property
    def test_command(self) -> str:
        return str(self._value("focused-tests", "test-command"))

    @property
    def test_timeout(self) -> int:
        return self._int("focused-tests", "timeout")

    @property
    def test_ignore(self) -> tuple[str, ...]:
        return self._strings("focused-tests", "ignore")

    # Compiled on first use: a commit-msg hook has no use for the branch patterns, and
    # compiling them would cost it more than its check. A config file's patterns are
    # compiled as it is loaded, so that a bad one is reported at once.
    @property
    def branch_patterns(self) -> tuple[re.Pattern[str], ...]:
        if self._branch_patterns is None:
            if ("branch-name", "patterns") not in self.configured:
                # Not configured (a configured list, even one equal to the defaults, is used as
                # given): the defaults follow tag-prefix, and are safe by construction.
                import re

                from hotfix_guard.checks.branch_name import default_patterns

                self._branch_patterns = tuple(re.compile(pattern) for pattern in default_patterns(self.tag_prefix))
            else:
                self._branch_patterns = _compile_all(
                    self._value("branch-name", "patterns"), "branch-name", "patterns", self.source
                )
        return self._branch_patterns

    @property
    def message_token(self) -> re.Pattern[str]:
        if self._message_token is None:
            self._message_token = _compile_all(
                self._value("commit-message", "token"), "commit-message", "token", self.source
            )[0]
        return self._message_token

    @property
    def critical_pattern(self) -> re.Pattern[str]:
        """The critical set's test-id pattern, matched case-insensitively."""
        if self._critical_pattern is None:
            import re

            compiled = _compile_all(
                self._value("focused-tests", "pattern"), "focused-tests", "pattern", self.source, re.IGNORECASE
            )
            self._critical_pattern = compiled[0]
        return self._critical_pattern

    def compile_patterns(self) -> None:
        """Compile the file's own regular expressions now, so that a bad one is reported as the
        file loads (the defaults are known to compile and to be safe)."""
        if ("branch-name", "patterns") in self.configured:
            _ = self.branch_patterns
        if ("commit-message", "token") in self.configured:
            _ = self.message_token
        if ("focused-tests", "pattern") in self.configured:
            _ = self.critical_pattern

    def option(self, check: str, key: str) -> object:
        """A check's option, by its check id and key (a new check reads its options this way)."""
        return self._value(check, key)

    def where(self, table: str, key: str) -> str:
        name = f"{table}.{key}" if table else key
        return f"{name!r} in {self.source}" if self.source else f"{name!r}"


def default_config() -> Config:
    return Config(SETTINGS, configured=frozenset())


def load_config(top: str, explicit: str | None = None, git_dir: str | None = None, *, work_tree: bool = True) -> Config:
    """The rules for the repository whose work tree is TOP (git directory GIT_DIR, found when
    not given): EXPLICIT (--config), else main's committed config, else the work tree's.
    Without WORK_TREE (a server's bare repository, where TOP is the git directory) no file
    outside git is read: EXPLICIT, else main's committed config, else the defaults.

    Main's config that does not read or parse is an error, never a silent fall back."""
    if explicit is not None:
        raw, source = _read_explicit(explicit)
        return _build(raw, source, _origin("option", explicit, f"{explicit} (--config)"))
    work = _find_text(top) if work_tree else None
    from hotfix_guard.mainconfig import main_files

    git_dir = git_dir or _git_dir_of(top)
    main = None
    if git_dir is not None:
        # Main is found before any config is read (main, the remote's HEAD branch, master), so
        # that a hotfix's own files cannot choose which branch's rules judge it; main's own
        # config may then name another main branch, followed once.
        remote = str(SETTINGS["", "remote"])
        main = main_files(git_dir, None, remote, bare=not work_tree)
        if main is not None:
            ruling = _main_table(main)
            named, remote = _where_main_is(*ruling) if ruling is not None else (None, remote)
            if named is not None and named != main.branch:
                main = main_files(git_dir, named, remote, bare=not work_tree) or main
        else:
            wanted, remote = _main_names(work)
            if wanted is not None:
                _require_not_a_hotfix_branch(wanted, work, git_dir)
                main = main_files(git_dir, wanted, remote)
    ruling = _main_table(main) if main is not None else None
    found = _branch_name(main, remote) if main is not None else None
    if main is not None and ruling is not None:
        name, label, settings = ruling
        return _build(settings, label, _origin("main", name, label, branch=main.branch, commit=main.commit), found)
    why = f"{main.branch} {main.commit[:7]} has none" if main is not None else NO_MAIN
    if work is not None:
        name, path, text = work
        table = _table_of(name, text, path)
        assert table is not None  # _find_text returns only a file that holds a table
        return _build(table, path, _origin("work-tree", name, f"{name} in the work tree ({why})"), found)
    values = _follow_main(dict(SETTINGS), frozenset(), found)
    return Config(values, None, frozenset(), origin=_origin("defaults", None, f"defaults (no config file; {why})"))


def _branch_name(main: MainFiles, remote: str) -> str:
    """The name of the branch found as main: `trunk` for refs/heads/trunk and refs/remotes/origin/trunk."""
    for prefix in ("refs/heads/", f"refs/remotes/{remote}/"):
        if main.ref.startswith(prefix):
            return main.ref[len(prefix) :]
    return main.branch


def _follow_main(
    values: dict[tuple[str, str], object],
    configured: frozenset[tuple[str, str]] | set[tuple[str, str]],
    found: str | None,
) -> dict[tuple[str, str], object]:
    """VALUES where the config leaves them to main: `main-branch` is the branch FOUND as main
    (the bootstrap rule: a server's HEAD, a clone's origin/HEAD, master), and
    `protected-branches` is that main-branch, so protection and "tag on main" follow main."""
    if found is not None and ("", "main-branch") not in configured:
        values["", "main-branch"] = found
    if ("", "protected-branches") not in configured:
        values["", "protected-branches"] = [values["", "main-branch"]]
    return values


def check_main_files(files: MainFiles) -> None:
    """Raise the ConfigError loading FILES as main's config would raise (the server proves a
    config before it lands on main: a broken one would refuse every push after it)."""
    ruling = _main_table(files)
    if ruling is not None:
        name, label, settings = ruling
        _where_main_is(name, label, settings)
        _build(settings, label)


def _origin(
    kind: str, name: str | None, text: str, branch: str | None = None, commit: str | None = None
) -> dict[str, str | None]:
    return {"kind": kind, "file": name, "branch": branch, "commit": commit, "text": text}


def _git_dir_of(top: str) -> str | None:
    """TOP's git directory; None outside a repository (a message file checked on its own)."""
    from hotfix_guard import gitrepo
    from hotfix_guard.errors import RepoError

    found = gitrepo.find_git_dir(top)
    if found is not None:
        return found[1]
    inherited = os.environ.get("GIT_DIR")  # as git sets it for a hook in a linked worktree
    if inherited and "GIT_WORK_TREE" not in os.environ and os.path.isdir(inherited):
        return os.path.abspath(inherited)
    try:
        return gitrepo.locate(top).git_dir
    except RepoError:
        return None


def _main_table(main: MainFiles) -> tuple[str, str, dict[str, object]] | None:
    """(file name, label, settings) of the config file that rules on main: the first that holds
    hotfix-guard's settings, parsed once (the cache keeps the parsed table)."""
    for name in _FILE_NAMES:
        data = main.texts.get(name)
        if data is None:
            continue
        label = main.label(name)
        if name in main.tables:
            table = main.tables[name]
        else:
            table = _table_of(name, _decode(data, label), label)
            main.keep_table(name, table)
        if table is not None:
            return name, label, table
    return None


def _where_main_is(name: str, label: str, table: Mapping[str, object]) -> tuple[str | None, str]:
    """`main-branch` (None when not set) and `remote` as a config file's settings TABLE give them."""
    from_text = name == "setup.cfg"
    main_branch = table.get("main-branch")
    main = str(_coerce("", "main-branch", main_branch, label, from_text)) if main_branch is not None else None
    return main, str(_coerce("", "remote", table.get("remote", SETTINGS["", "remote"]), label, from_text))


def _require_not_a_hotfix_branch(wanted: str, work: tuple[str, str, str] | None, git_dir: str) -> None:
    """The work tree names main (no main, master or remote HEAD branch exists): it must not name
    the branch checked out or a hotfix branch, whose own config would then judge it."""
    from hotfix_guard import gitrepo

    prefix = str(SETTINGS["", "branch-prefix"])
    current = gitrepo.head_branch(git_dir)
    if wanted == current or wanted.startswith(prefix) or wanted.lower().startswith("hotfix"):
        where = work[1] if work is not None else "the work tree's config"
        raise ConfigError(
            f"main-branch = {wanted!r} in {where} names {'the branch checked out' if wanted == current else 'a hotfix branch'}: "
            "the rules must come from main; set main-branch to the release branch (on that branch's committed config)"
        )


def _main_names(work: tuple[str, str, str] | None) -> tuple[str | None, str]:
    """`main-branch` and `remote` as the work tree's config sets them: where to look for main.
    (The substring test spares parsing a file that sets neither.)"""
    if work is None or ("main-branch" not in work[2] and "remote" not in work[2]):
        return None, str(SETTINGS["", "remote"])
    name, path, text = work
    return _where_main_is(name, path, _table_of(name, text, path) or {})


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{label}: not valid UTF-8 (byte {error.start})") from None


def settings_table(name: str, text: str, label: str) -> dict[str, object] | None:
    """hotfix-guard's settings in the text of config file NAME (a base name in FILE_NAMES),
    None when it holds none."""
    return _table_of(name, text, label)


def config_from_table(table: dict[str, object], source: str) -> Config:
    """TABLE (a settings table as parsed) checked as a config file's would be: `init` proves
    the config it writes this way before writing it."""
    return _build(table, source)


def _read_explicit(path: str) -> tuple[dict[str, object], str]:
    text = _read_text(path)
    if text is None:
        raise ConfigError(f"config file {path!r} does not exist or cannot be read")
    if os.path.basename(path) == "pyproject.toml":
        table = _tool_table(_parse_toml(text, path), path)
        missing = "[tool.hotfix-guard]"
    elif path.endswith((".cfg", ".ini")):
        table = _parse_setup_cfg(text, path)
        missing = "[hotfix-guard]"
    else:
        return _parse_toml(text, path), path
    if table is None:
        raise ConfigError(f"config file {path!r} has no {missing} section")
    return table, path


def _find_text(top: str) -> tuple[str, str, str] | None:
    """(name, path, text) of the work tree's first config file that holds a table."""
    for name in _FILE_NAMES:
        path = os.path.join(top, name)
        text = _read_text(path)
        # The substring test keeps the common case (a pyproject.toml without our table)
        # from paying for a TOML parser on every commit.
        if text is None or (name != ".hotfix-guard.toml" and "hotfix-guard" not in text):
            continue
        if name == ".hotfix-guard.toml" or _table_of(name, text, path) is not None:
            return name, path, text
    return None


def _table_of(name: str, text: str, where: str) -> dict[str, object] | None:
    if name == ".hotfix-guard.toml":
        return _parse_toml(text, where)
    if "hotfix-guard" not in text:
        return None
    return _tool_table(_parse_toml(text, where), where) if name == "pyproject.toml" else _parse_setup_cfg(text, where)


def _read_text(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {error.start})") from None


def _parse_toml(text: str, path: str) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        document: dict[str, object] = tomllib.loads(text)
        return document
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _tool_table(document: dict[str, object], path: str) -> dict[str, object] | None:
    tool = document.get("tool")
    if not isinstance(tool, dict) or "hotfix-guard" not in tool:
        return None
    table = tool["hotfix-guard"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.hotfix-guard] must be a table")
    return table


def _parse_setup_cfg(text: str, path: str) -> dict[str, object] | None:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as error:
        raise ConfigError(f"{path}: invalid INI: {' '.join(str(error).split())}") from None
    ours = [s for s in parser.sections() if s == "hotfix-guard" or s.startswith("hotfix-guard.")]
    if not ours:
        return None
    table: dict[str, object] = dict(parser.items("hotfix-guard")) if "hotfix-guard" in ours else {}
    for section in ours:
        if section.startswith("hotfix-guard."):
            table[section[len("hotfix-guard.") :]] = dict(parser.items(section))
    return table


def _build(
    raw: dict[str, object], source: str, origin: Mapping[str, str | None] | None = None, found: str | None = None
) -> Config:
    """RAW checked, over the defaults; FOUND: the branch found as main (see `_follow_main`)."""
    from_text = source.endswith((".cfg", ".ini")) or source.startswith("setup.cfg at ")
    values = dict(SETTINGS)
    configured = set()
    for key, value in raw.items():
        if isinstance(value, dict):
            from hotfix_guard.checks import listed_ids

            if key not in COMMAND_TABLES and key not in listed_ids():
                raise ConfigError(
                    f"unknown table [{key}] in {source} (checks: {', '.join(registry_defaults()[0])}; commands: {', '.join(COMMAND_TABLES)})"
                )
            for sub_key, sub_value in value.items():
                values[key, sub_key] = _coerce(key, sub_key, sub_value, source, from_text)
                configured.add((key, sub_key))
        else:
            values["", key] = _coerce("", key, value, source, from_text)
            configured.add(("", key))
    config = Config(_follow_main(values, configured, found), source, frozenset(configured), origin=origin)
    _check_ranges(config)
    config.compile_patterns()
    _check_token(config)
    _check_version_files(config)
    return config


def _check_token(config: Config) -> None:
    """A token that an empty message matches (`token = ""`) would switch the check off unseen."""
    if ("commit-message", "token") not in config.configured:
        return  # the default token
    if config.severity["commit-message"] != "off" and config.message_token.search("") is not None:
        raise ConfigError(
            f"{config.where('commit-message', 'token')} matches an empty message, so every message would pass, "
            f"got {config.message_token.pattern!r}; give the token every hotfix commit must carry, e.g. "
            f'{_all_defaults()["commit-message", "token"]!r}, or set severity = "off" in [commit-message]'
        )


def _check_version_files(config: Config) -> None:
    """`path:regex` entries: the regex must compile, be safe, and hold the version in group 1."""
    for entry in config.version_files:
        path, colon, pattern = entry.partition(":")
        if not colon or not pattern:
            continue
        import re

        compiled = _compile("version-files", pattern, config.source, re.MULTILINE)
        if compiled.groups < 1:
            raise ConfigError(
                f"{config.where('', 'version-files')}: {entry!r} has no group around the version; "
                f"write it as '{path}:...(VERSION-PATTERN)...'"
            )


def _coerce(table: str, key: str, value: object, source: str, from_text: bool) -> object:
    name = f"{table}.{key}" if table else key
    defaults = SETTINGS if table in ("", *COMMAND_TABLES) else _one_check(table)[0]
    if (table, key) not in defaults:
        known = ", ".join(k for t, k in defaults if t == table)
        raise ConfigError(f"unknown key {name!r} in {source} (known here: {known})")
    default = defaults[table, key]
    if from_text and isinstance(value, str) and not isinstance(default, str):
        value = _from_ini_text(value, default)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    else:
        ok = isinstance(value, str)
    if not ok:
        wanted = {bool: "true or false", int: "a whole number", list: "a list of strings"}
        raise ConfigError(f"{name!r} in {source} must be {wanted.get(type(default), 'a string')}, got {value!r}")
    if key == "severity" and value not in SEVERITIES:
        raise ConfigError(f"{name!r} in {source} must be one of {', '.join(SEVERITIES)}, got {value!r}")
    if (table, key) == ("approvals", "default-severity") and value not in ("", "critical", "high", "medium"):
        raise ConfigError(f"{name!r} in {source} must be critical, high, medium or empty, got {value!r}")
    if table == "" and isinstance(value, str):
        _check_name(name, value, source)
    if (table, key) == ("focused-tests", "test-command") and isinstance(value, str) and value:
        _check_command(name, value, source)
    if (table, key) == ("focused-tests", "runner") and value:
        from hotfix_guard.checks.focused_tests import RUNNERS

        if value not in RUNNERS:
            raise ConfigError(f"{name!r} in {source} must be one of {', '.join(RUNNERS)} (or empty), got {value!r}")
    if (table, key) == ("", "protected-branches"):
        _check_branch_names(name, value, source)
    return value


def _check_command(name: str, value: str, source: str) -> None:
    import shlex

    try:
        words = shlex.split(value)
    except ValueError as error:
        raise ConfigError(f"{name!r} in {source} cannot be split into words ({error}), got {value!r}") from None
    if not words:
        raise ConfigError(f"{name!r} in {source} names no command, got {value!r}")


def _check_name(name: str, value: str, source: str) -> None:
    """Prefixes and branch names end up in git refs and commands: no control characters, and
    the ones that name refs must be usable as such."""
    from hotfix_guard.refnames import is_valid_branch_name

    if not value.isprintable():
        raise ConfigError(f"{name!r} in {source} must not hold control characters, got {value!r}")
    if name == "branch-prefix" and not value:
        raise ConfigError(f"{name!r} in {source} must not be empty: every branch would be a hotfix branch")
    if name in ("main-branch", "develop-branch", "remote") and not is_valid_branch_name(value):
        raise ConfigError(f"{name!r} in {source} is not a valid git name, got {value!r}")


def _check_branch_names(name: str, value: object, source: str) -> None:
    from hotfix_guard.refnames import is_valid_branch_name

    assert isinstance(value, list)
    for branch in value:
        if not is_valid_branch_name(branch):
            raise ConfigError(f"{name!r} in {source}: {branch!r} is not a valid git branch name")


def _from_ini_text(text: str, default: object) -> object:
    """setup.cfg holds only text: read it as the type the key wants, where it reads as one."""
    stripped = text.strip()
    if isinstance(default, bool):
        lowered = stripped.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        return text
    if isinstance(default, int):
        return int(stripped) if stripped.isascii() and stripped.isdigit() else text
    if isinstance(default, list):
        # One item a line; a single line may list items separated by commas. (Commas in a
        # multi-line list stay: a pattern such as [0-9]{1,3} holds one.)
        separator = "\n" if "\n" in stripped else ","
        return [item.strip() for item in stripped.split(separator) if item.strip()]
    return text


def _check_ranges(config: Config) -> None:
    # Only the checks whose options were set: the defaults are in range.
    checks = {table for table, _key in config.configured if table not in ("", *COMMAND_TABLES)}
    for (table, key), minimum in {item for check in checks for item in _one_check(check)[1].items()}:
        value = config.option(table, key)
        assert isinstance(value, int)
        if value < minimum:
            raise ConfigError(f"{config.where(table, key)} must be at least {minimum}, got {value}")


def _compile_all(
    value: object, table: str, key: str, source: str | None, flags: int = 0
) -> tuple[re.Pattern[str], ...]:
    patterns = value if isinstance(value, list) else [str(value)]
    name = f"{table}.{key}" if table else key
    # The defaults are known to be safe (a test says so); a config file's own patterns are
    # checked as it loads.
    default = _check_default(table, key)
    known = default if isinstance(default, list) else [default]
    return tuple(
        _compile(name, pattern, source, flags, check=source is not None and pattern not in known)
        for pattern in patterns
    )


def _compile(name: str, pattern: str, source: str | None, flags: int = 0, check: bool = True) -> re.Pattern[str]:
    """PATTERN compiled; one that does not compile, or could backtrack for ever, names the key."""
    import re

    where = f"{name!r} in {source}" if source else repr(name)
    try:
        compiled = re.compile(pattern, flags)
    except re.error as error:
        raise ConfigError(f"{where}: {pattern!r} is not a valid regular expression ({error})") from None
    if check:
        from hotfix_guard.regex_safety import hazard

        reason = hazard(pattern, ignorecase=bool(flags & re.IGNORECASE))
        if reason is not None:
            raise ConfigError(
                f"{where}: {pattern!r} can backtrack for so long that the hooks hang ({reason}); "
                "rewrite it (see 'Regular expressions' in the README)"
            )
    return compiled
