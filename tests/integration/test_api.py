"""Unicornia's API for other cogs, through a real Red bot with a second cog (tests/cogs/xpfriend)
loaded beside it by Red's loader: reads, grants, the events, and a listener that raises."""
import logging
import sys
from pathlib import Path

import pytest
from redbot.core import bank

from tests.conftest import chatter, db_rows, members, stored_xp, texts

TEST_COGS = Path(__file__).resolve().parent.parent / "cogs"


async def admin(sim, *commands_):
    for text in commands_:
        await sim.command(f"unicornia guild {text}", sim.owner())
    return sim.replies()


async def load_friend(sim, monkeypatch):
    """Load tests/cogs/xpfriend as a bot owner would; returns the loaded cog."""
    monkeypatch.delitem(sys.modules, "xpfriend", raising=False)  # each bot imports its own copy
    await sim.command(f"addpath {TEST_COGS}", sim.owner())
    await sim.command("load xpfriend", sim.owner())
    sim.replies()
    friend = sim.bot.get_cog("XpFriend")
    assert friend is not None, "xpfriend did not load"
    return friend


async def settle_listeners() -> None:
    """bot.dispatch runs each listener in a task of its own: let them run."""
    import asyncio

    for _ in range(5):
        await asyncio.sleep(0)


def audit(sim, member, kind):
    return db_rows(sim, "SELECT Amount, Reason, ActorId FROM AuditLog WHERE GuildId = ? AND UserId = ? AND Kind = ? "
                        "ORDER BY Id", (member.guild.id, member.id, kind))


@pytest.fixture
async def friend(sim, monkeypatch):
    return await load_friend(sim, monkeypatch)


async def test_reads_include_buffered_gains_and_no_xp_is_unranked(sim, friend):
    alice, bob = members(sim)[:2]
    await admin(sim, "activity xpcap 0", "xppermessage 40")
    await sim.say("one message, still in the buffer", alice)
    sim.replies()
    assert stored_xp(sim, alice) is None  # not written yet
    cog = sim.bot.get_cog("Unicornia")
    assert await cog.get_member_xp(alice) == 40
    assert await cog.get_member_level(alice) == 1
    assert await cog.get_member_rank(alice) == 1
    assert (await cog.get_member_xp(bob), await cog.get_member_level(bob), await cog.get_member_rank(bob)) == (0, 0, None)
    await sim.say("another member earns more", bob)
    assert await cog.get_member_rank(bob) == 1  # tied at 40 XP: both first
    await cog.add_member_xp(bob, 10, reason="tie-breaker")
    assert (await cog.get_member_rank(bob), await cog.get_member_rank(alice)) == (1, 2)


async def test_a_grant_pays_rewards_is_audited_and_dispatched(sim, friend):
    sim.give_bot_role()
    novice = sim.make_role("Novice", position=5)
    await admin(sim, "rolereward 1 Novice", "currencyreward 2 100")
    alice = members(sim)[0]
    before = await bank.get_balance(alice)
    await sim.command("xpfriendwin 100", alice)  # 0 -> 100 XP: levels 1 and 2 crossed
    assert texts(sim) == [f"{alice.display_name} has 100 XP, level 2, rank 1."]  # no level-up announcement
    assert novice in alice.roles and await bank.get_balance(alice) - before == 100
    assert audit(sim, alice, "api") == [(100, "won a game of xpfriend", None)]
    await settle_listeners()
    assert friend.heard == [("level_up", alice.id, 0, 2)]
    assert stored_xp(sim, alice) == 100


async def test_negative_amounts_take_xp_but_never_below_zero(sim, friend):
    alice = members(sim)[0]
    cog = sim.cog
    assert await cog.add_member_xp(alice, 50, reason="found a coin") == 50
    assert await cog.add_member_xp(alice, -20, reason="lost a bet") == 30
    assert await cog.add_member_xp(alice, -1_000, reason="lost everything") == 0
    assert await cog.add_member_xp(alice, 0, reason="nothing happened") == 0
    assert [amount for amount, *_ in audit(sim, alice, "api")] == [50, -20, -30]  # what really changed
    await settle_listeners()
    assert friend.heard == [("level_up", alice.id, 0, 1)]  # taking XP is no level-up


