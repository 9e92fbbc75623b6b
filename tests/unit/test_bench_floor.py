"""The storage benchmark's floor (the stats and one hour of history, nothing else) is reported beside
the 100,000-of-100,000 flush goal as the least a flush keeping a history writes: it must write to
those two tables exactly what a real flush of the same gains writes, or the comparison means
nothing.  Two copies of one database: a flush through the store on one, the floor on the other."""
import asyncio
import random

import pytest
import shutil
import sqlite3

from benchmarks import storage

MEMBERS = 300
NOW = 1_767_607_200.0  # Monday 2026-01-05 10:00 UTC


def _rows(path):
    with sqlite3.connect(path) as conn:
        stats = conn.execute("SELECT UserId, GuildId, Xp, MessageCount, WeekNo, WeekXp, MonthNo, MonthXp "
                             "FROM UserXpStats ORDER BY UserId, GuildId").fetchall()
        history = conn.execute("SELECT GuildId, Hour, UserId, Source, Xp FROM XpHistory "
                               "ORDER BY GuildId, Hour, UserId, Source").fetchall()
    return stats, history


@pytest.mark.parametrize("old_rows", [False, True], ids=["alone", "reading the old rows first"])
def test_the_floor_writes_what_a_flush_writes_to_the_stats_and_the_history(tmp_path, old_rows):
    rng = random.Random(3)
    flushed, floored = tmp_path / "flushed.db", tmp_path / "floored.db"
    store = asyncio.run(storage._filled_store(flushed, MEMBERS, rng))
    asyncio.run(store.close())
    shutil.copy(flushed, floored)
    gains = storage._gains(rng, MEMBERS, MEMBERS // 2, newcomers=True)  # members known and new

    async def flush():
        store = storage.XpStore(flushed)
        await store.open()
        store.now = lambda: NOW
        await store.write_buffer(gains)  # no plan: Monday 00:00 UTC periods, as the floor's
        await store.close()

    before = _rows(flushed)
    asyncio.run(flush())
    storage._floor(floored, gains, int(NOW) // 3600 * 3600, NOW, old_rows)

    assert _rows(floored) == _rows(flushed) != before
