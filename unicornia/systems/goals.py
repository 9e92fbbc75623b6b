"""Daily rewards with streaks, quests and the server's daily goal.

The flush does the counting (see db/goals.py): each flush records the guild's messages for
its day and, at a member's first flush in a period, their counters as the period's baseline;
then it pays the quests and goals that flush completed.  This service plans each flush (which
day, which periods, which quests), hands the results to the members and announces them, in each
server's language (the flush runs in a background loop, with no command to set it).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable, Optional

import discord
from redbot.core.utils.chat_formatting import humanize_number

from ..core import periods
from ..core.achievements import TranslatedLabels
from ..core.settings import GuildSettings
from ..core.templates import blank
from ..core.transfer import valid_id
from ..db.goals import DailyResult, FlushPlan, GoalReached, GuildPlan, QuestDone, QuestRow, SettleReport
from ..db.store import XpStore
from ..i18n import _, guild_locale
from .settings import SettingsCache

if TYPE_CHECKING:
    from .xp import XpSystem

log = logging.getLogger("red.unicornia.goals")

def requirement_labels() -> dict[str, str]:
    """What a quest counts, keyed by the word an admin types, as members read it (current language)."""
    return {
        "messages": _("messages"), "reactions": _("reactions"), "voice_minutes": _("minutes in voice"),
        "commands": _("commands"), "links": _("links"), "thanks": _("thanks received"),
    }


def requirement_label(requirement: str) -> str:
    """One requirement as members read it (``30 minutes in voice``), in the current language."""
    return requirement_labels().get(requirement, requirement)


#: The requirements an admin may type; ``REQUIREMENTS[key]`` reads the label in the current language.
REQUIREMENTS = TranslatedLabels(requirement_labels)
DIFFICULTIES = ("easy", "medium", "hard")


def difficulty_label(difficulty: str) -> str:
    """A quest's difficulty as members read it, in the current language (admins type the English word)."""
    return {"easy": _("easy"), "medium": _("medium"), "hard": _("hard")}.get(difficulty, difficulty)


MAX_QUESTS = 25
MAX_QUEST_NAME = 40
#: The soonest a one-off quest may end (days): a minute from now.
MIN_QUEST_DAYS = 1 / 1440


def default_quests() -> tuple[tuple, ...]:
    """The set a guild gets when it has none, named in the current language (the names are then the
    server's own): (name, cycle, requirement, amount, XP, multiplier, minutes, difficulty)."""
    return (
        (_("Say hello"), "daily", "messages", 20, 25, 1.0, 0, "easy"),
        (_("Spread some reactions"), "daily", "reactions", 10, 15, 1.0, 0, "easy"),
        (_("Hang out in voice"), "daily", "voice_minutes", 30, 30, 1.0, 0, "medium"),
        (_("Weekly chatter"), "weekly", "messages", 200, 150, 1.0, 0, "medium"),
        (_("Helping hand"), "weekly", "thanks", 3, 100, 1.5, 60, "hard"),
        (_("Pillar of the month"), "monthly", "messages", 1000, 500, 2.0, 120, "hard"),
    )


#: Baselines of periods that ended this long ago are pruned.
BASELINE_KEEP = 40 * periods.DAY

Announce = Callable[[discord.Member, str, Optional[discord.abc.Messageable], str], Awaitable[None]]


class QuestError(ValueError):
    """A quest definition refused; ``str()`` is the member-facing reason."""


@dataclass(frozen=True)
class QuestStatus:
    quest: QuestRow
    progress: int
    completed_at: Optional[int]
    period_start: int
    ends_at: Optional[int]


def quest_start(quest: QuestRow, now: float, settings: GuildSettings) -> int:
    """Where the quest's current period started: progress counts from here (never before creation)."""
    start = periods.period_start(quest.cycle, now, settings.reset_hour, settings.reset_weekday, quest.created_at)
    return max(start, quest.created_at)


def quest_ends(quest: QuestRow, now: float, settings: GuildSettings) -> Optional[int]:
    if quest.cycle == "once":
        return quest.ends_at
    start = periods.period_start(quest.cycle, now, settings.reset_hour, settings.reset_weekday, quest.created_at)
    return periods.period_end(quest.cycle, start, settings.reset_hour)


