"""Gathers what a member's card needs (avatar, equipped background, standing, their chosen style
and colour) and renders it: with the background they use (:meth:`CardService.card_for`), or with
one they are looking at in the shop (:meth:`CardService.preview`).

Runs on the event loop, in the command's language: the card's words are translated here
(:func:`card_labels`) and handed to the drawing thread, which cannot see Red's language."""
from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass, fields
from hashlib import blake2b
from pathlib import Path
from typing import Awaitable, Callable, Hashable, Optional, TypeVar

import discord
from PIL import Image
from redbot.core import Config

from ..core.bytecache import ByteCache
from ..core.card_layout import DEFAULT_STYLE, RGB, STYLES, colour_hex, parse_colour
from ..core.shop_config import ShopItem
from ..i18n import _
from .card_generator import CardData, CardGenerator, RenderedCard, card_labels
from .downloader import DownloadRefused, SafeDownloader
from .images import ImageRejected, check_image
from .settings import SettingsCache
from .shop import ShopService
from .standing import Standing

log = logging.getLogger("red.unicornia.cards")

AVATAR_SIZE = 256
AVATAR_TIMEOUT = 5
FALLBACK_BACKGROUND = "backgrounds/default.png"
#: Red Config, member scope (per member and server): ``None`` is the default style / its own colour.
MEMBER_DEFAULTS = {"card_style": None, "card_colour": None}
#: Shop previews kept, so paging back and forth shows each again at once: how many, bytes, seconds.
PREVIEW_CACHE_ITEMS = 32
PREVIEW_CACHE_BYTES = 24 * 1024 * 1024
PREVIEW_CACHE_TTL = 5 * 60

T = TypeVar("T")


class BackgroundUnavailable(Exception):
    """A background's image couldn't be loaded (already logged); ``public`` is the reason a member
    may be told, translated."""

    def __init__(self, public: str) -> None:
        super().__init__(public)
        self.public = public


@dataclass(frozen=True)
class CardPreview:
    """A member's card drawn with a background from the shop."""

    card: RenderedCard
    #: The background is animated: on their card it moves; the preview shows its first frame.
    animated: bool


def still_frame(data: bytes) -> Optional[bytes]:
    """The first frame of an animated image as a PNG, or None for an image that doesn't move.
    (Run it in a worker thread.)"""
    with Image.open(io.BytesIO(data)) as img:
        if not (getattr(img, "is_animated", False) and img.n_frames > 1):  # the generator's own test
            return None
        img.seek(0)
        out = io.BytesIO()
        img.convert("RGBA").save(out, format="PNG", compress_level=1)
        return out.getvalue()


def fingerprint(card: CardData) -> tuple[Hashable, ...]:
    """Everything drawn on ``card``, small enough to key a cache: images by a digest of their bytes."""
    parts = []
    for f in fields(card):
        value = getattr(card, f.name)
        parts.append(blake2b(value, digest_size=16).digest() if isinstance(value, bytes) else value)
    return tuple(parts)


@dataclass(frozen=True)
class CardLook:
    """A member's choices for their card in one server."""

    style: str = DEFAULT_STYLE
    #: None: the style's own accent colour.
    accent: Optional[RGB] = None
    #: The member hasn't chosen a style: ``style`` is the server's default.
    server_style: bool = False


class CardPreferences:
    """Each member's card style and accent colour, per server, in Red's Config (member scope;
    registered by the cog with :data:`MEMBER_DEFAULTS`); a member who hasn't chosen a style gets the
    server's (``card_style`` in its settings)."""

    def __init__(self, config: Config, settings: SettingsCache) -> None:
        self.config = config
        self.settings = settings

    async def look(self, member: discord.Member) -> CardLook:
        stored = await self.config.member(member).all()
        style = stored.get("card_style")
        colour = stored.get("card_colour")
        accent = parse_colour(colour) if colour else None
        if style in STYLES:
            return CardLook(style, accent)
        return CardLook((await self.settings.get(member.guild.id)).card_style, accent, server_style=True)

    async def set_style(self, member: discord.Member, style: str) -> None:
        """The member's own style, kept even when it is the server's default (which may change)."""
        await self.config.member(member).card_style.set(style)

    async def set_colour(self, member: discord.Member, colour: Optional[RGB]) -> None:
        await self.config.member(member).card_colour.set(None if colour is None else colour_hex(colour))

    async def reset(self, member: discord.Member) -> None:
        group = self.config.member(member)
        for key in MEMBER_DEFAULTS:
            await group.get_attr(key).clear()

    async def delete_user(self, user_id: int) -> None:
        """Forget the user's choices in every server (Red's data deletion)."""
        for guild_id, members in (await self.config.all_members()).items():
            if user_id in members:
                await self.config.member_from_ids(guild_id, user_id).clear()

    async def user_data(self, user_id: int) -> dict[str, dict]:
        """The user's choices by server id (Red's data export)."""
        return {str(guild_id): {key: members[user_id][key] for key in MEMBER_DEFAULTS}
                for guild_id, members in (await self.config.all_members()).items() if user_id in members}


