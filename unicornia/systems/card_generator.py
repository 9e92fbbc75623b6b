"""Draws XP cards with Pillow in a small pool of drawing processes, never on the event loop.

Static backgrounds give a PNG; animated backgrounds give an animated GIF (:mod:`.card_animation`:
every frame composited, durations and looping kept, at most ``MAX_FRAMES`` frames, made smaller
until it fits Discord's upload limit for unboosted servers).

What is drawn over the background (panels, avatar, words, bar) is :mod:`.card_painter`'s work,
in the member's style and accent colour (:mod:`..core.card_layout`). The card's words come
translated in :class:`CardLabels`, made on the event loop with the :class:`CardData`: Red's
language lives in a context variable that another thread or process does not see, so nothing
here calls the translator.

Where the drawing runs: :class:`CardGenerator` starts a drawing process at the first card (in the
background: cards are drawn on threads meanwhile), a second one when two cards are drawn at once
(up to ``RENDER_PROCESSES``), and shuts them down with the cog. A card goes there as bytes
(:class:`CardData` pickles to a few kilobytes plus its pictures) and comes back as bytes; the
event loop only waits. Threads would share the bot's GIL, and a card's text layout is Python
work: with many cards at once they held the loop for 8-28 ms. If the processes cannot start (a
host without working semaphores, say), cards are drawn on threads. The drawing processes load
this module through :mod:`.card_process`, without Red or discord.py: nothing it imports at the
top may need them.
"""
from __future__ import annotations

import asyncio
import ctypes
import io
import logging
import multiprocessing
import os
import runpy
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import Optional

from babel.core import Locale
from babel.numbers import format_decimal
from PIL import Image, ImageFilter

from ..core.card_layout import DEFAULT_STYLE, abbreviation, style_named
from .card_animation import cover, encode_within
from .card_painter import CardPainter, panel_mask
from .fonts import FontSet

log = logging.getLogger("red.unicornia.cards")

#: Discord's upload limit for a bot in a server without boosts (10 MB), with headroom.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_FRAMES = 120
#: At most this many drawing processes: two on a machine with two cores or more (40-70 MB each,
#: see the README's Performance section).
RENDER_PROCESSES = min(2, os.cpu_count() or 1)
#: Threads for cards while the processes start (or when they cannot), and for charts.
RENDER_WORKERS = 2
MAX_QUEUED_RENDERS = 16
FITTED_BACKGROUND_CACHE = 16
#: babel's pattern for an abbreviated number's mantissa: grouping, at most one decimal.
ABBREVIATED_PATTERN = "#,##0.#"
#: Processes are forked from a clean single-threaded server where the platform has one (not from
#: the bot, which has threads), else started fresh; both run :data:`PROCESS_BOOTSTRAP` first.
PROCESS_START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
#: The script a drawing process runs first (see its docstring), and the name it runs under.
PROCESS_BOOTSTRAP = Path(__file__).with_name("card_process.py")
PROCESS_RUN_NAME = "__unicornia_card_process__"


@dataclass(frozen=True)
class CardLabels:
    """The card's words and number format in one language, ready for a drawing process."""

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
    # imported here, not above: the drawing processes load this module without Red (card_process.py)
    from redbot.core.i18n import get_babel_regional_format

    from ..i18n import _

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


