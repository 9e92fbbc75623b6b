"""``[p]xpshop``: browse, buy and equip card backgrounds; reload the config; audit the shop.

Every reply is translated where it is built, in the language of the command (or, for the
browser's buttons, of the server: see :meth:`ShopBrowser.interaction_check`)."""
from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Optional

import discord
from discord import app_commands
from redbot.core import bank, commands
from redbot.core.utils.chat_formatting import humanize_number

from ..abc import MixinMeta
from . import hybrid
from .hints import with_prefix
from .level import can_attach
from .replies import refuse, send_long
from ..core.shop_config import DEFAULT_KEY, ShopConfigError, ShopItem
from ..i18n import _, guild_locale
from ..systems import standing as standing_service
from ..systems.card_service import BackgroundUnavailable, CardPreview
from ..systems.shop import BuyResult, BuyStatus, ShopService, UseStatus
from ..systems.standing import Standing

log = logging.getLogger("red.unicornia.commands")
BROWSER_TIMEOUT = 180
#: Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25
PREVIEW_NAME = "preview{suffix}"


def refused_notice(shop: ShopService) -> Optional[str]:
    """For the bot owner: the shop runs on the shipped default because their file was refused."""
    if shop.refused is None:
        return None
    return _("The shop config at `{path}` was refused: {reason}. The shop uses the bundled default until the file "
             "is fixed and `[p]xpshop reload` is run.").format(path=shop.config_path, reason=shop.refused)


def money(amount: int, currency: str) -> str:
    """An amount in the bank's currency, such as "1,000 credits"."""
    return _("{amount} {currency}").format(amount=humanize_number(amount), currency=currency)


def log_actions() -> dict[str, str]:
    """The shop log's actions (as the store records them) in the reader's words."""
    return {"buy": _("buy"), "use": _("use"), "refund": _("refund")}


def buy_message(result: BuyResult, currency: str) -> str:
    item = result.item
    if result.status is BuyStatus.UNKNOWN:
        return _("There's no background with that key for sale. See `[p]xpshop backgrounds`.")
    if result.status is BuyStatus.ALREADY_OWNED:
        return _("You already own **{item}**; nothing was charged. Equip it with `[p]xpshop use {key}`.").format(
            item=item.name, key=item.key)
    if result.status is BuyStatus.CANT_AFFORD:
        return _("**{item}** costs {price} and you have {balance}; nothing was charged.").format(
            item=item.name, price=money(item.price, currency), balance=humanize_number(result.balance))
    if result.status is BuyStatus.REFUNDED:
        return _("Something went wrong recording your purchase, so your money was refunded. Please try again later.")
    if not item.price:
        return _("You bought **{item}** (free). Balance: {balance}. Equip it with `[p]xpshop use {key}`.").format(
            item=item.name, balance=money(result.balance, currency), key=item.key)
    return _("You bought **{item}** ({price}). Balance: {balance}. Equip it with `[p]xpshop use {key}`.").format(
        item=item.name, price=money(item.price, currency), balance=money(result.balance, currency), key=item.key)


def use_message(status: UseStatus, item: Optional[ShopItem]) -> str:
    if status is UseStatus.UNKNOWN:
        return _("There's no background with that key. See `[p]xpshop owned`.")
    if status is UseStatus.NOT_OWNED:
        return _("You don't own **{item}** yet. Buy it with `[p]xpshop buy {key}`.").format(item=item.name,
                                                                                            key=item.key)
    if status is UseStatus.ALREADY_USING:
        return _("**{item}** is already on your card.").format(item=item.name)
    return _("**{item}** is now your card background.").format(item=item.name)


def preview_unavailable(reason: Optional[str]) -> str:
    """Why a page shows the background alone instead of the member's card with it."""
    if reason is None:
        return _("Your card couldn't be drawn with this background, so here it is alone.")
    return _("Your card couldn't be drawn with this background ({reason}), so here it is alone.").format(reason=reason)


