import sqlite3

import pytest

from unicornia.db.schema import SCHEMA_VERSION
from unicornia.db.store import GainRow, SchemaTooNew, XpStore


@pytest.fixture
async def store(tmp_path):
    s = XpStore(tmp_path / "unicornia.db")
    await s.open()
    yield s
    await s.close()


async def test_open_migrates_sets_wal_and_version(tmp_path, store):
    conn = sqlite3.connect(tmp_path / "unicornia.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"UserXpStats", "XpShopOwnedItem"} <= tables and "DiscordUser" not in tables
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM UserXpStats WHERE GuildId = 1 AND Xp > 5"
    ).fetchall()
    assert any("IX_UserXpStats_Guild_Xp" in row[-1] for row in plan)
    conn.close()


async def test_reopen_is_idempotent(tmp_path, store):
    await store.write_gains([GainRow(1, 10, 5)])
    await store.close()
    again = XpStore(tmp_path / "unicornia.db")
    assert await again.open() == SCHEMA_VERSION
    assert (await again.member(10, 1)).xp == 5
    await again.close()


async def test_write_gains_adds_and_keeps_awarded(store):
    await store.award(10, 1, 100)
    await store.write_gains([GainRow(1, 10, 5, messages=2, voice_seconds=60), GainRow(1, 20, 7)])
    await store.write_gains([GainRow(1, 10, 5, messages=1)])
    row = await store.member(10, 1)
    assert (row.xp, row.awarded_xp, row.messages, row.voice_seconds) == (110, 100, 3, 60)
    assert await store.total_xp(1) == 100 + 10 + 7


async def test_rank_and_keyset_pages(store):
    await store.write_gains([GainRow(uid, 10, xp) for uid, xp in [(1, 50), (2, 80), (3, 50), (4, 10)]])
    assert await store.rank(10, 80) == (1, 4)
    assert await store.rank(10, 50) == (2, 4)
    assert await store.rank(10, 10) == (4, 4)
    first = await store.leaderboard_chunk(10, 2)
    assert first == [(2, 80), (1, 50)]
    rest = await store.leaderboard_chunk(10, 5, after=(first[-1][1], first[-1][0]))
    assert rest == [(3, 50), (4, 10)]


async def test_resets_and_user_deletion(store):
    await store.write_gains([GainRow(1, 10, 50), GainRow(1, 20, 30), GainRow(2, 10, 5)])
    assert await store.reset_member(10, 1) == 50
    assert await store.total_xp(1) == 30
    assert await store.reset_guild(10) == 1
    await store.delete_user(1)
    data = await store.user_data(1)
    assert data == {"guild_stats": [], "total_xp": 0, "shop_items": [], "shop_log": [], "xp_history": [],
                    "achievements": [], "daily": [], "audit_log": [], "audit_log_as_admin": [], "imports": [],
                    "quests_completed": [], "quest_baselines": [], "xp_boosts": [], "period_xp": [],
                    "period_wins": []}  # the reset rows went with the user


async def test_failed_write_changes_nothing(tmp_path, store):
    await store.set_busy_timeout(50)
    blocker = sqlite3.connect(tmp_path / "unicornia.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError):
        await store.write_gains([GainRow(1, 10, 5)])
    blocker.execute("ROLLBACK")
    blocker.close()
    assert (await store.member(10, 1)).xp == 0
    await store.write_gains([GainRow(1, 10, 5)])
    assert (await store.member(10, 1)).xp == 5


async def test_checkpointed_pages_match_plain_offsets(store, monkeypatch):
    import random

    from unicornia.db import ranks

    for name, value in (("CUT_EVERY", 7), ("TRACK_AT", 14), ("SPLIT_AT", 14), ("MERGE_BELOW", 2)):
        monkeypatch.setattr(ranks, name, value)
    rng = random.Random(3)
    await store.write_gains([GainRow(uid, 10, rng.randrange(0, 40)) for uid in range(1, 200)])  # many ties
    assert 10 in store._ranks.guilds  # the flush cut the guild's ranking
    every = await store.leaderboard_chunk(10, 1000)
    for offset in (0, 6, 7, 8, 50, 139, 190, 198, 199, 250):
        assert await store.leaderboard_page_rows(10, offset, 5) == every[offset:offset + 5], offset


async def test_batched_loads_match_single_reads(store):
    await store.write_gains([GainRow(uid, 10 + uid % 3, uid * 2) for uid in range(1, 150)])
    keys = [(10 + uid % 3, uid) for uid in range(1, 300)] + [(99, 5)]  # half of them unknown
    batched, epoch = await store.load_xp(keys)
    singles = {}
    for key in keys:
        singles.update((await store.load_xp([key]))[0])
    assert batched == singles and epoch == 1
    assert batched[(11, 1)][0] == 2 and batched[(11, 250)][0] == 0 and batched[(99, 5)][0] == 0


async def test_an_old_sqlite_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    from unicornia.db import store as store_module

    monkeypatch.setattr(store_module.sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(store_module.sqlite3, "sqlite_version", "3.31.1")
    old = store_module.XpStore(tmp_path / "old.db")
    with pytest.raises(store_module.SqliteTooOld, match="needs SQLite 3.35.0 or newer.*3.31.1"):
        await old.open()
    await old.close()
    assert not (tmp_path / "old.db").exists()


async def test_totals_from_one_guild_and_from_several(store):
    """A flush from one guild adds each member's gain to their total without grouping; a flush from
    several adds each member's guilds together (both paths of the flush's totals)."""
    await store.write_gains([GainRow(1, 10, 5), GainRow(2, 10, 3)])
    await store.write_gains([GainRow(1, 10, 4), GainRow(1, 20, 6), GainRow(2, 30, 1)])
    assert (await store.total_xp(1), await store.total_xp(2), await store.total_xp(3)) == (15, 4, 0)
