"""The backtracking scanner: a table of patterns it refuses and patterns it accepts."""

from __future__ import annotations

import re
import time

import pytest

from hotfix_guard.checks.branch_name import DEFAULT_PATTERNS as DEFAULT_BRANCH_PATTERNS
from hotfix_guard.checks.branch_name import default_patterns
from hotfix_guard.config import DEFAULTS
from hotfix_guard.regex_safety import hazard

REFUSED = [
    (r"(a+)+$", "'a+' can also match what follows it"),
    (r"(a*)*", "'(a*)*' can match the empty string"),
    (r"(a|aa)+", "alternatives in the repeated group '(a|aa)+' can start with the same character"),
    (r"(a?)+$", "can match the empty string"),
    (r"(?:a+){2,}", "'a+' can also match"),
    (r"(a{1,}){2}", "'a{1,}' can also match"),
    (r"(.*a){10}", "'.*' can also match"),
    (r"(.*,)+", "'.*' can also match"),
    (r"(?>(a+)+b)", "'a+' can also match"),
    (r"(\w+\s?)*$", r"'\\w+' can also match"),
    (r"^(\d+)*$", r"'\\d+' can also match"),
    (r"(\d+\.?)+$", r"'\\d+' can also match"),
    (r"([a-z]+-[a-z]+)*", "'[a-z]+' can also match"),
    (r"(\w|_)+", "can start with the same character"),
    (r"(?i)(a|A)+", "can start with the same character"),
    (r"(?:a|b?)+", "can match the empty string"),
    (r"(?P<x>a+)+", "'a+' can also match"),
    (r"(?x) ( a + ) + $", "'a+' can also match"),
    (r"(?=(a+)+b)", "'a+' can also match"),
    (r"(a)(\1a+)+", r"'\\1' can also match"),
    (r"(-a*a*)+$", "'a*' and 'a*' can match the same text next to each other"),
    (r".*.*.*X", "'.*' and '.*' can match the same text"),
    (r"\s*\s*HOTFIX", r"'\\s*' and '\\s*'"),
    (r"[a-z]+[a-z0-9]*X", "'[a-z]+' and '[a-z0-9]*'"),
    (r"(\w+)\w*x", r"'(\\w+)' and '\\w*'"),
    (r"\bHOTFIX\b.*:.*:.*!", "'.*' can match what '.*' after it does"),
    (r".*a.*a.*b", "'.*' can match what '.*' after it does"),
    (r".*:.*!", "the time grows with the cube of the text's length"),
    (r"\S+:\S+$", r"'\\S+' can match what '\\S+' after it does"),
    (r".*(?::|;).*!", "'.*' can match what '.*' after it does"),
    (r"(.*):\1!", r"'.*' can match what '\\1' after it does"),
]

ACCEPTED = [
    *DEFAULT_BRANCH_PATTERNS,
    str(DEFAULTS["commit-message", "token"]),
    str(DEFAULTS["focused-tests", "pattern"]),
    r"(-[a-z0-9]+)*",
    r"^hotfix/[A-Z]+-[0-9]+(-[a-z0-9]+)*$",
    r"^hotfix/(\d+\.){2}\d+$",
    r"([a-z]+-)*[a-z]+",
    r"(a|b)+",
    r"(ab|cd)+",
    r"(ab?)+",
    r"(?>a+)+",
    r"(a++)+",
    r'^version = "(.*)"',
    r"__version__\s*=\s*['\"]([^'\"]+)['\"]",
    r"(?i)\bhotfix\b",
    r"\[hotfix\]",
    r".*HOTFIX.*",
    r"\s*HOTFIX",
    r"[]a]+x[^]]+",
    r"a{,3}b{2}c{",
    r"(?P<v>\d+)\.(?P=v)",
    r"(a)?(?(1)b|c)+",
    r"(?<=a)b+(?!x)",
    r"[^:]*:[^:]*:[^:]*!",
    r"\w+-\w+-\w+-\w+!",
    r".*:.*",
    r"HOTFIX.*!",
    r"^hotfix/(\d+\.)+\d+$",
]


@pytest.mark.parametrize(("pattern", "reason"), REFUSED)
def test_patterns_that_can_backtrack_for_ever_are_refused(pattern: str, reason: str) -> None:
    re.compile(pattern)
    found = hazard(pattern)
    assert found is not None and reason in found


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_patterns_that_match_in_one_way_are_accepted(pattern: str) -> None:
    re.compile(pattern)
    assert hazard(pattern) is None


@pytest.mark.parametrize("prefix", ["", "v", "release-", "rel/v", "v.", "a+b", "x(y", "r[1]*", "pkg@", "(a+)+"])
def test_default_branch_patterns_stay_safe_for_any_tag_prefix(prefix: str) -> None:
    """Safe by construction (the prefix is escaped, a literal run), and the scanner agrees."""
    patterns = default_patterns(prefix)
    assert [hazard(pattern) for pattern in patterns] == [None] * len(patterns)
    assert re.fullmatch(patterns[0], f"hotfix/{prefix}1.2.3") is not None


def test_case_insensitive_matching_is_taken_into_account() -> None:
    assert hazard("(A|a)+") is None
    assert hazard("(A|a)+", ignorecase=True) is not None


def test_a_pattern_the_scanner_accepts_searches_a_long_message_quickly() -> None:
    """The bound the README states: a search with an accepted pattern is at worst quadratic. The
    refused `.*:.*!` takes about 8 s on 2,000 colons; accepted ones take a few hundredths."""
    text = ":" * 2000
    for pattern in (r".*:!", r"[^:]*:[^:]*:[^:]*!", r".*HOTFIX", r"HOTFIX.*:.*"):
        assert hazard(pattern) is None
        started = time.perf_counter()
        assert re.search(pattern, text) is None
        assert time.perf_counter() - started < 2, pattern
