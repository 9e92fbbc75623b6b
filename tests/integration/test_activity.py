"""Activity beyond messages through a real Red bot: sources, counters, multipliers, anti-farming,
announcements, reward-role modes and the XP history."""
import asyncio
import logging

import discord
import pytest
from discord.ext.test import backend as fake

from tests.conftest import db_rows, members, stored_xp, reaction_payload


def counters(sim, member):
    rows = db_rows(sim, "SELECT Xp, MessageCount, LinkCount, ThanksReceived, ReactionCount, CommandCount "
                        "FROM UserXpStats WHERE GuildId = ? AND UserId = ?", (member.guild.id, member.id))
    return rows[0] if rows else None


async def admin(sim, *commands_):
    for text in commands_:
        await sim.command(f"unicornia guild {text}", sim.owner())
    return sim.replies()


async def test_link_bonus_once_per_message_and_links_counted(sim):
    alice = members(sim)[0]
    await sim.say("look https://example.com/a and http://example.org/b", alice)
    await sim.cog.xp.flush()
    assert counters(sim, alice) == (1 + 3, 1, 2, 0, 0, 0)
    # stored as numbers (statements.HISTORY_SOURCE_CODES): message 0, link 2
    assert db_rows(sim, "SELECT Source, Xp FROM XpHistory WHERE UserId = ? ORDER BY Source", (alice.id,)) == [
        (0, 1), (2, 3)]


async def test_thanks_pays_the_thanked_member_with_rules(sim, clock):
    alice, bob, carol = members(sim)[:3]
    robot = sim.make_member("Helper", bot=True)
    await sim.say(f"thank you {bob.mention}!", alice)
    await sim.say(f"thanks {alice.mention}", alice)          # thanking oneself: nothing
    await sim.say(f"thx {robot.mention}", alice)              # a bot: nothing
    await sim.say(f"ty so much {bob.mention}", carol)         # someone else thanks bob too
    clock.advance(5)
    await sim.say(f"thanks again {bob.mention}", alice)       # same pair within the cooldown: nothing
    await sim.say(f"what a type {carol.mention}", alice)      # "type" is not "ty"
    await sim.cog.xp.flush()
    assert counters(sim, bob)[3] == 2 and counters(sim, bob)[0] == 10
    assert counters(sim, carol) is None or counters(sim, carol)[3] == 0
    assert db_rows(sim, "SELECT COUNT(*) FROM UserXpStats WHERE UserId = ?", (robot.id,)) == [(0,)]
    clock.advance(601)
    await sim.say(f"thank you once more {bob.mention}", alice)
    await sim.cog.xp.flush()
    assert counters(sim, bob)[3] == 3


async def test_thanks_by_reply(sim):
    alice, bob = members(sim)[:2]
    original = await sim.say("here is how you do it", bob)
    message = fake.make_message("thanks, that worked", alice, sim.default_channel(sim.guild))
    message.reference = discord.MessageReference.from_message(original)
    message.reference.resolved = original
    await sim.cog.xp.handle_message(message)
    await sim.cog.xp.settle()
    await sim.cog.xp.flush()
    assert counters(sim, bob)[3] == 1


async def test_reactions_and_commands_are_counted_and_paid_when_configured(sim):
    alice = members(sim)[0]
    target = await sim.say("react to this please", members(sim)[1])
    await admin(sim, "activity reactionxp 2", "activity commandxp 1")
    await sim.cog.on_raw_reaction_add(reaction_payload(alice, target))
    await sim.command("level rewards", alice)
    await sim.cog.xp.flush()
    xp, _, _, _, reactions, commands_ = counters(sim, alice)
    assert (reactions, commands_) == (1, 1) and xp == 3


