"""The voice loop: every ``VOICE_INTERVAL`` seconds, each member listening with another human
in a voice or stage channel earns the guild's voice XP (``core.rules.voice_earners``).

A tick walks every voice channel of every guild, so it does per member only what can change
between ticks (who sits where, deafened or not, Red's verdict, the XP itself).  What does not
(a member's roles among those the guild's rules name) is kept from the last tick for members
still in voice, and forgotten when their roles or the guild's settings change.
"""
from __future__ import annotations

from typing import Optional

from ...core import rules
from ...core.settings import GuildSettings
from ..gate import OPEN
from .messages import channel_excluded, excluded_here, reads_roles, rule_roles
from .state import VOICE, Key

VOICE_INTERVAL = 60.0


class VoiceXp:
    """Mixed into :class:`~.engine.XpSystem`: the voice tick."""

    # what it reads and writes, built by XpSystem.__init__
    _seated: dict[Key, tuple[int, ...]]  # members in voice at the last tick, with their role ids

    async def voice_tick(self) -> int:
        """Pay one interval of voice XP in every guild; returns how many members earned."""
        paid = 0
        seated: dict[Key, tuple[int, ...]] = {}  # this tick's members in voice, and their role ids
        for guild in list(self.bot.guilds):
            settings = self.settings.cached(guild.id) or await self.settings.get(guild.id)
            plain = rules.scaled_amount(settings.voice_xp, settings.xp_rate)
            if not settings.enabled or settings.voice_xp <= 0 or plain <= 0:
                continue
            if await self.gate.guild_disabled(guild):
                continue
            paid += await self._pay_guild(guild, settings, plain, seated)
        self._seated = seated
        return paid

    async def _pay_guild(self, guild, settings: GuildSettings, plain: int, seated: dict) -> int:
        """Pay one guild's listeners ``plain`` XP each (before multipliers and the cap)."""
        paid = 0
        seconds = int(VOICE_INTERVAL)
        now = self.clock()
        guild_id = guild.id
        afk_id = guild.afk_channel.id if guild.afk_channel else None
        needs_roles = reads_roles(settings)
        simple = not (settings.has_multipliers or settings.xp_per_minute_cap or self.boosts)
        known_roles, gate_members, cache_data = self._seated, self._gate_members, self._cache_data
        for channel in (*guild.voice_channels, *guild.stage_channels):
            states = channel.voice_states
            if channel.id == afk_id or not states:
                continue
            if settings.excluded_channels and channel_excluded(settings, channel):
                continue
            open_channel = self._gate_channels.get(channel.id) == OPEN
            for member in rules.voice_earners(self._seats(guild, states)):
                key = (guild_id, member.id)
                roles: Optional[tuple[int, ...]] = None
                if needs_roles:  # kept from the last tick (see the module)
                    roles = known_roles.get(key)
                    if roles is None:
                        roles = rule_roles(member, settings)
                    seated[key] = roles
                    if excluded_here(settings, roles, None):  # the channel passed above
                        continue
                if not (open_channel and gate_members.get(key) is True) \
                        and not await self.gate.admits_member(member, channel):
                    continue
                gain = self.gain_for(key)
                gain.voice_seconds += seconds
                entry = cache_data.get(key)
                if entry is not None:  # voice achievements watch the cached voice time
                    entry.used = True
                    self._count(key, entry, "voice_seconds", seconds, member, channel)
                amount = plain if simple and member.premium_since is None else \
                    self.adjust(settings, key, member, channel, plain, now, roles)
                award = self.credit(key, gain, entry, member, channel, amount, VOICE) if amount else None
                paid += 1
                if award is not None:
                    await self.level_up(member, award, channel)
        return paid

    @staticmethod
    def _seats(guild, states: dict) -> list:
        """(member, is a bot, is deafened) for each member in one channel's voice states."""
        get_member = guild.get_member
        return [(member, member.bot, state.deaf or state.self_deaf) for user_id, state in states.items()
                if (member := get_member(user_id)) is not None]
