"""The XP engine reads a member's roles through discord.py's public Member.roles, which is too
dear for every message or every voice tick, so it keeps the role ids it read (on the member's
buffered gain, and from one voice tick to the next). A role given or taken, or a guild rule that
starts reading roles, must still take effect at once: the next message, the next tick."""
import discord.ext.test as dpytest

from tests.conftest import members


async def guild_settings(sim, *commands_):
    for text in commands_:
        await sim.command(f"unicornia guild {text}", sim.owner())
    sim.replies()


async def set_roles(sim, member, roles) -> None:
    """Give ``member`` exactly ``roles``, and let the cog hear the member update."""
    sim.set_roles(member, roles)
    await dpytest.run_all_events()
    await sim.settle()


def buffered_xp(sim, member) -> int:
    gain = sim.cog.xp.buffer.get((sim.guild.id, member.id))
    return gain.xp if gain is not None else 0


async def test_a_role_multiplier_given_or_taken_applies_to_the_next_message(sim, clock):
    alice = members(sim)[0]
    vip = sim.make_role("VIP", position=2)
    await guild_settings(sim, "activity xpcap 0", "xppermessage 10", "multiplier role VIP 3")

    async def earned(text: str) -> int:
        before = buffered_xp(sim, alice)
        clock.advance(61)
        await sim.say(text, alice)
        return buffered_xp(sim, alice) - before

    assert await earned("no role yet, plain XP") == 10
    await set_roles(sim, alice, [vip])
    assert await earned("now a VIP, three times") == 30
    assert await earned("still a VIP, still three times") == 30
    await set_roles(sim, alice, [])
    assert await earned("no longer a VIP") == 10


async def test_a_role_multiplier_added_by_an_admin_applies_to_members_already_talking(sim, clock):
    """Before any rule reads roles the engine keeps none for the member; a new rule must read them."""
    alice = members(sim)[0]
    vip = sim.make_role("VIP", position=2)
    await set_roles(sim, alice, [vip])
    await guild_settings(sim, "activity xpcap 0", "xppermessage 10")
    clock.advance(61)
    await sim.say("plain XP for everyone here", alice)
    assert buffered_xp(sim, alice) == 10
    await guild_settings(sim, "multiplier role VIP 2")
    clock.advance(61)
    await sim.say("the VIP multiplier counts now", alice)
    assert buffered_xp(sim, alice) == 10 + 20


async def test_an_excluded_role_given_in_voice_stops_the_next_tick(sim):
    alice, bob = members(sim)[:2]
    muted = sim.make_role("Muted")
    vc = sim.guild.voice_channels[0]
    sim.set_voice(alice, vc)
    sim.set_voice(bob, vc)
    await guild_settings(sim, "voicexp 3", "excluderole Muted")
    xp = sim.cog.xp
    assert await xp.voice_tick() == 2
    await set_roles(sim, alice, [muted])
    assert await xp.voice_tick() == 1  # bob alone is paid; alice still counts as a listener
    assert buffered_xp(sim, alice) == 3 and buffered_xp(sim, bob) == 6
    await set_roles(sim, alice, [])
    assert await xp.voice_tick() == 2
    assert buffered_xp(sim, alice) == 6


async def test_a_role_an_admin_excludes_stops_members_already_in_voice(sim):
    alice, bob = members(sim)[:2]
    muted, vip = sim.make_role("Muted"), sim.make_role("VIP", position=2)
    await set_roles(sim, alice, [muted])
    vc = sim.guild.voice_channels[0]
    sim.set_voice(alice, vc)
    sim.set_voice(bob, vc)
    await guild_settings(sim, "voicexp 3", "multiplier role VIP 2")  # the rules read another role, for now
    xp = sim.cog.xp
    assert await xp.voice_tick() == 2
    await guild_settings(sim, "excluderole Muted")
    assert await xp.voice_tick() == 1
    assert buffered_xp(sim, alice) == 3 and buffered_xp(sim, bob) == 6
