"""Asking the command's author to type `yes` before something that can't be undone."""
from __future__ import annotations

import asyncio
from typing import Optional

from redbot.core import commands
from redbot.core.utils.predicates import MessagePredicate

from ..i18n import _
from .replies import NO_PINGS

CONFIRM_TIMEOUT = 30


async def confirm(ctx: commands.Context, question: str, *, nothing: Optional[str] = None,
                  timeout: int = CONFIRM_TIMEOUT) -> bool:
    """Ask a yes/no question; anything but a `yes` in time is a no, and says ``nothing``.

    ``question`` is translated by the caller.  ``nothing`` is a translated clause that reads on
    its own (``_("nothing was reset")``): it follows "No answer;" and, capitalised, is the whole
    reply to a `no`.  By default, "nothing was changed".  Red's `yes`/`no` answers are English in
    every language, so the prompt keeps `yes` as it is.
    """
    if nothing is None:
        nothing = _("nothing was changed")
    await ctx.send(_("{question} Type `yes` within {seconds} seconds to confirm.").format(
                       question=question, seconds=timeout),
                   allowed_mentions=NO_PINGS)
    predicate = MessagePredicate.yes_or_no(ctx)
    try:
        await ctx.bot.wait_for("message", check=predicate, timeout=timeout)
    except asyncio.TimeoutError:
        await ctx.send(_("No answer; {nothing}.").format(nothing=nothing))
        return False
    if not predicate.result:
        await ctx.send(f"{nothing[:1].upper()}{nothing[1:]}.")
    return bool(predicate.result)
