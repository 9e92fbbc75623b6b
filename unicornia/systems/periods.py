"""Weekly and monthly boards, and the reward for each period's winner.

A server's week starts on its reset weekday at its reset hour (UTC), its month on the 1st at
that hour (the same boundaries as its quests).  The flush adds every gain to the week's and the
month's XP in the member's own row (see ``db/period_statements.py``).  A board is the period's
top :data:`TOP_ROWS` members, read from the leaderboard index (a scan of the server's entries)
and kept until the next write to the database; where that scan is slow (a very large server) the kept board is
served for up to :data:`MAX_STALE` seconds while a fresh one is read in the background.

At each period's end the winner (the current member with the most XP in it) gets the server's
period reward: a role, taken from whoever held it, and bonus XP.  The winner's row and the
bonus are written in one transaction, so a restart at the boundary can neither skip nor repeat
the payment; the role change and the announcement follow, the announcement at most once.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
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
#: Members a board holds (the commands offer 100 pages of 10); a place below it reads as "beyond".
TOP_ROWS = 1_000
#: Boards kept (by server, kind and period).
BOARDS_KEPT = 64
#: A board whose read took longer than this is served stale while it is read again ...
SLOW_READ = 0.02
#: ... for at most this many seconds.
MAX_STALE = 120.0
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
        #: (guild, kind, start) -> (store's write count, read at, seconds the read took, rows): an LRU.
        self._boards: OrderedDict[tuple[int, int, int], tuple[int, float, float, list]] = OrderedDict()
        self._reading: dict[tuple[int, int, int], asyncio.Task] = {}

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
        for user_id, xp in await self._top(guild.id, kind, start):
            if keep is None or keep(user_id):
                entries.append(BoardEntry(len(entries) + 1, user_id, xp))
                if len(entries) == wanted:
                    break
        return entries

    async def position(self, guild_id: int, kind: int, start: int, user_id: int) -> tuple[int, Optional[int]]:
        """(XP earned in the period, place among everyone with XP in it): the place is None
        without XP, and below the board's top :data:`TOP_ROWS` too (the XP says which)."""
        xp = await self.store.period_xp(guild_id, kind, start, user_id)
        if xp <= 0:
            return 0, None
        for place, (uid, _xp) in enumerate(await self._top(guild_id, kind, start), start=1):
            if uid == user_id:
                return xp, place
        return xp, None

    async def count(self, guild_id: int, kind: int, start: int, cap: int) -> int:
        """How many members have XP in the period, up to ``cap`` (at most :data:`TOP_ROWS`)."""
        return min(cap, len(await self._top(guild_id, kind, start)))

    async def _top(self, guild_id: int, kind: int, start: int) -> list[tuple[int, int]]:
        key = (guild_id, kind, start)
        kept = self._boards.get(key)
        if kept is not None:
            epoch, read_at, took, rows = kept
            self._boards.move_to_end(key)
            if epoch == self.store.writes:
                return rows
            if took > SLOW_READ and time.monotonic() - read_at < MAX_STALE:
                if key not in self._reading:
                    self._reading[key] = asyncio.create_task(self._read(key), name="unicornia-board")
                return rows
        return await self._read(key)

    async def _read(self, key: tuple[int, int, int]) -> list[tuple[int, int]]:
        try:
            epoch, began = self.store.writes, time.monotonic()
            rows = await self.store.period_board(*key, TOP_ROWS)
            self._boards[key] = (epoch, time.monotonic(), time.monotonic() - began, rows)
            self._boards.move_to_end(key)
            while len(self._boards) > BOARDS_KEPT:
                self._boards.popitem(last=False)
            return rows
        finally:
            self._reading.pop(key, None)

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
        """Forget finished periods' tops past the last few of each server."""
        return await self.store.prune_period_tops()


def _current_human(guild: discord.Guild, user_id: int) -> bool:
    member = guild.get_member(user_id)
    return member is not None and not member.bot
