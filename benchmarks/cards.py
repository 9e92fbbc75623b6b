"""4. Card rendering: the static card cold (a member whose card was never drawn: background and
avatar new to the drawing process) and warm (drawn before: background fitted and frosted, avatar
fitted, both cached), each against decoding its background and encoding a PNG; the 30-frame
animated card against re-encoding its background alone (an object moving over a still background,
and every pixel changing); and the event loop while 20 cards are drawn at once.

Every card is timed alternating with its floor, so a slow moment of the machine hits both; the
figures are medians over the runs, with the worst run beside them.
"""
from __future__ import annotations

import asyncio
import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageSequence

from unicornia.systems.card_generator import PROCESS_START_METHOD, CardData, CardGenerator

from .common import Figure, Samples, StallProbe, ratio_figure, stall_figure, timed, timed_async

DATA = Path(__file__).resolve().parent.parent / "unicornia" / "data"
#: A mixed-script name; ``{:04d}`` makes it new for each cold card (the same width in every run).
NAME = "Zoë✨Дмитрий{:04d} Ωμέγα さくら 李明 محمد 🦄"
#: Cold and warm static cards, each alternating with its floor: medians and worst cases of this many.
STATIC_RUNS = 20
#: The goals: the static card's median within this many times its floor (decode the background,
#: encode a PNG), both timed in the same run. Measured on the 2-core development machine, shared:
#: warm 2.85-3.3 x (32-35 ms), cold 4.7 x (54 ms; new background, avatar and name). Cold costs
#: 1.6 x warm, nearly all of it fitting the new background and frosting it behind the panels (a
#: blur of the whole card); a new avatar or name adds 1-3 ms. The bounds leave about 20% over the
#: slowest ratios seen, so a noisy day passes and a path that gets markedly slower fails.
STATIC_WARM_GOAL_RATIO = 4.0
STATIC_COLD_GOAL_RATIO = 6.0
#: Animated card and floor, alternating: medians and worst cases of this many each.
ANIMATED_RUNS = 9
#: The goals: the animated card within this many times its floor (medians), for a GIF where an
#: object moves over a still background, and for one where every pixel changes.
ANIMATED_GOAL_RATIO = 1.5
FULL_MOTION_RUNS = 5
FULL_MOTION_GOAL_RATIO = 3.0
#: Cards drawn at once to warm the drawing processes up (two processes at most).
WARM_UP_AT_ONCE = 6
CONCURRENT = 20
#: Bursts of ``CONCURRENT`` cards: the figure is the longest stall seen in any of them.
BURSTS = 3
#: A user-visible wait: the loop may stall at most this long while cards are drawn.
RENDER_STALL_GOAL_MS = 10.0


def thirty_frame_gif() -> bytes:
    frames = []
    for i in range(30):
        frame = Image.new("RGB", (800, 392), (10, 10, 40))
        ImageDraw.Draw(frame).ellipse((i * 20, 100, i * 20 + 180, 280), fill=(60 + i * 6, 200, 160))
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


def full_motion_gif() -> bytes:
    """30 frames in which every pixel changes and the colours drift (two gradients sliding through
    the colour range): the worst case for an encoder that maps only what changed, with a palette
    shared while it fits."""
    ramp = Image.linear_gradient("L").rotate(90, expand=True).resize((800, 392))
    frames = []
    for i in range(30):
        frames.append(Image.merge("RGB", (ramp.point(lambda v, s=i * 8: (v + s) % 256),
                                          ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT).point(lambda v: 40 + v // 3),
                                          Image.linear_gradient("L").resize((800, 392)).point(
                                              lambda v, s=i * 16: (255 - v + s) % 256))))
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


def avatar() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 120, 60)).save(out, format="PNG")
    return out.getvalue()


AVATAR = avatar()


def distinct_png(png: bytes, number: int) -> bytes:
    """``png`` with a text chunk saying ``number``: the same pixels and the same decoding work,
    but bytes no cache has seen (the drawing processes key their caches by the bytes' hash)."""
    signature_and_header = 8 + 4 + 4 + 13 + 4  # the signature, then IHDR: length, type, data, CRC
    body = b"tEXt" + b"bench\0" + str(number).encode()
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    return png[:signature_and_header] + chunk + png[signature_and_header:]


