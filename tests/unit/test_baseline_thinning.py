"""Quest baselines are thinned to the ones a quest still reads: two stores get the same members'
activity day after day (the reset hour moved for days and back, for an afternoon and back, and for
good just after a week began; the reset weekday for an afternoon and back), one thinned by the
hourly upkeep; every member's quest progress and
every completion stay the same in both, and the thinned one keeps a few baselines per member
instead of one a day."""
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


def plan_for(store_quests, now: float, reset_hour: int = 0, weekday: int = 0) -> FlushPlan:
    settings = GuildSettings.from_config({"reset_hour": reset_hour, "reset_weekday": weekday})
    _until, guild, period_list, quest_list = GoalService._plan_guild(G, settings, store_quests, now)
    return FlushPlan([guild], period_list, quest_list)


def thinning_plan_for(store_quests, now: float, reset_hour: int = 0, weekday: int = 0) -> FlushPlan:
    """What GoalService.thinning_plan gives for this guild."""
    settings = GuildSettings.from_config({"reset_hour": reset_hour, "reset_weekday": weekday})
    guild, starts = GoalService.thinning_starts(G, settings, store_quests, now)
    return FlushPlan([guild], [], starts)


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
                # the admin moves the reset hour: to 12 for three days from Monday the 5th (held
                # past the settling day, then moved back) and for the afternoon of the 9th; to 15
                # for good on Monday the 12th at 14:00, after that week began under hour 0 and was
                # thinned at 09:00: it opens last week again (its baselines are kept a day for this)
                reset = 12 if 4 <= day <= 6 or (day == 8 and hour > 0) else 15 if (day, hour) >= (11, 5) else 0
                # and the reset weekday to Thursday for the afternoon of Friday the 16th, then back
                weekday = 3 if day == 15 and hour > 0 else 0
                plan = plan_for(quests, now[0], reset_hour=reset, weekday=weekday)
                for store in (plain, thinned):
                    await store.write_buffer({key: copy(gain) for key, gain in gains.items()}, plan)
                upkeep = thinning_plan_for(quests, now[0], reset_hour=reset, weekday=weekday)
                removed += await thinned.thin_baselines(upkeep)  # the hourly upkeep
                assert await thinned.thin_baselines(upkeep) == 0  # once a day
                starts = [(quest_id, start) for quest_id, _guild, start in plan.quests]
                for member in MEMBERS:
                    assert (await thinned.quest_progress(G, member, starts)
                            == await plain.quest_progress(G, member, starts)), (day, hour, member)
        kept, all_kept = baselines(tmp_path / "thin.db"), baselines(tmp_path / "plain.db")
        # today's, yesterday's, and within a day of each period's start (now's and a day ago's)
        assert removed > 0 and max(kept.values()) <= 12 < max(all_kept.values())
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


async def test_a_restore_between_slices_ends_the_thinning_run(tmp_path, monkeypatch):
    """The run's plan was made for the file as it was: a file restored between two slices is left
    alone (and waits for its own settling day)."""
    import asyncio

    from unicornia.db import goals as goals_module

    monkeypatch.setattr(goals_module, "THIN_SLICE", 1)
    now = [START - 40 * DAY]
    store = await open_store(tmp_path / "unicornia.db", now)
    try:
        await store.add_quest(G, "weekly talker", "weekly", "messages", 30, 10, 1.0, 0, "easy")
        quests = await store.quests(G)
        for day in range(10):
            now[0] = START + day * DAY
            gains = {}
            for member in MEMBERS:
                gains[(G, member)] = gain = Gain()
                gain.xp = gain.messages = 1
            await store.write_buffer(gains, plan_for(quests, now[0]))
        await store.backup_to(tmp_path / "backup.db")
        kept = sum(baselines(tmp_path / "backup.db").values())
        upkeep = thinning_plan_for(quests, now[0])
        assert await store.thin_baselines(upkeep) == 0  # the settings are seen
        now[0] += DAY
        thinning = asyncio.create_task(store.thin_baselines(thinning_plan_for(quests, now[0])))
        for _ in range(3):  # the run starts: its first slice is on the store's thread
            await asyncio.sleep(0)
        assert not thinning.done()
        await store.restore_from(tmp_path / "backup.db", tmp_path / "fallback.db")
        await thinning
        assert sum(baselines(tmp_path / "unicornia.db").values()) == kept  # the restored file, untouched
        assert G not in store._thinned
    finally:
        await store.close()
