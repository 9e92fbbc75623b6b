"""The weekly and monthly boards' storage on a real SQLite file: the flush adds each gain to the
guild's own week and month in the member's row (and starts again in a new period), a finished
period's top is kept before any row moves on, boards read through ties, a winner is recorded and
paid once, schema 10's boards survive the move to schema 11, and schema 11's to 12."""
import sqlite3

import pytest

from unicornia.core import periods
from unicornia.db.goals import FlushPlan, GuildPlan
from unicornia.db.period_statements import MONTH, WEEK, period_number
from unicornia.db.schema import MIGRATIONS
from unicornia.db.store import GainRow, XpStore
from unicornia.systems.xp.state import Gain

NOW = 1_767_607_200  # Monday 2026-01-05 10:00 UTC
G, H = 10, 20
DAY = periods.DAY


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


def columns(tmp_path) -> list[tuple]:
    conn = sqlite3.connect(tmp_path / "unicornia.db")
    try:
        return conn.execute("SELECT GuildId, UserId, WeekNo, WeekXp, MonthNo, MonthXp FROM UserXpStats "
                            "ORDER BY 1, 2").fetchall()
    finally:
        conn.close()


async def test_the_flush_adds_to_each_guilds_own_week_and_month(store, tmp_path):
    wednesday, month = periods.week_start(NOW, 12, 2), periods.month_start(NOW, 12)
    plan = FlushPlan([GuildPlan(G, periods.day_start(NOW, 12), week_start=wednesday, month_start=month,
                                reset_hour=12)])
    await store.write_buffer(gains(((G, 1), 30), ((H, 1), 7)), plan)
    await store.write_buffer(gains(((G, 1), 5)), plan)
    await store.write_gains([GainRow(2, G, 400)])  # an import's XP earns no period XP
    monday, january = periods.week_start(NOW), periods.month_start(NOW)
    week = month_ = period_number
    assert columns(tmp_path) == [(G, 1, week(wednesday), 35, month_(month), 35), (G, 2, 0, 0, 0, 0),
                                 (H, 1, week(monday), 7, month_(january), 7)]  # not in the plan: Monday 00:00 UTC
    # a new week starts the week again and keeps adding to the month
    store.now = lambda: NOW + 7 * DAY
    await store.write_buffer(gains(((H, 1), 4)))
    assert columns(tmp_path)[-1] == (H, 1, week(monday + 7 * DAY), 4, month_(january), 11)


async def test_boards_read_through_ties_and_a_member_reads_their_own(store):
    start = periods.week_start(NOW)
    await store.write_buffer(gains(*(((G, user), xp) for user, xp in [(1, 50), (2, 80), (3, 50), (4, 10), (5, 50)])))
    assert await store.period_board(G, WEEK, start, 10) == [(2, 80), (5, 50), (3, 50), (1, 50), (4, 10)]
    assert await store.period_board(G, WEEK, start, 2) == [(2, 80), (5, 50)]
    assert await store.period_xp(G, WEEK, start, 3) == 50 and await store.period_xp(G, WEEK, start - 7 * DAY, 3) == 0
    assert await store.period_xp(G, MONTH, periods.month_start(NOW), 2) == 80


async def test_a_finished_periods_top_is_kept_before_rows_move_on(store):
    week = periods.week_start(NOW)
    await store.write_buffer(gains(((G, 1), 10), ((G, 2), 40), ((G, 3), 25)))
    store.now = lambda: NOW + 7 * DAY
    await store.write_buffer(gains(((G, 3), 1)))  # the first flush of the new week
    assert await store.period_board(G, WEEK, week, 10) == [(2, 40), (3, 25), (1, 10)]
    assert await store.period_board(G, WEEK, week + 7 * DAY, 10) == [(3, 1)]
    await store.write_buffer(gains(((G, 2), 1)))  # 2's row moves on; last week's top stays
    assert await store.period_board(G, WEEK, week, 10) == [(2, 40), (3, 25), (1, 10)]
    await store.delete_user(2)  # a deleted member leaves the kept top too
    assert await store.period_board(G, WEEK, week, 10) == [(3, 25), (1, 10)]


async def test_a_winner_is_recorded_and_paid_once(store):
    start = periods.week_start(NOW)
    first = await store.record_winner(G, WEEK, start, 7, 120, 50, None, "won")
    again = await store.record_winner(G, WEEK, start, 8, 999, 50, None, "won")
    assert first.new and not again.new and again.user_id == 7
    assert (await store.member(G, 7)).xp == 50 and (await store.member(G, 8)).xp == 0
    assert await store.mark_winner_announced(G, WEEK, start)
    assert not await store.mark_winner_announced(G, WEEK, start)
    assert (await store.period_winner(G, WEEK, start)).announced


def plan_at(now: float, reset_hour: int = 0, weekday: int = 0) -> FlushPlan:
    return FlushPlan([GuildPlan(G, periods.day_start(now, reset_hour), week_start=periods.week_start(now, reset_hour, weekday),
                                month_start=periods.month_start(now, reset_hour), reset_hour=reset_hour)])


