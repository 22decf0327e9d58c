"""The one config reader, on real files: where it looks, what it reads, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo, run_cli

from hotfix_guard.config import default_config, load_config
from hotfix_guard.errors import ConfigError

TOML = "[file-count]\nmax-files = 3\n"


def write(directory: Path, name: str, content: str | bytes) -> str:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def config_error(directory: Path, name: str, content: str | bytes) -> str:
    write(directory, name, content)
    with pytest.raises(ConfigError) as raised:
        load_config(str(directory))
    return str(raised.value)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(str(tmp_path))
    assert (config.source, config.tag_prefix, config.branch_prefix, config.max_files, config.max_lines) == (
        None, "v", "hotfix/", 5, 200)  # fmt: skip
    assert config.severity["diff-size"] == "warning" and config.message_types == ("fix",)


def test_hotfix_guard_toml(tmp_path: Path) -> None:
    path = write(tmp_path, ".hotfix-guard.toml", 'tag-prefix = "release-"\n[file-count]\nmax-files = 3\n')
    config = load_config(str(tmp_path))
    assert (config.source, config.tag_prefix, config.max_files, config.max_lines) == (path, "release-", 3, 200)


def test_pyproject_tool_table(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n[tool.hotfix-guard]\nremote = "upstream"\n'
    text += "[tool.hotfix-guard.diff-size]\nmax-lines = 50\n"
    path = write(tmp_path, "pyproject.toml", text)
    config = load_config(str(tmp_path))
    assert (config.source, config.remote, config.max_lines) == (path, "upstream", 50)


def test_pyproject_without_our_table_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.ruff]\nline-length = 120\n# hotfix-guard is mentioned only here\n")
    assert load_config(str(tmp_path)).source is None


def test_setup_cfg_text_becomes_int_bool_and_list(tmp_path: Path) -> None:
    text = (
        "[metadata]\nname = x\n[hotfix-guard]\ndevelop-branch = dev\n[hotfix-guard.file-count]\nmax-files = 9\n"
        "exclude = docs/*, *.md\n[hotfix-guard.commit-message]\nconventional = no\ntypes =\n    fix\n    hotfix\n"
    )
    path = write(tmp_path, "setup.cfg", text)
    config = load_config(str(tmp_path))
    assert (config.source, config.develop_branch, config.max_files) == (path, "dev", 9)
    assert (config.file_count_exclude, config.conventional, config.message_types) == (
        ("docs/*", "*.md"), False, ("fix", "hotfix"))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [("yes", True), ("On", True), ("1", True), ("false", False), ("off", False)]
)
def test_setup_cfg_booleans(tmp_path: Path, text: str, expected: bool) -> None:
    write(tmp_path, "setup.cfg", f"[hotfix-guard]\n[hotfix-guard.commit-message]\nconventional = {text}\n")
    assert load_config(str(tmp_path)).conventional is expected


def test_setup_cfg_check_section_alone_is_read(tmp_path: Path) -> None:
    # Like [tool.hotfix-guard.file-count] alone in pyproject.toml, which TOML reads as
    # [tool.hotfix-guard] holding the table: a check's section must not be silently ignored.
    write(tmp_path, "setup.cfg", "[hotfix-guard.file-count]\nmax-files = 3\n")
    assert load_config(str(tmp_path)).max_files == 3


def test_pyproject_check_table_alone_is_read(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.hotfix-guard.file-count]\nmax-files = 3\n")
    assert load_config(str(tmp_path)).max_files == 3


TEXTS = {
    ".hotfix-guard.toml": 'remote = "from-toml"\n',
    "pyproject.toml": '[tool.hotfix-guard]\nremote = "from-pyproject"\n',
    "setup.cfg": "[hotfix-guard]\nremote = from-setup-cfg\n",
}


@pytest.mark.parametrize(
    ("files", "winner", "remote"),
    [
        ((".hotfix-guard.toml", "pyproject.toml", "setup.cfg"), ".hotfix-guard.toml", "from-toml"),
        (("pyproject.toml", "setup.cfg"), "pyproject.toml", "from-pyproject"),
        (("setup.cfg",), "setup.cfg", "from-setup-cfg"),
    ],
)
def test_first_found_wins(tmp_path: Path, files: tuple[str, ...], winner: str, remote: str) -> None:
    for name in files:
        write(tmp_path, name, TEXTS[name])
    config = load_config(str(tmp_path))
    assert (config.source, config.remote) == (str(tmp_path / winner), remote)


def test_first_found_is_not_merged_with_the_next(tmp_path: Path) -> None:
    write(tmp_path, ".hotfix-guard.toml", 'remote = "a"\n')
    write(tmp_path, "pyproject.toml", "[tool.hotfix-guard.file-count]\nmax-files = 3\n")
    assert load_config(str(tmp_path)).max_files == 5


INI = "[hotfix-guard]\n[hotfix-guard.file-count]\nmax-files = 3\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("custom.toml", TOML),
        ("pyproject.toml", "[tool.hotfix-guard.file-count]\nmax-files = 3\n"),
        ("guard.cfg", INI),
        ("guard.ini", INI),
    ],
)
def test_explicit_config_file(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / "elsewhere").mkdir()
    path = write(tmp_path / "elsewhere", name, text)
    write(tmp_path, ".hotfix-guard.toml", "[file-count]\nmax-files = 8\n")
    config = load_config(str(tmp_path), explicit=path)
    assert (config.source, config.max_files) == (path, 3)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=f"config file '{missing}' does not exist or cannot be read"):
        load_config(str(tmp_path), explicit=missing)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (".hotfix-guard.toml", "colour = true\n", "unknown key 'colour' in {path} (known here: tag-prefix, branch-prefix, main-branch, develop-branch, remote, version-files, protected-branches, release-tags-on-main, sign-tags, require-signed-tags)"),
        (".hotfix-guard.toml", "[file-count]\nlimit = 3\n", "unknown key 'file-count.limit' in {path} (known here: severity, max-files, exclude)"),
        (".hotfix-guard.toml", "[file-cnt]\nmax-files = 3\n", "unknown table [file-cnt] in {path} (checks: branch-name, file-count, config-change, diff-size, commit-message, scope, focused-tests, approvals; commands: notify)"),
        ("pyproject.toml", "[tool.hotfix-guard]\nmax-files = 3\n", "unknown key 'max-files' in {path} (known here: tag-prefix, branch-prefix, main-branch, develop-branch, remote, version-files, protected-branches, release-tags-on-main, sign-tags, require-signed-tags)"),
        ("setup.cfg", "[hotfix-guard]\n[hotfix-guard.file-cnt]\nmax-files = 3\n", "unknown table [file-cnt] in {path} (checks: branch-name, file-count, config-change, diff-size, commit-message, scope, focused-tests, approvals; commands: notify)"),
        (".hotfix-guard.toml", "[file-count]\nmax-files = true\n", "'file-count.max-files' in {path} must be a whole number, got True"),
        (".hotfix-guard.toml", "[file-count]\nmax-files = 3.5\n", "'file-count.max-files' in {path} must be a whole number, got 3.5"),
        (".hotfix-guard.toml", "[branch-name]\npatterns = 3\n", "'branch-name.patterns' in {path} must be a list of strings, got 3"),
        (".hotfix-guard.toml", "[branch-name]\npatterns = [3]\n", "'branch-name.patterns' in {path} must be a list of strings, got [3]"),
        (".hotfix-guard.toml", "tag-prefix = 1\n", "'tag-prefix' in {path} must be a string, got 1"),
        ("setup.cfg", "[hotfix-guard]\n[hotfix-guard.file-count]\nmax-files = many\n", "'file-count.max-files' in {path} must be a whole number, got 'many'"),
        ("setup.cfg", "[hotfix-guard]\n[hotfix-guard.commit-message]\nconventional = maybe\n", "'commit-message.conventional' in {path} must be true or false, got 'maybe'"),
        (".hotfix-guard.toml", '[scope]\nseverity = "fatal"\n', "'scope.severity' in {path} must be one of error, warning, off, got 'fatal'"),
        (".hotfix-guard.toml", "[file-count]\nmax-files = 0\n", "'file-count.max-files' in {path} must be at least 1, got 0"),
        (".hotfix-guard.toml", "[diff-size]\nmax-lines = -5\n", "'diff-size.max-lines' in {path} must be at least 1, got -5"),
        ("pyproject.toml", "[tool]\nhotfix-guard = 3\n", "{path}: [tool.hotfix-guard] must be a table"),
        (".hotfix-guard.toml", 'protected-branches = ["main", "bad..name"]\n', "'protected-branches' in {path}: 'bad..name' is not a valid git branch name"),
        (".hotfix-guard.toml", 'release-tags-on-main = "yes"\n', "'release-tags-on-main' in {path} must be true or false, got 'yes'"),
    ],
)  # fmt: skip
def test_config_errors_name_key_and_file(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert config_error(tmp_path, name, content) == expected.format(path=tmp_path / name)


@pytest.mark.parametrize(
    ("key", "content"),
    [
        ("file-count.max-files", '[file-count]\nmax-files = "3"\n'),
        ("commit-message.conventional", '[commit-message]\nconventional = "yes"\n'),
        ("branch-name.patterns", '[branch-name]\npatterns = "^hotfix/.*$"\n'),
    ],
)
def test_toml_strings_are_not_coerced_like_ini_text(tmp_path: Path, key: str, content: str) -> None:
    # TOML has real types: only setup.cfg, which holds nothing but text, may have "3" read as 3.
    message = config_error(tmp_path, ".hotfix-guard.toml", content)
    assert message.startswith(f"'{key}' in {tmp_path / '.hotfix-guard.toml'} must be ")


@pytest.mark.parametrize(
    ("content", "key", "pattern"),
    [('[branch-name]\npatterns = ["^hotfix/(x$"]\n', "branch-name.patterns", "^hotfix/(x$"),
     ('[commit-message]\ntoken = "[HOTFIX"\n', "commit-message.token", "[HOTFIX")],
)  # fmt: skip
def test_invalid_regex(tmp_path: Path, content: str, key: str, pattern: str) -> None:
    message = config_error(tmp_path, ".hotfix-guard.toml", content)
    assert message.startswith(
        f"'{key}' in {tmp_path / '.hotfix-guard.toml'}: {pattern!r} is not a valid regular expression ("
    )


def test_valid_patterns_are_compiled(tmp_path: Path) -> None:
    write(tmp_path, ".hotfix-guard.toml", '[branch-name]\npatterns = ["^hotfix/JIRA-[0-9]+$"]\n')
    config = load_config(str(tmp_path))
    assert [pattern.pattern for pattern in config.branch_patterns] == ["^hotfix/JIRA-[0-9]+$"]


def test_malformed_toml(tmp_path: Path) -> None:
    message = config_error(tmp_path, ".hotfix-guard.toml", "[file-count\nmax-files = 3\n")
    assert message.startswith(f"{tmp_path / '.hotfix-guard.toml'}: invalid TOML: ") and "line 1" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hotfix-guard without a section\n", "File contains no section headers."),
        ("[hotfix-guard]\nremote = a\nremote = b\n", "While reading from"),
        ("[hotfix-guard]\n[hotfix-guard]\n", "While reading from"),
    ],
)
def test_malformed_ini(tmp_path: Path, text: str, problem: str) -> None:
    message = config_error(tmp_path, "setup.cfg", text)
    assert message.startswith(f"{tmp_path / 'setup.cfg'}: invalid INI: {problem}") and "\n" not in message


def test_unrelated_broken_setup_cfg_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "not ini at all\n")
    assert load_config(str(tmp_path)).source is None


def test_non_utf8_file(tmp_path: Path) -> None:
    message = config_error(tmp_path, ".hotfix-guard.toml", b'tag-prefix = "\xff"\n')
    assert message == f"{tmp_path / '.hotfix-guard.toml'}: not valid UTF-8 (byte 14)"


def test_malformed_config_fails_the_cli_in_one_line(hotfix: GitRepo) -> None:
    hotfix.write(".hotfix-guard.toml", "[file-count\n")
    result = run_cli(hotfix, "check", "branch-name")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"hotfix-guard: error: {hotfix.path / '.hotfix-guard.toml'}: invalid TOML: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_setup_cfg_multiline_list_keeps_commas_inside_patterns(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[hotfix-guard.branch-name]\npatterns =\n    ^hotfix/v(?P<version>[0-9]{1,3}\\.[0-9]+\\.[0-9]+)$\n    ^hotfix/x$\n"
    )
    patterns = [p.pattern for p in load_config(str(tmp_path)).branch_patterns]
    assert patterns == ["^hotfix/v(?P<version>[0-9]{1,3}\\.[0-9]+\\.[0-9]+)$", "^hotfix/x$"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('branch-prefix = ""\n', "'branch-prefix' in {path} must not be empty"),
        ('tag-prefix = "v\\u0000"\n', "'tag-prefix' in {path} must not hold control characters"),
        ('develop-branch = "a..b"\n', "'develop-branch' in {path} is not a valid git name"),
    ],
)
def test_top_level_names_are_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".hotfix-guard.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(str(tmp_path))
    assert message.format(path=path) in str(raised.value)


@pytest.mark.parametrize(("name", "text"), [("pyproject.toml", "[tool.black]\n"), ("other.cfg", "[metadata]\n")])
def test_explicit_config_without_our_section_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"has no .*hotfix-guard.* section"):
        load_config(str(tmp_path), str(path))


def test_push_guard_keys(tmp_path: Path) -> None:
    assert (default_config().protected_branches, default_config().release_tags_on_main) == (("main",), True)
    write(tmp_path, "setup.cfg", "[hotfix-guard]\nprotected-branches = main, release/1.x\nrelease-tags-on-main = no\n")
    config = load_config(str(tmp_path))
    assert (config.protected_branches, config.release_tags_on_main) == (("main", "release/1.x"), False)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[commit-message]\ntoken = "(a+)+$"\n', "'commit-message.token'"),
        ("[commit-message]\ntoken = '\\bHOTFIX\\b.*:.*:.*!'\n", "'commit-message.token'"),
        ("[branch-name]\npatterns = ['^hotfix/(\\w+\\s?)*$']\n", "'branch-name.patterns'"),
        ('[focused-tests]\npattern = "(a|A)+"\n', "'focused-tests.pattern'"),
        ("version-files = ['VERSION:^(\\d+\\.?)+$']\n", "'version-files'"),
    ],
)
def test_a_pattern_that_can_backtrack_for_ever_is_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    message = config_error(tmp_path, ".hotfix-guard.toml", text)
    assert message.startswith(f"{key} in {tmp_path / '.hotfix-guard.toml'}: ") and "\n" not in message
    assert "can backtrack for so long that the hooks hang" in message


@pytest.mark.parametrize("token", ["", "x*", "HOTFIX|"])
def test_a_token_every_message_matches_is_refused(tmp_path: Path, token: str) -> None:
    message = config_error(tmp_path, ".hotfix-guard.toml", f'[commit-message]\ntoken = "{token}"\n')
    assert f"'commit-message.token' in {tmp_path / '.hotfix-guard.toml'} matches an empty message" in message


def test_an_empty_token_is_accepted_when_the_check_is_off(tmp_path: Path) -> None:
    write(tmp_path, ".hotfix-guard.toml", '[commit-message]\nseverity = "off"\ntoken = ""\n')
    assert load_config(str(tmp_path)).severity["commit-message"] == "off"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("VERSION:version = [0-9.]+", "has no group around the version"),
        ("VERSION:(", "'version-files' in {path}: '(' is not a valid regular expression"),
    ],
)
def test_version_file_patterns_are_checked_as_the_config_loads(tmp_path: Path, entry: str, message: str) -> None:
    text = config_error(tmp_path, ".hotfix-guard.toml", f"version-files = ['{entry}']\n")
    assert message.format(path=tmp_path / ".hotfix-guard.toml") in text


def test_patterns_set_in_the_file_are_used_as_given_even_when_equal_to_the_defaults(tmp_path: Path) -> None:
    """Only patterns the file does not set follow tag-prefix; a list the file sets is the team's rule."""
    from hotfix_guard.checks.branch_name import DEFAULT_PATTERNS

    listed = ", ".join(f"'{pattern}'" for pattern in DEFAULT_PATTERNS)
    (tmp_path / ".hotfix-guard.toml").write_text(f'tag-prefix = ""\n[branch-name]\npatterns = [{listed}]\n')
    given = load_config(str(tmp_path))
    assert [p.pattern for p in given.branch_patterns] == list(DEFAULT_PATTERNS)
    (tmp_path / ".hotfix-guard.toml").write_text('tag-prefix = ""\n')
    derived = load_config(str(tmp_path))
    assert derived.branch_patterns[0].pattern != DEFAULT_PATTERNS[0]
    assert derived.branch_patterns[0].match("hotfix/2.2.1") and not given.branch_patterns[0].match("hotfix/2.2.1")
