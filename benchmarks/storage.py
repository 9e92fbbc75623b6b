"""2. Storage: the flush, ranking and the file's size, at 100,000 and 1,000,000 members.

Every member id is a realistic Discord snowflake (eight bytes in SQLite, nineteen digits in JSON),
so sizes compare fairly with LevelUp's JSON file.  Each database is built once and reused: the
100,000-member one for the small half of the flush matrix, the 1,000,000-member one for the rest.
Gains are always distinct members (a sample without replacement), so "100,000 gains" is 100,000
rows.  Baselines are measured in the same run: a bare ``executemany`` upsert of the same rows on
the same file, and a whole-file rewrite modelled as LevelUp does its save (every member's profile
serialised with orjson, as LevelUp does, and written to one file).
"""
from __future__ import annotations

import asyncio
import gc
import json
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from unicornia.core import periods
from unicornia.db import period_statements as periods_sql
from unicornia.db import statements as sql
from unicornia.db.store import XpStore
from unicornia.systems import standing
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp import Gain, XpSystem

from .common import GUILD, REPORT, Figure, StallProbe, ratio_figure, stall_figure
from .common import member_id as _user

try:  # LevelUp serialises with orjson; fall back to json where it is missing (slower: flatters us less)
    import orjson

    def _dumps(data) -> bytes:
        return orjson.dumps(data)
except ImportError:  # pragma: no cover
    def _dumps(data) -> bytes:
        return json.dumps(data, separators=(",", ":")).encode()

MEMBERS = 1_000_000
SMALL = 100_000
GAINS = 100_000
MATRIX = (1_000, 10_000, 100_000)
FILL_BATCH = 100_000
ROUNDS = 3
#: Members whose rank is read (besides the top, the middle and the last) and pages read.
RANK_SAMPLES = 200
PAGE_SAMPLES = 50
PER_PAGE = 10
#: Before this round (commit 607edee): 100,000 changed of 100,000 members with this module's own
#: database, gains and plan (its schema, its code), the whole flush and a bare upsert of the same
#: rows: medians of 3 flushes in each of 2 runs alternating with this code, 2026-12-02, ms.
BEFORE_100K_OF_100K = (2_077.0, 1_268.0)
#: The members' history is written this many hours before the measured flushes.  Until schema 9 the
#: fill and the flushes shared an hour: with the history keyed by member first that made no
#: difference (a flush's rows landed beside each member's older rows, all over the table either
#: way); keyed by hour first, writing 1,000,000 members' history into the measured hour would make
#: every flush scatter into a range no live hour holds (measured that way on 2026-12-03: the
#: 100,000-into-1,000,000 flush 1.59-1.66 x its bare upsert, against 1.41-1.43 x with the fill an
#: hour back).
FILLED_HOURS_AGO = 1
#: A rank or a page may cost this many times the first page's read (flat in the position).
FLAT = 10


async def _filled_store(path: Path, members: int, rng: random.Random) -> XpStore:
    """The members' XP, written an hour before the measured flushes: a live guild's current hour holds
    only the members active in it, not every member's history (see ``FILLED_HOURS_AGO``)."""
    store = XpStore(path)
    await store.open()
    store.now = lambda: time.time() - FILLED_HOURS_AGO * 3600
    for start in range(0, members, FILL_BATCH):
        snapshot = {}
        for number in range(start, min(start + FILL_BATCH, members)):
            gain = Gain()
            gain.xp = rng.randrange(1, 200_000)
            gain.messages = gain.xp // 3
            snapshot[(GUILD, _user(number))] = gain
        await store.write_buffer(snapshot)
    store.now = time.time
    return store


def _gains(rng: random.Random, members: int, count: int, newcomers: bool = True) -> dict:
    """``count`` gains for distinct members: nine in ten the database has, one in ten newcomers."""
    known = count - count // 10 if newcomers else count
    numbers = rng.sample(range(members), known)
    numbers += rng.sample(range(10 * members, 20 * members), count - known)
    out = {}
    for number in numbers:
        gain = Gain()
        gain.xp, gain.messages = rng.randrange(1, 30), 1  # all of it from messages
        out[(GUILD, _user(number))] = gain
    return out


