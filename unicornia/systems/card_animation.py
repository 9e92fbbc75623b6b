"""Animated cards: a GIF background's frames under the card, written as one GIF within the upload limit.

How it stays fast and free of banding:

- The card (everything drawn over the background) is painted once; each frame gets it pasted
  through its alpha, in RGB, with no per-frame RGBA conversion.
- The frames share one palette, chosen from a few frames at half size with Pillow's
  maximum-coverage quantizer: it keeps small bright details (the accent, emoji, the awarded
  colour) that median cut, Pillow's default, merges away. Its entries nearest to the commonest
  colours are made exactly those colours, so flat areas stay flat. When the animation's colours
  move away from it (another scene), frames get a palette of their own until they come back.
- Frames are mapped to the palette with Floyd-Steinberg dithering, so gradients (an aurora, the
  bar, the avatar's glow) come out smooth instead of in bands.
- Where a pixel's colour is the same as in the previous frame it keeps the previous frame's index:
  the still parts (text, avatar, bar) do not shimmer with dither noise, and only the part of a
  frame that changed is mapped at all. Pillow then writes those pixels as transparent (the
  palette leaves one index free for it), which keeps the file small.

Too large for the upload limit: fewer colours first (dithered, barely visible), then every other
frame (keeping the total time), then a smaller card.

Pure Pillow work on images given to it: runs in a drawing process (or a worker thread).
"""
from __future__ import annotations

import heapq
import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageOps, ImageSequence

from .fonts import yield_gil

#: Colours in the shared palette: 255, leaving one index for "unchanged since the last frame".
GIF_COLOURS = 255
#: Tried in turn when the GIF is over the upload limit, before dropping frames.
FEWER_COLOURS = (128, 64)
#: The palette is chosen from this many frames, spread over the animation, at 1/``SAMPLE_REDUCTION`` size.
PALETTE_SAMPLE_FRAMES = 4
PALETTE_SAMPLE_REDUCTION = 2
#: A frame's own palette is chosen from it and the frames after it, this many in all, at
#: 1/``OWN_PALETTE_REDUCTION`` size.
OWN_PALETTE_FRAMES = 3
OWN_PALETTE_REDUCTION = 4
#: A palette fits a frame when at most ``FIT_OUTLIERS`` of its pixels (looked at 1/``FIT_REDUCTION``
#: size) are farther than ``FIT_DISTANCE`` (in any channel) from its nearest colour.
FIT_DISTANCE = 14
FIT_OUTLIERS = 0.01
FIT_REDUCTION = 4
#: The commonest colours of the frames (looked at 1/``FLAT_SAMPLE_REDUCTION`` of the sample's size)
#: made exact in the palette, when an entry is within ``FLAT_SNAP_DISTANCE`` (any channel) of one.
FLAT_COLOURS = 32
FLAT_SAMPLE_REDUCTION = 2
FLAT_SNAP_DISTANCE = 12
#: Browsers show frames shorter than this at 100 ms: a 0 ms GIF would crawl.
MIN_FRAME_MS = 20
DEFAULT_FRAME_MS = 100
#: Over the limit with this many frames or fewer: make the card smaller instead of dropping more.
MIN_FRAMES_TO_HALVE = 12
SHRINK_STEP = 0.75
MIN_SCALE = 0.3
#: What shows through a background's transparent pixels.
TRANSPARENT_BACKDROP = (0, 0, 0)
#: A lookup table for ``Image.point``: 255 where a difference is 0, else 0.
_UNCHANGED = [255] + [0] * 255
#: A lookup table for ``Image.point`` on RGB: each value to the middle of its 7-bit step.
_SEVEN_BITS = [(v & 0xFE) | 1 for v in range(256)] * 3


@dataclass
class Frames:
    """The card composited on each kept frame of the background (RGB, the card's size)."""

    images: list[Image.Image]
    durations: list[int]
    loop: int


@dataclass(frozen=True)
class EncodedAnimation:
    data: bytes
    frames: int


