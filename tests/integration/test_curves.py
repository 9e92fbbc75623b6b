"""Level curves and XP ranges through the real Red bot: members keep their XP, levels follow the
server's curve everywhere (cards' numbers, level-ups, rewards, leaderboards), roles re-sync quietly."""
import asyncio
from collections import Counter

from tests.conftest import members, stored_xp

PROMPT = "Type `yes`"


async def confirmed(sim, command: str, answer: str = "yes") -> str:
    """Run an admin command that asks for confirmation, answer it, and return everything said."""
    seen: list[str] = []
    task = asyncio.create_task(sim.command(command, sim.owner()))
    for _ in range(250):
        seen.extend(m.content for m in sim.replies())
        if any(PROMPT in text for text in seen):
            await sim.say(answer, sim.owner())
            break
        await asyncio.sleep(0.02)
    await task
    await asyncio.sleep(0)
    seen.extend(m.content for m in sim.replies())
    return "\n".join(seen)


async def _admin(sim, *commands: str) -> None:
    for text in commands:
        await sim.command(f"unicornia guild {text}", sim.owner())
    sim.replies()


async def test_the_curve_alone_shows_the_totals_of_the_levels_people_look_at(sim):
    await sim.command("unicornia guild curve", sim.owner())
    shown = sim.replies()[-1].content
    assert "NadekoBot" in shown and "level 10: 765 XP" in shown and "level 100: 48,150 XP" in shown


async def test_mee6_curve_changes_levels_not_xp_and_syncs_roles_without_announcements(sim, clock):
    sim.give_bot_role()
    regular = sim.make_role("Regular", position=5)
    alice = members(sim)[0]
    await _admin(sim, "activity xpcap 0", "xppermessage 200", "rolereward 4 Regular")
    await sim.say("two hundred xp please", alice)  # NadekoBot: 200 XP is level 4
    assert regular in alice.roles
    sim.replies()
    said = await confirmed(sim, "unicornia guild curve mee6")
    assert "level 5: 1,150 XP (was 270)" in said and "MEE6" in said
    assert "Syncing reward roles" in said
    assert regular not in alice.roles  # MEE6: 200 XP is level 1
    assert "level 2" not in said and "level up" not in said.lower()  # no flood of level-up announcements
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 200  # XP never changes
    await sim.command("unicornia guild settings", sim.owner())
    assert "MEE6" in sim.replies()[-1].content
    assert await sim.cog.get_member_level(alice) == 1
    # the next level-up comes at MEE6's threshold (255 XP for level 2), announced once
    await _admin(sim, "xppermessage 54")
    clock.advance(61)
    await sim.say("fifty four more", alice)  # 254 XP: still level 1 on MEE6's curve
    assert not any(alice.mention in m.content for m in sim.replies())
    await _admin(sim, "xppermessage 1")
    clock.advance(61)
    await sim.say("and one to level two", alice)  # 255 XP
    announced = [m.content for m in sim.replies() if alice.mention in m.content]
    assert len(announced) == 1 and "level 2" in announced[0]


async def test_level_ups_follow_a_linear_curve(sim, clock):
    alice = members(sim)[0]
    await _admin(sim, "activity xpcap 0")
    said = await confirmed(sim, "unicornia guild curve linear 100")
    assert "level 10: 1,000 XP (was 765)" in said
    await _admin(sim, "xppermessage 99")
    await sim.say("just below level one", alice)
    assert not any(alice.mention in m.content for m in sim.replies())
    await _admin(sim, "xppermessage 101")
    clock.advance(61)
    await sim.say("this one crosses two levels", alice)  # 99 + 101 = 200 XP = level 2
    announced = [m.content for m in sim.replies() if alice.mention in m.content]
    assert len(announced) == 1 and "level 2" in announced[0]
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 200


