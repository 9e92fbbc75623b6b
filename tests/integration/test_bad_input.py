"""Bad input from members and admins gets a clear answer and changes nothing (found by probing
every command with hostile values): no number reaches SQLite past its 64-bit integers, no digit
that is not ASCII reaches int(), a word that does not convert is never dropped while the rest is
applied, and invisible text is not "something"."""
import logging

import pytest

from tests.conftest import chatter, members, stored_xp, texts

BIG = str(2 ** 63)  # one past SQLite's integers: 19 digits anyone can type


async def answer(sim, text: str, caplog, member=None) -> list[str]:
    """The replies to one command, after checking it raised nothing and logged no traceback."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        try:
            await sim.command(text, member or sim.owner())
        except Exception as exc:  # dpytest re-raises what reached Red's error handler
            pytest.fail(f"{text!r} raised {type(exc).__name__}: {exc}")
    assert not [r for r in caplog.records if r.exc_info], text
    replies = texts(sim)
    assert replies and not any("Error in command" in r for r in replies), (text, replies)
    return replies


async def refused(sim, text: str, member=None) -> list[str]:
    """The replies to a command that must stop at a conversion error (Red answers it), the
    server's settings unchanged."""
    before = await sim.cog.config.guild(sim.guild).all()
    with pytest.raises(Exception):
        await sim.command(text, member or sim.owner())
    assert await sim.cog.config.guild(sim.guild).all() == before, text
    return texts(sim)


async def test_numbers_past_64_bits_are_answered_not_raised(sim, caplog):
    alice = members(sim)[0]
    await chatter(sim, alice, 1)
    await sim.command("club create Owls", alice)
    await sim.command("unicornia guild quest toggle true", sim.owner())
    sim.replies()
    assert "There is only 1 page of members with XP." in (await answer(sim, f"level leaderboard {BIG} xp true",
                                                                          caplog, alice))[-1]
    assert "There is only 1 page of members with XP." in (await answer(sim, "level leaderboard 4 xp true",
                                                                          caplog, alice))[-1]
    for page in (BIG, "999999999999999999"):  # the second overflows only once multiplied by the page size
        assert "There is 1 page." in (await answer(sim, f"unicornia guild audit {page}", caplog))[-1]
    assert f"This server has no quest #{BIG}." in (await answer(sim, f"unicornia guild quest remove {BIG}",
                                                                caplog))[-1]
    assert "no one-off quest" in (await answer(sim, f"unicornia guild quest ends {BIG} 3", caplog))[-1]
    with pytest.raises(Exception):  # a converter's refusal: Red answers it
        await sim.command(f"club kick {BIG}", alice)
    assert "I can't find the member" in texts(sim)[-1]


async def test_digits_that_are_not_ascii_are_not_numbers(sim, caplog):
    alice = members(sim)[0]
    assert "I can't find the member `²`" in (await answer(sim, "level xpstats ²", caplog, alice))[-1]
    await sim.command("club create Owls", alice)
    sim.replies()
    with pytest.raises(Exception):
        await sim.command("club kick ①", alice)
    assert "I can't find the member `①`" in texts(sim)[-1]


@pytest.mark.parametrize("command, field", [("achievementchannel", "achievement_channel"),
                                            ("questchannel", "quest_channel")])
async def test_a_channel_that_is_not_one_keeps_the_setting(sim, command, field):
    chosen = sim.guild.text_channels[0]
    await sim.command(f"unicornia guild {command} {chosen.mention}", sim.owner())
    sim.replies()
    voice = sim.guild.voice_channels[0]
    for wrong in (voice.mention, "#typo"):
        await refused(sim, f"unicornia guild {command} {wrong}")
        assert getattr(await sim.cog.settings.get(sim.guild.id), field) == chosen.id
    await sim.command(f"unicornia guild {command}", sim.owner())  # nothing at all still means "with the level-ups"
    assert getattr(await sim.cog.settings.get(sim.guild.id), field) is None


@pytest.mark.parametrize("text", ["unicornia guild xppermessage 15 2O", "unicornia guild goal true 1OO"])
async def test_a_mistyped_optional_number_refuses_the_whole_command(sim, text):
    await refused(sim, text)


async def test_a_mistyped_choice_for_private_is_refused(sim):
    alice = members(sim)[0]
    await refused(sim, "level private ture", alice)
    assert not await sim.cog.web_privacy.is_private(sim.guild.id, alice.id)


@pytest.mark.parametrize("command, hint", [("excluderole", "xpenabled false"), ("multiplier role", "xprate")])
async def test_everyone_cannot_be_excluded_or_multiplied(sim, caplog, clock, command, hint):
    """Every member has @everyone and the rules never see it: saving it would report a change
    that does nothing."""
    alice = members(sim)[0]
    value = " 0" if command.startswith("multiplier") else ""
    before = await sim.cog.config.guild(sim.guild).all()
    reply = (await answer(sim, f"unicornia guild {command} {sim.guild.default_role.id}{value}", caplog))[-1]
    assert "Every member has @everyone" in reply and hint in reply
    assert await sim.cog.config.guild(sim.guild).all() == before
    await chatter(sim, alice, 1)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice)


async def test_a_path_too_long_for_the_file_system_is_no_such_file(sim, caplog):
    reply = (await answer(sim, "unicornia import nadeko " + "x" * 5000, caplog))[-1]
    assert reply.startswith("Nothing was imported: there is no file at") and len(reply) < 2000


@pytest.mark.parametrize("text", [
    "unicornia guild levelup message \u200b",
    'unicornia guild quest add daily messages 10 5 "\u200b\u200f"',
    "unicornia guild activity thankswords \u200b, \u2060",
    "unicornia guild achievement add ghost messages 5 10 🦄 \u200b",
])
async def test_invisible_text_is_not_text(sim, caplog, text):
    before = await sim.cog.config.guild(sim.guild).all()
    quests = await sim.cog.goals.quests_of(sim.guild.id)
    await answer(sim, text, caplog)
    assert await sim.cog.config.guild(sim.guild).all() == before
    assert await sim.cog.goals.quests_of(sim.guild.id) == quests


async def test_a_quest_name_reads_as_typed(sim):
    await sim.command('unicornia guild quest add daily messages 10 5 "**bold** __u__"', sim.owner())
    assert r"**\*\*bold\*\* \_\_u\_\_**" in texts(sim)[-1]