def compose(background: Image.Image, card: Image.Image, max_frames: int, *, every: int = 1,
            scale: float = 1.0) -> Frames:
    """The background's frames fitted to the card, with ``card`` (RGBA) over each: at most
    ``max_frames`` of them, and of those every ``every``-th, sampled evenly (the time of the
    dropped ones added to the kept ones); ``scale`` times the card's size."""
    colour, alpha = card.convert("RGB"), card.getchannel("A")
    keep_every = max(1, -(-background.n_frames // max_frames)) * every  # ceil
    size = (max(1, int(card.width * scale)), max(1, int(card.height * scale)))
    images: list[Image.Image] = []
    durations: list[int] = []
    for index, frame in enumerate(ImageSequence.Iterator(background)):
        duration = max(MIN_FRAME_MS, int(frame.info.get("duration", DEFAULT_FRAME_MS) or DEFAULT_FRAME_MS))
        if index % keep_every:
            durations[-1] += duration
            continue
        composed = cover(opaque(frame), card.size)
        composed.paste(colour, (0, 0), alpha)
        images.append(composed if scale == 1.0 else composed.resize(size, Image.Resampling.BILINEAR))
        durations.append(duration)
        yield_gil()
    return Frames(images, durations, background.info.get("loop", 0))


def opaque(frame: Image.Image) -> Image.Image:
    """A new RGB copy of ``frame``, its transparent pixels on :data:`TRANSPARENT_BACKDROP`."""
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        backdrop = Image.new("RGBA", rgba.size, TRANSPARENT_BACKDROP + (255,))
        return Image.alpha_composite(backdrop, rgba).convert("RGB")
    return frame.convert("RGB")


def cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``img`` scaled and centre-cropped to fill ``size`` (itself when it already has that size)."""
    if img.size == size:
        return img
    return ImageOps.fit(img, size, Image.Resampling.BILINEAR)


def encode_within(background: Image.Image, card: Image.Image, max_frames: int, max_bytes: int) -> EncodedAnimation:
    """The animated card (see :func:`compose`), made smaller until it fits ``max_bytes``: fewer
    colours, then every other frame, then a smaller picture (the smallest one tried, if nothing
    fits). Each try composes the frames afresh, so no more than one set is held at a time."""
    colours = (GIF_COLOURS,) + FEWER_COLOURS
    step, every, scale = 0, 1, 1.0
    while True:
        frames = compose(background, card, max_frames, every=every, scale=scale)
        count = len(frames.images)
        encoded = encode(frames, colours[step])
        if len(encoded.data) <= max_bytes:
            return encoded
        if step + 1 < len(colours):
            step += 1
        elif count > MIN_FRAMES_TO_HALVE:
            every *= 2
        elif scale * SHRINK_STEP >= MIN_SCALE:
            scale *= SHRINK_STEP
        else:
            return encoded


def encode(frames: Frames, colours: int = GIF_COLOURS) -> EncodedAnimation:
    """One GIF of ``frames``, dithered to ``colours`` colours; it consumes ``frames.images`` (each
    is let go once mapped, which halves the memory an animated card takes).

    Frames share one palette while it fits them. A frame it does not fit (the colours of the
    animation change) goes back to the shared palette if that fits, else gets its own, which the
    next frames share in turn. Every palette is exact on the frames' flat colours, so a plain
    background, a flat avatar or the track does not fill with dither dots. A frame identical to
    the one before is merged into it (their times added)."""
    images = frames.images
    shared = palette = shared_palette(images, colours)
    indexed: list[Image.Image] = []
    kept_durations: list[int] = []
    previous_rgb = previous = previous_palette = None
    for position, duration in enumerate(frames.durations):
        rgb, images[position] = images[position], None
        difference = box = None
        if previous is not None:
            difference = ImageChops.difference(rgb, previous_rgb)
            box = difference.getbbox()
            if box is None:
                kept_durations[-1] += duration
                continue
        # the part that changed is all that can have left the palette behind
        if not fits(palette, rgb if box is None else rgb.crop(box)):
            if palette is not shared and fits(shared, rgb):
                palette = shared  # back to the first scene's colours
            else:
                palette = own_palette([rgb] + images[position + 1:position + OWN_PALETTE_FRAMES], colours)
        if palette is previous_palette:
            current = _changed_part(previous, rgb, difference, box, palette)
        else:
            current = rgb.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
        indexed.append(current)
        kept_durations.append(duration)
        previous_rgb, previous, previous_palette = rgb, current, palette
        yield_gil()
    out = io.BytesIO()
    indexed[0].save(out, format="GIF", save_all=True, append_images=indexed[1:], duration=kept_durations,
                    loop=frames.loop, optimize=True, disposal=1)
    return EncodedAnimation(out.getvalue(), len(indexed))


def shared_palette(images: list[Image.Image], colours: int) -> Image.Image:
    """A palette for every frame: maximum coverage over a few frames spread over the animation,
    side by side at reduced size, exact on their flat colours."""
    count = len(images)
    picks = sorted({round(i * (count - 1) / max(1, PALETTE_SAMPLE_FRAMES - 1))
                    for i in range(min(count, PALETTE_SAMPLE_FRAMES))})
    mosaic = _mosaic([images[i] for i in picks], PALETTE_SAMPLE_REDUCTION)
    # 7 bits a channel: far fewer distinct colours to sort (twice as fast on a busy animation),
    # no visible loss (the entries are averages, and the flat ones are made exact below)
    coarse = mosaic.point(_SEVEN_BITS)
    return exact_on_flat_colours(coarse.quantize(colours, Image.Quantize.MAXCOVERAGE), mosaic)


def _mosaic(images: list[Image.Image], reduction: int) -> Image.Image:
    """``images`` reduced and stacked, one under the other."""
    samples = [_reduced(img, reduction) for img in images]
    width, height = samples[0].size
    mosaic = Image.new("RGB", (width, height * len(samples)))
    for row, sample in enumerate(samples):
        mosaic.paste(sample, (0, row * height))
    return mosaic


def own_palette(images: list[Image.Image], colours: int) -> Image.Image:
    """A palette for a frame the shared one does not fit, and the few after it (the colours
    drift or a new scene began, so they will likely need it too): fast octree over them side by
    side at reduced size, exact on their flat colours."""
    mosaic = _mosaic(images, OWN_PALETTE_REDUCTION)
    return exact_on_flat_colours(mosaic.quantize(colours, Image.Quantize.FASTOCTREE), mosaic)


def exact_on_flat_colours(quantized: Image.Image, sample: Image.Image) -> Image.Image:
    """``quantized``'s palette, with the entry nearest to each of ``sample``'s commonest colours
    (when it is near) replaced by that colour exactly: a flat area (a plain background, the
    avatar, the track) then takes one colour instead of dithering between two close ones.

    A quantizer gives each group of colours their average, which is seldom any of them."""
    small = _reduced(sample, FLAT_SAMPLE_REDUCTION)
    counted = small.getcolors(maxcolors=small.width * small.height) or []
    commonest = [rgb for _, rgb in heapq.nlargest(FLAT_COLOURS, counted)]
    if not commonest:
        return quantized
    entries = quantized.getpalette() or []
    probe = Image.new("RGB", (len(commonest), 1))
    for x, rgb in enumerate(commonest):
        probe.putpixel((x, 0), rgb)
    taken = set()
    for rgb, index in zip(commonest, probe.quantize(palette=quantized, dither=Image.Dither.NONE).tobytes()):
        entry = entries[3 * index:3 * index + 3]
        if index not in taken and max(abs(a - b) for a, b in zip(rgb, entry)) <= FLAT_SNAP_DISTANCE:
            entries[3 * index:3 * index + 3] = rgb
            taken.add(index)
    palette = Image.new("P", (1, 1))
    palette.putpalette(entries)
    return palette


def fits(palette: Image.Image, rgb: Image.Image) -> bool:
    """Whether ``palette`` has colours near all of ``rgb``'s: at most 1 % of its pixels (at
    quarter size) are more than ``FIT_DISTANCE`` from the nearest colour. Dithering mixes colours
    inside the palette's range; it cannot make one outside it."""
    small = _reduced(rgb, FIT_REDUCTION)
    nearest = small.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB")
    counts = _largest_channel(ImageChops.difference(small, nearest)).histogram()
    return sum(counts[FIT_DISTANCE + 1:]) <= FIT_OUTLIERS * small.width * small.height


def _reduced(img: Image.Image, factor: int) -> Image.Image:
    return img.reduce(factor) if min(img.size) >= 2 * factor else img


def _changed_part(previous: Image.Image, rgb: Image.Image, difference: Image.Image, box: tuple[int, int, int, int],
                  palette: Image.Image) -> Image.Image:
    """``rgb`` mapped to ``palette``, the previous frame's: only inside ``box`` (where it differs
    from the previous frame), and keeping ``previous``'s index wherever the colour is the same."""
    region = rgb.crop(box).quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    unchanged = _largest_channel(difference.crop(box)).point(_UNCHANGED)
    region.paste(previous.crop(box), (0, 0), unchanged)
    current = previous.copy()
    current.paste(region, box[:2])
    return current


def _largest_channel(rgb: Image.Image) -> Image.Image:
    red, green, blue = rgb.split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)
