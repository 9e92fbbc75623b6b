"""Member commands: ``[p]level check``, ``[p]level leaderboard``, ``[p]level notify`` and the rest."""
from __future__ import annotations

import io
import logging
from datetime import datetime, timezone
from typing import Optional

import discord
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from discord import app_commands
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number, humanize_timedelta
from redbot.core.utils.views import SimpleMenu

from ..abc import MixinMeta
from . import hybrid
from .replies import NO_PINGS, clip, embed_text, menu_pages, refuse, send_embed, send_page
from ..core.notify import NOTIFY_CHOICES
from ..i18n import _, decimal
from ..systems import standing as standing_service
from ..systems.charts import XpStats, render_chart

log = logging.getLogger("red.unicornia.commands")
PAGE_SIZE = 10
#: Sort keys (typed by members, untranslated) and the column each ranks by.
SORTS = {"xp": "Xp", "messages": "MessageCount", "voice": "VoiceSeconds", "thanks": "ThanksReceived"}
SOURCE_NAMES = ("message", "link", "voice", "thanks", "reaction", "command")
MAX_STATS_DAYS = 90
MAX_LEADERBOARD_PAGES = 100
BAR_WIDTH = 20
#: How `xpstats` writes its best day (a CLDR skeleton: "Mar 3, 2025", "3. März 2025", "3 mar 2025").
BEST_DAY_SKELETON = "yMMMd"
#: `xpstats`'s daily average: grouped, at most one decimal, in the server's regional format.
AVERAGE_PATTERN = "#,##0.#"
#: Card renders a member may ask for per window (LevelUp allows the same).
CARD_RATE, CARD_WINDOW = 3, 10
#: Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25


def empty_board(sort: str) -> str:
    """What an empty leaderboard says, by sort (in the current language)."""
    return {
        "xp": _("Nobody has earned XP here yet."),
        "messages": _("Nobody has sent a message that counts here yet."),
        "voice": _("Nobody has spent time in voice here yet."),
        "thanks": _("Nobody has been thanked here yet."),
    }[sort]


def only_pages(count: int) -> str:
    """The refusal for a leaderboard page past the last one."""
    if count == 1:
        return _("There is only 1 page of members with XP.")
    return _("There are only {count} pages of members with XP.").format(count=humanize_number(count))


def text_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "\N{FULL BLOCK}" * filled + "\N{LIGHT SHADE}" * (width - filled)


