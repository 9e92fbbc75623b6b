"""Storage of the weekly and monthly boards: reads, keeping a finished period's top, the winner's
payment.  Mixed into :class:`~unicornia.db.store.XpStore`; every method runs on its thread.  The
period XP itself is written by the flush's stats upsert (see ``period_statements``)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable, Optional

from . import period_statements as sql
from .worker import in_reader, in_worker


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


class PeriodQueries:
    """Mixed into XpStore; uses its ``conn``, ``now``, ``_transaction`` and ``_grant``."""

    conn: sqlite3.Connection
    _periods_kept: set[tuple[int, int, int]]

    def _set_periods(self, conn: sqlite3.Connection, guild_periods: Iterable[tuple[int, int, int, int, int]]) -> None:
        """Inside the flush's transaction, before the stats: each guild's periods for the upsert,
        and, the first time a guild is flushed after a period ended, that period's top members
        (kept while every row still holds it)."""
        rows = list(guild_periods)
        conn.execute(sql.CLEAR_GUILD_PERIODS)
        conn.executemany(sql.INSERT_GUILD_PERIOD, rows)
        kept = self._periods_kept
        for guild_id, _week, _month, previous_week, previous_month in rows:
            for kind, start in ((sql.WEEK, previous_week), (sql.MONTH, previous_month)):
                if (guild_id, kind, start) in kept:
                    continue
                if conn.execute(sql.KEPT_START, (guild_id, kind, *sql.number_span(start))).fetchone() is None:
                    conn.execute(sql.KEEP_TOP[kind], (guild_id, start, sql.TOP_KEPT))
                    conn.execute(sql.MARK_KEPT, (guild_id, kind, start))
                kept.add((guild_id, kind, start))

    @in_reader
    def period_board(self, conn: sqlite3.Connection, guild_id: int, kind: int, start: int,
                     limit: int) -> list[tuple[int, int]]:
        """(user id, XP) of the period's top ``limit`` members: kept ones for a finished period,
        else read from the leaderboard index (a scan of the guild's entries, on the reader thread)."""
        kept = conn.execute(sql.KEPT_START, (guild_id, kind, *sql.number_span(start))).fetchone()
        if kept is not None:
            return conn.execute(sql.KEPT_TOP, (guild_id, kind, kept[0])).fetchall()[:limit]
        return conn.execute(sql.BOARD[kind], (guild_id, start, limit)).fetchall()

    @in_worker
    def period_xp(self, guild_id: int, kind: int, start: int, user_id: int) -> int:
        """XP the member earned in the period starting at ``start`` (0 once their row moved on)."""
        row = self.conn.execute(sql.MEMBER_PERIODS, (user_id, guild_id)).fetchone()
        if row is None:
            return 0
        week, week_xp, month, month_xp = row
        number, xp = (week, week_xp) if kind == sql.WEEK else (month, month_xp)
        return xp if number == sql.period_number(start) else 0

    @in_worker
    def period_winner(self, guild_id: int, kind: int, start: int) -> Optional[Winner]:
        row = self.conn.execute(sql.SELECT_WINNER, (guild_id, kind, *sql.number_span(start))).fetchone()
        return None if row is None else Winner(row[0], row[1], row[2], row[3], bool(row[4]))

    @in_worker
    def record_winner(self, guild_id: int, kind: int, start: int, user_id: Optional[int], xp: int, bonus: int,
                      role_id: Optional[int], reason: str) -> Winner:
        """Record a finished period's winner and pay the bonus, in one transaction; a period
        already recorded is returned as it was (``new`` False) and nothing is paid again."""
        now = int(self.now())
        with self._transaction() as conn:
            row = conn.execute(sql.SELECT_WINNER, (guild_id, kind, *sql.number_span(start))).fetchone()
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
            return conn.execute(sql.MARK_ANNOUNCED, (guild_id, kind, *sql.number_span(start))).rowcount == 1

    @in_worker
    def prune_period_tops(self) -> int:
        """Keep the last :data:`~period_statements.PERIODS_KEPT` finished periods of each guild."""
        removed, guild = 0, -1
        while (found := self.conn.execute(sql.NEXT_TOP_GUILD, (guild,)).fetchone()[0]) is not None:
            guild = found
            with self._transaction() as conn:
                for kind in (sql.WEEK, sql.MONTH):
                    removed += conn.execute(sql.PRUNE_TOP, (guild, kind, guild, kind, sql.PERIODS_KEPT)).rowcount
        return removed
