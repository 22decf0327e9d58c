"""Git's ref-name rules in pure Python, checked against a table and against `git check-ref-format`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotfix_guard.refnames import is_valid_branch_name, is_valid_refname

# Pieces that hit git's rules: dots, slashes, `@{`, the forbidden punctuation, whitespace,
# control characters, DEL, non-ASCII text, leading dashes and `.lock`.
TRICKY = [".", "..", "/", "//", "@", "@{", "{", "}", "~", "^", ":", "?", "*", "[", "\\", " ", "\t", "\n",
          "\x01", "\x1f", "\x7f", "\x80", "\u00e9", "\u00a0", "\u2028", "\U0001f600", "-", "--", ".lock",
          "HEAD", "x", "ab", "1"]  # fmt: skip
# No NUL (argv cannot carry it) and no lone surrogates (not encodable as an argument).
free_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=3)
# Half the names are plain pieces around one tricky piece, so that a name often breaks exactly
# one rule and each rule is really compared; the other half mix pieces freely.
plain = st.lists(st.sampled_from(["a", "x1", "hotfix", "v1.2.4", "-", "/x", "\u00e9"]), max_size=3).map("".join)
one_flaw = st.builds("{}{}{}".format, plain, st.sampled_from(TRICKY), plain)
mixed = st.lists(st.sampled_from(TRICKY) | free_text, max_size=8).map("".join)
names = one_flaw | mixed
EDGES = ("HEAD", "-x", "@", "@{-1}", "a@{u}", "a..b", "x.lock", "x/.y", "x.", "x/")


def with_edges(test: Callable[..., None]) -> Callable[..., None]:
    """Always compare these names too, whatever hypothesis draws."""
    for edge in EDGES:
        test = example(name=edge)(test)
    return test


def git_accepts(*args: str, cwd: Path) -> bool:
    # GIT_CEILING_DIRECTORIES keeps git from finding a repository above cwd: outside a
    # repository `--branch` does not expand `@{-1}` / `@{upstream}` and checks the name as is.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    result = subprocess.run(["git", "check-ref-format", *args], cwd=cwd, env=env, capture_output=True)
    assert result.returncode in (0, 1, 128), result.stderr
    return result.returncode == 0


@pytest.mark.parametrize(
    "refname",
    ["refs/heads/main", "refs/heads/hotfix/v1.2.4", "refs/tags/v1.2.3", "refs/heads/-x", "refs/heads/HEAD",
     "refs/heads/@", "refs/heads/a@b", "refs/heads/x.lockx", "refs/heads/caf\u00e9", "refs/heads/$(x);y"],
)  # fmt: skip
def test_valid_refnames(refname: str) -> None:
    assert is_valid_refname(refname)


@pytest.mark.parametrize(
    "refname",
    ["", "@", "main", "refs/heads/", "/refs/heads/x", "refs//heads/x", "refs/heads/x.", "refs/heads/.x",
     "refs/heads/x.lock", "refs/heads/x.lock/y", "refs/heads/a..b", "refs/heads/a@{b", "refs/heads/a b",
     "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*", "refs/heads/a[b",
     "refs/heads/a\\b", "refs/heads/a\x7f", "refs/heads/a\tb", "refs/heads/a\nb"],
)  # fmt: skip
def test_invalid_refnames(refname: str) -> None:
    assert not is_valid_refname(refname)


@pytest.mark.parametrize(
    ("name", "valid"),
    [("hotfix/v1.2.4", True), ("x", True), ("@", True), ("HEAD/x", True), ("-x", False), ("-", False),
     ("HEAD", False), ("@{-1}", False), ("", False), ("x/", False), ("hotfix/x.lock", False)],
)  # fmt: skip
def test_branch_names(name: str, valid: bool) -> None:
    assert is_valid_branch_name(name) is valid


@settings(max_examples=200, deadline=None)
@given(name=names)
@with_edges
def test_refname_agrees_with_git(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    cwd = tmp_path_factory.getbasetemp()
    assert is_valid_refname("refs/heads/" + name) is git_accepts("refs/heads/" + name, cwd=cwd)


@settings(max_examples=200, deadline=None)
@given(name=names)
@with_edges
def test_branch_name_agrees_with_git(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    # No names are excluded: run outside a repository (see git_accepts), `--branch` applies
    # exactly the refname rules plus "no leading dash, not HEAD", so `@{...}` needs no special case.
    cwd = tmp_path_factory.getbasetemp()
    assert is_valid_branch_name(name) is git_accepts("--branch", name, cwd=cwd)
