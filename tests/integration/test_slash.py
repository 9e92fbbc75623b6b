"""Unicornia's slash commands, driven as Discord sends them: genuine INTERACTION_CREATE payloads
through discord.py's parser and Red's command tree, every response recorded at the HTTP layer
(harness/interactions.py). The same hybrid commands answer the prefix tests elsewhere."""
import io
import logging

import pytest
from discord.utils import escape_markdown
from PIL import Image
from redbot.core import bank

from tests.conftest import members

MEMBER_COMMANDS = {"level", "xpshop", "club", "daily", "quests", "achievements", "nextachievement", "unicornia"}
#: `/unicornia` is a plain app command group for admins holding only `setup`; every other
#: `[p]unicornia` subcommand stays prefix-only.
APP_ONLY = {"unicornia"}


@pytest.fixture
async def slash(sim):
    """The bot with Unicornia's slash commands enabled as the owner does (`[p]slash enablecog`)."""
    enabled = await sim.enable_app_commands("unicornia")
    assert set(enabled) == MEMBER_COMMANDS
    return sim


def tree_command(sim, path: str):
    *groups, name = path.split()
    command = sim.bot.tree.get_command(groups[0] if groups else name)
    for part in [*groups[1:], name] if groups else []:
        command = command.get_command(part)
    return command


def test_tree_shape_fits_discords_limits_and_admin_settings_stay_prefix(sim):
    """`[p]slash enablecog` lists what the tree would hold; checked here without enabling."""
    cog = sim.cog
    apps = {c.name: c.app_command for c in cog.walk_commands() if c.parent is None and getattr(c, "app_command", None)}
    assert set(apps) == MEMBER_COMMANDS - APP_ONLY
    plain = {c.name: c for c in cog.get_app_commands()}
    assert set(plain) == APP_ONLY
    assert {c.name for c in plain["unicornia"].commands} == {"setup"}
    assert plain["unicornia"].default_permissions.manage_guild and plain["unicornia"].guild_only
    apps.update(plain)
    assert {c.name for c in apps["level"].commands} == {"check", "leaderboard", "profile", "xpstats", "rewards", "goal",
                                                       "card", "notify", "weekly", "monthly", "private"}
    assert {c.name for c in apps["level"].get_command("card").commands} == {"colour", "style", "preview", "reset"}
    assert {c.name for c in apps["xpshop"].commands} == {"browse", "buy", "use", "owned"}
    assert {c.name for c in apps["club"].commands} == {"create", "join", "leave", "icon", "kick", "transfer",
                                                       "disband", "info", "leaderboard"}
    for app in apps.values():
        for command in [app, *getattr(app, "walk_commands", lambda: [])()]:
            assert 1 <= len(command.description) <= 100, command.qualified_name
            for param in getattr(command, "parameters", []):
                assert 1 <= len(param.description) <= 100, (command.qualified_name, param.name)
        assert len(getattr(app, "commands", [])) <= 25
    assert sim.bot.get_command("unicornia").cog is cog and not hasattr(sim.bot.get_command("unicornia"), "app_command")


async def test_level_check_defers_then_posts_the_card_publicly(slash):
    alice, bob = members(slash)[:2]
    await slash.say("a few words from bob", bob)
    result = (await slash.slash("level check", alice, member=bob)).raise_errors()
    assert result.deferred and result.ephemeral is False
    [(name, data)] = result.files
    assert name.endswith(".png") and Image.open(io.BytesIO(data)).size[0] > 300
    assert escape_markdown(bob.display_name) in result.text


async def test_refusals_and_cooldowns_are_ephemeral_cards_and_boards_public(slash):
    alice = members(slash)[0]
    await slash.say("alice says hello to all", alice)
    board = await slash.slash("level leaderboard", alice)
    assert board.ephemeral is False and "leaderboard" in board.text and "1 XP" in board.text
    refused = await slash.slash("level leaderboard", alice, page=500)
    assert refused.ephemeral is True and "Pick a page from 1 to 100" in refused.text
    for _ in range(3):
        await slash.slash("level check", alice)
    cooled = await slash.slash("level check", alice)
    assert cooled.ephemeral is True and "on cooldown" in cooled.text and not cooled.files
    off = await slash.slash("quests", alice)
    assert off.ephemeral is True and off.text == "Quests are off in this server."
    goal_off = await slash.slash("level goal", alice)
    assert goal_off.ephemeral is True


