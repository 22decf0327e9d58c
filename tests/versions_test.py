"""Release-tag parsing, next-patch arithmetic and the `git describe --match` glob."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfix_guard.versions import Version, other_scheme, parse_release_tag, parse_version, release_tag_glob

numbers = st.integers(min_value=0, max_value=10**12)
versions = st.builds(Version, numbers, numbers, numbers)
prefixes = st.text(max_size=12)


@pytest.mark.parametrize(
    ("tag", "prefix", "expected"),
    [
        ("v1.2.3", "v", Version(1, 2, 3)),
        ("v0.0.0", "v", Version(0, 0, 0)),
        ("v10.20.300", "v", Version(10, 20, 300)),
        ("release-1.2.3", "release-", Version(1, 2, 3)),
        ("1.2.3", "", Version(1, 2, 3)),
    ],
)
def test_release_tags_parse(tag: str, prefix: str, expected: Version) -> None:
    assert parse_release_tag(tag, prefix) == expected


@pytest.mark.parametrize(
    ("tag", "prefix"),
    [
        ("v1.3.0-rc.1", "v"),  # a pre-release
        ("v1.2.3+build.5", "v"),  # build metadata
        ("v01.2.3", "v"),  # leading zero
        ("v1.02.3", "v"),
        ("v1.2.03", "v"),
        ("v1.2", "v"),
        ("v1.2.3.4", "v"),
        ("nightly-2024", "v"),
        ("nightly-2024-01-01", "v"),
        ("1.2.3", "v"),  # prefix missing
        ("V1.2.3", "v"),  # prefix is case-sensitive
        ("v1.2.3", "release-"),
        ("release-1.2.3", "v"),
        ("v1.2.3 ", "v"),
        ("v1.2.3\n", "v"),
        ("v\uff11.2.3", "v"),  # fullwidth digit
        ("v\u0661.2.3", "v"),  # Arabic-Indic digit
        ("v-1.2.3", "v"),
        ("", "v"),
    ],
)
def test_other_tags_are_not_releases(tag: str, prefix: str) -> None:
    assert parse_release_tag(tag, prefix) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.2.3", Version(1, 2, 3)), ("0.10.0", Version(0, 10, 0)), ("1.2", None), ("1.2.3-rc.1", None), ("a.b.c", None)],
)
def test_parse_version(text: str, expected: Version | None) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [(Version(1, 2, 3), Version(1, 2, 4)), (Version(1, 2, 9), Version(1, 2, 10)), (Version(0, 0, 0), Version(0, 0, 1))],
)
def test_next_patch_table(version: Version, expected: Version) -> None:
    assert version.next_patch() == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("v", "v[0-9]*.[0-9]*.[0-9]*"),
        ("release-", "release-[0-9]*.[0-9]*.[0-9]*"),
        ("", "[0-9]*.[0-9]*.[0-9]*"),
        ("a*?[\\", "a[*][?][[][\\][0-9]*.[0-9]*.[0-9]*"),
    ],
)
def test_release_tag_glob(prefix: str, expected: str) -> None:
    assert release_tag_glob(prefix) == expected


def test_version_tag_and_str() -> None:
    assert (str(Version(1, 2, 3)), Version(1, 2, 3).tag("release-")) == ("1.2.3", "release-1.2.3")


@given(versions)
def test_parse_round_trips_str(version: Version) -> None:
    assert parse_version(str(version)) == version


@given(versions, prefixes)
def test_parse_release_tag_round_trips_tag(version: Version, prefix: str) -> None:
    assert parse_release_tag(version.tag(prefix), prefix) == version


@given(versions)
def test_next_patch_increments_patch_only(version: Version) -> None:
    following = version.next_patch()
    assert (following.major, following.minor, following.patch) == (version.major, version.minor, version.patch + 1)
    assert version < following and not following < version


@settings(max_examples=300)
@given(st.text(), prefixes)
def test_parsers_never_crash(text: str, prefix: str) -> None:
    parsed = parse_release_tag(text, prefix)
    assert parsed is None or parsed.tag(prefix) == text
    assert parse_version(text) is None or str(parse_version(text)) == text


@given(versions, prefixes)
def test_release_tag_glob_matches_every_release_tag(version: Version, prefix: str) -> None:
    assert fnmatchcase(version.tag(prefix), release_tag_glob(prefix))


@pytest.mark.parametrize(
    ("tags", "prefix", "hint"),
    [
        (["2.1.0", "2.2.0", "nightly"], "v", 'found 2 tags like 2.2.0: set tag-prefix = ""'),
        (["release-2.10.0", "release-2.9.0", "2.0.0"], "v", 'found 2 tags like release-2.10.0: set tag-prefix = "release-"'),
        (["rel/v1.0.0"], "", 'found 1 tag like rel/v1.0.0: set tag-prefix = "rel/v"'),
        (["v1.2.3", "v1.3.0"], "", 'found 2 tags like v1.3.0: set tag-prefix = "v"'),
        (['a"b1.0.0'], "v", 'found 1 tag like a"b1.0.0: set tag-prefix = "a\\"b"'),
        (["v1.2.3", "2.2.0"], "v", None),  # a release under the prefix: nothing to hint
        (["1.2.3.4", "v01.2.3", "v1.3.0-rc.1", "nightly-2024"], "v", None),  # not releases of any scheme
        ([], "v", None),
    ],
)  # fmt: skip
def test_other_scheme_names_the_most_common_prefix(tags: list[str], prefix: str, hint: str | None) -> None:
    assert other_scheme(tags, prefix) == hint


@given(st.lists(st.text(max_size=12)), prefixes)
def test_other_scheme_prefix_makes_its_example_a_release(tags: list[str], prefix: str) -> None:
    import re

    hint = other_scheme(tags, prefix)
    if hint is not None:
        match = re.fullmatch(r'found \d+ tags? like (.*): set tag-prefix = "(.*)"', hint, re.DOTALL)
        assert match is not None
        scheme = match.group(2).replace('\\"', '"').replace("\\\\", "\\")
        assert parse_release_tag(match.group(1), scheme) is not None
        assert not any(parse_release_tag(tag, prefix) for tag in tags)