def _bare_upsert(path: Path, snapshot: dict, cache: str = "") -> float:
    """The baseline: one executemany of the same upsert, in one transaction, on the same file
    (``cache``: a PRAGMA run first, e.g. the flush's bigger page cache)."""
    rows = [(uid, gid, g.xp, g.messages, g.voice_seconds, g.links, g.thanks, g.reactions, g.commands)
            for (gid, uid), g in snapshot.items()]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if cache:
            conn.execute(cache)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql.UPSERT_GAINS, rows)
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


#: The least any flush that keeps the hourly history must write, for context beside the 100,000-of-
#: 100,000 goal: the same rows bound into a plain temporary table, then the stats (with the week's
#: and month's XP) and one hour of history from it, each in key order, in one transaction with the
#: flush's page cache.  No staging with each member's row as it was, no rank pieces, no guild
#: totals, no quest baselines, no quests: a model, not a flush (a real one needs all of them).
#: With ``old_rows`` it also reads each member's row as it was before writing (into a keyed table, in
#: key order, as the flush's stage does): what the rank pieces, the quest baselines and the quests
#: start from, so the least a flush that keeps them must pay before doing any of their own work.
_FLOOR_INBOX = "CREATE TEMP TABLE Floor (UserId INTEGER, GuildId INTEGER, Xp INTEGER, Messages INTEGER)"
_FLOOR_OLD = """
CREATE TEMP TABLE FloorOld (UserId INTEGER, GuildId INTEGER, Xp INTEGER, Messages INTEGER,
                            OldXp INTEGER, OldMessages INTEGER, PRIMARY KEY (GuildId, UserId)) WITHOUT ROWID
"""
_FLOOR_READ_OLD = """
INSERT INTO temp.FloorOld
SELECT f.UserId, f.GuildId, f.Xp, f.Messages, COALESCE(u.Xp, 0), COALESCE(u.MessageCount, 0)
FROM temp.Floor AS f LEFT JOIN UserXpStats AS u ON u.UserId = f.UserId AND u.GuildId = f.GuildId
ORDER BY f.GuildId, f.UserId
"""
_FLOOR_STATS = f"""
INSERT INTO UserXpStats (UserId, GuildId, Xp, MessageCount, {periods_sql.PERIOD_COLUMNS})
SELECT UserId, GuildId, Xp, Messages, ?1, Xp, ?2, Xp FROM temp.{{table}} WHERE true ORDER BY UserId, GuildId
ON CONFLICT (UserId, GuildId) DO UPDATE SET Xp = Xp + excluded.Xp, MessageCount = MessageCount + excluded.MessageCount,
    WeekXp = CASE WHEN WeekNo = excluded.WeekNo THEN WeekXp + excluded.WeekXp ELSE excluded.WeekXp END,
    WeekNo = excluded.WeekNo,
    MonthXp = CASE WHEN MonthNo = excluded.MonthNo THEN MonthXp + excluded.MonthXp ELSE excluded.MonthXp END,
    MonthNo = excluded.MonthNo
"""
_FLOOR_HISTORY = f"""
INSERT INTO XpHistory (GuildId, UserId, Source, Hour, Xp)
SELECT GuildId, UserId, {sql.HISTORY_SOURCE_CODES["message"]}, ?, Xp FROM temp.{{table}} ORDER BY GuildId, UserId
ON CONFLICT (GuildId, Hour, UserId, Source) DO UPDATE SET Xp = Xp + excluded.Xp
"""


def _floor(path: Path, snapshot: dict, hour: int, now: float, old_rows: bool = False) -> float:
    """The stats (in the week and month of ``now``) and the history of ``hour`` for ``snapshot``'s
    rows, nothing else; with ``old_rows``, each member's row as it was read first (see ``_FLOOR_STATS``)."""
    rows = [(uid, gid, g.xp, g.messages) for (gid, uid), g in snapshot.items()]
    week, month = (periods_sql.period_number(start) for start in (periods.week_start(now), periods.month_start(now)))
    table = "FloorOld" if old_rows else "Floor"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(sql.BIG_FLUSH_CACHE)
        conn.execute(_FLOOR_INBOX)
        conn.execute(_FLOOR_OLD)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO temp.Floor VALUES (?, ?, ?, ?)", rows)
        read = conn.execute(_FLOOR_READ_OLD).rowcount if old_rows else len(rows)
        written = (conn.execute(_FLOOR_STATS.format(table=table), (week, month)).rowcount
                   + conn.execute(_FLOOR_HISTORY.format(table=table), (hour,)).rowcount)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        # every row read (with old_rows), its stats and its history written, nothing skipped
        assert (read, written) == (len(rows), 2 * len(rows)), (read, written, len(rows))
        return elapsed
    finally:
        conn.close()


