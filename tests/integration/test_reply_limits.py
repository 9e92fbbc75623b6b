"""Replies that grow with what members and admins add stay within Discord's limits, and text a
member chose never pings anyone, through a real Red bot.  dpytest itself enforces neither (it
takes any length and ignores allowed mentions), so each test reads what the bot passed to send."""
import discord

from tests.conftest import members


def pings_nobody(allowed: "discord.AllowedMentions | None") -> bool:
    """Red's default (None here) lets users be pinged; a reply naming members must say none."""
    return allowed is not None and not allowed.users and not allowed.roles and not allowed.everyone


async def test_boards_in_plain_text_never_ping_a_member_named_in_them(sim, sent):
    """With embeds off, a nickname that is a mention would ping its user from every board page."""
    await sim.command("embedset server false", sim.owner())
    await sim.command("unicornia guild cooldown 0", sim.owner())
    alice = members(sim)[0]
    named = sim.make_member(f"<@{alice.id}>")
    for member in [named] + [sim.make_member(f"Member {n}") for n in range(11)]:
        await sim.say("hello there, everyone", member)
    await sim.say("and a second message on top", named)  # first on every board
    sim.replies()
    for board in ("level leaderboard", "level leaderboard 1 messages", "level weekly", "level monthly"):
        sent.clear()
        await sim.command(board, alice)
        shown = [call for call in sent if call["content"] and f"<@{alice.id}>" in call["content"]]
        assert shown, (board, [call["content"] for call in sent])  # the name is on the page, as text
        assert all(pings_nobody(call["allowed_mentions"]) for call in sent), board


async def test_a_reward_at_every_level_is_listed_in_as_many_messages_as_it_takes(sim):
    owner, alice = sim.owner(), members(sim)[0]
    for level in range(1, 101):
        await sim.command(f"unicornia guild currencyreward {level} {level * 1000}", owner)
    sim.replies()
    for command, who in (("level rewards", alice), ("unicornia guild rewards", owner)):
        await sim.command(command, who)
        texts = [m.content for m in sim.replies()]
        assert len(texts) > 1 and all(len(t) <= 2000 and t.startswith("```") for t in texts), command
        assert sum(t.count("Level ") for t in texts) == 100 and "Level  100: 100,000 credits" in "".join(texts)


async def test_the_audit_page_fits_with_the_longest_reasons(sim, sent):
    alice = members(sim)[0]
    for n in range(15):
        await sim.cog.add_member_xp(alice, 1, reason=f"{n:02} " + "why " * 49)  # 200 characters, the API's most
    sent.clear()
    await sim.command("unicornia guild audit", sim.owner())
    embed = sent[-1]["embed"]
    assert embed.description.count("\n") == 14 and len(embed.description) <= 4096
    assert "why why" in embed.description and "\N{HORIZONTAL ELLIPSIS}" in embed.description
    await sim.command("embedset server false", sim.owner())
    sim.replies()
    await sim.command("unicornia guild audit", sim.owner())
    texts = [m.content for m in sim.replies()]
    assert all(len(t) <= 2000 for t in texts) and all(f"{n:02} why" in "".join(texts) for n in range(15))


async def test_a_level_up_giving_many_long_roles_is_still_announced(sim):
    sim.give_bot_role()
    owner, alice = sim.owner(), members(sim)[0]
    roles = [sim.make_role(f"{n} " + "R" * 98, position=5) for n in range(4)]
    for command in ["activity xpcap 0", "xppermessage 40", "levelup message " + "Well done! " * 150 + "{mention}",
                    *(f"rolereward 1 {role.id}" for role in roles)]:
        await sim.command(f"unicornia guild {command}", owner)
    assert "1800" not in sim.replies()[-5].content  # the template was taken
    await sim.say("levelling up with a lot of roles", alice)
    assert all(role in alice.roles for role in roles)
    announcement = sim.replies()[-1].content
    assert announcement.startswith("Well done!") and alice.mention in announcement
    assert len(announcement) == 2000 and announcement.endswith("\N{HORIZONTAL ELLIPSIS}")


async def test_many_long_quests_in_plain_text_fit_their_messages(sim):
    owner, alice = sim.owner(), members(sim)[0]
    await sim.command("unicornia guild quest toggle true", owner)
    for n in range(19):  # 25 with the six starter quests
        await sim.command(f'unicornia guild quest add daily messages {n + 1} 10 "Quest {n:02} {"long " * 5}long"', owner)
    await sim.command("embedset server false", owner)
    sim.replies()
    await sim.command("quests", alice)
    texts = [m.content for m in sim.replies()]
    assert len(texts) > 1 and all(len(t) <= 2000 for t in texts)
    assert all(f"Quest {n:02}" in "".join(texts) for n in range(19))


async def test_a_name_with_markdown_reads_as_written_in_the_summary_line(sim, sent):
    """The line beside the card (and the xpstats line) starts with the name: '# ' or '_' in it must
    not turn the reply into a heading or italics."""
    boss = sim.make_member("# _Big_ **Boss**")
    await sim.say("hello from the boss", boss)
    sent.clear()
    await sim.command("level check", boss)
    assert sent[-1]["content"].startswith(r"\# \_Big\_ \*\*Boss\*\*: level 0")
    await sim.command("level xpstats", boss)
    assert sent[-1]["content"].startswith(r"**\# \_Big\_ \*\*Boss\*\***: ")
