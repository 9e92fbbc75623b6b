"""5. Resident memory growth from an empty database to 1,000,000 members, cache at its default size:
once with one guild of 1,000,000 members, once with 100 guilds of 10,000.

Every member sends a message through the engine's real message path (``observe_message``): Red's
rules asked through the real gate (its verdicts bounded as live), the member's gain, activity and
cache entry, cache misses read from the database in batches, flushes. The messages are small
stand-ins for discord.py's (a million real ``discord.Member`` objects would be the heap measured),
dropped once handled, as a live bot drops them.

Each shape is measured in its own process (``python -m benchmarks.memory --guilds N`` prints its
measurement as JSON), so nothing else measured shares its heap; the two run side by side, since
memory does not depend on the machine's speed (nor does its goal: it stays absolute).
``python -m benchmarks.memory`` runs both and prints the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from unicornia.core.settings import GuildSettings
from unicornia.db.store import XpStore
from unicornia.systems.gate import RedGate
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp import DEFAULT_CACHE_SIZE, FLUSH_INTERVAL, XpSystem

from .common import BOUND, Figure

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 1_000_000
#: The two shapes measured: one huge guild, and many middling ones (the same members in all).
SHAPES = (1, 100)
#: Distinct members who speak between two flushes: a very busy bot (20,000 a minute). Each batch
#: speaks one flush interval after the one before on the clock the engine and the gate read, so
#: what they keep for a while (the last minute's activity, five minutes of Red's verdicts, up to
#: their bound) is what a live bot would keep.
BATCH = 10_000
#: Messages handled between two returns to the event loop (the batched cache reads run there).
BURST = 1000
GOAL_MIB = 50.0
MIB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _Guild:
    __slots__ = ("id",)

    def __init__(self, guild_id: int) -> None:
        self.id = guild_id


class _Channel:
    __slots__ = ("id", "guild", "parent_id", "category_id")

    def __init__(self, guild: _Guild) -> None:
        self.id = guild.id + 1
        self.guild = guild
        self.parent_id = self.category_id = None


class _Member:
    __slots__ = ("id", "guild", "roles", "bot", "premium_since")

    def __init__(self, guild: _Guild, user_id: int) -> None:
        self.id, self.guild, self.roles, self.bot, self.premium_since = user_id, guild, (), False, None


class _Message:
    """What the message path reads of a discord.Message."""

    __slots__ = ("guild", "channel", "author", "content", "webhook_id", "mentions", "reference")

    def __init__(self, channel: _Channel, author: _Member, content: str) -> None:
        self.guild, self.channel, self.author, self.content = channel.guild, channel, author, content
        self.webhook_id, self.mentions, self.reference = None, (), None


class _RedAllowsAll:
    """Red's answers as the gate asks them: everyone allowed, nothing ignored, the cog enabled."""

    async def allowed_by_whitelist_blacklist(self, member) -> bool:
        return True

    async def ignored_channel_or_guild(self, ctx) -> bool:
        return True  # Red's name for "not ignored: go on"

    async def cog_disabled_in_guild_raw(self, cog_name: str, guild_id: int) -> bool:
        return False


