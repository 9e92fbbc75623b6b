"""Achievements, daily rewards and streaks, the server goal, quests and the audit log, through a
real Red bot with a wall clock the tests move across days."""
import asyncio
import logging

import pytest

from tests.conftest import chatter, db_rows, members, set_goal_features, stored_xp, texts

DAY = 86_400


async def admin(sim, *commands_):
    for text in commands_:
        await sim.command(f"unicornia guild {text}", sim.owner())
    return texts(sim)


def unlocked(sim, member) -> list[str]:
    return [k for (k,) in db_rows(sim, "SELECT Key FROM UserAchievement WHERE GuildId = ? AND UserId = ? ORDER BY Key",
                                  (member.guild.id, member.id))]


def audit(sim, member, kind=None) -> list[tuple]:
    query = "SELECT Kind, Amount, Reason, ActorId FROM AuditLog WHERE GuildId = ? AND UserId = ?"
    params = [member.guild.id, member.id]
    if kind:
        query += " AND Kind = ?"
        params.append(kind)
    return db_rows(sim, query + " ORDER BY Id", params)


async def quiet(sim):
    """Only achievements: no quests or goal in the way of exact XP counts."""
    await set_goal_features(sim, achievements=True, goal=False, default_quests=False)


async def quests_only(sim, *commands_):
    """Only the quests a test adds (then ``commands_``, run as admin)."""
    await set_goal_features(sim, achievements=False, goal=False, default_quests=False)
    return await admin(sim, *commands_)


# --- achievements --------------------------------------------------------------------------------
async def test_first_message_unlocks_once_with_reward_audit_and_announcement(goals_sim):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    await sim.say("hello everyone, nice to be here", alice)
    await sim.settle()
    said = texts(sim)
    assert any("unlocked" in t and "First Words" in t and "+5 XP" in t for t in said), said
    await chatter(sim, alice, 3)
    await sim.cog.xp.flush()
    assert unlocked(sim, alice) == ["first-words"]
    assert stored_xp(sim, alice) == 1 + 5  # one eligible message (cooldown) + the reward
    assert audit(sim, alice) == [("achievement", 5, "First Words (first-words)", None)]
    assert db_rows(sim, "SELECT Xp FROM XpHistory WHERE UserId = ? AND Source = 6", (alice.id,)) == [(5,)]


async def test_admin_achievement_add_edit_remove_and_retroactive_unlock(goals_sim):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    await chatter(sim, alice, 4)
    said = await admin(sim, 'achievement add regular messages 3 40 🎉 "Regular Talker" Send three messages.')
    assert any("Added" in t and "Regular Talker" in t for t in said), said
    await sim.settle()  # alice already qualifies: she unlocks it without sending anything
    assert "regular" in unlocked(sim, alice)
    assert ("achievement", 40, "Regular Talker (regular)", None) in audit(sim, alice)

    # bad input changes nothing
    said = await admin(sim, 'achievement add bad-one sleeping 3 10 💤 "Sleepy"',
                       'achievement add regular messages 5 10 🎉 "Again"',
                       'achievement add Bad!Key messages 5 10 🎉 "Key"',
                       "achievement edit regular value lots", "achievement edit regular colour red",
                       "achievement edit chatterbox value 5")
    assert "condition must be one of" in said[0] and "is taken" in said[1] and "not a valid key" in said[2]
    assert "whole number" in said[3] and "field must be one of" in said[4] and "can't be edited" in said[5]
    custom = await sim.cog.config.guild(sim.guild).custom_achievements()
    assert list(custom) == ["regular"] and custom["regular"]["value"] == 3

    said = await admin(sim, "achievement edit regular reward_xp 60", "achievement remove first-words",
                       "achievement remove regular", "achievement list")
    assert "Updated" in said[0] and "Hid `first-words`" in said[1] and "Removed `regular`" in said[2]
    listing = said[3] + said[4]  # the state line, then the table
    assert "first-words" in listing and "hidden" in listing and "regular" not in listing
    bob = members(sim)[1]
    await sim.say("hi there, bob is here", bob)
    await sim.settle()
    assert unlocked(sim, bob) == []  # first-words is hidden now
    assert unlocked(sim, alice) == ["first-words", "regular"]  # what was unlocked stays
    said = await admin(sim, "achievement restore first-words", "achievement restore first-words",
                       "achievement remove nothing-here")
    assert "offered again" in said[0] and "is not hidden" in said[1] and "There is no achievement" in said[2]
    await sim.settle()  # bob already qualifies: he unlocks it at once
    assert unlocked(sim, bob) == ["first-words"]
    assert await sim.cog.config.guild(sim.guild).hidden_achievements() == []


