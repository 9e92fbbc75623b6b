"""A simulated Discord world for the benchmarks: many guilds, members with names of every script."""
from __future__ import annotations

import random

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend as fake
from discord.ext.test import factories as facts

SCRIPTS = ["Alice", "Дмитрий", "Ωμέγα", "さくら", "李明", "김민수", "محمد", "Zoë", "🦄Uni", "Søren"]


async def build_world(guilds: int, members_per_guild: int, voice_channels: int = 2) -> tuple[discord.Client, list]:
    from harness.redbot_env import use_wellformed_ids

    use_wellformed_ids()
    client = discord.Client(intents=discord.Intents.all())
    await client._async_setup_hook()
    names = [f"{SCRIPTS[i % len(SCRIPTS)]}{i}" for i in range(members_per_guild)]
    dpytest.configure(client, guilds=guilds, text_channels=2, voice_channels=voice_channels, members=names)
    fake.get_state().stop_dispatch()
    return client, dpytest.get_config().guilds


def message_payload(channel, member, number: int = 0) -> dict:
    """A MESSAGE_CREATE payload as the gateway sends it for a guild message (with its member)."""
    data = facts.make_message_dict(channel, member, content=f"hello there, how is everyone doing today? ({number})",
                                   guild_id=channel.guild.id)
    data["member"] = {"roles": [str(r) for r in member._roles], "joined_at": "2024-01-01T00:00:00+00:00",
                      "deaf": False, "mute": False, "flags": 0, "nick": member.nick}
    return data


def zipf_authors(members: list, count: int, rng: random.Random) -> list:
    """Who speaks: a few members very often, a long tail rarely (as in real servers)."""
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(members))]
    return rng.choices(members, weights, k=count)
