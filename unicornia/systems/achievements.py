"""Achievements: the XP engine asks for each member's next marks and calls back when one is
reached; this service unlocks what is due (once, atomically, with its reward) and announces it,
in the server's language (an unlock usually comes from a message, with no command behind it)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Optional

import discord
from redbot.core.utils.chat_formatting import humanize_number

from ..core.achievements import NEVER as INF, Achievement, Book, Counters, build_book, parse_definitions
from ..db.store import XpStore
from ..i18n import _, guild_locale
from .settings import SettingsCache
from .xp import NO_MARKS

if TYPE_CHECKING:
    from .xp import XpSystem

log = logging.getLogger("red.unicornia.achievements")

#: The XP engine's counter names for each counted condition (voice is kept in seconds).
COUNTER_FOR = {
    "messages": "messages", "links": "links", "thanks_received": "thanks",
    "reactions": "reactions", "commands": "commands", "voice_minutes": "voice_seconds",
}
Announce = Callable[[discord.Member, str, Optional[discord.abc.Messageable], str], Awaitable[None]]


def counters_from(values: dict[str, int], streak: int = 0) -> Counters:
    """Counters from the XP engine's cached values (see XpSystem.counters)."""
    return Counters(
        messages=values.get("messages", 0), links=values.get("links", 0), thanks_received=values.get("thanks", 0),
        reactions=values.get("reactions", 0), commands=values.get("commands", 0),
        voice_minutes=values.get("voice_seconds", 0) // 60, total_xp=values.get("xp", 0), streak=streak,
    )