def validate_quest(name: str, cycle: str, requirement: str, amount: int, reward_xp: int, multiplier: float,
                   minutes: int, difficulty: str) -> None:
    if blank(name) or len(name) > MAX_QUEST_NAME or "\n" in name:
        raise QuestError(_("A quest's name is one line of 1-{limit} characters.").format(limit=MAX_QUEST_NAME))
    if cycle not in periods.CYCLES:
        raise QuestError(_("The cycle must be one of {choices}.").format(choices=", ".join(periods.CYCLES)))
    if requirement not in REQUIREMENTS:
        raise QuestError(_("The requirement must be one of {choices}.").format(choices=", ".join(REQUIREMENTS)))
    if not 1 <= amount <= 1_000_000:
        raise QuestError(_("The amount must be between 1 and {most}.").format(most=humanize_number(1_000_000)))
    if not 0 <= reward_xp <= 100_000:
        raise QuestError(_("The reward must be between 0 and {most} XP.").format(most=humanize_number(100_000)))
    if not 1.0 <= multiplier <= 5.0:
        raise QuestError(_("The XP multiplier must be between 1 and 5 (1 for none)."))
    if not 0 <= minutes <= 7 * 24 * 60:
        raise QuestError(_("The multiplier lasts between 0 and {most} minutes (a week).").format(
            most=humanize_number(7 * 24 * 60)))
    if multiplier > 1.0 and minutes == 0:
        raise QuestError(_("Say how many minutes the multiplier lasts."))
    if reward_xp == 0 and multiplier == 1.0:
        raise QuestError(_("A quest needs a reward: XP, a multiplier, or both."))
    if difficulty not in DIFFICULTIES:
        raise QuestError(_("The difficulty must be one of {choices}.").format(choices=", ".join(DIFFICULTIES)))


