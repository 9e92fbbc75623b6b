"""Storage of the weekly and monthly boards: reads, the winner's payment, pruning.  Mixed into
:class:`~unicornia.db.store.XpStore`; every method runs on its thread.  The flush writes the
periods' XP itself (see ``XpStore._write``), in the XP's transaction."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable, Optional

from . import period_statements as sql
from .worker import in_worker


@dataclass(frozen=True)
class Winner:
    """A finished period's winner as recorded (user None: nobody earned XP in it)."""

    user_id: Optional[int]
    xp: int
    bonus: int
    role_id: Optional[int]
    announced: bool
    #: True for the call that recorded it (and paid the bonus); False when it was already there.
    new: bool = False


#: The deepest place a board counts exactly; past it a member reads "beyond #10,000".
PLACE_CAP = 10_000


class PeriodQueries:
    """Mixed into XpStore; uses its ``conn``, ``now``, ``_transaction`` and ``_grant``."""

    conn: sqlite3.Connection

    def _write_periods(self, conn: sqlite3.Connection, starts: Iterable[tuple[int, int, int]]) -> None:
        """Inside the flush's transaction: the staged gains into each guild's current week and
        month (``starts``: (guild, kind, period start) for every guild in the stage)."""
        conn.execute(sql.CLEAR_PERIOD_STARTS)
        conn.executemany(sql.INSERT_PERIOD_START, starts)
        conn.execute(sql.FLUSH_PERIODS)

    @in_worker
    def period_chunk(self, guild_id: int, kind: int, start: int, size: int,
                     after: Optional[tuple[int, int]] = None) -> list[tuple[int, int]]:
        """(user id, XP) rows of a board from the top, ``size`` at a time after ``after`` (Xp, UserId)."""
        if after is None:
            return self.conn.execute(sql.PERIOD_TOP, (guild_id, kind, start, size)).fetchall()
        return self.conn.execute(sql.PERIOD_AFTER, (guild_id, kind, start, *after, size)).fetchall()

    @in_worker
    def period_position(self, guild_id: int, kind: int, start: int, user_id: int) -> tuple[int, Optional[int]]:
        """(XP the member earned in the period, their position, or None without any XP); the
        members ahead are counted up to :data:`PLACE_CAP` (a deeper place reads as one past it)."""
        row = self.conn.execute(sql.PERIOD_MEMBER, (guild_id, kind, start, user_id)).fetchone()
        if row is None or row[0] <= 0:
            return 0, None
        ahead = self.conn.execute(sql.PERIOD_AHEAD, (guild_id, kind, start, row[0], user_id, PLACE_CAP)).fetchone()[0]
        return row[0], ahead + 1

    @in_worker
    def period_count(self, guild_id: int, kind: int, start: int, cap: int = PLACE_CAP) -> int:
        """Members with XP in the period, counted up to ``cap``."""
        return self.conn.execute(sql.PERIOD_COUNT, (guild_id, kind, start, cap)).fetchone()[0]

    @in_worker
    def period_xp(self, guild_id: int, kind: int, start: int, user_id: int) -> int:
        row = self.conn.execute(sql.PERIOD_MEMBER, (guild_id, kind, start, user_id)).fetchone()
        return row[0] if row else 0

    @in_worker
    def period_winner(self, guild_id: int, kind: int, start: int) -> Optional[Winner]:
        row = self.conn.execute(sql.SELECT_WINNER, (guild_id, kind, start)).fetchone()
        return None if row is None else Winner(row[0], row[1], row[2], row[3], bool(row[4]))

    @in_worker
    def record_winner(self, guild_id: int, kind: int, start: int, user_id: Optional[int], xp: int, bonus: int,
                      role_id: Optional[int], reason: str) -> Winner:
        """Record a finished period's winner and pay the bonus, in one transaction; a period
        already recorded is returned as it was (``new`` False) and nothing is paid again."""
        now = int(self.now())
        with self._transaction() as conn:
            row = conn.execute(sql.SELECT_WINNER, (guild_id, kind, start)).fetchone()
            if row is not None:
                return Winner(row[0], row[1], row[2], row[3], bool(row[4]))
            paid = bonus if user_id is not None else 0
            conn.execute(sql.INSERT_WINNER, (guild_id, kind, start, user_id, xp, paid, role_id, now))
            if user_id is not None:
                self._grant(conn, now, guild_id, user_id, paid, "period", reason)
        return Winner(user_id, xp, paid, role_id, False, new=True)

    @in_worker
    def mark_winner_announced(self, guild_id: int, kind: int, start: int) -> bool:
        """Claim the announcement (True once per period), before it is sent: at most once."""
        with self._transaction() as conn:
            return conn.execute(sql.MARK_ANNOUNCED, (guild_id, kind, start)).rowcount == 1

    @in_worker
    def last_winner(self, guild_id: int, kind: int) -> Optional[tuple[int, int]]:
        """(period start, user id) of the most recent period with a winner."""
        return self.conn.execute(sql.LAST_WINNER, (guild_id, kind)).fetchone()

    @in_worker
    def period_guilds(self) -> list[int]:
        """Every guild with period rows (one index seek each)."""
        guilds, guild = [], -1
        while (found := self.conn.execute(sql.NEXT_PERIOD_GUILD, (guild,)).fetchone()[0]) is not None:
            guilds.append(found)
            guild = found
        return guilds

    @in_worker
    def prune_periods(self, keep_from: dict[int, tuple[int, int]]) -> int:
        """Delete periods older than the ones kept: ``keep_from`` maps a guild to the (week,
        month) start of its previous periods; a guild missing from it is left alone."""
        removed = 0
        for guild, (week, month) in keep_from.items():
            with self._transaction() as conn:
                removed += conn.execute(sql.PRUNE_PERIODS, (guild, sql.WEEK, week)).rowcount
                removed += conn.execute(sql.PRUNE_PERIODS, (guild, sql.MONTH, month)).rowcount
        return removed
