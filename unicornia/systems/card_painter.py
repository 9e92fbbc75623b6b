"""Paints what lies over a card's background, in the member's style and accent colour.

Every shape (panels, tiles, the avatar's mask and ring, the bar's track and fill, the club icon)
is a mask drawn ``SUPERSAMPLE`` times larger and reduced, so its edges are anti-aliased; the masks
depend only on sizes and are kept. The geometry, colours and arithmetic are in
:mod:`..core.card_layout`; the words come translated in the card's ``CardLabels``.

Runs on the card generator's worker threads.
"""
from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import replace
from collections import OrderedDict
from functools import lru_cache
from hashlib import blake2b
from typing import TYPE_CHECKING, Callable, Optional, Sequence, Union

from PIL import Image, ImageChops, ImageDraw, ImageOps

from ..core.card_layout import (
    CAP_HEIGHT, RGB, RGBA, SUPERSAMPLE, AuroraStyle, Box, ClassicStyle, MinimalStyle, Stat, Style, TextSlot,
    Tiles, fill_coverage, fit_text, mix, progress_fraction, readable_accent, share_row, text_on,
)
from .fonts import FontSet, graphemes, yield_gil

if TYPE_CHECKING:
    from .card_generator import CardData

#: Decoded avatars and club icons fitted to their box, by content and size.
FITTED_IMAGE_CACHE = 32
MEASURE_CACHE = 2048
Paint = Union[RGBA, Image.Image]


# --- anti-aliased masks (cached: they depend on sizes only) ------------------------------------
def _reduced(size: tuple[int, int], draw: Callable[[ImageDraw.ImageDraw, int], None]) -> Image.Image:
    ss = SUPERSAMPLE
    big = Image.new("L", (size[0] * ss, size[1] * ss), 0)
    draw(ImageDraw.Draw(big), ss)
    return big.reduce(ss)


@lru_cache(maxsize=64)
def rounded_mask(width: int, height: int, radius: int) -> Image.Image:
    return _reduced((width, height), lambda d, ss: d.rounded_rectangle(
        (0, 0, width * ss - 1, height * ss - 1), radius=radius * ss, fill=255))


@lru_cache(maxsize=32)
def ring_mask(width: int, height: int, radius: int, thickness: int) -> Image.Image:
    """The band between a rounded rectangle (a circle when ``radius`` is half the side) and the
    same shape ``thickness`` smaller on every side."""
    def draw(d: ImageDraw.ImageDraw, ss: int) -> None:
        d.rounded_rectangle((0, 0, width * ss - 1, height * ss - 1), radius=radius * ss, fill=255)
        t = thickness * ss
        d.rounded_rectangle((t, t, (width - thickness) * ss - 1, (height - thickness) * ss - 1),
                            radius=max(0, (radius - thickness) * ss), fill=0)
    return _reduced((width, height), draw)


@lru_cache(maxsize=16)
def slanted_mask(width: int, height: int, slant: int, length: Optional[float] = None) -> Image.Image:
    """A parallelogram whose top edge leans ``slant`` px right of its bottom edge; with ``length``,
    only its first ``length`` px along each row (a proportional fill with a slanted end)."""
    run = width - slant if length is None else length

    def draw(d: ImageDraw.ImageDraw, ss: int) -> None:
        if run > 0:
            d.polygon([(slant * ss, 0), ((slant + run) * ss, 0), (run * ss, height * ss), (0, height * ss)],
                      fill=255)
    return _reduced((width, height), draw)


@lru_cache(maxsize=16)
def _ramp(width: int, height: int, horizontal: bool) -> Image.Image:
    """0 to 255 across (or down) a box, for gradients."""
    ramp = Image.linear_gradient("L")
    if horizontal:
        ramp = ramp.rotate(90, expand=True).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return ramp.resize((width, height), Image.Resampling.BILINEAR)


