"""Clubs through a real Red bot: every command, every refusal leaving the database as it was,
icons through the downloader against a real local HTTP server, and the club on the XP card."""
import asyncio
import io
import ipaddress
import logging
import sys

import discord
import pytest
from discord.ext.test import backend as fake
from PIL import Image

from tests.conftest import db_rows, live, members, record_cards
from tests.imagekit import ImageServer
from unicornia.core.card_layout import DEFAULT_STYLE, STYLES

_ICON = STYLES[DEFAULT_STYLE].club_icon
ICON_BOX_CENTRE = ((_ICON[0] + _ICON[2]) // 2, (_ICON[1] + _ICON[3]) // 2)  # the default style's club icon
SERVER_PNG = (200, 30, 90)  # the colour of the test server's /ok.png


@pytest.fixture
async def server():
    srv = await ImageServer().start()
    yield srv
    await srv.stop()


def allow_test_server(sim) -> None:
    """Swap the cards' downloader for one whose test-only allow-list reaches the local server."""
    downloads = live("systems.downloader")
    sim.cog.cards.downloader = downloads.SafeDownloader(
        resolver=downloads.StaticResolver({"images.test": ["127.0.0.1"]}),
        allow=[ipaddress.ip_network("127.0.0.0/8")], timeout=2)


async def reply(sim, text: str, member) -> str:
    await sim.command(text, member)
    return sim.replies()[-1].content


async def answer(sim, text: str, member, response: str) -> str:
    """Run a command that asks for confirmation and answer it; returns the last reply."""
    asking = asyncio.create_task(sim.command(text, member))
    await asyncio.sleep(0.05)
    await sim.say(response, member)
    await asking
    return sim.replies()[-1].content


def clubs(sim) -> list[tuple]:
    return db_rows(sim, "SELECT Name, NameKey, OwnerId, IconUrl FROM Club ORDER BY Id")


def memberships(sim) -> dict[int, str]:
    return dict(db_rows(sim, "SELECT m.UserId, c.Name FROM ClubMember m JOIN Club c ON c.Id = m.ClubId"))


def snapshot(sim) -> tuple:
    return clubs(sim), memberships(sim)


def shown(member) -> str:
    """A member's name as replies show it (markdown escaped)."""
    return discord.utils.escape_markdown(member.display_name)


async def owls_and_larks(sim) -> tuple:
    """Alice owns Owls, which Bob joined; Carol owns Larks."""
    alice, bob, carol = members(sim)[:3]
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    await sim.command("club create Larks", carol)
    return alice, bob, carol


async def xp(sim, member, amount: int) -> None:
    await sim.cog.store.award(member.guild.id, member.id, amount)


# --- create ------------------------------------------------------------------------------------
async def test_create_makes_the_owner_its_first_member(sim):
    alice = members(sim)[0]
    text = await reply(sim, 'club create "  Night   Owls "', alice)
    assert text.startswith("Created **Night Owls**; you're its owner.") and "`!club join Night Owls`" in text
    assert clubs(sim) == [("Night Owls", "night owls", alice.id, None)]
    assert memberships(sim) == {alice.id: "Night Owls"}
    created = db_rows(sim, "SELECT CreatedAt FROM Club")[0][0]
    assert db_rows(sim, "SELECT JoinedAt FROM ClubMember") == [(created,)]


@pytest.mark.parametrize("name, says", [
    ("", "Give the club a name"),
    ("A" * 21, "at most 20 characters; that one has 21"),
    ("@everyone", "can't contain mentions"),
    ("<@1234567890>", "can't contain mentions"),
    ("**Loud**", "formatting characters"),
    ("Night\nOwls", "single line"),
    ("https://x.example", "links"),
])
async def test_bad_names_are_refused_and_nothing_is_created(sim, name, says):
    alice = members(sim)[0]
    text = await reply(sim, f"club create {name}", alice)
    assert says in text
    assert clubs(sim) == [] and memberships(sim) == {}


async def test_names_are_unique_case_insensitively_and_one_club_each(sim):
    alice, bob = members(sim)[:2]
    await sim.command("club create Night Owls", alice)
    before = snapshot(sim)
    assert await reply(sim, "club create NIGHT   owls", bob) == \
        "There's already a club called **Night Owls** here; pick another name."
    assert await reply(sim, "club create Larks", alice) == (
        "You own **Night Owls**. Hand it over with `!club transfer <member>` or end it with `!club disband` first.")
    await sim.command("club join night owls", bob)
    assert await reply(sim, "club create Larks", bob) == \
        "You're already in **Night Owls**; leave it first with `!club leave`."
    assert clubs(sim) == before[0] and set(memberships(sim)) == {alice.id, bob.id}


async def test_clubs_are_per_guild(tmp_path, monkeypatch):
    from harness.redbot_env import start_bot
    from tests.conftest import REPO_ROOT

    monkeypatch.chdir(tmp_path)
    for name in [n for n in sys.modules if n == "unicornia" or n.startswith("unicornia.")]:
        monkeypatch.delitem(sys.modules, name)  # as the sim fixture does: Red imports its own copy
    sim = await start_bot(tmp_path / "red-data", guilds=2)
    try:
        await sim.load_cog(REPO_ROOT)
        sim.db_path = sim.cog.data_path / "unicornia.db"
        first, second = sim.guilds
        alice_here = members(sim, first)[0]
        alice_there = members(sim, second)[0]
        await sim.command("club create Owls", alice_here)
        await sim.command("club create Owls", alice_there)
        assert sim.replies()[-1].content.startswith("Created **Owls**")
        assert db_rows(sim, "SELECT GuildId FROM Club ORDER BY Id") == [(first.id,), (second.id,)]
        assert "no club called **Larks**" in await reply(sim, "club info Larks", alice_there)
    finally:
        await sim.close()


# --- join and leave ----------------------------------------------------------------------------
async def test_join_and_leave(sim):
    alice, bob, carol = members(sim)[:3]
    await sim.command("club create Night Owls", alice)
    await sim.command("club create Larks", carol)
    assert await reply(sim, "club join", bob) == \
        "Which club? For example `!club join Night Owls`; `!club leaderboard` lists them all."
    assert await reply(sim, "club join Day **Owls**", bob) == \
        "There's no club called **Day \\*\\*Owls\\*\\*** here. See `!club leaderboard` for the list."
    assert await reply(sim, 'club join "night owls"', bob) == \
        "You joined **Night Owls**. Your XP now counts for the club."
    assert await reply(sim, "club join Night Owls", bob) == "You're already in **Night Owls**."
    assert await reply(sim, "club join Larks", bob) == \
        "You're already in **Night Owls**; leave it first with `!club leave`."
    assert memberships(sim)[bob.id] == "Night Owls"
    assert await reply(sim, "club leave", bob) == "You left **Night Owls**."
    assert bob.id not in memberships(sim)
    assert (await reply(sim, "club leave", bob)).startswith("You're not in a club.")
    assert await reply(sim, "club leave", alice) == (
        "You own **Night Owls**, so you can't just leave it: hand it to another member with "
        "`!club transfer <member>` first, or end it with `!club disband`.")
    assert memberships(sim) == {alice.id: "Night Owls", carol.id: "Larks"}


# --- owner powers ------------------------------------------------------------------------------
async def test_kick(sim):
    alice, bob, carol = await owls_and_larks(sim)
    before = snapshot(sim)
    assert await reply(sim, f"club kick {alice.id}", bob) == "Only the owner of **Owls** can kick members."
    assert (await reply(sim, f"club kick {bob.id}", sim.owner())).startswith("You're not in a club.")
    assert (await reply(sim, f"club kick {alice.id}", alice)).startswith("You can't kick yourself.")
    assert await reply(sim, f"club kick {carol.id}", alice) == \
        f"{shown(carol)} isn't a member of **Owls**."
    assert snapshot(sim) == before
    assert await reply(sim, f"club kick {bob.id}", alice) == f"{shown(bob)} is no longer a member of **Owls**."
    assert memberships(sim) == {alice.id: "Owls", carol.id: "Larks"}


async def test_leaving_the_server_leaves_the_club_and_an_owner_hands_it_on(sim):
    alice, bob = members(sim)[:2]
    dave = sim.make_member("dave")
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", dave)
    await sim.command("club join Owls", bob)
    sim.remove_member(dave)
    await until(lambda: dave.id not in memberships(sim))  # on_member_remove runs as its own task
    assert memberships(sim) == {alice.id: "Owls", bob.id: "Owls"}
    sim.remove_member(alice)  # the owner leaves: the longest-standing member takes over
    await until(lambda: alice.id not in memberships(sim))
    assert memberships(sim) == {bob.id: "Owls"}
    assert db_rows(sim, "SELECT OwnerId FROM Club") == [(bob.id,)]


async def test_kick_by_id_of_a_member_who_left_while_the_bot_was_away(sim, sent):
    alice = members(sim)[0]
    dave = sim.make_member("dave")
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", dave)
    sim.cog.store.leave_clubs_in_guild = _ignore  # the bot was offline when dave left
    sim.remove_member(dave)
    await sim.command("club info", alice)  # the club still counts them until the owner acts
    fields = {f.name: f.value for f in sent[-1]["embed"].fields}
    assert fields["Members"] == "2" and f"(left) {dave.id}" in fields["Top members"]
    text = await reply(sim, f"club kick {dave.id}", alice)
    assert text.endswith("is no longer a member of **Owls**.")
    assert memberships(sim) == {alice.id: "Owls"}


async def _ignore(*args) -> None:
    return None


async def until(condition, timeout: float = 2.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never became true")


async def test_transfer_asks_then_hands_the_club_over(sim):
    alice, bob, carol = members(sim)[:3]
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    assert await reply(sim, f"club transfer {carol.id}", alice) == \
        f"{shown(carol)} isn't a member of **Owls**; they need to `!club join Owls` first."
    assert await reply(sim, f"club transfer {alice.id}", alice) == "You already own **Owls**."
    assert await reply(sim, f"club transfer {alice.id}", bob) == "Only the owner of **Owls** can hand it over."
    assert await answer(sim, f"club transfer {bob.id}", alice, "no") == "Nothing was changed."
    assert clubs(sim)[0][2] == alice.id
    assert await answer(sim, f"club transfer {bob.id}", alice, "yes") == f"{shown(bob)} now owns **Owls**."
    assert clubs(sim)[0][2] == bob.id
    assert await reply(sim, "club leave", alice) == "You left **Owls**."  # no longer the owner
    assert memberships(sim) == {bob.id: "Owls"}


async def test_disband_by_owner_and_by_admins(sim):
    alice, bob, carol = await owls_and_larks(sim)
    before = snapshot(sim)
    assert await reply(sim, "club disband", bob) == "Only the owner of **Owls** or a server admin can disband it."
    assert await reply(sim, "club disband Owls", carol) == \
        "Only the owner of **Owls** or a server admin can disband it."
    assert "no club called **Herons**" in await reply(sim, "club disband Herons", sim.owner())
    assert await answer(sim, "club disband", alice, "no") == "Nothing was changed."
    assert snapshot(sim) == before
    assert await answer(sim, "club disband", alice, "yes") == \
        "**Owls** was disbanded; its 2 members are free to join another club."
    assert snapshot(sim) == ([("Larks", "larks", carol.id, None)], {carol.id: "Larks"})  # memberships cascade
    # a member with Manage Server may disband any club by name
    moderator = fake.make_role("Moderators", sim.guild, permissions=discord.Permissions(manage_guild=True).value)
    sim.set_roles(bob, [moderator])
    assert await answer(sim, "club disband larks", bob, "yes") == \
        "**Larks** was disbanded; its 1 member is free to join another club."
    assert snapshot(sim) == ([], {})


async def test_disband_confirmation_re_checks(sim):
    """The club changed hands while the owner was being asked: the old owner's yes does nothing."""
    alice, bob = members(sim)[:2]
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    asking = asyncio.create_task(sim.command("club disband", alice))
    await asyncio.sleep(0.05)
    await sim.cog.store.set_club_owner(db_rows(sim, "SELECT Id FROM Club")[0][0], bob.id)
    await sim.say("yes", alice)
    await asking
    assert sim.replies()[-1].content == "Only the owner of **Owls** or a server admin can disband it."
    assert clubs(sim)[0][2] == bob.id


# --- info and leaderboard ----------------------------------------------------------------------
async def test_info_shows_owner_members_xp_rank_and_date(sim, sent):
    alice, bob, carol = members(sim)[:3]
    assert (await reply(sim, "club info", alice)).startswith("You're not in a club. Join one with")
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    await sim.command("club create Larks", carol)
    await xp(sim, alice, 100)
    await xp(sim, bob, 50)
    await xp(sim, carol, 500)
    await sim.say("a message not yet flushed", bob)  # buffered XP counts too
    await sim.command("club", bob)
    call = sent[-1]
    assert call["content"] == "**Owls**: 2 members, 151 XP, rank #2 of 2."
    fields = {f.name: f.value for f in call["embed"].fields}
    created = db_rows(sim, "SELECT CreatedAt FROM Club WHERE Name = 'Owls'")[0][0]
    assert call["embed"].title == "Owls"
    assert fields["Owner"] == shown(alice) and fields["Members"] == "2" and fields["Total XP"] == "151"
    assert fields["Rank"] == "#2 of 2" and fields["Created"] == f"<t:{created}:D>"
    assert fields["Top members"].splitlines() == [f"1. {shown(alice)} \N{EM DASH} 100 XP",
                                                  f"2. {shown(bob)} \N{EM DASH} 51 XP"]
    await sim.command("club info LARKS", alice)
    assert sent[-1]["content"] == "**Larks**: 1 member, 500 XP, rank #1 of 2."
    assert "no club called **Herons**" in await reply(sim, "club info Herons", alice)


async def test_leaderboard_pages_of_ten(sim, sent):
    founders = [sim.make_member(f"founder{i}") for i in range(12)]
    for i, founder in enumerate(founders):
        await sim.command(f"club create Club {i:02d}", founder)
        await xp(sim, founder, (i + 1) * 10)  # Club 11 has the most XP
    alice = members(sim)[0]
    await sim.command("club leaderboard", alice)
    embed = sent[-1]["embed"]
    lines = embed.description.splitlines()
    assert len(lines) == 10 and embed.footer.text == "Page 1/2 \N{EM DASH} 12 clubs"
    assert lines[0] == "`#  1` **Club 11** \N{EM DASH} 120 XP, 1 member"
    assert lines[9].startswith("`# 10` **Club 02**")
    await sim.command("club lb 2", alice)
    lines = sent[-1]["embed"].description.splitlines()
    assert [line.split("**")[1] for line in lines] == ["Club 01", "Club 00"] and lines[1].startswith("`# 12`")
    assert await reply(sim, "club leaderboard 3", alice) == "Pick a page from 1 to 2."
    assert await reply(sim, "club leaderboard 0", alice) == "Pick a page from 1 to 2."


async def test_leaderboard_without_clubs(sim):
    assert await reply(sim, "club leaderboard", members(sim)[0]) == \
        "There are no clubs here yet. Start one with `!club create <name>`."


# --- the icon ----------------------------------------------------------------------------------
async def test_icon_is_downloaded_checked_and_stored(sim, server):
    alice, bob = members(sim)[:2]
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    # the guard is on by default: the local server is on loopback, so it is refused before any request
    text = await reply(sim, f"club icon {server.url('/ok.png')}", alice)
    assert text == "I can't use that icon: that image address is not allowed. Nothing was changed."
    assert server.hits == [] and clubs(sim)[0][3] is None
    allow_test_server(sim)
    assert await reply(sim, f"club icon {server.url('/page')}", alice) == \
        "I can't use that icon: that file can't be used as an image: the file is not a readable image. " \
        "Nothing was changed."
    assert (await reply(sim, "club icon ftp://images.test/a.png", alice)).startswith(
        "I can't use that icon: only http and https image addresses are allowed.")
    assert await reply(sim, f"club icon {server.url('/ok.png')}", bob) == \
        "Only the owner of **Owls** can change its icon."
    assert clubs(sim)[0][3] is None
    url = server.url("/ok.png", host="images.test")
    assert await reply(sim, f"club icon <{url}>", alice) == \
        "**Owls** has a new icon; it shows on its members' XP cards."
    assert clubs(sim)[0][3] == url
    assert await reply(sim, "club icon none", alice) == "**Owls** no longer has an icon."
    assert clubs(sim)[0][3] is None
    assert (await reply(sim, "club icon", alice)).startswith("Give a link to an image")


# --- the XP card -------------------------------------------------------------------------------
def card_image(sent) -> Image.Image:
    img = Image.open(io.BytesIO(sent[-1]["file_bytes"][0]))
    img.load()
    return img.convert("RGB")


async def test_card_shows_the_club_name_and_icon(sim, sent, server):
    alice, bob = members(sim)[:2]
    seen = record_cards(sim)
    await sim.command("level check", alice)
    assert seen[-1].club_name is None and seen[-1].club_icon is None
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    await sim.command("level check", bob)
    assert seen[-1].club_name == "Owls" and seen[-1].club_icon is None
    allow_test_server(sim)
    await sim.command(f"club icon {server.url('/ok.png', host='images.test')}", alice)
    await sim.command("level check", bob)
    assert seen[-1].club_name == "Owls" and seen[-1].club_icon.startswith(b"\x89PNG")
    assert card_image(sent).getpixel(ICON_BOX_CENTRE) == SERVER_PNG
    await sim.command(f"level check {alice.id}", bob)
    assert seen[-1].club_icon == seen[-2].club_icon
    assert server.hits == ["/ok.png"]  # checked once when set; cards use the downloader's cache


async def test_card_without_the_icon_when_it_cannot_be_loaded(sim, sent, server, caplog):
    alice = members(sim)[0]
    seen = record_cards(sim)
    await sim.command("club create Owls", alice)
    club_id = db_rows(sim, "SELECT Id FROM Club")[0][0]
    await sim.cog.store.set_club_icon(club_id, server.url("/page"))  # e.g. the host now serves a page
    allow_test_server(sim)
    with caplog.at_level(logging.WARNING, logger="red.unicornia.clubs"):
        await sim.command("level check", alice)
    assert sim.replies()[-1].attachments  # the card is still drawn
    assert seen[-1].club_name == "Owls" and seen[-1].club_icon is None
    assert any("could not be loaded" in r.getMessage() and str(club_id) in r.getMessage() for r in caplog.records)
    assert card_image(sent).getpixel(ICON_BOX_CENTRE) != SERVER_PNG
    await sim.command("level check", alice)  # a recent failure is not retried on every card
    assert server.hits == ["/page"] and seen[-1].club_name == "Owls"


# --- at the same time --------------------------------------------------------------------------
async def test_simultaneous_changes_cannot_both_pass_the_checks(sim):
    alice, bob, carol = members(sim)[:3]
    service, errors = sim.cog.clubs, live("systems.clubs").ClubError
    results = await asyncio.gather(service.create(alice, "Owls"), service.create(bob, "OWLS"),
                                   return_exceptions=True)
    assert sum(isinstance(r, errors) for r in results) == 1 and len(clubs(sim)) == 1
    await sim.command("club create Larks", bob if isinstance(results[1], errors) else alice)
    results = await asyncio.gather(service.join(carol, "Owls"), service.join(carol, "Larks"),
                                   return_exceptions=True)
    assert sum(isinstance(r, errors) for r in results) == 1
    assert len([uid for uid in memberships(sim) if uid == carol.id]) == 1


async def test_help_lists_every_club_command(sim):
    await sim.command("help club", members(sim)[0])
    replies = sim.replies()
    text = "\n".join([m.content for m in replies] + [e.description or "" for m in replies for e in m.embeds]
                     + [f.value for m in replies for e in m.embeds for f in e.fields])
    for name in ("create", "join", "leave", "icon", "kick", "transfer", "disband", "info", "leaderboard"):
        assert f"**{name}** " in text
    assert "..." not in text  # every summary fits
