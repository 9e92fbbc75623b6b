"""The weekly and monthly boards' storage on a real SQLite file: the flush writes each gain into
the guild's own week and month, boards page by keyset through ties, places count everyone, a
winner is recorded and paid once, and pruning keeps the previous period."""
import sqlite3

import pytest

from unicornia.core import periods
from unicornia.db.goals import FlushPlan, GuildPlan
from unicornia.db.period_statements import MONTH, WEEK
from unicornia.db.store import XpStore
from unicornia.systems.xp.state import Gain

NOW = 1_767_607_200  # Monday 2026-01-05 10:00 UTC
G, H = 10, 20


@pytest.fixture
async def store(tmp_path):
    s = XpStore(tmp_path / "unicornia.db")
    s.now = lambda: NOW
    await s.open()
    yield s
    await s.close()


def gains(*pairs) -> dict:
    out = {}
    for (guild, user), xp in pairs:
        g = Gain()
        g.xp = xp
        g.messages = 1
        out[(guild, user)] = g
    return out


def rows(tmp_path) -> list[tuple]:
    conn = sqlite3.connect(tmp_path / "unicornia.db")
    try:
        return conn.execute("SELECT GuildId, Kind, Start, UserId, Xp FROM XpPeriod ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        conn.close()


async def test_the_flush_writes_each_guilds_own_week_and_month(store, tmp_path):
    wednesday = periods.week_start(NOW, 12, 2)
    plan = FlushPlan([GuildPlan(G, periods.day_start(NOW, 12), week_start=wednesday,
                                month_start=periods.month_start(NOW, 12))])
    await store.write_buffer(gains(((G, 1), 30), ((H, 1), 7)), plan)
    await store.write_buffer(gains(((G, 1), 5), ((G, 2), 0)), plan)  # no XP: no row
    monday, january = periods.week_start(NOW), periods.month_start(NOW)
    assert rows(tmp_path) == [
        (G, WEEK, wednesday, 1, 35), (G, MONTH, periods.month_start(NOW, 12), 1, 35),
        (H, WEEK, monday, 1, 7), (H, MONTH, january, 1, 7),  # not in the plan: Monday 00:00 UTC
    ]


async def test_boards_page_through_ties_and_places_count_everyone(store):
    start = periods.week_start(NOW)
    await store.write_buffer(gains(*(((G, user), xp) for user, xp in
                                      [(1, 50), (2, 80), (3, 50), (4, 10), (5, 50)])))
    first = await store.period_chunk(G, WEEK, start, 2)
    assert first == [(2, 80), (5, 50)]
    rest = await store.period_chunk(G, WEEK, start, 10, (first[-1][1], first[-1][0]))
    assert rest == [(3, 50), (1, 50), (4, 10)]
    assert await store.period_position(G, WEEK, start, 3) == (50, 3)
    assert await store.period_position(G, WEEK, start, 4) == (10, 5)
    assert await store.period_position(G, WEEK, start, 99) == (0, None)
    assert await store.period_count(G, WEEK, start) == 5 and await store.period_count(G, WEEK, start, 3) == 3


async def test_a_winner_is_recorded_and_paid_once(store):
    start = periods.week_start(NOW)
    first = await store.record_winner(G, WEEK, start, 7, 120, 50, None, "won")
    again = await store.record_winner(G, WEEK, start, 8, 999, 50, None, "won")
    assert first.new and not again.new and again.user_id == 7
    assert (await store.member(G, 7)).xp == 50 and (await store.member(G, 8)).xp == 0
    assert await store.mark_winner_announced(G, WEEK, start)
    assert not await store.mark_winner_announced(G, WEEK, start)
    assert (await store.period_winner(G, WEEK, start)).announced


async def test_pruning_keeps_the_previous_period_and_deletion_forgets_the_member(store, tmp_path):
    week = periods.week_start(NOW)
    for offset in (14, 7, 0):  # two weeks ago, last week, this week
        store.now = lambda offset=offset: NOW - offset * periods.DAY
        await store.write_buffer(gains(((G, 1), 10), ((G, 2), 4)))
    store.now = lambda: NOW
    assert await store.period_guilds() == [G]
    await store.prune_periods({G: (week - 7 * periods.DAY, periods.month_start(week - 1))})
    assert {r[2] for r in rows(tmp_path) if r[1] == WEEK} == {week - 7 * periods.DAY, week}
    await store.delete_user(1)
    assert {r[3] for r in rows(tmp_path)} == {2}
    data = await store.user_data(2)
    assert {(p["kind"], p["xp"]) for p in data["period_xp"]} >= {(WEEK, 4)}


async def test_a_place_deeper_than_the_cap_reads_as_one_past_it(store, monkeypatch):
    import unicornia.db.periods as period_store
    monkeypatch.setattr(period_store, "PLACE_CAP", 2)
    start = periods.week_start(NOW)
    await store.write_buffer(gains(*(((G, user), 100 - user) for user in range(1, 8))))
    assert await store.period_position(G, WEEK, start, 2) == (98, 2)
    assert await store.period_position(G, WEEK, start, 7) == (93, 3)  # 6 ahead, counted to 2: "beyond #2"
