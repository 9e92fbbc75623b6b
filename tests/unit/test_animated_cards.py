"""Animated cards and where cards are drawn.

The GIF: no banding (measured), still parts that do not shimmer, a palette that follows the
animation's colours, identical frames merged, the upload limit kept with fewer colours first.
The drawing processes: cards drawn there and not in the bot's process, the first card not kept
waiting while they start, a lost process replaced, threads when they cannot start, nothing left
running after close.
"""
import asyncio
import io
import logging
import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter

from unicornia.core.card_layout import STYLES, style_named
from unicornia.systems import card_animation, card_generator
from unicornia.systems.card_animation import compose, encode, encode_within
from unicornia.systems.card_generator import MAX_FRAMES, CardData, CardGenerator
from tests.imagekit import png_bytes

DATA = Path(__file__).resolve().parents[2] / "unicornia" / "data"
AURORA = (DATA / "backgrounds" / "aurora.gif").read_bytes()
AVATAR_COLOUR = (200, 120, 60)
#: Banding is a slow error (bands many pixels wide); dither noise is a fast one. Averaged over
#: 9 x 9 pixels the noise is gone and the bands are not.
LOW_PASS_RADIUS = 4
#: The most a frame may stray from the exact picture, so averaged, in the gradients measured.
MAX_LOW_PASS_ERROR = 3


@pytest.fixture(scope="module")
def generator():
    gen = CardGenerator(DATA / "fonts", processes=0)
    yield gen
    gen.close()


def card(background: bytes, **overrides) -> CardData:
    values = dict(name="Alice", level=7, rank=3, ranked=120, into_level=57, needed=144, total_xp=1234,
                  background=background, avatar=png_bytes((128, 128), AVATAR_COLOUR))
    values.update(overrides)
    return CardData(**values)


def exact_frames(generator, data: CardData) -> card_animation.Frames:
    """The frames as composited before any palette: what the GIF should look like."""
    style = style_named(data.style)
    with Image.open(io.BytesIO(data.background)) as bg:
        return compose(bg, generator.painter.paint(data, style), MAX_FRAMES)


def decoded_frames(data: bytes) -> list[Image.Image]:
    frames = []
    with Image.open(io.BytesIO(data)) as img:
        for i in range(img.n_frames):
            img.seek(i)
            frames.append(img.convert("RGB"))
    return frames


def gif(frames: list[Image.Image], duration: int = 70) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=duration, loop=0)
    return out.getvalue()


def largest_difference(a: Image.Image, b: Image.Image) -> Image.Image:
    """Per pixel, the largest difference in any channel (an "L" image)."""
    red, green, blue = ImageChops.difference(a, b).split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)


def low_pass_error(drawn: Image.Image, exact: Image.Image, box) -> int:
    """The largest difference (any channel) between the two pictures inside ``box``, each averaged
    over (2r+1) x (2r+1) pixels first."""
    r = LOW_PASS_RADIUS
    largest = largest_difference(*(img.crop(box).filter(ImageFilter.BoxBlur(r)) for img in (drawn, exact)))
    return largest.crop((r, r, largest.width - r, largest.height - r)).getextrema()[1]


def level_tile_gradients() -> list[tuple[int, int, int, int]]:
    """Two text-free parts of the aurora style's level tile, where the avatar's glow and the
    aurora behind the panel make slow gradients (the old encoder drew them in bands)."""
    s = STYLES["aurora"]
    left, top, _, bottom = s.tiles.box
    right = left + s.level_tile_width
    inset = s.tiles.radius  # clear of the rounded corners
    label_top = top + s.tiles.label_baseline - s.tiles.label_size
    return [(left + inset, top + 4, right - inset, label_top - 2),  # above the label
            (right - 70, top + 24, right - 6, bottom - inset)]  # right of the number