async def test_level_achievement_from_admin_xp_and_next_achievement(goals_sim):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    await admin(sim, f"addxp {alice.mention} 300")  # level 5 at 270 XP
    await sim.settle()
    assert "level-5" in unlocked(sim, alice)
    assert ("add", 300, "addxp", sim.owner().id) in audit(sim, alice)
    await sim.command("nextachievement", alice)
    said = texts(sim)
    assert any(t.startswith("Next:") for t in said), said
    await sim.command("achievements", alice)
    said = texts(sim)
    assert any("Level Up!" in t and "unlocked" in t and "🔒" in t for t in said), said


async def test_achievement_counters_from_cache_cover_other_activity(goals_sim):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    await admin(sim, 'achievement add sharer links 2 10 🔗 "Sharer"')
    await sim.say("look at https://a.example/x", alice)
    assert "sharer" not in unlocked(sim, alice)
    await sim.say("and https://b.example/y too", alice)
    await sim.settle()
    assert "sharer" in unlocked(sim, alice)


# --- daily and streaks ---------------------------------------------------------------------------
async def test_daily_streak_kept_grown_reset_and_claimed_once_a_day(goals_sim, wall):
    sim = goals_sim
    await quiet(sim)
    await admin(sim, "achievement toggle false", "daily 20 5 3")
    alice = members(sim)[0]

    async def claim():
        await sim.command("daily", alice)
        return "\n".join(texts(sim))

    assert "20 XP" in await claim()
    assert "already claimed" in await claim()
    wall.advance(DAY)
    said = await claim()
    assert "25 XP" in said and "**2** days" in said
    wall.advance(DAY)
    assert "30 XP" in await claim()
    wall.advance(DAY)
    assert "35 XP" in await claim()
    wall.advance(DAY)
    assert "35 XP" in await claim()  # the bonus stops at 3 streak days
    wall.advance(2 * DAY)  # a missed day
    said = await claim()
    assert "20 XP" in said and "starts again" in said
    assert db_rows(sim, "SELECT Streak, BestStreak FROM DailyClaim WHERE UserId = ?", (alice.id,)) == [(1, 5)]
    daily = audit(sim, alice, "daily")
    assert [a for _, a, _, _ in daily] == [20, 25, 30, 35, 35, 20]
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == sum(a for _, a, _, _ in daily)


async def test_daily_follows_the_reset_hour(goals_sim, wall):
    sim = goals_sim
    await quiet(sim)
    await admin(sim, "resethour 12")  # the wall clock starts at 10:00 UTC
    alice = members(sim)[0]
    await sim.command("daily", alice)
    wall.advance(3 * 3600)  # 13:00: a new guild-day
    await sim.command("daily", alice)
    said = texts(sim)
    assert "**2** days" in said[-1], said


async def test_two_daily_claims_at_once_pay_once(goals_sim):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    results = await asyncio.gather(*(sim.cog.goals.claim_daily(alice, None) for _ in range(5)))
    outcomes = sorted(r.outcome for r, _ in results)
    assert outcomes == ["claimed"] * 4 + ["first"]
    assert len(audit(sim, alice, "daily")) == 1
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 20


