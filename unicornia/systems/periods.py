"""Weekly and monthly boards, and the reward for each period's winner.

A server's week starts on its reset weekday at its reset hour (UTC), its month on the 1st at
that hour (the same boundaries as its quests).  The flush adds every gain to the member's row
of the current week and month (``XpPeriod``); a board is read from that table's ranking index,
so any page costs about what the first does.

At each period's end the winner (the current member with the most XP in it) gets the server's
period reward: a role, taken from whoever held it, and bonus XP.  The winner's row and the
bonus are written in one transaction, so a restart at the boundary can neither skip nor repeat
the payment; the role change and the announcement follow, the announcement at most once.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable, Optional

import discord
from redbot.core.utils.chat_formatting import humanize_number

from ..core import periods
from ..core.settings import GuildSettings
from ..db.period_statements import MONTH, WEEK
from ..db.store import XpStore
from ..i18n import _, guild_locale
from .rewards import role_problem

log = logging.getLogger("red.unicornia.periods")

KINDS = {"week": WEEK, "month": MONTH}
#: How often finished periods are looked for (a winner is paid within this of the boundary).
TICK_SECONDS = 60.0
#: How often periods older than the previous one are pruned.
PRUNE_SECONDS = 3600.0
#: Rows read per step while skipping members who left: the page's own rows, within these.
MIN_CHUNK, MAX_CHUNK = 50, 1_000
#: The most bonus XP an admin may give a period's winner.
MAX_BONUS = 1_000_000


def current_start(kind: int, now: float, settings: GuildSettings) -> int:
    """When the server's current week or month began."""
    if kind == WEEK:
        return periods.week_start(now, settings.reset_hour, settings.reset_weekday)
    return periods.month_start(now, settings.reset_hour)


def previous_start(kind: int, now: float, settings: GuildSettings) -> int:
    """When the period before the current one began."""
    return current_start(kind, current_start(kind, now, settings) - 1, settings)


def period_end(kind: int, start: int) -> int:
    return periods.period_end("weekly" if kind == WEEK else "monthly", start)


@dataclass(frozen=True)
class BoardEntry:
    position: int
    user_id: int
    xp: int