async def test_multipliers_boosters_and_zero(sim, clock):
    alice, bob, carol = members(sim)[:3]
    vip = sim.make_role("VIP", position=2)
    sim.set_roles(alice, [vip])
    events = sim.make_text_channel("events")
    quiet = sim.make_text_channel("quiet")
    await admin(sim, "activity xpcap 0", "xppermessage 10", "multiplier role VIP 2",
                f"multiplier channel {events.id} 1.5", f"multiplier channel {quiet.id} 0", "multiplier booster 3")
    await sim.say("in the events channel", alice, channel=events)   # 10 * 2 * 1.5 = 30
    # a server booster (dpytest's member payloads carry no premium_since, so set it on the author)
    boosted = fake.make_message("boosting the server", bob, sim.default_channel(sim.guild))
    boosted.author.premium_since = discord.utils.utcnow()
    await sim.cog.xp.handle_message(boosted)                         # 10 * 3 = 30
    await sim.cog.xp.settle()
    await sim.say("a quiet place to talk", carol, channel=quiet)    # x0: nothing
    await sim.cog.xp.flush()
    assert (stored_xp(sim, alice), stored_xp(sim, bob)) == (30, 30)
    assert stored_xp(sim, carol) in (None, 0)


async def test_per_minute_cap_short_and_repeated_messages(sim, clock):
    alice = members(sim)[0]
    await admin(sim, "cooldown 0", "xppermessage 4", "activity xpcap 10")
    for i in range(5):
        await sim.say(f"message number {i}", alice)  # 4 + 4 + 2 (capped) + 0 + 0
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 10
    clock.advance(60)
    await sim.say("ok", alice)                   # too short, no space: nothing
    await sim.say("same words again", alice)     # 4
    await sim.say("same words again", alice)     # repeated: nothing
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 14


async def test_announcement_modes_templates_and_fallback(sim, caplog):
    alice, bob = members(sim)[:2]
    await admin(sim, "activity xpcap 0", "xppermessage 40")
    replies = await admin(sim, "levelup message {mention} hit {level} in {nope}")
    assert "Unknown variable `{nope}`" in replies[-1].content
    replies = await admin(sim, "levelup message " + "x" * 1900)
    assert "1800" in replies[-1].content
    await admin(sim, "levelup message GG {user}: {old_level} -> {level} ({xp} XP) in {guild}")
    await sim.command("unicornia guild levelup preview", sim.owner())
    assert "GG Owner: 0 -> 1" in sim.replies()[-1].content
    await sim.say("levelling up now", alice)
    assert sim.replies()[-1].content.startswith(f"GG {alice.display_name}: 0 -> 1 (40 XP) in {sim.guild.name}")
    levels = sim.make_text_channel("level-ups")
    await admin(sim, f"levelup where {levels.id}")
    await sim.say("levelling up elsewhere", bob)
    announcement = sim.replies()[-1]
    assert announcement.channel.id == levels.id and bob.display_name in announcement.content
    # the chosen channel disappears: the message's channel is used and it is logged
    fake.delete_channel(levels)
    carol = members(sim)[2]
    with caplog.at_level(logging.WARNING, logger="red.unicornia.rewards"):
        await sim.say("and another one", carol)
    assert sim.replies()[-1].channel.id == sim.default_channel(sim.guild).id
    assert any("missing or not writable" in r.getMessage() for r in caplog.records)
    await admin(sim, "levelup where off")
    dave = sim.make_member("Dave")
    await sim.say("silent level", dave)
    assert sim.replies() == []


async def test_stack_and_replace_role_modes_and_rejoin(sim):
    sim.give_bot_role()
    bronze, silver = sim.make_role("Bronze", position=3), sim.make_role("Silver", position=4)
    await admin(sim, "activity xpcap 0", "rolereward 1 Bronze", "rolereward 2 Silver", "xppermessage 100")
    alice, bob = members(sim)[:2]
    await sim.say("straight to level two", alice)
    assert bronze in alice.roles and silver in alice.roles          # stack: both
    await admin(sim, "roles mode replace")
    await sim.say("straight to level two as well", bob)
    assert silver in bob.roles and bronze not in bob.roles          # replace: only the highest
    await sim.command("unicornia guild roles sync", sim.owner())
    assert any("Syncing reward roles" in m.content for m in sim.replies())  # then edited as it goes
    assert bronze not in alice.roles and silver in alice.roles      # syncroles applied replace to alice
    # bob leaves and comes back: his role comes back too
    sim.remove_member(bob)
    back = fake.make_member(bob._user, sim.guild)
    await sim.cog.on_member_join(back)
    assert silver in back.roles


