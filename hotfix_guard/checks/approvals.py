"""The hotfix has the approvals its severity asks for (recorded with hotfix-guard approve)."""

from __future__ import annotations

from hotfix_guard.checks import Check
from hotfix_guard.model import NOTE, Change, Finding
from hotfix_guard.options import NO_OPTIONS
from hotfix_guard.severity import NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hotfix_guard.approvals import Judgement
    from hotfix_guard.config import Config
    from hotfix_guard.options import RunOptions

ID = "approvals"


def check(change: Change, config: Config, options: RunOptions = NO_OPTIONS) -> list[Finding]:
    facts = change.approvals
    if facts is None:
        return []
    # Imported here: every hook that loads the registry would pay for the rules' module.
    from hotfix_guard.approvals import CRITICAL, FETCH_HINT, Judgement, missing, rule_for, severity_of

    severity, source = severity_of(facts, config)
    if severity is None:
        return [
            Finding(
                ID,
                "no severity recorded (start --severity LEVEL), so approvals were not checked; "
                f"set [approvals] default-severity to one of {', '.join(NAMES)} to check them",
                NOTE,
            )
        ]
    judgement = Judgement(facts)
    rule = rule_for(severity, facts.security, config)
    wanted = missing(rule, judgement)
    if not wanted:
        if severity == CRITICAL and not judgement.counted:
            return [
                Finding(
                    ID,
                    f"critical ({source}): the release manager may release alone; "
                    "peer review pending, after the release (hotfix-guard approve)",
                    NOTE,
                )
            ]
        return []
    branch = change.branch or "BRANCH"
    what = f"{severity} ({source}){' security fix' if facts.security else ''}"
    role = " --role security" if rule.security and not judgement.has_role("security") else ""
    message = (
        f"{what}: head {facts.head[:10]} lacks {' and '.join(wanted)}{_not_counted(judgement)}; "
        f"anyone but {_authors(facts.authors)} may give it: hotfix-guard approve {branch}{role} "
        f"(fetch approvals given elsewhere: {FETCH_HINT})"
    )
    if facts.overrides:
        return [Finding(ID, f"approval overridden by {'; '.join(facts.overrides)} (was: {message})", NOTE)]
    return [Finding(ID, message)]


def _not_counted(judgement: Judgement) -> str:
    reasons = [f"{a.who} approved {a.commit[:10]}, an older head (stale)" for a in judgement.stale]
    reasons += [f"{a.who} is an author (self-approval never counts)" for a in judgement.own]
    reasons += [f"{a.who}'s signature does not hold ({a.verdict.removeprefix('bad: ')})" for a in judgement.forged]
    return f" (not counted: {', '.join(reasons)})" if reasons else ""


def _authors(authors: tuple[str, ...]) -> str:
    return ", ".join(authors) if authors else "the authors"


CHECK = Check(
    id=ID,
    order=70,
    summary=(
        "The hotfix's head has the approvals its severity asks for: critical none before release, "
        "high one by a non-author (plus security for a security fix), medium two."
    ),
    severity="error",
    needs=("approvals",),
    stages=(),
    options={"default-severity": "", "critical": 0, "high": 1, "medium": 2, "security-approval": True},
    minimums={"critical": 0, "high": 0, "medium": 0},
    function=check,
)
