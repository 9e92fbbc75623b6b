"""Member commands: ``[p]level check`` and ``[p]level leaderboard``."""
from __future__ import annotations

import io
import logging
from typing import Optional

import discord
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number, humanize_timedelta
from redbot.core.utils.views import SimpleMenu

from ..abc import MixinMeta
from ..core.levels import progress
from ..systems import standing as standing_service

log = logging.getLogger("red.unicornia.commands")
NO_PINGS = discord.AllowedMentions.none()
PAGE_SIZE = 10
MAX_LEADERBOARD_PAGES = 100
BAR_WIDTH = 20


def text_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "\N{FULL BLOCK}" * filled + "\N{LIGHT SHADE}" * (width - filled)


class LevelCommands(MixinMeta):
    @commands.group(name="level", invoke_without_command=True)
    @commands.guild_only()
    async def level(self, ctx: commands.Context, member: Optional[discord.Member] = None) -> None:
        """Levels and XP in this server.  Alone, it shows your own level."""
        await ctx.invoke(self.level_check, member=member)

    @level.command(name="check")
    async def level_check(self, ctx: commands.Context, member: Optional[discord.Member] = None) -> None:
        """Show the XP card of a member (yourself by default): level, rank, progress and total XP.

        Example: `[p]level check @Alice`
        """
        member = member or ctx.author
        async with ctx.typing():
            stand = await standing_service.standing(self.xp, self.store, ctx.guild.id, member.id)
            summary = summary_line(member, stand)
            try:
                card, note = await self.cards.card_for(member, stand)
            except Exception:
                log.exception("Drawing the card of member %s in guild %s failed; sending text", member.id, ctx.guild.id)
                await ctx.send(summary, embed=standing_embed(member, stand), allowed_mentions=NO_PINGS)
                return
        content = summary if note is None else f"{summary}\n{note}"
        await ctx.send(content, file=discord.File(io.BytesIO(card.data), filename=card.filename),
                       allowed_mentions=NO_PINGS)

    @level.command(name="leaderboard", aliases=["lb", "top"])
    async def level_leaderboard(self, ctx: commands.Context, page: int = 1, everyone: bool = False) -> None:
        """Show the server's top members by XP, ten a page.

        Only current members are listed; pass `true` after the page to include members who left.
        Example: `[p]level leaderboard 2`
        """
        if page < 1 or (not everyone and page > MAX_LEADERBOARD_PAGES):
            await ctx.send(f"Pick a page from 1 to {MAX_LEADERBOARD_PAGES}.")
            return
        guild = ctx.guild
        if everyone:  # straight from the ranking index: any page costs the same
            first = max(1, page - 2)
            entries = await standing_service.leaderboard_page(self.xp, self.store, guild.id, first, 5 * PAGE_SIZE)
            ranked = (await self.store.rank(guild.id, -1))[1]
            total_pages = max(1, -(-ranked // PAGE_SIZE))
        else:  # current members only: departed members are skipped as the ranking is read
            first = 1
            wanted = min(page + 4, MAX_LEADERBOARD_PAGES) * PAGE_SIZE
            entries = await standing_service.leaderboard(
                self.xp, self.store, guild.id, wanted, lambda uid: guild.get_member(uid) is not None)
            total_pages = -(-len(entries) // PAGE_SIZE)
        if not entries:
            if everyone or page == 1:
                await ctx.send("Nobody has earned XP here yet.")
            else:
                await ctx.send(f"There are only {total_pages} page(s) of members with XP.")
            return
        pages = [entries[i:i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)]
        if page >= first + len(pages):
            await ctx.send(f"There are only {total_pages} page(s) of members with XP.")
            return
        rendered = [
            leaderboard_embed(guild, chunk, first + i, total_pages) for i, chunk in enumerate(pages)
        ]
        start_at = page - first
        if len(rendered) == 1:
            await ctx.send(embed=rendered[0])
        else:
            await SimpleMenu(rendered, page_start=start_at, timeout=120).start(ctx)

    @level.command(name="rewards")
    async def level_rewards(self, ctx: commands.Context) -> None:
        """List the roles and currency members earn at each level.

        Example: `[p]level rewards`
        """
        from .admin import rewards_text  # one formatter for members and admins

        await ctx.send(await rewards_text(ctx.guild, await self.settings.get(ctx.guild.id)))


def summary_line(member: discord.Member, stand: standing_service.Standing) -> str:
    """One line for screen readers and members with embeds or previews off."""
    p = stand.progress
    return (
        f"{member.display_name}: level {p.level}, rank #{stand.rank} of {stand.ranked}, "
        f"{humanize_number(p.into_level)}/{humanize_number(p.needed)} XP into the level, "
        f"{humanize_number(p.total_xp)} XP in total."
    )


def standing_embed(member: discord.Member, stand: standing_service.Standing) -> discord.Embed:
    p = stand.progress
    embed = discord.Embed(title=f"{member.display_name}", colour=member.colour or discord.Colour.blurple())
    embed.set_thumbnail(url=member.display_avatar.url)
    embed.add_field(name="Level", value=str(p.level))
    embed.add_field(name="Rank", value=f"#{stand.rank} of {humanize_number(stand.ranked)}")
    embed.add_field(name="Total XP", value=humanize_number(p.total_xp))
    embed.add_field(
        name="Progress",
        value=f"`{text_bar(p.fraction)}` {humanize_number(p.into_level)} / {humanize_number(p.needed)} XP",
        inline=False,
    )
    row = stand.row
    if row.awarded_xp:
        embed.add_field(name="Awarded by admins", value=humanize_number(row.awarded_xp))
    embed.add_field(name="Messages", value=humanize_number(row.messages))
    if row.voice_seconds:
        from datetime import timedelta

        embed.add_field(name="Voice time", value=humanize_timedelta(timedelta=timedelta(seconds=row.voice_seconds)))
    return embed


def leaderboard_embed(guild: discord.Guild, entries, number: int, total_pages: int) -> discord.Embed:
    lines = []
    for entry in entries:
        member = guild.get_member(entry.user_id)
        name = discord.utils.escape_markdown(member.display_name) if member else f"(left) {entry.user_id}"
        lines.append(
            f"`#{entry.position:>3}` **{name}** \N{EM DASH} level {progress(entry.xp).level}, "
            f"{humanize_number(entry.xp)} XP"
        )
    embed = discord.Embed(title=f"{guild.name} leaderboard", description="\n".join(lines), colour=discord.Colour.gold())
    embed.set_footer(text=f"Page {number}/{total_pages}")
    return embed