class CardService:
    def __init__(self, generator: CardGenerator, downloader: SafeDownloader, shop: ShopService,
                 bundled_root: Path, prefs: CardPreferences) -> None:
        self.generator = generator
        self.downloader = downloader
        self.shop = shop
        self.bundled_root = bundled_root
        self.prefs = prefs
        self.images = ByteCache(max_items=512, max_bytes=96 * 1024 * 1024, ttl=30 * 60)
        self.previews = ByteCache(PREVIEW_CACHE_ITEMS, PREVIEW_CACHE_BYTES, PREVIEW_CACHE_TTL)

    async def close(self) -> None:
        await self.downloader.close()
        self.generator.close()

    async def card_for(self, member: discord.Member, stand: Standing, *, club_name: Optional[str] = None,
                       club_icon: Optional[bytes] = None,
                       look: Optional[CardLook] = None) -> tuple[RenderedCard, Optional[str]]:
        """The rendered card in the member's style and colour (or ``look``, for a preview), and a
        note for the member when their background could not be used."""
        item = await self.shop.equipped(member.id)
        data, note = await self._card_data(member, stand, item, self.background, club_name=club_name,
                                           club_icon=club_icon, look=look)
        return await self.generator.render(data), note

    async def preview(self, member: discord.Member, item: ShopItem, stand: Standing, *,
                      club_name: Optional[str] = None, club_icon: Optional[bytes] = None) -> CardPreview:
        """The member's card, in their style and colour, drawn with ``item``'s background instead of
        theirs (an animated one as its first frame, as a still).

        The same card drawn again (same member, standing, club, look, language and background) comes
        from a small cache. Raises :class:`BackgroundUnavailable` when ``item``'s image can't be
        loaded: a card over some other background would not show what they'd buy."""
        data, animated = await self._card_data(member, stand, item, self._still_background, club_name=club_name,
                                               club_icon=club_icon)
        key = ("preview", fingerprint(data))
        cached = self.previews.get(key)
        if cached is not None:  # a still background: the generator drew a PNG
            return CardPreview(RenderedCard(cached, "card.png", 1), animated)
        card = await self.generator.render(data)
        self.previews.put(key, card.data)
        return CardPreview(card, animated)

    async def _card_data(self, member: discord.Member, stand: Standing, item: ShopItem,
                         load: Callable[[ShopItem], Awaitable[tuple[bytes, T]]], *, club_name: Optional[str],
                         club_icon: Optional[bytes], look: Optional[CardLook] = None) -> tuple[CardData, T]:
        """What is drawn on the member's card over ``item``'s background as ``load`` gives it (loaded
        alongside their avatar), and what ``load`` said besides the image."""
        look = look or await self.prefs.look(member)
        avatar, (image, said) = await asyncio.gather(self.avatar(member), load(item))
        p = stand.progress
        data = CardData(
            name=member.display_name, level=p.level, rank=stand.rank, ranked=stand.ranked,
            into_level=p.into_level, needed=p.needed, total_xp=p.total_xp, awarded_xp=stand.awarded_xp,
            background=image, avatar=avatar, club_name=club_name, club_icon=club_icon,
            style=look.style, accent=look.accent, labels=card_labels(),
        )
        return data, said

    async def avatar(self, member: discord.Member) -> Optional[bytes]:
        """The member's avatar as a static PNG, or None (the card then draws their initial)."""
        asset = member.display_avatar.replace(size=AVATAR_SIZE, static_format="png")
        if asset.is_animated():
            asset = asset.replace(format="png")
        key = ("avatar", asset.key, AVATAR_SIZE)
        cached = self.images.get(key)
        if cached is not None:
            return cached
        try:
            data = await asyncio.wait_for(asset.read(), AVATAR_TIMEOUT)
            await asyncio.to_thread(check_image, data)
        except (Exception, asyncio.TimeoutError) as exc:
            log.debug("No avatar for member %s (%s); drawing a placeholder", member.id, exc)
            return None
        self.images.put(key, data)
        return data

    async def background(self, item: ShopItem) -> tuple[bytes, Optional[str]]:
        """``item``'s image, or the default background and a note for the member saying why."""
        try:
            return await self._background(item), None
        except BackgroundUnavailable as exc:
            note = _("Your background couldn't be loaded ({reason}), so the default one is shown.").format(
                reason=exc.public)
        return await self._default_background(), note

    async def _still_background(self, item: ShopItem) -> tuple[bytes, bool]:
        """``item``'s image as a still (an animation's first frame), and whether it moves."""
        image = await self._background(item)
        still = await self.generator.run(still_frame, image)
        return (image, False) if still is None else (still, True)

    async def _background(self, item: ShopItem) -> bytes:
        """``item``'s image, checked; raises :class:`BackgroundUnavailable` (and logs why)."""
        try:
            if item.file:
                return await self._bundled(item.file)
            return await self.downloader.fetch_image(item.url)
        except DownloadRefused as exc:
            log.warning("Background %r (%s) refused: %s", item.key, item.url, exc)
            raise BackgroundUnavailable(exc.public) from exc
        except (OSError, ImageRejected) as exc:
            log.error("Bundled background %r (%s) is unusable: %s", item.key, item.file, exc)
            raise BackgroundUnavailable(_("the file is missing or broken")) from exc

    async def _default_background(self) -> bytes:
        default = self.shop.config.default
        if default.file:
            try:
                return await self._bundled(default.file)
            except (OSError, ImageRejected):
                pass
        else:
            try:
                return await self.downloader.fetch_image(default.url)
            except DownloadRefused:
                pass
        return await self._bundled(FALLBACK_BACKGROUND)

    async def _bundled(self, relative: str) -> bytes:
        key = ("bundled", relative)
        cached = self.images.get(key)
        if cached is not None:
            return cached
        data = await asyncio.to_thread((self.bundled_root / relative).read_bytes)
        await asyncio.to_thread(check_image, data)
        self.images.put(key, data)
        return data