# --- the GIF -----------------------------------------------------------------------------------
def test_the_aurora_card_has_no_banding(generator):
    data = card(AURORA)
    exact = exact_frames(generator, data)
    drawn = decoded_frames(generator.render_sync(data).data)
    assert len(drawn) == len(exact.images) == 24
    errors = [low_pass_error(d, e, box) for d, e in zip(drawn, exact.images) for box in level_tile_gradients()]
    assert max(errors) <= MAX_LOW_PASS_ERROR, errors
    # the measure sees banding: Pillow's own palettes (the encoder before this one) fail it
    plain = decoded_frames(gif(exact.images))
    assert max(low_pass_error(d, e, box) for d, e in zip(plain, exact.images) for box in level_tile_gradients()) \
        > MAX_LOW_PASS_ERROR + 1


def test_still_parts_do_not_shimmer(generator):
    """Where a frame's picture is the same as the frame before, so are its pixels in the GIF:
    dither noise does not crawl over the text, avatar and bar."""
    frames = []
    for i in range(8):
        frame = Image.new("RGB", (800, 392), (20, 24, 60))
        frame.paste((220, 90 + i * 15, 120), (300 + i * 40, 40, 380 + i * 40, 120))
        frames.append(frame)
    data = card(gif(frames))
    exact = exact_frames(generator, data).images
    drawn = decoded_frames(generator.render_sync(data).data)
    for k in range(1, len(drawn)):
        still = largest_difference(exact[k], exact[k - 1]).point([255] + [0] * 255)
        changed = largest_difference(drawn[k], drawn[k - 1]).point([0] + [255] * 255)
        assert ImageChops.multiply(still, changed).getbbox() is None, k