class GoalService:
    """Plans each flush and pays what it completed (the XP engine's ``plan_flush`` and
    ``on_settled``); it grants through the engine, so it is given the engine as a callable (the
    engine is built after it, with it)."""

    def __init__(self, store: XpStore, settings: SettingsCache, engine: Callable[[], "XpSystem"], achievements, bot,
                 *, announce: Optional[Announce] = None) -> None:
        self.store = store
        self.settings = settings
        self._engine = engine
        self.achievements = achievements
        self.bot = bot
        self.announce = announce
        self._quests: dict[int, list[QuestRow]] = {}
        self._plans: dict[int, tuple] = {}  # guild -> (settings, quests, valid until, plan parts)
        self._loading: dict[int, asyncio.Task] = {}

    @property
    def xp(self) -> "XpSystem":
        """The XP engine: its cache mirrors what the flush paid, its boosts hold running quests."""
        return self._engine()

    async def start(self) -> None:
        """Read every quest and the boosts still running."""
        for quest in await self.store.quests():
            self._quests.setdefault(quest.guild_id, []).append(quest)
        now = self.store.now()
        for gid, uid, multiplier, expires in await self.store.active_boosts():
            if expires > now:
                self.xp.boosts[(gid, uid)] = (multiplier, expires)

    async def reload(self) -> None:
        """Forget every quest, plan and boost read so far and read them again (the database was
        replaced by a restore)."""
        await self.close()
        self._loading.clear()
        self._quests.clear()
        self._plans.clear()
        self.xp.boosts.clear()
        await self.start()

    async def close(self) -> None:
        for task in self._loading.values():
            task.cancel()
        await asyncio.gather(*self._loading.values(), return_exceptions=True)

    # --- the flush's plan --------------------------------------------------------------------
    def plan(self) -> FlushPlan:
        """Each active guild's day, goal settings, periods and quests, for the next flush.

        It runs on the event loop before every flush, for every guild whose settings are loaded,
        so each guild's part is kept until its day ends, a one-off quest ends, or its settings or
        quests change (new objects then): usually one look-up per guild.
        """
        now = self.store.now()
        guilds, period_list, quest_list = [], [], []
        for gid, settings in list(self.settings.loaded.items()):
            quests = self._quests.get(gid) if settings.quests_enabled else ()
            if quests is None:
                self._ensure_loaded(gid)
            memo = self._plans.get(gid)
            if memo is None or memo[0] is not settings or memo[1] is not quests or now >= memo[2]:
                memo = self._plans[gid] = (settings, quests, *self._plan_guild(gid, settings, quests or (), now))
            guilds.append(memo[3])
            period_list.extend(memo[4])
            quest_list.extend(memo[5])
        return FlushPlan(guilds, period_list, quest_list)

    def thinning_plan(self) -> FlushPlan:
        """What ``XpStore.thin_baselines`` may thin by: the guilds whose quests are on and loaded.
        A guild with its quests off (or while they load again after an import) keeps its
        baselines: its quests, turned on again, read them."""
        now = self.store.now()
        guilds, quest_list = [], []
        for gid, settings in list(self.settings.loaded.items()):
            quests = self._quests.get(gid)
            if settings.quests_enabled and quests is not None:
                guild, starts = self.thinning_starts(gid, settings, quests, now)
                guilds.append(guild)
                quest_list.extend(starts)
        return FlushPlan(guilds, [], quest_list)

    @classmethod
    def thinning_starts(cls, gid: int, settings: GuildSettings, quests, now: float) -> tuple:
        """(the guild's plan now, its quests' period starts now and a day ago): a reset hour moved
        later just after a period began opens the one before again, whose baselines must be there."""
        _until, guild, _periods, starts = cls._plan_guild(gid, settings, quests, now)
        return guild, starts + cls._plan_guild(gid, settings, quests, now - periods.DAY)[3]

    @staticmethod
    def _plan_guild(gid: int, settings: GuildSettings, quests, now: float) -> tuple:
        """(valid until, guild plan, periods, quests) for one guild."""
        day = periods.day_start(now, settings.reset_hour)
        until = day + periods.DAY
        guild = GuildPlan(gid, day, settings.goal_enabled, settings.goal_floor, settings.goal_percent,
                          settings.goal_days, settings.goal_bonus,
                          week_start=periods.week_start(now, settings.reset_hour, settings.reset_weekday),
                          month_start=periods.month_start(now, settings.reset_hour), reset_hour=settings.reset_hour)
        period_list, quest_list = [(gid, day)], []
        for quest in quests:
            if quest.cycle == "once" and quest.ends_at is not None:
                if quest.ends_at <= now:
                    continue
                until = min(until, quest.ends_at)
            start = quest_start(quest, now, settings)
            if quest.cycle == "once" or start == quest.created_at:
                period_list.append((gid, start))  # not a day start: needs a baseline of its own
            quest_list.append((quest.id, gid, start))
        return until, guild, period_list, quest_list

    def _ensure_loaded(self, guild_id: int) -> None:
        if guild_id in self._loading:
            return
        self._loading[guild_id] = asyncio.create_task(self._load(guild_id), name="unicornia-quest-load")

    async def _load(self, guild_id: int) -> None:
        try:
            self._quests[guild_id] = await self.store.quests(guild_id)
        except Exception:
            log.exception("Reading the quests of guild %s failed", guild_id)
            self._loading.pop(guild_id, None)  # try again at the next flush

    async def quests_of(self, guild_id: int) -> list[QuestRow]:
        if guild_id not in self._quests:
            self._ensure_loaded(guild_id)
            await asyncio.shield(self._loading[guild_id])
        return list(self._quests.get(guild_id, []))

    async def add_starter_quests(self, guild_id: int) -> list[str]:
        """Add the starter set (:func:`default_quests`, named in the current language); the names
        added (one already there, or past the server's limit, is skipped)."""
        added = []
        for name, cycle, requirement, amount, xp, multiplier, minutes, difficulty in default_quests():
            try:
                await self.add_quest(guild_id, name, cycle, requirement, amount, xp, multiplier, minutes, difficulty)
                added.append(name)
            except QuestError:
                continue
        return added

    # --- what a flush paid -------------------------------------------------------------------
    async def settled(self, report: SettleReport, mirrored: list, places: Optional[dict] = None) -> None:
        """Announce what a flush paid (the XP is already in the cache: see XpSystem.flush).
        ``places``: the channel each paid member last wrote in, where "where they happen" puts
        their quest and the level the reward gave them (none: the server's system channel)."""
        places = places or {}
        for done in report.quests:
            try:
                await self._quest_done(done, places.get((done.quest.guild_id, done.user_id)))
            except Exception:
                log.exception("Announcing quest %s completed by %s failed", done.quest.id, done.user_id)
        for goal in report.goals:
            try:
                await self._goal_reached(goal)
            except Exception:
                log.exception("Announcing the goal of guild %s failed", goal.guild_id)
        for key, amount, award, cached in mirrored:
            try:
                await self.xp.finish_grant(key, amount, award, cached, self._member(*key), places.get(key))
            except Exception:
                log.exception("A level-up from a reward of member %s in guild %s failed", key[1], key[0])

    async def _quest_done(self, done: QuestDone, channel=None) -> None:
        quest = done.quest
        key = (quest.guild_id, done.user_id)
        member = self._member(*key)
        if quest.multiplier > 1 and quest.boost_minutes:
            current = self.xp.boosts.get(key)
            expires = self.store.now() + quest.boost_minutes * 60
            if current is None or current[1] < expires or current[0] < quest.multiplier:
                self.xp.boosts[key] = (max(quest.multiplier, current[0] if current else 1.0),
                                       max(expires, current[1] if current else 0))
        if member is not None and self.bot is not None:  # other cogs hear it, each listener in its own task
            self.bot.dispatch("unicornia_quest_complete", member, quest.name)
        if member is not None and self.announce is not None:
            await guild_locale(self.bot, member.guild)
            text = _("\N{WHITE HEAVY CHECK MARK} {mention} completed the quest **{quest}** ({reward})!").format(
                mention=member.mention, quest=quest.name, reward=self.reward_text(quest))
            await self.announce(member, text, channel, "quest")

    async def _goal_reached(self, goal: GoalReached) -> None:
        guild = self.bot.get_guild(goal.guild_id)
        if guild is None:
            return
        first = next((m for m in map(guild.get_member, goal.contributors) if m is not None), None)
        if first is not None and self.announce is not None:
            await guild_locale(self.bot, guild)
            target, bonus = humanize_number(goal.target), humanize_number(goal.bonus)
            if len(goal.contributors) == 1:
                text = _("\N{DIRECT HIT} The server reached today's goal of **{target}** messages! "
                         "One member who chatted today earned **+{bonus} XP**.").format(target=target, bonus=bonus)
            else:
                text = _("\N{DIRECT HIT} The server reached today's goal of **{target}** messages! "
                         "{count} members who chatted today earned **+{bonus} XP**.").format(
                    target=target, count=humanize_number(len(goal.contributors)), bonus=bonus)
            await self.announce(first, text, None, "goal")

    @staticmethod
    def reward_text(quest: QuestRow) -> str:
        """What a quest pays (``+25 XP, 1.5x XP for 60 min``), in the current language."""
        parts = []
        if quest.reward_xp:
            parts.append(_("+{xp} XP").format(xp=humanize_number(quest.reward_xp)))
        if quest.multiplier > 1 and quest.boost_minutes:
            parts.append(_("{multiplier}x XP for {minutes} min").format(
                multiplier=humanize_number(quest.multiplier), minutes=humanize_number(quest.boost_minutes)))
        return ", ".join(parts)

    # --- daily -------------------------------------------------------------------------------
    async def claim_daily(self, member: discord.Member, channel) -> tuple[DailyResult, list]:
        settings = await self.settings.get(member.guild.id)
        result = await self.store.claim_daily(member.guild.id, member.id, settings.reset_hour,
                                              settings.daily_xp, settings.streak_bonus, settings.streak_cap)
        if result.outcome == "claimed":
            return result, []
        await self.xp.grant((member.guild.id, member.id), result.amount, member, channel)
        unlocked = await self.achievements.check_streak(member, result.streak, channel)
        return result, unlocked

    async def streak(self, member: discord.Member) -> tuple[int, int, bool]:
        settings = await self.settings.get(member.guild.id)
        return await self.store.daily_state(member.guild.id, member.id, settings.reset_hour)

    # --- the server goal ---------------------------------------------------------------------
    async def goal(self, guild_id: int, user_id: Optional[int]) -> tuple[int, int, Optional[int], int, int]:
        """(messages today, target, reached at, the member's messages today, when the day ends)."""
        settings = await self.settings.get(guild_id)
        await self.xp.flush_recent()  # today's count includes what the buffer holds
        day = periods.day_start(self.store.now(), settings.reset_hour)
        plan = GuildPlan(guild_id, day, settings.goal_enabled, settings.goal_floor, settings.goal_percent,
                         settings.goal_days, settings.goal_bonus)
        messages, target, reached = await self.store.goal_state(plan)
        mine = await self.store.member_messages_today(guild_id, day, user_id) if user_id else 0
        return messages, target, reached, mine, day + periods.DAY

    # --- quests ------------------------------------------------------------------------------
    async def statuses(self, member: discord.Member) -> list[QuestStatus]:
        settings = await self.settings.get(member.guild.id)
        quests = await self.quests_of(member.guild.id)
        await self.xp.flush_recent()  # progress includes the buffer
        now = self.store.now()
        live = [q for q in quests if not (q.cycle == "once" and q.ends_at is not None and q.ends_at <= now)]
        starts = [(q.id, quest_start(q, now, settings)) for q in live]
        found = await self.store.quest_progress(member.guild.id, member.id, starts)
        return [QuestStatus(q, min(found[q.id][0], q.amount), found[q.id][1], start, quest_ends(q, now, settings))
                for q, (_quest_id, start) in zip(live, starts)]

    async def add_quest(self, guild_id: int, name: str, cycle: str, requirement: str, amount: int, reward_xp: int,
                        multiplier: float = 1.0, minutes: int = 0, difficulty: str = "medium",
                        ends_at: Optional[int] = None) -> int:
        validate_quest(name, cycle, requirement, amount, reward_xp, multiplier, minutes, difficulty)
        quests = await self.quests_of(guild_id)
        if len(quests) >= MAX_QUESTS:
            raise QuestError(_("A server can have at most {limit} quests; remove one first.").format(limit=MAX_QUESTS))
        if any(q.name.casefold() == name.strip().casefold() for q in quests):
            raise QuestError(_("There is already a quest called {name}.").format(name=name.strip()))
        quest_id = await self.store.add_quest(guild_id, name.strip(), cycle, requirement, amount, reward_xp,
                                              multiplier, minutes, difficulty, ends_at)
        self._quests[guild_id] = await self.store.quests(guild_id)
        return quest_id

    async def end_quest(self, guild_id: int, quest_id: int, days: Optional[float]) -> Optional[int]:
        """End a one-off quest ``days`` from now (None: never); the end time, or raise QuestError."""
        if days is not None and not MIN_QUEST_DAYS <= days <= 366:  # 1e-9 days would end it as it is set
            raise QuestError(_("A one-off quest ends between a minute and 366 days from now."))
        ends_at = None if days is None else int(self.store.now() + days * periods.DAY)
        if not valid_id(quest_id) or not await self.store.set_quest_end(guild_id, quest_id, ends_at):
            raise QuestError(_("This server has no one-off quest #{id} (only `once` quests end).").format(id=quest_id))
        self._quests[guild_id] = await self.store.quests(guild_id)
        return ends_at

    async def remove_quest(self, guild_id: int, quest_id: int) -> bool:
        if not valid_id(quest_id):  # past SQLite's integers it would raise instead of finding nothing
            return False
        removed = await self.store.remove_quest(guild_id, quest_id)
        self._quests[guild_id] = await self.store.quests(guild_id)
        return removed

    def _member(self, guild_id: int, user_id: int):
        guild = self.bot.get_guild(guild_id)
        return guild.get_member(user_id) if guild is not None else None
