"""NadekoBot's level curve, so members who migrate keep the level their XP gave them.

Going from level ``L`` to ``L + 1`` costs ``36 + 9 * L`` XP, so reaching level ``L``
takes ``(9 * L**2 + 63 * L) / 2`` XP in total (36, 81, 135, 198, ...).  A level is
always derived from XP; it is never stored as the source of truth.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

#: Highest level an admin may set or reward; about 450 million XP.
MAX_LEVEL = 10_000

BASE_COST = 36
COST_PER_LEVEL = 9


def xp_to_next(level: int) -> int:
    """XP it costs to go from ``level`` to ``level + 1``."""
    return BASE_COST + COST_PER_LEVEL * level


def total_xp_for_level(level: int) -> int:
    """Total XP needed to reach ``level`` from zero."""
    if level <= 0:
        return 0
    return (9 * level * level + 63 * level) // 2


def level_from_xp(xp: int) -> int:
    """The level ``xp`` total XP gives, in constant time.

    Solves ``9L² + 63L <= 2·xp`` with an exact integer square root, then nudges by
    at most one step to absorb rounding, so it agrees with a plain loop for any XP.
    """
    if xp <= 0:
        return 0
    level = (isqrt(3969 + 72 * xp) - 63) // 18
    while total_xp_for_level(level + 1) <= xp:
        level += 1
    while level > 0 and total_xp_for_level(level) > xp:
        level -= 1
    return level


@dataclass(frozen=True, slots=True)
class LevelProgress:
    """Where a total XP amount stands on the curve."""

    total_xp: int
    level: int
    into_level: int
    needed: int

    @property
    def fraction(self) -> float:
        return self.into_level / self.needed if self.needed else 0.0


def progress(xp: int) -> LevelProgress:
    xp = max(0, xp)
    level = level_from_xp(xp)
    return LevelProgress(
        total_xp=xp,
        level=level,
        into_level=xp - total_xp_for_level(level),
        needed=xp_to_next(level),
    )
