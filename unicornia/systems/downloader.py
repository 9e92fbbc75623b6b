"""Image downloads that cannot be pointed at the bot's own network (SSRF protection).

- http and https only; redirects followed by hand, each one checked, at most a few;
- every host is resolved once, every address it resolves to is checked, and the
  connection goes to those checked addresses (aiohttp asks our resolver, and only it);
- host names that spell an address in any notation are checked as that address;
- a total timeout, a byte cap enforced while streaming, and a check that the bytes are
  an image within a pixel budget.

A refusal's ``public`` text is translated when it is raised: downloads run in the task of the
command that needs the image (the resolver too, as the DNS cache is off), so in its language.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from typing import Iterable, Optional
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from ..core import netguard
from ..core.bytecache import ByteCache
from ..i18n import _
from .images import ImageRejected, check_image

log = logging.getLogger("red.unicornia.downloads")

MAX_BYTES = 8 * 1024 * 1024
TIMEOUT_SECONDS = 10
MAX_REDIRECTS = 3
USER_AGENT = "Unicornia (Red-DiscordBot leveling cog) image fetcher"


class DownloadRefused(Exception):
    """A download that was refused or failed; ``public`` is what a member may be told (translated:
    a clause such as "the image is too big"), ``detail`` what the log gets."""

    def __init__(self, public: str, detail: str = "") -> None:
        super().__init__(detail or public)
        self.public = public


class GuardedResolver(AbstractResolver):
    """Resolves through ``inner`` and refuses the host if any address it gives is not allowed."""

    def __init__(self, inner: Optional[AbstractResolver] = None, allow: Iterable[netguard.Network] = ()) -> None:
        self.inner = inner or aiohttp.ThreadedResolver()
        self.allow = tuple(allow)

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        spelled = netguard.parse_host_address(host)
        if spelled is not None:
            _check(spelled, self.allow, host)
        results = await self.inner.resolve(host, port, family)
        if not results:
            raise DownloadRefused(_("the image host could not be found"), f"{host} resolved to nothing")
        for result in results:
            _check(ipaddress.ip_address(result["host"]), self.allow, host)
        return results

    async def close(self) -> None:
        await self.inner.close()


def _check(ip, allow, host: str) -> None:
    if not netguard.is_allowed(ip, allow):
        raise DownloadRefused(_("that image address is not allowed"), f"{host} -> {ip}: {netguard.refusal(ip)}")


class StaticResolver(AbstractResolver):
    """A fixed name -> addresses table, for tests and offline demos (addresses still get checked)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        addresses = self.table.get(host.rstrip("."))
        if addresses is None:
            raise OSError(f"unknown host {host}")
        return [
            {"hostname": host, "host": addr, "port": port,
             "family": socket.AF_INET6 if ":" in addr else socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}
            for addr in addresses
        ]

    async def close(self) -> None:
        return None


class SafeDownloader:
    def __init__(
        self,
        *,
        resolver: Optional[AbstractResolver] = None,
        allow: Iterable[netguard.Network] = (),
        max_bytes: int = MAX_BYTES,
        timeout: float = TIMEOUT_SECONDS,
        max_redirects: int = MAX_REDIRECTS,
        cache: Optional[ByteCache] = None,
    ) -> None:
        self.allow = tuple(allow)
        self.resolver = GuardedResolver(resolver, self.allow)
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.cache = cache or ByteCache(max_items=256, max_bytes=64 * 1024 * 1024, ttl=3600)
        self._session: Optional[aiohttp.ClientSession] = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(resolver=self.resolver, limit=8, use_dns_cache=False)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": USER_AGENT},
                trust_env=False,  # never route through a proxy taken from the environment
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch_image(self, url: str) -> bytes:
        """The bytes of the image at ``url``, checked; raises :class:`DownloadRefused`."""
        cached = self.cache.get(url)
        if cached is not None:
            return cached
        data = await self._fetch(url)
        try:
            await asyncio.to_thread(check_image, data)
        except ImageRejected as exc:
            raise DownloadRefused(_("that file can't be used as an image: {reason}").format(reason=exc),
                                  f"{url}: {exc}") from None
        self.cache.put(url, data)
        return data

    async def _fetch(self, url: str) -> bytes:
        session = self._get_session()
        current = url
        for _hop in range(self.max_redirects + 1):  # not `_`: that is the translator
            self._check_url(current)
            try:
                async with session.get(current, allow_redirects=False) as resp:
                    if resp.status in (301, 302, 303, 307, 308):
                        location = resp.headers.get("Location")
                        if not location:
                            raise DownloadRefused(_("the image server sent a broken redirect"),
                                                  f"{current}: HTTP {resp.status} without a Location")
                        current = urljoin(current, location)
                        continue
                    if resp.status != 200:
                        raise DownloadRefused(_("the image server refused the request"),
                                              f"{current}: HTTP {resp.status}")
                    return await self._read_capped(resp, current)
            except DownloadRefused:
                raise
            except asyncio.TimeoutError:
                raise DownloadRefused(_("the image took too long to download"), f"{current}: timeout") from None
            except aiohttp.ClientConnectorError as exc:
                # the resolver's refusal arrives wrapped in a connector error
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, DownloadRefused):
                    raise cause from None
                raise DownloadRefused(_("the image server could not be reached"), f"{current}: {exc}") from None
            except aiohttp.ClientError as exc:
                raise DownloadRefused(_("the image could not be downloaded"), f"{current}: {exc}") from None
        raise DownloadRefused(_("the image address redirects too many times"),
                              f"{url}: > {self.max_redirects} redirects")

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DownloadRefused(_("only http and https image addresses are allowed"), url)
        spelled = netguard.parse_host_address(parts.hostname)
        if spelled is not None:
            _check(spelled, self.allow, parts.hostname)

    async def _read_capped(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self.max_bytes:
            raise DownloadRefused(_("the image is too big"), f"{url}: Content-Length {declared}")
        chunks, total = [], 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            total += len(chunk)
            if total > self.max_bytes:
                raise DownloadRefused(_("the image is too big"), f"{url}: more than {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