class AchievementService:
    """The XP engine's :class:`~.xp.MilestoneSource`: the engine asks it for marks and calls it
    when one is reached, and it reads the engine's counters and grants through the engine, so
    it is given the engine as a callable (the engine is built after it, with it)."""

    def __init__(self, store: XpStore, settings: SettingsCache, defaults_file: Path, *,
                 engine: Callable[[], "XpSystem"], announce: Optional[Announce] = None) -> None:
        self.store = store
        self.settings = settings
        self.defaults: dict[str, Achievement] = parse_definitions(defaults_file.read_text(encoding="utf-8"))
        self._books: dict[int, tuple[object, Book]] = {}
        self._engine = engine
        self.announce = announce

    @property
    def xp(self) -> "XpSystem":
        """The XP engine whose cache holds the counters."""
        return self._engine()

    # --- the XP engine's MilestoneSource ---------------------------------------------------------
    def book(self, guild_id: int) -> Book:
        settings = self.settings.cached(guild_id)
        if settings is None or not settings.achievements_enabled:
            return Book(())
        memo = self._books.get(guild_id)
        if memo is None or memo[0] is not settings:  # rebuilt when the settings object changes
            book = build_book(self.defaults, settings.custom_achievements, settings.hidden_achievements,
                              settings.curve)
            memo = self._books[guild_id] = (settings, book)
        return memo[1]

    def tracks(self, guild_id: int) -> bool:
        return bool(self.book(guild_id).achievements)

    def marks(self, guild_id: int, unlocked) -> tuple[float, dict[str, float]]:
        book = self.book(guild_id)
        if not book.achievements:
            return INF, NO_MARKS
        marks = {}
        for condition, counter in COUNTER_FOR.items():
            mark = book.mark(condition, unlocked)
            if mark != INF:
                marks[counter] = mark * 60 if counter == "voice_seconds" else mark
        return book.xp_mark(unlocked), marks

    async def reached(self, key: tuple[int, int], member, channel) -> None:
        """Unlock everything due from the cached counters (the streak is checked at each claim)."""
        values = self.xp.counters(key)
        unlocked = self.xp.unlocked(key)
        if values is None or unlocked is None:
            return
        due = self.book(key[0]).due(counters_from(values), unlocked,
                                    conditions=[c for c in COUNTER_FOR] + ["level", "total_xp"])
        await self._unlock(key, due, member, channel)

    async def check_streak(self, member: discord.Member, streak: int, channel) -> list[Achievement]:
        key = (member.guild.id, member.id)
        await self.xp.current_xp(key)  # cached, with its unlocked set
        unlocked = self.xp.unlocked(key) or frozenset()
        due = self.book(key[0]).due(Counters(streak=streak), unlocked, conditions=["streak"])
        return await self._unlock(key, due, member, channel)

    async def _unlock(self, key, due: list[Achievement], member, channel) -> list[Achievement]:
        if not due:
            return []
        done = set(await self.store.unlock(key[0], key[1], [(a.key, a.reward_xp, a.title) for a in due]))
        self.xp.mark_unlocked(key, [a.key for a in due])  # already unlocked ones too: the database said so
        won = [a for a in due if a.key in done]
        reward = sum(a.reward_xp for a in won)
        if reward:
            await self.xp.grant(key, reward, member, channel)
        self._dispatch(member, [a.key for a in won])
        if won and member is not None and self.announce is not None:
            await self.announce(member, await self._unlocked_text(member, won), channel, "achievement")
        return won

    def _dispatch(self, member: Optional[discord.Member], keys) -> None:
        """Tell other cogs (``on_unicornia_achievement``); each listener runs in its own task."""
        bot = getattr(self.xp, "bot", None)
        if member is None or bot is None:
            return
        for key in keys:
            bot.dispatch("unicornia_achievement", member, key)

    async def _unlocked_text(self, member: discord.Member, won: list[Achievement]) -> str:
        """The unlock announcement, in the server's language."""
        bot = getattr(self.xp, "bot", None)
        if bot is not None:
            await guild_locale(bot, member.guild)
        names = []
        for a in won:
            if a.reward_xp:
                names.append(_("{emoji} **{title}** (+{xp} XP)").format(
                    emoji=a.emoji, title=a.shown_title, xp=humanize_number(a.reward_xp)))
            else:
                names.append(f"{a.emoji} **{a.shown_title}**")
        return _("\N{SPORTS MEDAL} {mention} unlocked {achievements}!").format(
            mention=member.mention, achievements=", ".join(names))

    async def catch_up(self, guild_id: int, level_up: Callable[..., Awaitable[object]]) -> tuple[int, int]:
        """Achievements are being turned on: unlock, without announcing each, what members already
        qualify for (rewards paid, levels they cross rewarded quietly by ``level_up``).

        Returns (members, achievements unlocked)."""
        await self.xp.flush()
        settings = await self.settings.get(guild_id)
        book = build_book(self.defaults, settings.custom_achievements, settings.hidden_achievements)

        def due(values: dict[str, int], streak: int, unlocked: frozenset) -> list[tuple[str, int, str]]:
            return [(a.key, a.reward_xp, a.title) for a in book.due(counters_from(values, streak), unlocked)]

        results = await self.store.unlock_qualified(guild_id, due)
        guild = self.xp.bot.get_guild(guild_id) if self.xp.bot is not None else None
        for user_id, old_xp, reward, keys in results:
            key = (guild_id, user_id)
            self.xp.mark_unlocked(key, keys)
            member = guild.get_member(user_id) if guild is not None else None
            self._dispatch(member, keys)  # unlocked quietly, but unlocked
            if not reward:
                continue
            self.xp.apply_grant(key, reward, None, None)  # a cached member's XP follows the database
            curve = self.xp.curve_of(key[0])
            old_level, new_level = curve.level(old_xp), curve.level(old_xp + reward)
            if member is not None and new_level > old_level:
                await level_up(member, old_level, new_level, None, announce=False)
        return len(results), sum(len(keys) for *_, keys in results)

    # --- what the commands show ------------------------------------------------------------------
    async def overview(self, member: discord.Member, streak: int) -> tuple[list[tuple[Achievement, int]],
                                                                        list[tuple[Achievement, float, int]]]:
        """(unlocked with their dates, locked with (fraction, current value)), in the book's order."""
        key = (member.guild.id, member.id)
        await self.settings.get(member.guild.id)
        values = await self.xp.entry_counters(key)
        counters = counters_from(values, streak)
        dates = dict(await self.store.unlocked_with_dates(*key))
        book = self.book(member.guild.id)
        unlocked, locked = [], []
        for a in sorted(book.achievements, key=lambda a: (list(COUNTER_FOR).index(a.condition)
                                                          if a.condition in COUNTER_FOR else 99, a.condition, a.value)):
            if a.key in dates:
                unlocked.append((a, dates[a.key]))
            else:
                have = counters.value(a.condition, book.curve)
                locked.append((a, min(1.0, have / a.value), have))
        return unlocked, locked

    async def closest(self, member: discord.Member, streak: int) -> Optional[tuple[Achievement, float, int]]:
        key = (member.guild.id, member.id)
        await self.settings.get(member.guild.id)
        counters = counters_from(await self.xp.entry_counters(key), streak)
        dates = dict(await self.store.unlocked_with_dates(*key))
        found = self.book(member.guild.id).closest(counters, set(dates))
        if found is None:
            return None
        achievement, fraction = found
        return achievement, fraction, counters.value(achievement.condition, self.book(member.guild.id).curve)
