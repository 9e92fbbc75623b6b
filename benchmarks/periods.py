"""7. The weekly board of a 1,000,000-member guild: a page, the caller's place, and reading the board.

Every one of the 1,000,000 members earned XP this week (the worst case: a real server's week
holds only its active members), written through the real flush in ten 100,000-member batches,
then one more flush of 100,000 gains.  A board is the period's top 1,000, read from the
leaderboard index (a scan of the guild's entries) and kept until the next write; a large guild's
board is served stale while it is read again in the background.  Figures: a page and the place
as the command gets them from the kept board, the first page after a write (stale, at once), and
the read itself.  Baselines in the same run: the all-time board read as deep (page 100, current
members only, as ``[p]level leaderboard 100`` reads it), a bare SELECT of one all-time leaderboard
page, and a bare COUNT of the guild's index entries (the floor of visiting them all).
"""
from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from unicornia.core import periods as calendar
from unicornia.core.settings import DEFAULT_SETTINGS
from unicornia.db import period_statements as sql
from unicornia.db.statements import TOP_FIRST as LEADERBOARD_PAGE
from unicornia.db.store import XpStore
from unicornia.systems import standing
from unicornia.systems.periods import PeriodService
from unicornia.systems.xp import Gain

from .common import GUILD, Figure, ratio_figure
from .common import member_id as _user

MEMBERS = 1_000_000
BATCH = 100_000
PAGES = (1, 50, 100)  # the first, a middle and the deepest page the command offers
ROUNDS = 5
#: A page may cost this many times the all-time board's read to the same depth; a place, this many
#: times a bare page SELECT.
PAGE_LIMIT = 3
#: Reading the board may cost this many times visiting every entry of the guild (a bare COUNT):
#: it also keeps the top 1,000 in order as it walks (measured 2.2-2.9 x).
READ_LIMIT = 4
#: The issue's target for a page, stated beside the ratio (not the goal: see common.py).
PAGE_TARGET_MS = 20


class _Settings:
    loaded: dict = {}

    async def get(self, guild_id: int):
        return DEFAULT_SETTINGS


class _Engine:
    settings = _Settings()

    async def flush(self) -> bool:
        return True


class _Guild:
    id = GUILD


async def _timed(awaitable) -> tuple[float, object]:
    start = time.perf_counter()
    result = await awaitable
    return time.perf_counter() - start, result


async def run() -> list[Figure]:
    rng = random.Random(23)
    with tempfile.TemporaryDirectory() as folder:
        store = XpStore(Path(folder) / "unicornia.db")
        await store.open()
        try:
            return await _measure(store, rng)
        finally:
            await store.close()


