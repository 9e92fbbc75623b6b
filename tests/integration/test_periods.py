"""Weekly and monthly boards and the period winner's reward, through the real Red bot: XP earned
in the server's week and month only, current members, the caller's own place, last period's top
ten, and a winner paid exactly once (across a reload at the boundary too)."""
import pytest
from redbot.core import commands

import discord

from tests.conftest import db_rows, members, stored_xp, texts

DAY = 86_400
WEEK = 7 * DAY


async def _admin(sim, *lines: str) -> None:
    for line in lines:
        await sim.command(f"unicornia guild {line}", sim.owner())
    sim.replies()


async def _earn(sim, clock, member, amount: int) -> None:
    """A message worth ``amount`` XP, written at once (a flush runs every 30 s: a gain waiting in
    the buffer when a period ends counts to the next one)."""
    await _admin(sim, f"xppermessage {amount}")
    clock.advance(61)
    await sim.say(f"earning {amount} now, friends", member)
    await sim.cog.xp.flush()
    sim.replies()


def shown(member) -> str:
    return discord.utils.escape_markdown(member.display_name)


async def _board(sim, command: str, member) -> str:
    await sim.command(command, member)
    return "\n".join(texts(sim))


async def test_weekly_board_counts_this_weeks_xp_for_current_members(sim, clock, wall):
    alice, bob, carol = members(sim)[:3]
    await _admin(sim, "activity xpcap 0", "levelup messages false")
    await _earn(sim, clock, alice, 40)
    await _earn(sim, clock, bob, 80)
    wall.advance(WEEK)  # Monday of the next week
    await _earn(sim, clock, carol, 10)
    await _earn(sim, clock, alice, 5)
    board = await _board(sim, "level weekly", alice)
    assert "Since <t:" in board and shown(carol) in board and shown(bob) not in board
    assert board.index(shown(carol)) < board.index(shown(alice))
    assert "You: #2 with 5 XP" in board
    last = await _board(sim, "level weekly last", bob)
    assert last.index(shown(bob)) < last.index(shown(alice))
    assert "80 XP" in last and shown(carol) not in last
    monthly = await _board(sim, "level monthly", carol)  # 2026-01-05 and 01-12: the same month
    assert monthly.index(shown(bob)) < monthly.index(shown(alice)) < monthly.index(shown(carol))
    assert "45 XP" in monthly  # alice's 40 + 5
    # all-time XP is untouched by the boards
    assert stored_xp(sim, alice) == 45


async def test_the_week_follows_the_servers_reset_weekday_and_hour(sim, clock, wall):
    alice = members(sim)[0]
    await _admin(sim, "activity xpcap 0", "levelup messages false")
    await sim.cog.config.guild(sim.guild).reset_weekday.set(2)  # Wednesday
    await sim.cog.config.guild(sim.guild).reset_hour.set(12)
    sim.cog.settings.invalidate(sim.guild.id)
    await _earn(sim, clock, alice, 30)  # Monday 10:00: in the week that began last Wednesday 12:00
    wall.advance(2 * DAY + 2 * 3600)  # Wednesday 12:00: a new week
    board = await _board(sim, "level weekly", alice)
    assert "Nobody has earned XP this week yet." in board
    assert shown(alice) in await _board(sim, "level weekly last", alice)


async def test_departed_members_are_skipped_and_pages_are_checked(sim, clock):
    alice, bob = members(sim)[:2]
    await _admin(sim, "activity xpcap 0", "levelup messages false")
    await _earn(sim, clock, alice, 20)
    await _earn(sim, clock, bob, 90)
    sim.remove_member(bob)
    board = await _board(sim, "level weekly", alice)
    assert shown(bob) not in board and f"`#  1` **{shown(alice)}**: 20 XP" in board
    assert "You: #1 with 20 XP" in board  # the place shown on the board, among current members
    for bad in ("0", "-3", "abc", "101"):
        await sim.command(f"level weekly {bad}", alice)
        assert "Pick a page from 1 to 100" in sim.replies()[-1].content
    await sim.command("level weekly 2", alice)
    assert "fewer pages" in sim.replies()[-1].content


async def _setup_reward(sim, bonus: int = 100):
    sim.give_bot_role()
    champion = sim.make_role("Champion", position=5)
    await _admin(sim, "activity xpcap 0", "levelup messages false")
    await sim.command(f"unicornia guild periodreward week Champion {bonus}", sim.owner())
    assert f"Each week's top member will get {champion.mention} and {bonus} bonus XP." == sim.replies()[-1].content
    return champion