def card(background: bytes, number: int = 0, picture: bytes = AVATAR) -> CardData:
    return CardData(name=NAME.format(number), level=42, rank=17, ranked=48_213, into_level=250, needed=414,
                    total_xp=9_876, background=background, awarded_xp=120, avatar=picture, club_name="Unicorns 🦄",
                    club_icon=AVATAR)


def cold_card(background: bytes, number: int) -> CardData:
    """The card of member ``number``, never drawn before: their background, avatar and name are new."""
    return card(distinct_png(background, number), number, distinct_png(AVATAR, number))


def static_floor(background: bytes) -> None:
    """What any static card must do at least: decode the background, encode a PNG."""
    with Image.open(io.BytesIO(background)) as img:
        img.convert("RGB").save(io.BytesIO(), format="PNG", compress_level=1)


def gif_floor(background: bytes) -> bytes:
    """What any animated card must do at least: decode every frame of the GIF and encode them again,
    unchanged, with Pillow's fastest quantizer (each decoded frame is RGB: it needs a palette)."""
    frames, durations = [], []
    with Image.open(io.BytesIO(background)) as img:
        loop = img.info.get("loop", 0)
        for frame in ImageSequence.Iterator(img):
            frames.append(frame.convert("RGB").quantize(256, Image.Quantize.FASTOCTREE))
            durations.append(frame.info.get("duration", 100))
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=loop)
    return out.getvalue()


def pillow_resave(background: bytes) -> None:
    """The same, with Pillow's defaults (median cut for each frame): a naive re-save, for reference."""
    with Image.open(io.BytesIO(background)) as img:
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(img)]
    frames[0].save(io.BytesIO(), format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)


@dataclass
class Measured:
    """Everything :func:`run` times (seconds), from which :func:`figures` makes the figures."""

    cold: Samples
    warm: Samples
    static_floor: Samples
    animated: Samples
    animated_floor: Samples
    full_motion: Samples
    full_motion_floor: Samples
    resave: float
    frames: int
    stalls: Samples
    threads_stalls: Samples
    processes: int


async def run() -> list[Figure]:
    return figures(await measure())


async def measure() -> Measured:
    static_bg = (DATA / "backgrounds" / "sunset.png").read_bytes()
    animated_bg = thirty_frame_gif()
    gen = CardGenerator(DATA / "fonts")
    try:
        await gen.ready()
        # warm both processes' fonts and caches: more cards at once than processes, so each draws some
        for bg in (static_bg, animated_bg, static_bg, animated_bg, static_bg):
            await asyncio.gather(*(gen.render(card(bg)) for _ in range(WARM_UP_AT_ONCE)))

        cold, warm, floor = await _static_rounds(gen, static_bg)

        animated, animated_floor = await _against(lambda i: gen.render(card(animated_bg)),
                                                  lambda i: gif_floor(animated_bg), ANIMATED_RUNS)
        resave = Samples(timed(lambda: pillow_resave(animated_bg)) for _ in range(3)).median
        frames = (await gen.render(card(animated_bg))).frames
        full_motion_bg = full_motion_gif()
        full_motion, full_motion_floor = await _against(lambda i: gen.render(card(full_motion_bg)),
                                                        lambda i: gif_floor(full_motion_bg), FULL_MOTION_RUNS)

        stalls = await _burst_stalls(gen, static_bg, animated_bg, first=STATIC_RUNS + 2)
        processes = gen.processes
    finally:
        gen.close()
    threads = CardGenerator(DATA / "fonts", processes=0)  # the same bursts on threads: what the processes avoid
    try:
        await threads.render(card(static_bg))  # fonts, as above
        threads_stalls = await _burst_stalls(threads, static_bg, animated_bg,
                                             first=STATIC_RUNS + 2 + BURSTS * CONCURRENT)
    finally:
        threads.close()
    return Measured(cold, warm, floor, animated, animated_floor, full_motion, full_motion_floor,
                    resave, frames, stalls, threads_stalls, processes)


