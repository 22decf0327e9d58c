"""Commit messages: git's cleanup, the HOTFIX token and the conventional header."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfix_guard.checks.commit_message import (
    DEFAULT_TOKEN,
    SCISSORS,
    check,
    check_message_file,
    clean_message,
    has_word,
    message_problems,
)
from hotfix_guard.config import DEFAULTS, Config, default_config
from hotfix_guard.model import Change, Commit, Finding

EXAMPLE = "'fix(scope): HOTFIX - what it fixes'"
MISSING_TOKEN = f"missing the hotfix token /\\bHOTFIX\\b/; e.g. {EXAMPLE}"
BAD_HEADER = f"header must be 'type(scope): subject' with type fix, revert; e.g. {EXAMPLE}"
EMPTY = f"empty commit message; write what the hotfix fixes; e.g. {EXAMPLE}"
NOT_UTF8 = "message is not valid UTF-8; re-save it as UTF-8"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fix: HOTFIX x\n# Please enter the commit message\n\nbody\n", "fix: HOTFIX x\n\nbody"),
        ("\n\nfix: HOTFIX x  \n\n\n", "fix: HOTFIX x"),
        ("fix: HOTFIX x\r\n\r\nbody\r\n# comment\r\n", "fix: HOTFIX x\n\nbody"),
        (
            f"fix: HOTFIX x\n\nbody\n# {SCISSORS}\n# Do not modify\ndiff --git a/x b/x\n+kept out\n",
            "fix: HOTFIX x\n\nbody",
        ),
        (f"fix: HOTFIX x\n# {SCISSORS}\r\nfeat: below\r\n", "fix: HOTFIX x"),
        ("# only\n# comments\n", ""),
        ("fix: HOTFIX issue #12\n", "fix: HOTFIX issue #12"),
    ],
)
def test_clean_message(text: str, expected: str) -> None:
    assert clean_message(text) == expected


@pytest.mark.parametrize(
    "message",
    [
        b"fix: HOTFIX x",
        b"fix(auth): HOTFIX - stop token bypass\n\nDetails.\n",
        b"fix!: HOTFIX x",
        b"fix(api)!: HOTFIX x",
        b"fix: x\n\nHOTFIX in the body counts too",
        b"revert: HOTFIX x",
        b'Revert "fix: HOTFIX x"\n\nThis reverts commit 0123456789.\n',
        b"fixup! fix: HOTFIX x",
        b"squash! fixup! fix: HOTFIX x",
        b"amend! fix: HOTFIX x",
        b"fix: HOTFIX x\r\n",
        b"# Please enter a message\nfix: HOTFIX x\n",
    ],
)
def test_good_messages_pass(message: bytes) -> None:
    assert check_message_file(message, default_config()) == []


@pytest.mark.parametrize(
    ("message", "problems"),
    [
        (b"fix: stop token bypass", [MISSING_TOKEN]),
        (b"fix: hotfix x", [MISSING_TOKEN]),
        (b"fix: HOTFIXES x", [MISSING_TOKEN]),
        (b"feat: HOTFIX x", [BAD_HEADER]),
        (b"Fix: HOTFIX x", [BAD_HEADER]),
        (b"fix:HOTFIX x", [BAD_HEADER]),
        (b"HOTFIX x", [BAD_HEADER]),
        (b"fixup! feat: HOTFIX x", [BAD_HEADER]),
        (b"update stuff", [MISSING_TOKEN, BAD_HEADER]),
        (b'Revert "fix: x"', [MISSING_TOKEN]),
        (f"fix: x\n# {SCISSORS}\nHOTFIX below the scissors does not count\n".encode(), [MISSING_TOKEN]),
        (b"fix: x\n# HOTFIX in a comment does not count\n", [MISSING_TOKEN]),
    ],
)
def test_bad_messages_are_told_what_to_fix(message: bytes, problems: list[str]) -> None:
    assert check_message_file(message, default_config()) == [Finding("commit-message", p) for p in problems]


@pytest.mark.parametrize(
    "message", [b"", b"\n\n  \n", b"# only\n# comments\n", f"# {SCISSORS}\nfix: HOTFIX x\n".encode()]
)
def test_empty_message(message: bytes) -> None:
    assert check_message_file(message, default_config()) == [Finding("commit-message", EMPTY)]


@pytest.mark.parametrize(
    ("message", "problems"),
    [(b"fix: HOTFIX caf\xe9", [NOT_UTF8]), (b"\xff\xfe", [NOT_UTF8, MISSING_TOKEN, BAD_HEADER])],
)
def test_non_utf8_message_is_a_finding(message: bytes, problems: list[str]) -> None:
    assert [finding.message for finding in check_message_file(message, default_config())] == problems


TICKET = Config(
    {
        **DEFAULTS,
        ("commit-message", "token"): r"\[HF-[0-9]+\]",
        ("commit-message", "types"): ["fix", "hotfix"],
    }
)


@pytest.mark.parametrize(
    ("message", "problems"),
    [
        ("hotfix(db): [HF-12] drop lock", []),
        ("fix: [HF-7] x", []),
        ("fix: HOTFIX x", ["missing the hotfix token /\\[HF-[0-9]+\\]/"]),  # no HOTFIX example for a custom token
        ("chore: [HF-7] x", ["header must be 'type(scope): subject' with type fix, hotfix, revert"]),
    ],
)
def test_configured_token_and_types(message: str, problems: list[str]) -> None:
    assert message_problems(message, TICKET) == problems


def test_conventional_header_can_be_turned_off() -> None:
    config = Config({**DEFAULTS, ("commit-message", "conventional"): False})
    assert message_problems("Stop token bypass (HOTFIX)", config) == []


def commit(sha: str, message: str, parents: int = 1) -> Commit:
    return Commit(sha * 40, tuple(str(n) * 40 for n in range(parents)), message)


def test_range_check_names_each_bad_commit() -> None:
    change = Change(branch="hotfix/v1.2.4", base="v1.2.3", base_version=None, head="HEAD",
                    commits=(commit("a", "fix: HOTFIX ok"), commit("b", "wip\n\nmore")))  # fmt: skip
    assert check(change, default_config()) == [
        Finding("commit-message", f"commit bbbbbbbbbb 'wip': {MISSING_TOKEN}", commit="bbbbbbbbbb 'wip'"),
        Finding("commit-message", f"commit bbbbbbbbbb 'wip': {BAD_HEADER}", commit="bbbbbbbbbb 'wip'"),
    ]


def test_range_check_skips_merge_commits() -> None:
    merge = commit("c", "Merge branch 'main' into hotfix/v1.2.4", parents=2)
    change = Change(branch="hotfix/v1.2.4", base="v1.2.3", base_version=None, head="HEAD", commits=(merge,))
    assert check(change, default_config()) == []


def test_range_check_reports_non_utf8_commits() -> None:
    bad = Commit("d" * 40, ("0" * 40,), "fix: HOTFIX caf\ufffd", valid_utf8=False)
    change = Change(branch="hotfix/v1.2.4", base="v1.2.3", base_version=None, head="HEAD", commits=(bad,))
    assert check(change, default_config()) == [
        Finding(
            "commit-message",
            f"commit dddddddddd 'fix: HOTFIX caf\ufffd': {NOT_UTF8}",
            commit="dddddddddd 'fix: HOTFIX caf\ufffd'",
        )
    ]


def test_range_check_shortens_long_subjects() -> None:
    change = Change(branch=None, base="v1.2.3", base_version=None, head="HEAD", commits=(commit("e", "x" * 80),))
    assert check(change, default_config())[0].message.startswith(f"commit eeeeeeeeee '{'x' * 57}...': ")


@settings(max_examples=300, deadline=None)
@given(st.binary() | st.text().map(str.encode))
def test_check_message_file_never_raises(data: bytes) -> None:
    assert all(finding.check == "commit-message" for finding in check_message_file(data, default_config()))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fix_hotfix_first_line_always_passes(body: str) -> None:
    data = f"fix: HOTFIX x\n{body}".encode()
    assert check_message_file(data, default_config()) == []


# Letters, digits, `_`, other word characters (é, ², 五, Ⅻ) and non-word ones around the token.
_AROUND = st.text(alphabet=st.sampled_from(list("HOTFIXhotfix_-/ .:()!\n\t0é²五Ⅻ\u200b\u0301")), max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_AROUND, st.just("HOTFIX")), max_size=6).map("".join) | st.text())
def test_the_default_token_is_found_as_re_finds_it(message: str) -> None:
    """The commit-msg hook finds `\\bHOTFIX\\b` without importing re: it must agree with re."""
    import re

    assert has_word(message, "HOTFIX") == (re.search(DEFAULT_TOKEN, message) is not None)


@pytest.mark.parametrize(
    ("message", "carries"),
    [
        ("fix: HOTFIX x", True),
        ("fix: x HOTFIX", True),
        ("HOTFIX", True),
        ("fix(x): HOTFIX_1", False),
        ("fix: HOTFIXES", False),
        ("fix: éHOTFIX", False),
        ("fix: HOTFIX²", False),
        ("fix: hotfix", False),
        ("fix: HOTFIXx HOTFIX", True),
        ("fix: -HOTFIX-", True),
    ],
)
def test_the_default_and_a_configured_token(message: str, carries: bool) -> None:
    missing = any("token" in problem for problem in message_problems(message, default_config()))
    assert missing is not carries
    configured = Config({**DEFAULTS, ("commit-message", "token"): r"\bHOTFIX\b|URGENT"}, source=".hotfix-guard.toml")
    assert not any("token" in p for p in message_problems(message + " URGENT", configured))
    assert any("token" in p for p in message_problems("fix: nothing", configured))
