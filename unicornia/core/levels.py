"""Level curves: NadekoBot's (the default, so members who migrate keep the level their XP gave
them) in closed form below, and a server's own choice (:class:`Curve`) at the end.

Going from level ``L`` to ``L + 1`` costs ``36 + 9 * L`` XP, so reaching level ``L``
takes ``(9 * L**2 + 63 * L) / 2`` XP in total (36, 81, 135, 198, ...).  A level is
always derived from XP; it is never stored as the source of truth.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import isqrt
from typing import Optional, Sequence

from redbot.core.utils.chat_formatting import humanize_number

from ..i18n import _, decimal

#: Highest level an admin may set or reward; about 450 million XP.
MAX_LEVEL = 10_000

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


# --- a server's own curve ------------------------------------------------------------------------
#: The curves an admin may choose (``[p]unicornia guild curve``).
CURVE_KINDS = ("nadeko", "mee6", "linear", "custom")
#: A linear curve's cost per level, and a custom curve's coefficients, must fall in these.
LINEAR_COST = (1, 10_000_000)
COEFFICIENT_MAX = 1_000_000
#: The levels ``[p]unicornia guild curve`` shows the total XP of.
SHOWN_LEVELS = (1, 5, 10, 50, 100)


class CurveError(ValueError):
    """An admin's curve that cannot be used; the message says why, for them to read."""


class Curve:
    """How much total XP each level takes, for one server.

    NadekoBot's curve (the default) answers in closed form, as the functions above do.  Every
    other curve precomputes the total XP of levels 0..:data:`MAX_LEVEL` once (about 10,000
    integers, shared by every server using the same curve) and finds a level by bisection, so
    no reader ever loops over levels.  Every curve takes at least 1 XP a level, so a level is
    always a whole, increasing function of XP.
    """

    __slots__ = ("kind", "numbers", "_totals")

    def __init__(self, kind: str, numbers: tuple = (), totals: Optional[list[int]] = None) -> None:
        self.kind = kind
        self.numbers = numbers
        self._totals = totals  # None: NadekoBot's closed form

    # --- building ---------------------------------------------------------------------------
    @staticmethod
    def of(kind: str = "nadeko", numbers: Sequence[float] = ()) -> "Curve":
        """The curve an admin described; raises :class:`CurveError` with a readable reason."""
        kind = (kind or "nadeko").lower()
        numbers = tuple(numbers)
        if kind not in CURVE_KINDS:
            raise CurveError(_("Unknown curve {kind}: choose one of {kinds}.").format(
                kind=kind, kinds=", ".join(CURVE_KINDS)))
        if kind in ("nadeko", "mee6"):
            if numbers:
                raise CurveError(_("The {kind} curve takes no numbers.").format(kind=kind))
            return NADEKO if kind == "nadeko" else _cached("mee6", ())
        if kind == "linear":
            if len(numbers) != 1 or not float(numbers[0]).is_integer():
                raise CurveError(_("A linear curve takes one whole number: the XP every level costs."))
            cost = int(numbers[0])
            low, high = LINEAR_COST
            if not low <= cost <= high:
                raise CurveError(_("A linear curve's cost per level must be between {low} and {high}.").format(
                    low=humanize_number(low), high=humanize_number(high)))
            return _cached("linear", (cost,))
        if not 1 <= len(numbers) <= 3:
            raise CurveError(_("A custom curve takes one to three numbers: a, b and c in "
                               "total XP = a·L³ + b·L² + c·L."))
        a, b, c = (tuple(float(n) for n in numbers) + (0.0, 0.0))[:3]
        if any(n != n or n < 0 or n > COEFFICIENT_MAX for n in (a, b, c)):
            raise CurveError(_("A custom curve's numbers must be between 0 and {high}.").format(
                high=humanize_number(COEFFICIENT_MAX)))
        key = tuple(_plain(n) for n in (a, b, c))
        curve = _cached("custom", key)
        return curve

    # --- reading ----------------------------------------------------------------------------
    def total(self, level: int) -> int:
        """Total XP needed to reach ``level`` from zero (levels past MAX_LEVEL continue the last step)."""
        if level <= 0:
            return 0
        if self._totals is None:
            return total_xp_for_level(level)
        if level <= MAX_LEVEL:
            return self._totals[level]
        last = self._totals[MAX_LEVEL]
        return last + (level - MAX_LEVEL) * (last - self._totals[MAX_LEVEL - 1])

    def to_next(self, level: int) -> int:
        """XP it costs to go from ``level`` to ``level + 1``."""
        return self.total(level + 1) - self.total(max(level, 0))

    def level(self, xp: int) -> int:
        """The level ``xp`` total XP gives."""
        if self._totals is None:
            return level_from_xp(xp)
        if xp <= 0:
            return 0
        totals = self._totals
        if xp < totals[MAX_LEVEL]:
            return bisect_right(totals, xp) - 1
        step = totals[MAX_LEVEL] - totals[MAX_LEVEL - 1]
        return MAX_LEVEL + (xp - totals[MAX_LEVEL]) // step

    def progress(self, xp: int) -> "LevelProgress":
        xp = max(0, xp)
        level = self.level(xp)
        base = self.total(level)
        return LevelProgress(total_xp=xp, level=level, into_level=xp - base, needed=self.total(level + 1) - base)

    # --- telling ----------------------------------------------------------------------------
    def to_config(self) -> dict:
        return {"kind": self.kind, "numbers": list(self.numbers)}

    @staticmethod
    def from_config(raw) -> "Curve":
        """The curve Config holds; a damaged entry falls back to NadekoBot's (and never raises)."""
        if not raw:
            return NADEKO
        try:
            return Curve.of(str(raw.get("kind", "nadeko")), tuple(raw.get("numbers", ())))
        except (CurveError, TypeError, ValueError, AttributeError):
            return NADEKO

    def formula(self) -> str:
        """The curve as people read it (no translation needed: names and arithmetic)."""
        if self.kind == "nadeko":
            return "NadekoBot: L → L+1 costs 36 + 9·L"
        if self.kind == "mee6":
            return "MEE6: L → L+1 costs 5·L² + 50·L + 100"
        if self.kind == "linear":
            return f"linear: every level costs {humanize_number(self.numbers[0])}"
        a, b, c = self.numbers
        terms = [f"{decimal(n)}·{power}" for n, power in ((a, "L³"), (b, "L²"), (c, "L")) if n]
        return "custom: total = " + " + ".join(terms)

    def __eq__(self, other) -> bool:
        return isinstance(other, Curve) and (self.kind, self.numbers) == (other.kind, other.numbers)

    def __hash__(self) -> int:
        return hash((self.kind, self.numbers))

    def __repr__(self) -> str:
        return f"Curve({self.kind!r}, {self.numbers!r})"


