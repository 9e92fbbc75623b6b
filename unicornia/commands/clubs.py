"""``[p]club``: create, join and run clubs; their info and leaderboard.  Rules live in the service."""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import AsyncIterator, Optional

import discord
from discord import app_commands
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number
from redbot.core.utils.mod import is_admin_or_superior

from ..abc import MixinMeta
from . import hybrid
from .replies import NO_PINGS, refuse, send_embed
from .hints import with_prefix
from .confirm import confirm
from ..i18n import _
from ..core.templates import blank
from ..core.transfer import valid_id
from ..systems.clubs import ClubError, ClubInfo, ClubLeaderboard, ClubService, echo, name_key

#: Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25
#: Members whose names a typed name is matched against (every member of all but the largest clubs).
MAX_CLUB_NAME_SCAN = 20_000
#: Quotes members put around a name out of habit (discord.py keeps them in a rest-of-message argument).
QUOTE_PAIRS = {'"': '"', "'": "'", "\N{LEFT DOUBLE QUOTATION MARK}": "\N{RIGHT DOUBLE QUOTATION MARK}"}


def unquote(text: Optional[str]) -> Optional[str]:
    """``"Night Owls"`` -> ``Night Owls``; anything else unchanged."""
    if text and len(text) >= 2 and QUOTE_PAIRS.get(text[0]) == text[-1]:
        return text[1:-1]
    return text


@contextlib.asynccontextmanager
async def replying(ctx: commands.Context) -> AsyncIterator[None]:
    """Run a club action; a refusal becomes the reply and ends the command."""
    try:
        yield
    except ClubError as exc:
        await refuse(ctx, with_prefix(ctx, str(exc)), allowed_mentions=NO_PINGS)


class MemberOrId(commands.Converter):
    """A member, or the user ID of someone who left the server: ``(user id, name to show)``.

    A slash command gets it as text (with the club's members offered as choices)."""

    async def convert(self, ctx: commands.Context, argument: str) -> tuple[int, str]:
        text = argument.strip()
        not_found = commands.BadArgument(
            _("I can't find the member `{name}`; use a mention or a user ID.").format(name=echo(text)))
        if blank(text):  # nothing to look up (discord.py refuses an empty query)
            raise not_found
        # an ID: a member here, or someone who left (no look-up on Discord); ASCII digits only ('²' is a
        # digit to str.isdigit, not to int), and no Discord ID is past SQLite's integers
        if text.isascii() and text.isdigit():
            user_id = int(text)
            if not valid_id(user_id):
                raise not_found
            user = ctx.guild.get_member(user_id) or ctx.bot.get_user(user_id)
            return user_id, echo(user.display_name) if user else _("User {user_id}").format(user_id=user_id)
        try:
            member = await commands.MemberConverter().convert(ctx, text)
        except commands.BadArgument:
            raise not_found from None
        return member.id, echo(member.display_name)


async def is_club_admin(ctx: commands.Context) -> bool:
    """Red's admin_or_permissions(manage_guild=True): bot owner, admin role, or Manage Server."""
    member = ctx.author
    return member.guild_permissions.manage_guild or await is_admin_or_superior(ctx.bot, member)


def member_name(guild: discord.Guild, user_id: int) -> str:
    member = guild.get_member(user_id)
    return echo(member.display_name) if member else _("(left) {user_id}").format(user_id=user_id)


def info_summary(info: ClubInfo) -> str:
    """One line for screen readers and members with embeds off."""
    if info.members == 1:
        text = _("**{club}**: 1 member, {xp} XP, rank #{rank} of {ranked}.")
    else:
        text = _("**{club}**: {members} members, {xp} XP, rank #{rank} of {ranked}.")
    return text.format(club=info.club.name, members=humanize_number(info.members), xp=humanize_number(info.xp),
                       rank=info.rank, ranked=humanize_number(info.ranked))


def info_embed(guild: discord.Guild, info: ClubInfo) -> discord.Embed:
    club = info.club
    embed = discord.Embed(title=club.name, colour=discord.Colour.teal())
    if club.icon_url:
        embed.set_thumbnail(url=club.icon_url)
    embed.add_field(name=_("Owner"), value=member_name(guild, club.owner_id))
    embed.add_field(name=_("Members"), value=humanize_number(info.members))
    embed.add_field(name=_("Total XP"), value=humanize_number(info.xp))
    embed.add_field(name=_("Rank"), value=_("#{rank} of {ranked}").format(rank=info.rank,
                                                                         ranked=humanize_number(info.ranked)))
    created = datetime.fromtimestamp(club.created_at, tz=timezone.utc)
    embed.add_field(name=_("Created"), value=discord.utils.format_dt(created, "D"))
    if info.top_members:
        lines = [_("{position}. {name} \N{EM DASH} {xp} XP").format(
                     position=i, name=member_name(guild, uid), xp=humanize_number(xp))
                 for i, (uid, xp) in enumerate(info.top_members, 1)]
        embed.add_field(name=_("Top members"), value="\n".join(lines), inline=False)
    return embed


