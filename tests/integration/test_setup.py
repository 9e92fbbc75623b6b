"""The guided setup (`[p]unicornia setup` and `/unicornia setup`), driven through genuine
interaction payloads: slash commands, button clicks and select picks (harness/interactions.py)."""
import asyncio

import discord
import pytest
from discord.ext.test import backend as fake
from redbot.core import commands

from harness.interactions import UPDATE
from tests.conftest import live, members

SETUP_KEYS = ("enabled", "announce_mode", "announce_channel", "achievements_enabled", "quests_enabled",
              "goal_enabled", "xp_per_message", "cooldown", "quests_seeded")


def admin(sim) -> discord.Member:
    """An ordinary member with Manage Server (not the bot owner, not the server owner)."""
    managers = fake.make_role("Managers", sim.guild, permissions=discord.Permissions(manage_guild=True).value)
    member = members(sim)[0]
    sim.set_roles(member, [managers])
    return member


async def stored(sim) -> dict:
    everything = await sim.cog.config.guild(sim.guild).all()
    return {key: everything[key] for key in SETUP_KEYS}


def content(result) -> str:
    """The wizard message as it stands after ``result``."""
    return result.messages()[-1]["content"]


def components(result) -> dict[str, dict]:
    return {c["custom_id"]: c for row in result.messages()[-1]["components"] for c in row["components"]}


def options(component: dict) -> dict[str, dict]:
    return {o["value"]: o for o in component["options"]}


async def walk(sim, wizard, member, *steps):
    """``member`` presses buttons (by label) and picks in selects (``(custom_id, values)``) in turn;
    returns the last result."""
    for step in steps:
        if isinstance(step, tuple):
            result = await sim.select(wizard, step[0], step[1], member)
        else:
            result = await sim.click(wizard, step, member)
        result.raise_errors()
    return result


async def test_slash_happy_path_saves_everything_on_confirm(slash):
    owner = slash.owner()
    levels = slash.make_text_channel("level-ups")
    before = await stored(slash)
    assert await slash.cog.goals.quests_of(slash.guild.id) == []

    wizard = (await slash.slash("unicornia setup", owner)).raise_errors()
    assert wizard.ephemeral is False and "step 1 of 5: XP" in wizard.text and "Now: **on**" in wizard.text
    assert components(wizard)["unicornia-setup:back"]["disabled"] is True
    step = await slash.click(wizard, "Next", owner)
    assert [s.response_type for s in step.responses] == [UPDATE] and "step 2 of 5: Level-ups" in content(step)

    picked = (await slash.select(wizard, "unicornia-setup:announce:channel", [levels], owner)).raise_errors()
    assert f"your choice: **in <#{levels.id}>**" in content(picked)
    assert components(picked)["unicornia-setup:announce:channel"]["default_values"] == [
        {"id": levels.id, "type": "channel"}]

    await slash.click(wizard, "Next", owner)
    extras = await slash.select(wizard, "unicornia-setup:extras", ["achievements", "quests"], owner)
    assert "achievements on, quests on, server goal off" in content(extras)

    rates = await slash.click(wizard, "Next", owner)
    offered = components(rates)
    assert list(options(offered["unicornia-setup:xp_per_message"])) == ["1", "2", "3", "5", "10"]
    assert options(offered["unicornia-setup:xp_per_message"])["1"]["label"] == "1 XP per message (current)"
    assert options(offered["unicornia-setup:cooldown"])["60"]["label"] == "At most once every 1 minute (current)"
    await slash.select(wizard, "unicornia-setup:xp_per_message", ["5"], owner)
    chosen = await slash.select(wizard, "unicornia-setup:cooldown", ["30"], owner)
    assert options(components(chosen)["unicornia-setup:cooldown"])["30"]["default"] is True

    summary = await slash.click(wizard, "Next", owner)
    text = content(summary)
    assert "step 5 of 5: Summary" in text and "Confirm" in [c.get("label") for c in components(summary).values()]
    assert f"Level-ups announced: **in <#{levels.id}>** (currently where they happen)" in text
    assert "XP per message: **5** (currently 1)" in text
    assert "Message XP cooldown: **30 seconds** (currently 1 minute)" in text
    assert "adds a starter set of quests" in text
    back = await slash.click(wizard, "Back", owner)  # and forward again: the choices are kept
    assert "step 4 of 5" in content(back) and "your choice **5**" in content(back)
    await slash.click(wizard, "Next", owner)
    assert await stored(slash) == before  # nothing until Confirm

    done = (await slash.click(wizard, "Confirm", owner)).raise_errors()
    final = content(done)
    assert components(done) == {}
    assert "saved" in final and "XP per message: **5**, with `!unicornia guild xppermessage <amount>`" in final
    for command in ("!unicornia guild xpenabled", "!unicornia guild levelup where", "!unicornia guild achievement "
                    "toggle", "!unicornia guild quest toggle", "!unicornia guild goal", "!unicornia guild cooldown"):
        assert command in final
    assert "Added the starter quests:" in final

    after = await stored(slash)
    assert after == {**before, "announce_mode": "set", "announce_channel": levels.id, "achievements_enabled": True,
                     "quests_enabled": True, "xp_per_message": 5, "cooldown": 30, "quests_seeded": True}
    settings = await slash.cog.settings.get(slash.guild.id)  # the cache the XP engine reads follows
    assert (settings.cooldown, settings.xp_per_message, settings.announce_mode) == (30, 5, "set")
    quests = await slash.cog.goals.quests_of(slash.guild.id)
    assert len(quests) == 6 and all(q.name in final for q in quests)
    with pytest.raises(LookupError, match="no component"):
        await slash.click(wizard, "Confirm", owner)