def test_a_scene_in_other_colours_gets_its_own_palette(generator):
    """Twelve frames of a slow blue gradient, but frames 1-3 green: the palette chosen from frames
    spread over the animation (0, 4, 7, 11) has no greens, so those frames get their own. Every
    frame stays close to its exact picture (with one palette for all, frames 1-3 are 22 off), and
    the flat avatar keeps its exact colour in every frame."""
    ramp = Image.linear_gradient("L").rotate(90, expand=True).resize((800, 392))

    def scene(tint, shift):
        return Image.merge("RGB", [ramp.point(lambda v, t=t: int(30 + shift * 3 + v * t * 0.6)) for t in tint])

    data = card(gif([scene((0.1, 0.9, 0.3) if i in (1, 2, 3) else (0.2, 0.3, 1), i) for i in range(12)]))
    exact = exact_frames(generator, data).images
    drawn = decoded_frames(generator.render_sync(data).data)
    s = STYLES["aurora"]
    between_bar_and_tiles = (s.bar[0] + 6, s.bar[3] + 6, s.panel[2] - 14, s.tiles.box[1] - 6)
    errors = [low_pass_error(d, e, between_bar_and_tiles) for d, e in zip(drawn, exact)]
    assert len(errors) == 12 and max(errors) <= MAX_LOW_PASS_ERROR, errors
    left, top, right, bottom = s.avatar
    middle = ((left + right) // 2, (top + bottom) // 2)
    assert all(frame.getpixel(middle) == AVATAR_COLOUR for frame in drawn)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_flat_colours_stay_exact_in_every_style(generator, style):
    """A flat avatar takes one colour in every frame, not a dither of two close ones (the palette
    is made exact on the frames' commonest colours)."""
    drawn = decoded_frames(generator.render_sync(card(AURORA, style=style)).data)
    left, top, right, bottom = STYLES[style].avatar
    inner = (left + (right - left) // 4, top + (bottom - top) // 4, right - (right - left) // 4,
             bottom - (bottom - top) // 4)
    assert all(frame.crop(inner).getcolors() == [((inner[2] - inner[0]) * (inner[3] - inner[1]), AVATAR_COLOUR)]
               for frame in drawn)


def test_identical_frames_are_merged_keeping_the_time(generator):
    a, b = Image.new("RGB", (800, 392), (10, 40, 90)), Image.new("RGB", (800, 392), (90, 40, 10))
    rendered = generator.render_sync(card(gif([a, a, b])))
    with Image.open(io.BytesIO(rendered.data)) as img:
        durations = []
        for i in range(img.n_frames):
            img.seek(i)
            durations.append(img.info["duration"])
    assert rendered.frames == 2 and durations == [140, 70]


def test_over_the_limit_fewer_colours_come_before_fewer_frames(generator):
    data = card(AURORA)
    full = len(encode(exact_frames(generator, data), card_animation.GIF_COLOURS).data)
    fewer = len(encode(exact_frames(generator, data), card_animation.FEWER_COLOURS[0]).data)
    assert fewer < full
    limit = (full + fewer) // 2
    with Image.open(io.BytesIO(AURORA)) as bg:
        encoded = encode_within(bg, generator.painter.paint(data, style_named(data.style)), MAX_FRAMES, limit)
    assert len(encoded.data) <= limit and encoded.frames == 24


# --- where cards are drawn ---------------------------------------------------------------------
def static_card() -> CardData:
    return card((DATA / "backgrounds" / "sunset.png").read_bytes())


def small_gif() -> bytes:
    return gif([Image.new("RGB", (200, 98), (i * 40, 60, 200 - i * 30)) for i in range(4)])


def drawing_processes() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.is_alive()}


async def test_cards_are_drawn_in_the_processes_not_in_the_bot():
    before = drawing_processes()
    gen = CardGenerator(DATA / "fonts", processes=1)
    try:
        drawn_here = []
        in_this_process = gen.renderer.render

        def recording(card):
            drawn_here.append(card)
            return in_this_process(card)

        gen.renderer.render = recording
        first = await gen.render(static_card())
        assert len(drawn_here) == 1  # the first card does not wait: a thread draws it while the process starts
        assert await gen.ready() and gen.processes == 1

        def not_here(card):
            raise AssertionError("drawn in the bot's process")

        gen.renderer.render = not_here
        again = await gen.render(static_card())
        animated = await gen.render(card(small_gif()))
        assert again.data == first.data  # the same drawing, byte for byte
        assert animated.filename == "card.gif" and animated.frames == 4
        # the process has the drawing code only: not the cog, Red or discord.py
        loaded = await asyncio.wrap_future(gen._pool.submit(eval, "[m for m in ('discord', 'redbot') "
                                                                  "if m in __import__('sys').modules]"))
        assert loaded == []
        started = drawing_processes() - before
        assert len(started) == 1
    finally:
        gen.close()
    assert not started & drawing_processes()  # close() waited for it to exit


async def test_a_lost_process_is_replaced():
    gen = CardGenerator(DATA / "fonts", processes=1)
    try:
        assert await gen.ready()
        (pid,) = {p.pid for p in gen._pool._processes.values()}
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            for _ in range(50):  # until the pool has noticed
                await gen.render(static_card())
                await asyncio.sleep(0.05)
        rendered = await gen.render(static_card())  # waits for the new process rather than drawing here
        assert rendered.filename == "card.png" and gen.processes == 1
        assert pid not in {p.pid for p in gen._pool._processes.values()}
    finally:
        gen.close()


async def test_threads_draw_when_the_processes_cannot_start(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(card_generator, "PROCESS_BOOTSTRAP", tmp_path / "missing.py")
    gen = CardGenerator(DATA / "fonts", processes=1)
    try:
        with caplog.at_level(logging.WARNING, logger="red.unicornia.cards"):
            assert not await gen.ready()
        assert any("could not start" in r.getMessage() for r in caplog.records)
        rendered = await gen.render(static_card())
        assert rendered.filename == "card.png" and gen.processes == 0
    finally:
        gen.close()


async def test_no_processes_when_none_are_wanted():
    before = drawing_processes()
    gen = CardGenerator(DATA / "fonts", processes=0)
    try:
        assert not await gen.ready()
        assert (await gen.render(static_card())).filename == "card.png"
        assert drawing_processes() == before
    finally:
        gen.close()