class PeriodService:
    """Reads the boards and pays each finished period's winner."""

    def __init__(self, bot, store: XpStore, settings, engine: Callable[[], object], gate, *,
                 announce=None) -> None:
        self.bot = bot
        self.gate = gate  # nothing is paid where the cog is disabled
        self.store = store
        self.settings = settings
        self._engine = engine
        self.announce = announce
        self._task: Optional[asyncio.Task] = None
        self._pruned_at = 0.0

    @property
    def xp(self):
        return self._engine()

    # --- boards ------------------------------------------------------------------------------
    async def starts(self, guild_id: int, kind: int) -> tuple[int, int]:
        """(current period's start, previous period's start) for the server now."""
        settings = await self.settings.get(guild_id)
        now = self.store.now()
        return current_start(kind, now, settings), previous_start(kind, now, settings)

    async def board(self, guild: discord.Guild, kind: int, start: int, wanted: int,
                    keep: Optional[Callable[[int], bool]] = None) -> list[BoardEntry]:
        """The first ``wanted`` entries of a period's board, members ``keep`` accepts only
        (buffered gains are written first)."""
        await self.xp.flush()
        entries: list[BoardEntry] = []
        after = None
        size = min(max(wanted, MIN_CHUNK), MAX_CHUNK)  # one read for most pages
        while len(entries) < wanted:
            rows = await self.store.period_chunk(guild.id, kind, start, size, after)
            for user_id, xp in rows:
                if keep is None or keep(user_id):
                    entries.append(BoardEntry(len(entries) + 1, user_id, xp))
                    if len(entries) == wanted:
                        break
            if len(rows) < size:
                break
            after = (rows[-1][1], rows[-1][0])
        return entries

    async def position(self, guild_id: int, kind: int, start: int, user_id: int) -> tuple[int, Optional[int]]:
        """(XP earned, position among everyone with XP in the period, or None without any)."""
        return await self.store.period_position(guild_id, kind, start, user_id)

    async def count(self, guild_id: int, kind: int, start: int, cap: int) -> int:
        """How many members have XP in the period, up to ``cap``."""
        return await self.store.period_count(guild_id, kind, start, cap)

    # --- the winners' rewards ----------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="unicornia-periods")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                await self.tick()
            except Exception:
                log.exception("Looking for finished weekly and monthly periods failed")

    async def tick(self) -> None:
        """Pay every finished period that has not been paid, in every server with a period reward;
        prune old periods once an hour."""
        for guild in list(self.bot.guilds):
            settings = await self.settings.get(guild.id)
            if not settings.period_rewards or await self.gate.guild_disabled(guild):
                continue
            for name, kind in KINDS.items():
                reward = settings.period_rewards.get(name)
                if reward:
                    try:
                        await self.settle(guild, kind, reward, settings)
                    except Exception:
                        log.exception("Paying the %s winner of guild %s failed", name, guild.id)
        if self.store.now() - self._pruned_at >= PRUNE_SECONDS:
            self._pruned_at = self.store.now()
            await self.prune()

    async def settle(self, guild: discord.Guild, kind: int, reward, settings: GuildSettings) -> None:
        """Pay the period that ended last, once, if it ended after the reward was set."""
        now = self.store.now()
        start = previous_start(kind, now, settings)
        if period_end(kind, start) <= reward.get("since", 0):
            return  # it ended before the admin set the reward: nothing is owed for it
        winner = await self.store.period_winner(guild.id, kind, start)
        if winner is None:
            winner = await self._record(guild, kind, start, reward)
        if winner.announced:
            return
        member = guild.get_member(winner.user_id) if winner.user_id is not None else None
        if winner.role_id is not None and member is not None:
            await self._hand_over(guild, guild.get_role(winner.role_id), member)
        if await self.store.mark_winner_announced(guild.id, kind, start) and member is not None:
            await self._announce(member, kind, winner)

    async def _record(self, guild: discord.Guild, kind: int, start: int, reward):
        await self.xp.flush()  # everything written before the winner is chosen
        top = await self.board(guild, kind, start, 1, lambda uid: _current_human(guild, uid))
        role_id = reward.get("role")
        if top:
            entry = top[0]
            reason = (_("won the week from {start}") if kind == WEEK else _("won the month from {start}")).format(
                start=f"<t:{start}:d>")
            winner = await self.store.record_winner(guild.id, kind, start, entry.user_id, entry.xp,
                                                    int(reward.get("bonus", 0)), role_id, reason)
            if winner.new and winner.bonus:
                await self.xp.grant((guild.id, entry.user_id), winner.bonus, guild.get_member(entry.user_id), None)
            return winner
        return await self.store.record_winner(guild.id, kind, start, None, 0, 0, role_id, "")

    async def _hand_over(self, guild: discord.Guild, role: Optional[discord.Role], winner: discord.Member) -> None:
        """The winner gets the role; whoever else holds it loses it (the previous winner)."""
        if role is None or role_problem(role, guild.me):
            log.warning("The period reward role %s of guild %s can't be given; the bonus was paid",
                        getattr(role, "id", None), guild.id)
            return
        reason = _("Unicornia: the period's top member")
        for holder in list(role.members):
            if holder.id != winner.id:
                try:
                    await holder.remove_roles(role, reason=reason)
                except discord.HTTPException as exc:
                    log.warning("Could not take role %s from %s in guild %s: %s", role.id, holder.id, guild.id, exc)
        if role not in winner.roles:
            try:
                await winner.add_roles(role, reason=reason)
            except discord.HTTPException as exc:
                log.warning("Could not give role %s to %s in guild %s: %s", role.id, winner.id, guild.id, exc)

    async def _announce(self, member: discord.Member, kind: int, winner) -> None:
        if self.announce is None:
            return
        await guild_locale(self.bot, member.guild)
        if kind == WEEK:
            text = _("\N{TROPHY} {member} earned the most XP last week ({xp} XP).")
        else:
            text = _("\N{TROPHY} {member} earned the most XP last month ({xp} XP).")
        text = text.format(member=member.mention, xp=humanize_number(winner.xp))
        role = member.guild.get_role(winner.role_id) if winner.role_id else None
        if role is not None and role in member.roles:
            text += " " + _("They now hold **{role}**.").format(role=discord.utils.escape_markdown(role.name))
        if winner.bonus:
            text += " " + _("Bonus: {xp} XP.").format(xp=humanize_number(winner.bonus))
        await self.announce(member, text, None, "goal")

    async def prune(self) -> int:
        """Forget periods older than each server's previous week and month (each server's own
        reset weekday and hour decide which those are)."""
        now = self.store.now()
        keep = {}
        for guild_id in await self.store.period_guilds():
            settings = await self.settings.get(guild_id)
            keep[guild_id] = (previous_start(WEEK, now, settings), previous_start(MONTH, now, settings))
        return await self.store.prune_periods(keep)


def _current_human(guild: discord.Guild, user_id: int) -> bool:
    member = guild.get_member(user_id)
    return member is not None and not member.bot
