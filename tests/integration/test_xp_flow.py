"""XP accrual through a real Red bot: messages, cooldown, toggles, rates, exclusions, the flush."""
import logging
import sqlite3

from tests.conftest import chatter, db_rows, members, stored_xp


async def test_messages_earn_xp_once_per_cooldown_and_flush_to_sqlite(sim, clock):
    alice = members(sim)[0]
    for _ in range(3):
        await sim.say("hello everyone", alice)
    assert stored_xp(sim, alice) is None  # nothing written on the message path
    clock.advance(59)
    await sim.say("still here", alice)
    clock.advance(1)
    await sim.say("and again", alice)
    assert await sim.cog.xp.flush()
    # every message counts; two earned XP (the others were inside the cooldown)
    assert db_rows(sim, "SELECT Xp, AwardedXp, MessageCount FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(2, 0, 5)]
    assert await sim.cog.store.total_xp(alice.id) == 2
    assert sim.cog.xp.buffer == {}


async def test_bots_webhooks_and_commands_earn_nothing(sim):
    robot = sim.make_member("Robot", bot=True)
    await sim.say("beep boop beep", robot)
    alice = members(sim)[0]
    await sim.command("level check", alice)  # a command is not chat activity
    sim.replies()
    assert await sim.cog.xp.flush()
    assert db_rows(sim, "SELECT COUNT(*) FROM UserXpStats WHERE Xp > 0 OR MessageCount > 0") == [(0,)]
    # the command is counted (command XP is 0 by default), the bot is not
    assert db_rows(sim, "SELECT CommandCount FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(1,)]
    assert db_rows(sim, "SELECT COUNT(*) FROM UserXpStats WHERE UserId = ?", (robot.id,)) == [(0,)]


async def test_toggle_rate_and_xp_per_message(sim, clock):
    owner, alice = sim.owner(), members(sim)[0]
    await sim.command("unicornia guild xpenabled false", owner)
    await sim.say("nobody hears me", alice)
    assert (sim.guild.id, alice.id) not in sim.cog.xp.buffer
    await sim.command("unicornia guild xpenabled true", owner)
    await sim.command("unicornia guild xppermessage 3", owner)
    await sim.command("unicornia guild xprate 2", owner)
    sim.replies()
    await sim.say("now it counts", alice)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 6


async def test_cooldown_zero_counts_every_message(sim):
    alice = members(sim)[0]
    await sim.command("unicornia guild cooldown 0", sim.owner())
    await chatter(sim, alice, 5)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 5


async def test_channel_category_thread_and_role_exclusions(sim, clock):
    owner, alice = sim.owner(), members(sim)[0]
    category = sim.make_category("Off-topic")
    inside = sim.make_text_channel("memes", category=category)
    plain = sim.make_text_channel("general")
    thread = sim.make_thread(plain, "a thread")
    await sim.command(f"unicornia guild excludechannel {category.id}", owner)
    await sim.command(f"unicornia guild excludechannel {plain.id}", owner)
    sim.replies()
    await sim.say("in the category", alice, channel=inside)
    await sim.say("in a thread of an excluded channel", alice, channel=thread)
    await sim.say("in the channel itself", alice, channel=plain)
    assert (sim.guild.id, alice.id) not in sim.cog.xp.buffer
    # the cached exclusions follow the admin's change at once
    await sim.command(f"unicornia guild includechannel {plain.id}", owner)
    await sim.say("in a thread again", alice, channel=thread)
    assert sim.cog.xp.buffer[(sim.guild.id, alice.id)].xp == 1

    muted = sim.make_role("Muted")
    bob = members(sim)[1]
    sim.set_roles(bob, [muted])
    await sim.command("unicornia guild excluderole Muted", owner)
    await sim.say("I am muted", bob)
    assert (sim.guild.id, bob.id) not in sim.cog.xp.buffer
    await sim.command("unicornia guild exclusions", owner)
    listing = sim.replies()[-1].content
    assert "Muted" in listing and str(category.id) in listing


async def test_rules_changed_while_a_member_talks_apply_to_their_next_message(sim, clock):
    """The message path remembers where a member was last admitted; every change to who may earn
    where (an excluded channel, an excluded role given, XP turned off) must still stop the next message."""
    owner, alice = sim.owner(), members(sim)[0]
    xp = sim.cog.xp
    key = (sim.guild.id, alice.id)
    channel = sim.guild.text_channels[0]

    async def earns(text: str) -> bool:
        before = xp.buffer[key].xp if key in xp.buffer else 0
        clock.advance(61)
        await sim.say(text, alice, channel=channel)
        return (xp.buffer[key].xp if key in xp.buffer else 0) > before

    assert await earns("first words here") and await earns("second words here")
    await sim.command(f"unicornia guild excludechannel {channel.id}", owner)
    assert not await earns("in a channel just excluded")
    await sim.command(f"unicornia guild includechannel {channel.id}", owner)
    assert await earns("back in the channel")

    muted = sim.make_role("Muted")
    await sim.command("unicornia guild excluderole Muted", owner)
    assert await earns("not muted yet")
    sim.set_roles(alice, [muted])
    await sim.settle()
    assert not await earns("muted now")
    sim.set_roles(alice, [])
    await sim.settle()
    assert await earns("unmuted again")

    await sim.command("unicornia guild xpenabled false", owner)
    assert not await earns("xp is off")
    await sim.command("unicornia guild xpenabled true", owner)
    assert await earns("xp is on again")


async def test_reload_and_unload_lose_nothing(sim):
    alice = members(sim)[0]
    await sim.say("before reload", alice)
    await sim.reload_cog()
    assert stored_xp(sim, alice) == 1
    sim.cog.xp.clock = lambda: 10_000.0
    await sim.say("after reload", alice)
    await sim.unload_cog()
    assert stored_xp(sim, alice) == 2


async def test_failed_flush_keeps_gains_and_logs_once(sim, caplog):
    alice, bob = members(sim)[:2]
    await sim.cog.store.set_busy_timeout(20)
    await sim.say("hello there", alice)
    blocker = sqlite3.connect(sim.cog.data_path / "unicornia.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.ERROR, logger="red.unicornia.xp"):
            assert not await sim.cog.xp.flush()
            await sim.say("more while the disk is locked", bob)
            assert not await sim.cog.xp.flush()
        errors = [r for r in caplog.records if r.name == "red.unicornia.xp" and r.levelno >= logging.ERROR]
        assert len(errors) == 1  # once per failure streak, not once per attempt
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert await sim.cog.xp.flush()
    assert (stored_xp(sim, alice), stored_xp(sim, bob)) == (1, 1)


async def test_unload_with_locked_database_spills_and_next_load_restores(sim, clock):
    from tests.conftest import REPO_ROOT

    alice = members(sim)[0]
    await sim.cog.store.set_busy_timeout(20)
    await sim.say("about to be spilled", alice)
    data_path = sim.cog.data_path
    blocker = sqlite3.connect(data_path / "unicornia.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        await sim.unload_cog()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert (data_path / "pending_gains.json").exists()
    await sim.command("load unicornia", sim.owner())
    sim.replies()
    assert not (data_path / "pending_gains.json").exists()
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 1


async def test_cache_bound_keeps_xp_exact_after_eviction(sim):
    from unicornia.core.lru import LRUCache

    xp = sim.cog.xp
    xp.cache = LRUCache(2)
    await sim.command("unicornia guild cooldown 0", sim.owner())
    crowd = [sim.make_member(f"crowd{i}") for i in range(6)]
    for round_ in range(3):
        for person in crowd:
            await sim.say(f"hello there, round {round_}", person)
        if round_ == 1:
            assert await xp.flush()
    assert len(xp.cache) <= 2
    assert await xp.flush()
    assert [stored_xp(sim, p) for p in crowd] == [3] * 6
    assert await xp.current_xp((sim.guild.id, crowd[0].id)) == 3


async def test_activity_map_is_pruned(sim, clock):
    xp = sim.cog.xp
    for person in members(sim):
        await sim.say("hello there", person)
    assert len(xp.activity) == len(members(sim))
    clock.advance(61)
    assert xp.prune_activity() == 0  # still buffered: each list rides on its gain until the flush
    assert await xp.flush()  # as the flush loop does: flush, then prune
    assert xp.prune_activity() == len(members(sim))
    assert xp.activity == {}


async def test_a_buffered_gain_follows_its_member_into_a_new_cache_entry(sim):
    """The message path keeps a pointer to the member's cache entry on their gain; once the
    entry leaves the cache, the next message must find the new one, not the old."""
    from unicornia.core.lru import LRUCache

    xp = sim.cog.xp
    xp.cache = LRUCache(1)
    await sim.command("unicornia guild cooldown 0", sim.owner())
    await sim.command("unicornia guild activity xpcap 0", sim.owner())
    alice, bob, carol = members(sim)[:3]
    key = (sim.guild.id, alice.id)
    await sim.say("alice says one thing", alice)
    await sim.say("alice says another thing", alice)  # cached now: the gain points at the entry
    await sim.say("bob says something", bob)  # alice's entry was used: it gets a second chance
    await sim.say("carol says something", carol)  # now it goes
    assert key not in xp.cache
    assert await xp.current_xp(key) == 2  # alice is read into a new entry
    await sim.say("alice says a third thing", alice)
    assert await xp.current_xp(key) == 3
