"""6. One voice tick over 100 guilds with 50 members in voice each, against discord.py listing
those same members in the same run (a ratio holds on a slow day, where milliseconds did not)."""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from unicornia.core.settings import GuildSettings
from unicornia.db.store import XpStore
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp import XpSystem

from .common import Figure, ratio_figure
from .world import build_world

GUILDS = 100
IN_VOICE = 50
ROUNDS = 9
#: A tick may cost at most this many times discord.py listing the members in voice (before the
#: split of issue #16 it cost 15-21 times; see the README's Performance section).
GOAL = 12


def join(member, channel, *, self_deaf: bool = False) -> None:
    data = {"user_id": member.id, "guild_id": member.guild.id, "channel_id": channel.id, "session_id": "bench",
            "deaf": False, "mute": False, "self_deaf": self_deaf, "self_mute": False, "self_video": False,
            "suppress": False}
    member.guild._update_voice_state(data, channel.id)


async def run() -> list[Figure]:
    client, guilds = await build_world(GUILDS, IN_VOICE + 10, voice_channels=3)
    for guild in guilds:
        people = [m for m in guild.members if not m.bot][:IN_VOICE]
        for i, member in enumerate(people):
            join(member, guild.voice_channels[i % 3], self_deaf=(i % 10 == 0))
    with tempfile.TemporaryDirectory() as tmp:
        store = XpStore(Path(tmp) / "unicornia.db")
        await store.open()
        settings = SettingsCache(None)
        for guild in guilds:
            settings._by_guild[guild.id] = GuildSettings.from_config({"voice_xp": 2, "excluded_roles": [1]})

        async def nothing(*args, **kwargs):
            return None

        xp = XpSystem(client, store, settings, on_level_up=nothing)
        await xp.voice_tick()  # first tick: everyone is read into the cache (in one batch)
        await xp.settle()

        def baseline() -> int:  # discord.py's own cost of listing who is in voice
            return sum(len(c.members) for g in client.guilds for c in g.voice_channels)

        bases, samples, paid = [], [], 0
        for _ in range(ROUNDS):  # alternating, so both sides see the same machine
            bases.append(_timed(baseline))
            start = time.perf_counter()
            paid = await xp.voice_tick()
            samples.append(time.perf_counter() - start)
        await xp.settle()
        await store.close()
    tick, base = statistics.median(samples), statistics.median(bases)
    return [ratio_figure("voice: one tick, 100 guilds x 50 in voice", tick * 1000, base * 1000, GOAL, unit="ms",
                         against="discord.py listing the same members", worst=max(samples) * 1000, digits=2,
                         baseline_name="discord.py listing voice members (ms)",
                         note=f"medians of {ROUNDS} alternating rounds; {paid:,} members paid per tick "
                              f"(deafened ones skipped)")]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
