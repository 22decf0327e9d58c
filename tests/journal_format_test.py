"""The journals start, finish and rollback leave behind keep their on-disk format, byte for byte.

tests/journals/ holds journals as the version that typed them (issue 17) wrote them, in
scenarios whose commits are pinned: each run here must write the very same bytes (its start
time and object names aside), and a journal with those bytes must load: the
command that was stopped completes or is undone from it. Set HG_WRITE_JOURNALS=1 to write
the files anew (only for a deliberate change of format).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import killing
import pytest
from conftest import GOOD_MESSAGE, GitRepo, run_cli
from finish_test import conflict_on, make_flow
from start_journal_test import add_origin

GOLDEN = Path(__file__).parent / "journals"
SHA = re.compile(r"\b[0-9a-f]{40}\b")
# When the run began, by the clock: "started" (seconds) in the journal, "started_at" in its start record.
CLOCK = re.compile(r'"(started|started_at)": ("[^"]*"|[0-9.e+-]+)')


def normalized(text: str) -> tuple[str, list[str]]:
    """TEXT with its clock readings, then each distinct object name, replaced by a placeholder
    (numbered in order of first appearance); and what was replaced, to put it back."""
    found: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        if match.group(0) not in found:
            found.append(match.group(0))
        return f"<{found.index(match.group(0)) + 1}>"

    return SHA.sub(placeholder, CLOCK.sub(lambda match: f'"{match.group(1)}": {placeholder(match)}', text)), found


def denormalized(text: str, found: list[str]) -> str:
    text = re.sub(r'"(?:started|started_at)": <([0-9]+)>', lambda match: found[int(match.group(1)) - 1], text)
    return re.sub(r"<([0-9]+)>", lambda match: found[int(match.group(1)) - 1], text)


def finish_conflict_main(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    flow = make_flow(hotfix_of(released))
    conflict_on(flow, "main")
    assert run_cli(flow, "finish").exit_code == 1
    return flow, ["finish", "--abort"]


def finish_conflict_develop(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    flow = make_flow(hotfix_of(released))
    conflict_on(flow, "develop")
    assert run_cli(flow, "finish").exit_code == 1
    flow.write("VERSION", "resolved\n")
    flow.git("add", "VERSION")
    return flow, ["finish", "--continue"]


def finish_killed(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    flow = make_flow(hotfix_of(released))
    assert killing.killed(killing.run(flow, "finish", kill_at=6))  # the tag's update committed
    return flow, ["finish", "--continue"]


def finish_partly_undone(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    flow = make_flow(hotfix_of(released))
    conflict_on(flow, "develop")
    assert run_cli(flow, "finish").exit_code == 1
    assert killing.killed(killing.run(flow, "finish", "--abort", kill_at=4))
    return flow, ["finish", "--abort"]


def start_killed(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    args = ["start", "--severity", "high", "--summary", "Checkout fails for EUR"]
    assert killing.killed(killing.run(released, *args, kill_at=2))
    return released, ["start", "--continue"]


def start_pushing(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    add_origin(released, tmp_path)
    assert killing.killed(killing.run(released, "start", "--push", kill_at=3))
    return released, ["start", "--push"]


def hotfix_of(released: GitRepo) -> GitRepo:
    released.switch("hotfix/v1.2.4", "v1.2.3")
    released.commit(GOOD_MESSAGE, **{"app.py": "print('fixed')\n"})
    return released


def bad_release(released: GitRepo) -> GitRepo:
    (released.path / "README.md").unlink()
    released.commit("feat: a cache", **{"cache.py": "CACHE = {}\n", "app.py": "print('cached')\n"})
    released.tag("v1.2.4")
    return released


def rollback_killed(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    bad = bad_release(released)
    assert killing.killed(killing.run(bad, "rollback", kill_at=4))
    return bad, ["rollback", "--continue"]


def rollback_pushing(released: GitRepo, tmp_path: Path) -> tuple[GitRepo, list[str]]:
    bad = bad_release(released)
    add_origin(bad, tmp_path)
    assert killing.killed(killing.run(bad, "rollback", "--push", kill_at=7))  # origin/main, prepared
    return bad, ["rollback", "--continue"]


Scenario = Callable[[GitRepo, Path], tuple[GitRepo, list[str]]]
SCENARIOS: list[Scenario] = [
    finish_conflict_main,
    finish_conflict_develop,
    finish_killed,
    finish_partly_undone,
    start_killed,
    start_pushing,
    rollback_killed,
    rollback_pushing,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.__name__ for scenario in SCENARIOS])
def test_a_journal_keeps_its_bytes_and_loads(scenario: Scenario, released: GitRepo, tmp_path: Path) -> None:
    repo, then = scenario(released, tmp_path)
    path = repo.path / ".git/hotfix-guard" / f"{scenario.__name__.split('_')[0]}.json"
    written = path.read_text()
    text, found = normalized(written)
    golden = GOLDEN / f"{scenario.__name__}.json"
    if os.environ.get("HG_WRITE_JOURNALS"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()
    path.write_text(denormalized(golden.read_text(), found))
    result = killing.run(repo, *then)
    assert result.returncode == 0, result.stderr
    assert not path.exists()


DAMAGED = [
    (
        finish_conflict_main,
        "handed_over",
        5,
        "the finish journal {path} is damaged; put things right by hand, then remove it",
    ),
    (
        finish_killed,
        "done",
        "merge-main",
        "the finish journal {path} is damaged; put things right by hand, then remove it",
    ),
    (
        start_killed,
        "bumps",
        [["VERSION"]],
        "the start journal 'bumps' is missing; put things right by hand, then remove the journal",
    ),
    (
        start_killed,
        "before",
        None,
        "the start journal 'before' is missing; put things right by hand, then remove the journal",
    ),
    (
        rollback_killed,
        "commit",
        5,
        "the rollback journal is damaged (rollback.json); put things right by hand, then remove it",
    ),
    (
        rollback_killed,
        "switch",
        "no",
        "the rollback journal is damaged (rollback.json); put things right by hand, then remove it",
    ),
]


@pytest.mark.parametrize(
    ("scenario", "key", "value", "message"), DAMAGED, ids=[f"{case[0].__name__}-{case[1]}" for case in DAMAGED]
)
def test_a_journal_holding_a_wrong_type_is_refused_in_one_line(
    scenario: Scenario, key: str, value: object, message: str, released: GitRepo, tmp_path: Path
) -> None:
    repo, then = scenario(released, tmp_path)
    path = repo.path / ".git/hotfix-guard" / f"{then[0]}.json"
    journal = json.loads(path.read_text())
    journal[key] = value
    path.write_text(json.dumps(journal, indent=2))
    refs = repo.refs()
    result = killing.run(repo, then[0], "--abort")
    assert (result.returncode, result.stderr) == (2, f"hotfix-guard: error: {message.format(path=path)}\n")
    assert repo.refs() == refs and path.exists()
