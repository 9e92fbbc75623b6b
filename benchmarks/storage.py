"""2. The flush into a 1,000,000-member database, and 3. ranking on a 1,000,000-member guild."""
from __future__ import annotations

import gc
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from unicornia.core import periods
from unicornia.db import statements as sql
from unicornia.db.store import XpStore
from unicornia.systems import standing
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp_system import Gain, XpSystem

from .common import Figure, StallProbe

MEMBERS = 1_000_000
GAINS = 100_000
BIG_GUILD = 1
FILL_BATCH = 100_000
ROUNDS = 3


async def _filled_store(path: Path, rng: random.Random) -> XpStore:
    store = XpStore(path)
    await store.open()
    for start in range(0, MEMBERS, FILL_BATCH):
        snapshot = {}
        for uid in range(start + 1, start + FILL_BATCH + 1):
            gain = Gain()
            gain.xp = rng.randrange(0, 200_000)
            gain.messages = gain.xp // 3
            snapshot[(BIG_GUILD, uid)] = gain
        await store.write_buffer(snapshot)
    return store


def _gains(rng: random.Random) -> dict:
    """100,000 gains: nine in ten for members the database has, one in ten for newcomers."""
    out = {}
    for i in range(GAINS):
        uid = rng.randrange(1, MEMBERS + 1) if i % 10 else MEMBERS + rng.randrange(1, 10 * MEMBERS)
        gain = Gain()
        gain.xp, gain.messages = rng.randrange(1, 30), 1  # all of it from messages
        out[(BIG_GUILD, uid)] = gain
    return out


def _bare_upsert(path: Path, snapshot: dict) -> float:
    """The baseline: one executemany of the same upsert, in one transaction, on the same file."""
    rows = [(uid, gid, g.xp, g.messages, g.voice_seconds, g.leveled_at, g.links, g.thanks, g.reactions, g.commands)
            for (gid, uid), g in snapshot.items()]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql.UPSERT_GAINS, rows)
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


async def run() -> list[Figure]:
    rng = random.Random(11)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "unicornia.db"
        store = await _filled_store(path, rng)

        async def nothing(*args, **kwargs):
            return None

        xp = XpSystem(None, store, SettingsCache(None), on_level_up=nothing)
        xp.plan_flush = await _installed_plan(store)  # as the cog flushes: guild day, periods, quests
        ours, follow, total, bare, stalls = [], [], [], [], []
        for _ in range(ROUNDS):
            bare.append(_bare_upsert(path, _gains(rng)))
            xp.buffer = _gains(rng)
            # the 100,000 gains were built at once just now (a live buffer grows over 30 s):
            # collect that garbage-collector debt here, so the probe sees the flush's own stalls
            gc.collect()
            async with StallProbe() as probe:
                start = time.perf_counter()
                assert await xp.flush()
                total.append(time.perf_counter() - start)
            write, settle = store.last_timing
            ours.append(write)
            follow.append(settle)
            stalls.append(probe.longest)
        ours_t, follow_t, total_t, bare_t = (statistics.median(v) for v in (ours, follow, total, bare))
        figures.append(Figure(
            "flush: 100,000 gains into 1,000,000 members (the XP transaction)", round(ours_t * 1000, 1), "ms",
            "<= 1.5 x a bare executemany upsert", ours_t <= 1.5 * bare_t,
            baseline=round(bare_t * 1000, 1), baseline_name="bare executemany upsert (ms)",
            note=f"ratio {ours_t / bare_t:.2f}; ours also writes DiscordUser totals and the hourly history"))
        figures.append(Figure(
            "flush: its follow-up transaction (quest baselines, guild day, 6 quests, the goal)",
            round(follow_t * 1000, 1), "ms", "report", True, baseline=round(bare_t * 1000, 1),
            baseline_name="bare executemany upsert (ms)",
            note=f"{follow_t / bare_t:.2f} x the bare upsert; the whole flush, both transactions and the "
                 f"loop's side: {total_t * 1000:,.0f} ms ({total_t / bare_t:.2f} x)"))
        worst = max(stalls)
        figures.append(Figure("flush: longest event-loop stall", round(worst * 1000, 2), "ms", "< 5 ms", worst < 0.005))
        figures.extend(await _ranking(xp, store))
        await store.close()
    return figures


async def _installed_plan(store: XpStore):
    """The plan the cog gives each flush for a guild with the default quests and the goal on."""
    from unicornia.core.settings import DEFAULT_SETTINGS
    from unicornia.db.goals import FlushPlan, GuildPlan
    from unicornia.systems.goals import default_quests, quest_start

    created = store.now
    store.now = lambda: 1_700_000_000  # the quests were added long ago (as on a live server)
    await store.add_quests(BIG_GUILD, list(default_quests()))
    store.now = created
    quests = await store.quests(BIG_GUILD)

    def plan() -> FlushPlan:
        now = store.now()
        day = periods.day_start(now)
        starts = [(q.id, quest_start(q, now, DEFAULT_SETTINGS)) for q in quests]
        return FlushPlan([GuildPlan(BIG_GUILD, day, goal_floor=10**9)],  # a goal not reached: checked, not paid
                         [(BIG_GUILD, day)],  # the quests are older than their periods: day baselines serve
                         [(qid, BIG_GUILD, start) for qid, start in starts])

    return plan


async def _ranking(xp: XpSystem, store: XpStore) -> list[Figure]:
    total = (await store.rank(BIG_GUILD, -1))[1]
    pages = {"first": 1, "middle": total // 20, "last": total // 10}

    async def page_time(page: int) -> float:
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            entries = await standing.leaderboard_page(xp, store, BIG_GUILD, page, 10)
            samples.append(time.perf_counter() - start)
            assert entries and entries[0].position == (page - 1) * 10 + 1
        return statistics.median(samples)

    times = {name: await page_time(page) for name, page in pages.items()}
    first, worst = times["first"], max(times.values())
    mid_xp = await _middle_xp(store, total)
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        rank, _ = await store.rank(BIG_GUILD, mid_xp)
        samples.append(time.perf_counter() - start)
    rank_t = statistics.median(samples)
    return [
        Figure("ranking: leaderboard page (worst of first/middle/last)", round(worst * 1000, 2), "ms",
               "< 5 ms, not growing with the page number", worst < 0.005 and worst < 10 * first,
               baseline=round(first * 1000, 2), baseline_name="first page (ms)",
               note=", ".join(f"{k} page {pages[k]:,}: {v * 1000:.2f} ms" for k, v in times.items())),
        Figure("ranking: rank of the middle member", round(rank_t * 1000, 2), "ms", "< 50 ms", rank_t < 0.05,
               note=f"rank #{rank:,} of {total:,}"),
    ]


async def _middle_xp(store: XpStore, total: int) -> int:
    rows = await store.leaderboard_page_rows(BIG_GUILD, total // 2, 1)
    return rows[0][1]
