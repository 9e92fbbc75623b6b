"""Command hints in replies: written ``[p]name ...``, shown with the prefix the member typed."""
from __future__ import annotations

import re

from redbot.core import commands

#: Top-level member commands (``[p]daily`` and ``/daily``; name -> the cog's attribute) that are
#: also reachable as ``[p]level daily``, which stays when another loaded cog has the short name
#: (see Unicornia._add_shortcuts).
SHORTCUTS = {"daily": "daily", "quests": "quests", "achievements": "achievements_cmd",
             "nextachievement": "next_achievement", "club": "club"}

_HINT = re.compile(r"\[p\](\w+)")


def with_prefix(ctx: commands.Context, text: str) -> str:
    """Replace each ``[p]`` with ``ctx.clean_prefix``; a shortcut another cog has taken is shown
    in its long form (``[p]club join`` becomes ``!level club join``)."""
    def swap(match: re.Match) -> str:
        name = match.group(1)
        if name in SHORTCUTS:
            command = ctx.bot.get_command(name)
            if command is None or command.cog is not ctx.cog:  # another cog has the short name
                name = f"level {name}"
        return ctx.clean_prefix + name

    return _HINT.sub(swap, text)