async def test_reset_on_leave(sim):
    alice = members(sim)[0]
    await sim.say("here for a while", alice)
    await admin(sim, "resetonleave true")
    await sim.cog.on_member_remove(alice)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) is None


async def test_history_is_pruned_after_the_retention_window(sim):
    alice = members(sim)[0]
    await sim.say("some history here", alice)
    await sim.cog.xp.flush()
    old = db_rows(sim, "SELECT Hour FROM XpHistory WHERE UserId = ?", (alice.id,))[0][0]
    assert await sim.cog.store.prune_history(old) == 0
    assert await sim.cog.store.prune_history(old + 3600) == 1
    await sim.command("unicornia historydays 0", sim.owner())
    assert "between 1 and 3650" in sim.replies()[-1].content


async def test_profile_shows_counters(sim, sent):
    alice, bob = members(sim)[:2]
    await sim.say("see https://example.com/docs", alice)
    await sim.say(f"thanks a lot {alice.mention}", bob)
    await sim.command(f"level profile {alice.id}", bob)
    fields = {f.name: f.value for f in sent[-1]["embed"].fields}
    assert fields["Messages"] == "1" and fields["Links shared"] == "1" and fields["Thanks received"] == "1"
    assert fields["XP"].startswith("9 (")  # 1 message + 3 link + 5 thanks


async def test_xpstats_chart_and_totals(sim, sent):
    from PIL import Image
    import io

    alice, bob = members(sim)[:2]
    await sim.say("see https://example.com/docs", alice)
    await sim.say(f"thanks a lot {alice.mention}", bob)
    await sim.command("level xpstats", alice)
    text, image = sent[-1]["content"], Image.open(io.BytesIO(sent[-1]["file_bytes"][0]))
    assert image.format == "PNG" and image.size == (900, 420)
    assert "9 XP over 14 days" in text and "thanks 56% (5)" in text and "link 33% (3)" in text
    await sim.command("level xpstats server 7", alice)
    assert "10 XP over 7 days" in sent[-1]["content"]
    await sim.command("level xpstats server 400", alice)
    assert "between 1 and 90" in sim.replies()[-1].content


async def test_leaderboard_sorted_by_messages_and_thanks(sim, sent):
    from tests.conftest import chatter

    alice, bob, carol = members(sim)[:3]
    await admin(sim, "cooldown 0")
    await chatter(sim, alice, 2)
    await chatter(sim, bob, 4)
    await sim.say(f"thank you {carol.mention}", alice)
    await sim.command("level leaderboard 1 messages", carol)
    board = sim.replies()[-1].embeds[0]
    assert "by messages" in board.title and board.description.index(bob.name) < board.description.index(alice.name)
    await sim.command("level leaderboard 1 thanks", carol)
    assert carol.name in sim.replies()[-1].embeds[0].description
    await sim.command("level leaderboard 1 karma", carol)
    assert "Sort by" in sim.replies()[-1].content


async def test_dm_announcements(sim):
    alice = members(sim)[0]
    await admin(sim, "activity xpcap 0", "xppermessage 40", "levelup where dm")
    await sim.say("level me up by direct message", alice)
    announcement = sim.replies()[-1]
    assert isinstance(announcement.channel, discord.DMChannel) and "level 1" in announcement.content


async def test_levelupmessages_switch_overrides_an_announce_channel(sim):
    alice = members(sim)[0]
    levels = sim.make_text_channel("level-ups")
    await admin(sim, "activity xpcap 0", "xppermessage 40", f"levelup where {levels.id}", "levelup messages false")
    await sim.say("no fanfare please", alice)
    assert sim.replies() == []