class LevelCommands(MixinMeta):
    @hybrid.group(name="level", invoke_without_command=True)
    @commands.guild_only()
    async def level(self, ctx: commands.Context, member: discord.Member = None) -> None:
        """Levels and XP in this server.

        Alone, it shows your own level.
        """
        await ctx.invoke(self.level_check, member=member)

    @level.command(name="check")
    @commands.cooldown(CARD_RATE, CARD_WINDOW, commands.BucketType.member)
    @app_commands.describe(member="Whose card (yours by default)")
    async def level_check(self, ctx: commands.Context, member: discord.Member = None) -> None:
        """Show a member's XP card: level, rank, progress.

        Yourself by default.  Example: `[p]level check @Alice`
        """
        member = member or ctx.author
        async with ctx.typing():
            stand = await standing_service.standing(self.xp, self.store, ctx.guild.id, member.id)
            summary = summary_line(member, stand)
            if not can_attach(ctx):
                await send_embed(ctx, standing_embed(member, stand), summary + "\n" + no_attach(),
                                 allowed_mentions=NO_PINGS)
                return
            try:
                club_name, club_icon = await self.clubs.card_club(member)
                card, note = await self.cards.card_for(member, stand, club_name=club_name, club_icon=club_icon)
            except Exception:
                log.exception("Drawing the card of member %s in guild %s failed; sending text", member.id, ctx.guild.id)
                await send_embed(ctx, standing_embed(member, stand), summary, allowed_mentions=NO_PINGS)
                return
        content = summary if note is None else f"{summary}\n{note}"
        await ctx.send(content, file=discord.File(io.BytesIO(card.data), filename=card.filename),
                       allowed_mentions=NO_PINGS)

    @level.command(name="leaderboard", aliases=["lb", "top"])
    @app_commands.describe(page="Which page (ten members a page)", sort="What to rank by",
                           everyone="Include members who left the server")
    @app_commands.choices(sort=[app_commands.Choice(name=name.capitalize() if name != "xp" else "XP", value=name)
                                for name in SORTS])
    async def level_leaderboard(self, ctx: commands.Context, page: int = 1, sort: str = "xp",
                                everyone: bool = False) -> None:
        """The server's top members.

        Ten a page, by `xp` (default), `messages`, `voice` or `thanks`.

        Only current members are listed; pass `true` last to include members who left.
        Examples: `[p]level leaderboard 2`, `[p]level leaderboard 1 messages`
        """
        sort = sort.lower()
        if sort not in SORTS:
            await refuse(ctx, _("Sort by {sorts}.").format(sorts=", ".join(f"`{name}`" for name in SORTS)))
            return
        if page < 1 or (not everyone and page > MAX_LEADERBOARD_PAGES):
            await refuse(ctx, _("Pick a page from 1 to {last}.").format(last=MAX_LEADERBOARD_PAGES))
            return
        guild = ctx.guild
        if sort != "xp":
            keep = None if everyone else (lambda uid: guild.get_member(uid) is not None)
            wanted = min(page + 4, MAX_LEADERBOARD_PAGES) * PAGE_SIZE
            entries = await standing_service.leaderboard_by(self.xp, self.store, guild.id, SORTS[sort], wanted, keep)
            first, total_pages = 1, -(-len(entries) // PAGE_SIZE)
        elif everyone:  # straight from the ranking index: any page costs the same
            await self.xp.flush()  # the count includes what is not written yet
            ranked = await self.store.ranked(guild.id)
            total_pages = max(1, -(-ranked // PAGE_SIZE))
            if ranked and page > total_pages:  # past the last page (however far: never handed to SQLite)
                await refuse(ctx, only_pages(total_pages))
                return
            first = max(1, page - 2)
            entries = await standing_service.leaderboard_page(self.xp, self.store, guild.id, first, 5 * PAGE_SIZE)
        else:  # current members only: departed members are skipped as the ranking is read
            first = 1
            wanted = min(page + 4, MAX_LEADERBOARD_PAGES) * PAGE_SIZE
            entries = await standing_service.leaderboard(
                self.xp, self.store, guild.id, wanted, lambda uid: guild.get_member(uid) is not None)
            total_pages = -(-len(entries) // PAGE_SIZE)
            if len(entries) == wanted:  # more than were read: every member with XP, capped at what is shown
                ranked = await self.store.ranked(guild.id)
                total_pages = min(max(total_pages, -(-ranked // PAGE_SIZE)), MAX_LEADERBOARD_PAGES)
        if not entries:  # nobody on this board at all: say so (to the caller alone past page 1)
            if page == 1:
                await ctx.send(empty_board(sort))
            else:
                await refuse(ctx, empty_board(sort))
            return
        pages = [entries[i:i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)]
        if page >= first + len(pages):
            await refuse(ctx, only_pages(total_pages))
            return
        colour = await ctx.embed_colour()
        rendered = [
            leaderboard_embed(guild, chunk, first + i, total_pages, sort, colour) for i, chunk in enumerate(pages)
        ]
        link = await self.web_link(guild.id)  # the server's web leaderboard, when it has one
        if link is not None:
            for embed in rendered:
                embed.description += "\n\n" + _("The whole leaderboard on the web: {link}").format(link=link)
        as_text = not await ctx.embed_requested()
        if len(rendered) == 1:
            await send_page(ctx, embed_text(rendered[0]) if as_text else rendered[0])
        else:
            await SimpleMenu(menu_pages(rendered, as_text), page_start=page - first, timeout=120).start(ctx)

    @level.command(name="profile")
    @app_commands.describe(member="Whose profile (yours by default)")
    async def level_profile(self, ctx: commands.Context, member: discord.Member = None) -> None:
        """A member's level and activity counters.

        Level, rank, XP, progress and every activity counter.

        Example: `[p]level profile @Alice`
        """
        member = member or ctx.author
        stand = await standing_service.standing(self.xp, self.store, ctx.guild.id, member.id)
        embed = profile_embed(member, stand)
        streak, best, claimed = await self.goals.streak(member)
        embed.add_field(name=_("Daily streak"), value=streak_text(streak, best, claimed))
        unlocked = len(await self.store.unlocked_with_dates(ctx.guild.id, member.id))
        embed.add_field(name=_("Achievements"), value=str(unlocked))
        club = await self.store.club_of(ctx.guild.id, member.id)
        if club is not None:
            embed.add_field(name=_("Club"), value=club.name)
        await send_embed(ctx, embed, summary_line(member, stand), allowed_mentions=NO_PINGS)

    @level.command(name="xpstats")
    @commands.cooldown(CARD_RATE, CARD_WINDOW, commands.BucketType.member)
    @app_commands.describe(who="A member, or `server` for the whole server (you by default)",
                           days="How many days back (1 to 90)")
    async def level_xpstats(self, ctx: commands.Context, who: Optional[str] = None, days: int = 14) -> None:
        """A chart of XP per day by source.

        With totals, daily average, best day and share by source.

        `who` is a member or `server`. Examples: `[p]level xpstats`, `[p]level xpstats @Alice 30`,
        `[p]level xpstats server 7`
        """
        member: Optional[discord.Member] = ctx.author
        if who is not None:
            if who.lower() == "server":
                member = None
            else:
                try:
                    member = await commands.MemberConverter().convert(ctx, who)
                except commands.BadArgument:
                    if who.isascii() and who.isdigit() and len(who) < 4 and ctx.interaction is None:
                        days = int(who)  # `[p]level xpstats 30`: the days alone (a slash command has its own)
                    else:
                        await refuse(ctx, _("I can't find the member `{who}`; use a mention, a name or `server`.")
                                     .format(who=clip(who, 100)), allowed_mentions=NO_PINGS)
                        return
        if not 1 <= days <= MAX_STATS_DAYS:
            await refuse(ctx, _("Pick between 1 and {most} days.").format(most=MAX_STATS_DAYS))
            return
        await self.xp.flush_recent()
        today = int(self.store.now()) // 86_400 * 86_400
        start = today - (days - 1) * 86_400
        rows = await self.store.history_by_day(ctx.guild.id, member.id if member else None, start)
        stats = XpStats.from_rows(rows, days, start)
        name = member.display_name if member else ctx.guild.name
        title = stats_title(name, days)
        if not can_attach(ctx):
            await ctx.send(stats_text(name, stats) + "\n" + no_attach(), allowed_mentions=NO_PINGS)
            return
        async with ctx.typing():  # a slash command shows "thinking" while the chart is drawn
            chart = await self.cards.generator.run(render_chart, stats, title, self.cards.generator.fonts)
        await ctx.send(stats_text(name, stats), file=discord.File(io.BytesIO(chart), filename="xpstats.png"),
                       allowed_mentions=NO_PINGS)

    @level.command(name="rewards")
    async def level_rewards(self, ctx: commands.Context) -> None:
        """List the roles and currency members earn at each level.

        Example: `[p]level rewards`
        """
        from .admin import send_rewards  # one list for members and admins

        await send_rewards(ctx, await self.settings.get(ctx.guild.id))

    @level.command(name="notify")
    @app_commands.describe(where="Where your level-ups are announced")
    @app_commands.choices(where=[app_commands.Choice(name=name, value=name) for name in NOTIFY_CHOICES])
    async def level_notify(self, ctx: commands.Context, where: Optional[str] = None) -> None:
        """Choose where your level-ups are announced.

        `here`: the channel where you level up; `dm`: a direct message; `off`: nowhere;
        `server`: wherever the server announces them (the default). When the server has
        level-up messages off, none are sent whatever you choose.

        Alone, it shows your choice.  Example: `[p]level notify dm`
        """
        settings = await self.settings.get(ctx.guild.id)
        if where is None:
            text = _("Your level-ups are announced {where}.").format(
                where=notify_place(await self.notify.choice(ctx.author), settings))
        else:
            where = where.lower()
            if where not in NOTIFY_CHOICES:
                await refuse(ctx, _("Pick one of {choices}.").format(
                    choices=", ".join(f"`{name}`" for name in NOTIFY_CHOICES)))
                return
            await self.notify.set_choice(ctx.author, where)
            text = _("From now on your level-ups are announced {where}.").format(
                where=notify_place(where, settings))
        if settings.announce_mode == "off":
            text += "\n" + _("This server has level-up messages turned off, so none are sent for now.")
        await ctx.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @level.command(name="private", ignore_extra=False)
    @app_commands.describe(hidden="true to hide your name and avatar on the web, false to show them")
    async def level_private(self, ctx: commands.Context, hidden: Optional[bool] = None) -> None:
        """Hide your name and avatar on the web leaderboard.

        You keep your rank there, shown as a hidden member, and your own page is gone.
        Alone, it shows your choice.  Example: `[p]level private true`
        """
        if hidden is None:
            hidden = await self.web_privacy.is_private(ctx.guild.id, ctx.author.id)
            text = (_("You are hidden on this server's web leaderboard.") if hidden
                    else _("Your name and avatar are shown on this server's web leaderboard."))
        else:
            await self.web_privacy.set_private(ctx.guild.id, ctx.author.id, hidden)
            self.web.site.forget(ctx.guild.id)
            text = (_("From now on you are hidden on this server's web leaderboard: your rank shows as a hidden "
                      "member.") if hidden
                    else _("From now on your name and avatar are shown on this server's web leaderboard."))
        await ctx.send(text, ephemeral=True)

    @level_xpstats.autocomplete("who")
    async def _xpstats_who_choices(self, interaction: discord.Interaction,
                                   current: str) -> list[app_commands.Choice[str]]:
        """`server`, then the server's members whose name starts with what was typed."""
        guild = interaction.guild
        if guild is None:
            return []
        wanted = current.casefold()
        choices = [app_commands.Choice(name=_("The whole server"), value="server")] if "server".startswith(wanted) else []
        for member in guild.members:
            if len(choices) == MAX_CHOICES:
                break
            if not member.bot and (member.display_name.casefold().startswith(wanted)
                                   or member.name.casefold().startswith(wanted)):
                choices.append(app_commands.Choice(name=member.display_name[:100], value=str(member.id)))
        return choices


def notify_place(choice: str, settings) -> str:
    """Where a ``[p]level notify`` choice sends a member's level-ups, in words."""
    if choice == "here":
        return _("in the channel where you level up")
    if choice == "dm":
        return _("in a direct message")
    if choice == "off":
        return _("nowhere (you turned them off)")
    if settings.announce_mode == "set":
        return _("as the server decides: in <#{channel}>").format(channel=settings.announce_channel)
    if settings.announce_mode == "dm":
        return _("as the server decides: in a direct message")
    if settings.announce_mode == "off":
        return _("as the server decides: nowhere")
    return _("as the server decides: in the channel where you level up")


def no_attach() -> str:
    """The note under a text reply sent instead of an image."""
    return _("-# I can't attach images in this channel, so here is the text.")


def can_attach(ctx: commands.Context) -> bool:
    return ctx.channel.permissions_for(ctx.me).attach_files


def summary_line(member: discord.Member, stand: standing_service.Standing) -> str:
    """One line for screen readers and members with embeds or previews off."""
    p = stand.progress
    if stand.rank is None:
        text = _("{name}: level {level}, unranked (no XP yet), {into}/{needed} XP into the level, "
                 "{total} XP in total.")
    else:
        text = _("{name}: level {level}, rank {rank}, {into}/{needed} XP into the level, {total} XP in total.")
    return text.format(name=discord.utils.escape_markdown(member.display_name), level=p.level, rank=stand.rank_text,
                       into=humanize_number(p.into_level), needed=humanize_number(p.needed),
                       total=humanize_number(p.total_xp))


def streak_text(streak: int, best: int, claimed: bool) -> str:
    """The profile's daily streak: "2 days (best 5) · claimed today"."""
    if streak == 1:
        text = _("1 day (best {best})").format(best=best)
    else:
        text = _("{count} days (best {best})").format(count=streak, best=best)
    return " · ".join((text, _("claimed today"))) if claimed else text


def standing_embed(member: discord.Member, stand: standing_service.Standing) -> discord.Embed:
    p = stand.progress
    embed = discord.Embed(title=f"{member.display_name}", colour=member.colour or discord.Colour.blurple())
    embed.set_thumbnail(url=member.display_avatar.url)
    embed.add_field(name=_("Level"), value=str(p.level))
    embed.add_field(name=_("Rank"), value=stand.rank_text)
    embed.add_field(name=_("Total XP"), value=humanize_number(p.total_xp))
    embed.add_field(
        name=_("Progress"),
        value=_("`{bar}` {into} / {needed} XP").format(
            bar=text_bar(p.fraction), into=humanize_number(p.into_level), needed=humanize_number(p.needed)),
        inline=False,
    )
    row = stand.row
    if row.awarded_xp:
        embed.add_field(name=_("Awarded by admins"), value=humanize_number(row.awarded_xp))
    embed.add_field(name=_("Messages"), value=humanize_number(row.messages))
    if row.voice_seconds:
        from datetime import timedelta

        embed.add_field(name=_("Voice time"),
                        value=humanize_timedelta(timedelta=timedelta(seconds=row.voice_seconds)))
    return embed


def leaderboard_embed(guild: discord.Guild, entries, number: int, total_pages: int, sort: str = "xp",
                      colour: discord.Colour = discord.Colour.gold()) -> discord.Embed:
    lines = []
    for entry in entries:
        member = guild.get_member(entry.user_id)
        name = (discord.utils.escape_markdown(member.display_name) if member
                else _("(left) {user_id}").format(user_id=entry.user_id))
        lines.append(f"`#{entry.position:>3}` **{name}** \N{EM DASH} {board_value(sort, entry)}")
    embed = discord.Embed(title=board_title(guild, sort), description="\n".join(lines), colour=colour)
    embed.set_footer(text=_("Page {page}/{pages}").format(page=number, pages=total_pages))
    return embed


def board_value(sort: str, entry: standing_service.LeaderboardEntry) -> str:
    """What a leaderboard line shows after the name, by sort."""
    if sort == "xp":
        return _("level {level}, {xp} XP").format(level=entry.level, xp=humanize_number(entry.xp))
    if sort == "voice":
        return _("{hours} h in voice").format(hours=decimal(entry.xp / 3600, 1))
    if sort == "messages":
        if entry.xp == 1:
            return _("1 message")
        return _("{count} messages").format(count=humanize_number(entry.xp))
    if entry.xp == 1:
        return _("1 thanks")
    return _("{count} thanks").format(count=humanize_number(entry.xp))


def board_title(guild: discord.Guild, sort: str) -> str:
    return {
        "xp": _("{guild} leaderboard"),
        "messages": _("{guild} leaderboard by messages"),
        "voice": _("{guild} leaderboard by voice"),
        "thanks": _("{guild} leaderboard by thanks"),
    }[sort].format(guild=guild.name)


def profile_embed(member: discord.Member, stand: standing_service.Standing) -> discord.Embed:
    p, row = stand.progress, stand.row
    embed = discord.Embed(title=_("{name}'s profile").format(name=member.display_name),
                          colour=member.colour or discord.Colour.blurple())
    embed.set_thumbnail(url=member.display_avatar.url)
    embed.add_field(name=_("Level"), value=str(p.level))
    embed.add_field(name=_("Rank"), value=stand.rank_text)
    embed.add_field(name=_("XP"), value=_("{xp} ({percent} to level {next})").format(
        xp=humanize_number(p.total_xp), percent=f"{p.fraction:.0%}", next=p.level + 1))
    embed.add_field(name=_("Messages"), value=humanize_number(row.messages))
    embed.add_field(name=_("Links shared"), value=humanize_number(row.links))
    embed.add_field(name=_("Thanks received"), value=humanize_number(row.thanks))
    embed.add_field(name=_("Reactions"), value=humanize_number(row.reactions))
    embed.add_field(name=_("Commands"), value=humanize_number(row.commands))
    embed.add_field(name=_("Voice time"), value=_("{hours} h").format(hours=decimal(row.voice_seconds / 3600, 1)))
    if row.awarded_xp:
        embed.add_field(name=_("Awarded by admins"), value=humanize_number(row.awarded_xp))
    return embed


def stats_title(name: str, days: int) -> str:
    """The chart's title: one day is today, more are the last so many."""
    if days == 1:
        return _("XP of {name}, today").format(name=name)
    return _("XP of {name}, last {days} days").format(name=name, days=days)


def stats_text(name: str, stats: XpStats) -> str:
    if stats.days == 1:
        head = _("**{name}**: {total} XP today.")
    else:
        head = _("**{name}**: {total} XP over {days} days, {average} a day on average.")
    region = stats.labels.region
    lines = [head.format(name=discord.utils.escape_markdown(name), total=humanize_number(stats.total), days=stats.days,
                         average=format_decimal(round(stats.daily_average, 1), AVERAGE_PATTERN, locale=region))]
    best = stats.best_day
    if best:
        lines.append(_("Best day: {date} with {xp} XP.").format(
            date=format_skeleton(BEST_DAY_SKELETON, datetime.fromtimestamp(best[0], tz=timezone.utc).date(),
                                 locale=region),
            xp=humanize_number(best[1])))
    if stats.total:
        names = stats.labels.sources
        shares = ", ".join(f"{names.get(source, source)} {format_percent(xp / stats.total, locale=region)} "
                           f"({humanize_number(xp)})"
                           for source, xp in stats.by_source.items())
        lines.append(_("By source: {shares}").format(shares=shares))
    else:
        lines.append(_("No XP in this period."))
    return "\n".join(lines)
