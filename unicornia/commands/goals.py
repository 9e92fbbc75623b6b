"""Members' goals: achievements, the daily reward, quests and the server's daily goal."""
from __future__ import annotations

from typing import Optional

import discord
from discord import app_commands
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number

from ..abc import MixinMeta
from . import hybrid
from .replies import NO_PINGS, refuse, send_embed
from ..core.achievements import condition_label
from ..core.periods import cycle_label, progress_bar
from ..i18n import _
from ..systems.goals import GoalService, difficulty_label, requirement_label
from .level import LevelCommands

PAGE = 10


def outcome_line(outcome: str, streak: int) -> str:
    """What a daily claim says about the streak, by outcome (``first``, ``kept``, ``reset``)."""
    return {
        "first": _("Your first daily reward: welcome!"),
        "kept": _("Streak kept: **{streak}** days in a row."),  # kept: two days or more
        "reset": _("You missed a day, so your streak starts again at **1**."),
    }[outcome].format(streak=streak)


def when(ts: int, style: str = "R") -> str:
    """A Discord timestamp members see in their own time zone."""
    return f"<t:{int(ts)}:{style}>"


class GoalCommands(MixinMeta):
    # --- achievements ------------------------------------------------------------------------
    @hybrid.command(name="achievements")
    @commands.guild_only()
    @app_commands.describe(member="Whose achievements (yours by default)", page="Which page")
    async def achievements_cmd(self, ctx: commands.Context, member: Optional[discord.Member] = None,
                               page: int = 1) -> None:
        """Achievements unlocked (with dates) and progress on the rest.

        Example: `[p]achievements`, `[p]achievements @Alice 2`
        """
        member = member or ctx.author
        if member.bot:
            await refuse(ctx, _("Bots don't collect achievements."))
            return
        settings = await self.settings.get(ctx.guild.id)
        if not settings.achievements_enabled:
            await refuse(ctx, _("Achievements are switched off in this server."))
            return
        streak = (await self.goals.streak(member))[0]
        unlocked, locked = await self.achievements.overview(member, streak)
        lines = [_("{emoji} **{title}** · unlocked {date}").format(emoji=a.emoji, title=a.shown_title, date=when(at, "D"))
                 for a, at in unlocked]
        lines += [_("🔒 {emoji} {title} · {have}/{value} {condition} {bar}").format(
                      emoji=a.emoji, title=a.shown_title, have=humanize_number(min(have, a.value)),
                      value=humanize_number(a.value), condition=condition_label(a.condition),
                      bar=progress_bar(have, a.value, 8))
                  for a, _fraction, have in locked]
        if not lines:
            await refuse(ctx, _("This server offers no achievements."))
            return
        pages = max(1, -(-len(lines) // PAGE))
        if not 1 <= page <= pages:
            await refuse(ctx, _("There is 1 page.") if pages == 1 else _("There are {count} pages.").format(count=pages))
            return
        embed = discord.Embed(title=_("{name}'s achievements").format(name=member.display_name),
                              description="\n".join(lines[(page - 1) * PAGE:page * PAGE]),
                              colour=await ctx.embed_colour())
        embed.set_footer(text=_("{unlocked} of {total} unlocked · page {page}/{pages}").format(
            unlocked=len(unlocked), total=len(unlocked) + len(locked), page=page, pages=pages))
        await send_embed(ctx, embed, allowed_mentions=NO_PINGS)

    @hybrid.command(name="nextachievement")
    @commands.guild_only()
    async def next_achievement(self, ctx: commands.Context) -> None:
        """The achievement you are closest to.

        Example: `[p]nextachievement`
        """
        settings = await self.settings.get(ctx.guild.id)
        if not settings.achievements_enabled:
            await refuse(ctx, _("Achievements are switched off in this server."))
            return
        streak = (await self.goals.streak(ctx.author))[0]
        found = await self.achievements.closest(ctx.author, streak)
        if found is None:
            await refuse(ctx, _("You have unlocked every achievement here. 🎉"))
            return
        a, fraction, have = found
        if a.reward_xp:
            text = _("Next: {emoji} **{title}** ({description}) · {have}/{value} {condition} {bar} {percent}. "
                     "Reward: {xp} XP.")
        else:
            text = _("Next: {emoji} **{title}** ({description}) · {have}/{value} {condition} {bar} {percent}.")
        await ctx.send(text.format(emoji=a.emoji, title=a.shown_title, description=a.shown_description,
                                   have=humanize_number(min(have, a.value)), value=humanize_number(a.value),
                                   condition=condition_label(a.condition), bar=progress_bar(have, a.value),
                                   percent=f"{fraction:.0%}", xp=humanize_number(a.reward_xp)),
                       allowed_mentions=NO_PINGS)

    # --- daily -------------------------------------------------------------------------------
    @hybrid.command(name="daily")
    @commands.guild_only()
    async def daily(self, ctx: commands.Context) -> None:
        """Claim your daily XP; consecutive days grow a streak bonus.

        Example: `[p]daily`
        """
        settings = await self.settings.get(ctx.guild.id)
        if not settings.enabled:
            await refuse(ctx, _("XP is switched off in this server."))
            return
        result, unlocked = await self.goals.claim_daily(ctx.author, ctx.channel)
        if result.outcome == "claimed":
            if result.streak == 1:
                text = _("You already claimed today's reward. The next one is ready {when}. Streak: **1** day.")
            else:
                text = _("You already claimed today's reward. The next one is ready {when}. "
                         "Streak: **{streak}** days.")
            await refuse(ctx, text.format(when=when(result.next_at), streak=result.streak))
            return
        lines = [_("You claimed **{xp} XP**.").format(xp=humanize_number(result.amount)),
                 outcome_line(result.outcome, result.streak)]
        if result.best > 1:  # never one day here
            lines.append(_("Best streak: {best} days.").format(best=result.best))
        lines.append(_("Come back {when} to keep it going.").format(when=when(result.next_at)))
        await ctx.send("\n".join(lines), allowed_mentions=NO_PINGS)

    # --- quests ------------------------------------------------------------------------------
    @hybrid.command(name="quests")
    @commands.guild_only()
    async def quests(self, ctx: commands.Context) -> None:
        """This server's quests with your progress.

        Example: `[p]quests`
        """
        if not (await self.settings.get(ctx.guild.id)).quests_enabled:
            await refuse(ctx, _("Quests are off in this server."))
            return
        statuses = await self.goals.statuses(ctx.author)
        if not statuses:
            await refuse(ctx, _("This server has no quests."))
            return
        embed = discord.Embed(title=_("Quests"), colour=await ctx.embed_colour())
        for status in statuses[:25]:
            q = status.quest
            state = (_("✅ done {when}").format(when=when(status.completed_at)) if status.completed_at
                     else f"{humanize_number(status.progress)}/{humanize_number(q.amount)} {progress_bar(status.progress, q.amount)}")
            reward = [_("Reward: {reward}").format(reward=GoalService.reward_text(q))]
            if status.ends_at:
                ends = (_("refreshes {when}") if q.cycle != "once" else _("ends {when}")).format(when=when(status.ends_at))
                reward.append(ends)
            embed.add_field(
                name=_("#{id} {name} ({cycle}, {difficulty})").format(
                    id=q.id, name=q.name, cycle=cycle_label(q.cycle), difficulty=difficulty_label(q.difficulty)),
                value=_("{amount} {requirement}: {state}").format(
                    amount=humanize_number(q.amount), requirement=requirement_label(q.requirement), state=state)
                      + "\n" + " · ".join(reward),
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
            await refuse(ctx, _("The server goal is switched off here."))
            return
        messages, target, reached, mine, ends = await self.goals.goal(ctx.guild.id, ctx.author.id)
        bonus = humanize_number(settings.goal_bonus)
        if reached:
            head = _("🎯 Reached {when}! Everyone who chatted today earned {xp} XP.").format(when=when(reached), xp=bonus)
        else:
            head = _("🎯 Today's goal: **{target}** messages; everyone who chats today earns {xp} XP when it is "
                     "reached.").format(target=humanize_number(target), xp=bonus)
        status = _("{messages}/{target} {bar} · you sent {mine} · the day ends {when}.").format(
            messages=humanize_number(messages), target=humanize_number(target), bar=progress_bar(messages, target),
            mine=humanize_number(mine), when=when(ends))
        await ctx.send(f"{head}\n{status}")
