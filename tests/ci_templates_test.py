"""The GitHub Action (action.yml) and the GitLab CI template parse, and run what exists: the
Action's validate step is run as GitHub runs it for a pull request, on a real clone."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from conftest import GitRepo, run_cli

ROOT = Path(__file__).parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
GITLAB = yaml.safe_load((ROOT / "ci" / "gitlab-hotfix-guard.yml").read_text())
BIN = str(Path(sys.executable).parent)


def test_the_action_is_a_composite_that_installs_then_validates() -> None:
    assert ACTION["runs"]["using"] == "composite"
    install, check = ACTION["runs"]["steps"]
    assert 'pip" install' in install["run"] and "$GITHUB_PATH" in install["run"]
    assert "hotfix-guard --format github validate" in check["run"]
    assert all(step["shell"] == "bash" for step in ACTION["runs"]["steps"])
    # Expressions only in env, never pasted into a script (a branch name is the pusher's text).
    assert not any("${{" in step["run"] for step in ACTION["runs"]["steps"])


def test_the_gitlab_job_fetches_history_and_keeps_a_junit_report() -> None:
    job = GITLAB["hotfix-guard"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    [command] = [line for line in job["script"] if line.startswith("hotfix-guard")]
    report = job["artifacts"]["reports"]["junit"]
    assert command == f"hotfix-guard --format junit validate > {report}"
    assert job["artifacts"]["when"] == "always"


@pytest.mark.parametrize(
    "command",
    [
        shlex.split(ACTION["runs"]["steps"][1]["run"].splitlines()[-1])[:4],
        shlex.split(GITLAB["hotfix-guard"]["script"][-1])[:4],
    ],
    ids=["action", "gitlab"],
)
def test_the_commands_they_run_exist(released: GitRepo, command: list[str]) -> None:
    assert command[0] == "hotfix-guard"
    result = run_cli(released, *command[1:], "--help")
    assert result.exit_code == 0, result.output


def test_the_action_checks_a_pull_request_as_github_runs_it(hotfix: GitRepo, tmp_path: Path) -> None:
    """The validate step's script, with the variables GitHub sets for a pull request: checkout's
    detached merge commit is not what is judged, the pull request's head is."""
    head = hotfix.git("rev-parse", "HEAD").strip()
    hotfix.git("checkout", "-q", "--detach", "main")  # as actions/checkout leaves it (a merge commit, detached)
    step = ACTION["runs"]["steps"][1]
    values = {"${{ github.event.pull_request.head.sha }}": head, "${{ inputs.args }}": ""}
    env = {name: values[expression] for name, expression in step["env"].items()}
    summary = tmp_path / "summary.md"
    env |= {"GITHUB_HEAD_REF": "hotfix/v1.2.4", "GITHUB_REF_NAME": "7/merge", "GITHUB_STEP_SUMMARY": str(summary)}
    env["PATH"] = BIN + os.pathsep + os.environ["PATH"]
    run = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=hotfix.path, env={**os.environ, **env}, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "hotfix/v1.2.4" in summary.read_text()
    hotfix.git("switch", "-q", "hotfix/v1.2.4")
    hotfix.commit("quick fix")
    env["HEAD_SHA"] = hotfix.git("rev-parse", "HEAD").strip()
    run = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=hotfix.path, env={**os.environ, **env}, capture_output=True, text=True
    )
    assert run.returncode == 1 and re.search(r"^::error .*commit-message", run.stdout, re.M), run.stdout


def test_the_gitlab_report_is_junit(hotfix: GitRepo, tmp_path: Path) -> None:
    command = GITLAB["hotfix-guard"]["script"][-1]
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "CI_COMMIT_REF_NAME": "hotfix/v1.2.4"}
    hotfix.git("checkout", "-q", "--detach", "hotfix/v1.2.4")  # GitLab's checkout is detached
    run = subprocess.run(["sh", "-c", command], cwd=hotfix.path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = ElementTree.parse(hotfix.path / GITLAB["hotfix-guard"]["artifacts"]["reports"]["junit"]).getroot()
    assert report.tag == "testsuites" and report.find("testsuite") is not None


def test_the_gitlab_job_fetches_main_whose_rules_judge_and_ci_without_main_fails(
    hotfix: GitRepo, tmp_path: Path
) -> None:
    """Found in review: GitLab's runner fetches only the pipeline's branch, so validate judged the
    hotfix by the defaults with one warning line. The job fetches main; in CI no main is an error."""
    hotfix.git("switch", "-q", "main")
    hotfix.commit("chore: adopt", **{".hotfix-guard.toml": '[commit-message]\ntoken = "NEVER-THERE"\n'})
    runner = GitRepo(tmp_path / "runner")  # as GitLab's runner checks out: the branch only, detached
    runner.path.mkdir()
    runner.git("init", "-q")
    runner.git("remote", "add", "origin", str(hotfix.path))
    runner.git("fetch", "-q", "--tags", "origin", "+refs/heads/hotfix/v1.2.4:refs/remotes/origin/hotfix/v1.2.4")
    runner.git("checkout", "-q", "--detach", "origin/hotfix/v1.2.4")
    path = BIN + os.pathsep + os.environ["PATH"]
    env = {**os.environ, "PATH": path, "CI": "true", "CI_COMMIT_REF_NAME": "hotfix/v1.2.4", "CI_DEFAULT_BRANCH": "main"}
    script = GITLAB["hotfix-guard"]["script"]

    def run(lines: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sh", "-ec", "\n".join(lines)], cwd=runner.path, env=env, capture_output=True, text=True)

    without = run(script[-1:])
    assert without.returncode == 2 and "no main-branch set, and in CI (CI=true)" in without.stderr, without.stderr
    fetched = run(script[1:])
    assert fetched.returncode == 1, fetched.stderr
    report = (runner.path / GITLAB["hotfix-guard"]["artifacts"]["reports"]["junit"]).read_text()
    assert "NEVER-THERE" in report and "origin/main" in report, report
