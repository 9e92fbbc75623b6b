"""7. Moving in: importing a 1,000,000-row NadekoBot database while the event loop keeps running."""
from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path

from unicornia.db.store import XpStore
from unicornia.db.transfer import Progress

from .common import Figure, StallProbe

ROWS = 1_000_000
GUILDS = 20
GOAL_SECONDS = 60.0
STALL_GOAL = 0.05


def _nadeko_database(path: Path, rng: random.Random) -> None:
    """NadekoBot's v4 tables (the ones the importer reads), filled like a big bot's."""
    from tests.sources import NADEKO_V4

    conn = sqlite3.connect(path)
    conn.executescript(NADEKO_V4)
    per_guild = ROWS // GUILDS
    rows = ((10**17 + uid, 1000 + uid // per_guild, rng.randrange(0, 500_000), rng.randrange(0, 50) * 10, 0)
            for uid in range(ROWS))
    conn.executemany("INSERT INTO UserXpStats (UserId, GuildId, Xp, AwardedXp, NotifyOnLevelUp) VALUES (?, ?, ?, ?, ?)",
                     rows)
    conn.executemany("INSERT INTO XpShopOwnedItem (UserId, ItemType, ItemKey, IsUsing) VALUES (?, 0, ?, ?)",
                     ((10**17 + uid, rng.choice(("sunset", "ocean", "aurora")), uid % 3 == 0)
                      for uid in range(0, ROWS, 10)))
    conn.commit()
    conn.close()


def _bare_read(path: Path) -> float:
    """The baseline: reading the same rows with one bare SELECT on the same file."""
    conn = sqlite3.connect(path)
    try:
        start = time.perf_counter()
        rows = conn.execute("SELECT GuildId, UserId, Xp + AwardedXp, AwardedXp FROM UserXpStats").fetchall()
        assert len(rows) == ROWS
        return time.perf_counter() - start
    finally:
        conn.close()


async def run() -> list[Figure]:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "NadekoBot.db"
        _nadeko_database(source, rng)
        bare = _bare_read(source)
        store = XpStore(Path(tmp) / "unicornia.db")
        await store.open()
        progress = Progress()
        async with StallProbe() as probe:
            start = time.perf_counter()
            result = await store.import_nadeko(source, set(range(1000, 1000 + GUILDS)), progress)
            took = time.perf_counter() - start
        assert result.rows_read == ROWS
        again = time.perf_counter()
        second = await store.import_nadeko(source, set(range(1000, 1000 + GUILDS)), Progress())
        repeat = time.perf_counter() - again
        assert second.members_changed == 0
        await store.close()
    return [
        Figure("import: NadekoBot database, 1,000,000 members", round(took, 1), "s", "< 60 s", took < GOAL_SECONDS,
               baseline=round(bare, 2), baseline_name="bare SELECT of the same rows (s)",
               note=f"{ROWS / took:,.0f} rows/s; 100,000 backgrounds; XP, totals, ledger and audit rows in one "
                    f"transaction; importing again: {repeat:.1f} s, nothing changed"),
        Figure("import: longest event-loop stall meanwhile", round(probe.longest * 1000, 1), "ms", "< 50 ms",
               probe.longest < STALL_GOAL),
    ]
