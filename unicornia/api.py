"""What other cogs may call: read a member's XP, level and rank, and give or take XP.

Another cog finds Unicornia with ``bot.get_cog("Unicornia")`` and awaits these methods; it hears
about level-ups, achievements and quests through events (``on_unicornia_level_up`` and the
others: see the README, "For other cogs"). Every grant goes through the same path as
``[p]unicornia guild addxp``: the engine writes it with an audit row, and the levels it crosses
are rewarded by the one level-up handler every other path uses.
"""
from __future__ import annotations

from typing import Optional

import discord

from .abc import MixinMeta
from .core.locks import KeyedLocks
from .core.settings import LIMITS
from .systems import standing as standing_service

#: The longest reason a grant may carry into the audit log.
MAX_REASON = 200
#: The audit log's kind for XP another cog gave or took.
API_KIND = "api"


class ApiMixin(MixinMeta):
    """Public methods for other cogs. Errors a caller can make raise ``TypeError`` (wrong type)
    or ``ValueError`` (a bot, someone no longer in the server, an amount out of range, a bad
    reason). A call that meets Unicornia unloading raises ``unicornia.db.store.StoreClosed``."""

    _api_locks: Optional[KeyedLocks] = None

    async def get_member_xp(self, member: discord.Member) -> int:
        """The member's total XP in their server, gains not yet written included (0 for a bot or
        a member who never earned any)."""
        _check_member(member)
        return await self.xp.current_xp((member.guild.id, member.id))

    async def get_member_level(self, member: discord.Member) -> int:
        """The level the member's XP gives (0 with no XP)."""
        xp = await self.get_member_xp(member)
        return (await self.settings.get(member.guild.id)).curve.level(xp)

    async def get_member_rank(self, member: discord.Member) -> Optional[int]:
        """The member's position among their server's members with XP (1 is the top), or None
        when they have none. Departed members who still have XP count, as on ``[p]level check``."""
        _check_member(member)
        return (await standing_service.standing(self.xp, self.store, member.guild.id, member.id)).rank

    async def add_member_xp(self, member: discord.Member, amount: int, *, reason: str) -> int:
        """Give ``amount`` XP (negative takes it, never below 0) and return the member's new total.

        Rewards for every level crossed upwards are paid (roles, currency) and
        ``unicornia_level_up`` is dispatched; nothing is announced in a channel. The change is
        recorded in the server's audit log (``[p]unicornia guild audit``) with ``reason``.

        Raises ``TypeError`` when ``member`` is not a ``discord.Member``, ``amount`` not an
        ``int`` or ``reason`` not a ``str``; ``ValueError`` for a bot, a member no longer in the
        server, an amount outside ±10,000,000, or a reason that is empty, longer than 200
        characters or more than one line. An amount of 0 changes nothing and returns the total."""
        _check_member(member)
        if member.bot:
            raise ValueError("bots don't have XP")
        if member.guild.get_member(member.id) is None:
            raise ValueError(f"{member.id} is not a member of guild {member.guild.id}")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"amount must be an int, not {type(amount).__name__}")
        limit = LIMITS["add_xp"]  # the same bounds as [p]unicornia guild addxp
        if limit.check(amount, "amount") is not None:
            raise ValueError(f"amount must be between {int(limit.low):,} and {int(limit.high):,}, not {amount:,}")
        if not isinstance(reason, str):
            raise TypeError(f"reason must be a str, not {type(reason).__name__}")
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON or len(reason.splitlines()) > 1:
            raise ValueError(f"reason must be one line of 1-{MAX_REASON} characters")
        if amount == 0:
            return await self.get_member_xp(member)
        if self._api_locks is None:
            self._api_locks = KeyedLocks()
        # one grant per member at a time, so each one's before and after (its levels) are its own
        async with self._api_locks((member.guild.id, member.id)):
            award = await self.xp.award(member, amount, kind=API_KIND, reason=reason)
            await self.rewards.xp_changed(member, award.old_xp, award.new_xp)
        return award.new_xp


def _check_member(member) -> None:
    if not isinstance(member, discord.Member):
        raise TypeError(f"expected a discord.Member (a member of a server), not {type(member).__name__}")