def _levelup_file(members: int, rng: random.Random) -> dict:
    """A LevelUp 5 file's shape for one guild: each profile as it saves it (pydantic's JSON with the
    defaults left out: XP as a float, messages, the level on LevelUp's default curve (base 100,
    exponent 2) and when the member was last active; weekly stats are off by default)."""
    users = {}
    for number in range(members):
        xp = rng.randrange(1, 200_000)
        users[str(_user(number))] = {"xp": float(xp), "messages": xp // 3, "level": int((xp / 100) ** 0.5),
                                     "last_active": "2026-12-02T20:15:%02d.%06d" % (number % 60, number % 999_999)}
    return {"configs": {str(GUILD): {"users": users}}}


def _rewrite(path: Path, data: dict) -> tuple[float, int]:
    """LevelUp's save: serialise everything, write it whole (seconds, bytes)."""
    start = time.perf_counter()
    blob = _dumps(data)
    path.write_bytes(blob)
    return time.perf_counter() - start, len(blob)


async def _bare_on_thread(path: Path, snapshot: dict, floor: list[float]) -> float:
    """The bare upsert on a thread, the loop probed meanwhile: its longest stall is what the machine
    alone costs the loop while SQLite works on another thread (the flush's stall floor)."""
    gc.collect()
    async with StallProbe() as probe:
        elapsed = await asyncio.to_thread(_bare_upsert, path, snapshot)
    floor.append(probe.longest)
    return elapsed


async def _flush(xp: XpSystem, store: XpStore, snapshot: dict) -> tuple[float, float, float, float]:
    """One real flush through the engine: (whole, XP transaction, follow-up, longest loop stall)."""
    xp.buffer = snapshot
    # the gains were built at once just now (a live buffer grows over 30 s): collect that
    # garbage-collector debt here, so the probe sees the flush's own stalls
    gc.collect()
    async with StallProbe() as probe:
        start = time.perf_counter()
        assert await xp.flush()
        whole = time.perf_counter() - start
    write, settle = store.last_timing
    return whole, write, settle, probe.longest


async def _engine(store: XpStore) -> XpSystem:
    async def nothing(*args, **kwargs):
        return None

    # as the cog flushes: with the guild's day, its periods and its quests
    return XpSystem(None, store, SettingsCache(None), on_level_up=nothing, plan_flush=await _installed_plan(store))