async def test_streak_achievement_unlocks_on_the_seventh_day(goals_sim, wall):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    for _ in range(6):
        await sim.cog.goals.claim_daily(alice, None)
        wall.advance(DAY)
    assert "streak-7" not in unlocked(sim, alice)
    await sim.command("daily", alice)
    await sim.settle()
    assert "streak-7" in unlocked(sim, alice)


# --- the server goal -----------------------------------------------------------------------------
async def test_goal_reached_pays_every_contributor_once_and_is_announced(goals_sim, wall):
    sim = goals_sim
    await set_goal_features(sim, achievements=False, goal=True, default_quests=False)
    await admin(sim, "goal true 6 100 7 10", f"questchannel {sim.guild.text_channels[0].mention}")
    alice, bob, carol = members(sim)[:3]
    await chatter(sim, alice, 3)
    await chatter(sim, bob, 2)
    await sim.cog.xp.flush()
    await sim.command("level goal", carol)
    said = texts(sim)
    assert any("5/6" in t and "you sent 0" in t for t in said), said
    await sim.say("the last message we needed", bob)
    await sim.cog.xp.flush()
    await sim.settle()
    said = texts(sim)
    assert any("reached today's goal of **6**" in t and "2 members who chatted today" in t for t in said), said
    assert [a for _, a, _, _ in audit(sim, alice, "goal")] == [10]
    assert [a for _, a, _, _ in audit(sim, bob, "goal")] == [10]
    assert audit(sim, carol, "goal") == []
    await chatter(sim, carol, 3)
    await sim.cog.xp.flush()
    await sim.settle()
    assert audit(sim, carol, "goal") == [] and len(audit(sim, alice, "goal")) == 1  # paid once a day
    await sim.command("level goal", alice)
    assert any("Reached" in t for t in texts(sim))

    # the next day's goal comes from the recent average (9 messages yesterday), not the floor
    wall.advance(DAY)
    await sim.command("level goal", alice)
    said = texts(sim)
    assert any("**9** messages" in t for t in said), said


# --- quests --------------------------------------------------------------------------------------
async def test_quest_counts_only_after_it_started_completes_and_refreshes(goals_sim, wall):
    sim = goals_sim
    await quests_only(sim)
    quests_channel = sim.make_text_channel("quests")
    await admin(sim, f"questchannel {quests_channel.mention}")
    alice = members(sim)[0]
    await chatter(sim, alice, 4)  # before the quest: does not count
    await sim.cog.xp.flush()
    said = await admin(sim, 'quest add daily messages 3 50 "Chat three times"',
                       'quest add daily sleeping 3 50 "Bad"', 'quest add daily messages 3 0 "No reward"',
                       'quest add hourly messages 3 5 "Bad cycle"')
    assert "Added quest #1" in said[0]
    assert "requirement must be one of" in said[1] and "needs a reward" in said[2] and "cycle must be" in said[3]
    wall.advance(60)
    await sim.command("quests", alice)
    assert any("0/3" in t for t in texts(sim))
    await sim.say("one after the quest", alice)
    await sim.say("two after the quest", alice)
    await sim.cog.xp.flush()
    await sim.settle()
    assert audit(sim, alice, "quest") == []
    await sim.say("three after the quest", alice)
    await sim.cog.xp.flush()
    await sim.settle()
    assert audit(sim, alice, "quest") == [("quest", 50, "Chat three times", None)]
    announced = [m for m in sim.replies() if m.channel.id == quests_channel.id]
    assert any("completed the quest **Chat three times**" in m.content for m in announced)
    await chatter(sim, alice, 5)
    await sim.cog.xp.flush()
    assert len(audit(sim, alice, "quest")) == 1  # once per period

    wall.advance(DAY)  # a new day: the daily quest refreshes
    await sim.command("quests", alice)
    assert any("0/3" in t for t in texts(sim))
    await chatter(sim, alice, 3)
    await sim.cog.xp.flush()
    await sim.settle()
    assert len(audit(sim, alice, "quest")) == 2


