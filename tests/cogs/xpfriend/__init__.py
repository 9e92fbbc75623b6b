"""A small game cog that uses Unicornia's API the way another cog author would: it pays XP for a
won game, reads XP, level and rank, and listens to Unicornia's events. The integration tests
load it beside Unicornia through Red's loader (``[p]addpath`` and ``[p]load xpfriend``)."""
from __future__ import annotations

import discord
from redbot.core import commands


class XpFriend(commands.Cog):
    """Pays XP through Unicornia and keeps what Unicornia told it."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.heard: list[tuple] = []
        #: Set by a test: every listener raises after noting what it heard.
        self.explode = False

    @commands.command(name="xpfriendwin")
    @commands.guild_only()
    async def win(self, ctx: commands.Context, amount: int) -> None:
        """Win a game: Unicornia pays ``amount`` XP."""
        unicornia = self.bot.get_cog("Unicornia")
        if unicornia is None:
            await ctx.send("Unicornia is not loaded.")
            return
        try:
            total = await unicornia.add_member_xp(ctx.author, amount, reason="won a game of xpfriend")
        except ValueError as refused:
            await ctx.send(f"No XP: {refused}")
            return
        level = await unicornia.get_member_level(ctx.author)
        rank = await unicornia.get_member_rank(ctx.author)
        await ctx.send(f"{ctx.author.display_name} has {total} XP, level {level}, rank {rank}.",
                       allowed_mentions=discord.AllowedMentions.none())

    def _heard(self, *event) -> None:
        self.heard.append(event)
        if self.explode:
            raise RuntimeError(f"xpfriend's listener broke on {event[0]}")

    @commands.Cog.listener()
    async def on_unicornia_level_up(self, member: discord.Member, old_level: int, new_level: int) -> None:
        self._heard("level_up", member.id, old_level, new_level)

    @commands.Cog.listener()
    async def on_unicornia_achievement(self, member: discord.Member, key: str) -> None:
        self._heard("achievement", member.id, key)

    @commands.Cog.listener()
    async def on_unicornia_quest_complete(self, member: discord.Member, quest_name: str) -> None:
        self._heard("quest", member.id, quest_name)


async def setup(bot) -> None:
    await bot.add_cog(XpFriend(bot))
