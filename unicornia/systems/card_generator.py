"""Draws XP cards with Pillow in a bounded thread pool, never on the event loop.

Static backgrounds give a PNG; animated GIF backgrounds give an animated GIF with every
frame composited, durations and looping kept, at most ``MAX_FRAMES`` frames, and shrunk
(fewer frames, then smaller) until it fits Discord's upload limit for unboosted servers.

What is drawn over the background (panels, avatar, words, bar) is :mod:`.card_painter`'s work,
in the member's style and accent colour (:mod:`..core.card_layout`). The card's words come
translated in :class:`CardLabels`, made on the event loop with the :class:`CardData`: Red's
language lives in a context variable that a worker thread does not see, so nothing here calls
the translator.
"""
from __future__ import annotations

import asyncio
import io
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import Optional

from babel.core import Locale
from babel.numbers import format_decimal
from PIL import Image, ImageFilter, ImageOps, ImageSequence
from redbot.core.i18n import get_babel_regional_format

from ..core.card_layout import DEFAULT_STYLE, abbreviation, style_named
from ..i18n import _
from .card_painter import CardPainter, panel_mask
from .fonts import FontSet, yield_gil

#: Discord's upload limit for a bot in a server without boosts (10 MB), with headroom.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_FRAMES = 120
MIN_FRAME_MS = 20
RENDER_WORKERS = 2
MAX_QUEUED_RENDERS = 16
FITTED_BACKGROUND_CACHE = 16
#: babel's pattern for an abbreviated number's mantissa: grouping, at most one decimal.
ABBREVIATED_PATTERN = "#,##0.#"


@dataclass(frozen=True)
class CardLabels:
    """The card's words and number format in one language, ready for a drawing thread."""

    #: Tile and column titles (written in capitals in English; a translation may not be).
    level: str
    rank: str
    total: str
    awarded_title: str
    #: Placeholders: ``{rank}``, ``{ranked}``.
    rank_of: str
    #: Placeholders: ``{xp}`` (the classic style's line under the bar).
    total_xp: str
    #: Placeholders: ``{amount}`` (signed; the classic style's line under the bar).
    awarded: str
    #: Placeholders: ``{done}``, ``{needed}``.
    progress: str
    #: Thousands, millions, billions, trillions; placeholder ``{number}`` (``{number}K`` ...).
    units: tuple[str, str, str, str]
    #: How numbers are written (Red's regional format: ``1,234`` or ``1.234``).
    numbers: Locale

    def number(self, n: int) -> str:
        return format_decimal(n, locale=self.numbers)

    def abbreviate(self, n: int) -> str:
        """``n`` shortened for a tight room: 1.2K, 12K, 812M, 1.2B, 1T (``1,2 Mio.`` in German);
        cut, never rounded up; written out in full below 1,000."""
        mantissa, step = abbreviation(n)
        if step == 0:
            return self.number(n)
        return self.units[step - 1].format(number=format_decimal(mantissa, format=ABBREVIATED_PATTERN,
                                                                 locale=self.numbers))

    def signed(self, n: int, abbreviated: bool = False) -> str:
        """``+1,234`` or ``\N{MINUS SIGN}1,234``."""
        text = self.abbreviate(abs(n)) if abbreviated else self.number(abs(n))
        return ("+" if n >= 0 else "\N{MINUS SIGN}") + text


def card_labels() -> CardLabels:
    """The card's words in the current task's language; call it on the event loop."""
    return CardLabels(
        level=_("LEVEL"), rank=_("RANK"), total=_("TOTAL XP"), awarded_title=_("FROM ADMINS"),
        rank_of=_("#{rank} / {ranked}"), total_xp=_("Total XP {xp}"), awarded=_("Awarded by admins {amount}"),
        progress=_("{done} / {needed} XP"),
        units=(_("{number}K"), _("{number}M"), _("{number}B"), _("{number}T")),
        numbers=get_babel_regional_format(),
    )


@dataclass(frozen=True)
class CardData:
    """Everything drawn on one card; images as raw bytes (already downloaded and checked).

    Make it on the event loop: its :class:`CardLabels` are translated when it is made."""

    name: str
    level: int
    rank: Optional[int]  # None: no XP yet, not ranked
    ranked: int
    into_level: int
    needed: int
    total_xp: int
    background: bytes
    awarded_xp: int = 0
    avatar: Optional[bytes] = None
    club_name: Optional[str] = None
    club_icon: Optional[bytes] = None
    #: One of :data:`~unicornia.core.card_layout.STYLES` (an unknown name draws the default).
    style: str = DEFAULT_STYLE
    #: The member's accent colour; None for the style's own.
    accent: Optional[tuple[int, int, int]] = None
    labels: CardLabels = field(default_factory=card_labels)