async def test_the_weeks_winner_gets_the_role_and_bonus_once_and_the_role_moves_on(sim, clock, wall):
    champion = await _setup_reward(sim)
    await _admin(sim, f"levelup where {sim.guild.text_channels[0].id}")  # news without a message to answer: the set channel
    alice, bob = members(sim)[:2]
    await _earn(sim, clock, alice, 30)
    await _earn(sim, clock, bob, 60)
    sim.replies()
    wall.advance(WEEK)
    await sim.cog.periods.tick()
    assert champion in bob.roles and champion not in alice.roles
    assert stored_xp(sim, bob) == 160
    announced = [t for t in texts(sim) if "most XP last week" in t]
    assert len(announced) == 1 and bob.mention in announced[0] and "100" in announced[0]
    assert db_rows(sim, "SELECT Kind, Amount FROM AuditLog WHERE UserId = ? AND Kind = 'period'", (bob.id,)) \
        == [("period", 100)]
    await sim.cog.periods.tick()  # the same period again: nothing more
    wall.advance(3600)
    await sim.cog.periods.tick()
    assert stored_xp(sim, bob) == 160 and not [t for t in texts(sim) if "most XP" in t]
    # next week alice wins: the role moves to her
    await _earn(sim, clock, alice, 50)
    wall.advance(WEEK)
    await sim.cog.periods.tick()
    assert champion in alice.roles and champion not in bob.roles
    assert stored_xp(sim, alice) == 180
    rows = db_rows(sim, "SELECT UserId, Xp, Bonus FROM PeriodWinner WHERE GuildId = ? ORDER BY Start", (sim.guild.id,))
    assert rows == [(bob.id, 60, 100), (alice.id, 50, 100)]


async def test_a_reload_at_the_boundary_pays_once(sim, clock, wall):
    await _setup_reward(sim, bonus=70)
    alice = members(sim)[0]
    await _earn(sim, clock, alice, 25)
    wall.advance(WEEK)
    # the winner recorded and paid, then the bot went down before the role and the announcement
    start = (await sim.cog.periods.starts(sim.guild.id, 0))[1]
    await sim.cog.xp.flush()
    paid = await sim.cog.store.record_winner(sim.guild.id, 0, start, alice.id, 25, 70, None, "test")
    assert paid.new
    await sim.reload_cog()
    sim.cog.store.now = wall
    await sim.cog.periods.tick()
    await sim.cog.periods.tick()
    assert stored_xp(sim, alice) == 95  # 25 earned + 70 once
    assert db_rows(sim, "SELECT COUNT(*) FROM PeriodWinner") == [(1,)]


async def test_periods_that_ended_before_the_reward_was_set_are_not_paid(sim, clock, wall):
    alice = members(sim)[0]
    await _admin(sim, "activity xpcap 0", "levelup messages false")
    await _earn(sim, clock, alice, 25)
    wall.advance(WEEK)  # that week ended
    await _setup_reward(sim)  # set now: only weeks ending from now on
    await sim.cog.periods.tick()
    assert stored_xp(sim, alice) == 25 and db_rows(sim, "SELECT COUNT(*) FROM PeriodWinner") == [(0,)]


async def test_bad_period_rewards_are_refused_and_change_nothing(sim):
    sim.give_bot_role(position=10)
    sim.make_role("Admins", position=20)
    for line, reason in (("periodreward fortnight none 5", "`week` or `month`"),
                         ("periodreward week NoSuchRole 5", "can't find a role"),
                         ("periodreward week none 2000000", "between 0 and"),
                         ("periodreward week Admins 5", "not below my highest role")):
        await sim.command(f"unicornia guild {line}", sim.owner())
        assert reason in sim.replies()[-1].content
    assert (await sim.cog.settings.get(sim.guild.id)).period_rewards == {}
    with pytest.raises(commands.CheckFailure):
        await sim.command("unicornia guild periodreward week none 5", members(sim)[0])
    await sim.command("unicornia guild periodreward month none 500", sim.owner())
    assert "500 bonus XP" in sim.replies()[-1].content
    await sim.command("unicornia guild periodreward month none", sim.owner())
    assert "no longer rewarded" in sim.replies()[-1].content
    assert (await sim.cog.settings.get(sim.guild.id)).period_rewards == {}
