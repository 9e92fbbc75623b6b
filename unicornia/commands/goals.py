"""Members' goals: achievements, the daily reward, quests and the server's daily goal."""
from __future__ import annotations

from typing import Optional

import discord
from discord import app_commands
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number

from ..abc import MixinMeta
from .replies import refuse, send_embed
from ..core.achievements import CONDITIONS
from ..core.periods import progress_bar
from ..systems.goals import REQUIREMENTS, GoalService
from .level import LevelCommands

NO_PINGS = discord.AllowedMentions.none()
PAGE = 10
OUTCOME_LINES = {
    "first": "Your first daily reward: welcome!",
    "kept": "Streak kept: **{streak}** days in a row.",
    "reset": "You missed a day, so your streak starts again at **1**.",
}


def when(ts: int, style: str = "R") -> str:
    """A Discord timestamp members see in their own time zone."""
    return f"<t:{int(ts)}:{style}>"


class GoalCommands(MixinMeta):
    # --- achievements ------------------------------------------------------------------------
    @commands.hybrid_command(name="achievements")
    @commands.guild_only()
    @app_commands.describe(member="Whose achievements (yours by default)", page="Which page")
    async def achievements_cmd(self, ctx: commands.Context, member: Optional[discord.Member] = None,
                               page: int = 1) -> None:
        """Achievements unlocked (with dates) and progress on the rest.

        Example: `[p]achievements`, `[p]achievements @Alice 2`
        """
        member = member or ctx.author
        if member.bot:
            await refuse(ctx, "Bots don't collect achievements.")
            return
        settings = await self.settings.get(ctx.guild.id)
        if not settings.achievements_enabled:
            await refuse(ctx, "Achievements are switched off in this server.")
            return
        streak, _, _ = await self.goals.streak(member)
        unlocked, locked = await self.achievements.overview(member, streak)
        lines = [f"{a.emoji} **{a.title}** · unlocked {when(at, 'D')}" for a, at in unlocked]
        lines += [f"🔒 {a.emoji} {a.title} · {humanize_number(min(have, a.value))}/{humanize_number(a.value)} "
                  f"{CONDITIONS[a.condition]} {progress_bar(have, a.value, 8)}" for a, _, have in locked]
        if not lines:
            await refuse(ctx, "This server offers no achievements.")
            return
        pages = max(1, -(-len(lines) // PAGE))
        if not 1 <= page <= pages:
            await refuse(ctx, f"There {'is' if pages == 1 else 'are'} {pages} page(s).")
            return
        embed = discord.Embed(title=f"{member.display_name}'s achievements",
                              description="\n".join(lines[(page - 1) * PAGE:page * PAGE]),
                              colour=await ctx.embed_colour())
        embed.set_footer(text=f"{len(unlocked)} of {len(unlocked) + len(locked)} unlocked · page {page}/{pages}")
        await send_embed(ctx, embed, allowed_mentions=NO_PINGS)

    @commands.hybrid_command(name="nextachievement")
    @commands.guild_only()
    async def next_achievement(self, ctx: commands.Context) -> None:
        """The achievement you are closest to.

        Example: `[p]nextachievement`
        """
        settings = await self.settings.get(ctx.guild.id)
        if not settings.achievements_enabled:
            await refuse(ctx, "Achievements are switched off in this server.")
            return
        streak, _, _ = await self.goals.streak(ctx.author)
        found = await self.achievements.closest(ctx.author, streak)
        if found is None:
            await refuse(ctx, "You have unlocked every achievement here. 🎉")
            return
        a, fraction, have = found
        reward = f" Reward: {humanize_number(a.reward_xp)} XP." if a.reward_xp else ""
        await ctx.send(f"Next: {a.emoji} **{a.title}** ({a.description}) · "
                       f"{humanize_number(min(have, a.value))}/{humanize_number(a.value)} {CONDITIONS[a.condition]} "
                       f"{progress_bar(have, a.value)} {fraction:.0%}.{reward}", allowed_mentions=NO_PINGS)

    # --- daily -------------------------------------------------------------------------------
    @commands.hybrid_command(name="daily")
    @commands.guild_only()
    async def daily(self, ctx: commands.Context) -> None:
        """Claim your daily XP; consecutive days grow a streak bonus.

        Example: `[p]daily`
        """
        settings = await self.settings.get(ctx.guild.id)
        if not settings.enabled:
            await refuse(ctx, "XP is switched off in this server.")
            return
        result, unlocked = await self.goals.claim_daily(ctx.author, ctx.channel)
        if result.outcome == "claimed":
            await refuse(ctx, f"You already claimed today's reward. The next one is ready {when(result.next_at)}. "
                              f"Streak: **{result.streak}** day(s).")
            return
        lines = [f"You claimed **{humanize_number(result.amount)} XP**.",
                 OUTCOME_LINES[result.outcome].format(streak=result.streak)]
        if result.best > 1:
            lines.append(f"Best streak: {result.best} day(s).")
        lines.append(f"Come back {when(result.next_at)} to keep it going.")
        await ctx.send("\n".join(lines), allowed_mentions=NO_PINGS)

    # --- quests ------------------------------------------------------------------------------
    @commands.hybrid_command(name="quests")
    @commands.guild_only()
    async def quests(self, ctx: commands.Context) -> None:
        """This server's quests with your progress.

        Example: `[p]quests`
        """
        if not (await self.settings.get(ctx.guild.id)).quests_enabled:
            await refuse(ctx, "Quests are off in this server.")
            return
        statuses = await self.goals.statuses(ctx.author)
        if not statuses:
            await refuse(ctx, "This server has no quests.")
            return
        embed = discord.Embed(title="Quests", colour=await ctx.embed_colour())
        for status in statuses[:25]:
            q = status.quest
            state = (f"✅ done {when(status.completed_at)}" if status.completed_at
                     else f"{humanize_number(status.progress)}/{humanize_number(q.amount)} {progress_bar(status.progress, q.amount)}")
            refresh = f" · refreshes {when(status.ends_at)}" if status.ends_at and q.cycle != "once" else (
                f" · ends {when(status.ends_at)}" if status.ends_at else "")
            embed.add_field(
                name=f"#{q.id} {q.name} ({q.cycle}, {q.difficulty})",
                value=f"{humanize_number(q.amount)} {REQUIREMENTS[q.requirement]}: {state}\n"
                      f"Reward: {GoalService.reward_text(q)}{refresh}",
                inline=False)
        await send_embed(ctx, embed)

    # --- the server goal ---------------------------------------------------------------------
    @LevelCommands.level.command(name="goal")
    @commands.guild_only()
    async def level_goal(self, ctx: commands.Context) -> None:
        """Today's server-wide message goal and how close it is.

        Example: `[p]level goal`
        """
        settings = await self.settings.get(ctx.guild.id)
        if not settings.goal_enabled:
            await refuse(ctx, "The server goal is switched off here.")
            return
        messages, target, reached, mine, ends = await self.goals.goal(ctx.guild.id, ctx.author.id)
        head = (f"🎯 Reached {when(reached)}! Everyone who chatted today earned {humanize_number(settings.goal_bonus)} XP."
                if reached else f"🎯 Today's goal: **{humanize_number(target)}** messages; "
                                f"everyone who chats today earns {humanize_number(settings.goal_bonus)} XP when it is reached.")
        await ctx.send(f"{head}\n{humanize_number(messages)}/{humanize_number(target)} {progress_bar(messages, target)} · "
                       f"you sent {humanize_number(mine)} · the day ends {when(ends)}.")