class CardRenderer:
    """Draws one card at a time from its :class:`CardData`; safe to share between threads."""

    def __init__(self, fonts_dir: Path, *, max_upload: int = MAX_UPLOAD_BYTES, max_frames: int = MAX_FRAMES) -> None:
        self.fonts = FontSet(fonts_dir)
        self.painter = CardPainter(self.fonts)
        self.max_upload = max_upload
        self.max_frames = max_frames
        #: Backgrounds fitted to the card (and frosted behind a style's panels), by content and style.
        self._fitted: OrderedDict[tuple[bytes, str], Image.Image] = OrderedDict()
        self._fitted_lock = threading.Lock()

    def render(self, card: CardData) -> RenderedCard:
        style = style_named(card.style)
        foreground = self.painter.paint(card, style)
        with Image.open(io.BytesIO(card.background)) as bg:
            if getattr(bg, "is_animated", False) and bg.n_frames > 1:
                encoded = encode_within(bg, foreground, self.max_frames, self.max_upload)
                return RenderedCard(encoded.data, "card.gif", encoded.frames)
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
            fitted = cover(img.convert("RGBA"), style.size)
        if style.panel_blur:
            frosted = fitted.filter(ImageFilter.GaussianBlur(style.panel_blur))
            fitted.paste(frosted, (0, 0), panel_mask(style))
        with self._fitted_lock:
            self._fitted[key] = fitted
            while len(self._fitted) > FITTED_BACKGROUND_CACHE:
                self._fitted.popitem(last=False)
        return fitted


class CardGenerator:
    """Draws cards off the event loop: in the drawing processes once they are up, on threads before."""

    def __init__(self, fonts_dir: Path, *, workers: int = RENDER_WORKERS, processes: int = RENDER_PROCESSES,
                 max_upload: int = MAX_UPLOAD_BYTES, max_frames: int = MAX_FRAMES) -> None:
        self.renderer = CardRenderer(fonts_dir, max_upload=max_upload, max_frames=max_frames)
        self.fonts = self.renderer.fonts
        self.painter = self.renderer.painter
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unicornia-card")
        self._slots = asyncio.Semaphore(MAX_QUEUED_RENDERS)
        self._processes = processes
        self._settings = (str(fonts_dir), max_upload, max_frames)
        #: The pool, once its processes have answered; None before (and after it was lost).
        self._pool: Optional[ProcessPoolExecutor] = None
        self._starting: Optional[asyncio.Future] = None
        #: A pool was up and broke: wait for the next one rather than draw in the bot's process.
        self._lost = False
        self._closed = False
        #: Every pool made and not yet shut down (one being started included), for close().
        self._pools: set[ProcessPoolExecutor] = set()
        self._pools_lock = threading.Lock()

    @property
    def processes(self) -> int:
        """How many drawing processes may draw the cards now (0: threads)."""
        return self._processes if self._pool is not None else 0

    def render_sync(self, card: CardData) -> RenderedCard:
        """Draw ``card`` in this thread (tests, tools, and the thread fallback)."""
        return self.renderer.render(card)

    async def render(self, card: CardData) -> RenderedCard:
        async with self._slots:
            loop = asyncio.get_running_loop()
            pool = await self._drawing_pool()
            if pool is None:
                return await loop.run_in_executor(self._threads, self.render_sync, card)
            try:
                return await loop.run_in_executor(pool, draw_in_process, card)
            except BrokenProcessPool:
                self._pool_lost(pool)
                raise

    async def run(self, fn, *args):
        """Run other drawing work (charts) in the same bounded thread pool the cards fall back to."""
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    async def ready(self) -> bool:
        """Start the drawing processes if they are not started and wait for them; False when
        cards are drawn on threads (no processes wanted, or they could not start)."""
        await self._drawing_pool()
        if self._starting is not None:
            await asyncio.shield(self._starting)
        return self._pool is not None

    def close(self) -> None:
        """Stop the drawing processes and the threads; cards not yet started are cancelled.

        Waits for the processes to exit when they are up (about 5 ms, longer only while one
        finishes a card), so none outlives the cog; processes still starting are left to exit
        on their own."""
        with self._pools_lock:
            self._closed = True
            pools, self._pools = self._pools, set()
        if self._starting is not None:
            self._starting.cancel()
        up, self._pool = self._pool, None
        for pool in pools:
            pool.shutdown(wait=pool is up, cancel_futures=True)
        self._threads.shutdown(wait=False, cancel_futures=True)

    # --- the drawing processes -------------------------------------------------------------------
    async def _drawing_pool(self) -> Optional[ProcessPoolExecutor]:
        """The pool when it is up; None to draw on a thread: while it starts the first time (it
        starts here, at the first card), or when there is none to be had."""
        if self._pool is not None or self._closed or self._processes <= 0:
            return self._pool
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._open_pool())
        if self._lost:
            await asyncio.shield(self._starting)
        return self._pool

    async def _open_pool(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            # spawning blocks for a moment: not on the event loop
            pool, warming = await loop.run_in_executor(self._threads, self._spawn_pool)
            await asyncio.gather(*(asyncio.wrap_future(f) for f in warming))
        except Exception as error:
            if not self._closed:
                log.warning("The card drawing processes could not start (%s: %s); drawing cards on threads",
                            type(error).__name__, error)
                self._processes = 0
                self._close_pools()
            return
        if not self._closed:
            self._pool = pool

    def _spawn_pool(self) -> tuple[ProcessPoolExecutor, list[Future]]:
        """A pool of up to ``processes`` processes, each started by :data:`PROCESS_BOOTSTRAP`, and
        a small task to wait for the first. The next ones start when cards come faster than the
        ones there draw them (the pool starts a process when none is idle), and stay."""
        package = __name__.split(".")[0]
        pool = ProcessPoolExecutor(
            max_workers=self._processes, mp_context=multiprocessing.get_context(PROCESS_START_METHOD),
            initializer=runpy.run_path,
            initargs=(str(PROCESS_BOOTSTRAP), {"PACKAGE": package, "PACKAGE_DIR": str(Path(__file__).parents[1]),
                                               "SETTINGS": self._settings}, PROCESS_RUN_NAME))
        with self._pools_lock:
            if self._closed:
                pool.shutdown(wait=False)
                raise RuntimeError("the card generator is closed")
            self._pools.add(pool)
        return pool, [pool.submit(os.getpid)]

    def _pool_lost(self, pool: ProcessPoolExecutor) -> None:
        """A drawing process died (killed, out of memory, crashed): its cards failed; new
        processes start at the next card, which waits for them."""
        if self._pool is not pool:
            return
        log.warning("A card drawing process stopped; starting new ones")
        self._pool, self._starting, self._lost = None, None, True
        with self._pools_lock:
            self._pools.discard(pool)
        pool.shutdown(wait=False, cancel_futures=True)

    def _close_pools(self) -> None:
        with self._pools_lock:
            pools, self._pools = self._pools, set()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)