@pytest.mark.parametrize("meanwhile", ["nothing", "verdicts refreshed", "channel deleted"])
async def test_a_quest_without_its_own_channel_is_announced_where_the_member_wrote(goals_sim, wall, meanwhile):
    """No quest channel: a completed quest, and the level its reward gives, go where level-ups go
    ("where they happen": the channel the member last wrote in), not to the server's system
    channel, which the flush that pays them used to fall back to.  A refresh of Red's verdicts
    before the flush (which forgets where members were admitted) changes nothing; a channel deleted
    since falls back to the system channel."""
    from discord.ext.test import backend as fake

    sim = goals_sim
    await quests_only(sim, "xppermessage 1", "activity xpcap 0")
    await admin(sim, 'quest add daily messages 3 500 "Chat three times"')
    system = sim.make_text_channel("welcome")
    sim.guild._system_channel_id = system.id
    lounge = sim.make_text_channel("lounge")
    alice = members(sim)[0]
    wall.advance(60)
    sim.replies()
    for text in ("one in the lounge", "two in the lounge", "three in the lounge"):
        await sim.say(text, alice, channel=lounge)
    if meanwhile == "verdicts refreshed":
        sim.cog.gate.forget()
        assert sim.cog.xp.buffer[(sim.guild.id, alice.id)].admitted_in is None
    elif meanwhile == "channel deleted":
        fake.delete_channel(lounge)
    await sim.cog.xp.flush()
    await sim.settle()
    assert audit(sim, alice, "quest") == [("quest", 500, "Chat three times", None)]
    sent = [(m.channel.id, m.content) for m in sim.replies()]
    quest = [channel for channel, text in sent if "completed the quest **Chat three times**" in text]
    level = [channel for channel, text in sent if "reached **level" in text]
    if meanwhile == "channel deleted":
        assert quest == [system.id], sent
    else:
        assert quest == [lounge.id], sent
        assert level == [lounge.id], sent
        assert not any(channel == system.id for channel, _ in sent), sent


async def test_quest_multiplier_boosts_xp_for_its_time(goals_sim, wall, clock):
    sim = goals_sim
    await quests_only(sim, "activity xpcap 0")
    await admin(sim, 'quest add once messages 1 0 "Warm up" 2 30')
    alice = members(sim)[0]
    await sim.say("my first message for the quest", alice)
    await sim.cog.xp.flush()
    await sim.settle()
    assert sim.cog.xp.boosts[(sim.guild.id, alice.id)][0] == 2.0
    before = stored_xp(sim, alice)
    clock.advance(61)
    await sim.say("a boosted message now", alice)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) - before == 2
    wall.advance(31 * 60)  # the boost ran out
    clock.advance(61)
    await sim.say("an ordinary message again", alice)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) - before == 3


# --- audit log -----------------------------------------------------------------------------------
async def test_audit_log_command_lists_changes_with_pages(goals_sim):
    sim = goals_sim
    await quiet(sim)
    await admin(sim, "achievement toggle false")
    alice = members(sim)[0]
    for amount in range(1, 18):
        await sim.command(f"unicornia guild addxp {alice.mention} {amount}", sim.owner())
    sim.replies()
    said = await admin(sim, f"audit {alice.mention}", f"audit {alice.mention} 2", "audit 9")
    assert "+17 XP" in said[0] and "page 1/2" in said[0] and "addxp" in said[0]
    assert "+1 XP" in said[1] and "page 2/2" in said[1]
    assert "2 pages" in said[2]
    asking = asyncio.create_task(sim.command(f"unicornia guild reset {alice.id}", sim.owner()))
    await asyncio.sleep(0.05)
    await sim.say("yes", sim.owner())
    await asking
    assert audit(sim, alice, "reset") == [("reset", -sum(range(1, 18)), "reset", sim.owner().id)]


