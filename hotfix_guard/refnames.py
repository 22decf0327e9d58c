"""Git's ref-name rules (`git check-ref-format`), in pure Python so checks stay pure."""

from __future__ import annotations

_FORBIDDEN_CHARS = frozenset(" ~^:?*[\\\x7f") | frozenset(chr(code) for code in range(32))


def is_valid_refname(refname: str) -> bool:
    """True when `git check-ref-format REFNAME` would accept it (full names like refs/heads/x)."""
    if not refname or refname == "@" or refname.endswith("."):
        return False
    if ".." in refname or "@{" in refname or any(c in _FORBIDDEN_CHARS for c in refname):
        return False
    components = refname.split("/")
    if len(components) < 2:
        return False
    return all(_is_valid_component(component) for component in components)


def is_full_refname(name: str) -> bool:
    """True for a full ref name git accepts (`refs/heads/main`): no revision syntax, no glob,
    nothing for-each-ref would read as a pattern."""
    return name.startswith("refs/") and is_valid_refname(name)


def _is_valid_component(component: str) -> bool:
    return bool(component) and not component.startswith(".") and not component.endswith(".lock")


def is_valid_tag_name(name: str) -> bool:
    """True when NAME can be a tag and cannot be read as an option."""
    return not name.startswith("-") and is_valid_refname(f"refs/tags/{name}")


def is_valid_branch_name(name: str) -> bool:
    """True when git would let you create a branch of this name (`check-ref-format --branch`)."""
    return not name.startswith("-") and name != "HEAD" and is_valid_refname(f"refs/heads/{name}")
