"""The stats store: one SQLite file, one connection, one worker thread.

Every public method is a coroutine that runs its SQL on the store's own thread, so no
SQLite call ever runs on the event loop and the connection is never shared between
threads.  Calls run in the order they were made (one thread, first in first out).
"""
from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import sqlite3
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar

from ..core import periods
from ..i18n import _
from . import statements as sql
from .clubs import ClubQueries, forget_club_user
from . import period_statements as period_sql
from .goals import FlushPlan, GoalQueries, SettleReport
from .periods import PeriodQueries
from .transfer import TransferQueries, list_backups
from .identity import APPLICATION_ID, Kind, inspect_database
from .ranks import RankCuts
from .schema import MIGRATIONS, SCHEMA_VERSION
from .worker import StoreClosed, in_worker

log = logging.getLogger("red.unicornia.db")

T = TypeVar("T")

#: How long a write waits for a lock held by another connection before failing.
DEFAULT_BUSY_TIMEOUT_MS = 5_000


#: UPDATE ... FROM (3.33) and RETURNING (3.35) are used by the flush and its follow-up.
MIN_SQLITE = (3, 35, 0)


class StoreRefused(RuntimeError):
    """The store will not open: the message says why and what the owner can do."""


class SqliteTooOld(StoreRefused):
    """This Python's SQLite lacks what the flush needs; refusing beats failing every flush."""


class SchemaTooNew(StoreRefused):
    """The file was written by a newer Unicornia; refusing beats corrupting it."""


class NotOurDatabase(StoreRefused):
    """Another program's file (or no database at all) sits where Unicornia's should be."""


@dataclass(frozen=True, slots=True)
class GainRow:
    """One member's buffered gains, as the flush writes them."""

    user_id: int
    guild_id: int
    xp: int
    messages: int = 0
    voice_seconds: int = 0


@dataclass(frozen=True, slots=True)
class MemberRow:
    xp: int
    awarded_xp: int
    messages: int
    voice_seconds: int
    links: int = 0
    thanks: int = 0
    reactions: int = 0
    commands: int = 0


EMPTY_MEMBER = MemberRow(0, 0, 0, 0)
#: What :meth:`XpStore.load_xp` returns for a member it does not know.
EMPTY_LOAD = (0, 0, 0, 0, 0, 0, 0, frozenset())

#: History sources, in the order of the buffer's per-source list.
HISTORY_SOURCES = tuple(sql.STAGE_SOURCE_COLUMNS)
_NO_SOURCES = (0,) * len(HISTORY_SOURCES)


