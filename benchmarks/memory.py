"""5. Resident memory growth from an empty database to 1,000,000 members, cache at its default size.

Run in its own process (``python -m benchmarks.memory``) so nothing else measured shares its heap.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

from unicornia.db.store import EMPTY_LOAD, XpStore
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp_system import DEFAULT_CACHE_SIZE, Gain, XpSystem

MEMBERS = 1_000_000
GUILDS = 100
BATCH = 50_000


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def measure() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = XpStore(Path(tmp) / "unicornia.db")
        await store.open()

        async def nothing(*args, **kwargs):
            return None

        xp = XpSystem(None, store, SettingsCache(None), on_level_up=nothing)
        before = rss_bytes()
        largest_cache = 0
        for start in range(0, MEMBERS, BATCH):
            for uid in range(start, start + BATCH):
                key = (uid % GUILDS, uid)
                xp._install(key, EMPTY_LOAD, store.flush_epoch)  # every member passes through the cache
                gain = xp.buffer.get(key) or xp.buffer.setdefault(key, Gain())
                gain.xp += 5
                gain.messages += 1
                xp.activity[key] = [0.0, 0.0, 0, 0]
            largest_cache = max(largest_cache, len(xp.cache))
            assert await xp.flush()
            xp.prune_activity()
        await asyncio.sleep(0.2)  # let the store's thread finish freeing the last snapshot
        after = rss_bytes()
        rows = (await store.rank(0, -1))[1] * GUILDS
        await store.close()
    return {"growth": after - before, "largest_cache": largest_cache, "rows": rows}


if __name__ == "__main__":
    json.dump(asyncio.run(measure()), sys.stdout)
