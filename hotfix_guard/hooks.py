"""Hook entry points: `hotfix-guard hook NAME [ARGS]`, as pre-commit runs them.

This path avoids click and everything heavy: it runs on every commit. On a branch that is
not a hotfix branch (nor a near miss such as `Hotfix/v1.2.4`) every hook passes silently.

In a pre-commit run the change is the base release against the index (the committed
change plus what is staged). In a pre-push run, which pre-commit announces with
PRE_COMMIT_LOCAL_BRANCH / PRE_COMMIT_TO_REF, it is what is being pushed; `validate` then
runs the whole push guard (prepush.py), as `pre-push` does for git's own hook.
"""

from __future__ import annotations

import os
import sys

from hotfix_guard.errors import EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, HotfixGuardError

GIT_HOOKS = ("pre-commit", "commit-msg", "pre-push")
# The hooks of the repository that receives pushes (a server's bare repository): prereceive.py.
SERVER_HOOKS = ("pre-receive", "update", "post-receive")

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.config import Config
    from hotfix_guard.model import Finding
    from hotfix_guard.options import RunOptions

# Hook ids (one check each, from the registry, or validate), then git's own hook types,
# which the shims in hooks/ call: pre-commit runs the checks of the registry's pre-commit
# stage, commit-msg is commit-message, pre-push is the push guard (prepush.py).
# Computed when first asked for (PEP 562): the push of an ordinary branch, or a commit on a
# branch that is not a hotfix branch, has nothing to check and does not import the checks.


def hook_names() -> tuple[str, ...]:
    from hotfix_guard.checks import registry

    return (*registry(), "validate", *GIT_HOOKS, *SERVER_HOOKS)


def usage() -> str:
    return (
        "usage: hotfix-guard hook {"
        + ",".join(hook_names())
        + "} [--config FILE] [COMMIT_MSG_FILE | REMOTE URL | REF OLD NEW]"
    )


def pre_commit_stage() -> tuple[str, ...]:
    from hotfix_guard.checks import registry

    return tuple(check.id for check in registry().values() if "pre-commit" in check.stages)


