"""The XP card's design in one place: every style's geometry and colours, and the pure arithmetic
of drawing it (abbreviated numbers, fitting text, sharing a row, a proportional bar, readable colours).

Three styles, chosen by each member (``[p]level card style``) with their own accent colour
(``[p]level card colour``):

- ``aurora`` (the default): a frosted panel, a large round avatar, the name, the club and the
  progress bar first; a row of tiles after (level, rank, total XP, XP awarded by admins).
- ``classic``: NadekoBot's arrangement for members who move over: a header with a small square
  avatar, the name and the club on the right; a big level and the rank on the left; a slanted bar.
- ``minimal``: one flat strip, the avatar cut into its top edge, a thin bar, one line of numbers.

The card is NadekoBot's size (800x392). Shapes are drawn ``SUPERSAMPLE`` times larger and
reduced (every edge anti-aliased); text is anti-aliased by FreeType. Text never leaves its room:
a number is written out, then abbreviated (``1.2M``), and only then shrunk down to its smallest
size; a name is shrunk, then cut with an ellipsis.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Optional, Sequence

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Box = tuple[int, int, int, int]  # left, top, right, bottom

CARD_SIZE = (800, 392)
#: Shapes are drawn this many times larger, then reduced: every edge gets in-between values.
SUPERSAMPLE = 4
#: Height of a capital letter (and of a digit) in the bundled fonts, as a share of the font size:
#: places text in the middle of a box, whatever its size.
CAP_HEIGHT = 0.714
#: A number is written out in full below this, abbreviated (``12K``) only when the full one does not fit.
ABBREVIATE_FROM = 1_000
#: 10**3 per step: K, M, B, T (the words themselves are translated, in ``CardLabels.units``).
UNIT_STEPS = 4
#: Contrast (WCAG ratio) an accent colour must have against the track and the panel to be used as
#: it is; a darker one is lightened until it does, so a bar is never invisible.
MIN_ACCENT_CONTRAST = 3.0


# --- colours -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Palette:
    """Colours every style shares: a dark card, light text."""

    text: RGBA = (246, 247, 252, 255)
    muted: RGBA = (168, 174, 198, 255)
    #: Text on a light bar fill (chosen per accent, whichever reads better).
    dark_text: RGBA = (14, 16, 26, 255)
    #: The empty part of the bar: opaque, so the background never changes how full it looks.
    track: RGBA = (40, 43, 62, 255)
    awarded: RGBA = (255, 204, 112, 255)
    #: The placeholder avatar's letter, and the club placeholder's.
    initial: RGBA = (255, 255, 255, 255)
    tile: RGBA = (255, 255, 255, 16)
    edge: RGBA = (255, 255, 255, 34)
    edge_width: int = 1
    #: The bar's fill runs from the accent darkened by the first share to it lightened by the second.
    fill_shades: tuple[float, float] = (0.12, 0.18)
    #: A placeholder (no avatar, no club icon) runs from the accent darkened by the first share (top)
    #: to it darkened by the second; its letter is this share of its height.
    placeholder_shades: tuple[float, float] = (0.25, 0.6)
    initial_scale: float = 0.46


PALETTE = Palette()


# --- text rooms --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextSlot:
    """Where a line of text goes: its left edge (or right), baseline, room and sizes."""

    x: int
    baseline: int
    width: int
    size: int
    min_size: int
    align: str = "left"  # or "right": x is the right edge


@dataclass(frozen=True)
class Tiles:
    """A row of tiles, each a small label over a value, sharing ``box`` (see :func:`share_row`)."""

    box: Box
    gap: int
    radius: int
    padding: int
    label_baseline: int  # from the tile's top
    label_size: int
    label_min_size: int
    value_baseline: int  # from the tile's top
    value_size: int
    value_min_size: int


# --- styles ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Style:
    """What every style has; each style adds its own geometry."""

    name: str = ""
    accent: RGB = (128, 200, 255)
    size: tuple[int, int] = CARD_SIZE
    palette: Palette = PALETTE
    #: Blur the background behind the panels (static cards; an animated card keeps its frames sharp).
    panel_blur: int = 0
    bar_text_size: int = 20
    bar_text_min_size: int = 12


@dataclass(frozen=True)
class AuroraStyle(Style):
    name: str = "aurora"
    accent: RGB = (128, 200, 255)
    panel: Box = (16, 16, 784, 376)
    panel_radius: int = 26
    panel_fill: RGBA = (13, 14, 26, 208)
    panel_blur: int = 10

    #: A soft glow of the accent colour behind the avatar: its box and strongest alpha.
    glow: Box = (-62, -74, 338, 326)
    glow_alpha: int = 70
    avatar: Box = (60, 48, 216, 204)
    ring_gap: int = 4
    ring_width: int = 5

    name_slot: TextSlot = TextSlot(244, 94, 512, 46, 28)
    #: A name without a club under it sits this much lower, nearer the bar.
    name_drop_without_club: int = 22
    club_icon: Box = (244, 111, 272, 139)
    club_icon_radius: int = 8
    club_slot: TextSlot = TextSlot(282, 132, 474, 21, 21)  # 10 px right of the icon

    bar: Box = (244, 160, 756, 200)
    bar_text_size: int = 20

    tiles: Tiles = Tiles(box=(44, 236, 756, 348), gap=12, radius=18, padding=16, label_baseline=38,
                         label_size=15, label_min_size=11, value_baseline=86, value_size=32, value_min_size=18)
    #: The level tile is as wide as the avatar column, tinted with the accent colour.
    level_tile_width: int = 188
    level_value_size: int = 42
    level_tile_tint: int = 46  # alpha of the accent over the tile


@dataclass(frozen=True)
class ClassicStyle(Style):
    name: str = "classic"
    accent: RGB = (255, 190, 84)
    header: Box = (16, 16, 784, 104)
    body: Box = (16, 116, 784, 376)
    panel_radius: int = 18
    panel_fill: RGBA = (10, 10, 16, 222)

    avatar: Box = (30, 26, 98, 94)
    avatar_radius: int = 14
    ring_width: int = 3

    name_slot: TextSlot = TextSlot(116, 76, 656, 40, 24)
    club_icon: Box = (716, 32, 772, 88)
    club_icon_radius: int = 12
    club_slot: TextSlot = TextSlot(702, 70, 220, 24, 24, align="right")
    #: Between the name and the club name, when there is a club.
    club_gap: int = 24

    level_label: TextSlot = TextSlot(40, 164, 236, 18, 12)
    level_value: TextSlot = TextSlot(38, 240, 236, 76, 34)
    rank_label: TextSlot = TextSlot(40, 286, 236, 18, 12)
    rank_value: TextSlot = TextSlot(40, 334, 236, 36, 18)
    divider: Box = (296, 140, 298, 352)
    divider_radius: int = 1

    bar: Box = (322, 160, 760, 222)
    #: How far the bar's top edge leans right of its bottom edge (NadekoBot's bars are slanted).
    bar_slant: int = 22
    bar_text_size: int = 26
    total_slot: TextSlot = TextSlot(322, 278, 438, 26, 16)
    awarded_slot: TextSlot = TextSlot(322, 322, 438, 22, 14)


@dataclass(frozen=True)
class MinimalStyle(Style):
    name: str = "minimal"
    accent: RGB = (140, 232, 190)
    strip: Box = (16, 142, 784, 376)
    strip_radius: int = 22
    strip_fill: RGBA = (17, 18, 28, 255)

    avatar: Box = (44, 80, 168, 204)
    #: A ring in the strip's colour, so the avatar looks cut into the strip.
    ring_width: int = 7

    name_slot: TextSlot = TextSlot(192, 206, 568, 34, 22)
    level_slot: TextSlot = TextSlot(760, 206, 220, 34, 20, align="right")
    level_label_size: int = 15
    level_gap: int = 8
    #: Between the name and the level.
    name_gap: int = 20
    club_icon: Box = (192, 220, 214, 242)
    club_icon_radius: int = 6
    club_slot: TextSlot = TextSlot(222, 238, 538, 17, 17)  # 8 px right of the icon

    #: The progress is written above the thin bar, not on it.
    progress_slot: TextSlot = TextSlot(40, 276, 720, 17, 12)
    bar: Box = (40, 290, 760, 304)

    stats: Tiles = Tiles(box=(40, 318, 760, 364), gap=24, radius=0, padding=0, label_baseline=16,
                         label_size=13, label_min_size=10, value_baseline=42, value_size=21, value_min_size=13)


STYLES: dict[str, Style] = {s.name: s for s in (AuroraStyle(), ClassicStyle(), MinimalStyle())}
DEFAULT_STYLE = "aurora"


def style_named(name: Optional[str]) -> Style:
    """The style called ``name`` (any case), or the default one."""
    return STYLES.get((name or "").strip().lower(), STYLES[DEFAULT_STYLE])


# --- colour arithmetic -------------------------------------------------------------------------
_HEX = re.compile(r"(?:#|0x)?([0-9a-f]{6}|[0-9a-f]{3})", re.IGNORECASE)


def parse_colour(text: str) -> Optional[RGB]:
    """``#5865F2``, ``5865f2``, ``0x5865F2`` or ``#58f`` as RGB; None for anything else."""
    match = _HEX.fullmatch(text.strip())
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def colour_hex(colour: Sequence[int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*colour[:3])


def mix(a: Sequence[int], b: Sequence[int], t: float) -> RGB:
    """``a`` moved a share ``t`` (0..1) of the way to ``b``."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a[:3], b[:3]))  # type: ignore[return-value]


def luminance(colour: Sequence[int]) -> float:
    """WCAG relative luminance."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Sequence[int], b: Sequence[int]) -> float:
    """WCAG contrast ratio, 1 (the same) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_accent(accent: Sequence[int], against: Sequence[int], minimum: float = MIN_ACCENT_CONTRAST) -> RGB:
    """``accent``, lightened just enough to stand out from ``against`` (a dark track or panel)."""
    for step in range(11):
        candidate = mix(accent, (255, 255, 255), step / 10)
        if contrast(candidate, against) >= minimum:
            return candidate
    return 255, 255, 255


def text_on(fill: Sequence[int], light: Sequence[int], dark: Sequence[int]) -> tuple[int, ...]:
    """Whichever of ``light`` and ``dark`` text reads better on ``fill``."""
    return tuple(light) if contrast(fill, light) >= contrast(fill, dark) else tuple(dark)


# --- numbers -----------------------------------------------------------------------------------
def abbreviation(n: int) -> tuple[Decimal, int]:
    """``n`` as (mantissa, step): 1_234_567 -> (1.2, 2) for "1.2M"; step 0 means "write it out".

    Cut, not rounded (999,999 XP is "999K", never a "1M" not yet reached); one decimal below 10
    (1.2M), none from 10 (12M, 812M). Above the last step the mantissa grows (1,500T)."""
    size = abs(n)
    if size < ABBREVIATE_FROM:
        return Decimal(n), 0
    step = 0
    while step < UNIT_STEPS and size >= 1000 ** (step + 1):
        step += 1
    tenths = size * 10 // 1000 ** step
    mantissa = Decimal(tenths // 10) if tenths >= 100 else Decimal(tenths) / 10
    return (-mantissa if n < 0 else mantissa), step


def progress_fraction(into_level: int, needed: int) -> float:
    """How full the bar is, 0..1."""
    if needed <= 0:
        return 0.0
    return min(1.0, max(0.0, into_level / needed))


def fill_coverage(fraction: float, width: int) -> bytes:
    """Per column of a bar ``width`` px wide, how much of it the fill covers (0..255).

    Exactly proportional: the fill ends at ``fraction * width`` with the last column partly
    covered, so 0.3% of a 500 px bar is a 1.5 px sliver, never a dot."""
    end = max(0.0, min(1.0, fraction)) * width
    full = int(end)
    partial = round((end - full) * 255)
    row = bytearray(width)
    row[:full] = b"\xff" * full
    if full < width:
        row[full] = partial
    return bytes(row)


# --- fitting -----------------------------------------------------------------------------------
def fit_text(candidates: Sequence[str], measure: Callable[[str, int], float], room: float, size: int,
             min_size: int) -> tuple[str, int, bool]:
    """The first of ``candidates`` (most to least precise, e.g. ``1,234,567`` then ``1.2M``) that
    fits ``room`` at ``size``; failing that the last one shrunk, down to ``min_size``.

    Returns (text, size, fits); when it does not fit even then, the caller cuts it."""
    for text in candidates:
        if measure(text, size) <= room:
            return text, size, True
    last = candidates[-1]
    width = measure(last, size)
    # text width grows about linearly with the size: start from the estimate, then verify
    candidate = max(min_size, min(size - 1, int(size * room / width))) if width else size
    while candidate >= min_size:
        if measure(last, candidate) <= room:
            return last, candidate, True
        candidate -= 1
    return last, min_size, False


def share_row(needs: Sequence[Sequence[float]], room: float, gap: float) -> list[float]:
    """Widths for items side by side in ``room``, ``gap`` apart. ``needs[i]`` lists the widths item
    ``i`` needs for each way of writing it, most precise first (``1,234,567`` then ``1.2M``).

    While the needs do not fit, the item needing the most width that can be written shorter is;
    then all items get the same width when the widest allows it, else each gets its need plus an
    equal share of what is left. When even the shortest writings do not fit, widths are in
    proportion to them (the text shrinks)."""
    count = len(needs)
    if not count:
        return []
    usable = room - gap * (count - 1)
    chosen = [0] * count
    width = [n[0] for n in needs]
    while sum(width) > usable:
        shorter = [i for i in range(count) if chosen[i] + 1 < len(needs[i])]
        if not shorter:
            return [usable * w / sum(width) for w in width]
        widest = max(shorter, key=lambda i: width[i])
        chosen[widest] += 1
        width[widest] = needs[widest][chosen[widest]]
    if max(width) * count <= usable:
        return [usable / count] * count
    spare = (usable - sum(width)) / count
    return [w + spare for w in width]


@dataclass(frozen=True)
class Stat:
    """One tile: a label, a value written several ways (most precise first), the value's colour."""

    label: str
    values: tuple[str, ...]
    colour: RGBA
