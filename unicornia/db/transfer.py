"""Imports (NadekoBot's database, LevelUp's rows), the CSV export and the online backup.
Mixed into XpStore; every method runs on the store's thread, so none of it blocks the event loop.

An import runs in ONE transaction and adds only what changed since the last import from the
same source (the ImportLedger keeps what each member brought in), so running it twice does not
double anyone's XP and a failure leaves the database as it was.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional
from urllib.request import pathname2url

from ..core.levels import MAX_LEVEL, NADEKO, Curve
from ..core.settings import LIMITS
from ..core.shop_config import ITEM_TYPE_BACKGROUND
from ..core.transfer import (
    NADEKO_BACKGROUND, NADEKO_EXCLUDED_CHANNEL, NADEKO_EXCLUDED_ROLE, NADEKO_V6_EXCLUDED_ROLE, NADEKO_CURVE,
    MAX_XP, BackupFacts, ImportRefused, NadekoSchema, RestoreRefused, check_backup, nadeko_schema, valid_id,
)
from ..i18n import _
from . import statements as sql
from .identity import APPLICATION_ID, OWN_TABLES
from .ranks import RankCuts
from .schema import SCHEMA_VERSION
from .worker import in_worker

SQLITE_HEADER = b"SQLite format 3\x00"
#: NadekoBot's tables this importer reads beyond those named in statements.py.
NADEKO_SERVER_EXCLUDED = "SELECT Id, ServerExcluded FROM XpSettings"
NADEKO_ZERO_RATE_CHANNELS = "SELECT DISTINCT GuildId, ChannelId FROM ChannelXpConfig WHERE XpAmount = 0"
CHUNK = 5_000
BACKUP_PAGES = 256
#: Where ``[p]unicornia backup`` writes, in the cog's data folder; ``[p]unicornia restore`` reads only there.
#: The most an imported currency reward pays (the admin command's own limit).
MAX_CURRENCY_REWARD = int(LIMITS["currency_reward"].high)
#: The longest the check of a file to import may hold the store's thread (a 6,000,000-row file
#: takes under a second).
SOURCE_CHECK_SECONDS = 60
BACKUPS_DIR = "backups"
BACKUP_SUFFIX = ".db"
#: A backup's copy beside the database while it is checked, before it takes the database's place.
RESTORING_SUFFIX = ".restoring"

log = logging.getLogger("red.unicornia.db")


@dataclass
class Progress:
    """Shared with the event loop, which shows it: the worker only assigns plain values."""

    phase: str = "starting"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


@dataclass
class NadekoPlan:
    """What a NadekoBot database holds for the guilds this bot is in, and what would be skipped."""

    schema: NadekoSchema
    guilds: dict[int, tuple[int, int]] = field(default_factory=dict)  # guild -> (members, XP)
    skipped: dict[str, int] = field(default_factory=dict)               # reason -> rows
    items_known: dict[str, int] = field(default_factory=dict)           # background key -> owners
    items_unknown: dict[str, int] = field(default_factory=dict)
    role_rewards: dict[int, list[tuple[int, int, bool]]] = field(default_factory=dict)  # guild -> (level, role, remove)
    currency_rewards: dict[int, list[tuple[int, int]]] = field(default_factory=dict)    # guild -> (level, amount)
    excluded_channels: dict[int, list[int]] = field(default_factory=dict)
    excluded_roles: dict[int, list[int]] = field(default_factory=dict)
    custom_curves: list[int] = field(default_factory=list)  # guilds whose NadekoBot curve differs from ours
    xp_disabled: list[int] = field(default_factory=list)    # guilds NadekoBot gave no XP at all (ServerExcluded)

    @property
    def members(self) -> int:
        return sum(m for m, _ in self.guilds.values())

    @property
    def xp(self) -> int:
        return sum(x for _, x in self.guilds.values())

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count


@dataclass(frozen=True)
class ImportResult:
    members_changed: int
    xp_added: int
    items_added: int
    rows_read: int
    seconds: float


@dataclass(frozen=True)
class BackupInfo:
    """One file in the backups folder, as checked: what restoring it would bring back."""

    name: str
    members: int        # member rows (a member counts once per server)
    servers: int
    schema: int         # Unicornia's schema version it was written with
    modified: float     # when the file was written (unix time)
    size: int


def _whole(value, most: int) -> bool:
    """Whether a value read from another bot's file is a whole number from 0 to ``most`` (SQLite
    hands back whatever the file holds: a text, a float, infinity, NULL)."""
    return type(value) is int and 0 <= value <= most


def _xp_columns(schema) -> tuple[str, str]:
    """NadekoBot's total XP expression for its schema, and the condition its rows' XP must meet: a
    whole number from 0 to MAX_XP in each column (column names from this code, never from the file)."""
    columns = ("Xp", "AwardedXp") if schema.awarded_xp else ("Xp",)
    ok = " AND ".join(f"(typeof({c}) = 'integer' AND {c} BETWEEN 0 AND {MAX_XP})" for c in columns)
    return " + ".join(columns), ok


def _read_only(path: Path) -> str:
    """A URI that reads ``path`` as it is: no lock, no -wal or -shm file made beside it."""
    return f"file:{pathname2url(str(path.resolve()))}?mode=ro&immutable=1"


def list_backups(folder: Path) -> list[tuple[str, float, int]]:
    """(name, written at, bytes) of the backup files in ``folder``, newest first (none read)."""
    try:
        entries = [(p.name, p.stat()) for p in folder.iterdir() if p.suffix == BACKUP_SUFFIX and p.is_file()]
    except FileNotFoundError:
        return []
    return sorted(((name, st.st_mtime, st.st_size) for name, st in entries), key=lambda e: (-e[1], e[0]))


def read_backup(path: Path) -> BackupInfo:
    """Check a backup without changing it: a sound SQLite file (integrity_check), Unicornia's (its
    mark or its tables), of a schema this Unicornia knows.  RestoreRefused says what is wrong."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        stat = path.stat()
    except OSError as exc:
        raise RestoreRefused(_("the file can't be read ({error})").format(error=exc.strerror or exc)) from None
    if header != SQLITE_HEADER:
        raise RestoreRefused(_("the file is not an SQLite database"))
    conn = sqlite3.connect(_read_only(path), uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check(1)").fetchone()[0]
        facts = BackupFacts(integrity, conn.execute("PRAGMA application_id").fetchone()[0],
                            conn.execute("PRAGMA user_version").fetchone()[0],
                            frozenset(name for (name,) in conn.execute(sql.NADEKO_TABLES)),
                            conn.execute(sql.COUNT_CODE).fetchone()[0])
        check_backup(facts, our_application_id=APPLICATION_ID, our_version=SCHEMA_VERSION, own_tables=OWN_TABLES)
        members, servers = conn.execute("SELECT COUNT(*), COUNT(DISTINCT GuildId) FROM UserXpStats").fetchone()
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(_("the file is damaged or truncated ({error})").format(error=exc)) from None
    finally:
        conn.close()
    return BackupInfo(path.name, members, servers, facts.user_version, stat.st_mtime, stat.st_size)


class TransferQueries:
    """Mixed into :class:`~unicornia.db.store.XpStore`."""

    conn: sqlite3.Connection

    # --- NadekoBot ---------------------------------------------------------------------------
    @staticmethod
    def _open_source(path: Path) -> sqlite3.Connection:
        """NadekoBot's file, read-only; ImportRefused for anything that is not a sound SQLite file."""
        try:
            with open(path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise ImportRefused(f"I can't read `{path}`: {exc.strerror or exc}") from None
        if header != SQLITE_HEADER:
            raise ImportRefused(f"`{path.name}` is not an SQLite database")
        conn = sqlite3.connect(f"file:{pathname2url(str(path))}?mode=ro", uri=True, check_same_thread=False)
        try:
            # NadekoBot makes no generated column; one would be computed for every row by the check
            # below, on the store's thread, at a cost whoever made the file chose
            for (table,) in conn.execute(sql.NADEKO_TABLES).fetchall():
                if any(column[6] for column in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (table,))):
                    raise ImportRefused(f"`{path.name}` holds computed columns, which NadekoBot never makes; "
                                        "nothing was imported")
            deadline = time.monotonic() + SOURCE_CHECK_SECONDS
            conn.set_progress_handler(lambda: time.monotonic() > deadline, 100_000)
            problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            conn.set_progress_handler(None, 0)
            if problem != "ok":
                raise ImportRefused(f"`{path.name}` is damaged ({problem}); nothing was imported")
        except sqlite3.OperationalError as exc:
            conn.close()
            if "interrupt" in str(exc):
                raise ImportRefused(f"checking `{path.name}` took longer than {SOURCE_CHECK_SECONDS} s; nothing "
                                    "was imported") from None
            raise ImportRefused(f"`{path.name}` is damaged or truncated ({exc}); nothing was imported") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ImportRefused(f"`{path.name}` is damaged or truncated ({exc}); nothing was imported") from None
        except ImportRefused:
            conn.close()
            raise
        return conn

    @staticmethod
    def _want_guilds(src: sqlite3.Connection, guild_ids: set[int]) -> None:
        """The servers to import, in the source connection's own temporary table (never its file)."""
        src.execute(sql.NADEKO_CREATE_WANTED)
        src.executemany(sql.NADEKO_WANT, [(gid,) for gid in guild_ids])

    @staticmethod
    def _schema(src: sqlite3.Connection) -> NadekoSchema:
        tables = [name for (name,) in src.execute(sql.NADEKO_TABLES)]
        columns = {t: {row[1] for row in src.execute(f'PRAGMA table_info("{t}")')} for t in tables
                   if t.replace("_", "").isalnum()}
        last = None
        if "__EFMigrationsHistory" in columns:
            row = src.execute(sql.NADEKO_LAST_MIGRATION).fetchone()
            last = row[0] if row else None
        unicornia_file = src.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        return nadeko_schema(columns, last, unicornia_file=unicornia_file)

    @in_worker
    def plan_nadeko(self, path: Path, guild_ids: set[int], known_keys: set[str]) -> NadekoPlan:
        """The dry run: read everything, write nothing."""
        src = self._open_source(path)
        try:
            self._want_guilds(src, guild_ids)
            schema = self._schema(src)
            plan = NadekoPlan(schema)
            xp, ok = _xp_columns(schema)
            bad = src.execute(sql.NADEKO_BAD_XP.format(ok=ok)).fetchone()[0]
            if bad:
                plan.skip("rows whose XP is not a whole number from 0 to 10^15", bad)
            for gid, members, total in src.execute(sql.NADEKO_GUILD_TOTALS.format(xp=xp, ok=ok)):
                if not valid_id(gid):
                    plan.skip("rows with an invalid server id", members)
                elif gid not in guild_ids:
                    plan.skip("rows of servers this bot is not in", members)
                else:
                    plan.guilds[gid] = (members, total or 0)
            self._plan_settings(src, schema, plan, guild_ids)
            self._plan_channel_rates(src, schema, plan, guild_ids)
            if schema.shop:  # the items of members of the imported servers
                for item_type, key, owners in src.execute(sql.NADEKO_WANTED_ITEMS):
                    if item_type != NADEKO_BACKGROUND:
                        plan.skip("frames (Unicornia has backgrounds only)", owners)
                    elif key in known_keys:
                        plan.items_known[key] = owners
                    else:
                        plan.items_unknown[key] = owners
            return plan
        except sqlite3.DatabaseError as exc:
            raise ImportRefused(f"`{path.name}` could not be read as NadekoBot's database ({exc})") from None
        finally:
            src.close()

    def _plan_settings(self, src: sqlite3.Connection, schema: NadekoSchema, plan: NadekoPlan,
                       guild_ids: set[int]) -> None:
        if not schema.settings:
            return
        query = sql.NADEKO_SETTINGS_V6 if schema.settings_by_guild_id else sql.NADEKO_SETTINGS_V4
        guild_of = {sid: gid for sid, gid in src.execute(query) if gid in guild_ids}
        tables = {name for (name,) in src.execute(sql.NADEKO_TABLES)}
        if "XpRoleReward" in tables:
            for sid, level, role, remove in src.execute(sql.NADEKO_ROLE_REWARDS):
                if sid in guild_of and valid_id(role) and _whole(level, MAX_LEVEL):
                    plan.role_rewards.setdefault(guild_of[sid], []).append((level, role, bool(remove)))
                elif sid in guild_of:
                    plan.skip("rewards with a level or role that is not a number Unicornia can use")
        if "XpCurrencyReward" in tables:
            for sid, level, amount in src.execute(sql.NADEKO_CURRENCY_REWARDS):
                if sid in guild_of and _whole(level, MAX_LEVEL) and _whole(amount, MAX_CURRENCY_REWARD) and amount > 0:
                    plan.currency_rewards.setdefault(guild_of[sid], []).append((level, amount))
                elif sid in guild_of:
                    plan.skip("rewards with a level or role that is not a number Unicornia can use")
        if schema.old_exclusions:
            for sid, item, kind in src.execute(sql.NADEKO_OLD_EXCLUSIONS):
                if sid in guild_of and valid_id(item):
                    target = plan.excluded_channels if kind == NADEKO_EXCLUDED_CHANNEL else (
                        plan.excluded_roles if kind == NADEKO_EXCLUDED_ROLE else None)
                    if target is not None:
                        target.setdefault(guild_of[sid], []).append(item)
        if schema.new_exclusions:
            for gid, item, kind in src.execute(sql.NADEKO_NEW_EXCLUSIONS):
                if gid not in guild_ids or not valid_id(item):
                    continue
                if kind == NADEKO_V6_EXCLUDED_ROLE:
                    plan.excluded_roles.setdefault(gid, []).append(item)
                else:
                    plan.skip("excluded users (Unicornia excludes channels and roles)")
        if schema.custom_curve:
            for sid, a, c in src.execute(sql.NADEKO_CURVES):
                if sid in guild_of and (a, c) != NADEKO_CURVE:
                    plan.custom_curves.append(guild_of[sid])
        if schema.server_excluded:
            for sid, excluded in src.execute(NADEKO_SERVER_EXCLUDED):
                if sid in guild_of and excluded and guild_of[sid] not in plan.xp_disabled:
                    plan.xp_disabled.append(guild_of[sid])

    @staticmethod
    def _plan_channel_rates(src: sqlite3.Connection, schema: NadekoSchema, plan: NadekoPlan,
                            guild_ids: set[int]) -> None:
        """Newest v6 turns XP off in a channel by giving it a rate of 0 (text or voice)."""
        if not schema.channel_rates:
            return
        for gid, channel in src.execute(NADEKO_ZERO_RATE_CHANNELS):
            if gid in guild_ids and valid_id(channel):
                known = plan.excluded_channels.setdefault(gid, [])
                if channel not in known:
                    known.append(channel)

    @in_worker
    def import_nadeko(self, path: Path, guild_ids: set[int], progress: Progress, actor_id: Optional[int] = None
                      ) -> ImportResult:
        """Import the stats of the guilds in ``guild_ids`` and every member's backgrounds."""
        src = self._open_source(path)
        try:
            schema = self._schema(src)
            self._want_guilds(src, guild_ids)
            xp, ok = _xp_columns(schema)
            awarded = "AwardedXp" if schema.awarded_xp else "0"
            progress.phase, progress.total = "Counting", 0
            progress.total = sum(n for gid, n, _ in src.execute(sql.NADEKO_GUILD_TOTALS.format(xp=xp, ok=ok))
                                 if gid in guild_ids)
            rows = ((gid, uid, total or 0, extra or 0, 0, 0)
                    for gid, uid, total, extra in src.execute(sql.NADEKO_STATS.format(xp=xp, awarded=awarded, ok=ok))
                    if gid in guild_ids and valid_id(uid))
            items = []
            if schema.shop:
                items = [(uid, key, bool(using)) for uid, kind, key, using in src.execute(sql.NADEKO_WANTED_ITEM_ROWS)
                         if kind == NADEKO_BACKGROUND and valid_id(uid) and isinstance(key, str)]
            return self._apply_import("nadeko", rows, items, progress, actor_id, "NadekoBot import")
        except sqlite3.DatabaseError as exc:
            raise ImportRefused(f"`{path.name}` could not be read as NadekoBot's database ({exc}); "
                                "nothing was imported") from None
        finally:
            src.close()

    # --- any source --------------------------------------------------------------------------
    @in_worker
    def import_rows(self, source: str, rows: list[tuple[int, int, int, int, int, int]], progress: Progress,
                    actor_id: Optional[int] = None, reason: str = "import") -> ImportResult:
        """Rows (guild, user, XP, awarded XP, messages, voice seconds) from a source already read."""
        progress.total = len(rows)
        return self._apply_import(source, iter(rows), [], progress, actor_id, reason)

    def _apply_import(self, source: str, rows: Iterable[tuple], items: list[tuple[int, str, bool]],
                      progress: Progress, actor_id: Optional[int], reason: str) -> ImportResult:
        started = time.monotonic()
        now = int(self.now())
        read = 0
        with self._transaction() as conn:
            for statement in sql.CREATE_IMPORT_STAGE:
                conn.execute(statement)
            for statement in sql.CLEAR_IMPORT_STAGE:
                conn.execute(statement)
            progress.phase = "Reading"
            chunk = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == CHUNK:
                    conn.executemany(sql.STAGE_IMPORT, chunk)
                    read += len(chunk)
                    progress.done = read
                    chunk = []
                    time.sleep(0)  # hand the GIL to the event loop
            conn.executemany(sql.STAGE_IMPORT, chunk)
            read += len(chunk)
            progress.done = read
            progress.phase = "Writing"
            conn.execute(sql.IMPORT_DELTAS, (source,))
            changed, added = conn.execute(sql.IMPORT_DELTA_SUMMARY).fetchone()
            conn.execute(sql.IMPORT_STATS)
            conn.execute(sql.IMPORT_SHIFT_BASELINES)
            conn.execute(sql.IMPORT_AUDIT, (now, actor_id, reason))
            conn.execute(sql.IMPORT_LEDGER, (source, now))
            items_added = 0
            if items:
                conn.executemany(sql.STAGE_IMPORT_ITEM, items)
                items_added = conn.execute(sql.IMPORT_ITEMS, (ITEM_TYPE_BACKGROUND,)).rowcount
                conn.execute(sql.IMPORT_ITEMS_IN_USE, (ITEM_TYPE_BACKGROUND,))
            for statement in sql.CLEAR_IMPORT_STAGE:
                conn.execute(statement)
            self._ranks.rebuild_later(None)  # many members moved: cut every guild again once committed
        progress.phase = "Done"
        return ImportResult(changed, added, items_added, read, time.monotonic() - started)

    # --- export and backup -------------------------------------------------------------------
    @in_worker
    def export_csv(self, guild_id: int, curve: Curve = NADEKO) -> tuple[bytes, int]:
        """The guild's stats as CSV (UTF-8, a header row, highest XP first) and the row count;
        levels on the guild's ``curve``."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["user_id", "xp", "level", "awarded_xp", "messages", "voice_seconds", "links",
                         "thanks_received", "reactions", "commands", "date_added"])
        count = 0
        cursor = self.conn.execute(sql.EXPORT_GUILD, (guild_id,))
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                break
            for uid, xp, *rest in rows:
                writer.writerow([uid, xp, curve.level(xp), *rest])
            count += len(rows)
            time.sleep(0)
        return out.getvalue().encode("utf-8"), count

    @in_worker
    def backup_to(self, destination: Path) -> int:
        """A consistent copy through SQLite's online backup, a few pages at a time; returns its size."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_suffix(".partial")
        target = sqlite3.connect(partial)
        try:
            self.conn.backup(target, pages=BACKUP_PAGES, sleep=0.0)
        finally:
            target.close()
        partial.replace(destination)
        return destination.stat().st_size

    # --- restore -----------------------------------------------------------------------------
    @in_worker
    def restore_from(self, source: Path, fallback: Path) -> BackupInfo:
        """Put the backup ``source`` in place of the database and open it (migrated if older).

        The backup is checked, copied beside the database, and the copy checked again before
        anything is replaced, so a refused file changes nothing.  ``fallback`` (a backup of the
        database as it was) goes back in place should the restored file fail to open.
        """
        info = read_backup(source)
        staging = self.path.with_name(self.path.name + RESTORING_SUFFIX)
        try:
            self._copy_database(source, staging)
            read_backup(staging)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
        self._swap_in(staging)
        try:
            self._reopen()
        except BaseException:
            log.exception("The restored database %s would not open; putting the database as it was back", source)
            self._copy_database(fallback, staging)
            self._swap_in(staging)
            self._reopen()
            raise
        return info

    @staticmethod
    def _copy_database(source: Path, target: Path) -> None:
        target.unlink(missing_ok=True)
        src = sqlite3.connect(_read_only(source), uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=BACKUP_PAGES, sleep=0.0)
        finally:
            dst.close()
            src.close()

    def _reopen(self) -> int:
        """On the store's thread, once the file was replaced: forget the rank pieces and what the
        last flush staged, and open the file exactly as a load does."""
        self._close_conn()
        self._ranks = RankCuts()
        self._staged_columns = set()
        return self._open()

    def _swap_in(self, staging: Path) -> None:
        """Close the connection and move ``staging`` into the database's place; the write-ahead
        log goes too (it belongs to the old file and would be replayed into the new one)."""
        if self.conn is not None:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._close_conn()
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        os.replace(staging, self.path)
