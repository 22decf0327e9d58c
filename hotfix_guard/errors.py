"""Error types and the exit codes they map to (exit codes are public API)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # Ctrl-C, after putting back whatever the command had changed


class HotfixGuardError(Exception):
    """A problem with usage, config or the repository: one line for the user, exit 2."""

    exit_code = EXIT_ERROR


class ConfigError(HotfixGuardError):
    """The configuration file is malformed or holds an unknown key or a wrong type."""


class RepoError(HotfixGuardError):
    """The repository is not in a state the command can work with."""


class GitError(RepoError):
    """A git command failed in a way the caller did not expect."""
