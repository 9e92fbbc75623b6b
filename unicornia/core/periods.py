"""Guild days, weeks and months (UTC, from the guild's reset hour), daily streaks and goals.

Pure: timestamps in, numbers out (and the cycles' names, translated when asked for).  A guild's
day starts at its reset hour (UTC); its week starts on its reset weekday (0 = Monday) at that
hour; its month on the 1st at that hour.
"""
from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta, timezone
from typing import Iterable, NamedTuple, Optional

from ..i18n import _

DAY = 86_400
HOUR = 3_600
#: The cycles an admin types (these words stay English; :func:`cycle_label` is what members read).
CYCLES = ("daily", "weekly", "monthly", "once")


def cycle_label(cycle: str) -> str:
    """A quest cycle as members read it, in the current language."""
    return {"daily": _("daily"), "weekly": _("weekly"), "monthly": _("monthly"), "once": _("once")}.get(cycle, cycle)


def day_start(ts: float, reset_hour: int = 0) -> int:
    """Unix time the guild-day holding ``ts`` began."""
    shift = reset_hour * HOUR
    return int((ts - shift) // DAY * DAY + shift)


def week_start(ts: float, reset_hour: int = 0, weekday: int = 0) -> int:
    start = day_start(ts, reset_hour)
    # the weekday of the guild-day (its calendar date is the date at its start); 1970-01-01 was a Thursday
    today = (start // DAY + 3) % 7
    return start - ((today - weekday) % 7) * DAY


def month_start(ts: float, reset_hour: int = 0) -> int:
    return _month_of(day_start(ts, reset_hour))


@functools.lru_cache(maxsize=512)
def _month_of(day: int) -> int:
    """The 1st of the month of a guild-day, at the same hour (cached: each flush plans every
    active guild's quests, and a day has one answer)."""
    return int(datetime.fromtimestamp(day, timezone.utc).replace(day=1).timestamp())


def period_start(cycle: str, ts: float, reset_hour: int = 0, weekday: int = 0,
                 created_at: Optional[int] = None) -> int:
    """Start of the current period of a quest cycle (a one-off quest's period is its whole life)."""
    if cycle == "daily":
        return day_start(ts, reset_hour)
    if cycle == "weekly":
        return week_start(ts, reset_hour, weekday)
    if cycle == "monthly":
        return month_start(ts, reset_hour)
    if cycle == "once":
        if created_at is None:
            raise ValueError("a one-off period needs its creation time")
        return int(created_at)
    raise ValueError(f"unknown cycle {cycle!r}")


def period_end(cycle: str, start: int, reset_hour: int = 0) -> Optional[int]:
    """When the period starting at ``start`` ends (None: a one-off quest never refreshes)."""
    if cycle == "daily":
        return start + DAY
    if cycle == "weekly":
        return start + 7 * DAY
    if cycle == "monthly":
        first = datetime.fromtimestamp(start, timezone.utc)
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return int(following.timestamp())
    return None


class Streak(NamedTuple):
    streak: int
    best: int
    outcome: str  # "first", "kept" (grew by one), "reset" (a day was missed), "claimed" (already today)


def next_streak(last_day: Optional[int], streak: int, best: int, today: int) -> Streak:
    """The streak after a claim on guild-day ``today`` (day starts as unix times)."""
    if last_day is None:
        return Streak(1, max(best, 1), "first")
    if last_day == today:
        return Streak(streak, best, "claimed")
    if last_day == today - DAY:
        grown = streak + 1
        return Streak(grown, max(best, grown), "kept")
    return Streak(1, max(best, 1), "reset")


def daily_amount(base: int, bonus_per_day: int, cap_days: int, streak: int) -> int:
    """Daily XP: the base plus a bonus for each consecutive day after the first, up to a cap."""
    return base + bonus_per_day * min(max(streak - 1, 0), cap_days)


def goal_target(previous_days: Iterable[int], floor: int, percent: int) -> int:
    """The day's message goal: ``percent`` of the recent daily average, never below ``floor``.

    Days with no messages count (a quiet week lowers the goal); no history gives the floor.
    """
    days = list(previous_days)
    if not days:
        return floor
    average = sum(days) / len(days)
    return max(floor, math.ceil(average * percent / 100))


def progress_bar(done: int, total: int, width: int = 12) -> str:
    filled = 0 if total <= 0 else min(width, int(width * done / total))
    return "█" * filled + "░" * (width - filled)
