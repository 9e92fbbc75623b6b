"""Draws XP cards with Pillow in a bounded thread pool, never on the event loop.

Static backgrounds give a PNG; animated GIF backgrounds give an animated GIF with every
frame composited, durations and looping kept, at most ``MAX_FRAMES`` frames, and shrunk
(fewer frames, then smaller) until it fits Discord's upload limit for unboosted servers.

The card's words come translated in :class:`CardLabels`, made on the event loop with the
:class:`CardData`: Red's language lives in a context variable that a worker thread does not see,
so nothing here calls the translator.  Every word is measured and shrunk to its room, since
"STUFE" or "Gesamt-XP" is not as wide as "LEVEL" or "Total XP".
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
from PIL import Image, ImageDraw, ImageOps, ImageSequence
from redbot.core.i18n import get_babel_regional_format

from ..core.card_layout import DEFAULT_LAYOUT, CardLayout
from ..i18n import _
from .fonts import ELLIPSIS, FontSet, graphemes, yield_gil

#: Discord's upload limit for a bot in a server without boosts (10 MB), with headroom.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_FRAMES = 120
MIN_FRAME_MS = 20
RENDER_WORKERS = 2
MAX_QUEUED_RENDERS = 16
FITTED_BACKGROUND_CACHE = 16


@dataclass(frozen=True)
class CardLabels:
    """The card's words and number format in one language, ready for a drawing thread."""

    level: str
    rank: str
    of: str
    #: Placeholders: ``{rank}``.
    ranked_as: str
    #: Placeholders: ``{xp}``.
    total_xp: str
    #: Placeholders: ``{amount}`` (signed).
    awarded: str
    #: Placeholders: ``{done}``, ``{needed}``.
    progress: str
    #: How numbers are written (Red's regional format: ``1,234`` or ``1.234``).
    numbers: Locale

    def number(self, n: int) -> str:
        return format_decimal(n, locale=self.numbers)


