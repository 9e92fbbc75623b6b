"""4. Card rendering: static and 30-frame animated render times, and the loop while 20 render at once."""
from __future__ import annotations

import asyncio
import io
import statistics
import time
from pathlib import Path

from PIL import Image, ImageDraw

from unicornia.systems.card_generator import CardData, CardGenerator

from .common import Figure, StallProbe

DATA = Path(__file__).resolve().parent.parent / "unicornia" / "data"
NAME = "Zoë✨Дмитрий Ωμέγα さくら 李明 محمد 🦄"


def thirty_frame_gif() -> bytes:
    frames = []
    for i in range(30):
        frame = Image.new("RGB", (800, 392), (10, 10, 40))
        ImageDraw.Draw(frame).ellipse((i * 20, 100, i * 20 + 180, 280), fill=(60 + i * 6, 200, 160))
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


def avatar() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def card(background: bytes) -> CardData:
    return CardData(name=NAME, level=42, rank=17, ranked=48_213, into_level=250, needed=414, total_xp=9_876,
                    background=background, awarded_xp=120, avatar=avatar(), club_name="Unicorns 🦄",
                    club_icon=avatar())


async def run() -> list[Figure]:
    gen = CardGenerator(DATA / "fonts")
    static_bg = (DATA / "backgrounds" / "sunset.png").read_bytes()
    animated_bg = thirty_frame_gif()
    try:
        await gen.render(card(static_bg))  # warm the fonts and the background cache

        def baseline() -> None:  # what any card must do at least: decode the background, encode a PNG
            with Image.open(io.BytesIO(static_bg)) as img:
                img.convert("RGB").save(io.BytesIO(), format="PNG", compress_level=1)

        base = statistics.median(_timed(baseline) for _ in range(20))
        static = statistics.median([await _timed_async(gen.render(card(static_bg))) for _ in range(20)])
        animated = statistics.median([await _timed_async(gen.render(card(animated_bg))) for _ in range(3)])
        batch = [card(animated_bg if i % 5 == 0 else static_bg) for i in range(20)]
        async with StallProbe() as probe:
            await asyncio.gather(*(gen.render(data) for data in batch))
    finally:
        gen.close()
    return [
        Figure("cards: static card render (median)", round(static * 1000, 1), "ms", "<= 50 ms", static <= 0.05,
               baseline=round(base * 1000, 1), baseline_name="decode background + encode PNG (ms)",
               note=f"ratio {static / base:.1f}; mixed-script name, avatar, club"),
        Figure("cards: 30-frame animated card render (median)", round(animated * 1000), "ms", "<= 1000 ms",
               animated <= 1.0),
        Figure("cards: longest event-loop stall, 20 renders at once", round(probe.longest * 1000, 2), "ms",
               "< 10 ms", probe.longest < 0.010, note="4 of the 20 animated"),
    ]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def _timed_async(awaitable) -> float:
    start = time.perf_counter()
    await awaitable
    return time.perf_counter() - start