def count_rows(path: Path) -> tuple[int, int]:
    """Rows in the members' XP table and the guilds they are in, counted in the database itself."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*), COUNT(DISTINCT GuildId) FROM UserXpStats").fetchone()
    finally:
        conn.close()


async def measure(guilds: int) -> dict:
    """Every one of ``MEMBERS`` members (spread over ``guilds``) sends a message and is flushed,
    ``BATCH`` at a time, as a live bot would; the RSS growth from before the first message to its
    highest (sampled before and after each flush), and to the end."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "unicornia.db"
        store = XpStore(path)
        await store.open()
        settings = SettingsCache(None)
        channels = []
        for guild_id in range(1, guilds + 1):
            settings._by_guild[guild_id] = GuildSettings.from_config({})
            channels.append(_Channel(_Guild(guild_id)))

        async def nothing(*args, **kwargs):
            return None

        now = [0.0]
        clock = lambda: now[0]  # noqa: E731
        gate = RedGate(_RedAllowsAll(), "Unicornia", clock=clock)
        xp = XpSystem(None, store, settings, on_level_up=nothing, gate=gate, clock=clock)
        before = peak = rss_bytes()
        largest_cache = 0
        for start in range(0, MEMBERS, BATCH):
            now[0] += FLUSH_INTERVAL
            for uid in range(start, start + BATCH):
                channel = channels[uid % guilds]
                pending = xp.observe_message(_Message(channel, _Member(channel.guild, uid),
                                                      f"hello there, how is everyone doing today? ({uid})"))
                if pending is not None:
                    await pending
                if uid % BURST == 0:
                    await asyncio.sleep(0)
            await xp.settle()
            largest_cache = max(largest_cache, len(xp.cache))
            peak = max(peak, rss_bytes())  # the buffer full, before it is written
            assert await xp.flush()
            xp.prune_activity()
            peak = max(peak, rss_bytes())
        await asyncio.sleep(0.2)  # let the store's thread finish freeing the last snapshot
        after = rss_bytes()
        held = {"activity states": len(xp.activity), "Red verdicts": len(gate.members),
                "buffered gains": len(xp.buffer)}
        await store.close()
        rows, guilds_found = count_rows(path)
    return {"guilds": guilds, "before": before, "growth": peak - before, "at_end": after - before,
            "largest_cache": largest_cache,
            "rows": rows, "guilds_found": guilds_found, "held": held}


async def measure_apart(guilds: int) -> dict:
    """:func:`measure` in a process of its own."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "benchmarks.memory", "--guilds", str(guilds),
                                                   cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"the memory benchmark for {guilds} guild(s) failed ({process.returncode})")
    return json.loads(out)


def figures(results: list[dict]) -> list[Figure]:
    out = []
    for r in results:
        growth = r["growth"] / MIB
        counted = r["rows"] == MEMBERS and r["guilds_found"] == r["guilds"]
        shape = (f"1 guild of {MEMBERS:,}" if r["guilds"] == 1
                 else f"{r['guilds']} guilds of {MEMBERS // r['guilds']:,}")
        held = r.get("held", {})
        out.append(Figure(f"memory: RSS growth at its highest, empty -> {shape} members", round(growth, 1), "MiB",
                          f"< {GOAL_MIB:g} MiB, every member written", growth < GOAL_MIB and counted,
                          baseline=round(r["before"] / MIB, 1), baseline_name="RSS before (MiB; growth from here)",
                          note=f"the highest of {MEMBERS // BATCH * 2} samples, "
                               f"{r['at_end'] / MIB:.1f} MiB at the end; "
                               f"{r['rows']:,} rows in {r['guilds_found']} guild(s) counted in the database; "
                               f"{BATCH:,} speakers a flush, through the message path; cache at its default size "
                               f"({DEFAULT_CACHE_SIZE:,}); held at the end: " +
                               ", ".join(f"{n:,} {what}" for what, n in held.items()),
                          kind=BOUND, limit=GOAL_MIB))
    largest = max(r["largest_cache"] for r in results)
    out.append(Figure("memory: largest cache size seen", largest, "entries", f"<= {DEFAULT_CACHE_SIZE:,} (its bound)",
                      largest <= DEFAULT_CACHE_SIZE, kind=BOUND, limit=DEFAULT_CACHE_SIZE))
    return out


async def run() -> list[Figure]:
    return figures(list(await asyncio.gather(*(measure_apart(guilds) for guilds in SHAPES))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guilds", type=int, help="measure this shape here and print it as JSON")
    args = parser.parse_args()
    if args.guilds:
        json.dump(asyncio.run(measure(args.guilds)), sys.stdout)
    else:
        for figure in asyncio.run(run()):
            print(figure)