async def test_prefix_setup_by_a_manage_server_admin(sim):
    manager = admin(sim)
    await sim.command("unicornia setup", manager)
    message = sim.replies()[-1]
    assert "step 1 of 5: XP" in message.content

    off = await sim.click(message, "XP off", manager)
    assert off.answer.message_id == message.id and "your choice: **off**" in content(off)
    summary = await walk(sim, message, manager, "Next", "Off", "Next", ("unicornia-setup:extras", ["goal"]), "Next",
                         "Next")
    assert "XP: **off** (currently on)" in content(summary)
    assert "Server goal: **on** (currently off)" in content(summary)
    done = (await sim.click(message, "Confirm", manager)).raise_errors()
    assert "`!unicornia guild goal <true|false>`" in content(done)
    assert await stored(sim) == {"enabled": False, "announce_mode": "off", "announce_channel": None,
                                 "achievements_enabled": False, "quests_enabled": False, "goal_enabled": True,
                                 "xp_per_message": 1, "cooldown": 60, "quests_seeded": False}
    assert await sim.cog.goals.quests_of(sim.guild.id) == []


async def test_cancel_changes_nothing(slash):
    owner = slash.owner()
    before = await stored(slash)
    wizard = await slash.slash("unicornia setup", owner)
    cancelled = await walk(slash, wizard, owner, "XP off", "Next", "By DM", "Next",
                           ("unicornia-setup:extras", ["achievements", "quests", "goal"]), "Next", "Next", "Cancel")
    assert "Setup cancelled; nothing was changed." in content(cancelled) and components(cancelled) == {}
    assert await stored(slash) == before
    assert await slash.cog.goals.quests_of(slash.guild.id) == []


async def test_timeout_changes_nothing_and_disables_the_components(slash):
    owner = slash.owner()
    before = await stored(slash)
    wizard = await slash.slash("unicornia setup", owner)
    await walk(slash, wizard, owner, "Next", "Off")
    view = slash.bot._connection._view_store._synced_message_views[wizard.answer.message_id]
    with slash.interactions.recording() as log:
        view.stop()  # what discord.py does when the timeout passes, without the wait
        await view.on_timeout()
    [edit] = [sent for sent in log if sent.message_id == wizard.answer.message_id][-1:]
    assert "Setup timed out; nothing was changed." in edit.content and "`!unicornia setup`" in edit.content
    assert all(c["disabled"] for row in edit.components for c in row["components"])
    assert await stored(slash) == before


async def test_prefix_timeout_with_a_tiny_timeout(sim, monkeypatch):
    monkeypatch.setattr(live("commands.setup"), "SETUP_TIMEOUT", 0.05)
    before = await stored(sim)
    await sim.command("unicornia setup", sim.owner())
    message = sim.replies()[-1]
    view = sim.bot._connection._view_store._synced_message_views[message.id]
    assert await asyncio.wait_for(view.wait(), 2) is True  # True: it timed out
    for _ in range(100):  # the timeout handler runs in a task of its own
        edited = await message.channel.fetch_message(message.id)
        if "timed out" in edited.content:
            break
        await asyncio.sleep(0.01)
    assert "Setup timed out; nothing was changed." in edited.content
    assert all(child.disabled for row in edited.components for child in row.children)
    assert await stored(sim) == before