# --- inside a drawing process ----------------------------------------------------------------------
#: This process's renderer (set by :func:`start_drawing_process`; None in the bot's own process).
_process_renderer: Optional[CardRenderer] = None
#: glibc's ``malloc_trim`` (None elsewhere): an animated card's frames, once freed, stay with the
#: process (about 50 MB) unless handed back, which is done once no card has come for a moment
#: (at once, the next card would pay to fault the memory in again: 8 % slower).
_malloc_trim = None
_trim_timer: Optional[threading.Timer] = None
TRIM_WHEN_IDLE_FOR = 2.0


def start_drawing_process(fonts_dir: str, max_upload: int, max_frames: int) -> None:
    global _process_renderer, _malloc_trim
    _process_renderer = CardRenderer(Path(fonts_dir), max_upload=max_upload, max_frames=max_frames)
    try:
        _malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        _malloc_trim = None


def draw_in_process(card: CardData) -> RenderedCard:
    global _trim_timer
    if _trim_timer is not None:
        _trim_timer.cancel()
    rendered = _process_renderer.render(card)
    if rendered.animated and _malloc_trim is not None:
        _trim_timer = threading.Timer(TRIM_WHEN_IDLE_FOR, _malloc_trim, (0,))
        _trim_timer.daemon = True
        _trim_timer.start()
    return rendered