def gradient(size: tuple[int, int], start: Sequence[int], end: Sequence[int], *, horizontal: bool) -> Image.Image:
    """An RGBA gradient from ``start`` (left or top) to ``end``."""
    a = Image.new("RGBA", size, tuple(start[:3]) + (255,))
    b = Image.new("RGBA", size, tuple(end[:3]) + (255,))
    return Image.composite(b, a, _ramp(size[0], size[1], horizontal))


@lru_cache(maxsize=8)
def glow_mask(width: int, height: int) -> Image.Image:
    """255 in the middle fading to 0 at the edge of the ellipse ``width`` x ``height``."""
    radial = Image.radial_gradient("L").resize((width, height), Image.Resampling.BILINEAR)
    return radial.point(lambda v: max(0, 255 - v * 255 // 180))  # the gradient reaches 255 past the corners


def panel_boxes(style: Style) -> list[tuple[Box, int]]:
    """The style's panels (box, corner radius): what a static background is frosted behind."""
    if isinstance(style, AuroraStyle):
        return [(style.panel, style.panel_radius)]
    if isinstance(style, ClassicStyle):
        return [(style.header, style.panel_radius), (style.body, style.panel_radius)]
    if isinstance(style, MinimalStyle):
        return [(style.strip, style.strip_radius)]
    return []


@lru_cache(maxsize=8)
def panel_mask(style: Style) -> Image.Image:
    mask = Image.new("L", style.size, 0)
    for box, radius in panel_boxes(style):
        mask.paste(rounded_mask(box[2] - box[0], box[3] - box[1], radius), box[:2])
    return mask


def _scaled_alpha(mask: Image.Image, alpha: int) -> Image.Image:
    return mask if alpha >= 255 else mask.point(lambda v: v * alpha // 255)


# --- the placeholder avatar's letter -----------------------------------------------------------
def _is_emoji(cluster: str) -> bool:
    return "\ufe0f" in cluster or any(ord(c) >= 0x1F000 for c in cluster)


def placeholder_initial(name: str) -> str:
    """What a member without an avatar shows: the first letter or digit of their name, capitalised
    ("_Bruno_" gives "B", "𝓯𝓪𝓷𝓬𝔂" gives "F"), or its first emoji; "?" when it has neither."""
    for cluster in graphemes(name):
        if _is_emoji(cluster):
            return cluster
        folded = unicodedata.normalize("NFKC", cluster)
        if folded[:1].isalnum():
            upper = folded.upper()
            return upper if len(upper) == len(folded) else folded  # "ß" stays one letter
    return "?"


class CardPainter:
    """Paints a card's foreground (RGBA, transparent where the background shows)."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        #: Text widths by (text, size): labels and numbers recur from card to card.
        self.measure = lru_cache(maxsize=MEASURE_CACHE)(fonts.width)
        self._images: OrderedDict[tuple[bytes, tuple[int, int]], Optional[Image.Image]] = OrderedDict()
        self._images_lock = threading.Lock()
        self._styles = {AuroraStyle: self._aurora, ClassicStyle: self._classic, MinimalStyle: self._minimal}

    def paint(self, card: "CardData", style: Style) -> Image.Image:
        layer = Image.new("RGBA", style.size, (0, 0, 0, 0))
        self._styles[type(style)](layer, card, style, card.accent or style.accent)
        return layer

    # --- primitives ------------------------------------------------------------------------------
    @staticmethod
    def shape(layer: Image.Image, origin: tuple[int, int], mask: Image.Image, paint: Paint) -> None:
        """Composite ``paint`` (a colour or an image the mask's size) through ``mask`` at ``origin``."""
        if isinstance(paint, Image.Image):
            patch = paint.copy()
            alpha = ImageChops.multiply(patch.getchannel("A"), mask)
        else:
            patch = Image.new("RGBA", mask.size, paint)
            alpha = _scaled_alpha(mask, paint[3])
        patch.putalpha(alpha)
        layer.alpha_composite(patch, dest=origin)

    def rounded(self, layer: Image.Image, box: Box, radius: int, paint: Paint) -> None:
        self.shape(layer, box[:2], rounded_mask(box[2] - box[0], box[3] - box[1], radius), paint)

    def fit(self, candidates: Sequence[str], room: float, size: int, min_size: int) -> tuple[str, int]:
        """The most precise of ``candidates`` that fits (see :func:`fit_text`), cut with an ellipsis
        as the very last resort."""
        text, size, fits = fit_text(candidates, self.measure, room, size, min_size)
        if not fits:
            text, size = self.fonts.fit(text, room, size, size)
        return text, size

    def text(self, layer: Image.Image, slot: TextSlot, candidates: Union[str, Sequence[str]], colour: RGBA, *,
             room: Optional[float] = None) -> float:
        """Draw the best fitting of ``candidates`` in ``slot`` (or in ``room``, when narrower than
        the slot's width); returns the width drawn."""
        if isinstance(candidates, str):
            candidates = (candidates,)
        text, size = self.fit(candidates, slot.width if room is None else room, slot.size, slot.min_size)
        width = self.measure(text, size)
        left = slot.x - width if slot.align == "right" else slot.x
        self.fonts.draw(layer, (left, slot.baseline), text, size, colour)
        return width

    # --- pictures ------------------------------------------------------------------------------
    def _fitted(self, data: Optional[bytes], size: tuple[int, int]) -> Optional[Image.Image]:
        """``data`` decoded and cropped to ``size``; None when there is none or it is broken."""
        if not data:
            return None
        key = (blake2b(data, digest_size=16).digest(), size)
        with self._images_lock:
            if key in self._images:
                self._images.move_to_end(key)
                return self._images[key]
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.draft("RGB", (size[0] * 2, size[1] * 2))  # a large JPEG decodes at a smaller scale
                fitted = ImageOps.fit(img.convert("RGBA"), size, Image.Resampling.LANCZOS)
        except Exception:
            fitted = None  # a broken picture is drawn as the placeholder, not an error
        with self._images_lock:
            self._images[key] = fitted
            while len(self._images) > FITTED_IMAGE_CACHE:
                self._images.popitem(last=False)
        return fitted

    def _placeholder(self, text: str, size: tuple[int, int], accent: RGB, palette) -> Image.Image:
        """The accent's gradient with ``text``'s first letter in the middle."""
        top, bottom = palette.placeholder_shades
        img = gradient(size, mix(accent, (0, 0, 0), top), mix(accent, (0, 0, 0), bottom), horizontal=False)
        letter = placeholder_initial(text)
        font_size = max(1, round(size[1] * palette.initial_scale))
        width = self.measure(letter, font_size)
        self.fonts.draw(img, ((size[0] - width) / 2, (size[1] + CAP_HEIGHT * font_size) / 2), letter, font_size,
                        palette.initial)
        return img

    def picture(self, layer: Image.Image, box: Box, radius: int, data: Optional[bytes], fallback_text: str,
                accent: RGB, palette) -> None:
        """An avatar or club icon in ``box`` with rounded corners (a circle when ``radius`` is half
        the side), or the placeholder letter."""
        size = (box[2] - box[0], box[3] - box[1])
        image = self._fitted(data, size) or self._placeholder(fallback_text, size, accent, palette)
        self.shape(layer, box[:2], rounded_mask(size[0], size[1], radius), image)

    def glow(self, layer: Image.Image, box: Box, within: Box, radius: int, paint: RGBA) -> None:
        """A soft round glow filling ``box``, clipped to the rounded panel ``within``."""
        left, top = max(box[0], within[0]), max(box[1], within[1])
        right, bottom = min(box[2], within[2]), min(box[3], within[3])
        if right <= left or bottom <= top:
            return
        glow = glow_mask(box[2] - box[0], box[3] - box[1]).crop(
            (left - box[0], top - box[1], right - box[0], bottom - box[1]))
        panel = rounded_mask(within[2] - within[0], within[3] - within[1], radius).crop(
            (left - within[0], top - within[1], right - within[0], bottom - within[1]))
        patch = Image.new("RGBA", glow.size, paint[:3] + (0,))
        patch.putalpha(ImageChops.multiply(_scaled_alpha(glow, paint[3]), panel))
        layer.alpha_composite(patch, dest=(left, top))

    def ring(self, layer: Image.Image, box: Box, radius: int, thickness: int, paint: RGBA) -> None:
        """A ring ``thickness`` wide just inside ``box``."""
        self.shape(layer, box[:2], ring_mask(box[2] - box[0], box[3] - box[1], radius, thickness), paint)

    # --- the bar -------------------------------------------------------------------------------
    def bar(self, layer: Image.Image, card: "CardData", box: Box, style: Style, fill: RGB, *,
            slant: int = 0, text: bool = True) -> None:
        """The track (opaque), the fill (exactly proportional, clipped to the track's shape) and,
        unless ``text`` is False, the progress written across it in two colours: one where it lies
        on the fill, one where it lies on the track."""
        palette = style.palette
        width, height = box[2] - box[0], box[3] - box[1]
        fraction = progress_fraction(card.into_level, card.needed)
        if slant:
            track = slanted_mask(width, height, slant)
            filled = slanted_mask(width, height, slant, fraction * (width - slant))
        else:
            track = rounded_mask(width, height, height // 2)
            columns = Image.frombytes("L", (width, 1), fill_coverage(fraction, width))
            filled = ImageChops.multiply(track, columns.resize((width, height), Image.Resampling.NEAREST))
        self.shape(layer, box[:2], track, palette.track)
        darker, lighter = palette.fill_shades
        self.shape(layer, box[:2], filled, gradient((width, height), mix(fill, (0, 0, 0), darker),
                                                    mix(fill, (255, 255, 255), lighter), horizontal=True))
        if not text:
            return
        text_colour = palette.text
        on_fill = text_on(fill, palette.text, palette.dark_text)
        label, size = self.fit(self.progress_texts(card), width - height - slant, style.bar_text_size,
                               style.bar_text_min_size)
        x = (width - self.measure(label, size)) / 2
        baseline = (height + CAP_HEIGHT * size) / 2
        written = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        self.fonts.draw(written, (x, baseline), label, size, (255, 255, 255, 255))
        ink = written.getchannel("A")
        # one colour where the words lie on the fill, the other where they lie on the track
        colours = Image.composite(Image.new("RGBA", (width, height), on_fill),
                                  Image.new("RGBA", (width, height), text_colour), filled)
        colours.putalpha(ink)
        layer.alpha_composite(colours, dest=box[:2])

    @staticmethod
    def progress_texts(card: "CardData") -> tuple[str, str]:
        words = card.labels
        return (words.progress.format(done=words.number(card.into_level), needed=words.number(card.needed)),
                words.progress.format(done=words.abbreviate(card.into_level), needed=words.abbreviate(card.needed)))

    # --- what the styles share -----------------------------------------------------------------
    @staticmethod
    def stats(card: "CardData", style: Style) -> list[Stat]:
        """Rank, total XP and (when there is any) XP awarded by admins, each written out and abbreviated."""
        words, palette = card.labels, style.palette
        out = [Stat(words.rank, rank_texts(card), palette.text),
               Stat(words.total, (words.number(card.total_xp), words.abbreviate(card.total_xp)), palette.text)]
        if card.awarded_xp:
            out.append(Stat(words.awarded_title, (words.signed(card.awarded_xp), words.signed(card.awarded_xp, True)),
                            palette.awarded))
        return out

    def tile_row(self, layer: Image.Image, tiles: Tiles, box: Box, stats: Sequence[Stat], fill: Optional[RGBA],
                 muted: RGBA) -> None:
        """``stats`` side by side in ``box``: each a small label over its value, on a rounded tile."""
        pad = tiles.padding
        needs = [[max(self.measure(s.label, tiles.label_size), self.measure(v, tiles.value_size)) + 2 * pad
                  for v in s.values] for s in stats]
        left = box[0]
        for stat, width in zip(stats, share_row(needs, box[2] - box[0], tiles.gap)):
            right = left + width
            if fill is not None:
                self.rounded(layer, (round(left), box[1], round(right), box[3]), tiles.radius, fill)
            self.tile(layer, tiles, (round(left), box[1], round(right), box[3]), stat, muted)
            left = right + tiles.gap
            yield_gil()

    def tile(self, layer: Image.Image, tiles: Tiles, box: Box, stat: Stat, muted: RGBA,
             value_size: Optional[int] = None) -> None:
        """A small label (in ``muted``) over the stat's value (in its colour), ``value_size`` or
        the row's size."""
        pad = tiles.padding
        room = box[2] - box[0] - 2 * pad
        self.text(layer, TextSlot(box[0] + pad, box[1] + tiles.label_baseline, room, tiles.label_size,
                                  tiles.label_min_size), stat.label, muted)
        self.text(layer, TextSlot(box[0] + pad, box[1] + tiles.value_baseline, room, value_size or tiles.value_size,
                                  tiles.value_min_size), stat.values, stat.colour)

    def club(self, layer: Image.Image, card: "CardData", icon: Box, radius: int, slot: TextSlot, accent: RGB,
             style: Style) -> float:
        """The club's icon (or its initial on the accent) and its name, cut with an ellipsis when
        long; returns the name's width."""
        self.picture(layer, icon, radius, card.club_icon, card.club_name or "", accent, style.palette)
        return self.text(layer, slot, card.club_name or "", style.palette.muted)

    # --- the styles ----------------------------------------------------------------------------
    def _aurora(self, layer: Image.Image, card: "CardData", s: AuroraStyle, accent: RGB) -> None:
        palette = s.palette
        fill = readable_accent(accent, palette.track[:3])
        self.rounded(layer, s.panel, s.panel_radius, s.panel_fill)
        self.glow(layer, s.glow, s.panel, s.panel_radius, accent + (s.glow_alpha,))
        self.ring(layer, s.panel, s.panel_radius, palette.edge_width, palette.edge)
        # the avatar in a ring of the accent colour, a little apart from it
        left, top, right, bottom = s.avatar
        reach = s.ring_gap + s.ring_width
        ring_box = (left - reach, top - reach, right + reach, bottom + reach)
        self.ring(layer, ring_box, (ring_box[2] - ring_box[0]) // 2, s.ring_width, fill + (255,))
        self.picture(layer, s.avatar, (right - left) // 2, card.avatar, card.name, accent, palette)
        yield_gil()
        # the name, the club under it (or the name a little lower, alone), the bar
        if card.club_name:
            self.text(layer, s.name_slot, card.name, palette.text)
            self.club(layer, card, s.club_icon, s.club_icon_radius, s.club_slot, accent, s)
        else:
            self.text(layer, replace(s.name_slot, baseline=s.name_slot.baseline + s.name_drop_without_club),
                      card.name, palette.text)
        self.bar(layer, card, s.bar, s, fill)
        yield_gil()
        # the tiles: the level (tinted, under the avatar), then rank, total XP, awarded XP
        t = s.tiles
        words = card.labels
        level_box = (t.box[0], t.box[1], t.box[0] + s.level_tile_width, t.box[3])
        self.rounded(layer, level_box, t.radius, accent + (s.level_tile_tint,))
        self.tile(layer, t, level_box, Stat(words.level, number_texts(card, card.level), fill + (255,)), palette.muted,
                  s.level_value_size)
        rest = (level_box[2] + t.gap, t.box[1], t.box[2], t.box[3])
        self.tile_row(layer, t, rest, self.stats(card, s), palette.tile, palette.muted)

    def _classic(self, layer: Image.Image, card: "CardData", s: ClassicStyle, accent: RGB) -> None:
        palette = s.palette
        fill = readable_accent(accent, palette.track[:3])
        words = card.labels
        for box in (s.header, s.body):
            self.rounded(layer, box, s.panel_radius, s.panel_fill)
        # header: a small square avatar, the name; the club on the right
        self.picture(layer, s.avatar, s.avatar_radius, card.avatar, card.name, accent, palette)
        self.ring(layer, s.avatar, s.avatar_radius, s.ring_width, fill + (255,))
        name_room = s.name_slot.width
        if card.club_name:
            club_width = self.club(layer, card, s.club_icon, s.club_icon_radius, s.club_slot, accent, s)
            name_room = s.club_slot.x - club_width - s.club_gap - s.name_slot.x
        self.text(layer, s.name_slot, card.name, palette.text, room=name_room)
        yield_gil()
        # body: level and rank on the left, the bar and the totals on the right
        self.text(layer, s.level_label, words.level, palette.muted)
        self.text(layer, s.level_value, number_texts(card, card.level), fill + (255,))
        self.text(layer, s.rank_label, words.rank, palette.muted)
        self.text(layer, s.rank_value, rank_texts(card), palette.text)
        self.rounded(layer, s.divider, s.divider_radius, palette.edge)
        self.bar(layer, card, s.bar, s, fill, slant=s.bar_slant)
        yield_gil()
        self.text(layer, s.total_slot, (words.total_xp.format(xp=words.number(card.total_xp)),
                                        words.total_xp.format(xp=words.abbreviate(card.total_xp))), palette.text)
        if card.awarded_xp:
            self.text(layer, s.awarded_slot, (words.awarded.format(amount=words.signed(card.awarded_xp)),
                                              words.awarded.format(amount=words.signed(card.awarded_xp, True))),
                      palette.awarded)

    def _minimal(self, layer: Image.Image, card: "CardData", s: MinimalStyle, accent: RGB) -> None:
        palette = s.palette
        fill = readable_accent(accent, palette.track[:3])
        words = card.labels
        self.rounded(layer, s.strip, s.strip_radius, s.strip_fill)
        # the avatar, cut into the strip's top edge by a ring of the strip's colour
        left, top, right, bottom = s.avatar
        w = s.ring_width
        self.ring(layer, (left - w, top - w, right + w, bottom + w), (right - left) // 2 + w, w, s.strip_fill)
        self.picture(layer, s.avatar, (right - left) // 2, card.avatar, card.name, accent, palette)
        yield_gil()
        # the level on the right ("LEVEL 12"), the name in the room left of it
        level_slot = s.level_slot
        value, size = self.fit(number_texts(card, card.level), level_slot.width, level_slot.size, level_slot.min_size)
        value_width = self.measure(value, size)
        self.fonts.draw(layer, (level_slot.x - value_width, level_slot.baseline), value, size, fill + (255,))
        label_room = level_slot.width - value_width - s.level_gap
        label, label_size = self.fonts.fit(words.level, label_room, s.level_label_size, s.level_label_size)
        label_width = self.measure(label, label_size)
        label_left = level_slot.x - value_width - s.level_gap - label_width
        self.fonts.draw(layer, (label_left, level_slot.baseline), label, label_size, palette.muted)
        self.text(layer, s.name_slot, card.name, palette.text, room=label_left - s.name_gap - s.name_slot.x)
        if card.club_name:
            self.club(layer, card, s.club_icon, s.club_icon_radius, s.club_slot, accent, s)
        # the progress over a thin bar, then one line of numbers
        self.text(layer, s.progress_slot, self.progress_texts(card), palette.text)
        self.bar(layer, card, s.bar, s, fill, text=False)
        yield_gil()
        self.tile_row(layer, s.stats, s.stats.box, self.stats(card, s), None, palette.muted)


def number_texts(card: "CardData", n: int) -> tuple[str, str]:
    return card.labels.number(n), card.labels.abbreviate(n)


def rank_texts(card: "CardData") -> tuple[str, ...]:
    """"#4 / 295", written out, then with the count abbreviated, then both; a dash when unranked."""
    if card.rank is None:
        return ("\N{EM DASH}",)
    words = card.labels
    rank_of = words.rank_of
    return (rank_of.format(rank=words.number(card.rank), ranked=words.number(card.ranked)),
            rank_of.format(rank=words.number(card.rank), ranked=words.abbreviate(card.ranked)),
            rank_of.format(rank=words.abbreviate(card.rank), ranked=words.abbreviate(card.ranked)))
