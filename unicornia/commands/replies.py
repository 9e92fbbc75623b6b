"""Sending embeds the way Red expects: the bot's colour, and plain text where embeds are off."""
from __future__ import annotations

from typing import Optional, Union

import discord
from redbot.core import commands

from ..i18n import _


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
    """Send ``embed`` in the bot's colour, or as text after ``content`` when embeds are off here."""
    if await ctx.embed_requested():
        embed.colour = await ctx.embed_colour()
        return await ctx.send(content, embed=embed, **kwargs)
    text = embed_text(embed)
    return await ctx.send(f"{content}\n\n{text}" if content else text, **kwargs)


async def send_page(ctx: commands.Context, page: Union[str, discord.Embed], **kwargs) -> discord.Message:
    """One page of a menu (already an embed or already text)."""
    if isinstance(page, discord.Embed):
        return await ctx.send(embed=page, **kwargs)
    return await ctx.send(page, **kwargs)


async def refuse(ctx: commands.Context, text: str, **kwargs) -> discord.Message:
    """A reply that concerns only the caller (a refusal, an error, their own list): ephemeral when
    the command came as a slash command, an ordinary message otherwise."""
    return await ctx.send(text, ephemeral=True, **kwargs)
