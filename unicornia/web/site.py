"""The web leaderboard's addresses: what each one answers, from which read, cached how long.

Every page and API answer of an opted-in guild is cached for :data:`PAGE_TTL` seconds per
(guild, page, board); concurrent misses of one key share one read.  An unknown guild, one
that has not opted in, a departed or hidden member all get the server's one 404.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Hashable, Optional
from urllib.parse import urlencode

from aiohttp import web
from redbot.core.i18n import get_locale

from ..core.bytecache import ByteCache
from ..i18n import guild_locale
from .data import PER_PAGE, PERIODS, Board, WebData, percent
from .guard import BadInput, parse_id, parse_page
from .render import Renderer

if TYPE_CHECKING:
    import discord

#: Seconds a rendered page or API answer is served again before it is read anew.
PAGE_TTL = 5.0
PAGES_KEPT, PAGE_BYTES = 2_048, 64 * 1024 * 1024
#: Uncached pages and API answers built at once; more wait their turn.  Each build runs a few
#: milliseconds of Python on the event loop between its store reads: a burst of misses finishing
#: together would otherwise run them back to back (200 requests a second stalled the loop 30-50 ms).
BUILDING_AT_ONCE = 2
#: Cards and charts: drawn at most once a minute per member, at most two at a time.
IMAGE_TTL = 60.0
IMAGES_KEPT, IMAGE_BYTES = 256, 64 * 1024 * 1024
DRAWING_AT_ONCE = 2
#: Rate-limit tokens a request costs: drawing an image costs more than a cached page.
PAGE_COST, IMAGE_COST = 1.0, 5.0

HTML = "text/html"
JSON = "application/json"


class WebSite:
    def __init__(self, cog, data: WebData, assets: Path) -> None:
        self.cog = cog
        self.data = data
        self.renderer = Renderer(assets / "templates")
        self.stylesheet = (assets / "static" / "style.css").read_bytes()
        self.pages = ByteCache(PAGES_KEPT, PAGE_BYTES, PAGE_TTL)
        self.images = ByteCache(IMAGES_KEPT, IMAGE_BYTES, IMAGE_TTL)
        self._pending: dict[Hashable, asyncio.Future] = {}
        self._drawing = asyncio.Semaphore(DRAWING_AT_ONCE)
        self._building = asyncio.Semaphore(BUILDING_AT_ONCE)
        #: Bumped by :meth:`forget`: cached answers of an older generation are never read again.
        self._generation: dict[int, int] = {}

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/static/style.css", self.style)
        router.add_get("/api/{guild}/leaderboard", self.api_leaderboard)
        router.add_get("/api/{guild}/members/{member}", self.api_member)
        router.add_get("/{guild}", self.leaderboard)
        router.add_get("/{guild}/clubs", self.clubs)
        router.add_get("/{guild}/{member}", self.member)
        router.add_get("/{guild}/{member}/card", self.card)
        router.add_get("/{guild}/{member}/xpstats", self.chart)

    @staticmethod
    def cost(request: web.Request) -> float:
        """Rate-limit tokens ``request`` spends."""
        return IMAGE_COST if request.path.endswith(("/card", "/xpstats")) else PAGE_COST

    def forget(self, guild_id: Optional[int] = None) -> None:
        """Drop cached pages and images (of one guild): its settings or a member's choice changed."""
        if guild_id is None:
            self.pages = ByteCache(PAGES_KEPT, PAGE_BYTES, PAGE_TTL)
            self.images = ByteCache(IMAGES_KEPT, IMAGE_BYTES, IMAGE_TTL)
        else:
            self._generation[guild_id] = self._generation.get(guild_id, 0) + 1

    # --- handlers ----------------------------------------------------------------------------
    async def style(self, request: web.Request) -> web.Response:
        return web.Response(body=self.stylesheet, content_type="text/css", charset="utf-8",
                            headers={"Cache-Control": "public, max-age=3600"})

    async def leaderboard(self, request: web.Request) -> web.Response:
        guild = await self._guild(request)
        period, page = self._period(request), self._page(request)
        body = await self._cached(("board", guild.id, period, page), lambda: self._board_page(guild, period, page))
        return _answer(body, HTML)

    async def clubs(self, request: web.Request) -> web.Response:
        guild = await self._guild(request)
        page = self._page(request)
        body = await self._cached(("clubs", guild.id, page), lambda: self._clubs_page(guild, page))
        return _answer(body, HTML)

    async def member(self, request: web.Request) -> web.Response:
        member = await self._member(request)
        body = await self._cached(("member", member.guild.id, member.id), lambda: self._member_page(member))
        return _answer(body, HTML)

    async def card(self, request: web.Request) -> web.Response:
        member = await self._member(request)
        body = await self._image(("card", member.guild.id, member.id), lambda: self.data.card(member))
        return _answer(body, "image/gif" if body[:3] == b"GIF" else "image/png", IMAGE_TTL)

    async def chart(self, request: web.Request) -> web.Response:
        member = await self._member(request)

        async def draw() -> tuple[bytes, str]:
            return await self.data.chart(member), "image/png"

        return _answer(await self._image(("chart", member.guild.id, member.id), draw), "image/png", IMAGE_TTL)

    async def api_leaderboard(self, request: web.Request) -> web.Response:
        guild = await self._guild(request)
        period, page = self._period(request), self._page(request)
        body = await self._cached(("api-board", guild.id, period, page), lambda: self._board_json(guild, period, page))
        return _answer(body, JSON)

    async def api_member(self, request: web.Request) -> web.Response:
        member = await self._member(request)
        body = await self._cached(("api-member", member.guild.id, member.id), lambda: self._member_json(member))
        return _answer(body, JSON)

    # --- what is cached ----------------------------------------------------------------------
    async def _board_page(self, guild: "discord.Guild", period: str, page: int) -> bytes:
        board = await self._board(guild, period, page)
        here = f"/{guild.id}"

        def href(number: int) -> str:
            query = {k: v for k, v in (("period", period if period != "all" else None), ("page", number)) if v}
            return f"{here}?{urlencode(query)}" if number > 1 or period != "all" else here

        return self._render("leaderboard.html", guild, board_name=period, rows=board.rows, page=page,
                            prev_href=href(page - 1) if page > 1 else None,
                            next_href=href(page + 1) if board.has_next else None)

    async def _clubs_page(self, guild: "discord.Guild", page: int) -> bytes:
        board = await self.data.clubs(guild, page)
        if board is None and page > 1:
            raise web.HTTPNotFound()
        clubs, has_next = [], False
        if board is not None:
            top = board if page == 1 else await self.data.clubs(guild, 1)
            leader = top.entries[0].xp if top is not None and top.entries else None
            clubs = [_ClubLine(entry, leader) for entry in board.entries]
            has_next = board.page < board.pages
        here = f"/{guild.id}/clubs"
        return self._render("clubs.html", guild, board_name="clubs", clubs=clubs, page=page,
                            prev_href=(f"{here}?page={page - 1}" if page > 2 else here) if page > 1 else None,
                            next_href=f"{here}?page={page + 1}" if has_next else None)

    async def _member_page(self, member: "discord.Member") -> bytes:
        view = await self.data.member_view(member)
        return self._render("member.html", member.guild, m=view)

    async def _board_json(self, guild: "discord.Guild", period: str, page: int) -> bytes:
        board = await self._board(guild, period, page)
        return _json({
            "guild": {"id": str(guild.id), "name": guild.name, "icon": board.icon},
            "period": period, "page": page, "per_page": PER_PAGE, "has_next": board.has_next,
            "entries": [{"rank": row.rank, "hidden": row.hidden,
                         "user_id": None if row.hidden else str(row.user_id),
                         "name": row.name, "avatar": row.avatar, "level": row.level, "xp": row.xp}
                        for row in board.rows],
        })

    async def _member_json(self, member: "discord.Member") -> bytes:
        m = await self.data.member_view(member)
        return _json({
            "guild_id": str(m.guild_id), "user_id": str(m.user_id), "name": m.name, "avatar": m.avatar,
            "level": m.level, "xp": m.xp, "rank": m.rank, "ranked": m.ranked,
            "xp_into_level": m.into_level, "xp_needed": m.needed,
            "weekly_xp": m.weekly_xp, "weekly_rank": m.weekly_rank,
            "monthly_xp": m.monthly_xp, "monthly_rank": m.monthly_rank,
        })

    # --- helpers -----------------------------------------------------------------------------
    async def _guild(self, request: web.Request) -> "discord.Guild":
        guild_id = parse_id(request.match_info["guild"])
        guild = await self.data.guild(guild_id) if guild_id is not None else None
        if guild is None:
            raise web.HTTPNotFound()
        await guild_locale(self.cog.bot, guild)  # the pages speak the server's language
        return guild

    async def _member(self, request: web.Request) -> "discord.Member":
        user_id = parse_id(request.match_info["member"])
        if user_id is None:
            raise web.HTTPNotFound()
        guild = await self._guild(request)
        member = await self.data.member(guild, user_id)
        if member is None:
            raise web.HTTPNotFound()
        return member

    @staticmethod
    def _period(request: web.Request) -> str:
        values = request.query.getall("period", ["all"])
        if len(values) > 1 or values[0] not in PERIODS:
            raise web.HTTPBadRequest()
        return values[0]

    @staticmethod
    def _page(request: web.Request) -> int:
        values = request.query.getall("page", [])
        if len(values) > 1:
            raise web.HTTPBadRequest()
        try:
            return parse_page(values[0] if values else None)
        except BadInput:
            raise web.HTTPBadRequest() from None

    async def _board(self, guild: "discord.Guild", period: str, page: int) -> Board:
        board = await self.data.board(guild, period, page)
        if board is None:  # past the last page
            raise web.HTTPNotFound()
        return board

    def _render(self, template: str, guild: "discord.Guild", **values) -> bytes:
        tabs = [("all", f"/{guild.id}"), ("week", f"/{guild.id}?period=week"),
                ("month", f"/{guild.id}?period=month"), ("clubs", f"/{guild.id}/clubs")]
        return self.renderer.page(template, guild_id=guild.id, guild_name=guild.name,
                                  icon=values.pop("icon", None) or _icon(guild), tabs=tabs,
                                  lang=get_locale().split("-")[0], **values)  # the labels' language

    def _key(self, kind: str, guild_id: int, *rest) -> tuple:
        return (kind, guild_id, self._generation.get(guild_id, 0), *rest)

    async def _cached(self, key: tuple, make: Callable[[], Awaitable[bytes]]) -> bytes:
        key = self._key(*key)
        found = self.pages.get(key)
        if found is None:
            async def built() -> bytes:
                async with self._building:
                    return await make()

            found = await self._once(key, built)
            self.pages.put(key, found)
        return found

    async def _image(self, key: tuple, draw: Callable[[], Awaitable[tuple[bytes, str]]]) -> bytes:
        key = self._key(*key)
        found = self.images.get(key)
        if found is None:
            async def drawn() -> bytes:
                async with self._drawing:
                    return (await draw())[0]

            found = await self._once(key, drawn)
            self.images.put(key, found)
        return found

    async def _once(self, key: Hashable, make: Callable[[], Awaitable[bytes]]) -> bytes:
        """``make()``, shared by every request for ``key`` that arrives while it runs."""
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await make()
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc if isinstance(exc, Exception) else web.HTTPNotFound())
                future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._pending[key]


class _ClubLine:
    """A club row as the template shows it."""

    def __init__(self, entry, leader: Optional[int]) -> None:
        self.club_id, self.position, self.name = entry.club_id, entry.position, entry.name
        self.members, self.xp = entry.members, entry.xp
        self.percent = percent(entry.xp, leader) if leader else 0


def _icon(guild: "discord.Guild") -> Optional[str]:
    from .data import icon_url

    return icon_url(guild)


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _answer(body: bytes, content_type: str, max_age: float = PAGE_TTL) -> web.Response:
    return web.Response(body=body, content_type=content_type, charset="utf-8" if content_type in (HTML, JSON) else None,
                        headers={"Cache-Control": f"public, max-age={int(max_age)}"})
