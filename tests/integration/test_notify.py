"""``[p]level notify``: each member chooses where their own level-ups are announced, through a
real Red bot (prefix and slash); the server's `off` wins, and data deletion forgets the choice."""
import json

import discord
import pytest

from unicornia.core.levels import total_xp_for_level
from tests.conftest import members


async def admin(sim, *commands_):
    for text in commands_:
        await sim.command(f"unicornia guild {text}", sim.owner())
    return sim.replies()


async def level_up(sim, member, channel=None) -> list[discord.Message]:
    """``member`` sends one message worth exactly the next level; returns what the bot sent."""
    level = await sim.cog.get_member_level(member)
    needed = total_xp_for_level(level + 1) - await sim.cog.get_member_xp(member)
    await admin(sim, f"xppermessage {needed}")
    sim.cog.xp.clock.advance(120)  # past the cooldown
    await sim.say(f"levelling up, message {sim.cog.xp.clock()}", member, channel=channel)
    return sim.replies()


async def choose(sim, member, where: str) -> str:
    await sim.command(f"level notify {where}", member)
    [reply] = sim.replies()
    return reply.content


@pytest.fixture
async def notify_sim(sim):
    await admin(sim, "activity xpcap 0", "xppermessage 40")
    return sim


async def test_each_choice_routes_the_announcement(notify_sim):
    sim = notify_sim
    alice, bob = members(sim)[:2]
    chat, other = sim.guild.text_channels[0], sim.make_text_channel("games")
    levels = sim.make_text_channel("level-ups")
    await admin(sim, f"levelup where {levels.id}")

    # server (the default): the server's level-up channel
    [sent] = await level_up(sim, alice, other)
    assert sent.channel.id == levels.id and alice.mention in sent.content

    assert "direct message" in await choose(sim, alice, "dm")
    [sent] = await level_up(sim, alice, other)
    assert isinstance(sent.channel, discord.DMChannel) and "level 2" in sent.content

    assert "channel where you level up" in await choose(sim, alice, "here")
    [sent] = await level_up(sim, alice, other)
    assert sent.channel.id == other.id and "level 3" in sent.content

    assert "nowhere" in await choose(sim, alice, "off")
    assert await level_up(sim, alice, other) == []
    await sim.cog.xp.flush()
    assert await sim.cog.get_member_level(alice) == 4  # levelled up all the same

    assert "<#%d>" % levels.id in await choose(sim, alice, "SERVER")  # any case
    [sent] = await level_up(sim, alice, chat)
    assert sent.channel.id == levels.id

    # bob never chose: the server's setting, untouched by alice's choices
    [sent] = await level_up(sim, bob, other)
    assert sent.channel.id == levels.id and bob.mention in sent.content


async def test_the_servers_off_wins(notify_sim):
    sim = notify_sim
    alice = members(sim)[0]
    await admin(sim, "levelup where off")
    reply = await choose(sim, alice, "dm")
    assert "direct message" in reply and "turned off" in reply
    assert await level_up(sim, alice) == []
    assert "turned off" in await choose(sim, alice, "here")
    assert await level_up(sim, alice) == []
    await admin(sim, "levelup where channel")
    [sent] = await level_up(sim, alice, sim.make_text_channel("elsewhere"))
    assert sent.channel.name == "elsewhere" and "level 3" in sent.content  # `here` again


async def test_here_without_a_channel_follows_the_server(notify_sim):
    """A voice level-up has no channel the member wrote in: the server's setting decides."""
    sim = notify_sim
    alice, bob = members(sim)[:2]
    levels = sim.make_text_channel("level-ups")
    await admin(sim, f"levelup where {levels.id}", "voicexp 40")
    await choose(sim, alice, "here")
    voice = sim.guild.voice_channels[0]
    sim.set_voice(alice, voice)
    sim.set_voice(bob, voice)
    await sim.cog.xp.voice_tick()
    await sim.cog.xp.settle()
    sent = sim.replies()
    assert {m.channel.id for m in sent} == {levels.id} and len(sent) == 2


async def test_alone_it_shows_the_choice_and_bad_choices_are_refused(notify_sim):
    sim = notify_sim
    alice = members(sim)[0]
    await sim.command("level notify", alice)
    assert "as the server decides: in the channel where you level up" in sim.replies()[-1].content
    await choose(sim, alice, "dm")
    await sim.command("level notify", alice)
    assert sim.replies()[-1].content == "Your level-ups are announced in a direct message."
    refused = await choose(sim, alice, "loudly")
    assert "`here`" in refused and "`server`" in refused
    await sim.command("level notify", alice)
    assert "direct message" in sim.replies()[-1].content  # unchanged


async def test_data_deletion_forgets_the_choice(notify_sim):
    sim = notify_sim
    alice, bob = members(sim)[:2]
    await choose(sim, alice, "off")
    await choose(sim, bob, "dm")
    exported = json.loads((await sim.cog.red_get_data_for_user(user_id=alice.id))["unicornia.json"].getvalue())
    assert exported["level_up_notifications"] == {str(sim.guild.id): "off"}
    await sim.cog.red_delete_data_for_user(requester="user", user_id=alice.id)
    assert await sim.cog.notify.choice(alice) == "server"
    assert await sim.cog.notify.choice(bob) == "dm"
    [sent] = await level_up(sim, alice)
    assert sent.channel.id == sim.guild.text_channels[0].id


async def test_slash_notify_answers_privately(notify_sim):
    sim = notify_sim
    await sim.enable_app_commands("unicornia")
    alice = members(sim)[0]
    chosen = await sim.slash("level notify", alice, where="dm")
    assert chosen.ephemeral is True and "direct message" in chosen.text
    shown = await sim.slash("level notify", alice)
    assert shown.ephemeral is True and "direct message" in shown.text
    [sent] = await level_up(sim, alice)
    assert isinstance(sent.channel, discord.DMChannel)


async def test_slash_level_private_answers_privately(notify_sim):
    sim = notify_sim
    await sim.enable_app_commands("unicornia")
    alice = members(sim)[0]
    chosen = await sim.slash("level private", alice, hidden=True)
    assert chosen.ephemeral is True and "hidden" in chosen.text
    assert await sim.cog.web_privacy.is_private(sim.guild.id, alice.id)
    shown = await sim.slash("level private", alice)
    assert shown.ephemeral is True and "You are hidden" in shown.text
