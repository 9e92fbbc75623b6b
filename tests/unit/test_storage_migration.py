"""Schemas 8 (smaller file: stats without rowid, the history's guild totals instead of its guild
index), 9 (the history keyed by hour before member) and 12 (no DiscordUser: a user's total is the
sum of their rows; the history's source a number) migrate a file written by schema 7 on load,
keeping every row."""
import logging
import sqlite3

import pytest

from unicornia.db.identity import APPLICATION_ID
from unicornia.db.schema import MIGRATIONS, SCHEMA_VERSION
from unicornia.db.statements import HISTORY_SOURCE_CODES
from unicornia.db.store import XpStore, _split_statements

G1, G2 = 1_113_345_678_901_234_567, 42
USERS = [1_000_000_000_000_000_000 + n * 7_919 for n in range(2_500)]  # snowflake-sized

TABLES = ("UserXpStats", "XpShopOwnedItem", "XpShopLog", "XpHistory", "AuditLog", "UserAchievement",
          "DailyClaim", "GuildDay", "CounterBaseline", "Quest", "QuestCompletion", "XpBoost", "Club", "ClubMember",
          "ImportLedger")


def schema_7_file(path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:7]:
        for statement in _split_statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 7")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("BEGIN")
    for n, uid in enumerate(USERS):
        for gid in (G1, G2) if n % 3 == 0 else (G1,):
            conn.execute("INSERT INTO UserXpStats (UserId, GuildId, Xp, AwardedXp, MessageCount, VoiceSeconds, "
                         "LastLevelUp, DateAdded, LinkCount, ThanksReceived, ReactionCount, CommandCount) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (uid, gid, n * 37 % 5_000 + (gid == G2), n % 7, n, n * 2, None if n % 2 else 1_700_000_000 + n,
                          1_600_000_000 + n, n % 3, n % 5, n % 11, n % 13))
            for hour, source in ((1_700_000_000 // 3600 * 3600, "message"), (1_700_003_600 // 3600 * 3600, "voice")):
                conn.execute("INSERT INTO XpHistory VALUES (?, ?, ?, ?, ?)", (gid, uid, source, hour, n % 17 + 1))
        conn.execute("INSERT INTO DiscordUser VALUES (?, ?)", (uid, n * 37 % 5_000))
    conn.execute("INSERT INTO XpShopOwnedItem (UserId, ItemType, ItemKey, IsUsing, DateAdded) VALUES (?, 1, 'sunset', 1, 5)",
                 (USERS[0],))
    conn.execute("INSERT INTO XpShopLog (At, GuildId, UserId, Action, ItemType, ItemKey, Price) VALUES (5, ?, ?, 'buy', 1, 'sunset', 9)",
                 (G1, USERS[0]))
    conn.execute("INSERT INTO AuditLog (At, GuildId, UserId, ActorId, Kind, Amount, Reason) VALUES (5, ?, ?, NULL, 'add', 3, 'x')",
                 (G1, USERS[1]))
    conn.execute("INSERT INTO UserAchievement VALUES (?, ?, 'first', 5)", (G1, USERS[2]))
    conn.execute("INSERT INTO DailyClaim VALUES (?, ?, 3, 2, 4, 5)", (G1, USERS[3]))
    conn.execute("INSERT INTO GuildDay VALUES (?, 86400, 12, 50, NULL)", (G1,))
    conn.execute("INSERT INTO CounterBaseline VALUES (?, ?, 86400, 1, 2, 3, 4, 5, 6)", (G1, USERS[4]))
    conn.execute("INSERT INTO Quest (GuildId, Name, Cycle, Requirement, Amount, CreatedAt) VALUES (?, 'q', 'daily', 'messages', 5, 1)",
                 (G1,))
    conn.execute("INSERT INTO QuestCompletion VALUES (1, ?, 86400, ?, 7)", (USERS[5], G1))
    conn.execute("INSERT INTO XpBoost VALUES (?, ?, 1.5, 99)", (G1, USERS[6]))
    conn.execute("INSERT INTO Club (GuildId, Name, NameKey, OwnerId, CreatedAt) VALUES (?, 'Uni', 'uni', ?, 1)", (G1, USERS[7]))
    conn.execute("INSERT INTO ClubMember VALUES (?, ?, 1, 2)", (G1, USERS[7]))
    conn.execute("INSERT INTO ImportLedger VALUES ('nadeko', ?, ?, 10, 0, 1, 0, 3)", (G1, USERS[8]))
    conn.execute("COMMIT")
    conn.close()


def dump(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in TABLES}
    finally:
        conn.close()


async def test_a_schema_7_file_migrates_keeping_every_row(tmp_path):
    path = tmp_path / "unicornia.db"
    schema_7_file(path)
    before = dump(path)
    store = XpStore(path)
    assert await store.open() == SCHEMA_VERSION >= 9
    after = dump(path)
    for table in TABLES:
        kept = after[table]
        was = before[table]
        if table == "UserXpStats":  # schema 11 adds the week's and month's XP (start 0: none yet)
            assert all(row[-4:] == (0, 0, 0, 0) for row in kept)
            kept = [row[:-4] for row in kept]
            was = sorted((row[:6] + row[7:] for row in was), key=repr)  # 12 drops LastLevelUp (read by nothing)
        if table == "XpHistory":  # 12 stores the source as a number, its columns in the key's order
            was = sorted(((g, hour, u, HISTORY_SOURCE_CODES[source], xp) for g, u, source, hour, xp in was), key=repr)
        assert kept == was, table
    conn = sqlite3.connect(path)
    try:
        kinds = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        totals = conn.execute("SELECT GuildId, Hour, Source, Xp FROM XpHistoryGuild ORDER BY 1, 2, 3").fetchall()
        summed = conn.execute("SELECT GuildId, Hour, Source, SUM(Xp) FROM XpHistory GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                              ).fetchall()
    finally:
        conn.close()
    assert "WITHOUT ROWID" in kinds["UserXpStats"] and "DiscordUser" not in kinds
    for n in (0, 1, 2_499):  # a user's total is the sum of their rows (every third is in both guilds)
        assert await store.total_xp(USERS[n]) == (n * 37 % 5_000) * (2 if n % 3 == 0 else 1) + (n % 3 == 0)
    assert "PRIMARY KEY (GuildId, Hour, UserId, Source)" in kinds["XpHistory"]
    assert "IX_UserXpStats_Guild_Xp" in indexes and "IX_XpHistory_Guild_Hour" not in indexes
    assert totals == summed and len(totals) == 4
    # every member's XP reads back, and the ranking is right
    for n in (0, 1, 1_234, 2_499):
        assert (await store.member(G1, USERS[n])).xp == n * 37 % 5_000
    ranked = sorted((xp for (_, gid, xp, *_) in before["UserXpStats"] if gid == G1 and xp > 0), reverse=True)
    assert G1 in store._ranks.guilds  # 2,500 ranked members: pieces built on load
    assert await store.rank(G1, ranked[1_000]) == (ranked.index(ranked[1_000]) + 1, len(ranked))
    assert await store.history_by_day(G1, None, 0) == [(1_699_920_000, "message", sum(n % 17 + 1 for n in range(2_500))),
                                                       (1_699_920_000, "voice", sum(n % 17 + 1 for n in range(2_500)))]
    # a member's chart reads their rows an hour at a time
    assert await store.history_by_day(G2, USERS[3], 0) == [(1_699_920_000, "message", 3 % 17 + 1),
                                                           (1_699_920_000, "voice", 3 % 17 + 1)]
    assert await store.history_by_day(G2, USERS[3], 1_700_000_001) == [(1_699_920_000, "voice", 3 % 17 + 1)]
    assert await store.history_by_day(G2, USERS[1], 0) == []  # not in that guild
    # a reset takes the member's history, and its share of the guild's totals, with it
    await store.reset_member(G2, USERS[3])
    assert await store.history_by_day(G2, USERS[3], 0) == []
    assert await store.history_by_day(G2, USERS[6], 0) == [(1_699_920_000, "message", 6 % 17 + 1),
                                                           (1_699_920_000, "voice", 6 % 17 + 1)]
    in_g2 = [n for n in range(2_500) if n % 3 == 0 and n != 3]
    assert await store.history_by_day(G2, None, 0) == [(1_699_920_000, "message", sum(n % 17 + 1 for n in in_g2)),
                                                       (1_699_920_000, "voice", sum(n % 17 + 1 for n in in_g2))]
    await store.close()


@pytest.mark.parametrize("slice_rows", [1, 3, 1_000])  # smaller than an hour's rows, and bigger than all
async def test_history_is_pruned_a_slice_at_a_time_with_the_guild_totals(tmp_path, monkeypatch, slice_rows):
    from unicornia.db import store as store_module

    monkeypatch.setattr(store_module, "PRUNE_SLICE", slice_rows)
    store = XpStore(tmp_path / "unicornia.db")
    await store.open()
    hour = 1_700_000_000 // 3600 * 3600
    for step in range(5):
        store.now = lambda step=step: hour + step * 3600
        await store.write_gains([gain_for(uid) for uid in (1, 2, 3, 4)])
    assert await store.prune_history(hour + 3 * 3600) == 4 * 3
    conn = sqlite3.connect(tmp_path / "unicornia.db")
    try:
        left = conn.execute("SELECT UserId, COUNT(*) FROM XpHistory GROUP BY UserId").fetchall()
        totals = conn.execute("SELECT Hour, Xp FROM XpHistoryGuild ORDER BY Hour").fetchall()
    finally:
        conn.close()
    assert left == [(1, 2), (2, 2), (3, 2), (4, 2)]
    assert totals == [(hour + 3 * 3600, 4 * 7), (hour + 4 * 3600, 4 * 7)]
    await store.close()


async def test_a_flush_waits_for_one_pruning_slice_not_the_whole_pruning(tmp_path, monkeypatch):
    """Each slice is its own call on the store's thread: a flush queued meanwhile goes next."""
    import asyncio

    from unicornia.db import store as store_module

    monkeypatch.setattr(store_module, "PRUNE_SLICE", 1)
    store = XpStore(tmp_path / "unicornia.db")
    await store.open()
    hour = 1_700_000_000 // 3600 * 3600
    store.now = lambda: hour
    await store.write_gains([gain_for(uid) for uid in range(1, 301)])
    store.now = lambda: hour + 10 * 3600
    pruning = asyncio.create_task(store.prune_history(hour + 3600))
    await asyncio.sleep(0.01)  # a few slices in
    await store.write_gains([gain_for(1)])
    assert not pruning.done()  # the flush went between two slices
    assert await pruning == 300
    await store.close()


def gain_for(user_id: int):
    from unicornia.db.store import GainRow

    return GainRow(user_id, G2, 7, messages=1)


def page_counts(path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count"))
    finally:
        conn.close()


async def test_an_upgrade_gives_the_freed_pages_back(tmp_path, monkeypatch, caplog):
    """The tables an upgrade rebuilds or drops leave free pages; the file is compacted once after it."""
    from unicornia.db import store as store_module

    monkeypatch.setattr(store_module, "COMPACT_MIN_PAGES", 1)
    path = tmp_path / "unicornia.db"
    schema_7_file(path)
    pages_before, _ = page_counts(path)
    store = XpStore(path)
    with caplog.at_level(logging.INFO, logger="red.unicornia.db"):
        await store.open()
    await store.close()
    pages, free = page_counts(path)
    assert free == 0 and pages < pages_before
    assert any("Compacted unicornia.db after the upgrade" in r.getMessage() for r in caplog.records)
    again = XpStore(path)  # already up to date: nothing to compact, nothing said
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="red.unicornia.db"):
        await again.open()
    assert not any("Compacted" in r.getMessage() for r in caplog.records)
    assert (await again.member(G1, USERS[1])).xp == 37
    await again.close()


async def test_a_failed_compaction_is_logged_and_the_upgrade_stands(tmp_path, monkeypatch, caplog):
    from unicornia.db import statements, store as store_module

    monkeypatch.setattr(store_module, "COMPACT_MIN_PAGES", 1)
    monkeypatch.setattr(statements, "VACUUM", "VACUUM no_such_schema")  # SQLite refuses it
    path = tmp_path / "unicornia.db"
    schema_7_file(path)
    store = XpStore(path)
    with caplog.at_level(logging.WARNING, logger="red.unicornia.db"):
        assert await store.open() == SCHEMA_VERSION
    assert any("Could not compact unicornia.db" in r.getMessage() for r in caplog.records)
    assert (await store.member(G1, USERS[1])).xp == 37 and page_counts(path)[1] > 0
    await store.close()