async def test_setlevel_and_leaderboard_use_the_servers_curve(sim):
    alice = members(sim)[0]
    await confirmed(sim, "unicornia guild curve custom 0 0 1000")  # every level 1,000 XP
    await sim.command(f"unicornia guild setlevel {alice.id} 7", sim.owner())
    assert "7,000 XP (level 7" in sim.replies()[-1].content
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 7_000
    await sim.command("level leaderboard", alice)
    board = sim.replies()[-1]
    text = board.content + "".join((e.description or "") + "".join(f.value for f in e.fields) for e in board.embeds)
    assert "level 7" in text.lower() or "7" in text


async def test_bad_curves_and_a_no_answer_change_nothing(sim):
    for text in ("curve cubic", "curve linear 0", "curve linear 2.5", "curve custom -1", "curve custom 1 2 3 4",
                 "curve nadeko 3"):
        await sim.command(f"unicornia guild {text}", sim.owner())
        assert sim.replies()[-1].content  # a reason, not silence
    said = await confirmed(sim, "unicornia guild curve mee6", answer="no")
    assert "Nothing was changed" in said
    assert (await sim.cog.settings.get(sim.guild.id)).curve.kind == "nadeko"
    await sim.command("unicornia guild curve nadeko", sim.owner())
    assert "already" in sim.replies()[-1].content


async def test_non_admins_cannot_change_the_curve(sim):
    import pytest
    from redbot.core import commands
    alice = members(sim)[0]
    with pytest.raises(commands.CheckFailure):
        await sim.command("unicornia guild curve mee6", alice)
    assert (await sim.cog.settings.get(sim.guild.id)).curve.kind == "nadeko"


async def test_xp_per_message_range_gives_amounts_across_the_range_after_the_rate(sim, clock):
    alice = members(sim)[0]
    await _admin(sim, "activity xpcap 0", "cooldown 0", "xprate 2", "xppermessage 15 25")
    await sim.command("unicornia guild settings", sim.owner())
    assert "15-25" in sim.replies()[-1].content
    seen = Counter()
    total = 0
    for i in range(120):
        before = await sim.cog.xp.current_xp((sim.guild.id, alice.id))
        await sim.say(f"message number {i}", alice)
        gained = await sim.cog.xp.current_xp((sim.guild.id, alice.id)) - before
        seen[gained] += 1
        total += gained
    assert set(seen) <= set(range(30, 51)) and len(seen) >= 8  # 15-25 doubled, spread over the range
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == total


async def test_bad_ranges_are_refused(sim):
    for text, reason in (("xppermessage 20 10", "cannot be below"), ("xppermessage 5 5000", "between 1 and 1,000"),
                         ("xppermessage 0 10", "between 1 and 1,000")):
        await sim.command(f"unicornia guild {text}", sim.owner())
        assert reason in sim.replies()[-1].content
    settings = await sim.cog.settings.get(sim.guild.id)
    assert settings.xp_per_message == 1 and settings.xp_per_message_max is None
    await _admin(sim, "xppermessage 10 30")
    await sim.command("unicornia guild xppermessage 10", sim.owner())
    assert "earns 10 XP" in sim.replies()[-1].content
    assert (await sim.cog.settings.get(sim.guild.id)).message_xp_choices == ()


async def test_a_reward_to_a_member_not_in_the_cache_crosses_levels_on_the_servers_curve(sim):
    sim.give_bot_role()
    first = sim.make_role("First", position=5)
    alice = members(sim)[0]
    await _admin(sim, "rolereward 1 First")
    await confirmed(sim, "unicornia guild curve linear 100")
    key = (sim.guild.id, alice.id)
    await sim.cog.store.award(sim.guild.id, alice.id, 90)
    await sim.cog.store.award(sim.guild.id, alice.id, 20)  # a reward the store wrote: 90 -> 110
    sim.cog.xp.cache.pop(key)  # not cached: the level is worked out from the database
    await sim.cog.xp.grant(key, 20, alice, None)
    assert first in alice.roles  # level 1 on the linear curve (NadekoBot's would still say level 2)
