"""The rules that decide whether activity earns XP, as pure functions of ids and numbers."""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional, TypeVar

LINK_PATTERN = re.compile(r"https?://\S+", re.IGNORECASE)
T = TypeVar("T")


def is_excluded(
    channel_lineage: Iterable[int],
    role_ids: Iterable[int],
    excluded_channels: frozenset[int],
    excluded_roles: frozenset[int],
) -> bool:
    """True when the channel, one of its ancestors (thread parent, category) or a role is excluded.

    ``channel_lineage`` lists the channel itself first, then its parent channel (for a
    thread) and its category: exclusions are inherited downwards.
    """
    if excluded_channels and any(cid in excluded_channels for cid in channel_lineage):
        return True
    if excluded_roles and any(rid in excluded_roles for rid in role_ids):
        return True
    return False


def scaled_amount(base: int, rate: float) -> int:
    """XP per event after the guild's rate; a fraction rounds half up, never below zero."""
    return max(0, int(base * rate + 0.5))


def voice_earners(seated: Iterable[tuple[T, bool, bool]]) -> list[T]:
    """Who in one voice channel earns this tick, from ``(who, is a bot, is deafened)`` for each
    member in it.

    Bots never earn; deafened members (self or server) earn nothing; and at least two
    listening humans must be present, so nobody farms alone or with only bots.
    """
    listening = [who for who, bot, deafened in seated if not bot and not deafened]
    return listening if len(listening) >= 2 else []


def count_links(content: str) -> int:
    """How many http(s) links a message carries (cheap refusal first: most messages have none)."""
    if "http" not in content:
        return 0
    return len(LINK_PATTERN.findall(content))


def thanks_pattern(words: Iterable[str]) -> Optional[re.Pattern]:
    """One case-insensitive pattern matching any thanks word or phrase as whole words."""
    words = [w.strip() for w in words if w and w.strip()]
    if not words:
        return None
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def thanked_members(author_id: int, mentioned: Iterable[tuple[int, bool]], replied_to: Optional[tuple[int, bool]]
                    ) -> list[int]:
    """Who a thanking message thanks: mentioned or replied-to members, never the author or a bot.

    ``mentioned`` and ``replied_to`` are (user id, is bot) pairs.
    """
    out: list[int] = []
    for user_id, bot in list(mentioned) + ([replied_to] if replied_to else []):
        if user_id != author_id and not bot and user_id not in out:
            out.append(user_id)
    return out


def multiplier(role_ids: Iterable[int], channel_lineage: Iterable[int], role_multipliers: Mapping[int, float],
               channel_multipliers: Mapping[int, float], booster: bool, booster_multiplier: float) -> float:
    """The product of the member's highest role multiplier, the nearest channel multiplier
    (the channel, else its parent, else its category) and the booster multiplier.  0 = no XP."""
    result = 1.0
    if role_multipliers:
        found = [role_multipliers[r] for r in role_ids if r in role_multipliers]
        if found:
            result = max(found)
    if channel_multipliers:
        for channel_id in channel_lineage:
            if channel_id in channel_multipliers:
                result *= channel_multipliers[channel_id]
                break
    if booster:
        result *= booster_multiplier
    return result


#: When a member who has never earned last earned: any cooldown has passed.
NEVER = -1e18


class Activity:
    """A member's recent activity, what the per-message rules read and update.

    ``earned_at``: their last XP-earning message (the cooldown runs from it); ``minute_start``
    and ``minute_xp``: the current minute and the XP granted in it (the per-minute cap);
    ``last_text``: a hash of their last message (the same text twice earns once)."""

    __slots__ = ("earned_at", "minute_start", "minute_xp", "last_text")

    def __init__(self, now: float) -> None:
        self.earned_at = NEVER
        self.minute_start = now
        self.minute_xp = 0
        self.last_text = 0

    def capped(self, now: float, amount: int, cap: int) -> int:
        """The XP-per-minute rule, for every source: how much of ``amount`` still fits in the
        member's current minute (all of it when ``cap`` is 0), counted as granted."""
        if cap <= 0:
            return amount
        if now - self.minute_start >= 60:
            self.minute_start = now
            self.minute_xp = 0
        room = cap - self.minute_xp
        if amount > room:
            amount = room if room > 0 else 0
        self.minute_xp += amount
        return amount
