"""The rules that decide whether activity earns XP, as pure functions of ids and numbers."""
from __future__ import annotations

from typing import Iterable, Optional


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


def on_cooldown(last_award: Optional[float], now: float, cooldown: float) -> bool:
    """True while ``cooldown`` seconds have not passed since the last award."""
    return last_award is not None and now - last_award < cooldown


def scaled_amount(base: int, rate: float) -> int:
    """XP per event after the guild's rate; a fraction rounds half up, never below zero."""
    return max(0, int(base * rate + 0.5))


def eligible_voice_members(members: Iterable["VoiceMember"]) -> list["VoiceMember"]:
    """Who in one voice channel earns this tick.

    Bots never earn; deafened members (self or server) earn nothing; and at least two
    listening humans must be present, so nobody farms alone or with only bots.
    """
    listening = [m for m in members if not m.bot and not m.deafened]
    return listening if len(listening) >= 2 else []


class VoiceMember:
    """The facts about a member in voice that the voice rule reads."""

    __slots__ = ("member_id", "bot", "deafened", "role_ids")

    def __init__(self, member_id: int, bot: bool, deafened: bool, role_ids: tuple[int, ...] = ()) -> None:
        self.member_id = member_id
        self.bot = bot
        self.deafened = deafened
        self.role_ids = role_ids
