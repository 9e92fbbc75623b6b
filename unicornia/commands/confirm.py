"""Asking the command's author to type `yes` before something that can't be undone."""
from __future__ import annotations

import asyncio

import discord
from redbot.core import commands
from redbot.core.utils.predicates import MessagePredicate

CONFIRM_TIMEOUT = 30


async def confirm(ctx: commands.Context, question: str, *, nothing: str = "nothing was changed",
                  timeout: int = CONFIRM_TIMEOUT) -> bool:
    """Ask a yes/no question; anything but a `yes` in time is a no, and says ``nothing``."""
    await ctx.send(f"{question} Type `yes` within {timeout} seconds to confirm.",
                   allowed_mentions=discord.AllowedMentions.none())
    predicate = MessagePredicate.yes_or_no(ctx)
    try:
        await ctx.bot.wait_for("message", check=predicate, timeout=timeout)
    except asyncio.TimeoutError:
        await ctx.send(f"No answer; {nothing}.")
        return False
    if not predicate.result:
        await ctx.send(f"{nothing[0].upper()}{nothing[1:]}.")
    return bool(predicate.result)