async def run() -> list[Figure]:
    rng = random.Random(11)
    figures: list[Figure] = []
    stalls: list[float] = []
    floor: list[float] = []  # the loop's stalls while only a bare upsert ran, on a thread
    matrix: dict[tuple[int, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # --- 100,000 members: the matrix's small half and the before/after case ------------------
        small_path = tmp / "small.db"
        store = await _filled_store(small_path, SMALL, rng)
        xp = await _engine(store)
        small_bare, small_whole, small_cached, small_write, small_follow = [], [], [], [], []
        small_floor, small_floor_old = [], []
        for changed in MATRIX:
            whole, _, _, stall = await _flush(xp, store, _gains(rng, SMALL, changed, newcomers=False))
            matrix[(SMALL, changed)] = whole
            stalls.append(stall)
        for round_ in range(ROUNDS):
            small_bare.append(await _bare_on_thread(small_path, _gains(rng, SMALL, SMALL, newcomers=False), floor))
            whole, write, settle, stall = await _flush(xp, store, _gains(rng, SMALL, SMALL, newcomers=False))
            small_whole.append(whole)
            stalls.append(stall)
            # what the flush's own page cache alone makes of the bare upsert (context, not the baseline)
            cached = _gains(rng, SMALL, SMALL, newcomers=False)
            small_cached.append(await asyncio.to_thread(_bare_upsert, small_path, cached, sql.BIG_FLUSH_CACHE))
            # the least a flush that keeps the history must write: its history in an hour of its own
            # (appended, as a flush's), its week and month the flushes' (a later hour could be next week's)
            now = time.time()
            for floors, old_rows, hours_on in ((small_floor, False, round_ + 1), (small_floor_old, True, ROUNDS + round_ + 1)):
                floors.append(await asyncio.to_thread(_floor, small_path, _gains(rng, SMALL, SMALL, newcomers=False),
                                                      int(now) // 3600 * 3600 + hours_on * 3600, now, old_rows))
            small_write.append(write)
            small_follow.append(settle)
        await store.close()
        levelup = tmp / "LevelUp.json"
        data = _levelup_file(SMALL, rng)
        rewrite_small = statistics.median(_rewrite(levelup, data)[0] for _ in range(ROUNDS))

        # --- 1,000,000 members -------------------------------------------------------------------
        path = tmp / "unicornia.db"
        store = await _filled_store(path, MEMBERS, rng)
        data = _levelup_file(MEMBERS, rng)
        rewrite_big, levelup_size = zip(*(_rewrite(levelup, data) for _ in range(ROUNDS)))
        del data
        size_figures = await _sizes(path, levelup_size[0])
        xp = await _engine(store)
        ranking_first = await _ranking(store, "as filled")  # pieces kept by the filling flushes
        for changed in MATRIX[:-1]:
            whole, _, _, stall = await _flush(xp, store, _gains(rng, MEMBERS, changed))
            matrix[(MEMBERS, changed)] = whole
            stalls.append(stall)
        ours, follow, total, bare, after_flush = [], [], [], [], []  # one XP transaction, one follow-up each
        for round_ in range(ROUNDS):
            snapshot = _gains(rng, MEMBERS, GAINS)
            bare.append(await _bare_on_thread(path, _gains(rng, MEMBERS, GAINS), floor))
            whole, write, settle, stall = await _flush(xp, store, snapshot)
            total.append(whole)
            ours.append(write)
            follow.append(settle)
            stalls.append(stall)
            after_flush.append(await _first_reads(store))
        matrix[(MEMBERS, GAINS)] = statistics.median(total)
        ranking = await _ranking(store, "after three 100,000-gain flushes")
        await store.close()
        size_figures.append(_baselines(path))

    ours_t, follow_t, total_t, bare_t = (statistics.median(v) for v in (ours, follow, total, bare))
    figures.append(ratio_figure(
        "flush: 100,000 gains (distinct members) into 1,000,000, both transactions", total_t * 1000, bare_t * 1000,
        1.3, unit="ms", against="a bare executemany upsert of the same rows", baseline_name="bare upsert (ms)",
        worst=max(total) * 1000,
        note=f"the XP transaction {ours_t * 1000:,.0f} ms ({ours_t / bare_t:.2f} x: stats, "
             f"hourly history, rank pieces, the week's and the month's boards), the follow-up {follow_t * 1000:,.0f} ms ({follow_t / bare_t:.2f} x: "
             f"quest baselines, server day, 6 quests, the goal); the members' history was written "
             f"{FILLED_HOURS_AGO} hour before, as a live guild's (see FILLED_HOURS_AGO)"))
    small_t, small_b = statistics.median(small_whole), statistics.median(small_bare)
    before_whole, before_bare = BEFORE_100K_OF_100K
    before = before_whole / before_bare
    figures.append(ratio_figure(
        "flush: 100,000 changed of 100,000 members, both transactions", small_t * 1000, small_b * 1000,
        round(before / 2, 2), unit="ms", against="a bare upsert of the same rows (half the ratio before this round)",
        baseline_name="bare upsert (ms)", worst=max(small_whole) * 1000,
        note=f"before this round {before_whole:,.0f} ms against a {before_bare:,.0f} ms bare upsert ({before:.2f} x; "
             f"measured alternating with this code, see BEFORE_100K_OF_100K); the XP transaction "
             f"{statistics.median(small_write) * 1000:,.0f} ms, the follow-up {statistics.median(small_follow) * 1000:,.0f} ms "
             f"(quest baselines, 6 quests, the goal); the same bare upsert with the flush's bigger page cache: "
             f"{statistics.median(small_cached) * 1000:,.0f} ms; the stats and one hour of history alone, with that cache "
             f"(no staging, rank pieces, baselines or quests; the least any flush keeping a history writes): "
             f"{statistics.median(small_floor) * 1000:,.0f} ms ({statistics.median(small_floor) / small_b:.2f} x); "
             f"the same, each member's row as it was read first (what rank pieces, baselines and quests start from): "
             f"{statistics.median(small_floor_old) * 1000:,.0f} ms ({statistics.median(small_floor_old) / small_b:.2f} x)"))
    figures.extend(_matrix_figures(matrix, rewrite_small, statistics.median(rewrite_big)))
    figures.append(stall_figure("flush: longest event-loop stall (every flush above)", max(stalls), 5,
                                note=f"{len(stalls)} flushes of 1,000 to 100,000 members; while only a bare upsert "
                                     f"ran on a thread (no Python work at all), the loop's longest stall was "
                                     f"{max(floor) * 1000:.1f} ms: the machine's own floor in this run"))
    figures.extend(ranking_first)
    figures.extend(ranking)
    first_rank = max(first for first, _, _, _ in after_flush)
    warm_rank = statistics.median(warm for _, warm, _, _ in after_flush)
    first_page = max(first for _, _, first, _ in after_flush)
    warm_page = statistics.median(warm for _, _, _, warm in after_flush)
    figures.append(ratio_figure(
        "ranking: the first rank read right after a 100,000-gain flush (worst of 3 flushes)", first_rank * 1000,
        warm_rank * 1000, FLAT, unit="ms", against="the same read again", baseline_name="the same rank read again (ms)",
        digits=2, note=f"{'under' if first_rank < 0.005 else 'OVER'} 5 ms; the pieces are kept exact by the flush, "
                       f"never rebuilt on a read"))
    figures.append(ratio_figure(
        "ranking: the first deep page read right after a 100,000-gain flush (worst of 3 flushes)", first_page * 1000,
        warm_page * 1000, FLAT, unit="ms", against="the same read again", baseline_name="the same page read again (ms)",
        digits=2, note=f"{'under' if first_page < 0.005 else 'OVER'} 5 ms; the last page"))
    figures.extend(size_figures)
    return figures


def _matrix_figures(matrix: dict, rewrite_small: float, rewrite_big: float) -> list[Figure]:
    out = []
    for total, rewrite in ((SMALL, rewrite_small), (MEMBERS, rewrite_big)):
        cells = [(changed, matrix[(total, changed)]) for changed in MATRIX]
        out.append(Figure(
            f"flush cost by members changed, {total:,} members (1k / 10k / 100k changed)",
            round(cells[-1][1] * 1000, 1), "ms", "report", True, baseline=round(rewrite * 1000, 1),
            baseline_name="whole-file rewrite (LevelUp's save: orjson + write, ms)",
            note=", ".join(f"{c:,}: {t * 1000:,.1f} ms ({t / rewrite:.2f} x)" for c, t in cells)
                 + f"; {_crossover(cells, rewrite)}", kind=REPORT))
    return out


def _crossover(cells: list[tuple[int, float]], rewrite: float) -> str:
    """Where the flush's cost meets the rewrite's, interpolating between measured points."""
    if cells[0][1] >= rewrite:
        return f"dearer than the rewrite from {cells[0][0]:,} changed"
    for (c0, t0), (c1, t1) in zip(cells, cells[1:]):
        if t1 >= rewrite:
            at = c0 + (rewrite - t0) * (c1 - c0) / (t1 - t0)
            return f"cheaper than the rewrite up to about {at:,.0f} changed members"
    return f"cheaper than the rewrite for every case measured (up to {cells[-1][0]:,} changed)"


async def _installed_plan(store: XpStore):
    """The plan the cog gives each flush for a guild with the default quests and the goal on."""
    from unicornia.core.settings import DEFAULT_SETTINGS
    from unicornia.db.goals import FlushPlan, GuildPlan
    from unicornia.systems.goals import default_quests, quest_start

    created = store.now
    store.now = lambda: 1_700_000_000  # the quests were added long ago (as on a live server)
    await store.add_quests(GUILD, list(default_quests()))
    store.now = created
    quests = await store.quests(GUILD)

    def plan() -> FlushPlan:
        now = store.now()
        day = periods.day_start(now)
        starts = [(q.id, quest_start(q, now, DEFAULT_SETTINGS)) for q in quests]
        return FlushPlan([GuildPlan(GUILD, day, goal_floor=10**9)],  # a goal not reached: checked, not paid
                         [(GUILD, day)],  # the quests are older than their periods: day baselines serve
                         [(qid, GUILD, start) for qid, start in starts])

    return plan


async def _timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = await call
    return time.perf_counter() - start, result


async def _first_reads(store: XpStore) -> tuple[float, float, float, float]:
    """The first rank (about the middle member's) and the first deep page read after a flush, and
    the same reads again (median of 5): (first rank, rank again, first page, page again)."""
    total = await store.ranked(GUILD)
    first_rank, _ = await _timed(store.rank(GUILD, 100_000))  # XP of about the middle member
    first_page, rows = await _timed(store.leaderboard_page_rows(GUILD, total - PER_PAGE, PER_PAGE))
    assert len(rows) == PER_PAGE
    rank_again = statistics.median([(await _timed(store.rank(GUILD, 100_000)))[0] for _ in range(5)])
    page_again = statistics.median([(await _timed(store.leaderboard_page_rows(GUILD, total - PER_PAGE, PER_PAGE)))[0]
                                    for _ in range(5)])
    return first_rank, rank_again, first_page, page_again


async def _rounds(reads: list, rounds: int = 3) -> list[tuple[float, float]]:
    """(median, slowest) of each read, read once per round: a read's samples are spread over the
    whole measurement, so one moment the machine was busy elsewhere spoils one sample, not all."""
    samples: list[list[float]] = [[] for _ in reads]
    for _ in range(rounds):
        for mine, read in zip(samples, reads):
            mine.append((await _timed(read()))[0])
    return [(statistics.median(mine), max(mine)) for mine in samples]


async def _ranking(store: XpStore, when: str) -> list[Figure]:
    """Every kind of rank and page: the top, the middle, the last, and random ones.

    Each is read 3 times, in 3 rounds: the figure is the slowest member's (or page's) median, so a
    moment the machine was busy elsewhere does not count as the code's worst case; the single
    slowest read is given as the worst case beside it.  The baseline is the first page's read in the same run."""
    rng = random.Random(5)
    total = await store.ranked(GUILD)
    first_page = statistics.median([(await _timed(store.leaderboard_page_rows(GUILD, 0, PER_PAGE)))[0]
                                    for _ in range(9)])
    xps = [xp for _, xp in await store.leaderboard_page_rows(GUILD, 0, 1)]
    for offset in (total // 2, total - 1, *rng.sample(range(total), RANK_SAMPLES)):
        xps.extend(xp for _, xp in await store.leaderboard_page_rows(GUILD, offset, 1))
    ranks = await _rounds([lambda xp=xp: store.rank(GUILD, xp) for xp in xps])
    assert (await store.rank(GUILD, xps[0]))[0] == 1
    last = -(-total // PER_PAGE)
    wanted = (1, last // 2, last, *rng.sample(range(1, last + 1), PAGE_SAMPLES))
    for page in wanted:
        entries = await standing.leaderboard_page(_NoBuffer(), store, GUILD, page, PER_PAGE)
        assert entries and entries[0].position == (page - 1) * PER_PAGE + 1
    pages = await _rounds([lambda page=page: standing.leaderboard_page(_NoBuffer(), store, GUILD, page, PER_PAGE)
                           for page in wanted])
    out = []
    for what, samples, said in (("rank of any member", ranks, "the top, the middle, the last member and 200 at random"),
                                ("any leaderboard page", pages, f"pages 1, {last // 2:,}, {last:,} and 50 at random")):
        worst_median = max(median for median, _ in samples)
        slowest = max(worst for _, worst in samples)
        out.append(ratio_figure(
            f"ranking: {what}, 1,000,000-member guild ({when}; {len(samples)} read 3 times each)",
            worst_median * 1000, first_page * 1000, FLAT, unit="ms", against="the first page's read",
            baseline_name="first page (ms)", worst=slowest * 1000, digits=2,
            note=f"{said}; the slowest one's median {'under' if worst_median < 0.005 else 'OVER'} 5 ms, the single "
                 f"slowest read {slowest * 1000:.2f} ms"))
    return out


class _DefaultSettings:
    async def get(self, guild_id: int):
        from unicornia.core.settings import DEFAULT_SETTINGS

        return DEFAULT_SETTINGS


def _baselines(path: Path) -> Figure:
    """What the quests' baselines cost: one row per member active in a day (the counters they had
    when the day began), of which the daily thinning keeps about ten at most (``GoalQueries.thin_baselines``)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'CounterBaseline'").fetchone()[0] or 0
        rows = conn.execute("SELECT COUNT(*) FROM CounterBaseline").fetchone()[0]
    finally:
        conn.close()
    per_row = size / rows if rows else 0
    return Figure("disk: quest baselines after the flushes above (one day's)", round(size / 2**20, 1), "MiB", "report",
                  True, note=f"{rows:,} members active today, {per_row:.0f} bytes each: a member active every day "
                             f"keeps about 10 at most (today's, yesterday's, and those within a day of the week's and "
                             f"the month's start; about {10 * per_row:.0f} bytes) once the hourly upkeep thins "
                             f"them (once a day per server), not one a day for 40 days "
                             f"(about {40 * per_row:,.0f} bytes)", kind=REPORT)


class _NoBuffer:
    """What ``standing.leaderboard_page`` needs from the engine when nothing is buffered: a flush
    with nothing to write and the guild's settings (its level curve), here the defaults."""

    settings = _DefaultSettings()

    async def flush(self) -> bool:
        return True


async def _sizes(path: Path, levelup: int) -> list[Figure]:
    """The 1,000,000-member file, WAL checkpointed, against LevelUp's file for the same members.

    LevelUp keeps no history, and no file can hold an hourly history of 1,000,000 members and stay
    under LevelUp's file, which holds less: the goal is on everything else (stats, the leaderboard
    index with the week's and month's boards, the rest of the tables), and the whole file, with
    each table's and index's size from ``dbstat`` and what a history row costs, is reported beside it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        parts = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        history_rows = conn.execute("SELECT COUNT(*) FROM XpHistory").fetchone()[0]
    finally:
        conn.close()
    history = parts.get("XpHistory", 0) + parts.get("XpHistoryGuild", 0)
    rest = size - history
    listed = ", ".join(f"{name} {pages / 2**20:.1f}" for name, pages in sorted(parts.items(), key=lambda p: -p[1])
                       if pages >= 2**20 / 10)
    per_row = parts.get("XpHistory", 0) / history_rows
    return [
        Figure("disk: 1,000,000 members, WAL checkpointed, less the hourly history and the quests' baselines "
               "(LevelUp keeps neither; both reported below)",
               round(rest / 2**20, 1), "MiB", "<= LevelUp's JSON file", rest <= levelup,
               baseline=round(levelup / 2**20, 1), baseline_name="LevelUp's file for the same members (MiB)",
               note=f"{levelup / 2**20 - rest / 2**20:+.1f} MiB of room; every member earned XP this week and "
                    f"month (the boards' columns all filled); measured before any quest baseline was written",
               limit=round(levelup / 2**20, 1)),
        Figure("disk: the whole file, with one hour of history for each member", round(size / 2**20, 1), "MiB",
               "report", True, baseline=round(levelup / 2**20, 1),
               baseline_name="LevelUp's file for the same members (MiB)",
               note=f"by dbstat (MiB): {listed}; the history grows by about {per_row:.0f} bytes per member, hour "
                    f"and source they were active in (a member active in 3 hours of a day, from messages only: "
                    f"about {3 * per_row:.0f} bytes a day)", kind=REPORT),
    ]
