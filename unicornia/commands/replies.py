"""Sending replies the way Red expects: embeds in the bot's colour, plain text where embeds are
off, within Discord's 2,000 characters, and never pinging anyone.

Replies name members, roles, quests and achievements that members and admins named: an embed never
pings, and its plain-text form must not either (a nickname ``<@id>`` would ping that user with
Red's default allowed mentions, which let users through)."""
from __future__ import annotations

from typing import Iterable, Optional, Union

import discord
from redbot.core import commands
from redbot.core.utils.chat_formatting import box, pagify

from ..core.templates import MESSAGE_LIMIT, clip
from ..i18n import _

#: What every reply allows to ping: nothing.
NO_PINGS = discord.AllowedMentions.none()
#: Room per message below Discord's 2,000 characters (a code block's fences included).
PAGE_LENGTH = 1900


def embed_text(embed: discord.Embed) -> str:
    """An embed as plain text (Red's ``[p]embedset`` can turn embeds off per server or channel)."""
    parts = []
    if embed.title:
        parts.append(f"**{embed.title}**")
    if embed.description:
        parts.append(embed.description)
    parts.extend(_("**{name}**: {value}").format(name=field.name, value=field.value) for field in embed.fields)
    if embed.footer and embed.footer.text:
        parts.append(f"-# {embed.footer.text}")
    return "\n".join(parts)


async def send_embed(ctx: commands.Context, embed: discord.Embed, content: Optional[str] = None,
                     **kwargs) -> discord.Message:
    """Send ``embed`` in the bot's colour, or as text after ``content`` when embeds are off here (in
    as many messages as the text needs: an embed holds more than one message)."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if await ctx.embed_requested():
        embed.colour = await ctx.embed_colour()
        return await ctx.send(content, embed=embed, **kwargs)
    text = embed_text(embed)
    return await send_long(ctx, f"{content}\n\n{text}" if content else text, **kwargs)


async def send_page(ctx: commands.Context, page: Union[str, discord.Embed], **kwargs) -> discord.Message:
    """One page of a menu (already an embed or already text)."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if isinstance(page, discord.Embed):
        return await ctx.send(embed=page, **kwargs)
    return await ctx.send(page, **kwargs)


def menu_pages(embeds: list[discord.Embed], as_text: bool) -> list[Union[discord.Embed, dict]]:
    """Pages for Red's ``SimpleMenu``: the embeds, or their text with no pings (a menu sends and
    edits a page with what the page holds)."""
    if not as_text:
        return embeds
    return [{"content": clip(embed_text(embed), MESSAGE_LIMIT), "embed": None, "allowed_mentions": NO_PINGS}
            for embed in embeds]


async def send_long(ctx: commands.Context, text: Union[str, Iterable[str]], *, boxed: bool = False,
                    heading: Optional[str] = None, **kwargs) -> discord.Message:
    """Text (or lines) in as many messages as it needs, cut between lines; each in a code block
    with ``boxed`` (a fence inside is defused first, so a name cannot end the block), the first
    after ``heading`` (at most a line; the pages leave it room).  Returns the last message."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if not isinstance(text, str):
        text = "\n".join(text)
    if boxed:
        text = text.replace("```", "`\u200b``")
    message = None
    # between lines where it can, between words in a line too long for one message
    for page in pagify(text, delims=["\n", " "], priority=True, page_length=PAGE_LENGTH, shorten_by=0):
        page = box(page) if boxed else page
        message = await ctx.send(f"{heading}\n{page}" if heading and message is None else page, **kwargs)
    if message is None and heading:  # nothing under it
        message = await ctx.send(heading, **kwargs)
    return message


async def refuse(ctx: commands.Context, text: str, **kwargs) -> discord.Message:
    """A reply that concerns only the caller (a refusal, an error, their own list): ephemeral when
    the command came as a slash command, an ordinary message otherwise."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    return await ctx.send(text, ephemeral=True, **kwargs)