# --- data rights ---------------------------------------------------------------------------------
async def test_data_export_and_deletion_cover_goals_and_clubs(goals_sim):
    sim = goals_sim
    await quiet(sim)
    alice, bob = members(sim)[:2]
    await sim.say("hello from alice, here we go", alice)
    await sim.cog.goals.claim_daily(alice, None)
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    await admin(sim, f"addxp {bob.mention} 10")
    await sim.settle()
    exported = await sim.cog.red_get_data_for_user(user_id=alice.id)
    import json
    data = json.loads(exported["unicornia.json"].getvalue())
    assert [a["key"] for a in data["achievements"]] == ["first-words"]
    assert data["daily"][0]["streak"] == 1 and {r["kind"] for r in data["audit_log"]} == {"achievement", "daily"}
    assert data["clubs"][0]["club_name"] == "Owls" and data["clubs"][0]["is_owner"]

    await sim.cog.red_delete_data_for_user(requester="user_strict", user_id=alice.id)
    for table in ("UserAchievement", "DailyClaim", "CounterBaseline", "AuditLog", "ClubMember"):
        assert db_rows(sim, f"SELECT COUNT(*) FROM {table} WHERE UserId = ?", (alice.id,)) == [(0,)], table
    assert db_rows(sim, "SELECT OwnerId FROM Club") == [(bob.id,)]  # the club passed to bob
    assert db_rows(sim, "SELECT COUNT(*) FROM AuditLog WHERE ActorId = ?", (alice.id,)) == [(0,)]


async def test_profile_shows_streak_achievements_and_club(goals_sim, sent, wall):
    sim = goals_sim
    await quiet(sim)
    alice = members(sim)[0]
    await sim.say("hello there from alice", alice)
    await sim.cog.goals.claim_daily(alice, None)
    wall.advance(DAY)
    await sim.cog.goals.claim_daily(alice, None)
    await sim.command("club create Owls", alice)
    await sim.command("level profile", alice)
    fields = {f.name: f.value for f in sent[-1]["embed"].fields}
    assert fields["Daily streak"] == "2 days (best 2) · claimed today"
    assert fields["Achievements"] == "1" and fields["Club"] == "Owls"


async def test_audit_covers_currency_rewards_roles_and_purchases(goals_sim):
    from redbot.core import bank

    sim = goals_sim
    await quiet(sim)
    await admin(sim, "achievement toggle false")
    sim.give_bot_role()
    sim.make_role("Regular", position=5)
    await admin(sim, "currencyreward 1 100", "rolereward 1 Regular")
    alice = members(sim)[0]
    await admin(sim, f"addxp {alice.mention} 40")
    kinds = {(k, a) for k, a, _, _ in audit(sim, alice)}
    assert ("add", 40) in kinds and ("currency", 100) in kinds and ("role", 0) in kinds
    assert any("+Regular" in reason for kind, _, reason, _ in audit(sim, alice) if kind == "role")
    await bank.set_balance(alice, 5000)
    await sim.command("xpshop buy sunset", alice)
    assert ("buy", 1000, "background sunset", None) in audit(sim, alice)


async def test_achievements_announced_in_their_own_channel(goals_sim):
    sim = goals_sim
    await quiet(sim)
    hall = sim.make_text_channel("hall-of-fame")
    await admin(sim, f"achievementchannel {hall.mention}")
    alice = members(sim)[0]
    await sim.say("my very first message here", alice)
    await sim.settle()
    assert any("First Words" in m.content for m in sim.replies() if m.channel.id == hall.id)


