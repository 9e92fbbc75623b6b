"""Level-ups, rewards, voice XP, admin commands, permissions and data rights through a real Red bot."""
import asyncio
import re
import json
import logging

import pytest
from discord.utils import escape_markdown
from redbot.core import bank
from redbot.core import commands

from unicornia.core.levels import total_xp_for_level
from tests.conftest import chatter, db_rows, members, stored_xp


async def _setup_rewards(sim):
    sim.give_bot_role()
    novice, regular, veteran = (sim.make_role(n, position=5) for n in ("Novice", "Regular", "Veteran"))
    owner = sim.owner()
    for text in ("activity xpcap 0", "rolereward 1 Novice", "rolereward 3 Regular", "rolereward 3 Novice remove",
                 "rolereward 50 Veteran", "currencyreward 2 100", "currencyreward 4 50", "currencyreward 60 999"):
        await sim.command(f"unicornia guild {text}", owner)
    sim.replies()
    return novice, regular, veteran


async def test_multi_level_jump_pays_every_level_crossed(sim):
    novice, regular, veteran = await _setup_rewards(sim)
    alice = members(sim)[0]
    await sim.command("unicornia guild xppermessage 200", sim.owner())  # 0 -> 200 XP = level 4 at once
    sim.replies()
    before = await bank.get_balance(alice)
    await sim.say("a huge message", alice)
    assert regular in alice.roles and novice not in alice.roles and veteran not in alice.roles
    assert await bank.get_balance(alice) - before == 150
    announcement = sim.replies()[-1].content
    assert alice.mention in announcement and "level 4" in announcement and "150" in announcement


