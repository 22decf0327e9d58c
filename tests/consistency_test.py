"""The check registry is the single source: everything that lists the checks agrees with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from conftest import GitRepo

from hotfix_guard.checks import FACTS, STAGES, Check, registry
from hotfix_guard.cli import COMMANDS, cli
from hotfix_guard.commands.validate import check as check_group
from hotfix_guard.commands.validate import validate
from hotfix_guard.config import CHECK_IDS, DEFAULTS, default_config
from hotfix_guard.hooks import GIT_HOOKS, HOOKS, PRE_COMMIT_STAGE, SERVER_HOOKS
from hotfix_guard.model import NOTE, Change
from hotfix_guard.options import NO_OPTIONS

ROOT = Path(__file__).parents[1]
HOOK_DEFINITIONS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
README = (ROOT / "README.md").read_text()


def test_the_registry_lists_every_module_of_checks_in_order() -> None:
    modules = {path.stem for path in (ROOT / "hotfix_guard" / "checks").glob("*.py") if not path.stem.startswith("_")}
    assert {check.id.replace("-", "_") for check in registry().values()} == modules
    orders = [check.order for check in registry().values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert tuple(registry()) == CHECK_IDS


def test_each_check_declares_known_facts_stages_and_a_severity() -> None:
    for check in registry().values():
        assert set(check.needs) <= set(FACTS) and set(check.stages) <= set(STAGES), check.id
        assert check.severity in ("error", "warning"), check.id
        assert check.summary.endswith(".") and "\n" not in check.summary, check.id


def test_a_declaration_with_an_unknown_fact_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown facts"):
        Check(id="x", order=1, summary="x.", severity="error", needs=("diff",), stages=(), function=lambda *a: [])


def test_config_defaults_come_from_the_registry() -> None:
    config = default_config()
    for check in registry().values():
        assert DEFAULTS[check.id, "severity"] == check.severity == config.severity[check.id]
        for key, default in check.options.items():
            assert DEFAULTS[check.id, key] == default == config.option(check.id, key)
    assert {table for table, _key in DEFAULTS if table} == {*CHECK_IDS, "notify"}


def test_hook_ids_and_the_pre_commit_stage_come_from_the_registry() -> None:
    assert (*CHECK_IDS, "validate", *GIT_HOOKS, *SERVER_HOOKS) == HOOKS
    assert tuple(c.id for c in registry().values() if "pre-commit" in c.stages) == PRE_COMMIT_STAGE


def test_pre_commit_hooks_yaml_has_a_hook_for_each_check_with_stages() -> None:
    defined = {hook["id"]: hook for hook in HOOK_DEFINITIONS}
    for check in registry().values():
        hook = defined.get(f"hotfix-{check.id}")
        if not check.stages:
            assert hook is None, f"{check.id} declares no stage but has a hook"
            continue
        assert hook is not None, check.id
        assert hook["entry"] == f"hotfix-guard-hook {check.id}"
        assert tuple(hook["stages"]) == check.stages
        assert hook["description"] == check.summary
    assert set(defined) == {f"hotfix-{c.id}" for c in registry().values() if c.stages} | {"hotfix-validate"}
    assert defined["hotfix-validate"]["entry"] == "hotfix-guard-hook validate"


def test_the_readme_check_table_has_each_check_with_its_default_severity() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `") and line.count("|") >= 4]
    table = [row for row in rows if row.split("|")[1].strip().strip("`") in CHECK_IDS]
    assert [row.split("|")[1].strip().strip("`") for row in table] == list(CHECK_IDS)
    for row, check in zip(table, registry().values(), strict=True):
        assert row.split("|")[2].strip() == check.severity, row


def test_the_readme_hook_table_has_each_hook_with_its_stages() -> None:
    for hook in HOOK_DEFINITIONS:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{hook['id']}` |"))
        assert row.split("|")[2].strip() == ", ".join(hook["stages"]), row


def test_check_subcommands_and_skip_choices_come_from_the_registry() -> None:
    assert sorted(check_group.commands) == sorted(CHECK_IDS)
    skip = next(param for param in validate.params if param.name == "skip")
    assert isinstance(skip.type, click.Choice) and tuple(skip.type.choices) == CHECK_IDS
    file_count = check_group.commands["file-count"]
    assert {"--staged", "--allow-large"} <= {opt for param in file_count.params for opt in param.opts}


def test_every_check_takes_change_config_and_run_options() -> None:
    """A non-hotfix branch with nothing gathered: no check but scope (an empty change is its finding) finds an error."""
    change = Change(branch="feature/x", base="v1.0.0", base_version=None, head="HEAD")
    for check in registry().values():
        found = check.function(change, default_config(), NO_OPTIONS)
        assert [f for f in found if f.severity != NOTE] == ([] if check.id != "scope" else found), check.id


def test_the_help_table_is_each_commands_own_short_help() -> None:
    ctx = click.Context(cli)
    for name, (_module, _function, short) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(limit=1000) == short, name


def test_help_and_the_hooks_import_no_command_they_do_not_run() -> None:
    program = (
        "import sys, contextlib, io\n"
        "from hotfix_guard.entry import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(sys.argv[1:])\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('hotfix_guard'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", program, "--help"], capture_output=True, text=True, check=True)
    modules = set(loaded.stdout.split())
    assert not {
        m for m in modules if m.startswith(("hotfix_guard.commands.", "hotfix_guard.flow", "hotfix_guard.focus"))
    } - {"hotfix_guard.commands.common"}
    assert "hotfix_guard.drill" not in modules and "hotfix_guard.review" not in modules
    assert (
        "click"
        not in subprocess.run(
            [sys.executable, "-c", "import sys; from hotfix_guard import hooks; print(' '.join(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )


def test_every_resource_file_is_in_the_package_data() -> None:
    """The shim template and the drill's application are data files: a wheel without them would break install-hooks and drill."""
    import configparser

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    patterns = setup["options.package_data"]["hotfix_guard"].split()
    package = ROOT / "hotfix_guard"
    shipped = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    resources = {p for p in (package / "resources").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert resources and resources <= shipped


def test_git_is_started_only_by_gitrepo() -> None:
    """Other modules may build git command lines, but only gitrepo.run_git starts the process."""
    import re

    starts = re.compile(r"subprocess\.[a-z_]+\(\s*\[\s*\"git\"|posix_spawnp?\(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "hotfix_guard").rglob("*.py")
        if "resources" not in path.parts and path.name != "gitrepo.py" and starts.search(path.read_text())
    ]
    assert offenders == []


def test_hooks_import_only_the_checks_they_run(released: GitRepo, tmp_path: Path) -> None:
    """An ordinary push and a commit off hotfix branches import no check; the commit-msg hook
    on a hotfix branch imports commit-message alone (config reads one check's defaults from it)."""
    program = (  # as the console script runs it: pre-commit's hook ids go through entry too
        "import sys\n"
        "from hotfix_guard.entry import main\n"
        "main(['hook', *sys.argv[1:]])\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('hotfix_guard.checks.'))))\n"
    )
    message = tmp_path / "MSG"
    message.write_text("fix(auth): HOTFIX - stop token bypass\n")
    sha = released.git("rev-parse", "HEAD").strip()

    def checks_loaded(*args: str, stdin: str = "") -> str:
        run = subprocess.run(
            [sys.executable, "-c", program, *args], cwd=released.path, input=stdin, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    push = f"refs/heads/feature {sha} refs/heads/feature {'0' * 40}\n"
    assert checks_loaded("pre-push", "origin", "url", stdin=push) == ""
    assert checks_loaded("commit-msg", str(message)) == ""
    released.switch("hotfix/v1.2.4")
    assert checks_loaded("commit-msg", str(message)) == "hotfix_guard.checks.commit_message"
    # pre-commit's hook id: knowing it is a check's must not import every check
    assert checks_loaded("commit-message", str(message)) == "hotfix_guard.checks.commit_message"