def card_labels() -> CardLabels:
    """The card's words in the current task's language; call it on the event loop."""
    return CardLabels(
        level=_("LEVEL"), rank=_("RANK"), of=_("OF"), ranked_as=_("#{rank}"),
        total_xp=_("Total XP {xp}"), awarded=_("Awarded by admins {amount}"), progress=_("{done} / {needed} XP"),
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
    def __init__(self, fonts_dir: Path, *, layout: CardLayout = DEFAULT_LAYOUT, workers: int = RENDER_WORKERS,
                 max_upload: int = MAX_UPLOAD_BYTES, max_frames: int = MAX_FRAMES) -> None:
        self.fonts = FontSet(fonts_dir)
        self.layout = layout
        self.max_upload = max_upload
        self.max_frames = max_frames
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unicornia-card")
        self._slots = asyncio.Semaphore(MAX_QUEUED_RENDERS)
        self._fitted: OrderedDict[bytes, Image.Image] = OrderedDict()
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
        foreground = self._foreground(card)
        with Image.open(io.BytesIO(card.background)) as bg:
            if getattr(bg, "is_animated", False) and bg.n_frames > 1:
                return self._animated(bg, foreground)
        background = self._fitted_static(card.background)
        frame = background.copy()
        frame.alpha_composite(foreground)
        out = io.BytesIO()
        frame.convert("RGB").save(out, format="PNG", compress_level=1)
        return RenderedCard(out.getvalue(), "card.png", 1)

    def _fitted_static(self, data: bytes) -> Image.Image:
        key = blake2b(data, digest_size=16).digest()
        with self._fitted_lock:
            cached = self._fitted.get(key)
            if cached is not None:
                self._fitted.move_to_end(key)
                return cached
        with Image.open(io.BytesIO(data)) as img:
            fitted = self._cover(img.convert("RGBA"))
        with self._fitted_lock:
            self._fitted[key] = fitted
            while len(self._fitted) > FITTED_BACKGROUND_CACHE:
                self._fitted.popitem(last=False)
        return fitted

    def _cover(self, img: Image.Image, size: Optional[tuple[int, int]] = None) -> Image.Image:
        size = size or self.layout.size
        if img.size == size:
            return img
        return ImageOps.fit(img, size, Image.Resampling.BILINEAR)

    def _animated(self, bg: Image.Image, foreground: Image.Image) -> RenderedCard:
        loop = bg.info.get("loop", 0)
        frames, durations = [], []
        total = bg.n_frames
        keep_every = max(1, -(-total // self.max_frames))  # ceil: sample evenly, keep the timing
        for index, frame in enumerate(ImageSequence.Iterator(bg)):
            duration = max(MIN_FRAME_MS, int(frame.info.get("duration", 100) or 100))
            if index % keep_every:
                durations[-1] += duration
                continue
            composed = self._cover(frame.convert("RGBA"))
            composed.alpha_composite(foreground)
            frames.append(composed.convert("RGB"))
            durations.append(duration)
            yield_gil()
        scale = 1.0
        while True:
            data = _encode_gif(frames, durations, loop, scale, self.layout.size)
            if len(data) <= self.max_upload or (len(frames) <= 2 and scale < 0.3):
                return RenderedCard(data, "card.gif", len(frames))
            if len(frames) > 12:  # first drop every other frame, keeping the total time
                frames, durations = frames[::2], [a + b for a, b in zip(durations[::2], durations[1::2] + [0])]
            else:
                scale *= 0.75

    def _foreground(self, card: CardData) -> Image.Image:
        L = self.layout
        words = card.labels
        layer = Image.new("RGBA", L.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        draw.rounded_rectangle(L.panel, radius=L.panel_radius, fill=L.panel_fill)
        self._avatar(layer, card)
        fonts = self.fonts
        right = L.name_right_with_club if card.club_name else L.name_right
        name, size = fonts.fit(card.name, right - L.name_left, L.name_size, L.name_min_size)
        fonts.draw(layer, (L.name_left + 2, L.name_baseline + 2), name, size, L.shadow)
        fonts.draw(layer, (L.name_left, L.name_baseline), name, size, L.text)
        rank_text = "\N{EM DASH}" if card.rank is None else words.ranked_as.format(rank=words.number(card.rank))
        columns = ((words.level, words.number(card.level), L.accent), (words.rank, rank_text, L.text),
                   (words.of, words.number(card.ranked), L.text))
        for x, room, (title, value, colour) in zip(L.stats_columns, L.stats_room(), columns):
            title, label_size = self._fit_label(title, room, L.label_size, L.label_min_size)
            draw.text((x, L.stats_label_baseline), title, font=fonts.font(fonts.label_name, label_size),
                      fill=L.muted, anchor="ls")
            value, value_size = fonts.fit(value, room, L.stats_size, L.stats_min_size)
            fonts.draw(layer, (x, L.stats_baseline), value, value_size, colour)
        yield_gil()
        self._bar(layer, draw, card)
        self._footer(layer, card)
        if card.club_name:
            self._club(layer, card)
        return layer

    def _footer(self, layer: Image.Image, card: CardData) -> None:
        """Total XP, then (when there is any) the admins' award, on one line as wide as the bar;
        both shrink together to fit, and only the award is ever cut short."""
        L, words, fonts = self.layout, card.labels, self.fonts
        left, _top, right, _bottom = L.bar
        total = words.total_xp.format(xp=words.number(card.total_xp))
        if not card.awarded_xp:
            total, size = fonts.fit(total, right - left, L.footer_size, L.footer_min_size)
            fonts.draw(layer, (left, L.footer_baseline), total, size, L.text)
            return
        sign = "+" if card.awarded_xp > 0 else "-"
        awarded = words.awarded.format(amount=sign + words.number(abs(card.awarded_xp)))
        room = right - left - L.footer_gap
        widest = fonts.width(total, L.footer_size) + fonts.width(awarded, L.footer_size)
        size = max(L.footer_min_size, min(L.footer_size, int(L.footer_size * room / widest)))
        while size > L.footer_min_size and fonts.width(total, size) + fonts.width(awarded, size) > room:
            size -= 1
        total, size = fonts.fit(total, room, size, L.footer_min_size)  # a no-op unless it alone is too wide
        width = fonts.draw(layer, (left, L.footer_baseline), total, size, L.text)
        start = left + width + L.footer_gap
        awarded, _same = fonts.fit(awarded, right - start, size, size)  # cut only past the smallest size
        fonts.draw(layer, (start, L.footer_baseline), awarded, size, L.awarded)

    def _fit_label(self, text: str, max_width: float, size: int, min_size: int) -> tuple[str, int]:
        """Like FontSet.fit, in the label font: shrink to ``min_size``, then cut and add an ellipsis."""
        font_name = self.fonts.label_name
        for candidate in range(size, min_size - 1, -1):
            if self.fonts.font(font_name, candidate).getlength(text) <= max_width:
                return text, candidate
        font = self.fonts.font(font_name, min_size)
        clusters = graphemes(text)
        while clusters:
            clusters.pop()
            shortened = "".join(clusters).rstrip() + ELLIPSIS
            if font.getlength(shortened) <= max_width:
                return shortened, min_size
        return ELLIPSIS, min_size

    def _bar(self, layer: Image.Image, draw: ImageDraw.ImageDraw, card: CardData) -> None:
        L = self.layout
        words = card.labels
        left, top, right, bottom = L.bar
        radius = (bottom - top) // 2
        draw.rounded_rectangle(L.bar, radius=radius, fill=L.bar_back)
        fraction = min(1.0, max(0.0, card.into_level / card.needed)) if card.needed else 0.0
        filled = left + round((right - left) * fraction)
        if filled - left >= 2 * radius:
            draw.rounded_rectangle((left, top, filled, bottom), radius=radius, fill=L.bar_fill)
        elif fraction > 0:
            draw.ellipse((left, top, left + 2 * radius, bottom), fill=L.bar_fill)
        text = words.progress.format(done=words.number(card.into_level), needed=words.number(card.needed))
        text, size = self._fit_label(text, right - left - 2 * radius, L.bar_text_size, L.label_min_size)
        draw.text(((left + right) / 2, (top + bottom) / 2), text, font=self.fonts.font(self.fonts.label_name, size),
                  fill=L.text, anchor="mm", stroke_width=2, stroke_fill=L.shadow)

    def _avatar(self, layer: Image.Image, card: CardData) -> None:
        L = self.layout
        left, top, right, bottom = L.avatar
        size = (right - left, bottom - top)
        avatar = None
        if card.avatar:
            try:
                with Image.open(io.BytesIO(card.avatar)) as img:
                    avatar = ImageOps.fit(img.convert("RGBA"), size, Image.Resampling.LANCZOS)
            except Exception:
                avatar = None  # a broken avatar is drawn as the placeholder, not an error
        if avatar is None:
            avatar = Image.new("RGBA", size, (90, 90, 140, 255))
            initial = next(iter(card.name.strip()), "?")
            self.fonts.draw(avatar, (size[0] / 2 - self.fonts.width(initial, 96) / 2, size[1] * 0.68),
                            initial, 96, (255, 255, 255, 255))
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, size[0] - 1, size[1] - 1), fill=255)
        ring = L.avatar_ring
        ImageDraw.Draw(layer).ellipse((left - ring, top - ring, right + ring, bottom + ring), fill=L.avatar_ring_colour)
        layer.paste(avatar, (left, top), mask)

    def _club(self, layer: Image.Image, card: CardData) -> None:
        L = self.layout
        left, top, right, bottom = L.club_icon
        if card.club_icon:
            try:
                with Image.open(io.BytesIO(card.club_icon)) as img:
                    icon = ImageOps.fit(img.convert("RGBA"), (right - left, bottom - top), Image.Resampling.LANCZOS)
                mask = Image.new("L", icon.size, 0)
                ImageDraw.Draw(mask).rounded_rectangle((0, 0, icon.width - 1, icon.height - 1), radius=12, fill=255)
                layer.paste(icon, (left, top), mask)
            except Exception:
                pass  # the club name still shows
        name, size = self.fonts.fit(card.club_name, L.club_name_max_width, L.club_name_size, 12)
        self.fonts.draw(layer, (L.club_name_right, L.club_name_baseline), name, size, L.muted, anchor_right=True)


def _encode_gif(frames: list[Image.Image], durations: list[int], loop: int, scale: float, size) -> bytes:
    if scale != 1.0:
        target = (max(1, int(size[0] * scale)), max(1, int(size[1] * scale)))
        frames = [f.resize(target, Image.Resampling.BILINEAR) for f in frames]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=loop,
                   optimize=False, disposal=1)
    return out.getvalue()
