"""Every non-merge commit of a hotfix carries the HOTFIX token and a conventional fix header."""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.model import Change, Finding
from hotfix_guard.options import NO_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions

ID = "commit-message"

SCISSORS = "------------------------ >8 ------------------------"
_AUTOSQUASH = ("fixup! ", "squash! ", "amend! ")
EXAMPLE = "fix(scope): HOTFIX - what it fixes"
DEFAULT_TOKEN = r"\bHOTFIX\b"


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    findings: list[Finding] = []
    for commit in change.commits:
        if commit.is_merge:
            continue
        problems = message_problems(commit.message, config, commit.valid_utf8)
        named = f"{commit.short_sha} {_quote(commit.subject)}"
        findings.extend(Finding(ID, f"commit {named}: {problem}", commit=named) for problem in problems)
    return findings


def check_message_file(data: bytes, config: Config) -> list[Finding]:
    """The commit-msg hook's check: the message git is about to record, as raw bytes."""
    try:
        text, valid_utf8 = data.decode("utf-8"), True
    except UnicodeDecodeError:
        text, valid_utf8 = data.decode("utf-8", "replace"), False
    return [Finding(ID, problem) for problem in message_problems(clean_message(text), config, valid_utf8)]


def clean_message(text: str) -> str:
    """The message as git records it: no `#` comment lines, nothing below the scissors line."""
    kept = []
    for line in text.splitlines():
        if line.startswith("#"):
            if line[1:].strip() == SCISSORS:
                break
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip("\n")


def message_problems(message: str, config: Config, valid_utf8: bool = True) -> list[str]:
    example = _example(config)
    if not message.strip():
        return [f"empty commit message; write what the hotfix fixes{example}"]
    problems = []
    if not valid_utf8:
        problems.append("message is not valid UTF-8; re-save it as UTF-8")
    if not carries_token(message, config):
        problems.append(f"missing the hotfix token /{config.option(ID, 'token')}/{example}")
    if config.conventional and not _is_conventional(header_of(message), config.message_types):
        types = ", ".join((*config.message_types, "revert"))
        problems.append(f"header must be 'type(scope): subject' with type {types}{example}")
    return problems


def _example(config: Config) -> str:
    """A model message, when the default rules are in force (a custom token has no model)."""
    default_rules = config.option(ID, "token") == DEFAULT_TOKEN
    return f"; e.g. {EXAMPLE!r}" if default_rules and "fix" in config.message_types else ""


def carries_token(message: str, config: Config) -> bool:
    """Whether MESSAGE carries the token. The default one is found without `re`: importing
    it would cost the commit-msg hook, which runs on every commit, more than all its other work."""
    if config.option(ID, "token") == DEFAULT_TOKEN:
        return has_word(message, "HOTFIX")
    return config.message_token.search(message) is not None


def has_word(text: str, word: str) -> bool:
    """`re.search(rf"\\b{WORD}\\b", TEXT)` for a WORD that starts and ends with a word character:
    an occurrence with no word character right before or after it. A word character is one
    `\\w` matches in a str pattern: `str.isalnum()` holds for it, or it is `_`."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not _is_word_character(before) and not _is_word_character(after):
            return True
        start = text.find(word, start + 1)
    return False


def _is_word_character(char: str) -> bool:
    return char.isalnum() or char == "_"


def header_of(message: str) -> str:
    return message.strip().split("\n", 1)[0]


def _is_conventional(header: str, types: tuple[str, ...]) -> bool:
    while header.startswith(_AUTOSQUASH):
        header = header[header.index("! ") + 2 :]
    if header.startswith('Revert "'):
        return True
    return conventional_type(header) in (*types, "revert")


# Parsed by hand rather than with a regular expression: compiling one would cost the
# commit-msg hook, which runs on every commit, more than the whole check.
def conventional_type(header: str) -> str | None:
    """The type of a conventional header `type(scope)!: subject`, or None if it is not one."""
    kind, colon, subject = header.partition(": ")
    if not colon or not subject[:1].strip():
        return None
    kind = kind.removesuffix("!")
    if kind.endswith(")"):
        kind, paren, scope = kind[:-1].partition("(")
        if not paren or "(" in scope or ")" in scope:
            return None
    return kind if kind.isascii() and kind.isalpha() else None


def _quote(subject: str) -> str:
    return repr(subject if len(subject) <= 60 else subject[:57] + "...")


CHECK = Check(
    id=ID,
    order=40,
    summary="Every hotfix commit carries the HOTFIX token and a conventional fix header.",
    severity="error",
    needs=("commits",),
    stages=("commit-msg",),
    options={"token": DEFAULT_TOKEN, "conventional": True, "types": ["fix"]},
    function=check,
)
