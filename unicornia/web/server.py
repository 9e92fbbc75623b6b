"""The web server's socket and the rules every response passes through.

:class:`WebServer` binds one aiohttp site and lets a :class:`~.site.WebSite` add the routes.
Its middleware answers only GET and HEAD, applies the per-address rate limit, turns every
error into a plain answer that shows nothing internal (a 404 is the same bytes whatever was
not found), and puts the security headers on every response.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Awaitable, Callable, Optional

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .guard import RateLimiter, client_address

if TYPE_CHECKING:
    from .site import WebSite

log = logging.getLogger("red.unicornia.web")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8750
#: How long a stop waits for requests being answered before closing their connections.
SHUTDOWN_TIMEOUT = 2.0
#: Nothing but our own stylesheet and images (Discord's CDN for avatars and icons); no script at all.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' https://cdn.discordapp.com data:; "
                           "style-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Server": "Unicornia",  # not aiohttp's name and version
}
ALLOWED_METHODS = ("GET", "HEAD")
#: Plain bodies of the errors a client may see; nothing more is ever said.
ERROR_TEXT = {400: "Bad request.", 404: "Not found.", 405: "Method not allowed.",
              429: "Too many requests; slow down.", 500: "Internal server error."}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _MalformedRequests(logging.Filter):
    """Drops aiohttp's traceback for a request it could not parse (a header too long, a broken
    request line): aiohttp answers it with a 400 itself, and it is the client's error, not the
    bot's; anyone could otherwise fill the bot's log with them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], HttpProcessingError))


#: What aiohttp's connection handling logs (see :class:`_MalformedRequests`).
http_log = logging.getLogger("red.unicornia.web.http")
http_log.filters = [_MalformedRequests()]  # set, not added: a reload imports this module again


def plain_error(status: int) -> web.Response:
    """The one answer for ``status``: the same body and headers for every cause."""
    return web.Response(status=status, text=ERROR_TEXT.get(status, ERROR_TEXT[500]),
                        headers={"Cache-Control": "no-store"})


class WebServer:
    """The cog's optional web server (off until the owner enables it)."""

    def __init__(self, site: "WebSite", *, limiter: Optional[RateLimiter] = None) -> None:
        self.site = site
        self.limiter = limiter or RateLimiter()
        self._runner: Optional[web.AppRunner] = None
        self.host: Optional[str] = None
        #: The port actually bound (the one the system picked when asked for port 0).
        self.port: Optional[int] = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def address(self) -> Optional[str]:
        """``http://host:port`` while running (an IPv6 host in brackets)."""
        if not self.running:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=1024)
        self.site.add_routes(app.router)
        return app

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host``:``port``; raises OSError (port in use, bad address) and then leaves
        a server already running as it was. A running server moves to a new address (bound
        before the old one is closed); asked for the address it has, it stays as it is."""
        async with self._lock:
            if self._runner is not None and (host, port) == (self.host, self.port):
                return  # already there (a second bind of the same port would fail)
            runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False,
                                   shutdown_timeout=SHUTDOWN_TIMEOUT, logger=http_log)
            await runner.setup()
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except BaseException:
                await runner.cleanup()
                raise
            old, self._runner = self._runner, runner
            self.host = host
            self.port = runner.addresses[0][1]
            if old is not None:
                await old.cleanup()
            log.info("Web leaderboard listening on %s", self.address)

    async def stop(self) -> None:
        """Close the socket (the port is free when this returns) and the open connections."""
        async with self._lock:
            runner, self._runner = self._runner, None
            self.port = None
            if runner is not None:
                await runner.cleanup()
                log.info("Web leaderboard stopped")

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in ALLOWED_METHODS:
            response = plain_error(405)
            response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
        else:
            address = client_address(request.remote, ", ".join(request.headers.getall("X-Forwarded-For", [])))
            wait = self.limiter.take(address, self.site.cost(request))
            if wait:
                response = plain_error(429)
                response.headers["Retry-After"] = RateLimiter.retry_after(wait)
            else:
                response = await self._answer(request, handler)
        response.headers.update(SECURITY_HEADERS)
        return response

    @staticmethod
    async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:  # a refusal (404, 400 ...): the plain answer for its status
            return plain_error(exc.status if exc.status in ERROR_TEXT else 404)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Web request %s %s from %s failed", request.method, request.path_qs, request.remote)
            return plain_error(500)
