"""`init`: adopt a repository, detecting its settings and writing its config."""

from __future__ import annotations

import click

from hotfix_guard.commands.common import BUG_HELP, Options
from hotfix_guard.errors import EXIT_OK
from hotfix_guard.render import write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.adopt import Adoption

INIT_EXIT_CODES_HELP = f"""\b
Exit codes: 0 done (or printed, with --dry-run), 2 not a repository, no commits,
two tag schemes in use without --tag-prefix, a config already there without
--force, a file that cannot be read or parsed (nothing written in each case),
{BUG_HELP}."""


@click.command(epilog="Example: hotfix-guard init --dry-run\n\n" + INIT_EXIT_CODES_HELP)
@click.option("--dry-run", is_flag=True, help="Print what it found and the config, write nothing.")
@click.option("--force", is_flag=True, help="Replace an existing hotfix-guard config, keeping a backup (FILE.bak).")
@click.option("--tag-prefix", metavar="P", help="The release tags' prefix, when the tags use more than one scheme.")
@click.option(
    "--hooks",
    type=click.Choice(["pre-commit", "native"]),
    help="Also put the hooks in place: in .pre-commit-config.yaml, or as git hooks (install-hooks).",
)
@click.pass_obj
def init(opts: Options, dry_run: bool, force: bool, tag_prefix: str | None, hooks: str | None) -> int:
    """Adopt this repository: detect its tags, branches and version files, and write the config.

    Prints what it found and why, then writes only the settings that differ from the
    defaults, each with a comment, to [tool.hotfix-guard] in pyproject.toml (appended,
    the rest untouched) or to .hotfix-guard.toml. It commits nothing: it says what to
    commit on the main branch.
    """
    from hotfix_guard import adopt

    adoption = adopt.detect(opts.repo, tag_prefix)
    files = adopt.planned_files(adoption, force)
    pre_commit = adopt.pre_commit_config(adoption.top) if hooks == "pre-commit" else None
    write("Found:\n" + "\n".join(adoption.lines) + "\n\n")
    target = adoption.target
    where = f"appended to {target}" if target == adopt.PYPROJECT else f"in {target}"
    write(f"Config ({where}):\n\n{adopt.config_text(adoption)}\n")
    if dry_run:
        if hooks == "pre-commit":
            shown = "lists hotfix-guard's hooks already" if pre_commit is None else "would get hotfix-guard's hooks"
            write(f"{adopt.PRE_COMMIT_CONFIG} {shown}.\n")
        write("Dry run: nothing written.\n")
        return EXIT_OK
    changed = list(files)
    if hooks == "native":
        from hotfix_guard.install import install_hooks

        for line in install_hooks(adoption.top, list(adopt.HOOK_TYPES), False):
            write(line + "\n")
    for line in adopt.write_files(adoption, files):
        write(line + "\n")
    if hooks == "pre-commit":
        if pre_commit is None:
            write(f"{adopt.PRE_COMMIT_CONFIG} lists hotfix-guard's hooks already: left as it is\n")
        else:
            from hotfix_guard.paths import refuse_symlink, write_atomic

            path = refuse_symlink(adoption.top, adopt.PRE_COMMIT_CONFIG, "pre-commit config")
            write_atomic(path, pre_commit.encode("utf-8"))
            changed.append(adopt.PRE_COMMIT_CONFIG)
            write(f"added hotfix-guard's hooks to {adopt.PRE_COMMIT_CONFIG} (repo: local, language: system)\n")
        write(f"Install pre-commit's hooks, every type hotfix-guard uses:\n    {adopt.PRE_COMMIT_INSTALL}\n")
    _next_steps(adoption, changed)
    if hooks is not None:
        from hotfix_guard.doctor import diagnose

        write("\ndoctor:\n" + diagnose(adoption.top, None).text())
    return EXIT_OK


def _next_steps(adoption: Adoption, changed: list[str]) -> None:
    import shlex

    main = adoption.main_branch
    switch = (
        ""
        if adoption.current_branch == main
        else f"git switch {shlex.quote(main)}  # first: the config belongs on main\n    "
    )
    write(
        f"\nNothing was committed. Commit the config on {main}, where it rules every hotfix:\n"
        f"    {switch}git add {shlex.join(changed)} && git commit -m 'chore: adopt hotfix-guard'\n"
    )
