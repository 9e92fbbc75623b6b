"""Headless Chromium for the web pages: Debian's ``chromium`` driven by Playwright's async API.

The Red test bot, its web server and the browser's driver all run in the test's own event loop:
while a test awaits the browser, the loop is free to answer the browser's requests.

Where playwright or Chromium is missing these tests skip and say which; ``.ci/run`` installs both
and sets ``UNICORNIA_REQUIRE_BROWSER=1``, which turns that skip into a failure so CI cannot pass
without running them.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import zlib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_FONTS = REPO_ROOT / "unicornia" / "data" / "fonts"
#: Test artefacts (gitignored): look at them after a run.
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
#: The machine has no network and Chromium must not try to reach one.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: Discord's CDN, where the pages point avatars and server icons (answered locally, see below).
CDN = re.compile(r"^https://(cdn\.discordapp\.com|media\.discordapp\.net)/")
#: Any address but the local server's.
OUTSIDE = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])")


def chromium_path() -> str | None:
    """Debian's Chromium (or UNICORNIA_CHROMIUM), or None when it is not installed."""
    wanted = os.environ.get("UNICORNIA_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("UNICORNIA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (UNICORNIA_REQUIRE_BROWSER=1: CI must run the browser tests)")
    pytest.skip(reason)


@pytest.fixture
async def browser():
    """One headless Chromium for the test, closed after it."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[browser]')")
    path = chromium_path()
    if path is None:
        _missing("Chromium is not installed (Debian: apt-get install chromium)")
    async with async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS,
                                                env={**os.environ, "FONTCONFIG_FILE": str(fontconfig())})
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def web(sim) -> str:
    """The cog's web server on 127.0.0.1 with the test guild opted in: its base URL."""
    try:
        from tests.web_helpers import start_web
    except ImportError:
        pytest.skip("the web server's test helper (tests/web_helpers.py) is not there yet")
    return await start_web(sim)


def fontconfig() -> Path:
    """A fontconfig file: the machine's fonts plus the cog's bundled ones (unicornia/data/fonts).

    A visitor's phone or desktop has fonts for every script; a bare CI machine has DejaVu and
    Liberation only, and would draw CJK, Devanagari, Thai and emoji names as empty boxes in the
    screenshots.  The cog already ships Noto and Droid fonts for its cards: the browser uses them.
    """
    # one per pytest-xdist worker: two workers writing one file could hand Chromium half of it
    folder = REPO_ROOT / "build" / "fontconfig" / os.environ.get("PYTEST_XDIST_WORKER", "main")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fonts.conf"
    path.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{BUNDLED_FONTS}</dir>
  <cachedir>{folder / "cache"}</cachedir>
</fontconfig>
""", encoding="utf-8")
    return path


async def new_page(browser, *, viewport=DESKTOP, color_scheme="light"):
    """A fresh page (own context: no shared state) whose Discord CDN requests are answered with
    local placeholder avatars and whose other outside requests fail at once, as on a closed network."""
    context = await browser.new_context(viewport=viewport, color_scheme=color_scheme)
    page = await context.new_page()
    await page.route(OUTSIDE, _offline)
    return page


async def _offline(route) -> None:
    url = route.request.url
    if CDN.match(url):
        await route.fulfill(status=200, content_type="image/png", body=avatar_png(url))
    else:
        await route.abort()


def avatar_png(key: str, size: int = 64) -> bytes:
    """A plain round-ish coloured square, its colour from ``key``: stands in for a Discord avatar."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # Pillow is a cog requirement; this is only a fallback
        return _solid_png(zlib.crc32(key.encode()))
    hue = zlib.crc32(key.encode())
    colour = (80 + hue % 150, 80 + (hue >> 8) % 150, 80 + (hue >> 16) % 150, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((0, 0, size - 1, size - 1), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _solid_png(seed: int) -> bytes:
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = bytes([0, 80 + seed % 150, 80 + (seed >> 8) % 150, 80 + (seed >> 16) % 150])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(pixel)) + chunk(b"IEND", b""))


async def screenshot(page, name: str) -> Path:
    """Save the whole page as build/screenshots/<name>.png (a test artefact) and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
