"""Slash commands, their autocomplete and buttons given what a member can type or press that the
happy path never does (found by probing each with hostile values), as Discord sends them."""
import pytest
from redbot.core import bank

from tests.conftest import members
from tests.integration.test_shop import SHOP_WITH_HIDDEN, write_config


async def test_a_refused_club_icon_is_seen_by_its_owner_alone(slash):
    alice = members(slash)[0]
    (await slash.slash("club create", alice, name="Owls")).raise_errors()
    result = await slash.slash("club icon", alice, url="http://10.0.0.1/owl.png")
    assert "I can't use that icon" in result.text and result.ephemeral is True


async def test_shop_buttons_after_a_reload_say_so_privately(slash):
    alice = members(slash)[0]
    await slash.command("xpshop", alice)
    message = slash.replies()[-1]
    await slash.reload_cog()
    result = await slash.click(message, "xpshop:next", alice)
    removed, note = result.responses[0], result.responses[-1]
    assert removed.components == [] and "Unicornia was reloaded since this shop window opened" in note.content
    assert note.ephemeral is True and not result.errors


async def test_club_kick_finds_any_member_by_name_or_id_however_big_the_club(slash):
    alice = members(slash)[0]
    await slash.command("club create Owls", alice)
    club = await slash.cog.store.club_of(slash.guild.id, alice.id)
    crowd = [slash.make_member(f"owl{n:03}") for n in range(520)]  # more than the 500 the old choices read
    for member in crowd:
        await slash.cog.store.add_club_member(slash.guild.id, member.id, club.id)
        await slash.cog.store.award(slash.guild.id, member.id, 1000 - crowd.index(member))  # the last has least XP
    last = crowd[-1]
    assert await slash.autocomplete("club kick", alice, option="member", value="owl519") == [("owl519", str(last.id))]
    assert await slash.autocomplete("club kick", alice, option="member", value=str(last.id)) == \
        [("owl519", str(last.id))]
    assert len(await slash.autocomplete("club kick", alice, option="member", value="")) == 25
    assert await slash.autocomplete("club kick", alice, option="member", value=str(2 ** 63)) == []


@pytest.mark.parametrize("typed", [" ", "\u00a0", "\x1f"])
async def test_club_kick_with_nothing_in_it_is_refused_like_any_unknown_member(slash, typed):
    alice = members(slash)[0]
    await slash.command("club create Owls", alice)
    result = await slash.slash("club kick", alice, member=typed)
    assert "I can't find the member" in result.text and result.ephemeral is True


@pytest.mark.parametrize("name, refusal", [
    ("discord.gg/raidnow", "can't contain links"), ("dsc.gg/raid", "can't contain links"),
    ("www.evil.test", "can't contain links"), ("\u3164", "Give the club a name"), ("\u2800\u2800", "Give the club a name"),
    ("\u0301\u0301", "Give the club a name"),
])
async def test_club_names_that_are_links_or_look_blank_are_refused(slash, name, refusal):
    alice = members(slash)[0]
    result = await slash.slash("club create", alice, name=name)
    assert refusal in result.text and result.ephemeral is True
    assert await slash.cog.store.club_of(slash.guild.id, alice.id) is None


async def test_a_hidden_background_not_owned_is_as_unknown_as_a_missing_one(slash):
    alice = members(slash)[0]
    write_config(slash, SHOP_WITH_HIDDEN)  # its `secret` is hidden
    await slash.command("xpshop reload", slash.owner())
    await bank.set_balance(alice, 5000)
    hidden = await slash.slash("xpshop use", alice, key="secret")
    missing = await slash.slash("xpshop use", alice, key="nothing-like-it")
    assert "Secret" not in hidden.text and hidden.text == missing.text.replace("nothing-like-it", "secret")


async def test_a_later_page_of_an_empty_board_says_it_is_empty_privately(slash):
    alice = members(slash)[0]
    for everyone in (False, True):
        result = await slash.slash("level leaderboard", alice, page=5, sort="voice", everyone=everyone)
        assert "Nobody has spent time in voice here yet." in result.text and result.ephemeral is True


async def test_xpstats_days_are_the_days_given_even_with_a_number_for_who(slash):
    alice = members(slash)[0]
    await slash.say("hello from alice", alice)
    result = (await slash.slash("level xpstats", alice, who="7", days=30)).raise_errors()
    assert "I can't find the member `7`" in result.text