async def item_page(shop: ShopService, item: ShopItem, *, number: int, total: int, owned: set[str], using: str,
                    currency: str, preview: Optional[CardPreview] = None, note: Optional[str] = None) -> dict:
    """One listing page: an embed and the file it shows, if any.

    The picture is ``preview`` (the member's card with this background) when there is one; else
    the background alone (a bundled file, or the item's address), after ``note`` saying why."""
    markers = []
    if item.key == using:
        markers.append("\N{WHITE MEDIUM STAR} " + _("in use"))
    elif item.key in owned:
        markers.append("\N{WHITE HEAVY CHECK MARK} " + _("owned"))
    embed = discord.Embed(title=item.name, description=item.desc or None, colour=discord.Colour.purple())
    embed.add_field(name=_("Price"), value=money(item.price, currency) if item.price else _("Free"))
    embed.add_field(name=_("Key"), value=f"`{item.key}`")
    if markers:
        embed.add_field(name=_("Status"), value=" ".join(markers))
    embed.set_footer(text=_("Background {number}/{total} \N{EM DASH} xpshop buy {key}").format(
        number=number, total=total, key=item.key))
    page: dict = {"embed": embed}
    if preview is not None:
        if preview.animated:
            note = _("Animated on your card; the preview shows its first frame.")
        name = PREVIEW_NAME.format(suffix=PurePath(preview.card.filename).suffix)
        embed.set_image(url=f"attachment://{name}")
        page["file_bytes"], page["file_name"] = preview.card.data, name
    elif (path := shop.bundled_file(item)) is not None:
        name = PREVIEW_NAME.format(suffix=path.suffix.lower())
        embed.set_image(url=f"attachment://{name}")
        page["file_path"], page["file_name"] = path, name
    else:
        embed.set_image(url=item.url)
    if note:
        embed.add_field(name=_("Preview"), value=note, inline=False)
    return page


def _files(page: dict) -> list[discord.File]:
    if "file_bytes" in page:
        return [discord.File(io.BytesIO(page["file_bytes"]), filename=page["file_name"])]
    if "file_path" in page:
        return [discord.File(page["file_path"], filename=page["file_name"])]
    return []