async def test_weekly_quest_refreshes_on_the_reset_weekday(goals_sim, wall):
    sim = goals_sim
    await quests_only(sim, "resetweekday wednesday")
    await admin(sim, 'quest add weekly messages 2 30 "Two a week"')
    alice = members(sim)[0]
    wall.advance(60)
    await chatter(sim, alice, 2)  # Monday
    await sim.cog.xp.flush()
    await sim.settle()
    assert len(audit(sim, alice, "quest")) == 1
    wall.advance(DAY)  # Tuesday: the same week
    await chatter(sim, alice, 2)
    await sim.cog.xp.flush()
    assert len(audit(sim, alice, "quest")) == 1
    wall.advance(DAY)  # Wednesday: a new week
    await sim.command("quests", alice)
    assert any("0/2" in t and "refreshes" in t for t in texts(sim))
    await chatter(sim, alice, 2)
    await sim.cog.xp.flush()
    await sim.settle()
    assert len(audit(sim, alice, "quest")) == 2


async def test_the_hourly_upkeep_drops_baselines_no_quest_reads(goals_sim, wall, caplog):
    """A member active every day leaves a baseline a day; once the server's settings have held for
    a day, the cog's hourly upkeep keeps only the ones its quests read, and the weekly quest still
    completes on time."""
    sim = goals_sim
    await quests_only(sim, "resetweekday monday")
    await admin(sim, 'quest add weekly messages 9 30 "Nine a week"')
    alice = members(sim)[0]
    await sim.cog.prune_once()  # the settings are seen (the clock: Monday 10:00)
    for _day in range(6):  # Tuesday to Sunday, a message a day
        wall.advance(DAY)
        await chatter(sim, alice, 1)
        await sim.cog.xp.flush()
    await sim.settle()
    days = db_rows(sim, "SELECT COUNT(*) FROM CounterBaseline WHERE UserId = ?", (alice.id,))[0][0]
    with caplog.at_level(logging.INFO, logger="red.unicornia"):
        await sim.cog.prune_once()
    kept = db_rows(sim, "SELECT COUNT(*) FROM CounterBaseline WHERE UserId = ?", (alice.id,))[0][0]
    assert days >= 6 and kept < days, (days, kept)  # Thursday's and Friday's went
    assert any("quest baselines no quest reads" in r.getMessage() for r in caplog.records)
    assert audit(sim, alice, "quest") == []  # 6 of 9 so far
    await chatter(sim, alice, 3)  # still Sunday, the same week
    await sim.cog.xp.flush()
    await sim.settle()
    assert len(audit(sim, alice, "quest")) == 1


async def test_baselines_of_a_server_with_quests_off_are_kept(goals_sim, wall):
    """Quests turned off for a while: the upkeep leaves the baselines, which its quests read
    again when they come back on."""
    sim = goals_sim
    await quests_only(sim, "resetweekday monday")
    await admin(sim, 'quest add weekly messages 9 30 "Nine a week"')
    alice = members(sim)[0]
    for _day in range(3):  # Tuesday to Thursday
        wall.advance(DAY)
        await chatter(sim, alice, 2)
        await sim.cog.xp.flush()
    await set_goal_features(sim, achievements=False, goal=False, default_quests=False, quests=False)
    assert not (await sim.cog.settings.get(sim.guild.id)).quests_enabled  # loaded, as in a live server
    before = db_rows(sim, "SELECT COUNT(*) FROM CounterBaseline WHERE UserId = ?", (alice.id,))[0][0]
    for _hour in range(3):
        await sim.cog.prune_once()
        wall.advance(DAY)  # past any settling time
    assert db_rows(sim, "SELECT COUNT(*) FROM CounterBaseline WHERE UserId = ?", (alice.id,))[0][0] == before
    await set_goal_features(sim, achievements=False, goal=False, default_quests=False, quests=True)
    await chatter(sim, alice, 3)  # Sunday: 6 + 3
    await sim.cog.xp.flush()
    await sim.settle()
    assert len(audit(sim, alice, "quest")) == 1


