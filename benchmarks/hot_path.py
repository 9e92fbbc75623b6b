"""1. The XP engine's cost per eligible message, against discord.py parsing the same payload."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import random
import statistics
import tempfile
import time
from pathlib import Path

import discord
from discord.ext.test import backend as fake

from unicornia.core.settings import GuildSettings
from unicornia.db.store import XpStore
from unicornia.systems.settings import SettingsCache
from unicornia.systems.xp import XpSystem

from .common import Figure, ratio_figure, warm_up_cpu
from .world import build_world, message_payload, zipf_authors

MESSAGES = 100_000
ROUNDS = 7  # both sides report their median round: a best round flatters whichever side got lucky
#: Messages handled between two returns to the event loop, as a gateway burst would arrive.
BURST = 100
CACHE = 5000
GUILDS = 100
MEMBERS = 100
#: The engine may cost at most this fraction of discord.py parsing the message it handles.
GOAL = 0.30


@contextlib.contextmanager
def timing_without_gc():
    """As timeit does: collect first, then keep the collector out of the timed loop, so one
    side is not charged for a full collection of the other side's garbage."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def stepping_clock():
    """Every message comes 61 s after the previous one, so every message is eligible.

    A C-level counter, as cheap as the ``time.monotonic`` the engine uses in production.
    """
    return itertools.count(61.0, 61.0).__next__


async def run() -> list[Figure]:
    warm_up_cpu()
    rng = random.Random(7)
    client, guilds = await build_world(GUILDS, MEMBERS)
    everyone = [m for g in guilds for m in g.members if not m.bot]
    authors = zipf_authors(everyone, MESSAGES, rng)
    payloads = [message_payload(a.guild.text_channels[rng.randrange(2)], a, i) for i, a in enumerate(authors)]

    state = fake.get_state()

    def parse_round() -> float:
        with timing_without_gc():
            start = time.perf_counter()
            for data in payloads:
                state.parse_message_create(data)
            return (time.perf_counter() - start) / MESSAGES

    parses = [parse_round()]  # and one more before each of our rounds, so both see the same machine

    messages = [discord.Message(state=state, channel=a.guild.get_channel(int(d["channel_id"])), data=d)
                for a, d in zip(authors, payloads)]
    with tempfile.TemporaryDirectory() as tmp:
        store = XpStore(Path(tmp) / "unicornia.db")
        await store.open()
        settings = SettingsCache(None)
        for guild in guilds:  # realistic settings: some exclusions to check
            settings._by_guild[guild.id] = GuildSettings.from_config(
                {"excluded_channels": [guild.voice_channels[0].id], "excluded_roles": [guild.id + 1]})

        async def no_announcements(*args, **kwargs):
            return None

        xp = XpSystem(client, store, settings, on_level_up=no_announcements, clock=stepping_clock(), cache_size=CACHE)
        for message in messages:  # a day before: the database knows everyone, the cache is warm
            await xp.handle_message(message)
        await xp.settle()
        await xp.flush()
        rounds = []
        for _ in range(ROUNDS):
            parses.append(parse_round())
            with timing_without_gc():
                start = time.perf_counter()
                for index, message in enumerate(messages):
                    pending = xp.observe_message(message)  # exactly what the cog's listener does
                    if pending is not None:
                        await pending
                    if index % BURST == 0:
                        await asyncio.sleep(0)  # a live loop returns to the gateway between bursts
                await xp.settle()  # every batched read of a cache miss is counted too
                rounds.append((time.perf_counter() - start) / MESSAGES)
            await xp.flush()
        ours, parse = statistics.median(rounds), statistics.median(parses)
        # each of our rounds against the parse round just before it: how far the ratio moved
        paired = sorted(r / p for r, p in zip(rounds, parses[1:]))
        await xp.flush()
        await store.close()
    speakers = len({(a.guild.id, a.id) for a in authors})
    return [
        ratio_figure("hot path: XP engine per eligible message", ours * 1e6, parse * 1e6, GOAL, unit="µs",
                     against="discord.py's parse of the same MESSAGE_CREATE", worst=max(rounds) * 1e6, digits=3,
                     baseline_name="discord.py parse_message_create (µs)",
                     note=f"medians of {ROUNDS} rounds, each after a parse round (paired ratios "
                          f"{paired[0]:.3f}-{paired[-1]:.3f}); {MESSAGES:,} messages from {speakers:,} distinct "
                          f"members of {GUILDS} guilds, cache {CACHE:,}"),
        Figure("hot path: messages per second (one core)", round(1 / ours), "msg/s", "report", True),
    ]