async def test_a_reset_hour_moved_later_keeps_and_pays_last_week_once(store):
    """Rows keep the day number of their period's start: when the reset hour moves from 0 to 6 on a
    Tuesday, the current week (now from Monday 06:00) counts on from Monday 00:00, and the previous
    one (from the Monday before, 06:00) is the week already kept and paid: its kept top and its
    winner, not a new top built from the rows left behind, and no second bonus."""
    monday = periods.week_start(NOW)
    await store.write_buffer(gains(((G, 1), 100), ((G, 2), 50)), plan_at(NOW))
    store.now = lambda: monday + 7 * DAY + 3600  # next Monday 01:00
    await store.write_buffer(gains(((G, 1), 1)), plan_at(store.now()))  # 1's row moves on to the new week
    assert (await store.record_winner(G, WEEK, monday, 1, 100, 10, None, "won")).new
    assert await store.mark_winner_announced(G, WEEK, monday)
    store.now = lambda: monday + 8 * DAY  # Tuesday: the admin moves the reset hour to 6
    later = plan_at(store.now(), reset_hour=6)
    moved = later.guilds[0].week_start
    assert moved == monday + 7 * DAY + 6 * 3600
    await store.write_buffer(gains(((G, 1), 2), ((G, 3), 5)), later)
    assert await store.period_board(G, WEEK, moved, 10) == [(3, 5), (1, 3)]  # the week counts on
    assert await store.period_board(G, WEEK, moved - 7 * DAY, 10) == [(1, 100), (2, 50)]
    assert (await store.period_winner(G, WEEK, moved - 7 * DAY)).user_id == 1
    again = await store.record_winner(G, WEEK, moved - 7 * DAY, 2, 50, 10, None, "won")
    assert not again.new and again.user_id == 1
    assert (await store.member(G, 2)).xp == 50  # no second bonus
    assert not await store.mark_winner_announced(G, WEEK, moved - 7 * DAY)  # nor a second announcement


async def test_only_the_last_finished_periods_are_kept(store, monkeypatch):
    import unicornia.db.period_statements as statements
    monkeypatch.setattr(statements, "PERIODS_KEPT", 2)
    week = periods.week_start(NOW)
    for n in range(4):
        store.now = lambda n=n: NOW + n * 7 * DAY
        await store.write_buffer(gains(((G, 1), 10 + n)))
    await store.prune_period_tops()
    kept = sorted({s for (s,) in store.conn.execute("SELECT DISTINCT Start FROM PeriodTop WHERE Kind = 0")})
    assert kept == [week + 7 * DAY, week + 14 * DAY]


def test_schema_10_boards_move_into_the_rows(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:10]:
        conn.executescript(script)
    week = periods.week_start(NOW)
    conn.executemany("INSERT INTO UserXpStats (UserId, GuildId, Xp) VALUES (?, ?, ?)", [(1, G, 90), (2, G, 60)])
    conn.executemany("INSERT INTO XpPeriod VALUES (?, ?, ?, ?, ?)", [
        (G, WEEK, week, 1, 30), (G, WEEK, week, 2, 20), (G, WEEK, week - 7 * DAY, 1, 60), (G, WEEK, week - 7 * DAY, 2, 40),
        (G, MONTH, periods.month_start(NOW), 1, 90)])
    conn.executescript(MIGRATIONS[10])
    rows = conn.execute("SELECT UserId, WeekStart, WeekXp, MonthXp FROM UserXpStats ORDER BY 1").fetchall()
    tops = conn.execute("SELECT Start, Position, UserId, Xp FROM PeriodTop ORDER BY 1, 2").fetchall()
    conn.close()
    assert rows == [(1, week, 30, 90), (2, week, 20, 0)]
    assert tops == [(week - 7 * DAY, 0, None, 0), (week - 7 * DAY, 1, 1, 60), (week - 7 * DAY, 2, 2, 40)]


async def test_schema_11_rows_keep_their_periods_as_numbers(tmp_path):
    """Migration 12 turns each row's period starts into numbers (the boards, a member's place and
    a finished period read the same) and drops DiscordUser (a user's total is their rows' sum)."""
    path = tmp_path / "unicornia.db"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:11]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 11")
    week, month = periods.week_start(NOW), periods.month_start(NOW)
    conn.executemany("INSERT INTO UserXpStats (UserId, GuildId, Xp, WeekStart, WeekXp, MonthStart, MonthXp) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(1, G, 90, week, 30, month, 90), (2, G, 60, week, 20, month, 60),
                      (3, G, 50, week - 7 * DAY, 45, month, 50), (1, H, 5, 0, 0, 0, 0)])
    conn.executemany("INSERT INTO DiscordUser VALUES (?, ?)", [(1, 95), (2, 60), (3, 50)])
    conn.commit()
    conn.close()
    store = XpStore(path)
    store.now = lambda: NOW
    await store.open()
    try:
        assert await store.period_board(G, WEEK, week, 10) == [(1, 30), (2, 20)]  # 3's week is an older one
        assert await store.period_board(G, MONTH, month, 10) == [(1, 90), (2, 60), (3, 50)]
        assert await store.period_xp(G, WEEK, week, 3) == 0 and await store.period_xp(G, WEEK, week - 7 * DAY, 3) == 45
        assert (await store.total_xp(1), await store.total_xp(3), await store.total_xp(4)) == (95, 50, 0)
        # the flush keeps adding to the same numbered week
        await store.write_buffer(gains(((G, 2), 15)))
        assert await store.period_board(G, WEEK, week, 1) == [(2, 35)]
        tables = {name for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "DiscordUser" not in tables
    finally:
        await store.close()
