"""Signed release tags: whether finish and rollback sign theirs, and what to set when they cannot.

A tag is signed (`git tag -s`) when git is set up to sign (`tag.gpgSign = true`, or a
`user.signingKey`, with `gpg.format` openpgp or ssh), or when the config says
`sign-tags = true`; then a missing key is refused before anything changes.
"""

from __future__ import annotations

from hotfix_guard import gitrepo
from hotfix_guard.errors import RepoError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config

FORMATS = ("openpgp", "ssh")
HOW_TO_SET_UP = (
    "git config user.signingKey KEY (an OpenPGP key id, or the path of an ssh public key "
    "with git config gpg.format ssh), and git config tag.gpgSign true"
)


def signs_tags(repo: str | None, config: Config) -> bool:
    """Whether the release tag is to be signed; RepoError when `sign-tags = true` and git has no key."""
    form, key, tag_sign = gitrepo.signing_setup(repo)
    if config.sign_tags and not key:
        raise RepoError(
            f"sign-tags = true in the config, but git has no signing key; nothing was changed. Set one: {HOW_TO_SET_UP}"
        )
    if form not in FORMATS:
        if config.sign_tags:
            raise RepoError(f"sign-tags = true, but gpg.format is {form!r}; set git config gpg.format openpgp (or ssh)")
        return False
    return config.sign_tags or tag_sign or bool(key)


def tag_flag(sign: bool) -> str:
    """`-s` for a signed annotated tag, `-a` for an unsigned one."""
    return "-s" if sign else "-a"