def __getattr__(name: str) -> object:
    """HOOKS, USAGE and PRE_COMMIT_STAGE, from the check registry."""
    if name == "HOOKS":
        return hook_names()
    if name == "USAGE":
        return usage()
    if name == "PRE_COMMIT_STAGE":
        return pre_commit_stage()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(name: str, args: list[str]) -> int:
    try:
        return _run(name, args)
    except HotfixGuardError as error:
        _say(f"hotfix-guard: error: {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: exit 3, one line, the traceback in the git directory's log
        from hotfix_guard.errors import report_bug

        return report_bug(error, ["hotfix-guard", "hook", name, *args])


def is_hook_name(name: str) -> bool:
    """Whether NAME is a hook's (hook_names()), without importing a check: hooks run on
    every commit, and the registry imports every check."""
    if name in (*GIT_HOOKS, *SERVER_HOOKS, "validate"):
        return True
    from hotfix_guard.checks import listed_ids

    return name in listed_ids()


def _run(name: str, args: list[str]) -> int:
    if not is_hook_name(name):
        _say(f"hotfix-guard: error: unknown hook {name!r}; {usage()}\n")
        return EXIT_ERROR
    config_file, args = _split_config_option(args)
    if name in SERVER_HOOKS:
        from hotfix_guard import prereceive
        from hotfix_guard.options import run_options

        return prereceive.run(name, args, config_file, run_options())
    if name == "pre-push" or (name == "validate" and os.environ.get("PRE_COMMIT_LOCAL_BRANCH")):
        from hotfix_guard import prepush
        from hotfix_guard.options import run_options

        options = run_options()
        if name == "pre-push":
            return prepush.run_native(args, config_file, options)
        return prepush.run_pre_commit(config_file, options)
    if name == "commit-msg":
        name = "commit-message"
    top, git_dir = _locate()
    pushed = _pushed_refs()
    from hotfix_guard.branches import OTHER, classify
    from hotfix_guard.config import load_config

    config = load_config(top, config_file, git_dir)
    names = pushed[0] if pushed else [_current_branch(git_dir)]
    branch = next((n for n in names if n is not None and classify(n, config) != OTHER), None)
    if branch is None:
        return EXIT_OK
    if name == "commit-message":
        return _commit_message(args, git_dir, config)  # no run option changes the message check
    from hotfix_guard.options import run_options

    head = pushed[1] if pushed else "HEAD"
    return _change_hook(
        name, branch, head, staged=pushed is None, config=config, options=run_options(), location=(top, git_dir)
    )


def _split_config_option(args: list[str]) -> tuple[str | None, list[str]]:
    """`--config FILE` (from `args:` in .pre-commit-config.yaml) and the remaining arguments."""
    if args[:1] == ["--config"]:
        if len(args) < 2:
            raise HotfixGuardError(f"--config needs a file; {usage()}")
        return args[1], args[2:]
    if args and args[0].startswith("--config="):
        return args[0][len("--config=") :], args[1:]
    return None, args


def _locate() -> tuple[str, str]:
    from hotfix_guard import gitrepo

    found = gitrepo.find_git_dir(os.getcwd())
    if found is not None:
        return found
    info = gitrepo.locate(None)
    return info.top, info.git_dir


def _current_branch(git_dir: str) -> str | None:
    from hotfix_guard.gitrepo import ci_branch, head_branch

    return head_branch(git_dir) or ci_branch()


def _pushed_refs() -> tuple[list[str | None], str] | None:
    """(branch names, commit) that pre-commit's pre-push stage is checking; None outside a push.

    The remote branch comes first: `git push origin HEAD:hotfix/v1.2.4` (or `fix-x:hotfix/…`)
    creates a hotfix branch from a local ref that is not one, and must not slip through.
    """
    local = os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if not local:
        return None
    remote = os.environ.get("PRE_COMMIT_REMOTE_BRANCH", "")
    names = [ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else None for ref in (remote, local)]
    return names, os.environ.get("PRE_COMMIT_TO_REF") or local


def _commit_message(args: list[str], git_dir: str, config: Config) -> int:
    from hotfix_guard.checks.commit_message import check_message_file
    from hotfix_guard.model import with_check_severity

    severity = str(config.option("commit-message", "severity"))  # not config.severity: that reads every check
    if severity == "off":
        return EXIT_OK
    if len(args) != 1:
        _say(f"hotfix-guard: error: the commit-message hook takes the message file; {usage()}\n")
        return EXIT_ERROR
    if os.path.exists(os.path.join(git_dir, "MERGE_HEAD")):
        return EXIT_OK  # a merge commit: merges are not checked
    try:
        with open(args[0], "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise HotfixGuardError(f"cannot read the commit message file {args[0]!r}: {error.strerror}") from None
    return _finish(with_check_severity(check_message_file(data, config), severity))


def _change_hook(
    name: str, branch: str, head: str, staged: bool, config: Config, options: RunOptions, location: tuple[str, str]
) -> int:
    from hotfix_guard.collect import Target
    from hotfix_guard.validation import enabled_checks, prepare

    enabled = enabled_checks(config, options)
    if name == "validate":
        from hotfix_guard.checks import registry

        # Approvals are given after the push, by reviewers who need the branch: not a hook's business.
        wanted = [check for check in enabled if "approvals" not in registry()[check].needs]
    elif name == "pre-commit":
        wanted = [check for check in pre_commit_stage() if check in enabled]
    else:
        wanted = [name] if name in enabled else []
    if not wanted:
        return EXIT_OK
    target = Target(staged=staged and name != "validate")
    validation = prepare(target, head, branch, config, wanted, only=wanted, location=location)
    return _finish(validation.run(options).findings)


def _finish(findings: list[Finding]) -> int:
    from hotfix_guard.model import ERROR, NOTE

    shown = [finding for finding in findings if finding.severity != NOTE]
    if shown:
        from hotfix_guard.render import render_findings

        colour = sys.stderr.isatty() and "NO_COLOR" not in os.environ
        _say(render_findings(shown, colour))
    return EXIT_FAILED if any(finding.severity == ERROR for finding in findings) else EXIT_OK


def _say(text: str) -> None:
    from hotfix_guard.render import write

    write(text, sys.stderr)