async def _measure(store: XpStore, rng: random.Random) -> list[Figure]:
    now = time.time()
    store.now = lambda: now
    for start in range(0, MEMBERS, BATCH):
        snapshot = {}
        for number in range(start, min(start + BATCH, MEMBERS)):
            gain = Gain()
            gain.xp = int(rng.paretovariate(1.2) * 10)
            gain.messages = 1
            snapshot[(GUILD, _user(number))] = gain
        await store.write_buffer(snapshot)
    moved = {}
    for number in rng.sample(range(MEMBERS), BATCH):
        gain = Gain()
        gain.xp, gain.messages = rng.randrange(1, 300), 1
        moved[(GUILD, _user(number))] = gain
    await store.write_buffer(moved)

    service = PeriodService(None, store, _Settings(), _Engine, None)
    week = calendar.week_start(now)
    conn, loop = store.conn, asyncio.get_running_loop()

    def on_thread(statement, params):  # on the store's own thread, as every read
        return loop.run_in_executor(store._executor, lambda: conn.execute(statement, params).fetchall())

    bare_page = lambda: on_thread(LEADERBOARD_PAGE, (GUILD, 10))  # noqa: E731
    bare_count = lambda: on_thread("SELECT COUNT(*) FROM UserXpStats INDEXED BY IX_UserXpStats_Guild_Xp "  # noqa: E731
                                   "WHERE GuildId = ?", (GUILD,))
    everyone = (lambda uid: True)
    read_first, _ = await _timed(service.board(_Guild(), sql.WEEK, week, 10, everyone))
    order = await service.board(_Guild(), sql.WEEK, week, 1000, everyone)
    assert len(order) == 1000 and order[0].xp >= order[-1].xp
    places = [("the top member", order[0].user_id), ("the 500th", order[499].user_id),
              ("a member below the top 1,000", _user(MEMBERS - 1))]
    samples = {name: [] for name in ("bare page", "bare count", "read", "all-time", *PAGES, *(n for n, _ in places))}
    during = []  # a place while the board is being read again on the reader thread
    for _ in range(ROUNDS):
        samples["bare page"].append((await _timed(bare_page()))[0])
        samples["bare count"].append((await _timed(bare_count()))[0])
        samples["all-time"].append((await _timed(standing.leaderboard(_Engine(), store, GUILD, max(PAGES) * 10,
                                                                     everyone)))[0])
        store.writes += 1  # as after any write: the next request reads the board again
        samples["read"].append((await _timed(store.period_board(GUILD, sql.WEEK, week, 1000)))[0])
        await service.board(_Guild(), sql.WEEK, week, 10, everyone)
        for page in PAGES:
            samples[page].append((await _timed(service.board(_Guild(), sql.WEEK, week, page * 10, everyone)))[0])
        during.append((await _timed(service.position(GUILD, sql.WEEK, week, places[0][1])))[0])
        await asyncio.gather(*service._reading.values())  # the board read again in the background
        for name, user in places:
            samples[name].append((await _timed(service.position(GUILD, sql.WEEK, week, user)))[0])
    store.writes += 1
    stale, _ = await _timed(service.board(_Guild(), sql.WEEK, week, 10, everyone))  # a slow board: served stale
    await asyncio.gather(*service._reading.values())
    med = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    worst = {name: max(values) * 1000 for name, values in samples.items()}
    slowest_page = max(PAGES, key=lambda page: med[page])
    slowest_place = max((n for n, _ in places), key=lambda name: med[name])
    page_note = (", ".join(f"page {page}: {med[page]:.3f} ms" for page in PAGES)
                 + f"; the first page after a write {stale * 1000:.2f} ms (the kept board, while it is read again); "
                 f"every page under {PAGE_TARGET_MS} ms: {'yes' if max(worst[p] for p in PAGES) < PAGE_TARGET_MS else 'NO'}")
    place_note = (", ".join(f"{name}: {med[name]:.3f} ms" for name, _ in places)
                  + f"; while the board is read again in the background: {statistics.median(during) * 1000:.2f} ms "
                  f"(worst {max(during) * 1000:.2f})")
    read_note = (f"the board's first read after load {read_first * 1000:.0f} ms; a large guild's reads run in the "
                 f"background after the first (the kept board is served meanwhile), a small one's at once")
    return [
        ratio_figure(f"weekly board: a page, 1,000,000 members with XP this week (slowest of pages {PAGES})",
                     med[slowest_page], med["all-time"], PAGE_LIMIT, unit="ms",
                     against="the all-time board read as deep (current members)",
                     baseline_name="all-time board, page 100 (ms)",
                     worst=worst[slowest_page], note=page_note, digits=3),
        ratio_figure("weekly board: your place in the footer (slowest of the top, the 500th, one below the board)",
                     med[slowest_place], med["bare page"], PAGE_LIMIT, unit="ms",
                     against="a bare SELECT of one leaderboard page", baseline_name="bare page (ms)",
                     worst=worst[slowest_place], note=place_note, digits=3),
        ratio_figure("weekly board: reading it (the top 1,000 of 1,000,000 from the index)",
                     med["read"], med["bare count"], READ_LIMIT, unit="ms",
                     against="a bare COUNT of the guild's entries", baseline_name="bare COUNT (ms)",
                     worst=worst["read"], note=read_note, digits=1),
    ]