@dataclass(frozen=True)
class RenderedCard:
    data: bytes
    filename: str
    frames: int

    @property
    def animated(self) -> bool:
        return self.frames > 1


class CardGenerator:
    def __init__(self, fonts_dir: Path, *, workers: int = RENDER_WORKERS, max_upload: int = MAX_UPLOAD_BYTES,
                 max_frames: int = MAX_FRAMES) -> None:
        self.fonts = FontSet(fonts_dir)
        self.painter = CardPainter(self.fonts)
        self.max_upload = max_upload
        self.max_frames = max_frames
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unicornia-card")
        self._slots = asyncio.Semaphore(MAX_QUEUED_RENDERS)
        #: Backgrounds fitted to the card (and frosted behind a style's panels), by content and style.
        self._fitted: OrderedDict[tuple[bytes, str], Image.Image] = OrderedDict()
        self._fitted_lock = threading.Lock()

    async def render(self, card: CardData) -> RenderedCard:
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self.render_sync, card)

    async def run(self, fn, *args):
        """Run other drawing work (charts) in the same bounded pool as the cards."""
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # --- drawing (worker threads) ------------------------------------------------------------
    def render_sync(self, card: CardData) -> RenderedCard:
        style = style_named(card.style)
        foreground = self.painter.paint(card, style)
        with Image.open(io.BytesIO(card.background)) as bg:
            if getattr(bg, "is_animated", False) and bg.n_frames > 1:
                return self._animated(bg, foreground, style.size)
        frame = self._backdrop(card.background, style).copy()
        frame.alpha_composite(foreground)
        out = io.BytesIO()
        frame.convert("RGB").save(out, format="PNG", compress_level=1)
        return RenderedCard(out.getvalue(), "card.png", 1)

    def _backdrop(self, data: bytes, style) -> Image.Image:
        """The background fitted to the card, blurred behind the style's panels (frosted glass)."""
        key = (blake2b(data, digest_size=16).digest(), style.name)
        with self._fitted_lock:
            cached = self._fitted.get(key)
            if cached is not None:
                self._fitted.move_to_end(key)
                return cached
        with Image.open(io.BytesIO(data)) as img:
            fitted = _cover(img.convert("RGBA"), style.size)
        if style.panel_blur:
            frosted = fitted.filter(ImageFilter.GaussianBlur(style.panel_blur))
            fitted.paste(frosted, (0, 0), panel_mask(style))
        with self._fitted_lock:
            self._fitted[key] = fitted
            while len(self._fitted) > FITTED_BACKGROUND_CACHE:
                self._fitted.popitem(last=False)
        return fitted

    def _animated(self, bg: Image.Image, foreground: Image.Image, size: tuple[int, int]) -> RenderedCard:
        loop = bg.info.get("loop", 0)
        frames, durations = [], []
        total = bg.n_frames
        keep_every = max(1, -(-total // self.max_frames))  # ceil: sample evenly, keep the timing
        for index, frame in enumerate(ImageSequence.Iterator(bg)):
            duration = max(MIN_FRAME_MS, int(frame.info.get("duration", 100) or 100))
            if index % keep_every:
                durations[-1] += duration
                continue
            composed = _cover(frame.convert("RGBA"), size)
            composed.alpha_composite(foreground)
            frames.append(composed.convert("RGB"))
            durations.append(duration)
            yield_gil()
        scale = 1.0
        while True:
            data = _encode_gif(frames, durations, loop, scale, size)
            if len(data) <= self.max_upload or (len(frames) <= 2 and scale < 0.3):
                return RenderedCard(data, "card.gif", len(frames))
            if len(frames) > 12:  # first drop every other frame, keeping the total time
                frames, durations = frames[::2], [a + b for a, b in zip(durations[::2], durations[1::2] + [0])]
            else:
                scale *= 0.75


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    if img.size == size:
        return img
    return ImageOps.fit(img, size, Image.Resampling.BILINEAR)


def _encode_gif(frames: list[Image.Image], durations: list[int], loop: int, scale: float, size) -> bytes:
    if scale != 1.0:
        target = (max(1, int(size[0] * scale)), max(1, int(size[1] * scale)))
        frames = [f.resize(target, Image.Resampling.BILINEAR) for f in frames]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=loop,
                   optimize=False, disposal=1)
    return out.getvalue()