def leaderboard_embed(guild: discord.Guild, board: ClubLeaderboard) -> discord.Embed:
    lines = [(_("`#{position}` **{club}** \N{EM DASH} {xp} XP, 1 member") if e.members == 1
              else _("`#{position}` **{club}** \N{EM DASH} {xp} XP, {members} members")).format(
                 position=f"{e.position:>3}", club=e.name, xp=humanize_number(e.xp), members=humanize_number(e.members))
             for e in board.entries]
    embed = discord.Embed(title=_("{guild} clubs").format(guild=guild.name), description="\n".join(lines),
                          colour=discord.Colour.gold())
    if board.clubs == 1:
        footer = _("Page {page}/{pages} \N{EM DASH} 1 club")
    else:
        footer = _("Page {page}/{pages} \N{EM DASH} {clubs} clubs")
    embed.set_footer(text=footer.format(page=board.page, pages=board.pages, clubs=humanize_number(board.clubs)))
    return embed


class ClubCommands(MixinMeta):
    clubs: ClubService

    @hybrid.group(name="club", invoke_without_command=True)
    @commands.guild_only()
    async def club(self, ctx: commands.Context) -> None:
        """Clubs: members band together.

        A club's XP is its members' XP.

        Alone, it shows your club.  A member's XP card shows their club's name and icon.
        """
        await ctx.invoke(self.club_info)

    @club.command(name="create")
    @app_commands.describe(name="Up to 20 characters, unique in this server")
    async def club_create(self, ctx: commands.Context, *, name: str = "") -> None:
        """Start a club and become its owner.

        Names are up to 20 characters, unique in the server (ignoring case), without mentions,
        markdown or links.  Example: `[p]club create Night Owls`
        """
        async with replying(ctx):
            club = await self.clubs.create(ctx.author, unquote(name))
            await ctx.send(with_prefix(ctx, _("Created **{club}**; you're its owner. Others join with "
                                              "`[p]club join {club}`; give it an icon with `[p]club icon <link>`.")
                                       .format(club=club.name)))

    @club.command(name="join")
    @app_commands.describe(name="The club's name")
    async def club_join(self, ctx: commands.Context, *, name: str = "") -> None:
        """Join a club (one at a time).

        Example: `[p]club join Night Owls`
        """
        async with replying(ctx):
            club = await self.clubs.join(ctx.author, unquote(name))
            await ctx.send(_("You joined **{club}**. Your XP now counts for the club.").format(club=club.name))

    @club.command(name="leave")
    async def club_leave(self, ctx: commands.Context) -> None:
        """Leave your club.

        An owner hands the club over (`[p]club transfer`) or disbands it instead.  Example: `[p]club leave`
        """
        async with replying(ctx):
            club = await self.clubs.leave(ctx.author)
            await ctx.send(_("You left **{club}**.").format(club=club.name))

    @club.command(name="icon")
    @app_commands.describe(url="A link to a PNG, JPEG, GIF or WebP image, or `none`")
    async def club_icon(self, ctx: commands.Context, *, url: str = "") -> None:
        """Set your club's icon from an image link (owner).

        A PNG, JPEG, GIF or WebP link; `none` removes the icon.  The icon shows on members' XP cards.
        Example: `[p]club icon https://example.com/owl.png`
        """
        async with replying(ctx):
            await self.clubs.check_icon(ctx.author, url)  # refusals before the download
            # a slash command's "thinking" is private: a refused download answers the owner alone
            async with ctx.typing(ephemeral=True):
                club, new_url = await self.clubs.set_icon(ctx.author, url)
            if new_url is None:
                await ctx.send(_("**{club}** no longer has an icon.").format(club=club.name))
            else:
                await ctx.send(_("**{club}** has a new icon; it shows on its members' XP cards.").format(club=club.name))

    @club.command(name="kick")
    @app_commands.describe(member="A member of your club, or the user ID of one who left the server")
    async def club_kick(self, ctx: commands.Context, member: MemberOrId) -> None:
        """Remove a member from your club (owner).

        A user ID works for someone who has left the server.  Example: `[p]club kick @Bob`
        """
        user_id, shown = member
        async with replying(ctx):
            club = await self.clubs.kick(ctx.author, user_id, shown)
            await ctx.send(_("{member} is no longer a member of **{club}**.").format(member=shown, club=club.name),
                           allowed_mentions=NO_PINGS)

    @club.command(name="transfer")
    @app_commands.describe(member="The club member who becomes its owner")
    async def club_transfer(self, ctx: commands.Context, member: discord.Member) -> None:
        """Hand your club to another of its members (owner).

        Asks for confirmation; you stay a member.  Example: `[p]club transfer @Bob`
        """
        async with replying(ctx):
            club = await self.clubs.check_transfer(ctx.author, member)
            shown = echo(member.display_name)
            if not await confirm(ctx, _("Make {member} the owner of **{club}**? You stay a member.").format(
                    member=shown, club=club.name)):
                return
            club = await self.clubs.transfer(ctx.author, member)
            await ctx.send(_("{member} now owns **{club}**.").format(member=shown, club=club.name),
                           allowed_mentions=NO_PINGS)

    @club.command(name="disband")
    @app_commands.describe(name="A club's name (server admins only; yours by default)")
    async def club_disband(self, ctx: commands.Context, *, name: Optional[str] = None) -> None:
        """End your club (owner) or any club (server admins).

        Every member is removed; asks for confirmation first.
        Examples: `[p]club disband`, `[p]club disband Night Owls` (admins)
        """
        is_admin = await is_club_admin(ctx)
        async with replying(ctx):
            name = unquote(name)
            club = await self.clubs.check_disband(ctx.author, name, is_admin=is_admin)
            members = await self.clubs.member_count(club)
            if members == 1:
                question = _("Disband **{club}** and remove its 1 member? This can't be undone.")
            else:
                question = _("Disband **{club}** and remove its {members} members? This can't be undone.")
            if not await confirm(ctx, question.format(club=club.name, members=humanize_number(members))):
                return
            club, members = await self.clubs.disband(ctx.author, name or None, is_admin=is_admin)
            if members == 1:
                done = _("**{club}** was disbanded; its 1 member is free to join another club.")
            else:
                done = _("**{club}** was disbanded; its {members} members are free to join another club.")
            await ctx.send(done.format(club=club.name, members=humanize_number(members)))

    @club.command(name="info")
    @app_commands.describe(name="A club's name (yours by default)")
    async def club_info(self, ctx: commands.Context, *, name: Optional[str] = None) -> None:
        """Show a club: owner, members, total XP, rank, creation date.

        Your own club by default.  Examples: `[p]club info`, `[p]club info Night Owls`
        """
        async with replying(ctx):
            info = await self.clubs.info(ctx.author, unquote(name))
            await send_embed(ctx, info_embed(ctx.guild, info), info_summary(info), allowed_mentions=NO_PINGS)

    @club.command(name="leaderboard", aliases=["lb", "top"])
    @app_commands.describe(page="Which page (ten clubs a page)")
    async def club_leaderboard(self, ctx: commands.Context, page: int = 1) -> None:
        """The server's clubs by total XP, ten a page.

        Example: `[p]club leaderboard 2`
        """
        async with replying(ctx):
            board = await self.clubs.leaderboard(ctx.guild.id, page)
            await send_embed(ctx, leaderboard_embed(ctx.guild, board))

    # --- slash command choices -----------------------------------------------------------------
    @club_join.autocomplete("name")
    @club_info.autocomplete("name")
    @club_disband.autocomplete("name")
    async def _club_name_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        names = await self.store.club_names(interaction.guild.id, name_key(current), MAX_CHOICES)
        return [app_commands.Choice(name=name, value=name) for name in names]

    @club_kick.autocomplete("member")
    async def _club_member_choices(self, interaction: discord.Interaction,
                                   current: str) -> list[app_commands.Choice[str]]:
        """The caller's club's members (not the caller), by name."""
        guild = interaction.guild
        if guild is None:
            return []
        club = await self.store.club_of(guild.id, interaction.user.id)
        if club is None:
            return []
        wanted = current.strip().casefold()
        if wanted.isascii() and wanted.isdigit():  # an ID: that member, if they are in the club
            user_id = int(wanted)
            found = valid_id(user_id) and await self.store.club_of(guild.id, user_id)
            candidates = [user_id] if found and found.id == club.id else []
        elif wanted:  # a name: any member of the club, not only those with the most XP
            candidates = await self.store.club_member_ids(club.id, MAX_CLUB_NAME_SCAN)
        else:  # nothing typed yet: the members with the most XP first
            candidates = [user_id for user_id, _xp in await self.store.club_top_members(club.id, MAX_CHOICES + 1)]
        choices = []
        for user_id in candidates:
            if user_id == interaction.user.id:
                continue
            member = guild.get_member(user_id)
            shown = member.display_name if member else _("(left) {user_id}").format(user_id=user_id)
            if not wanted or wanted in shown.casefold() or wanted == str(user_id):
                choices.append(app_commands.Choice(name=shown[:100], value=str(user_id)))
            if len(choices) == MAX_CHOICES:
                break
        return choices

