"""``[p]unicornia web ...`` (bot owner): the optional web leaderboard's server; and
``[p]unicornia guild web`` (admins): whether this server's pages exist."""
from __future__ import annotations

import errno
import ipaddress
import logging
from typing import Optional
from urllib.parse import urlsplit

from redbot.core import commands

from ..abc import MixinMeta
from ..i18n import _
from ..web.server import DEFAULT_HOST, DEFAULT_PORT
from .admin import AdminCommands
from .hints import with_prefix

log = logging.getLogger("red.unicornia.web")

unicornia_group = AdminCommands.unicornia
guild_group = AdminCommands.guild_group

#: Global Config of the web server (the owner's choices).
GLOBAL_DEFAULTS = {"web_enabled": False, "web_host": DEFAULT_HOST, "web_port": DEFAULT_PORT, "web_url": None}
MAX_URL_LENGTH = 200
#: Words that clear the public URL.
CLEAR_WORDS = frozenset({"none", "clear", "off", "reset"})


def clean_base_url(raw: str) -> Optional[str]:
    """A public base URL (``https://levels.example.org`` or with a path), without its trailing
    slash; None when it isn't one (only http and https, a host, no query, fragment or password)."""
    url = raw.strip().strip("<>")
    if not url or len(url) > MAX_URL_LENGTH or any(ch.isspace() or ch in "\"'<>\\" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # raises on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return None
    if parts.username or parts.password:
        return None
    return url.rstrip("/")


def valid_host(host: str) -> bool:
    """An IP address or a plain host name (what a server can listen on)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        labels = host.split(".")
        return 0 < len(host) <= 253 and all(0 < len(p) <= 63 and p.replace("-", "").isalnum() and p.isascii()
                                            for p in labels)


class WebCommands(MixinMeta):
    async def start_web(self) -> None:
        """At cog load: start the web server when the owner enabled it (a failure is logged, the cog loads)."""
        if not await self.config.web_enabled():
            return
        host, port = await self.config.web_host(), await self.config.web_port()
        try:
            await self.web.start(host, port)
        except OSError as exc:
            log.error("The web leaderboard could not listen on %s:%s: %s", host, port, exc)

    async def web_link(self, guild_id: int) -> Optional[str]:
        """The guild's leaderboard page address when the page exists, else None."""
        if not self.web.running or not (await self.settings.get(guild_id)).web:
            return None
        base = await self.config.web_url() or self.web.address
        return f"{base}/{guild_id}"

    @unicornia_group.group(name="web", invoke_without_command=True)
    @commands.is_owner()
    async def web_group(self, ctx: commands.Context) -> None:
        """The web leaderboard (bot owner): status.

        Pages exist only for servers whose admins turn them on with `[p]unicornia guild web true`.
        """
        url = await self.config.web_url()
        if self.web.running:
            text = _("The web leaderboard is on, listening on {address}.").format(address=self.web.address)
        elif await self.config.web_enabled():
            text = _("The web leaderboard is enabled but not running (see the log); try `[p]unicornia web enable` again.")
        else:
            text = _("The web leaderboard is off. Turn it on with `[p]unicornia web enable [host] [port]`.")
        if url:
            text += "\n" + _("Links use the public address {url}.").format(url=url)
        await ctx.send(with_prefix(ctx, text))

    @web_group.command(name="enable")
    async def web_enable(self, ctx: commands.Context, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        """Start the web server (and at every load).

        By default it listens on 127.0.0.1 port 8750, reachable only through a reverse proxy on
        this machine (see the README). Port 0 picks a free port.

        Example: `[p]unicornia web enable 127.0.0.1 8750`
        """
        if not valid_host(host) or not 0 <= port <= 65535:
            await ctx.send(_("Give a host (an IP address or name) and a port from 0 to 65535."))
            return
        try:
            await self.web.start(host, port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                text = _("Port {port} on {host} is already in use; nothing was changed.")
            else:
                text = _("I can't listen on {host} port {port} ({reason}); nothing was changed.")
            await ctx.send(text.format(host=host, port=port, reason=exc.strerror or exc))
            return
        await self.config.web_enabled.set(True)
        await self.config.web_host.set(host)
        await self.config.web_port.set(port)
        await ctx.send(_("The web leaderboard is listening on {address}.").format(address=self.web.address))

    @web_group.command(name="disable")
    async def web_disable(self, ctx: commands.Context) -> None:
        """Stop the web server (also at later loads)."""
        await self.web.stop()
        await self.config.web_enabled.set(False)
        await ctx.send(_("The web leaderboard is off."))

    @web_group.command(name="url")
    async def web_url(self, ctx: commands.Context, *, url: str) -> None:
        """The pages' public address, used in links.

        The address your reverse proxy serves them at; `none` clears it.

        Example: `[p]unicornia web url https://levels.example.org`
        """
        if url.lower() in CLEAR_WORDS:
            await self.config.web_url.clear()
            await ctx.send(_("Links now use the server's own address."))
            return
        clean = clean_base_url(url)
        if clean is None:
            await ctx.send(_("That isn't an http(s) address such as `https://levels.example.org`; nothing was changed."))
            return
        await self.config.web_url.set(clean)
        await ctx.send(_("Links now use {url}.").format(url=clean))

    @guild_group.command(name="web")
    async def guild_web(self, ctx: commands.Context, enabled: bool) -> None:
        """Show this server's leaderboard on the web, or not.

        Members can hide themselves with `[p]level private true`.

        Example: `[p]unicornia guild web true`
        """
        await self.settings.update(ctx.guild.id, lambda g: g.web.set(enabled))
        self.web.site.forget(ctx.guild.id)
        if not enabled:
            await ctx.send(_("This server's web leaderboard is off."))
            return
        link = await self.web_link(ctx.guild.id)
        if link is None:
            text = _("This server's web leaderboard is on; the bot owner has not started the web server yet.")
        else:
            text = _("This server's web leaderboard is on: {link}").format(link=link)
        await ctx.send(text)
