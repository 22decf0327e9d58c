"""The pure branch-name check over hand-built changes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfix_guard.checks.branch_name import DEFAULT_PATTERNS as DEFAULT_BRANCH_PATTERNS
from hotfix_guard.checks.branch_name import FORMS, check, default_patterns
from hotfix_guard.config import DEFAULTS, Config, default_config
from hotfix_guard.model import ERROR, NOTE, Change, Finding
from hotfix_guard.versions import Version

V123 = Version(1, 2, 3)


def change(branch: str | None, base_version: Version | None = V123, tags: frozenset[str] = frozenset()) -> Change:
    return Change(branch=branch, base="v1.2.3", base_version=base_version, head="0123456789ab", existing_tags=tags)


def messages(branch: str | None, config: Config | None = None, tags: frozenset[str] = frozenset()) -> list[str]:
    findings = check(change(branch, tags=tags), config or default_config())
    assert all(finding.check == "branch-name" for finding in findings)
    return [finding.message for finding in findings]


@pytest.mark.parametrize(
    "name",
    ["hotfix/v1.2.4", "hotfix/security-2026-001", "hotfix/critical-auth-fix", "hotfix/v20260127_0315", "hotfix/x1"],
)
def test_accepted_forms(name: str) -> None:
    assert messages(name) == []


@pytest.mark.parametrize("name", ["hotfix/v1.3.0", "hotfix/v1.2.6", "hotfix/v1.2.3", "hotfix/v2.0.0"])
def test_version_must_be_next_patch_of_base(name: str) -> None:
    assert messages(name) == [
        f"{name!r} does not follow its base v1.2.3: the next patch is v1.2.4; rename it: git branch -m hotfix/v1.2.4"
    ]


@pytest.mark.parametrize("name", ["hotfix/v01.2.4", "hotfix/v1.2.04"])
def test_version_with_leading_zeros_is_an_error(name: str) -> None:
    # The vX.Y.Z pattern matches, but no release tag can have this version: it must not pass unchecked.
    assert ERROR in [finding.severity for finding in check(change(name), default_config())]


def test_target_tag_already_exists() -> None:
    assert messages("hotfix/v1.2.4", tags=frozenset({"v1.2.4"})) == [
        "tag v1.2.4 already exists: version 1.2.4 is released; a hotfix needs a new version"
    ]


def test_base_that_is_not_a_release_gives_a_note() -> None:
    findings = check(change("hotfix/v1.2.4", base_version=None), default_config())
    assert findings == [
        Finding(
            "branch-name", "base v1.2.3 is not a release tag, so the version of 'hotfix/v1.2.4' was not checked", NOTE
        )
    ]


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("Hotfix/v1.2.4", "hotfix/v1.2.4"),
        ("HOTFIX/v1.2.4", "hotfix/v1.2.4"),
        ("hotfix-v1.2.4", "hotfix/v1.2.4"),
        ("hot_fix/v1.2.4", "hotfix/v1.2.4"),
        ("hotfixes/v1.2.6", "hotfix/v1.2.4"),  # the suggestion names the next patch, not the typo
        ("hotfixes/x", "hotfix/x"),
        ("hotfix_x", "hotfix/x"),
    ],
)
def test_near_misses_are_told_the_right_name(name: str, suggestion: str) -> None:
    assert messages(name) == [
        f"{name!r} looks like a hotfix branch but is misspelt; rename it: git branch -m {suggestion}"
    ]


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("hotfix/V1.2.4", "hotfix/v1.2.4"),
        ("hotfix/Critical_Auth", "hotfix/critical-auth"),
        ("hotfix/x/y", "hotfix/x-y"),
    ],
)
def test_unaccepted_hotfix_names_are_told_the_right_name(name: str, suggestion: str) -> None:
    assert messages(name) == [
        f"{name!r} is not an accepted hotfix name ({FORMS}); rename it: git branch -m {suggestion}"
    ]


@pytest.mark.parametrize("name", ["main", "develop", "feature/x", "release/1.2", "hotfix", "Hotfix/", "-rf", None])
def test_out_of_scope_branches_pass(name: str | None) -> None:
    assert messages(name) == []


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("hotfix/a..b", "hotfix/a-b"), ("hotfix/x y", "hotfix/x-y"), ("hotfix/x.lock", "hotfix/x-lock")],
)
def test_invalid_ref_names_are_errors(name: str, suggestion: str) -> None:
    assert messages(name) == [f"{name!r} is not a valid git branch name; rename it: git branch -m {suggestion}"]


def test_invalid_name_without_suggestion_lists_the_forms() -> None:
    assert messages("hotfix/") == [f"'hotfix/' is not a valid git branch name; use {FORMS}"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("-rf", []),
        (
            "hotfix/$(rm -rf ~)",
            ["'hotfix/$(rm -rf ~)' is not a valid git branch name; rename it: git branch -m hotfix/rm-rf"],
        ),
        ("hotfix/a;b", [f"'hotfix/a;b' is not an accepted hotfix name ({FORMS}); rename it: git branch -m hotfix/a-b"]),
        ("hotfix/-x", [f"'hotfix/-x' is not an accepted hotfix name ({FORMS}); rename it: git branch -m hotfix/x"]),
        (
            "hotfixes/`id`",
            ["'hotfixes/`id`' looks like a hotfix branch but is misspelt; rename it: git branch -m hotfix/id"],
        ),
    ],
)
def test_shell_metacharacters_are_plain_text(name: str, expected: list[str]) -> None:
    assert messages(name) == expected


JIRA = Config({**DEFAULTS, ("branch-name", "patterns"): [r"^hotfix/JIRA-[0-9]+$", DEFAULT_BRANCH_PATTERNS[0]]})
HF = Config(
    {
        **DEFAULTS,
        ("", "branch-prefix"): "hf/",
        ("branch-name", "patterns"): [r"^hf/v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)$"],
    }
)


@pytest.mark.parametrize(
    ("config", "name"), [(JIRA, "hotfix/JIRA-123"), (JIRA, "hotfix/v1.2.4"), (HF, "hf/v1.2.4"), (HF, "hotfix/anything")]
)
def test_configured_patterns_accept(config: Config, name: str) -> None:
    assert messages(name, config) == []


def test_configured_patterns_replace_the_defaults() -> None:
    assert messages("hotfix/critical-auth-fix", JIRA)[0].startswith("'hotfix/critical-auth-fix' is not an accepted")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "hf/v1.2.5",
            "'hf/v1.2.5' does not follow its base v1.2.3: the next patch is v1.2.4; rename it: git branch -m hf/v1.2.4",
        ),
        ("HF/v1.2.4", "'HF/v1.2.4' looks like a hotfix branch but is misspelt; rename it: git branch -m hf/v1.2.4"),
    ],
)
def test_configured_prefix_is_used_in_advice(name: str, expected: str) -> None:
    assert messages(name, HF) == [expected]


def test_rejection_under_configured_patterns_does_not_advertise_default_forms() -> None:
    # Telling the user to "use hotfix/<kebab-case>" when the config only accepts hf/vX.Y.Z is wrong advice.
    assert "hotfix/" not in messages("hf/critical-fix", HF)[0]


def test_severity_is_error_until_the_runner_restamps_it() -> None:
    assert [finding.severity for finding in check(change("Hotfix/v1.2.4"), default_config())] == [ERROR]


def git_accepts_branch(name: str, cwd: Path) -> bool:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    result = subprocess.run(["git", "check-ref-format", "--branch", name], cwd=cwd, env=env, capture_output=True)
    return result.returncode == 0


branch_text = st.text(st.sampled_from("hotfix/HOTFIXv0123456789.-_@{}~^:?*[\\ \t\n\x7féa$;()`'\""), max_size=24)
pattern_names = st.sampled_from(DEFAULT_BRANCH_PATTERNS).flatmap(lambda pattern: st.from_regex(pattern, fullmatch=True))


# Branch names from git are decoded with surrogateescape, so undecodable bytes arrive as surrogates.
git_decoded = st.binary(max_size=24).map(lambda data: data.decode("utf-8", "surrogateescape"))


@settings(max_examples=300, deadline=None)
@given(st.text() | git_decoded | branch_text | st.builds("hotfix/{}".format, branch_text | git_decoded))
def test_check_never_raises(name: str) -> None:
    assert all(finding.check == "branch-name" and finding.message for finding in check(change(name), default_config()))


@settings(max_examples=200, deadline=None)
@given(pattern_names | st.builds("hotfix/{}".format, branch_text))
def test_accepted_hotfix_names_are_valid_git_branch_names(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    findings = check(change(name, base_version=None), default_config())
    accepted = name.startswith("hotfix/") and all(finding.severity == NOTE for finding in findings)
    assert not accepted or git_accepts_branch(name, tmp_path_factory.getbasetemp())


@pytest.mark.parametrize(
    "prefix",
    ["v", "", "release-", "rel/v", "v.", "a+b", "x*y", "(v)", "v[1]", "ü", "a b", "^$|\\"]
    + [f"v{char}" for char in "()[]{}?*+-|^$\\.&~# \t\n\r\v\f"],
)
def test_default_patterns_escape_the_prefix_as_re_escape_does(prefix: str) -> None:
    """default_patterns leaves re unimported for a prefix with nothing to escape (the hooks
    import every check); for any prefix it must give what re.escape would."""
    import re

    placeholder = "\0"  # re.escape leaves it as it is
    expected = tuple(pattern.replace(placeholder, re.escape(prefix)) for pattern in default_patterns(placeholder))
    assert default_patterns(prefix) == expected
