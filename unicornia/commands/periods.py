"""``[p]level weekly`` / ``[p]level monthly`` (the boards) and ``[p]unicornia guild periodreward``."""
from __future__ import annotations

from typing import Union

import discord
from discord import app_commands
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number
from redbot.core.utils.views import SimpleMenu

from ..abc import MixinMeta
from ..db.period_statements import MONTH, WEEK
from ..i18n import _
from ..systems.periods import MAX_BONUS, TOP_ROWS, BoardEntry, period_end
from ..systems.rewards import invoker_problem, role_problem
from .admin import AdminCommands
from .level import LevelCommands
from .replies import NO_PINGS, embed_text, menu_pages, refuse, send_page

level_group = LevelCommands.level
guild_group = AdminCommands.guild_group
PAGE_SIZE = 10
#: Pages a board offers (current members only, read from the top).
MAX_PAGES = 100
#: `last` shows this many of the previous period.
LAST_TOP = 10
NONE_WORDS = ("none", "off", "remove")


class PeriodCommands(MixinMeta):
    @level_group.command(name="weekly")
    @app_commands.describe(page="A page number, or `last` for last week's top ten")
    async def level_weekly(self, ctx: commands.Context, page: str = "1") -> None:
        """XP earned this week: ten a page, current members.

        The week starts on the server's reset weekday and hour. `last` shows last week's top ten.

        Examples: `[p]level weekly`, `[p]level weekly 2`, `[p]level weekly last`
        """
        await self._period_board(ctx, WEEK, page)

    @level_group.command(name="monthly")
    @app_commands.describe(page="A page number, or `last` for last month's top ten")
    async def level_monthly(self, ctx: commands.Context, page: str = "1") -> None:
        """XP earned this month: ten a page, current members.

        The month starts on the 1st at the server's reset hour. `last` shows last month's top ten.

        Examples: `[p]level monthly`, `[p]level monthly 3`, `[p]level monthly last`
        """
        await self._period_board(ctx, MONTH, page)

    async def _period_board(self, ctx: commands.Context, kind: int, page_text: str) -> None:
        guild = ctx.guild
        last = page_text.strip().lower() == "last"
        if not last:
            try:
                page = int(page_text)
            except ValueError:
                page = 0
            if not 1 <= page <= MAX_PAGES:
                await refuse(ctx, _("Pick a page from 1 to {last}, or `last`.").format(last=MAX_PAGES))
                return
        current, previous = await self.periods.starts(guild.id, kind)
        start = previous if last else current

        def keep(uid: int) -> bool:
            return guild.get_member(uid) is not None

        wanted = LAST_TOP if last else min(page + 4, MAX_PAGES) * PAGE_SIZE
        entries = await self.periods.board(guild, kind, start, wanted, keep)
        if not entries:
            if last:
                text = (_("Nobody earned XP last week.") if kind == WEEK else _("Nobody earned XP last month."))
            else:
                text = (_("Nobody has earned XP this week yet.") if kind == WEEK
                        else _("Nobody has earned XP this month yet."))
            if last or page == 1:
                await ctx.send(text)
            else:
                await refuse(ctx, _("There are fewer pages than that."))
            return
        pages = [entries[i:i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)]
        if not last and page > len(pages):
            await refuse(ctx, _("There are fewer pages than that."))
            return
        xp, position = await self.periods.position(guild.id, kind, start, ctx.author.id)
        listed = next((entry for entry in entries if entry.user_id == ctx.author.id), None)
        if listed is not None:  # their place on the board shown (which skips members who left)
            position = listed.position
        if xp <= 0:
            mine = _("You have no XP in this period yet")
        elif position is None:
            mine = _("You: beyond #{position} with {xp} XP").format(position=humanize_number(TOP_ROWS),
                                                                    xp=humanize_number(xp))
        else:
            mine = _("You: #{position} with {xp} XP").format(position=humanize_number(position),
                                                             xp=humanize_number(xp))
        total_pages = len(pages)
        if not last and len(entries) == wanted:  # more than were read: at most everyone with XP in it
            count = await self.periods.count(guild.id, kind, start, MAX_PAGES * PAGE_SIZE)
            total_pages = min(MAX_PAGES, max(total_pages, -(-count // PAGE_SIZE)))
        colour = await ctx.embed_colour()
        rendered = [period_embed(guild, kind, start, chunk, last, i + 1, total_pages, mine, colour)
                    for i, chunk in enumerate(pages)]
        as_text = not await ctx.embed_requested()
        if len(rendered) == 1:
            await send_page(ctx, embed_text(rendered[0]) if as_text else rendered[0])
        else:
            await SimpleMenu(menu_pages(rendered, as_text), page_start=0 if last else page - 1, timeout=120).start(ctx)

    # --- the winners' reward -----------------------------------------------------------------
    @guild_group.command(name="periodreward")
    async def set_period_reward(self, ctx: commands.Context, period: str, role: Union[discord.Role, str],
                                bonus_xp: int = 0) -> None:
        """Reward the top member of each week or month.

        At each period's end, the current member who earned the most XP in it gets the role
        (taken from the previous winner) and the bonus XP, announced once. `none` for the
        role gives only the bonus; `none` with no bonus turns the reward off. Only periods that
        end after you set it are rewarded.

        Examples: `[p]unicornia guild periodreward week @Champion 100`,
        `[p]unicornia guild periodreward month none 500`, `[p]unicornia guild periodreward week none`
        """
        name = {"week": "week", "weekly": "week", "month": "month", "monthly": "month"}.get(period.lower())
        if name is None:
            await ctx.send(_("Choose `week` or `month`."))
            return
        if isinstance(role, str):
            if role.lower() not in NONE_WORDS:
                await ctx.send(_("I can't find a role called {role}; give a role or `none`.").format(
                    role=discord.utils.escape_mentions(role[:100])))
                return
            role = None
        if not 0 <= bonus_xp <= MAX_BONUS:
            await ctx.send(_("The bonus must be between 0 and {high} XP.").format(high=humanize_number(MAX_BONUS)))
            return
        if role is not None:
            if problem := role_problem(role, ctx.guild.me) or await invoker_problem(role, ctx.author, ctx.bot):
                await ctx.send(_("{problem} Nothing was changed.").format(problem=problem))
                return
        off = role is None and bonus_xp == 0

        async def change(group) -> None:
            async with group.period_rewards() as rewards:
                if off:
                    rewards.pop(name, None)
                else:
                    rewards[name] = {"role": role.id if role else None, "bonus": bonus_xp, "since": int(self.store.now())}

        await self.settings.update(ctx.guild.id, change)
        if off:
            text = (_("The weekly winner is no longer rewarded.") if name == "week"
                    else _("The monthly winner is no longer rewarded."))
        elif role is None:
            text = (_("Each week's top member will get {xp} bonus XP.") if name == "week"
                    else _("Each month's top member will get {xp} bonus XP.")).format(xp=humanize_number(bonus_xp))
        else:
            text = (_("Each week's top member will get {role} and {xp} bonus XP.") if name == "week"
                    else _("Each month's top member will get {role} and {xp} bonus XP.")).format(
                role=role.mention, xp=humanize_number(bonus_xp))
        await ctx.send(text, allowed_mentions=NO_PINGS)


def period_embed(guild: discord.Guild, kind: int, start: int, entries: list[BoardEntry], last: bool, number: int,
                 pages: int, mine: str, colour: discord.Colour) -> discord.Embed:
    if last:
        title = _("{guild}: last week's top ten") if kind == WEEK else _("{guild}: last month's top ten")
        span = _("<t:{start}:D> to <t:{end}:D>").format(start=start, end=period_end(kind, start))
    else:
        title = _("{guild}: this week") if kind == WEEK else _("{guild}: this month")
        span = _("Since <t:{start}:D>, ends <t:{end}:R>").format(start=start, end=period_end(kind, start))
    lines = [span, ""]
    for entry in entries:
        member = guild.get_member(entry.user_id)
        name = discord.utils.escape_markdown(member.display_name) if member else str(entry.user_id)
        lines.append(_("`#{position}` **{name}**: {xp} XP").format(
            position=f"{entry.position:>3}", name=name, xp=humanize_number(entry.xp)))
    embed = discord.Embed(title=title.format(guild=guild.name), description="\n".join(lines), colour=colour)
    footer = mine if pages == 1 else _("{mine} · Page {page}/{pages}").format(mine=mine, page=number, pages=pages)
    embed.set_footer(text=footer)
    return embed
