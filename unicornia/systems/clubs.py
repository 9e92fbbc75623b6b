"""Clubs: members band together per guild; a club's XP is the sum of its members' XP.

Every rule lives here.  Each change is checked and made while holding the guild's club lock,
so two commands at once cannot both pass a check (two clubs with one name, a member in two
clubs); the database's unique keys back that up.  A refused change raises :class:`ClubError`
with a message the member may read, and leaves everything as it was.
"""
from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

import discord

from ..core.locks import KeyedLocks
from ..core.templates import blank
from ..core.lru import LRUCache
from ..db.clubs import ClubRankRow, ClubRow
from ..db.store import XpStore
from ..i18n import _
from .downloader import DownloadRefused

if TYPE_CHECKING:
    from .card_service import CardService
    from .xp import XpSystem

log = logging.getLogger("red.unicornia.clubs")

MAX_NAME_LENGTH = 20
MAX_ICON_URL_LENGTH = 512
LEADERBOARD_PAGE_SIZE = 10
#: Members listed by ``club info``.
INFO_TOP_MEMBERS = 5
#: How long drawing a card waits for the club icon before drawing the card without it.
ICON_TIMEOUT = 5.0
#: After an icon fails to load, cards skip it for this long instead of waiting on it each time.
ICON_RETRY_AFTER = 300.0
ICON_FAILURES_KEPT = 256
#: What a name that is echoed back is cut to.
ECHO_LENGTH = 40

#: Characters Discord reads as formatting or mentions; no club name may contain them.
MARKDOWN_CHARACTERS = frozenset("*_~`|\\[]")
MENTION_CHARACTERS = frozenset("@<>")
#: Unicode categories refused in names: control, format (zero-width, bidi overrides), line breaks.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
#: The one format character allowed: it joins emoji sequences (it is left out of the name's key).
ZERO_WIDTH_JOINER = "\N{ZERO WIDTH JOINER}"
#: Words that mean "no icon" for ``club icon``.
CLEAR_WORDS = frozenset({"none", "clear", "remove", "reset", "off"})


class ClubError(Exception):
    """A refused club action; the message is written for the member who tried it."""


