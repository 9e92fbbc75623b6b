"""Draws XP cards with Pillow in a bounded thread pool, never on the event loop.

Static backgrounds give a PNG; animated GIF backgrounds give an animated GIF with every
frame composited, durations and looping kept, at most ``MAX_FRAMES`` frames, and shrunk
(fewer frames, then smaller) until it fits Discord's upload limit for unboosted servers.
"""
from __future__ import annotations

import asyncio
import io
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Optional

from PIL import Image, ImageDraw, ImageOps, ImageSequence

from ..core.card_layout import DEFAULT_LAYOUT, CardLayout
from .fonts import FontSet, yield_gil

#: Discord's upload limit for a bot in a server without boosts (10 MB), with headroom.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_FRAMES = 120
MIN_FRAME_MS = 20
RENDER_WORKERS = 2
MAX_QUEUED_RENDERS = 16
FITTED_BACKGROUND_CACHE = 16


@dataclass(frozen=True)
class CardData:
    """Everything drawn on one card; images as raw bytes (already downloaded and checked)."""

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


@dataclass(frozen=True)
class RenderedCard:
    data: bytes
    filename: str
    frames: int

    @property
    def animated(self) -> bool:
        return self.frames > 1


def _number(n: int) -> str:
    return f"{n:,}"


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
        layer = Image.new("RGBA", L.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        draw.rounded_rectangle(L.panel, radius=L.panel_radius, fill=L.panel_fill)
        self._avatar(layer, card)
        fonts = self.fonts
        right = L.name_right_with_club if card.club_name else L.name_right
        name, size = fonts.fit(card.name, right - L.name_left, L.name_size, L.name_min_size)
        fonts.draw(layer, (L.name_left + 2, L.name_baseline + 2), name, size, L.shadow)
        fonts.draw(layer, (L.name_left, L.name_baseline), name, size, L.text)
        label = fonts.font(fonts.label_name, L.label_size)
        rank_text = "\N{EM DASH}" if card.rank is None else f"#{_number(card.rank)}"
        columns = (("LEVEL", _number(card.level)), ("RANK", rank_text), ("OF", _number(card.ranked)))
        for x, (title, value) in zip(L.stats_columns, columns):
            draw.text((x, L.stats_label_baseline), title, font=label, fill=L.muted, anchor="ls")
            fonts.draw(layer, (x, L.stats_baseline), value, L.stats_size, L.accent if title == "LEVEL" else L.text)
        yield_gil()
        self._bar(layer, draw, card, label)
        footer = f"Total XP {_number(card.total_xp)}"
        width = fonts.draw(layer, (L.bar[0], L.footer_baseline), footer, L.footer_size, L.text)
        if card.awarded_xp:
            sign = "+" if card.awarded_xp > 0 else "-"
            fonts.draw(layer, (L.bar[0] + width + 24, L.footer_baseline),
                       f"Awarded by admins {sign}{_number(abs(card.awarded_xp))}", L.footer_size, L.awarded)
        if card.club_name:
            self._club(layer, card)
        return layer

    def _bar(self, layer: Image.Image, draw: ImageDraw.ImageDraw, card: CardData, font) -> None:
        L = self.layout
        left, top, right, bottom = L.bar
        radius = (bottom - top) // 2
        draw.rounded_rectangle(L.bar, radius=radius, fill=L.bar_back)
        fraction = min(1.0, max(0.0, card.into_level / card.needed)) if card.needed else 0.0
        filled = left + round((right - left) * fraction)
        if filled - left >= 2 * radius:
            draw.rounded_rectangle((left, top, filled, bottom), radius=radius, fill=L.bar_fill)
        elif fraction > 0:
            draw.ellipse((left, top, left + 2 * radius, bottom), fill=L.bar_fill)
        text = f"{_number(card.into_level)} / {_number(card.needed)} XP"
        draw.text(((left + right) / 2, (top + bottom) / 2), text, font=font, fill=L.text, anchor="mm",
                  stroke_width=2, stroke_fill=L.shadow)

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
