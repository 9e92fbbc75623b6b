"""5. Resident memory growth from an empty database to 1,000,000 members, cache at its default size:
once with one guild of 1,000,000 members, once with 100 guilds of 10,000.

Each is measured in its own process (``python -m benchmarks.memory --guilds N`` prints its
measurement as JSON), so nothing else measured shares its heap; ``python -m benchmarks.memory``
runs both and prints the figures. Memory does not follow the machine's speed: its goal stays
absolute.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from unicornia.db.store import EMPTY_LOAD, XpStore
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp_system import DEFAULT_CACHE_SIZE, Gain, XpSystem

from .common import BOUND, Figure

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 1_000_000
#: The two shapes measured: one huge guild, and many middling ones (the same members in all).
SHAPES = (1, 100)
BATCH = 50_000
GOAL_MIB = 50.0
MIB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _pass_through(xp: XpSystem, store: XpStore, key: tuple[int, int]) -> None:
    """Member ``key`` speaks once: read into the cache (as new), five XP buffered, activity kept.

    The engine's own steps, without a discord.Message (a million of them would be the heap
    measured): the one place here that knows the engine's internals."""
    xp._install(key, EMPTY_LOAD, store.flush_epoch)
    gain = xp.buffer.get(key) or xp.buffer.setdefault(key, Gain())
    gain.xp += 5
    gain.messages += 1
    xp.activity[key] = [0.0, 0.0, 0, 0]


def count_rows(path: Path) -> tuple[int, int]:
    """Rows in the members' XP table and the guilds they are in, counted in the database itself."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*), COUNT(DISTINCT GuildId) FROM UserXpStats").fetchone()
    finally:
        conn.close()


async def measure(guilds: int) -> dict:
    """Every one of ``MEMBERS`` members (spread over ``guilds``) passes through the cache and is
    flushed, in batches as a live bot would; the RSS growth from before the first to after the last."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "unicornia.db"
        store = XpStore(path)
        await store.open()

        async def nothing(*args, **kwargs):
            return None

        xp = XpSystem(None, store, SettingsCache(None), on_level_up=nothing)
        before = rss_bytes()
        largest_cache = 0
        for start in range(0, MEMBERS, BATCH):
            for uid in range(start, start + BATCH):
                _pass_through(xp, store, (uid % guilds, uid))
            largest_cache = max(largest_cache, len(xp.cache))
            assert await xp.flush()
            xp.prune_activity()
        await asyncio.sleep(0.2)  # let the store's thread finish freeing the last snapshot
        after = rss_bytes()
        await store.close()
        rows, guilds_found = count_rows(path)
    return {"guilds": guilds, "before": before, "growth": after - before, "largest_cache": largest_cache,
            "rows": rows, "guilds_found": guilds_found}


def measure_apart(guilds: int) -> dict:
    """:func:`measure` in a process of its own."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--guilds", str(guilds)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def figures(results: list[dict]) -> list[Figure]:
    out = []
    for r in results:
        growth = r["growth"] / MIB
        counted = r["rows"] == MEMBERS and r["guilds_found"] == r["guilds"]
        shape = (f"1 guild of {MEMBERS:,}" if r["guilds"] == 1
                 else f"{r['guilds']} guilds of {MEMBERS // r['guilds']:,}")
        out.append(Figure(f"memory: RSS growth, empty -> {shape} members", round(growth, 1), "MiB",
                          f"< {GOAL_MIB:g} MiB, every member written", growth < GOAL_MIB and counted,
                          baseline=round(r["before"] / MIB, 1), baseline_name="RSS before (MiB; growth from here)",
                          note=f"{r['rows']:,} rows in {r['guilds_found']} guild(s) counted in the database; "
                               f"cache at its default size ({DEFAULT_CACHE_SIZE:,})",
                          kind=BOUND, limit=GOAL_MIB))
    largest = max(r["largest_cache"] for r in results)
    out.append(Figure("memory: largest cache size seen", largest, "entries", f"<= {DEFAULT_CACHE_SIZE:,} (its bound)",
                      largest <= DEFAULT_CACHE_SIZE, kind=BOUND, limit=DEFAULT_CACHE_SIZE))
    return out


async def run() -> list[Figure]:
    return figures([await asyncio.to_thread(measure_apart, guilds) for guilds in SHAPES])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guilds", type=int, help="measure this shape here and print it as JSON")
    args = parser.parse_args()
    if args.guilds:
        json.dump(asyncio.run(measure(args.guilds)), sys.stdout)
    else:
        for figure in asyncio.run(run()):
            print(figure)