async def test_levels_one_at_a_time_add_then_remove(sim, clock):
    novice, regular, _ = await _setup_rewards(sim)
    alice = members(sim)[0]
    await sim.command("unicornia guild xppermessage 40", sim.owner())  # 40 XP = level 1
    await sim.say("first", alice)
    assert novice in alice.roles
    clock.advance(60)
    await sim.say("second", alice)  # 80 XP, still level 1
    clock.advance(60)
    await sim.say("third", alice)  # 120 XP = level 2
    clock.advance(60)
    await sim.say("fourth", alice)  # 160 XP = level 3
    assert regular in alice.roles and novice not in alice.roles
    await sim.cog.xp.flush()
    assert db_rows(sim, "SELECT Xp FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(160,)]


async def test_levelup_messages_can_be_turned_off(sim):
    alice = members(sim)[0]
    await sim.command("unicornia guild levelup messages false", sim.owner())
    await sim.command("unicornia guild activity xpcap 0", sim.owner())
    await sim.command("unicornia guild xppermessage 40", sim.owner())
    sim.replies()
    await sim.say("level up quietly", alice)
    assert sim.replies() == []
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 40


async def test_unassignable_roles_refused_at_config_and_skipped_at_award(sim, caplog):
    bot_role = sim.give_bot_role(position=10)
    too_high = sim.make_role("Admins", position=20)
    owner = sim.owner()
    await sim.command("unicornia guild rolereward 1 Admins", owner)
    assert "not below my highest role" in sim.replies()[-1].content
    assert (await sim.cog.settings.get(sim.guild.id)).role_rewards == ()
    doomed = sim.make_role("Doomed", position=5)
    await sim.command("unicornia guild rolereward 1 Doomed", owner)
    await sim.command("unicornia guild activity xpcap 0", owner)
    await sim.command("unicornia guild xppermessage 40", owner)
    sim.replies()
    from discord.ext.test import backend

    backend.delete_role(doomed)
    alice = members(sim)[0]
    with caplog.at_level(logging.WARNING, logger="red.unicornia.rewards"):
        await sim.say("level up with a deleted reward role", alice)
    assert any("no longer exists" in r.getMessage() for r in caplog.records)
    assert "level 1" in sim.replies()[-1].content  # the pipeline went on
    assert bot_role in sim.guild.me.roles and too_high not in alice.roles


async def test_voice_loop_pays_listening_members_only(sim):
    alice, bob, carol = members(sim)[:3]
    dave = sim.make_member("Dave")
    robot = sim.make_member("MusicBot", bot=True)
    vc1, vc2 = sim.guild.voice_channels[:2]
    lonely = sim.make_voice_channel("lonely")
    sim.set_voice(alice, vc1)
    sim.set_voice(bob, vc1)
    sim.set_voice(carol, vc1, self_deaf=True)
    sim.set_voice(dave, lonely)
    sim.set_voice(robot, lonely)
    await sim.command("unicornia guild voicexp 3", sim.owner())
    sim.replies()
    assert await sim.cog.xp.voice_tick() == 2
    await sim.cog.xp.flush()
    rows = dict(db_rows(sim, "SELECT UserId, Xp FROM UserXpStats WHERE Xp > 0"))
    assert rows == {alice.id: 3, bob.id: 3}
    assert db_rows(sim, "SELECT VoiceSeconds FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(60,)]
    # AFK channel and excluded channels earn nothing
    await sim.command(f"unicornia guild excludechannel {vc1.id}", sim.owner())
    assert await sim.cog.xp.voice_tick() == 0
    await sim.command(f"unicornia guild includechannel {vc1.id}", sim.owner())
    sim.guild._afk_channel_id = vc1.id
    assert await sim.cog.xp.voice_tick() == 0


async def test_members_cannot_run_admin_commands(sim):
    alice = members(sim)[0]
    with pytest.raises(commands.CheckFailure):
        await sim.command("unicornia guild addxp {} 500".format(alice.id), alice)
    with pytest.raises(commands.CheckFailure):
        await sim.command("unicornia guild xprate 10", alice)
    assert stored_xp(sim, alice) is None
    assert (await sim.cog.settings.get(sim.guild.id)).xp_rate == 1.0


@pytest.mark.parametrize(
    "command, expected",
    [
        ("cooldown -5", "between 0 and 86,400"),
        ("xprate 1000", "between 0.01 and 10"),
        ("xprate 1e300", "between 0.01 and 10; 1e+300 is not"),  # too big for the regional format
        ("xprate nan", "between 0.01 and 10; nan is not"),
        ("xprate 0.0000001", "between 0.01 and 10; 1e-07 is not"),  # not rounded to 0
        ("xppermessage 0", "between 1 and 1,000"),
        ("voicexp 99999", "between 0 and 1,000"),
        ("rolereward 0 Novice", "between 1 and 10,000"),
        ("currencyreward 3 -5", "between 1 and 1,000,000,000"),
        ("currencyreward 0 5", "between 1 and 10,000"),
    ],
)
async def test_bad_numbers_change_nothing(sim, command, expected):
    sim.give_bot_role()
    sim.make_role("Novice", position=2)
    before = await sim.cog.config.guild(sim.guild).all()
    await sim.command(f"unicornia guild {command}", sim.owner())
    assert expected in sim.replies()[-1].content
    assert await sim.cog.config.guild(sim.guild).all() == before


async def test_unknown_role_or_channel_is_a_clear_error(sim):
    with pytest.raises(commands.UserInputError):
        await sim.command("unicornia guild excluderole NoSuchRole", sim.owner())
    with pytest.raises(commands.UserInputError):
        await sim.command("unicornia guild excludechannel 12345", sim.owner())
    assert (await sim.cog.settings.get(sim.guild.id)).excluded_roles == frozenset()


async def test_addxp_setlevel_and_awarded_xp(sim):
    owner, alice = sim.owner(), members(sim)[0]
    await sim.say("earned normally", alice)
    await sim.command(f"unicornia guild addxp {alice.id} 100", owner)
    assert "101 XP" in sim.replies()[-1].content
    await sim.cog.xp.flush()
    assert db_rows(sim, "SELECT Xp, AwardedXp FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(101, 100)]
    await sim.command(f"unicornia guild setlevel {alice.id} 10", owner)
    assert "level 10" in sim.replies()[-1].content
    assert stored_xp(sim, alice) == total_xp_for_level(10)
    await sim.command(f"unicornia guild addxp {alice.id} -99999", owner)
    assert stored_xp(sim, alice) == 0
    await sim.command(f"unicornia guild setlevel {alice.id} 0", owner)
    assert "between 1 and" in sim.replies()[-1].content


async def test_reset_asks_and_obeys(sim):
    owner = sim.owner()
    alice, bob = members(sim)[:2]
    await sim.say("hello there", alice)
    await sim.say("hello there", bob)
    asking = asyncio.create_task(sim.command(f"unicornia guild reset {alice.id}", owner))
    await asyncio.sleep(0.05)
    await sim.say("no", owner)
    await asking
    assert sim.replies()[-1].content == "Nothing was reset."
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 1
    asking = asyncio.create_task(sim.command(f"unicornia guild reset {alice.id}", owner))
    await asyncio.sleep(0.05)
    await sim.say("yes", owner)
    await asking
    assert stored_xp(sim, alice) is None and stored_xp(sim, bob) == 1
    asking = asyncio.create_task(sim.command("unicornia guild reset", owner))
    await asyncio.sleep(0.05)
    await sim.say("yes", owner)
    await asking
    assert db_rows(sim, "SELECT COUNT(*) FROM UserXpStats") == [(0,)]
    assert await sim.cog.store.total_xp(bob.id) == 0


async def test_level_check_and_leaderboard_show_current_members(sim, clock, sent):
    owner = sim.owner()
    alice, bob, carol = members(sim)[:3]
    await sim.command("unicornia guild cooldown 0", owner)
    for person, count in ((alice, 3), (bob, 5), (carol, 1)):
        await chatter(sim, person, count)
    sim.replies()
    await sim.command("level check", alice)
    assert sim.replies()[-1].attachments[0].filename == "card.png"
    assert sent[-1]["content"] == (f"{escape_markdown(alice.display_name)}: level 0, rank #2 of 3, 3/36 XP into the level, "
                                   "3 XP in total.")
    sim.remove_member(bob)
    await sim.command("level leaderboard", alice)
    board = sim.replies()[-1].embeds[0].description
    assert bob.display_name not in board
    assert board.index(alice.display_name.replace("_", "\\_")) < board.index(carol.display_name.replace("_", "\\_"))
    await sim.command("level leaderboard 1 xp true", alice)
    assert str(bob.id) in sim.replies()[-1].embeds[0].description
    await sim.command("level leaderboard 7", alice)
    assert "only 1 page" in sim.replies()[-1].content


async def test_rewards_and_settings_listings(sim):
    await _setup_rewards(sim)
    await sim.command("level rewards", members(sim)[0])
    listing = sim.replies()[-1].content
    assert "give @Novice" in listing and "remove @Novice" in listing and "100 credits" in listing
    await sim.command("unicornia guild delrolereward 50 Veteran", sim.owner())
    await sim.command("unicornia guild currencyreward 60 0", sim.owner())
    await sim.command("unicornia guild settings", sim.owner())
    settings = sim.replies()[-1].content
    assert re.search(r"Role rewards +: 3", settings) and re.search(r"Currency rewards +: 2", settings)
    assert re.search(r"Level-ups announced +: where they happen", settings)


async def test_data_deletion_removes_everything_everywhere(sim):
    alice = members(sim)[0]
    other_guild_member = members(sim)[1]
    await sim.say("hello there", alice)
    await sim.cog.xp.flush()
    await sim.cog.xp.award(alice, 10)
    sim.cog.xp.clock = lambda: 1e9
    await sim.say("buffered, not yet written", alice)
    exported = await sim.cog.red_get_data_for_user(user_id=alice.id)
    data = json.loads(exported["unicornia.json"].getvalue())
    assert data["guild_stats"][0]["xp"] == 12 and data["total_xp"] == 12  # the buffered message included
    sim.cog.xp.clock = lambda: 2e9
    await sim.say("buffered again, when the data goes", alice)
    assert any(key[1] == alice.id for key in sim.cog.xp.buffer)
    await sim.cog.red_delete_data_for_user(requester="user_strict", user_id=alice.id)
    assert all(key[1] != alice.id for key in sim.cog.xp.buffer)
    assert (sim.guild.id, alice.id) not in sim.cog.xp.cache
    await sim.cog.xp.flush()
    for table in ("UserXpStats", "XpShopOwnedItem"):
        assert db_rows(sim, f"SELECT COUNT(*) FROM {table} WHERE UserId = ?", (alice.id,)) == [(0,)]
    assert other_guild_member.id != alice.id


async def test_leaderboard_pages_through_a_menu(sim):
    await sim.command("unicornia guild cooldown 0", sim.owner())
    await sim.command("unicornia guild activity xpcap 0", sim.owner())
    crowd = [sim.make_member(f"Member{i:02}") for i in range(25)]
    for rank, person in enumerate(crowd):
        await chatter(sim, person, rank + 1)
    sim.replies()
    await sim.command("level leaderboard 2", crowd[0])
    page = sim.replies()[-1].embeds[0]
    assert page.footer.text == "Page 2/3"
    lines = page.description.splitlines()
    assert len(lines) == 10 and "#" in lines[0] and " 11`" in lines[0] and "Member14" in lines[0]
    await sim.command("level leaderboard 0", crowd[0])
    assert "Pick a page from 1 to" in sim.replies()[-1].content


async def test_currency_reward_is_clamped_at_the_bank_maximum(sim):
    alice = members(sim)[0]
    await bank.set_max_balance(1_000, sim.guild)
    await bank.set_balance(alice, 950)
    await sim.command("unicornia guild currencyreward 1 500", sim.owner())
    await sim.command("unicornia guild activity xpcap 0", sim.owner())
    await sim.command("unicornia guild xppermessage 40", sim.owner())
    sim.replies()
    await sim.say("level one please", alice)
    assert await bank.get_balance(alice) == 1_000
    assert "Reward: 50 credits" in sim.replies()[-1].content
