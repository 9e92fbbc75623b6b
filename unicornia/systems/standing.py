"""Where a member stands in their guild: XP, level, rank, and leaderboard pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterator, Callable, Optional

from redbot.core.utils.chat_formatting import humanize_number

from ..core.levels import NADEKO, Curve, LevelProgress
from ..i18n import _
from ..db.store import MemberRow, XpStore
from .xp import XpSystem

#: Rows read per step while filtering out members who left, on a board by activity counter.
LEADERBOARD_CHUNK = 200
#: Walking the XP ranking: each read asks for the rows still wanted times this fraction (members
#: who left are skipped; a few in a hundred is common), never fewer than READ_AT_LEAST.
READ_SHARE = (9, 8)
READ_AT_LEAST = 64


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    progress: LevelProgress
    #: Position among the members with XP; None for a member without any (they are not ranked).
    rank: Optional[int]
    #: How many members have XP.
    ranked: int
    row: MemberRow

    @property
    def rank_text(self) -> str:
        """"#12 of 295", or "unranked (no XP yet)"."""
        if self.rank is None:
            return _("unranked (no XP yet)")
        return _("#{rank} of {ranked}").format(rank=humanize_number(self.rank), ranked=humanize_number(self.ranked))

    @property
    def awarded_xp(self) -> int:
        return self.row.awarded_xp


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    position: int
    user_id: int
    xp: int
    #: The guild's level curve (the entry's level follows it).
    curve: Curve = NADEKO

    @property
    def level(self) -> int:
        return self.curve.level(self.xp)


async def standing(xp: XpSystem, store: XpStore, guild_id: int, user_id: int) -> Standing:
    """Exact standing: pending gains are written first so rank and counters include them."""
    await xp.flush()
    row = await store.member(guild_id, user_id)
    total = await xp.current_xp((guild_id, user_id))
    rank, ranked = await store.rank(guild_id, total)
    where = (await xp.settings.get(guild_id)).curve.progress(total)
    if total <= 0:  # one rule everywhere: only members with XP are ranked
        return Standing(user_id, where, None, ranked, row)
    return Standing(user_id, where, rank, max(ranked, rank), row)


async def leaderboard(
    xp: XpSystem,
    store: XpStore,
    guild_id: int,
    wanted: int,
    keep: Optional[Callable[[int], bool]] = None,
) -> list[LeaderboardEntry]:
    """The first ``wanted`` entries in rank order; ``keep`` filters user ids (e.g. current members)."""
    rows = await top_rows(xp, store, guild_id, wanted, keep)
    curve = (await xp.settings.get(guild_id)).curve
    return [LeaderboardEntry(position, user_id, value, curve) for position, (user_id, value) in enumerate(rows, 1)]


async def top_rows(xp: XpSystem, store: XpStore, guild_id: int, wanted: int,
                   keep: Optional[Callable[[int], bool]] = None) -> list[tuple[int, int]]:
    """The first ``wanted`` (user id, XP) rows in rank order that ``keep`` accepts, pending gains
    written first.  Read with a keyset cursor (a later read costs no more per row than the first),
    as few times as the rows ``keep`` refuses allow: each read asks for the rows still wanted and
    an eighth more; kept as the store's tuples (a web page 100 walks 2,500 rows)."""
    await xp.flush()
    kept: list[tuple[int, int]] = []
    cursor = None
    while True:
        limit = max(READ_AT_LEAST, (wanted - len(kept)) * READ_SHARE[0] // READ_SHARE[1])
        rows = await store.leaderboard_chunk(guild_id, limit, cursor)
        kept += rows if keep is None else [row for row in rows if keep(row[0])]
        if len(kept) >= wanted or len(rows) < limit:
            return kept[:wanted]
        cursor = (rows[-1][1], rows[-1][0])


async def _first_kept(chunks: AsyncIterator[list[tuple[int, int]]], wanted: int,
                      keep: Optional[Callable[[int], bool]], curve: Curve) -> list[LeaderboardEntry]:
    """Number the (user id, value) rows ``keep`` accepts, until ``wanted`` or the rows run out."""
    entries: list[LeaderboardEntry] = []
    async for rows in chunks:
        for user_id, value in rows:
            if keep is None or keep(user_id):
                entries.append(LeaderboardEntry(len(entries) + 1, user_id, value, curve))
                if len(entries) == wanted:
                    return entries
    return entries


async def leaderboard_page(xp: XpSystem, store: XpStore, guild_id: int, page: int, per_page: int) -> list[LeaderboardEntry]:
    """One page of everyone with XP (departed members included), in about constant time for any page."""
    await xp.flush()
    offset = (page - 1) * per_page
    rows = await store.leaderboard_page_rows(guild_id, offset, per_page)
    curve = (await xp.settings.get(guild_id)).curve
    return [LeaderboardEntry(offset + i + 1, user_id, user_xp, curve) for i, (user_id, user_xp) in enumerate(rows)]


async def leaderboard_by(xp: XpSystem, store: XpStore, guild_id: int, column: str, wanted: int,
                         keep: Optional[Callable[[int], bool]] = None) -> list[LeaderboardEntry]:
    """Like :func:`leaderboard`, ordered by an activity counter (messages, voice time, thanks)."""
    async def chunks():
        offset = 0
        while True:
            rows = await store.top_by(guild_id, column, LEADERBOARD_CHUNK, offset)
            yield rows
            if len(rows) < LEADERBOARD_CHUNK:
                return
            offset += LEADERBOARD_CHUNK

    await xp.flush()
    return await _first_kept(chunks(), wanted, keep, (await xp.settings.get(guild_id)).curve)
