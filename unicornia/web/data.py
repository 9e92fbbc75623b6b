"""What the web pages show, read through the cog's services (every database read runs on the
store's worker thread, never on the event loop) and shaped into small frozen views."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import discord

from ..db.period_statements import MONTH, WEEK
from ..systems import standing as standing_service
from ..systems.charts import XpStats, render_chart

#: How long a board's member count refuses pages past its end without a read (as a page is cached).
COUNT_TTL = 5.0

if TYPE_CHECKING:
    from ..abc import MixinMeta
    from .privacy import WebPrivacy

#: Rows on one leaderboard page.
PER_PAGE = 25
#: Boards a page may show (``?period=``): all-time, this week, this month.
PERIODS = {"all": None, "week": WEEK, "month": MONTH}
#: Avatars and icons requested from Discord's CDN at this size (pixels).
AVATAR_SIZE = 64
ICON_SIZE = 128
#: Days of XP history on a member page's chart.
CHART_DAYS = 14


@dataclass(frozen=True, slots=True)
class Row:
    """One leaderboard line; a hidden member has no id, name or avatar (their rank stays)."""

    rank: int
    user_id: Optional[int]
    name: Optional[str]
    avatar: Optional[str]
    level: int
    xp: int
    #: The bar's fill, 0-100: progress into the level (all-time) or share of the leader's XP (a period).
    percent: int

    @property
    def hidden(self) -> bool:
        return self.user_id is None


@dataclass(frozen=True, slots=True)
class Board:
    guild_id: int
    guild_name: str
    icon: Optional[str]
    period: str
    page: int
    has_next: bool
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class MemberView:
    guild_id: int
    guild_name: str
    icon: Optional[str]
    user_id: int
    name: str
    avatar: str
    level: int
    xp: int
    #: Rank among everyone with XP in the server (None without XP) and how many that is.
    rank: Optional[int]
    ranked: int
    into_level: int
    needed: int
    weekly_xp: int
    weekly_rank: Optional[int]
    monthly_xp: int
    monthly_rank: Optional[int]

    @property
    def percent(self) -> int:
        return percent(self.into_level, self.needed)


def percent(part: int, whole: int) -> int:
    if whole <= 0:
        return 0
    return max(0, min(100, part * 100 // whole))


def sized_url(asset: discord.Asset, size: int) -> str:
    """``asset.replace(size=size, static_format="png").url`` by plain string work.

    discord.py's ``replace`` parses the URL with yarl three times (about 40 us an avatar, a
    millisecond a page); its assets' URLs are ``<path>.<ext>?size=1024`` or, for the default
    avatars, ``<path>.png`` with no query, so the same answer is a cut and a join: an animated
    asset keeps its extension (gif), a still one becomes png, the query becomes ``size=<size>``.
    """
    path = asset.url.partition("?")[0]
    if not asset.is_animated():
        stem, dot, ext = path.rpartition(".")
        if dot and "/" not in ext:
            path = f"{stem}.png"
    return f"{path}?size={size}"


def avatar_url(member: discord.Member) -> str:
    return sized_url(member.display_avatar, AVATAR_SIZE)


def icon_url(guild: discord.Guild) -> Optional[str]:
    return sized_url(guild.icon, ICON_SIZE) if guild.icon else None


class WebData:
    """Reads for the pages; knows nothing of HTTP."""

    def __init__(self, cog: "MixinMeta", privacy: "WebPrivacy") -> None:
        self.cog = cog
        self.privacy = privacy
        #: (guild, board) -> (current members on it, when counted): learned when a read ran out of
        #: members, so a page past the end is refused without reading the whole board again (a
        #: visitor asking page after page past it would otherwise make every request such a read)
        self._counted: dict[tuple[int, str], tuple[int, float]] = {}

    async def guild(self, guild_id: int) -> Optional[discord.Guild]:
        """The guild when its pages exist (the bot is in it, it opted in, Unicornia is enabled there)."""
        guild = self.cog.bot.get_guild(guild_id)
        if guild is None or not (await self.cog.settings.get(guild_id)).web:
            return None
        if await self.cog.gate.guild_disabled(guild):
            return None
        return guild

    async def board(self, guild: discord.Guild, period: str, page: int) -> Optional[Board]:
        """A page of the all-time, weekly or monthly board, current members only; None past the last page."""
        wanted = page * PER_PAGE + 1  # one more than shown: is there a next page?
        counted = self._counted.get((guild.id, period))
        if counted is not None and time.monotonic() - counted[1] < COUNT_TTL and page > 1 \
                and (page - 1) * PER_PAGE >= counted[0]:
            return None
        present = guild.get_member
        curve = (await self.cog.settings.get(guild.id)).curve
        kind = PERIODS[period]
        first = (page - 1) * PER_PAGE
        if kind is None:
            # (user id, XP) tuples: no object per row above the page
            ranked = await standing_service.top_rows(self.cog.xp, self.cog.store, guild.id, wanted,
                                                     lambda uid: present(uid) is not None)
            shown = ranked[first:first + PER_PAGE]
            totals = [xp for _user, xp in shown]
            leader, more = (ranked[0][1] if ranked else 0), len(ranked) > page * PER_PAGE
        else:
            start, _previous = await self.cog.periods.starts(guild.id, kind)
            entries = await self.cog.periods.board(guild, kind, start, wanted, lambda uid: present(uid) is not None)
            shown = [(entry.user_id, entry.xp) for entry in entries[first:first + PER_PAGE]]
            totals = await asyncio.gather(*(self.cog.xp.current_xp((guild.id, user_id)) for user_id, _xp in shown))
            leader, more = (entries[0].xp if entries else 0), len(entries) > page * PER_PAGE
        found = len(ranked) if kind is None else len(entries)
        if found < wanted:  # the read ran out of members: the board has exactly this many now
            self._counted[(guild.id, period)] = (found, time.monotonic())
        if not shown and page > 1:
            return None
        private = await self.privacy.private_in(guild.id)
        rows = []
        for position, (user_id, xp), total in zip(range(first + 1, first + PER_PAGE + 1), shown, totals):
            where = curve.progress(total)
            fill = percent(where.into_level, where.needed) if kind is None else percent(xp, leader)
            member = present(user_id)
            if user_id in private or member is None:
                rows.append(Row(position, None, None, None, where.level, xp, fill))
            else:
                rows.append(Row(position, user_id, member.display_name, avatar_url(member), where.level, xp, fill))
        return Board(guild.id, guild.name, icon_url(guild), period, page, more, tuple(rows))

    async def clubs(self, guild: discord.Guild, page: int):
        """A page of the clubs board (``systems.clubs.ClubLeaderboard``), or None past the last page."""
        from ..systems.clubs import ClubError

        try:
            return await self.cog.clubs.leaderboard(guild.id, page)
        except ClubError:  # no clubs, or no such page
            return None

    async def member(self, guild: discord.Guild, user_id: int) -> Optional[discord.Member]:
        """The member whose page may be shown: current, not a bot, not hidden."""
        member = guild.get_member(user_id)
        if member is None or member.bot or await self.privacy.is_private(guild.id, user_id):
            return None
        return member

    async def member_view(self, member: discord.Member) -> MemberView:
        guild = member.guild
        stand = await standing_service.standing(self.cog.xp, self.cog.store, guild.id, member.id)
        periods = []
        for kind in (WEEK, MONTH):
            start, _previous = await self.cog.periods.starts(guild.id, kind)
            periods.append(await self.cog.periods.position(guild.id, kind, start, member.id))
        (weekly, weekly_rank), (monthly, monthly_rank) = periods
        p = stand.progress
        return MemberView(guild.id, guild.name, icon_url(guild), member.id, member.display_name, avatar_url(member),
                          p.level, p.total_xp, stand.rank, stand.ranked, p.into_level, p.needed,
                          weekly, weekly_rank, monthly, monthly_rank)

    async def card(self, member: discord.Member) -> tuple[bytes, str]:
        """The member's card as the bot draws it, and its content type."""
        stand = await standing_service.standing(self.cog.xp, self.cog.store, member.guild.id, member.id)
        club_name, club_icon = await self.cog.clubs.card_club(member)
        card, _note = await self.cog.cards.card_for(member, stand, club_name=club_name, club_icon=club_icon)
        return card.data, "image/gif" if card.filename.endswith(".gif") else "image/png"

    async def chart(self, member: discord.Member) -> bytes:
        """The member's XP per day by source over :data:`CHART_DAYS` days (``[p]level xpstats``'s chart)."""
        from ..commands.level import stats_title

        await self.cog.xp.flush_recent()
        today = int(self.cog.store.now()) // 86_400 * 86_400
        start = today - (CHART_DAYS - 1) * 86_400
        rows = await self.cog.store.history_by_day(member.guild.id, member.id, start)
        stats = XpStats.from_rows(rows, CHART_DAYS, start)
        generator = self.cog.cards.generator
        return await generator.run(render_chart, stats, stats_title(member.display_name, CHART_DAYS), generator.fonts)