async def test_only_the_invoking_admin_may_press(sim):
    owner = sim.owner()
    bob = members(sim)[1]
    await sim.command("unicornia setup", owner)
    message = sim.replies()[-1]
    refused = await sim.click(message, "Next", bob)
    assert refused.ephemeral is True and refused.text == "This setup is not yours."
    refused = await sim.click(message, "Cancel", bob)
    assert refused.text == "This setup is not yours."
    moved = await sim.click(message, "Next", owner)
    assert "step 2 of 5" in content(moved)


async def test_non_admins_are_refused(slash):
    alice = members(slash)[0]
    with pytest.raises(commands.CheckFailure):
        await slash.command("unicornia setup", alice)
    assert not [m for m in slash.replies() if "setup" in m.content]

    refused = await slash.slash("unicornia setup", alice)
    assert refused.acknowledged and refused.ephemeral is True and "Only server admins" in refused.text
    assert refused.answer.components == []

    admins = fake.make_role("Admins", slash.guild)  # Red's admin role, no Discord permission
    await slash.bot._config.guild(slash.guild).admin_role.set([admins.id])
    slash.set_roles(alice, [admins])
    allowed = await slash.slash("unicornia setup", alice)
    assert allowed.ephemeral is False and "step 1 of 5" in allowed.text


async def test_a_channel_the_bot_cannot_send_in_is_refused_with_a_note(slash):
    owner = slash.owner()
    quiet = slash.make_text_channel("quiet")
    # a read-only channel: @everyone may not post, the bot (which has no role of its own) included
    fake.update_text_channel(quiet, slash.guild.default_role, discord.PermissionOverwrite(send_messages=False))
    quiet = slash.guild.get_channel(quiet.id)
    assert not quiet.permissions_for(slash.guild.me).send_messages
    wizard = await slash.slash("unicornia setup", owner)
    await slash.click(wizard, "Next", owner)
    refused = (await slash.select(wizard, "unicornia-setup:announce:channel", [quiet], owner)).raise_errors()
    text = content(refused)
    assert f"I can't send messages in <#{quiet.id}>" in text and "your choice: **where they happen**" in text
    again = await slash.click(wizard, "Next", owner)  # the note is shown once
    assert "can't send" not in content(again)
    summary = await walk(slash, wizard, owner, "Next", "Next")
    assert "Level-ups announced: **where they happen**" in content(summary)
    await slash.click(wizard, "Confirm", owner)
    assert (await stored(slash))["announce_channel"] is None


async def test_an_admin_who_loses_the_right_mid_way_saves_nothing(sim):
    manager = admin(sim)
    before = await stored(sim)
    await sim.command("unicornia setup", manager)
    message = sim.replies()[-1]
    await walk(sim, message, manager, "XP off", "Next", "Next", "Next", "Next")
    sim.set_roles(manager, [])  # Manage Server taken away while the wizard was open
    refused = await walk(sim, message, manager, "Confirm")
    assert "no longer allowed" in content(refused) and components(refused) == {}
    assert await stored(sim) == before


async def test_two_setups_at_once_the_later_confirm_saves_nothing(sim):
    manager, owner = admin(sim), sim.owner()
    await sim.command("unicornia setup", manager)
    first = sim.replies()[-1]
    await sim.command("unicornia setup", owner)
    second = sim.replies()[-1]
    await walk(sim, first, manager, "XP off", "Next", "Next", "Next", "Next")
    await walk(sim, second, owner, "Next", "Next", "Next", "Next")  # owner would keep XP on
    (await sim.click(first, "Confirm", manager)).raise_errors()
    assert (await stored(sim))["enabled"] is False
    after_first = await stored(sim)
    stale = await walk(sim, second, owner, "Confirm")
    assert "changed since this setup started" in content(stale) and components(stale) == {}
    assert await stored(sim) == after_first  # the first admin's choice stands


async def test_a_setting_changed_by_command_mid_setup_is_not_undone(sim):
    manager = admin(sim)
    await sim.command("unicornia setup", manager)
    message = sim.replies()[-1]
    await walk(sim, message, manager, "Next", "Next", "Next", "Next")
    await sim.command("unicornia guild xppermessage 7", sim.owner())
    stale = await walk(sim, message, manager, "Confirm")
    assert "changed since this setup started" in content(stale)
    assert (await stored(sim))["xp_per_message"] == 7
