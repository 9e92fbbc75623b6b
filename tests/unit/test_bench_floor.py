"""The storage benchmark's floor (the stats and one hour of history, nothing else) is reported beside
the 100,000-of-100,000 flush goal as the least a flush keeping a history writes: it must write
exactly what a flush of the same gains writes to those two tables, or the comparison means nothing."""
import asyncio
import random
import sqlite3
import time

from benchmarks import storage
from unicornia.core import periods
from unicornia.db import period_statements as periods_sql

MEMBERS = 300


def _rows(path):
    with sqlite3.connect(path) as conn:
        stats = {row[0]: row[1:] for row in conn.execute(
            "SELECT UserId, Xp, MessageCount, WeekNo, WeekXp, MonthNo, MonthXp FROM UserXpStats")}
        history = conn.execute("SELECT UserId, Source, Hour, Xp FROM XpHistory ORDER BY UserId, Hour").fetchall()
    return stats, history


def test_the_floor_writes_what_a_flush_writes_to_the_stats_and_the_history(tmp_path):
    rng = random.Random(3)
    path = tmp_path / "floor.db"
    store = asyncio.run(storage._filled_store(path, MEMBERS, rng))
    asyncio.run(store.close())
    gains = storage._gains(rng, MEMBERS, MEMBERS // 2, newcomers=True)
    hour = int(time.time()) // 3600 * 3600 + 3600
    before, old_history = _rows(path)

    storage._floor(path, gains, hour)

    after, history = _rows(path)
    week = periods_sql.period_number(periods.week_start(hour))
    month = periods_sql.period_number(periods.month_start(hour))
    for (_guild, user), gain in gains.items():
        xp, messages, *_ = before.get(user, (0, 0, 0, 0, 0, 0))
        assert after[user][:2] == (xp + gain.xp, messages + gain.messages)
        assert after[user][2] == week and after[user][4] == month
    assert len(after) == len(before) + sum(1 for key in gains if key[1] not in before)
    added = sorted(set(history) - set(old_history))
    assert added == sorted((user, 0, hour, gain.xp) for (_guild, user), gain in gains.items())