async def test_bad_input_raises_clear_exceptions(sim):
    cog = sim.cog
    alice = members(sim)[0]
    robot = sim.make_member("GameBot", bot=True)
    cases = [
        ((alice._user, 5), {"reason": "a user, not a member"}, TypeError, "discord.Member"),
        ((robot, 5), {"reason": "bots"}, ValueError, "bots"),
        ((alice, "5"), {"reason": "text amount"}, TypeError, "int"),
        ((alice, 5.0), {"reason": "float amount"}, TypeError, "int"),
        ((alice, True), {"reason": "bool amount"}, TypeError, "int"),
        ((alice, 10**9), {"reason": "huge"}, ValueError, "between -10,000,000 and 10,000,000"),
        ((alice, 5), {"reason": ""}, ValueError, "reason"),
        ((alice, 5), {"reason": "   "}, ValueError, "reason"),
        ((alice, 5), {"reason": "x" * 201}, ValueError, "reason"),
        ((alice, 5), {"reason": "two\nlines"}, ValueError, "reason"),
        ((alice, 5), {"reason": None}, TypeError, "reason"),
    ]
    for args, kwargs, error, words in cases:
        with pytest.raises(error, match=words):
            await cog.add_member_xp(*args, **kwargs)
    with pytest.raises(TypeError):
        await cog.add_member_xp(alice, 5)  # the reason is required
    with pytest.raises(TypeError):
        await cog.get_member_xp(alice._user)
    assert await cog.get_member_xp(robot) == 0 and await cog.get_member_rank(robot) is None
    bob = members(sim)[1]
    sim.remove_member(bob)
    with pytest.raises(ValueError, match="not a member"):
        await cog.add_member_xp(bob, 5, reason="left already")
    await sim.cog.xp.flush()
    assert db_rows(sim, "SELECT COUNT(*) FROM AuditLog WHERE Kind = 'api'") == [(0,)]


async def test_level_up_event_fires_on_every_path(sim, friend, clock):
    alice, bob, carol = members(sim)[:3]
    dave = sim.make_member("Dave")
    await admin(sim, "activity xpcap 0", "xppermessage 40", "voicexp 40")
    await sim.say("a message", alice)  # message path, announced
    sim.set_voice(bob, sim.guild.voice_channels[0])
    sim.set_voice(carol, sim.guild.voice_channels[0])
    await sim.cog.xp.voice_tick()  # voice path
    await admin(sim, f"addxp {dave.id} 100")  # admin path, quiet
    await sim.cog.add_member_xp(alice, 100, reason="the API")  # 40 -> 140: level 1 -> 3
    await sim.cog.xp.settle()
    await settle_listeners()
    assert sorted(friend.heard) == sorted([
        ("level_up", alice.id, 0, 1), ("level_up", bob.id, 0, 1), ("level_up", carol.id, 0, 1),
        ("level_up", dave.id, 0, 2), ("level_up", alice.id, 1, 3),
    ])


async def test_achievement_and_quest_events(goals_sim, monkeypatch, wall):
    sim = goals_sim
    friend = await load_friend(sim, monkeypatch)
    await admin(sim, 'quest add daily messages 2 0 "Say two things" 2 30')
    alice = members(sim)[0]
    wall.advance(60)
    await chatter(sim, alice, 2)
    await sim.cog.xp.flush()
    await sim.settle()
    await settle_listeners()
    assert ("achievement", alice.id, "first-words") in friend.heard
    assert ("quest", alice.id, "Say two things") in friend.heard


async def test_a_listener_that_raises_never_disturbs_unicornia(sim, friend, caplog):
    sim.give_bot_role()
    novice = sim.make_role("Novice", position=5)
    await admin(sim, "activity xpcap 0", "xppermessage 40", "rolereward 1 Novice", "currencyreward 3 70")
    friend.explode = True
    alice = members(sim)[0]
    before = await bank.get_balance(alice)
    with caplog.at_level(logging.ERROR):
        await sim.say("level up with a broken listener about", alice)
        await settle_listeners()
        announced = texts(sim)
        await sim.command("xpfriendwin 100", alice)  # 40 -> 140: level 3, paid
        await settle_listeners()
    assert any("level 1" in text for text in announced)
    assert texts(sim) == [f"{alice.display_name} has 140 XP, level 3, rank 1."]
    assert novice in alice.roles and await bank.get_balance(alice) - before == 70
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 140
    assert [event[0] for event in friend.heard] == ["level_up", "level_up"]
    assert any("xpfriend's listener broke" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