# --- pure rules ------------------------------------------------------------------------------
def name_key(name: str) -> str:
    """What makes two names the same: compatibility-normalised, case-folded, single-spaced,
    invisible characters ignored."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join("".join(ch for ch in folded if unicodedata.category(ch) != "Cf").split())


def clean_club_name(raw: str) -> str:
    """The name a new club will carry, or :class:`ClubError` saying what is wrong with ``raw``.

    Leading and trailing spaces go and runs of spaces become one; newlines, control and
    invisible characters, mentions, links and markdown are refused rather than silently removed.
    """
    if any(unicodedata.category(ch) in REFUSED_CATEGORIES and ch != ZERO_WIDTH_JOINER for ch in raw.strip()):
        raise ClubError(_("Club names must be a single line of visible text (no line breaks or invisible "
                          "characters)."))
    name = " ".join(raw.split())
    if not name_key(name) or blank(name):
        raise ClubError(_("Give the club a name, for example `[p]club create Night Owls`."))
    if len(name) > MAX_NAME_LENGTH:
        raise ClubError(_("Club names can be at most {most} characters; that one has {length}.").format(
            most=MAX_NAME_LENGTH, length=len(name)))
    if any(ch in MENTION_CHARACTERS for ch in name):
        raise ClubError(_("Club names can't contain mentions or the characters `@ < >`."))
    if any(ch in MARKDOWN_CHARACTERS for ch in name):
        raise ClubError(_("Club names can't contain formatting characters: ``{characters}``").format(
            characters=" ".join(sorted(MARKDOWN_CHARACTERS))))
    if "://" in name or _LINK_LIKE.search(name):
        raise ClubError(_("Club names can't contain links."))
    return name


#: A link without its scheme: an invite like discord.gg/x, or www.anything.
_LINK_LIKE = re.compile(r"\w\.\w{2,}/|\bwww\.", re.IGNORECASE)


def clean_icon_url(raw: str) -> Optional[str]:
    """The icon address to try (None: remove the icon), or :class:`ClubError`.

    Accepts the ``<https://...>`` form Discord users type to hide a link's preview.  Whether
    the address may be fetched and is an image is for the downloader to decide.
    """
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    if url.lower() in CLEAR_WORDS:
        return None
    if not url:
        raise ClubError(_("Give a link to an image, for example `[p]club icon https://example.com/owl.png`, "
                          "or `[p]club icon none` to remove the icon."))
    if len(url) > MAX_ICON_URL_LENGTH:
        raise ClubError(_("That link is too long (at most {most} characters); nothing was changed.").format(
            most=MAX_ICON_URL_LENGTH))
    if any(ch.isspace() for ch in url):
        raise ClubError(_("That doesn't look like a single link; nothing was changed."))
    return url


def echo(text: str) -> str:
    """Member input made safe to repeat in a reply: cut short, markdown and mentions escaped."""
    text = " ".join(text.split())
    if len(text) > ECHO_LENGTH:
        text = text[:ECHO_LENGTH - 1] + "\N{HORIZONTAL ELLIPSIS}"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def page_count(items: int, size: int = LEADERBOARD_PAGE_SIZE) -> int:
    return max(1, -(-items // size))


# --- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClubInfo:
    club: ClubRow
    members: int
    xp: int
    rank: int
    ranked: int
    top_members: list[tuple[int, int]]  # (user id, XP), most XP first


@dataclass(frozen=True, slots=True)
class ClubLeaderboard:
    entries: list[ClubRankRow]
    page: int
    pages: int
    clubs: int


# --- the service -----------------------------------------------------------------------------
class ClubService:
    def __init__(self, store: XpStore, xp: "XpSystem", cards: "CardService", *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.xp = xp
        self.cards = cards  # icons go through the cards' downloader (SSRF guard, size caps, cache)
        self.clock = clock
        self._lock = KeyedLocks()  # one club change per guild at a time
        self._icon_failures: LRUCache[str, float] = LRUCache(ICON_FAILURES_KEPT)

    # --- lookups -----------------------------------------------------------------------------
    async def club_of(self, member: discord.Member) -> Optional[ClubRow]:
        return await self.store.club_of(member.guild.id, member.id)

    async def find(self, guild_id: int, name: str) -> ClubRow:
        if not name_key(name):
            raise ClubError(_("Which club? For example `[p]club join Night Owls`; `[p]club leaderboard` lists them "
                              "all."))
        club = await self.store.club_by_key(guild_id, name_key(name))
        if club is None:
            raise ClubError(_("There's no club called **{name}** here. See `[p]club leaderboard` for the list.")
                            .format(name=echo(name)))
        return club

    async def _own_club(self, member: discord.Member) -> ClubRow:
        club = await self.club_of(member)
        if club is None:
            raise ClubError(_("You're not in a club. Join one with `[p]club join <name>` or start one with "
                              "`[p]club create <name>`."))
        return club

    async def _owned_club(self, member: discord.Member, refusal: str) -> ClubRow:
        """The member's club if they own it; otherwise ``refusal`` (a translated sentence naming
        ``{club}``, such as "Only the owner of **{club}** can kick members.") is the ClubError."""
        club = await self._own_club(member)
        if club.owner_id != member.id:
            raise ClubError(refusal.format(club=club.name))
        return club

    # --- membership --------------------------------------------------------------------------
    async def create(self, owner: discord.Member, raw_name: str) -> ClubRow:
        """A new club named ``raw_name`` with ``owner`` as its owner and first member."""
        name = clean_club_name(raw_name)
        guild_id = owner.guild.id
        async with self._lock(guild_id):
            current = await self.club_of(owner)
            if current is not None:
                raise ClubError(self._already_in(owner, current))
            taken = await self.store.club_by_key(guild_id, name_key(name))
            if taken is not None:
                raise ClubError(_("There's already a club called **{club}** here; pick another name.").format(
                    club=taken.name))
            try:
                return await self.store.create_club(guild_id, name, name_key(name), owner.id)
            except sqlite3.IntegrityError:  # only if something wrote around the lock
                raise ClubError(_("That name was just taken, or you just joined a club; nothing was created.")) from None

    async def join(self, member: discord.Member, raw_name: str) -> ClubRow:
        guild_id = member.guild.id
        async with self._lock(guild_id):
            club = await self.find(guild_id, raw_name)
            current = await self.club_of(member)
            if current is not None:
                if current.id == club.id:
                    raise ClubError(_("You're already in **{club}**.").format(club=club.name))
                raise ClubError(self._already_in(member, current))
            try:
                await self.store.add_club_member(guild_id, member.id, club.id)
            except sqlite3.IntegrityError:
                raise ClubError(_("You just joined another club; nothing was changed.")) from None
            return club

    @staticmethod
    def _already_in(member: discord.Member, club: ClubRow) -> str:
        if club.owner_id == member.id:
            return _("You own **{club}**. Hand it over with `[p]club transfer <member>` or end it with "
                     "`[p]club disband` first.").format(club=club.name)
        return _("You're already in **{club}**; leave it first with `[p]club leave`.").format(club=club.name)

    async def leave(self, member: discord.Member) -> ClubRow:
        async with self._lock(member.guild.id):
            club = await self._own_club(member)
            if club.owner_id == member.id:
                raise ClubError(_("You own **{club}**, so you can't just leave it: hand it to another member "
                                  "with `[p]club transfer <member>` first, or end it with `[p]club disband`.")
                                .format(club=club.name))
            await self.store.remove_club_member(member.guild.id, member.id, club.id)
            return club

    async def kick(self, owner: discord.Member, user_id: int, shown_as: str) -> ClubRow:
        """Remove ``user_id`` from the owner's club.  ``shown_as`` names them in messages."""
        async with self._lock(owner.guild.id):
            club = await self._owned_club(owner, _("Only the owner of **{club}** can kick members."))
            if user_id == owner.id:
                raise ClubError(_("You can't kick yourself. To leave your club, hand it over with "
                                  "`[p]club transfer <member>` first, or end it with `[p]club disband`."))
            if not await self.store.remove_club_member(owner.guild.id, user_id, club.id):
                raise ClubError(_("{member} isn't a member of **{club}**.").format(member=shown_as, club=club.name))
            return club

    async def check_transfer(self, owner: discord.Member, new_owner: discord.Member) -> ClubRow:
        """The club that :meth:`transfer` would hand over, or :class:`ClubError`; changes nothing."""
        club = await self._owned_club(owner, _("Only the owner of **{club}** can hand it over."))
        if new_owner.id == owner.id:
            raise ClubError(_("You already own **{club}**.").format(club=club.name))
        theirs = await self.club_of(new_owner)
        if theirs is None or theirs.id != club.id:
            raise ClubError(_("{member} isn't a member of **{club}**; they need to `[p]club join {club}` first.")
                            .format(member=echo(new_owner.display_name), club=club.name))
        return club

    async def transfer(self, owner: discord.Member, new_owner: discord.Member) -> ClubRow:
        async with self._lock(owner.guild.id):
            club = await self.check_transfer(owner, new_owner)  # again: things may have moved since asking
            await self.store.set_club_owner(club.id, new_owner.id)
            return club

    async def check_disband(self, member: discord.Member, raw_name: Optional[str], *, is_admin: bool) -> ClubRow:
        """The club :meth:`disband` would end: the member's own (owners), or any named one (admins)."""
        if raw_name is None or not raw_name.strip():
            club = await self._own_club(member)
        else:
            club = await self.find(member.guild.id, raw_name)
        if club.owner_id != member.id and not is_admin:
            raise ClubError(_("Only the owner of **{club}** or a server admin can disband it.").format(club=club.name))
        return club

    async def member_count(self, club: ClubRow) -> int:
        return (await self.store.club_totals(club.id))[0]

    async def disband(self, member: discord.Member, raw_name: Optional[str], *, is_admin: bool) -> tuple[ClubRow, int]:
        """End a club; returns it and how many members it had."""
        async with self._lock(member.guild.id):
            club = await self.check_disband(member, raw_name, is_admin=is_admin)
            return club, await self.store.delete_club(club.id)

    # --- the icon ----------------------------------------------------------------------------
    async def check_icon(self, owner: discord.Member, raw_url: str) -> None:
        """What :meth:`set_icon` refuses before downloading (a bad link, not the owner): quick, so a
        slash command says it privately before it shows "thinking" for the download."""
        clean_icon_url(raw_url)
        await self._owned_club(owner, _("Only the owner of **{club}** can change its icon."))

    async def set_icon(self, owner: discord.Member, raw_url: str) -> tuple[ClubRow, Optional[str]]:
        """Check the link by downloading it as an image, then store it; returns the club and the new URL."""
        url = clean_icon_url(raw_url)
        not_owner = _("Only the owner of **{club}** can change its icon.")
        await self._owned_club(owner, not_owner)  # refuse before downloading anything
        if url is not None:
            try:
                await self.cards.downloader.fetch_image(url)
            except DownloadRefused as exc:
                log.info("Club icon %r refused for member %s in guild %s: %s", url, owner.id, owner.guild.id, exc)
                raise ClubError(_("I can't use that icon: {reason}. Nothing was changed.").format(
                    reason=exc.public)) from None
            self._icon_failures.pop(url)
        async with self._lock(owner.guild.id):
            club = await self._owned_club(owner, not_owner)
            await self.store.set_club_icon(club.id, url)
            return club, url

    async def icon_bytes(self, club: ClubRow) -> Optional[bytes]:
        """The club's icon for a card, or None (no icon, or it can't be loaded now: logged)."""
        url = club.icon_url
        if not url:
            return None
        failed_at = self._icon_failures.get(url)
        if failed_at is not None and self.clock() - failed_at < ICON_RETRY_AFTER:
            return None
        try:
            return await asyncio.wait_for(self.cards.downloader.fetch_image(url), ICON_TIMEOUT)
        except (DownloadRefused, asyncio.TimeoutError) as exc:
            log.warning("The icon of club %s in guild %s (%s) could not be loaded (%s); cards show the club "
                        "without it", club.id, club.guild_id, url, exc)
        except Exception:
            log.exception("Loading the icon of club %s in guild %s (%s) failed; cards show the club without it",
                          club.id, club.guild_id, url)
        self._icon_failures.put(url, self.clock())
        return None

    async def card_club(self, member: discord.Member) -> tuple[Optional[str], Optional[bytes]]:
        """(club name, icon bytes) for the member's XP card; (None, None) outside any club."""
        club = await self.club_of(member)
        if club is None:
            return None, None
        return club.name, await self.icon_bytes(club)

    # --- standings ---------------------------------------------------------------------------
    async def info(self, member: discord.Member, raw_name: Optional[str] = None) -> ClubInfo:
        """A named club, or the member's own when no name is given."""
        if raw_name is None or not raw_name.strip():
            club = await self._own_club(member)
        else:
            club = await self.find(member.guild.id, raw_name)
        await self.xp.flush_recent()  # XP not yet written counts too
        members, xp = await self.store.club_totals(club.id)
        rank, ranked = await self.store.club_rank(club.guild_id, club.id, xp)
        top = await self.store.club_top_members(club.id, INFO_TOP_MEMBERS)
        return ClubInfo(club, members, xp, rank, max(rank, ranked), top)

    async def leaderboard(self, guild_id: int, page: int = 1) -> ClubLeaderboard:
        clubs = await self.store.club_count(guild_id)
        if not clubs:
            raise ClubError(_("There are no clubs here yet. Start one with `[p]club create <name>`."))
        pages = page_count(clubs)
        if not 1 <= page <= pages:
            raise ClubError(_("Pick a page from 1 to {last}.").format(last=pages))
        await self.xp.flush_recent()
        size = LEADERBOARD_PAGE_SIZE
        entries = await self.store.club_leaderboard(guild_id, size, (page - 1) * size)
        return ClubLeaderboard(entries, page, pages, clubs)