class ShopBrowser(discord.ui.View):
    """One background a page, shown on the member's own card, with buttons to page, buy and equip;
    only its member may press them."""

    def __init__(self, cog: "ShopCommands", member: discord.Member, items: list[ShopItem], start: int) -> None:
        super().__init__(timeout=BROWSER_TIMEOUT)
        self.cog = cog
        self.member = member
        self.items = items
        self.index = start
        self.message: Optional[discord.Message] = None
        self.ctx: Optional[commands.Context] = None  # set by start: replies name commands with its prefix
        #: Whether pages show the member's card (set by start: not where the bot can't attach files).
        self.show_card = True
        #: The member's standing and club as the window opened: every page draws the same card.
        self._subject: Optional[tuple[Standing, Optional[str], Optional[bytes]]] = None
        self._drawing = asyncio.Lock()  # one page drawn and shown at a time, in the order pressed
        # labels here, not in the decorators (evaluated once, at import): each view speaks its invoker's language
        self.buy_button.label = _("Buy")
        self.use_button.label = _("Use")

    async def render(self) -> dict:
        shop = self.cog.shop
        owned = await shop.owned_keys(self.member.id)
        using = (await shop.equipped(self.member.id)).key
        item = self.items[self.index]
        preview, note = await self.preview(item)
        page = await item_page(shop, item, number=self.index + 1, total=len(self.items), owned=owned, using=using,
                               currency=await bank.get_currency_name(self.member.guild), preview=preview, note=note)
        self.buy_button.disabled = item.key in owned
        self.use_button.disabled = item.key not in owned or item.key == using
        self.previous_button.disabled = self.next_button.disabled = len(self.items) < 2
        return page

    async def preview(self, item: ShopItem) -> tuple[Optional[CardPreview], Optional[str]]:
        """The member's card with ``item``'s background; or none, and why, if it can't be drawn."""
        if not self.show_card:
            return None, None
        member = self.member
        try:
            if self._subject is None:
                stand = await standing_service.standing(self.cog.xp, self.cog.store, member.guild.id, member.id)
                self._subject = (stand, *await self.cog.clubs.card_club(member))
            stand, club_name, club_icon = self._subject
            return await self.cog.cards.preview(member, item, stand, club_name=club_name, club_icon=club_icon), None
        except BackgroundUnavailable as exc:  # logged where it happened
            return None, preview_unavailable(exc.public)
        except Exception:
            log.exception("Drawing the shop preview of %r for member %s in guild %s failed", item.key, member.id,
                          member.guild.id)
            return None, preview_unavailable(None)

    async def start(self, ctx: commands.Context, note: Optional[str] = None) -> None:
        self.ctx = ctx
        self.show_card = can_attach(ctx)
        async with ctx.typing():  # a slash command answers "thinking..." while the card is drawn
            page = await self.render()
        self.message = await ctx.send(note, embed=page["embed"], files=_files(page), view=self)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the member who opened the window may press its buttons.

        A button press runs in its own task, outside any command: this switches it to the server's
        language, for this check and for the button's callback (discord.py runs both in that task)."""
        await guild_locale(self.cog.bot, self.member.guild)
        if interaction.user.id != self.member.id:
            await interaction.response.send_message(with_prefix(self.ctx, _(
                "This shop window belongs to someone else; open your own with `[p]xpshop`.")), ephemeral=True)
            return False
        if self.cog.bot.get_cog(self.cog.qualified_name) is not self.cog:  # reloaded since: its services are closed
            self.stop()
            await interaction.response.edit_message(view=None)
            await interaction.followup.send(with_prefix(self.ctx, _(
                "Unicornia was reloaded since this shop window opened; open it again with `[p]xpshop`.")),
                ephemeral=True)
            return False
        return True

    async def _show(self, interaction: discord.Interaction, note: Optional[str] = None) -> None:
        """Put the current page in the message, the press acknowledged first: drawing the card may
        take longer than Discord waits for an answer."""
        if not interaction.response.is_done():
            await interaction.response.defer()
        async with self._drawing:
            page = await self.render()
            await interaction.edit_original_response(content=note, embed=page["embed"], attachments=_files(page),
                                                     view=self)

    @discord.ui.button(emoji="\N{BLACK LEFT-POINTING TRIANGLE}", style=discord.ButtonStyle.grey,
                       custom_id="xpshop:previous")
    async def previous_button(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.index = (self.index - 1) % len(self.items)
        await self._show(interaction)

    @discord.ui.button(style=discord.ButtonStyle.green, custom_id="xpshop:buy")  # label: set in __init__
    async def buy_button(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        result = await self.cog.shop.buy(self.member, self.items[self.index].key)
        await self._show(interaction, with_prefix(self.ctx, buy_message(result, await bank.get_currency_name(self.member.guild))))

    @discord.ui.button(style=discord.ButtonStyle.blurple, custom_id="xpshop:use")  # label: set in __init__
    async def use_button(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        status, item = await self.cog.shop.use(self.member, self.items[self.index].key)
        await self._show(interaction, with_prefix(self.ctx, use_message(status, item)))

    @discord.ui.button(emoji="\N{BLACK RIGHT-POINTING TRIANGLE}", style=discord.ButtonStyle.grey,
                       custom_id="xpshop:next")
    async def next_button(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.index = (self.index + 1) % len(self.items)
        await self._show(interaction)

    async def on_timeout(self) -> None:
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except discord.HTTPException:
                pass


class ShopCommands(MixinMeta):
    shop: ShopService

    @hybrid.group(name="xpshop", invoke_without_command=True)
    @commands.guild_only()
    async def xpshop(self, ctx: commands.Context, page: int = 1) -> None:
        """Card backgrounds to buy with currency.

        Alone, it opens the listing.
        """
        await ctx.invoke(self.xpshop_backgrounds, page=page)

    @xpshop.command(name="browse", aliases=["backgrounds", "bgs", "list"])
    @app_commands.describe(page="Which background to open at")
    async def xpshop_backgrounds(self, ctx: commands.Context, page: int = 1) -> None:
        """Browse the backgrounds for sale.

        One a page, with Buy and Use buttons.

        Example: `[p]xpshop backgrounds 2`
        """
        items = self.shop.config.for_sale()
        if not 1 <= page <= len(items):
            await refuse(ctx, _("Pick a page from 1 to {last}.").format(last=len(items)))
            return
        note = refused_notice(self.shop) if await ctx.bot.is_owner(ctx.author) else None
        await ShopBrowser(self, ctx.author, items, page - 1).start(ctx, note and with_prefix(ctx, note))

    @xpshop.command(name="buy")
    @app_commands.describe(key="The background to buy")
    async def xpshop_buy(self, ctx: commands.Context, key: str) -> None:
        """Buy a background by its key.

        Example: `[p]xpshop buy sunset`
        """
        result = await self.shop.buy(ctx.author, key)
        text = with_prefix(ctx, buy_message(result, await bank.get_currency_name(ctx.guild)))
        await ctx.send(text, ephemeral=result.status is not BuyStatus.BOUGHT)

    @xpshop.command(name="use", aliases=["equip"])
    @app_commands.describe(key="A background you own, or `default`")
    async def xpshop_use(self, ctx: commands.Context, key: str) -> None:
        """Put a background you own on your card.

        `default` goes back to the default.

        Example: `[p]xpshop use sunset`
        """
        status, item = await self.shop.use(ctx.author, key)
        await ctx.send(with_prefix(ctx, use_message(status, item)), ephemeral=status is not UseStatus.EQUIPPED)

    @xpshop.command(name="owned", aliases=["inventory"])
    async def xpshop_owned(self, ctx: commands.Context) -> None:
        """List the backgrounds you own.

        Example: `[p]xpshop owned`
        """
        owned = await self.shop.owned(ctx.author.id)
        in_use = _("(in use)")
        lines = [f"{'*' if o.in_use else ' '} {o.item.key:<20} {o.item.name}" + (f" {in_use}" if o.in_use else "")
                 for o in owned]
        await send_long(ctx, lines, boxed=True, heading=_("Your backgrounds ({count}):").format(count=len(owned)),
                        ephemeral=True)

    @xpshop.command(name="reload", with_app_command=False)
    @commands.is_owner()
    async def xpshop_reload(self, ctx: commands.Context) -> None:
        """Re-read the shop config from the data folder (bot owner).

        Example: `[p]xpshop reload`
        """
        on_default = self.shop.refused is not None
        path = self.shop.config_path
        try:
            config = await self.shop.reload()
        except ShopConfigError as exc:
            kept = _("The shop keeps the bundled default.") if on_default else _("The shop keeps its previous config.")
            await ctx.send("\n".join((_("The shop config was **not** applied: {reason}").format(reason=exc), kept,
                                      _("File: `{path}`").format(path=path))))
            return
        except OSError as exc:
            if on_default:
                text = _("Couldn't read `{path}` ({error}); the shop keeps the bundled default.")
            else:
                text = _("Couldn't read `{path}` ({error}); the shop keeps its previous config.")
            await ctx.send(text.format(path=path, error=exc.strerror))
            return
        shown = len(config.for_sale())
        if len(config.backgrounds) == 1:
            text = _("Shop config reloaded: 1 background, {shown} for sale.")
        else:
            text = _("Shop config reloaded: {count} backgrounds, {shown} for sale.")
        await ctx.send(text.format(count=len(config.backgrounds), shown=shown))

    @xpshop.command(name="log", with_app_command=False)
    @commands.admin_or_permissions(manage_guild=True)
    async def xpshop_log(self, ctx: commands.Context, member: discord.Member = None) -> None:
        """Audit purchases, equips and refunds in this server (admins).

        Example: `[p]xpshop log @Alice`
        """
        rows = await self.shop.store.shop_log(ctx.guild.id, member.id if member else None)
        if not rows:
            await ctx.send(_("No shop activity recorded here yet."))
            return
        actions = log_actions()
        width = max(map(len, actions.values()))
        lines = []
        for at, user_id, action, key, price in rows:
            who = ctx.guild.get_member(user_id)
            when = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
            shown = actions.get(action, action)
            name = (who.display_name if who else str(user_id))[:20]
            lines.append(f"{when}  {name:<20} {shown:<{width}} {key:<16} {price}")
        await send_long(ctx, lines, boxed=True)

    # --- slash command choices -----------------------------------------------------------------
    @xpshop_buy.autocomplete("key")
    async def _for_sale_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Backgrounds for sale (shown by name) that the caller does not own yet."""
        owned = await self.shop.owned_keys(interaction.user.id)
        items = [i for i in self.shop.config.for_sale() if i.key not in owned]
        return _item_choices(items, current)

    @xpshop_use.autocomplete("key")
    async def _owned_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Backgrounds the caller owns (and the default)."""
        owned = [o.item for o in await self.shop.owned(interaction.user.id)]
        default = self.shop.config.backgrounds.get(DEFAULT_KEY)
        if default is not None and all(item.key != DEFAULT_KEY for item in owned):
            owned.insert(0, default)
        return _item_choices(owned, current)


def _item_choices(items, current: str) -> list[app_commands.Choice[str]]:
    """Items whose name or key contains what was typed, as choices showing the name."""
    wanted = current.casefold()
    found = [i for i in items if wanted in i.name.casefold() or wanted in i.key.casefold()]
    return [app_commands.Choice(name=f"{i.name} ({i.key})"[:100], value=i.key) for i in found[:MAX_CHOICES]]

