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
    """Whether the release tag is to be signed; RepoError when `sign-tags = true` and git has no
    key, and when signing is decided but a test signature fails (git 2.39's `git tag -s` would
    write an unsigned tag and exit 0 where ssh-keygen cannot sign)."""
    form, key, tag_sign = gitrepo.signing_setup(repo)
    if config.sign_tags and not key:
        raise RepoError(
            f"sign-tags = true in the config, but git has no signing key; nothing was changed. Set one: {HOW_TO_SET_UP}"
        )
    if form not in FORMATS:
        if config.sign_tags:
            raise RepoError(f"sign-tags = true, but gpg.format is {form!r}; set git config gpg.format openpgp (or ssh)")
        return False
    sign = config.sign_tags or tag_sign or bool(key)
    if sign:
        _test_signature(repo, form, key)
    return sign


def _test_signature(repo: str | None, form: str, key: str) -> None:
    """A signature made now (an object no ref keeps), so that a key that cannot sign stops finish before any change."""
    from hotfix_guard.errors import GitError

    try:
        gitrepo.signed_commit_object("hotfix-guard: a test signature before tagging", repo)
    except GitError as error:
        raise RepoError(
            f"the release tag is to be signed (user.signingKey {key or '(none)'}, gpg.format {form}), but git cannot "
            f"sign ({error}); nothing was changed. Fix the key or the settings: {HOW_TO_SET_UP}; "
            "or stop signing: git config --unset tag.gpgSign, git config --unset user.signingKey"
        ) from None


def require_signed(tag: str, repo: str | None) -> None:
    """RepoError unless the tag object TAG just made carries a signature (the caller undoes the tag)."""
    if not gitrepo.tag_carries_signature(tag, repo):
        raise RepoError(
            f"git made tag {tag} without a signature although it was asked to sign it (git tag -s); "
            f"check the signing key: {HOW_TO_SET_UP}"
        )


def tag_flag(sign: bool) -> str:
    """`-s` for a signed annotated tag, `-a` for an unsigned one."""
    return "-s" if sign else "-a"
