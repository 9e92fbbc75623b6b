"""Replies within Discord's limits and without pings (commands/replies.py), with a context that
records what it is asked to send."""
import asyncio

import discord

from unicornia.commands.replies import NO_PINGS, menu_pages, send_long
from unicornia.core.templates import MESSAGE_LIMIT, fit_message


class Context:
    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    async def send(self, content=None, **kwargs):
        self.sent.append((content, kwargs))
        return content


def sent(text, **kwargs) -> list[tuple[str, dict]]:
    ctx = Context()
    asyncio.run(send_long(ctx, text, **kwargs))
    return ctx.sent


def test_long_text_is_cut_between_lines_into_messages_discord_takes():
    lines = [f"Level {n:>4}: {n * 100:,} credits; give @Role number {n}" for n in range(1, 201)]
    messages = sent(lines, boxed=True, heading="Rewards:")
    assert len(messages) > 2
    assert all(len(content) <= 2000 and kwargs["allowed_mentions"] is NO_PINGS for content, kwargs in messages)
    assert messages[0][0].startswith("Rewards:\n```") and not messages[1][0].startswith("Rewards")
    assert all(content.rstrip().endswith("```") for content, _ in messages)
    shown = "\n".join(content for content, _ in messages)
    assert all(line in shown for line in lines)  # no line lost or cut in two


def test_a_name_cannot_close_the_code_block():
    (content, _), = sent(["```<@123456789012345678>```", "next line"], boxed=True)
    assert content.count("```") == 2 and content.startswith("```") and "<@123456789012345678>" in content


def test_one_line_longer_than_a_message_is_cut_between_words():
    line = " ".join(f"<#{10**17 + n}>" for n in range(300))  # 300 excluded channels on one line
    messages = sent(line)
    assert len(messages) > 1 and all(len(content) <= 2000 for content, _ in messages)
    assert " ".join(content for content, _ in messages).split() == line.split()


def test_a_heading_with_nothing_under_it_is_still_sent():
    assert [content for content, _ in sent([], heading="Your backgrounds (0):")] == ["Your backgrounds (0):"]


def test_callers_can_still_choose_their_mentions_and_pass_other_options():
    mentions = discord.AllowedMentions(users=True)
    (_, kwargs), = sent("hello", allowed_mentions=mentions, ephemeral=True)
    assert kwargs == {"allowed_mentions": mentions, "ephemeral": True}


def test_menu_pages_as_text_never_ping_and_fit_a_message():
    embeds = [discord.Embed(title="Leaderboard", description="\n".join(f"#{n} <@{10**17 + n}> {n:,} XP"
                                                                       for n in range(200)))]
    assert menu_pages(embeds, as_text=False) == embeds
    (page,) = menu_pages(embeds, as_text=True)
    assert page["allowed_mentions"] is NO_PINGS and page["embed"] is None and len(page["content"]) <= 2000


def test_an_announcement_is_cut_to_one_message():
    assert fit_message("short") == "short"
    cut = fit_message("x" * 5000)
    assert len(cut) == MESSAGE_LIMIT and cut.endswith("\N{HORIZONTAL ELLIPSIS}")
