"""The optional public web leaderboard: an aiohttp server inside the cog (off by default).

``server.py`` owns the socket and the safety rules every response passes through; ``site.py``
maps addresses to pages; ``data.py`` reads what a page shows through the cog's services and
caches it; ``privacy.py`` keeps members' opt-outs; ``render.py`` fills the Jinja2 templates
shipped in ``data/web``.
"""
from .server import WebServer

__all__ = ["WebServer"]