async def test_voice_time_unlocks_voice_achievements_of_cached_members(goals_sim, clock):
    sim = goals_sim
    await quiet(sim)
    await admin(sim, 'achievement add talker voice_minutes 2 10 🎙️ "Talker"')
    alice, bob = members(sim)[:2]
    await sim.say("hello, anyone for voice?", alice)  # alice is cached from now on
    room = sim.guild.voice_channels[0]
    sim.set_voice(alice, room)
    sim.set_voice(bob, room)
    for _ in range(2):
        clock.advance(60)
        await sim.cog.xp.voice_tick()
    await sim.settle()
    assert "talker" in unlocked(sim, alice)


async def test_a_quest_reward_is_counted_once_when_a_read_races_the_flush(goals_sim):
    sim = goals_sim
    await quests_only(sim)
    await admin(sim, 'quest add daily messages 1 100 "Say something"')
    alice = members(sim)[0]
    xp = sim.cog.xp
    key = (sim.guild.id, alice.id)
    await sim.say("my one message for the quest", alice)
    xp.cache.pop(key)  # not cached: the next read comes from the database
    flushing = asyncio.create_task(xp.flush())
    await asyncio.sleep(0)  # the write is on the store's thread; the read queues behind it
    await xp.current_xp(key)
    await flushing
    await sim.settle()
    assert stored_xp(sim, alice) == 101
    assert await xp.current_xp(key) == 101  # not 201


async def test_a_reset_member_starts_quests_again(goals_sim, sent):
    sim = goals_sim
    await quests_only(sim)
    await admin(sim, 'quest add weekly messages 50 10 "Fifty"')
    alice = members(sim)[0]
    await chatter(sim, alice, 5)
    await sim.cog.xp.flush()
    await sim.cog.xp.reset_member(sim.guild.id, alice.id)
    await chatter(sim, alice, 3)
    await sim.cog.xp.flush()
    statuses = await sim.cog.goals.statuses(alice)
    assert [s.progress for s in statuses] == [3]


async def test_a_one_off_quest_can_end(goals_sim, wall):
    sim = goals_sim
    await quests_only(sim)
    said = await admin(sim, 'quest add once messages 3 40 "Launch week"', 'quest add daily messages 3 5 "Daily"',
                       "quest ends 1 2", "quest ends 2 2", "quest ends 1 soon", "quest ends 9 1",
                       "quest ends 1 1e-9")
    assert "ends <t:" in said[2] and "only `once` quests end" in said[3]
    assert "say a number of days" in said[4] and "no one-off quest #9" in said[5]
    assert "between a minute and 366 days" in said[6]  # 1e-9 days would end it as it is set
    alice = members(sim)[0]
    assert [s.quest.name for s in await sim.cog.goals.statuses(alice)] == ["Launch week", "Daily"]
    wall.advance(3 * DAY)
    assert [s.quest.name for s in await sim.cog.goals.statuses(alice)] == ["Daily"]
    await chatter(sim, alice, 3)
    await sim.cog.xp.flush()
    await sim.settle()
    assert [r[2] for r in audit(sim, alice, "quest")] == ["Daily"]  # the ended one pays nothing


async def test_turning_the_goal_on_or_off_keeps_its_tuning(goals_sim):
    sim = goals_sim
    said = await admin(sim, "goal true 120 110 5 40")
    assert "110% of the last 5 days" in said[-1] and "at least 120" in said[-1] and "pays 40 XP" in said[-1]
    await admin(sim, "goal false")
    said = await admin(sim, "goal true")  # on again: the tuning is what it was, not the defaults
    assert "110% of the last 5 days" in said[-1] and "at least 120" in said[-1] and "pays 40 XP" in said[-1]
    said = await admin(sim, "goal true 200")  # only the floor changes
    s = await sim.cog.settings.get(sim.guild.id)
    assert (s.goal_enabled, s.goal_floor, s.goal_percent, s.goal_days, s.goal_bonus) == (True, 200, 110, 5, 40)
    said = await admin(sim, "goal true 200 5")  # out of range: refused, nothing changes
    assert "percentage" in said[-1].lower()
    assert (await sim.cog.settings.get(sim.guild.id)).goal_percent == 110
