"""The severity levels of a hotfix: what each means, its time budget and who approves it.

The one place they are defined: `start --severity`, `status`, `review`, `notify` and
`drill` all read them from here.
"""

from __future__ import annotations

from hotfix_guard.model import Record


class Severity(Record):
    """A level, with its time budget in minutes (from start to release tag)."""

    __slots__ = ("name", "meaning", "min_minutes", "max_minutes", "approval")

    def __init__(self, name: str, meaning: str, min_minutes: int, max_minutes: int, approval: str):
        self.name = name
        self.meaning = meaning
        self.min_minutes = min_minutes
        self.max_minutes = max_minutes
        self.approval = approval

    @property
    def budget(self) -> str:
        """`15-30 min`, `1-4 h`."""
        if self.min_minutes % 60 == 0 and self.max_minutes % 60 == 0:
            return f"{self.min_minutes // 60}-{self.max_minutes // 60} h"
        return f"{self.min_minutes}-{self.max_minutes} min"

    def verdict(self, seconds: float) -> str:
        """How SECONDS from start compare with the budget, in words."""
        limit = self.max_minutes * 60
        if seconds > limit:
            return f"over budget by {format_duration(seconds - limit)} ({self.name}: {self.budget})"
        return f"within budget, {format_duration(limit - seconds)} left ({self.name}: {self.budget})"

    def over_budget(self, seconds: float) -> bool:
        return seconds > self.max_minutes * 60


LEVELS: dict[str, Severity] = {
    level.name: level
    for level in (
        Severity("critical", "complete service failure", 15, 30, "release manager"),
        Severity("high", "major functionality broken", 30, 60, "release manager + lead developer"),
        Severity("medium", "minor functionality affected", 60, 240, "full team review"),
    )
}
NAMES = tuple(LEVELS)


def level(name: object) -> Severity | None:
    """The level a start record names, None when it names none (or one this version lacks)."""
    return LEVELS.get(name) if isinstance(name, str) else None


def format_duration(seconds: float) -> str:
    """`45 s`, `12 min`, `1 h 05 min`: whole units, rounded down."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
