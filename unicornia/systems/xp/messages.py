"""The per-message rules, and the other events that earn XP (thanks, reactions, commands).

A message, in order: bots, DMs and webhooks earn nothing -> the guild's toggle, excluded roles
and channels, Red's allow/block lists, ignores and disabled cog (asked once per member and
channel: the member's gain remembers where they were admitted) -> counters -> cooldown, repeated
text and length -> amount (rate, multipliers, per-minute cap) -> :meth:`~.buffer.MemberCache.credit`
into the member's buffered gain and cached total -> a level-up, if one was crossed.

Each rule lives once, here or in ``core/rules.py``; every path that applies it calls it.
"""
from __future__ import annotations

import logging
from random import choice
from typing import Awaitable, Callable, Optional

import discord

from ...core import rules
from ...core.rules import Activity
from ...core.settings import GuildSettings
from ..gate import OPEN
from .state import COMMAND, MESSAGE, REACTION, THANKS, Award, Gain, Key

log = logging.getLogger("red.unicornia.xp")

LevelUpHook = Callable[..., Awaitable[object]]  # (member, old level, new level, channel, *, xp)

#: At most this many channels' exclusion verdicts are memoised per guild settings.
CHANNEL_MEMO_SIZE = 10_000


def channel_lineage(channel: discord.abc.GuildChannel | discord.Thread) -> tuple[int, ...]:
    """The channel, its parent (for a thread) and its category: what exclusions inherit from."""
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        category = parent.category_id if parent is not None else None
        ids = (channel.id, channel.parent_id, category)
    else:
        ids = (channel.id, getattr(channel, "category_id", None))
    return tuple(i for i in ids if i)


def reads_roles(settings: GuildSettings) -> bool:
    """Whether any of the guild's rules looks at a member's roles (exclusions, multipliers)."""
    return bool(settings.excluded_roles or settings.role_multipliers)


def rule_roles(member, settings: GuildSettings) -> tuple[int, ...]:
    """The member's roles among those the guild's rules name (excluded roles, role multipliers):
    all that the rules read. ``Member.get_role`` checks one role; ``Member.roles`` would build
    and sort every role the member has. Nothing for a User who is no longer a member."""
    get_role = getattr(member, "get_role", None)
    if get_role is None:
        return ()
    named = [role for role in settings.excluded_roles if get_role(role) is not None]
    if settings.role_multipliers:
        named += [role for role in settings.role_multipliers if get_role(role) is not None]
    return tuple(named)


def channel_excluded(settings: GuildSettings, channel) -> bool:
    """Whether a channel (or its parent, or its category) is excluded; memoised per settings."""
    memo = settings.channel_memo
    excluded = memo.get(channel.id)
    if excluded is None:
        excluded = rules.is_excluded(channel_lineage(channel), (), settings.excluded_channels, frozenset())
        if len(memo) < CHANNEL_MEMO_SIZE:
            memo[channel.id] = excluded
    return excluded


def excluded_here(settings: GuildSettings, roles: tuple[int, ...], channel) -> bool:
    """The guild's own admission rules: XP off, an excluded role, an excluded channel."""
    if not settings.enabled:
        return True
    if settings.excluded_roles and not settings.excluded_roles.isdisjoint(roles):
        return True
    if channel is None or not settings.excluded_channels:
        return False
    excluded = settings.channel_memo.get(channel.id)
    return channel_excluded(settings, channel) if excluded is None else excluded