def _plain(n: float):
    """A coefficient as the admin wrote it: 2 rather than 2.0."""
    return int(n) if float(n).is_integer() else n


def _totals(kind: str, numbers: tuple) -> list[int]:
    """Total XP of levels 0..MAX_LEVEL for a curve other than NadekoBot's."""
    if kind == "mee6":
        totals, total = [0], 0
        for level in range(MAX_LEVEL):
            total += 5 * level * level + 50 * level + 100
            totals.append(total)
        return totals
    if kind == "linear":
        return [numbers[0] * level for level in range(MAX_LEVEL + 1)]
    a, b, c = (Fraction(str(n)) for n in numbers)  # exact: no float drift between neighbours
    totals = [int(a * level ** 3 + b * level ** 2 + c * level) for level in range(MAX_LEVEL + 1)]
    for level in range(1, MAX_LEVEL + 1):
        if totals[level] <= totals[level - 1]:
            raise CurveError(_("This curve gives no XP cost between level {low} and {high}; every level "
                               "must cost at least 1 XP (raise c).").format(low=level - 1, high=level))
    return totals


@lru_cache(maxsize=64)
def _cached(kind: str, numbers: tuple) -> Curve:
    """One shared table per distinct curve (servers choosing the same curve share it)."""
    return Curve(kind, numbers, _totals(kind, numbers))


#: NadekoBot's curve, every server's default.
NADEKO = Curve("nadeko")