def figures(m: Measured) -> list[Figure]:
    where = f"in {m.processes} drawing processes ({PROCESS_START_METHOD})" if m.processes else "on threads"
    floor_name = "decode the background + encode a PNG (ms, median)"
    gif_floor_name = "decode the GIF + encode it again (ms, median)"
    return [
        ratio_figure("cards: static card, cold (never drawn before)", m.cold.median * 1000,
                     m.static_floor.median * 1000, STATIC_COLD_GOAL_RATIO, unit="ms", against="its floor",
                     baseline_name=floor_name, worst=m.cold.worst * 1000,
                     note=f"median of {len(m.cold)}, floor worst {m.static_floor.worst * 1000:.1f} ms; new "
                          f"background, avatar and name each time; drawn {where}"),
        ratio_figure("cards: static card, warm (drawn before)", m.warm.median * 1000,
                     m.static_floor.median * 1000, STATIC_WARM_GOAL_RATIO, unit="ms", against="its floor",
                     baseline_name=floor_name, worst=m.warm.worst * 1000,
                     note=f"median of {len(m.warm)}, in the same rounds as the cold ones; "
                          f"cold is {m.cold.median / m.warm.median:.2f} x warm"),
        ratio_figure("cards: 30-frame animated card", m.animated.median * 1000, m.animated_floor.median * 1000,
                     ANIMATED_GOAL_RATIO, unit="ms", against="its floor", baseline_name=gif_floor_name,
                     worst=m.animated.worst * 1000, digits=0,
                     note=f"median of {len(m.animated)}, floor worst {m.animated_floor.worst * 1000:.0f} ms; "
                          f"{m.frames} frames, dithered shared palette; Pillow's default re-save of the same GIF "
                          f"{m.resave * 1000:.0f} ms"),
        ratio_figure("cards: 30-frame animated card, every pixel changing", m.full_motion.median * 1000,
                     m.full_motion_floor.median * 1000, FULL_MOTION_GOAL_RATIO, unit="ms", against="its floor",
                     baseline_name=gif_floor_name, worst=m.full_motion.worst * 1000, digits=0,
                     note=f"median of {len(m.full_motion)}, floor worst {m.full_motion_floor.worst * 1000:.0f} ms"),
        stall_figure(f"cards: longest event-loop stall, {CONCURRENT} renders at once", m.stalls.worst,
                     RENDER_STALL_GOAL_MS,
                     note=f"worst of {len(m.stalls)} bursts (median {m.stalls.median * 1000:.1f} ms); "
                          f"{CONCURRENT // 5} of the {CONCURRENT} animated, the static ones cold; drawn {where}; "
                          f"the same on threads only: {m.threads_stalls.worst * 1000:.1f} ms"),
    ]


async def _burst_stalls(gen: CardGenerator, static_bg: bytes, animated_bg: bytes, first: int) -> Samples:
    """The loop's longest stall in each of ``BURSTS`` bursts of ``CONCURRENT`` cards asked for at
    once: one in five animated, the others never drawn before (members from number ``first`` on)."""
    stalls = Samples()
    for burst in range(BURSTS):
        start = first + burst * CONCURRENT
        batch = [card(animated_bg) if i % 5 == 0 else cold_card(static_bg, start + i) for i in range(CONCURRENT)]
        async with StallProbe() as probe:
            await asyncio.gather(*(gen.render(data) for data in batch))
        stalls.append(probe.longest)
    return stalls


async def _static_rounds(gen: CardGenerator, background: bytes) -> tuple[Samples, Samples, Samples]:
    """Times of the cold card, the warm card and their floor: ``STATIC_RUNS`` rounds of one each,
    in an order that turns with the round, so a slow moment of the machine hits all three."""
    members = [cold_card(background, i) for i in range(1, STATIC_RUNS + 1)]
    cold, warm, floor = Samples(), Samples(), Samples()
    for i, member in enumerate(members):
        for step in range(3):
            which = (i + step) % 3
            if which == 0:
                floor.append(timed(lambda: static_floor(member.background)))
            elif which == 1:
                warm.append(await timed_async(gen.render(card(background))))
            else:
                cold.append(await timed_async(gen.render(member)))
    return cold, warm, floor


async def _against(draw, floor, runs: int) -> tuple[Samples, Samples]:
    """Times of ``draw(i)`` (a coroutine) and of ``floor(i)``, alternating which goes first."""
    drawn, floors = Samples(), Samples()
    for i in range(runs):
        if i % 2:
            floors.append(timed(lambda: floor(i)))
        drawn.append(await timed_async(draw(i)))
        if not i % 2:
            floors.append(timed(lambda: floor(i)))
    return drawn, floors