async def test_every_member_slash_command_answers(slash):
    alice, bob = members(slash)[:2]
    await slash.say("some words from alice", alice)
    answers = {}
    for path, options in [("level profile", {"member": bob}), ("level rewards", {}), ("level xpstats", {}),
                          ("level xpstats", {"who": "server", "days": 7}), ("daily", {}), ("achievements", {}),
                          ("nextachievement", {}), ("xpshop browse", {}), ("xpshop owned", {}),
                          ("club leaderboard", {}), ("club info", {})]:
        result = await slash.slash(path, alice, **options)
        assert result.acknowledged and result.errors == [] and result.text or result.files, (path, result.responses)
        answers[path] = result
    assert answers["daily"].ephemeral is False and "You claimed" in answers["daily"].text
    assert answers["xpshop owned"].ephemeral is True
    assert answers["level xpstats"].files and answers["level xpstats"].deferred
    assert answers["level xpstats"].ephemeral is False
    again = await slash.slash("daily", alice)
    assert again.ephemeral is True and "already claimed" in again.text


async def test_clubs_through_slash_with_autocomplete(slash):
    alice, bob = members(slash)[:2]
    created = await slash.slash("club create", alice, name="Night Owls")
    assert created.ephemeral is False and "Created **Night Owls**" in created.text
    assert await slash.autocomplete("club join", bob, option="name", value="nig") == [("Night Owls", "Night Owls")]
    assert await slash.autocomplete("club join", bob, option="name", value="zzz") == []
    joined = await slash.slash("club join", bob, name="Night Owls")
    assert "You joined **Night Owls**" in joined.text
    taken = await slash.slash("club create", bob, name="Larks")
    assert taken.ephemeral is True  # a refusal: bob is already in a club
    kickable = await slash.autocomplete("club kick", alice, option="member", value="")
    assert kickable == [(bob.display_name, str(bob.id))]
    kicked = await slash.slash("club kick", alice, member=str(bob.id))
    assert "is no longer a member of **Night Owls**" in kicked.text
    left = await slash.slash("club leave", bob)
    assert left.ephemeral is True and "not in a club" in left.text.lower()


async def test_xpshop_buy_and_use_autocomplete_what_you_can_buy_and_what_you_own(slash):
    alice = members(slash)[0]
    await bank.set_balance(alice, 100_000)
    offered = await slash.autocomplete("xpshop buy", alice, option="key", value="sun")
    assert ("Sunset Drive (sunset)", "sunset") in offered and all("sun" in v or "sun" in n.lower() for n, v in offered)
    bought = await slash.slash("xpshop buy", alice, key="sunset")
    assert bought.ephemeral is False and "You bought **Sunset Drive**" in bought.text
    assert "sunset" not in [v for _, v in await slash.autocomplete("xpshop buy", alice, option="key", value="")]
    owned = [v for _, v in await slash.autocomplete("xpshop use", alice, option="key", value="")]
    assert "sunset" in owned and "default" in owned
    used = await slash.slash("xpshop use", alice, key="sunset")
    assert used.ephemeral is False and "now your card background" in used.text
    again = await slash.slash("xpshop buy", alice, key="sunset")
    assert again.ephemeral is True and "already own" in again.text


async def test_an_internal_error_is_told_to_the_caller_and_logged(slash, monkeypatch, caplog):
    alice = members(slash)[0]

    async def broken(*args, **kwargs):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(slash.cog.goals, "claim_daily", broken)
    with caplog.at_level(logging.ERROR):
        result = await slash.slash("daily", alice)
    assert result.acknowledged and result.ephemeral is True and "Something went wrong" in result.text
    assert any("Slash command daily failed" in r.getMessage() for r in caplog.records)


async def test_club_owner_actions_through_slash(slash):
    """/club icon, /club transfer and /club disband; the last two ask for a typed `yes`."""
    import asyncio

    alice, bob = members(slash)[:2]
    await slash.slash("club create", alice, name="Larks")
    await slash.slash("club join", bob, name="Larks")
    cleared = await slash.slash("club icon", alice, url="none")
    assert cleared.errors == [] and "no longer has an icon" in cleared.text
    refused = await slash.slash("club icon", bob, url="none")
    assert refused.ephemeral is True  # only the owner

    asked = await slash.slash("club transfer", alice, member=bob)
    assert "Type `yes`" in asked.text and asked.ephemeral is False
    with slash.interactions.recording() as log:
        await slash.say("yes", alice)
        for _ in range(100):
            if any(sent.text for sent in log if "now owns" in sent.text):
                break
            await asyncio.sleep(0.01)
    assert any("now owns **Larks**" in sent.text for sent in log), log
    asked = await slash.slash("club disband", bob)
    assert "Disband **Larks**" in asked.text
    with slash.interactions.recording() as log:
        await slash.say("yes", bob)
        for _ in range(100):
            if any("was disbanded" in sent.text for sent in log):
                break
            await asyncio.sleep(0.01)
    assert any("was disbanded" in sent.text for sent in log), log
    assert await slash.cog.store.club_of(slash.guild.id, alice.id) is None