class XpStore(ClubQueries, GoalQueries, TransferQueries, PeriodQueries):
    def __init__(self, path: Path, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unicornia-db")
        #: Long reads run here, on a connection of their own (see worker.in_reader).
        self._read_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unicornia-db-read")
        self._reader: Optional[sqlite3.Connection] = None
        self._reader_generation = -1
        #: Counts the opens: a reader connection from an earlier one (before a restore) is replaced.
        self._generation = 0
        #: Set while the file is being replaced: no reader may open it meanwhile.
        self._reader_paused = False
        self.conn: Optional[sqlite3.Connection] = None
        #: Number of flushes committed; read by the XP engine to merge cache misses correctly.
        self.flush_epoch = 0
        #: Number of write transactions committed (a read kept from before another write is old).
        self.writes = 0
        self._closed = False
        #: Each large guild's ranking in pieces, kept exact by every write (see ranks.py).
        self._ranks = RankCuts()
        #: The wall clock every stored time comes from (tests move it to cross days).
        self.now: Callable[[], float] = time.time
        #: The stage's columns the last flush filled (the rest are zero for every member).
        self._staged_columns: set[str] = set()
        #: Seconds the last write_buffer spent on the XP transaction and on its follow-up.
        self.last_timing: tuple[float, float] = (0.0, 0.0)
        #: (guild, kind, start) of finished periods whose top is known to be kept (see periods.py).
        self._periods_kept: set[tuple[int, int, int]] = set()
        #: guild -> the day (and quest periods) its baselines were last thinned for (see thin_baselines)
        self._thinned: dict[int, tuple] = {}
        #: guild -> (its reset hour, weekday and quests, when they were first seen so)
        self._thin_settings: dict[int, tuple] = {}

    # --- lifecycle ---------------------------------------------------------------------------
    @in_worker
    def open(self) -> int:
        """Open the file, set WAL, run pending migrations; return the schema version."""
        return self._open()

    def _open(self) -> int:
        """:meth:`open`'s work, on the store's thread (a restore opens the new file with it)."""
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise SqliteTooOld(_(
                "Unicornia needs SQLite {needed} or newer (UPDATE ... FROM and RETURNING); this Python has "
                "{found}. A Python from python.org, pyenv or the deadsnakes PPA brings a recent one").format(
                    needed=".".join(map(str, MIN_SQLITE)), found=sqlite3.sqlite_version))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        identity = self._check_identity()
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            for pragma in sql.PRAGMAS:
                conn.execute(pragma)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            before = conn.execute("PRAGMA user_version").fetchone()[0]
            version = self._migrate(conn)
            if 0 < before < version:
                self._compact(conn)
            if not identity.marked:  # a new file, or one made before files were marked
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(sql.CREATE_FLUSH_STAGE)
            conn.execute(sql.CREATE_FLUSH_INBOX)
            for statement in sql.CREATE_FLUSH_PLAN:
                conn.execute(statement)
            conn.execute(sql.CREATE_RANK_CUTS)
            conn.execute(period_sql.CREATE_GUILD_PERIODS)
            self._periods_kept.clear()  # a restored file has its own
            self._thinned.clear()
            self._thin_settings.clear()
            self.writes += 1  # and whatever was read before is old
            self._generation += 1
            self._reader_paused = False
            self._ranks.build_all(conn)  # once, here: no read ever builds them
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        return version

    def _check_identity(self):
        """Refuse, before writing a byte, a file that is not Unicornia's or is from a newer Unicornia."""
        identity = inspect_database(self.path)
        if identity.kind is Kind.NOT_SQLITE:
            raise NotOurDatabase(_(
                "{path} is not an SQLite database, so it cannot be Unicornia's. Unicornia left it untouched and "
                "did not start: move the file elsewhere to start a new database, or put a Unicornia database "
                "(a `[p]unicornia backup` file) in its place, then load Unicornia again.").format(path=self.path))
        if identity.kind is Kind.FOREIGN:
            raise NotOurDatabase(_(
                "{path} is another program's SQLite database, not Unicornia's. Unicornia left it untouched and "
                "did not start: move the file elsewhere to start a new database, or put a Unicornia database "
                "(a `[p]unicornia backup` file) in its place, then load Unicornia again. To bring in "
                "NadekoBot's XP, use `[p]unicornia import nadeko` instead.").format(path=self.path))
        if identity.user_version > SCHEMA_VERSION:
            raise self._too_new(identity.user_version)
        return identity

    def _too_new(self, version: int) -> SchemaTooNew:
        return SchemaTooNew(_(
            "{path} was written by a newer Unicornia (schema {version}; this one reads up to {supported}). "
            "Unicornia left it untouched and did not start: update the cog (`[p]cog update unicornia`) "
            "instead of downgrading it.").format(path=self.path, version=version, supported=SCHEMA_VERSION))

    def _migrate(self, conn: sqlite3.Connection) -> int:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:  # the header said otherwise: a newer migration still in the WAL
            raise self._too_new(version)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_statements(MIGRATIONS[number - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("Migrated unicornia.db to schema version %d", number)
        return SCHEMA_VERSION

    def _compact(self, conn: sqlite3.Connection) -> None:
        """After an upgrade that rebuilt or dropped tables, give the freed pages back to the disk
        (a file keeps its size otherwise: schema 12 left a 1,000,000-member file at 188 MiB of which
        42 were free).  Only when a tenth of the file is free; a failure (no room for SQLite's copy,
        say) is logged and leaves the file as it was, which works the same, only bigger."""
        pages, free = (conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count"))
        if free < COMPACT_MIN_PAGES or free * 10 < pages:
            return
        started = time.perf_counter()
        try:
            conn.execute(sql.VACUUM)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("Could not compact unicornia.db after the upgrade (%s: %s); it works the same, with "
                        "%d free pages it will reuse", type(exc).__name__, exc, free)
            return
        log.info("Compacted unicornia.db after the upgrade: %d of %d pages were free (%.1f s)",
                 free, pages, time.perf_counter() - started)

    def _close_conn(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _on_reader(self, method, args, kwargs):
        """Run a read-only method on the reader thread with its connection (opened on first use,
        and again after the file was opened anew)."""
        if self._reader_paused:
            raise StoreClosed()  # the file is being replaced (a restore): a moment, then it reopens
        if self._reader is None or self._reader_generation != self._generation:
            self._close_reader()
            self._reader = sqlite3.connect(self.path, check_same_thread=False)
            self._reader.execute("PRAGMA query_only = ON")
            self._reader.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            self._reader_generation = self._generation
        return method(self, self._reader, *args, **kwargs)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    async def pause_reader(self) -> None:
        """Close the reader's connection and keep it closed until the file is opened again:
        before a restore moves another file into place (a connection left open on the old file
        would, on closing, clean up write-ahead files by the name the new file now has)."""
        self._reader_paused = True
        await asyncio.get_running_loop().run_in_executor(self._read_executor, self._close_reader)

    async def close(self) -> None:
        """Close the connections and stop the threads (calls already queued run first; later ones
        raise StoreClosed); closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._read_executor, self._close_reader)
            await loop.run_in_executor(self._executor, self._close_conn)
        finally:
            self._read_executor.shutdown(wait=True)
            self._executor.shutdown(wait=True)

    @in_worker
    def set_busy_timeout(self, ms: int) -> None:
        self.busy_timeout_ms = ms
        self.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")

    # --- the flush ---------------------------------------------------------------------------
    @in_worker
    def write_gains(self, rows: list[GainRow]) -> int:
        """Add gains given as rows in ONE transaction; all or nothing.  Returns the new epoch."""
        return self._write((_GAIN_ROW_COLUMNS, chunk) for chunk in _chunks(
            ((r.user_id, r.guild_id, r.xp, r.messages, r.voice_seconds) for r in rows), WRITE_CHUNK))

    @in_worker
    def write_buffer(self, snapshot: Mapping[tuple[int, int], Any], plan: Optional[FlushPlan] = None
                     ) -> tuple[int, Optional[SettleReport]]:
        """Add a buffer snapshot {(guild, user): gain} in ONE transaction; then, with a plan, a
        second one records the guild days and quest baselines and pays what the flush completed
        (quests, the server goal).

        The XP commits on its own: a failing follow-up is logged and never costs a gain.  Rows
        are built here, on the store's thread, a chunk at a time with the GIL released between
        chunks, so a large flush never holds the event loop up for long.
        """
        started = time.perf_counter()
        big = len(snapshot) >= BIG_FLUSH
        if big:
            self.conn.execute(sql.BIG_FLUSH_CACHE)
        try:
            epoch = self._write(_snapshot_rows(snapshot), functools.partial(_guild_periods, plan, self.now()))
            written = time.perf_counter()
            report = None
            if plan is not None:
                try:
                    report = self._settle(plan)
                except Exception:
                    log.exception("Recording quests and goals for flush %d failed; the XP is written", epoch)
            self.conn.execute(sql.CLEAR_FLUSH_STAGE)  # give the staged rows' pages back
        finally:
            if big:
                self.conn.execute(sql.DEFAULT_CACHE)
        self.last_timing = (written - started, time.perf_counter() - written)
        return epoch, report

    def _write(self, chunks: Iterable[tuple[tuple[int, ...], Iterable[tuple]]],
               guild_periods: Optional[Callable[[list[int]], list[tuple[int, int, int, int, int]]]] = None) -> int:
        """Stats (with the week's and month's XP), history and rank pieces in ONE transaction.

        ``guild_periods``: given the staged guilds, (guild, week, month, previous week, previous
        month) of each whose gains count towards its boards (none for an import's rows).

        The rows are staged in a temporary table a chunk at a time (the only Python-side work,
        with the GIL handed back between chunks; each chunk binds only its columns that are not
        all zero); each real table is then written by one statement that runs entirely inside
        SQLite, in key order.
        """
        hour = int(self.now()) // 3600 * 3600
        used: set[int] = set()
        with self._transaction() as conn:
            conn.execute(sql.CLEAR_FLUSH_STAGE)
            for columns, chunk in chunks:
                conn.executemany(_stage_statement(columns), chunk)
                used.update(columns)
                time.sleep(0)  # hand the GIL to the event loop between chunks
            conn.execute(sql.STAGE_FROM_INBOX)
            conn.execute(sql.CLEAR_FLUSH_INBOX)
            self._staged_columns = {sql.STAGE_COLUMNS[i] for i in used}
            # keeps a period's top members before rows move on
            self._set_periods(conn, guild_periods(_staged_guilds(conn)) if guild_periods is not None else ())
            conn.execute(sql.FLUSH_STATS)
            for source, column in zip(HISTORY_SOURCES, _SOURCE_COLUMNS):
                if column in used:  # a source no chunk had XP from writes no history
                    conn.execute(sql.FLUSH_HISTORY[source], (hour,))
                    conn.execute(sql.FLUSH_HISTORY_GUILD[source], (hour,))
            self._ranks.flush_deltas(conn)
        # the stage keeps the flushed members for the follow-up (write_buffer clears it after)
        self.flush_epoch += 1
        return self.flush_epoch

    def dispose(self, snapshot: dict) -> None:
        """Free a large written snapshot on the store's thread, a chunk at a time (not on the loop)."""
        self._executor.submit(_drain, snapshot)

    # --- reads -------------------------------------------------------------------------------
    @in_worker
    def load_xp(self, keys: list[tuple[int, int]], unlocked_in: Optional[set[int]] = None
                ) -> tuple[dict[tuple[int, int], tuple], int]:
        """XP and counters for each (guild, user) key, and the flush epoch they were read at.

        Each value is ``(xp, messages, links, thanks, reactions, commands, voice_seconds,
        unlocked achievement keys)``; a member the database does not know reads as zeros.
        Unlocked keys are read only for guilds in ``unlocked_in`` (all when it is None).
        Keys are grouped by guild and read with ``UserId IN (...)`` statements of up to
        ``IN_LIST_SIZE``: the per-key work stays inside SQLite.
        """
        by_guild: dict[int, list[int]] = defaultdict(list)
        for guild_id, user_id in keys:
            by_guild[guild_id].append(user_id)
        found = dict.fromkeys(keys, EMPTY_LOAD)
        unlocked: dict[tuple[int, int], set] = {}
        conn = self.conn
        for guild_id, users in by_guild.items():
            for start in range(0, len(users), IN_LIST_SIZE):
                chunk = users[start:start + IN_LIST_SIZE]
                marks = ",".join("?" * len(chunk))
                for user_id, *values in conn.execute(sql.SELECT_XP_IN_GUILD.format(marks=marks), (guild_id, *chunk)):
                    found[(guild_id, user_id)] = (*values, frozenset())
                if unlocked_in is not None and guild_id not in unlocked_in:
                    continue
                for user_id, key in conn.execute(sql.SELECT_UNLOCKED_IN_GUILD.format(marks=marks), (guild_id, *chunk)):
                    unlocked.setdefault((guild_id, user_id), set()).add(key)
        for key, names in unlocked.items():
            found[key] = (*found[key][:-1], frozenset(names))
        return found, self.flush_epoch

    @in_worker
    def member(self, guild_id: int, user_id: int) -> MemberRow:
        row = self.conn.execute(sql.SELECT_MEMBER, (user_id, guild_id)).fetchone()
        return MemberRow(*row) if row else EMPTY_MEMBER  # columns in MemberRow's order

    @in_worker
    def rank(self, guild_id: int, xp: int) -> tuple[int, int]:
        """(rank, members ranked): rank is 1 + how many have strictly more XP.

        In a large guild: the members of the pieces before the member's, plus a COUNT inside one
        piece (see ranks.py), so any rank reads at most a piece of the index."""
        cuts = self._ranks.guilds.get(guild_id)
        if cuts is None:
            above = self.conn.execute(sql.COUNT_ABOVE, (guild_id, xp)).fetchone()[0]
            return above + 1, self._ranked(guild_id)
        before, (after_xp, after_user) = cuts.above(xp)
        inside = self.conn.execute(sql.COUNT_ABOVE_AFTER, (guild_id, xp, after_xp, after_xp, after_user)).fetchone()[0]
        return before + inside + 1, cuts.total

    @in_worker
    def ranked(self, guild_id: int) -> int:
        """How many members of the guild have XP (the ones rankings list)."""
        return self._ranked(guild_id)

    def _ranked(self, guild_id: int) -> int:
        cuts = self._ranks.guilds.get(guild_id)
        if cuts is not None:
            return cuts.total
        return self.conn.execute(sql.COUNT_GUILD, (guild_id,)).fetchone()[0]

    @in_worker
    def leaderboard_chunk(
        self, guild_id: int, limit: int, after: Optional[tuple[int, int]] = None
    ) -> list[tuple[int, int]]:
        """Up to ``limit`` (user id, xp) rows in rank order, after the (xp, user id) cursor."""
        if after is None:
            return self.conn.execute(sql.TOP_FIRST, (guild_id, limit)).fetchall()
        xp, user_id = after
        return self.conn.execute(sql.TOP_AFTER, (guild_id, xp, xp, user_id, limit)).fetchall()

    @in_worker
    def leaderboard_page_rows(self, guild_id: int, offset: int, limit: int) -> list[tuple[int, int]]:
        """``limit`` (user id, xp) rows from rank position ``offset`` (0-based), in about constant time.

        A small guild is read directly; a large one from the cut that starts the position's
        piece, so no page skips more than a piece of rows (and the cuts are exact: see ranks.py).
        """
        cuts = self._ranks.guilds.get(guild_id)
        if cuts is None:
            return self.conn.execute(sql.TOP_OFFSET, (guild_id, limit, offset)).fetchall()
        piece, skip, (xp, user_id) = cuts.at(offset)
        if piece == 0:
            return self.conn.execute(sql.TOP_OFFSET, (guild_id, limit, skip)).fetchall()
        return self.conn.execute(sql.TOP_AFTER_OFFSET, (guild_id, xp, xp, user_id, limit, skip)).fetchall()

    @in_worker
    def top_by(self, guild_id: int, column: str, limit: int, offset: int) -> list[tuple[int, int]]:
        """(user id, value) rows ordered by one of the counters in ``statements.TOP_BY``."""
        return self.conn.execute(sql.TOP_BY[column], (guild_id, limit, offset)).fetchall()

    @in_worker
    def history_by_day(self, guild_id: int, user_id: Optional[int], since: int) -> list[tuple[int, str, int]]:
        """(day start, source, XP) for a member, or the whole guild when ``user_id`` is None."""
        if user_id is None:
            return self.conn.execute(sql.HISTORY_BY_DAY_GUILD, (guild_id, since)).fetchall()
        return self.conn.execute(sql.HISTORY_BY_DAY_MEMBER, {"guild": guild_id, "user": user_id, "since": since}
                                 ).fetchall()

    async def prune_history(self, older_than: int) -> int:
        """Delete history older than ``older_than``: a guild at a time, about ``PRUNE_SLICE`` of its
        oldest rows per transaction (short write locks), then the guild's hourly totals.  Each slice
        is its own call on the store's thread, so a flush waits for one slice at most."""
        removed, guild_id = 0, -1
        while (guild_id := await self._next_history_guild(guild_id)) is not None:
            more = True
            while more:
                count, more = await self._prune_history_slice(guild_id, older_than)
                removed += count
        return removed

    @in_worker
    def _next_history_guild(self, after: int) -> Optional[int]:
        return self.conn.execute(sql.NEXT_HISTORY_GUILD, (after,)).fetchone()[0]

    @in_worker
    def _prune_history_slice(self, guild_id: int, older_than: int) -> tuple[int, bool]:
        """One slice of :meth:`prune_history`: (rows deleted, whether the guild has more); the last
        slice also prunes the guild's hourly totals."""
        end = self.conn.execute(sql.HISTORY_SLICE_END, (guild_id, older_than, PRUNE_SLICE - 1)).fetchone()
        with self._transaction() as tx:
            if end is not None:
                return tx.execute(sql.PRUNE_HISTORY_SLICE, (guild_id, *end)).rowcount, True
            removed = tx.execute(sql.PRUNE_HISTORY_REST, (guild_id, older_than)).rowcount  # fewer than a slice left
            tx.execute(sql.PRUNE_HISTORY_GUILD, (guild_id, older_than))
            return removed, False

    @in_worker
    def total_xp(self, user_id: int) -> int:
        row = self.conn.execute(sql.SELECT_TOTAL_XP, (user_id,)).fetchone()
        return row[0] if row else 0

    # --- admin changes -----------------------------------------------------------------------
    @in_worker
    def award(self, guild_id: int, user_id: int, delta: int, kind: str = "add", actor_id: Optional[int] = None,
              reason: str = "") -> None:
        """Add ``delta`` (may be negative) to Xp and AwardedXp and to the global total, with its audit row."""
        with self._transaction() as conn:
            before = self._xp_of(conn, guild_id, user_id)
            conn.execute(sql.AWARD_XP, (user_id, guild_id, delta, delta))
            self._ranks.moved(guild_id, user_id, before, self._xp_of(conn, guild_id, user_id))
            self._audit(conn, guild_id, user_id, kind, delta, reason, actor_id)

    @in_worker
    def reset_member(self, guild_id: int, user_id: int, actor_id: Optional[int] = None,
                     reason: str = "reset") -> int:
        """Delete one member's stats in a guild, with an audit row; returns the XP they had."""
        with self._transaction() as conn:
            xp = self._xp_of(conn, guild_id, user_id)
            conn.execute(sql.DELETE_MEMBER, (user_id, guild_id))
            self._ranks.moved(guild_id, user_id, xp, 0)
            member = {"guild": guild_id, "user": user_id, "since": 0}
            conn.execute(sql.UNSUM_MEMBER_HISTORY, member)
            conn.execute(sql.DELETE_MEMBER_HISTORY, member)
            conn.execute(sql.DELETE_MEMBER_BASELINES, (user_id, guild_id))
            conn.execute(period_sql.FORGET_TOP_MEMBER, (guild_id, user_id))
            self._audit(conn, guild_id, user_id, "reset", -xp, reason, actor_id)
        return xp

    @in_worker
    def reset_guild(self, guild_id: int, actor_id: Optional[int] = None) -> int:
        """Delete every member's stats in a guild; returns how many members were reset.

        The audit log gets one row for the whole server (user 0), with the XP removed."""
        with self._transaction() as conn:
            rows = conn.execute(sql.SELECT_GUILD_MEMBERS_XP, (guild_id,)).fetchall()
            conn.execute(sql.DELETE_GUILD, (guild_id,))
            conn.execute(sql.DELETE_GUILD_HISTORY, (guild_id,))
            conn.execute(sql.DELETE_GUILD_HISTORY_TOTALS, (guild_id,))
            self._ranks.rebuild_later(guild_id)
            conn.execute(sql.DELETE_GUILD_BASELINES, (guild_id,))
            conn.execute(period_sql.DELETE_GUILD_TOP, (guild_id,))
            self._audit(conn, guild_id, 0, "reset", -sum(xp for _, xp in rows),
                        f"whole server ({len(rows):,} members)", actor_id)
        return len(rows)

    # --- data rights -------------------------------------------------------------------------
    @in_worker
    def delete_user(self, user_id: int) -> None:
        with self._transaction() as conn:
            for guild_id, xp in forget_user(conn, user_id):
                self._ranks.moved(guild_id, user_id, xp, 0)

    @in_worker
    def delete_user_in_backups(self, folder: Path, user_id: int) -> list[str]:
        """The same deletion in every backup in ``folder`` (their deleted pages overwritten), so a
        restore cannot bring the user back; returns the backups it could not clean (logged)."""
        failed = []
        for name, _written, _size in list_backups(folder):
            try:
                conn = sqlite3.connect(folder / name, isolation_level=None)
                try:
                    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                        continue  # not a file of ours: left as it is
                    conn.execute("PRAGMA secure_delete = ON")
                    conn.execute("BEGIN IMMEDIATE")
                    forget_user(conn, user_id)
                    forget_club_user(conn, user_id)
                    conn.execute("COMMIT")
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                log.warning("Could not delete user %s from the backup %s (%s); delete the file to be sure", user_id,
                            name, exc)
                failed.append(name)
        return failed

    @in_worker
    def user_data(self, user_id: int) -> dict[str, Any]:
        conn = self.conn
        stats = [
            dict(zip(("guild_id", "xp", "awarded_xp", "messages", "voice_seconds", "date_added",
                      "links", "thanks_received", "reactions", "commands", "week_number", "week_xp",
                      "month_number", "month_xp"), r))
            for r in conn.execute(sql.SELECT_USER_STATS, (user_id,))
        ]
        items = [
            dict(zip(("item_type", "item_key", "is_using", "date_added"), r))
            for r in conn.execute(sql.SELECT_USER_ITEMS, (user_id,))
        ]
        shop_log = [
            dict(zip(("at", "guild_id", "action", "item_key", "price"), r))
            for r in conn.execute(sql.SELECT_USER_SHOP_LOG, (user_id,))
        ]
        history = [dict(zip(("guild_id", "source", "hour", "xp"), r))
                   for r in conn.execute(sql.SELECT_USER_HISTORY, (user_id,))]
        total = conn.execute(sql.SELECT_TOTAL_XP, (user_id,)).fetchone()
        achievements = [dict(zip(("guild_id", "key", "unlocked_at"), r))
                        for r in conn.execute(sql.SELECT_USER_ACHIEVEMENTS, (user_id,))]
        daily = [dict(zip(("guild_id", "last_day", "streak", "best_streak"), r))
                 for r in conn.execute(sql.SELECT_USER_DAILY, (user_id,))]
        audit = [dict(zip(("guild_id", "at", "kind", "amount", "reason"), r))
                 for r in conn.execute(sql.SELECT_USER_AUDIT, (user_id,))]
        actions = [dict(zip(("guild_id", "at", "kind", "amount", "reason"), r))
                   for r in conn.execute(sql.SELECT_USER_ACTIONS, (user_id,))]
        baselines = [dict(zip(("guild_id", "period_start", "messages", "links", "thanks_received", "reactions",
                               "commands", "voice_seconds"), r))
                     for r in conn.execute(sql.SELECT_USER_BASELINES, (user_id,))]
        wins = [dict(zip(("guild_id", "kind", "start", "xp", "bonus", "role_id", "at"), r))
                for r in conn.execute(period_sql.SELECT_USER_WINS, (user_id,))]
        imports = [dict(zip(("source", "guild_id", "xp", "awarded_xp", "messages", "voice_seconds", "at"), r))
                   for r in conn.execute(sql.SELECT_USER_IMPORTS, (user_id,))]
        quests = [dict(zip(("guild_id", "quest_id", "period_start", "completed_at"), r))
                  for r in conn.execute(sql.SELECT_USER_QUESTS, (user_id,))]
        boosts = [dict(zip(("guild_id", "multiplier", "expires_at"), r))
                  for r in conn.execute(sql.SELECT_USER_BOOSTS, (user_id,))]
        period_xp = [dict(zip(("guild_id", "kind", "start", "position", "xp"), r))
                     for r in conn.execute(period_sql.SELECT_USER_TOP, (user_id,))]
        return {"guild_stats": stats, "total_xp": total[0] if total else 0, "shop_items": items,
                "shop_log": shop_log, "xp_history": history, "achievements": achievements, "daily": daily,
                "audit_log": audit, "audit_log_as_admin": actions, "imports": imports,
                "quests_completed": quests, "quest_baselines": baselines, "xp_boosts": boosts,
                "period_xp": period_xp, "period_wins": wins}

    # --- the XP shop -------------------------------------------------------------------------
    @in_worker
    def owned_items(self, user_id: int, item_type: int) -> list[tuple[str, bool]]:
        return [(key, bool(using)) for key, using in self.conn.execute(sql.SELECT_OWNED, (user_id, item_type))]

    @in_worker
    def using(self, user_id: int, item_type: int) -> Optional[str]:
        row = self.conn.execute(sql.SELECT_USING, (user_id, item_type)).fetchone()
        return row[0] if row else None

    @in_worker
    def owns(self, user_id: int, item_type: int, key: str) -> bool:
        return self.conn.execute(sql.SELECT_OWNS, (user_id, item_type, key)).fetchone() is not None

    @in_worker
    def record_purchase(self, guild_id: Optional[int], user_id: int, item_type: int, key: str, price: int) -> None:
        """Ownership and its audit row, together or not at all (raises if already owned)."""
        with self._transaction() as conn:
            conn.execute(sql.INSERT_OWNED, (user_id, item_type, key))
            conn.execute(sql.INSERT_SHOP_LOG, (int(self.now()), guild_id, user_id, "buy", item_type, key, price))
            if guild_id is not None:
                self._audit(conn, guild_id, user_id, "buy", price, f"background {key}")

    @in_worker
    def equip(self, guild_id: Optional[int], user_id: int, item_type: int, key: Optional[str]) -> None:
        """Make ``key`` the one item of its type in use (None: none, i.e. the default)."""
        with self._transaction() as conn:
            conn.execute(sql.CLEAR_USING, (user_id, item_type))
            if key is not None:
                conn.execute(sql.SET_USING, (user_id, item_type, key))
            conn.execute(sql.INSERT_SHOP_LOG, (int(self.now()), guild_id, user_id, "use", item_type, key or "default", 0))

    @in_worker
    def log_refund(self, guild_id: Optional[int], user_id: int, item_type: int, key: str, amount: int) -> None:
        with self._transaction() as conn:
            conn.execute(sql.INSERT_SHOP_LOG, (int(self.now()), guild_id, user_id, "refund", item_type, key, amount))
            if guild_id is not None:
                self._audit(conn, guild_id, user_id, "refund", amount, f"background {key}")

    @in_worker
    def shop_log(self, guild_id: int, user_id: Optional[int] = None, limit: int = 200) -> list[tuple]:
        if user_id is None:
            return self.conn.execute(sql.SELECT_SHOP_LOG_GUILD, (guild_id, limit)).fetchall()
        return self.conn.execute(sql.SELECT_SHOP_LOG_MEMBER, (guild_id, user_id, limit)).fetchall()

    # --- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _xp_of(conn: sqlite3.Connection, guild_id: int, user_id: int) -> int:
        row = conn.execute(sql.SELECT_XP, (user_id, guild_id)).fetchone()
        return row[0] if row else 0

    class _Tx:
        """BEGIN ... COMMIT; what the transaction changed in the rank pieces is applied once it
        has committed, and forgotten if it rolls back."""

        def __init__(self, store: "XpStore", kind: str) -> None:
            self.store = store
            self.conn = store.conn
            self.kind = kind
            self.ranks = store._ranks

        def __enter__(self) -> sqlite3.Connection:
            self.ranks.discard()
            self.conn.execute(f"BEGIN {self.kind}")
            return self.conn

        def __exit__(self, exc_type, exc, tb) -> None:
            if exc_type is not None:
                self.ranks.discard()
                self.conn.execute("ROLLBACK")
                return
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.ranks.discard()
                raise
            self.ranks.commit(self.conn)
            self.store.writes += 1

    def _transaction(self, kind: str = "IMMEDIATE") -> "_Tx":
        """A transaction; IMMEDIATE (the default) takes the write lock up front, so a write
        waits for the lock at BEGIN rather than failing half-way."""
        if self.conn is None:
            raise RuntimeError("the store is closed")
        return self._Tx(self, kind)


#: Members read per statement by a batched cache fill (SQLite allows 999 parameters by default).
IN_LIST_SIZE = 900

#: Free pages from which an upgrade compacts the file (and only when they are a tenth of it).
COMPACT_MIN_PAGES = 256

#: Rows per executemany inside one flush transaction.
WRITE_CHUNK = 500
#: Members from which a flush gets the bigger page cache (see ``statements.BIG_FLUSH_CACHE``).
BIG_FLUSH = 20_000

#: History rows per pruning transaction (a few more: a slice ends with a member's whole hour).
PRUNE_SLICE = 50_000


def forget_user(conn: sqlite3.Connection, user_id: int) -> list[tuple[int, int]]:
    """Every row about the user in one database, the caller holding the transaction (Red's data
    deletion, in the live file and in each backup); returns the (guild, XP) they had."""
    for statement in sql.DELETE_USER_GOALS:  # before the stats: they are found through them
        conn.execute(statement, (user_id, user_id))
    had = conn.execute(sql.SELECT_USER_GUILD_XP, (user_id,)).fetchall()
    conn.execute(sql.UNSUM_USER_HISTORY, (user_id,))
    for statement in (sql.DELETE_USER_STATS, sql.DELETE_USER_ITEMS,
                      sql.DELETE_USER_SHOP_LOG, sql.DELETE_USER_HISTORY, *sql.DELETE_USER_LEFTOVERS,
                      period_sql.FORGET_TOP_USER, period_sql.FORGET_WINNER_USER):
        conn.execute(statement, (user_id,))
    return had


def _staged_guilds(conn: sqlite3.Connection) -> list[int]:
    """The guilds in the flush's stage, one seek each.  Not a pass over the snapshot: 100,000 keys
    walked in Python held the GIL, and so the event loop, for about 5 ms."""
    guilds, after = [], -2 ** 63
    while (guild_id := conn.execute(sql.NEXT_STAGED_GUILD, (after,)).fetchone()[0]) is not None:
        guilds.append(guild_id)
        after = guild_id
    return guilds


def _guild_periods(plan: Optional[FlushPlan], now: float, guild_ids: list[int]) -> list[tuple[int, int, int, int, int]]:
    """(guild, week, month, previous week, previous month) of each flushed guild now: from the plan
    (each guild's own reset weekday and hour), or Monday 00:00 UTC for a guild it lacks."""
    planned = {g.guild_id: g for g in plan.guilds} if plan is not None else {}
    rows = []
    for guild_id in guild_ids:
        g = planned.get(guild_id)
        if g is not None and g.week_start is not None:
            week, month, hour = g.week_start, g.month_start, g.reset_hour
        else:
            week, month, hour = periods.week_start(now), periods.month_start(now), 0
        rows.append((guild_id, week, month, week - 7 * periods.DAY, periods.month_start(month - 1, hour)))
    return rows


def _chunks(items: Iterable, size: int) -> Iterable[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _snapshot_rows(snapshot: Mapping[tuple[int, int], Any]) -> Iterable[tuple[str, Iterable[tuple]]]:
    """The snapshot as chunks of stage rows, made column by column, each with its INSERT.

    Columns of plain ints are not tracked by the garbage collector and ``zip`` reuses its
    tuple once the database has bound it, so a 100,000-member flush allocates a few lists
    per chunk rather than 100,000 tracked tuples: it does not set off a full collection,
    which would hold the event loop for as long as it takes to walk the whole bot's heap.
    A column that is zero for the whole chunk is left to the stage's default: most gains are
    messages only, so a chunk usually binds 4 columns instead of 14.
    """
    keys, gains = iter(snapshot), iter(snapshot.values())
    while True:
        chunk_keys = list(itertools.islice(keys, WRITE_CHUNK))
        if not chunk_keys:
            return
        chunk = list(itertools.islice(gains, WRITE_CHUNK))
        sources = [[(g.by_source or _NO_SOURCES)[i] for g in chunk] for i in range(1, len(HISTORY_SOURCES))]
        columns = [[k[1] for k in chunk_keys], [k[0] for k in chunk_keys], [g.xp for g in chunk],
                   [g.messages for g in chunk], [g.voice_seconds for g in chunk], [g.links for g in chunk],
                   [g.thanks for g in chunk], [g.reactions for g in chunk], [g.commands for g in chunk], *sources]
        wanted = tuple(i for i, column in enumerate(columns) if i < 2 or any(column))
        yield wanted, zip(*(columns[i] for i in wanted))


@functools.lru_cache(maxsize=64)
def _stage_statement(wanted: tuple[int, ...]) -> str:
    return sql.stage_gains(tuple(sql.STAGE_COLUMNS[i] for i in wanted))


#: What a GainRow fills of ``sql.STAGE_COLUMNS``.
_GAIN_ROW_COLUMNS = tuple(range(5))
#: For each history source, the staged column that says whether a chunk had XP from it: the
#: message share is the XP the others leave, so any XP at all may be from messages.
_SOURCE_COLUMNS = tuple(sql.STAGE_COLUMNS.index(name) for name in ("Xp", "XpLink", "XpVoice", "XpThanks",
                                                                   "XpReaction", "XpCommand"))


def _drain(mapping: dict) -> None:
    while mapping:
        for _item in range(min(WRITE_CHUNK, len(mapping))):
            mapping.popitem()
        time.sleep(0)


def _split_statements(script: str) -> Iterable[str]:
    """Split a migration into statements, honouring SQLite's own notion of a complete one."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement:
                yield statement
            buffer = ""
    if buffer.strip():
        yield buffer.strip()