class MessageRules:
    """Mixed into :class:`~.engine.XpSystem`: everything that turns an event into XP."""

    # what it reads and writes, built by XpSystem.__init__
    buffer: dict[Key, Gain]
    activity: dict[Key, Activity]
    thanks_paid: dict[tuple[int, int, int], float]
    boosts: dict[Key, tuple[float, float]]
    on_level_up: LevelUpHook
    clock: Callable[[], float]

    # --- messages ----------------------------------------------------------------------------
    async def handle_message(self, message: discord.Message) -> Optional[Award]:
        """Apply the XP rules to one message and finish any follow-up; the Award, if a level was crossed."""
        pending = self.observe_message(message)
        return await pending if pending is not None else None

    async def _observe_after_settings(self, message: discord.Message) -> Optional[Award]:
        """A guild's first message since load: read its settings (off the hot path), then observe."""
        settings = await self.settings.get(message.guild.id)
        pending = self.observe_message(message, settings)
        return await pending if pending is not None else None

    async def _observe_if_admitted(self, message: discord.Message, settings: GuildSettings,
                                   roles: tuple[int, ...]) -> Optional[Award]:
        """A member or channel Red's rules have no cached verdict on (or an ignored channel): ask,
        and once admitted, the member's gain remembers the channel so the message goes through."""
        if not await self.gate.admits(message):
            return None
        if self._loaded_settings.get(message.guild.id) is not settings:
            settings = None  # an admin changed them while Red answered: check against the new ones
        else:
            gain = self.gain_for((message.guild.id, message.author.id))
            gain.admitted_in = gain.wrote_in = message.channel
            gain.role_ids = roles
        pending = self.observe_message(message, settings)
        return await pending if pending is not None else None

    def observe_message(self, message: discord.Message, settings: Optional[GuildSettings] = None
                        ) -> Optional[Awaitable[Optional[Award]]]:
        """Apply the XP rules to one message, synchronously.

        This runs for every guild message, so it stays flat: dictionary look-ups and integer
        comparisons, no database, no coroutine, no level arithmetic unless a level is crossed.
        It returns None when nothing is left to do (nearly always), or an awaitable that
        finishes the rest: reading a guild's settings the first time, asking Red's rules,
        paying thanks, or announcing a level-up (it resolves to the Award).

        Counters count every message seen; XP needs the cooldown passed, enough text and not
        the same text as the member's previous message.
        """
        guild = message.guild
        if guild is None or message.webhook_id is not None:
            return None
        author = message.author
        if author.bot:
            return None
        if settings is None:
            settings = self._loaded_settings.get(guild.id)
            if settings is None:
                return self._observe_after_settings(message)
        channel = message.channel
        key = (guild.id, author.id)
        gain = self.buffer.get(key)
        # Who may earn where: the gain remembers the channel where the member last passed every
        # admission rule (the guild's exclusions, then Red's rules), and the role ids the rules
        # read; any change to those rules or roles forgets the channel, and a change of roles or
        # settings the role ids (engine.rules_changed, settings_changed), so a member who keeps
        # talking in one channel pays one check
        if gain is None or gain.admitted_in is not channel:
            roles = gain.role_ids if gain is not None else None
            if roles is None:  # read once, kept on the gain
                roles = rule_roles(author, settings)
            if excluded_here(settings, roles, channel):
                return None
            if self._gate_channels.get(channel.id) != OPEN or self._gate_members.get(key) is not True:
                return self._observe_if_admitted(message, settings, roles)
            if gain is None:
                gain = self.buffer[key] = Gain()
            gain.admitted_in = gain.wrote_in = channel
            gain.role_ids = roles
        now = self.clock()
        activity = gain.activity
        if activity is None:
            activity = gain.activity = self.activity_of(key, now)
        gain.messages += 1
        entry = gain.entry
        if entry is None or entry.used is None:  # not looked up yet, or left the cache since
            entry = gain.entry = self._cache_data.get(key)
        if entry is not None:
            entry.used = True  # instead of moving it in the LRU: see state.used_since
            entry.messages += 1
            if entry.messages >= entry.message_mark:
                self._reached(key, entry, author, channel)
        content = message.content
        links = rules.count_links(content) if "http" in content else 0
        if links:
            gain.links += links
            if entry is not None:
                self._count(key, entry, "links", links, author, channel)
        fingerprint = hash(content)
        repeated = fingerprint == activity.last_text
        activity.last_text = fingerprint
        award = None
        # eligible: cooldown passed, not the previous text again, and NadekoBot's length rule
        # (a space, or at least min_message_length characters; 0 accepts anything)
        if now - activity.earned_at >= settings.cooldown and not repeated and (
                len(content) >= settings.min_message_length or " " in content.strip()):
            activity.earned_at = now
            earned = choice(settings.message_xp_choices) if settings.message_xp_choices else settings.message_xp
            link_bonus = rules.scaled_amount(settings.link_xp, settings.xp_rate) if links else 0
            if settings.has_multipliers or author.premium_since or (self.boosts and key in self.boosts):
                factor = self._multiplier(settings, key, gain.role_ids, author, channel)
                earned, link_bonus = round(earned * factor), round(link_bonus * factor)
            total = activity.capped(now, earned + link_bonus, settings.xp_per_minute_cap)
            if link_bonus:  # a capped message keeps its own XP first, then the link bonus
                earned = min(earned, total)
                link_bonus = total - earned
            else:
                earned = total
            if total:
                award = self.credit(key, gain, entry, author, channel, earned, MESSAGE, link_bonus)
        thanks = settings.thanks_xp and (message.mentions or message.reference) \
            and settings.thanks_pattern is not None and settings.thanks_pattern.search(content)
        if award is None and not thanks:
            return None
        return self._follow_message(settings, message, award, bool(thanks), now)

    async def _follow_message(self, settings: GuildSettings, message: discord.Message, award: Optional[Award],
                              thanks: bool, now: float) -> Optional[Award]:
        if thanks:
            await self._thanks(settings, message, now)
        if award is not None:
            await self.level_up(message.author, award, message.channel)
        return award

    def _multiplier(self, settings: GuildSettings, key: Key, roles: tuple[int, ...], member, channel) -> float:
        """The guild's role, channel and booster multipliers, times a running quest boost."""
        factor = rules.multiplier(
            roles, channel_lineage(channel) if channel is not None else (),
            settings.role_multipliers, settings.channel_multipliers,
            getattr(member, "premium_since", None) is not None, settings.booster_multiplier,
        )
        boost = self.boosts.get(key)
        if boost is not None:
            multiplier, expires_at = boost
            if expires_at > self.store.now():
                factor *= multiplier
            else:
                del self.boosts[key]
        return factor

    # --- other events ------------------------------------------------------------------------
    def earn(self, settings: GuildSettings, member, channel, base: int, now: float,
             roles: Optional[tuple[int, ...]] = None) -> int:
        """XP for one non-message event (voice, thanks, reaction, command): rate, multipliers, cap."""
        return self.adjust(settings, (member.guild.id, member.id), member, channel,
                           rules.scaled_amount(base, settings.xp_rate), now, roles)

    def adjust(self, settings: GuildSettings, key: Key, member, channel, amount: int, now: float,
               roles: Optional[tuple[int, ...]] = None) -> int:
        """An event's XP after the guild's rate: times the multipliers, within the per-minute cap."""
        if amount and (settings.has_multipliers or member.premium_since or self.boosts):
            roles = rule_roles(member, settings) if roles is None else roles
            factor = self._multiplier(settings, key, roles, member, channel)
            amount = round(amount * factor)
        if amount and settings.xp_per_minute_cap:
            amount = self.activity_of(key, now).capped(now, amount, settings.xp_per_minute_cap)
        return amount

    def activity_of(self, key: Key, now: float) -> Activity:
        activity = self.activity.get(key)
        if activity is None:
            activity = self.activity[key] = Activity(now)
        return activity

    def record(self, key: Key, member, channel, xp: int, source: int, counter: str, count: int
               ) -> Optional[Award]:
        """Count one non-message event and credit its XP (voice, thanks, reactions, commands)."""
        gain = self.gain_for(key)
        setattr(gain, counter, getattr(gain, counter) + count)
        entry = self._cache_data.get(key)
        if entry is not None:
            entry.used = True
            self._count(key, entry, counter, count, member, channel)
        return self.credit(key, gain, entry, member, channel, xp, source) if xp else None

    async def _thanks(self, settings: GuildSettings, message: discord.Message, now: float) -> None:
        """Pay the thanks XP to each member a thanking message mentions or replies to."""
        guild, author = message.guild, message.author
        replied = None
        reference = message.reference
        if reference is not None and isinstance(reference.resolved, discord.Message):
            replied = (reference.resolved.author.id, reference.resolved.author.bot)
        targets = rules.thanked_members(author.id, [(m.id, m.bot) for m in message.mentions], replied)
        for user_id in targets:
            member = guild.get_member(user_id)
            if member is None:
                continue
            roles = rule_roles(member, settings)
            if excluded_here(settings, roles, None):  # the message's channel already passed
                continue
            if not await self.gate.admits_member(member, message.channel):
                continue
            pair = (guild.id, author.id, user_id)
            last = self.thanks_paid.get(pair)
            if last is not None and now - last < settings.thanks_cooldown:
                continue
            self.thanks_paid[pair] = now
            amount = self.earn(settings, member, message.channel, settings.thanks_xp, now, roles)
            award = self.record((guild.id, user_id), member, message.channel, amount, THANKS, "thanks", 1)
            if award is not None:
                await self.level_up(member, award, message.channel)

    async def handle_reaction(self, member: discord.Member, channel) -> Optional[Award]:
        """A member added a reaction: counted, and paid the guild's reaction XP (default none)."""
        return await self._handle_event(member, channel, "reaction_xp", REACTION, "reactions")

    async def handle_command(self, member: discord.Member, channel) -> Optional[Award]:
        """A member's command completed: counted, and paid the guild's command XP (default none)."""
        return await self._handle_event(member, channel, "command_xp", COMMAND, "commands")

    async def _handle_event(self, member, channel, setting: str, source: int, counter: str) -> Optional[Award]:
        if member.bot:
            return None
        settings = self._loaded_settings.get(member.guild.id) or await self.settings.get(member.guild.id)
        roles = rule_roles(member, settings)
        if excluded_here(settings, roles, channel):
            return None
        if not await self.gate.admits_member(member, channel):
            return None
        amount = self.earn(settings, member, channel, getattr(settings, setting), self.clock(), roles)
        award = self.record((member.guild.id, member.id), member, channel, amount, source, counter, 1)
        if award is not None:
            await self.level_up(member, award, channel)
        return award

    async def level_up(self, member, award: Award, channel) -> None:
        """Hand a crossed level to the level-up hook (roles, currency, the announcement)."""
        curve = self.curve_of(member.guild.id)
        old_level, new_level = curve.level(award.old_xp), curve.level(award.new_xp)
        if new_level <= old_level:  # e.g. the guild's curve changed between the gain and now
            return
        try:
            await self.on_level_up(member, old_level, new_level, channel, xp=award.new_xp)
        except Exception:
            log.exception(
                "Level-up handling failed for member %s in guild %s (level %d -> %d)",
                member.id, member.guild.id, old_level, new_level,
            )

