"""Quest baselines are thinned to the ones a quest still reads: two stores get the same members'
activity day after day (the reset hour moved for a few hours and back once), one thinned by the
hourly upkeep; every member's quest progress and every completion stay the same in both, and the
thinned one keeps a few baselines per member instead of one a day."""
import random
import sqlite3

import pytest

from unicornia.core import periods
from unicornia.core.settings import GuildSettings
from unicornia.db.goals import FlushPlan
from unicornia.db.store import XpStore
from unicornia.systems.goals import GoalService
from unicornia.systems.xp.state import Gain

G = 10
MEMBERS = range(1, 41)
START = 1_767_225_600 + 9 * 3600  # Thursday 2026-01-01 09:00 UTC
DAY = periods.DAY
QUESTS = (("daily", 6), ("weekly", 30), ("monthly", 90))


async def open_store(path, now) -> XpStore:
    store = XpStore(path)
    store.now = lambda: now[0]
    await store.open()
    return store


def plan_for(store_quests, now: float, reset_hour: int = 0) -> FlushPlan:
    settings = GuildSettings.from_config({"reset_hour": reset_hour})
    _until, guild, period_list, quest_list = GoalService._plan_guild(G, settings, store_quests, now)
    return FlushPlan([guild], period_list, quest_list)


def baselines(path) -> dict[int, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT UserId, COUNT(*) FROM CounterBaseline GROUP BY UserId").fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize("slice_rows", [1, 7, 20_000])  # a member's rows split over slices, and one slice
async def test_thinned_baselines_give_the_same_progress_and_completions(tmp_path, monkeypatch, slice_rows):
    from unicornia.db import goals as goals_module

    monkeypatch.setattr(goals_module, "THIN_SLICE", slice_rows)
    now = [START - 40 * DAY]  # the quests exist since well before the month
    plain, thinned = await open_store(tmp_path / "plain.db", now), await open_store(tmp_path / "thin.db", now)
    try:
        for store in (plain, thinned):
            for cycle, amount in QUESTS:
                await store.add_quest(G, f"{cycle} talker", cycle, "messages", amount, 10, 1.0, 0, "easy")
        quests = await plain.quests(G)
        rng = random.Random(4)
        removed = 0
        for day in range(20):  # 2026-01-01 to 01-20: a new week on the 5th, 12th and 19th
            for hour in (0, 5, 11):
                now[0] = START + day * DAY + hour * 3600
                gains = {}
                for member in rng.sample(MEMBERS, 15):  # most members skip most days
                    gain = Gain()
                    gain.messages = rng.randrange(1, 4)
                    gain.xp = gain.messages
                    gains[(G, member)] = gain
                # on the 11th the admin moves the reset hour to 12 for the afternoon, then back
                plan = plan_for(quests, now[0], reset_hour=12 if day == 10 and hour > 0 else 0)
                for store in (plain, thinned):
                    await store.write_buffer({key: copy(gain) for key, gain in gains.items()}, plan)
                removed += await thinned.thin_baselines(plan)  # the hourly upkeep
                assert await thinned.thin_baselines(plan) == 0  # once a day
                starts = [(quest_id, start) for quest_id, _guild, start in plan.quests]
                for member in MEMBERS:
                    assert (await thinned.quest_progress(G, member, starts)
                            == await plain.quest_progress(G, member, starts)), (day, hour, member)
        kept, all_kept = baselines(tmp_path / "thin.db"), baselines(tmp_path / "plain.db")
        # today's, yesterday's, the week's and the month's first and the first a day after each
        assert removed > 0 and max(kept.values()) <= 6 < max(all_kept.values())
        assert sum(kept.values()) * 2 < sum(all_kept.values())
        completions = "SELECT QuestId, UserId, PeriodStart FROM QuestCompletion ORDER BY 1, 2, 3"
        assert thinned.conn.execute(completions).fetchall() == plain.conn.execute(completions).fetchall() != []
    finally:
        await plain.close()
        await thinned.close()


def copy(gain: Gain) -> Gain:
    out = Gain()
    out.xp, out.messages = gain.xp, gain.messages
    return out
