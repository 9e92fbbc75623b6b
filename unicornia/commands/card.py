"""``[p]level card``: each member's card style and accent colour, in each server."""
from __future__ import annotations

import io
import logging
from dataclasses import replace
from typing import Optional

import discord
from discord import app_commands
from redbot.core import commands

from ..abc import MixinMeta
from ..core.card_layout import STYLES, colour_hex, parse_colour, style_named
from ..i18n import _
from ..systems import standing as standing_service
from ..systems.card_service import CardLook
from .hints import with_prefix
from .level import CARD_RATE, CARD_WINDOW, NO_PINGS, LevelCommands, can_attach, no_attach
from .replies import refuse

log = logging.getLogger("red.unicornia.commands")
#: What `[p]level card colour` takes besides a hex colour, to go back to the style's own.
DEFAULT_WORD = "default"


def style_descriptions() -> dict[str, str]:
    """One line per style, in the current language."""
    return {
        "aurora": _("a frosted panel, a large round avatar and a row of tiles (the default)"),
        "classic": _("NadekoBot's arrangement: big level and rank on the left, a slanted bar"),
        "minimal": _("one flat strip, a thin bar and a single line of numbers"),
    }


def styles_list() -> str:
    descriptions = style_descriptions()
    return "\n".join(f"- `{name}`: {descriptions[name]}" for name in STYLES)


def colour_help() -> str:
    """What a colour may be written as; said whenever one is refused."""
    return _("Give a hex colour such as `#5865F2`, `5865F2` or `#58F`, or `default` for the style's own colour.")


def look_text(look: CardLook) -> str:
    """What the member has chosen (or is previewing)."""
    if look.server_style:
        if look.accent is None:
            return _("Your card here: this server's style, `{style}`, in its own colour.").format(style=look.style)
        return _("Your card here: this server's style, `{style}`, colour {colour}.").format(
            style=look.style, colour=colour_hex(look.accent))
    if look.accent is None:
        return _("Your card here: style `{style}` in its own colour.").format(style=look.style)
    return _("Your card here: style `{style}`, colour {colour}.").format(style=look.style, colour=colour_hex(look.accent))


class CardCommands(MixinMeta):
    @LevelCommands.level.group(name="card", invoke_without_command=True)
    @commands.guild_only()
    async def level_card(self, ctx: commands.Context) -> None:
        """Choose how your XP card looks in this server.

        `[p]level card style <name>` and `[p]level card colour <hex>` change it.
        `[p]level card preview` shows it; `[p]level card reset` goes back to the default.
        """
        look = await self.cards.prefs.look(ctx.author)
        await ctx.send(with_prefix(ctx, look_text(look) + "\n" + _("Styles:") + "\n" + styles_list() + "\n"
                                   + _("Change them with `[p]level card style <name>` and "
                                       "`[p]level card colour <hex>`.")))

    @level_card.command(name="colour", aliases=["color"])
    @app_commands.describe(colour="A hex colour such as #5865F2, or `default`")
    async def level_card_colour(self, ctx: commands.Context, colour: str) -> None:
        """Set your card's accent colour in this server.

        A hex colour (`#5865F2`, `5865F2` or `#58F`), or `default` for the style's own.
        Example: `[p]level card colour #ff8a3d`
        """
        if colour.strip().lower() == DEFAULT_WORD:
            await self.cards.prefs.set_colour(ctx.author, None)
            await ctx.send(_("Your card uses its style's own colour again."))
            return
        parsed = parse_colour(colour)
        if parsed is None:
            await refuse(ctx, _("`{given}` is not a colour I know.").format(given=colour[:40]) + " " + colour_help(),
                         allowed_mentions=NO_PINGS)
            return
        await self.cards.prefs.set_colour(ctx.author, parsed)
        await ctx.send(with_prefix(ctx, _("Your card's colour here is now **{colour}**. See it with "
                                          "`[p]level card preview`.").format(colour=colour_hex(parsed))))

    @level_card.command(name="style")
    @app_commands.describe(name="The style's name")
    @app_commands.choices(name=[app_commands.Choice(name=name, value=name) for name in STYLES])
    async def level_card_style(self, ctx: commands.Context, name: Optional[str] = None) -> None:
        """Set your card's style in this server, or list the styles.

        Example: `[p]level card style classic`
        """
        if name is None:
            await ctx.send(_("Styles:") + "\n" + styles_list())
            return
        key = name.strip().lower()
        if key not in STYLES:
            await refuse(ctx, _("There is no card style `{given}`. Pick one of:").format(given=name[:40]) + "\n"
                         + styles_list(), allowed_mentions=NO_PINGS)
            return
        await self.cards.prefs.set_style(ctx.author, key)
        await ctx.send(with_prefix(ctx, _("Your card's style here is now **{style}**. See it with "
                                          "`[p]level card preview`.").format(style=key)))

    @level_card.command(name="preview")
    @commands.cooldown(CARD_RATE, CARD_WINDOW, commands.BucketType.member)
    @app_commands.describe(style="Try a style without choosing it", colour="Try a colour without choosing it")
    @app_commands.choices(style=[app_commands.Choice(name=name, value=name) for name in STYLES])
    async def level_card_preview(self, ctx: commands.Context, style: Optional[str] = None,
                                 colour: Optional[str] = None) -> None:
        """See your card, or try a style and colour first.

        Nothing is changed. Examples: `[p]level card preview`, `[p]level card preview minimal #ff8a3d`
        """
        look = await self.cards.prefs.look(ctx.author)
        if style is not None:
            if style.strip().lower() not in STYLES:
                await refuse(ctx, _("There is no card style `{given}`. Pick one of:").format(given=style[:40]) + "\n"
                             + styles_list(), allowed_mentions=NO_PINGS)
                return
            look = CardLook(style_named(style).name, look.accent)
        if colour is not None:
            if colour.strip().lower() == DEFAULT_WORD:
                look = replace(look, accent=None)
            elif (parsed := parse_colour(colour)) is None:
                await refuse(ctx, _("`{given}` is not a colour I know.").format(given=colour[:40]) + " "
                             + colour_help(), allowed_mentions=NO_PINGS)
                return
            else:
                look = replace(look, accent=parsed)
        if not can_attach(ctx):
            await refuse(ctx, look_text(look) + "\n" + no_attach())
            return
        member = ctx.author
        async with ctx.typing(ephemeral=True):  # a slash command's preview is for the caller alone
            stand = await standing_service.standing(self.xp, self.store, ctx.guild.id, member.id)
            try:
                club_name, club_icon = await self.clubs.card_club(member)
                card, note = await self.cards.card_for(member, stand, club_name=club_name, club_icon=club_icon,
                                                       look=look)
            except Exception:
                log.exception("Drawing a card preview for member %s in guild %s failed", member.id, ctx.guild.id)
                await refuse(ctx, _("I couldn't draw the preview; the bot owner can find the details in the log."))
                return
        content = look_text(look) if note is None else f"{look_text(look)}\n{note}"
        await refuse(ctx, content, file=discord.File(io.BytesIO(card.data), filename=card.filename),
                     allowed_mentions=NO_PINGS)

    @level_card.command(name="reset")
    async def level_card_reset(self, ctx: commands.Context) -> None:
        """Go back to the default style and colour in this server.

        Example: `[p]level card reset`
        """
        await self.cards.prefs.reset(ctx.author)
        style = (await self.settings.get(ctx.guild.id)).card_style
        await ctx.send(_("Your card is back to the `{style}` style in its own colour.").format(style=style))
