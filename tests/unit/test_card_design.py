"""The card's design: the arithmetic of core/card_layout.py (abbreviations, fitting, sharing a row,
a proportional bar, colours), and the drawn card: anti-aliased edges, a bar as full as the
progress, and text that stays in its room and clear of other text for any value up to 10^12 XP
and rank 10^8, in every style."""
import io
from decimal import Decimal
from pathlib import Path

import pytest
from babel.core import Locale
from PIL import Image

from tests.imagekit import png_bytes
from unicornia.core.card_layout import (
    CARD_SIZE, PALETTE, STYLES, abbreviation, contrast, fill_coverage, fit_text, parse_colour, progress_fraction,
    readable_accent, share_row, style_named, text_on,
)
from unicornia.systems.card_generator import CardData, CardGenerator, CardLabels
from unicornia.systems.card_painter import panel_boxes, placeholder_initial

DATA = Path(__file__).resolve().parents[2] / "unicornia" / "data"
UNITS = ("{number}K", "{number}M", "{number}B", "{number}T")
GERMAN_UNITS = ("{number} Tsd.", "{number} Mio.", "{number} Mrd.", "{number} Bio.")


def labels(locale: str = "en_US", units=UNITS) -> CardLabels:
    return CardLabels(level="LEVEL", rank="RANK", total="TOTAL XP", awarded_title="FROM ADMINS",
                      rank_of="#{rank} / {ranked}", total_xp="Total XP {xp}", awarded="Awarded by admins {amount}",
                      progress="{done} / {needed} XP", units=units, numbers=Locale.parse(locale))


def card(**overrides) -> CardData:
    values = dict(name="Alice", level=12, rank=3, ranked=120, into_level=57, needed=144, total_xp=1234,
                  background=(DATA / "backgrounds" / "sunset.png").read_bytes(), avatar=png_bytes((128, 128)),
                  labels=labels())
    values.update(overrides)
    return CardData(**values)


@pytest.fixture(scope="module")
def generator():
    gen = CardGenerator(DATA / "fonts")
    yield gen
    gen.close()


# --- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n, expected", [
    (0, (Decimal(0), 0)), (999, (Decimal(999), 0)), (1_000, (Decimal(1), 1)), (1_234, (Decimal("1.2"), 1)),
    (9_999, (Decimal("9.9"), 1)), (12_345, (Decimal(12), 1)), (999_999, (Decimal(999), 1)),
    (1_234_567, (Decimal("1.2"), 2)), (812_345_678, (Decimal(812), 2)), (1_299_999_999, (Decimal("1.2"), 3)),
    (10**12, (Decimal(1), 4)), (1_500 * 10**12, (Decimal(1500), 4)), (-1_234_567, (Decimal("-1.2"), 2)),
])
def test_abbreviation_cuts_never_rounds_up(n, expected):
    assert abbreviation(n) == expected


def test_abbreviated_numbers_use_the_translated_units_and_the_regions_decimal_sign():
    english = labels()
    assert [english.abbreviate(n) for n in (999, 1_234, 12_345, 1_234_567, 812_000_000, 1_200_000_000, 10**12)] == \
        ["999", "1.2K", "12K", "1.2M", "812M", "1.2B", "1T"]
    assert english.abbreviate(1_500_000 * 10**12) == "1,500,000T"  # past the last unit the number grows
    german = labels("de_DE", GERMAN_UNITS)
    assert german.abbreviate(1_234_567) == "1,2 Mio." and german.number(1_234_567) == "1.234.567"
    assert german.signed(-1_234_567, abbreviated=True) == "\N{MINUS SIGN}1,2 Mio."
    assert english.signed(120) == "+120"


# --- fitting ------------------------------------------------------------------------------------
def fake_width(text: str, size: int) -> float:
    return len(text) * size * 0.5


def test_fit_prefers_the_precise_writing_then_abbreviates_then_shrinks():
    precise, short = "1,234,567", "1.2M"
    assert fit_text((precise, short), fake_width, 200, 40, 20) == (precise, 40, True)  # 180 px
    assert fit_text((precise, short), fake_width, 100, 40, 20) == (short, 40, True)  # 80 px at full size
    assert fit_text((precise, short), fake_width, 60, 40, 20) == (short, 30, True)  # shrunk only at the end
    assert fit_text((precise, short), fake_width, 30, 40, 20) == (short, 20, False)  # the caller cuts it


def test_a_row_shortens_its_widest_item_first_and_never_overflows():
    # all fit written out, and the widest allows equal widths
    assert share_row([[100], [90], [80]], 400, 10) == pytest.approx([380 / 3] * 3)
    # written out they do not fit: the widest (the rank) is shortened first, the others stay precise
    widths = share_row([[300, 200], [120, 40], [100, 60]], 440, 10)
    assert widths[0] >= 200 and widths[1] >= 120 and widths[2] >= 100
    assert sum(widths) + 20 == pytest.approx(440)
    # nothing fits even shortened: proportional widths, the text shrinks
    widths = share_row([[300, 250], [200, 150]], 210, 10)
    assert widths == pytest.approx([200 * 250 / 400, 200 * 150 / 400])
    assert share_row([], 100, 10) == []


# --- the bar --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fraction", [0.0, 0.003, 0.25, 0.5, 0.999, 1.0])
def test_fill_coverage_is_exactly_proportional(fraction):
    width = 512
    columns = fill_coverage(fraction, width)
    assert len(columns) == width
    assert sum(columns) / 255 == pytest.approx(fraction * width, abs=0.5 / 255 + 1e-9)
    assert list(columns) == sorted(columns, reverse=True)  # one fill from the left, no gaps


def test_progress_fraction_is_clamped():
    assert progress_fraction(1, 344) == pytest.approx(1 / 344)
    assert progress_fraction(500, 344) == 1.0 and progress_fraction(-3, 344) == 0.0 and progress_fraction(5, 0) == 0.0


def filled_columns(generator, fraction: float, style: str = "aurora") -> tuple[int, int]:
    """(how many columns of the bar show the fill, the tallest fill column) in a painted card."""
    needed = 10_000
    data = card(into_level=round(fraction * needed), needed=needed, style=style, accent=(0, 255, 0))
    s = style_named(style)
    layer = generator.painter.paint(data, s).convert("RGB")
    left, top, right, bottom = s.bar
    columns, tallest = 0, 0
    for x in range(left, right):
        green = sum(1 for y in range(top, bottom) if (lambda p: p[1] > 150 and p[0] < 120)(layer.getpixel((x, y))))
        columns += green > 0
        tallest = max(tallest, green)
    return columns, tallest


@pytest.mark.parametrize("style", ["aurora", "minimal"])
def test_a_rendered_bar_is_as_full_as_the_progress(generator, style):
    s = STYLES[style]
    width, height = s.bar[2] - s.bar[0], s.bar[3] - s.bar[1]
    assert filled_columns(generator, 0.0, style)[0] == 0
    columns, tallest = filled_columns(generator, 0.003, style)  # 0.3%: a sliver, never a round dot
    assert 1 <= columns <= 3 and tallest < height * 0.7
    columns, _ = filled_columns(generator, 0.5, style)
    assert abs(columns - width / 2) <= 2
    columns, tallest = filled_columns(generator, 1.0, style)
    assert columns >= width - 2


def test_the_track_is_opaque_whatever_the_background(generator):
    """The empty part of the bar has the same colour on a black and on a white background."""
    s = STYLES["aurora"]
    x, y = s.bar[2] - 30, (s.bar[1] + s.bar[3]) // 2
    seen = set()
    for colour in ((0, 0, 0), (255, 255, 255), (255, 210, 60)):
        rendered = generator.render_sync(card(into_level=0, background=png_bytes((800, 392), colour)))
        seen.add(Image.open(io.BytesIO(rendered.data)).convert("RGB").getpixel((x, y)))
    assert len(seen) == 1


# --- colours --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("#5865F2", (0x58, 0x65, 0xF2)), ("5865f2", (0x58, 0x65, 0xF2)), ("0x5865F2", (0x58, 0x65, 0xF2)),
    ("#58f", (0x55, 0x88, 0xFF)), (" #FFFFFF ", (255, 255, 255)),
    ("blurple", None), ("#12345", None), ("#GGGGGG", None), ("", None), ("rgb(1,2,3)", None),
])
def test_parse_colour(text, expected):
    assert parse_colour(text) == expected


def test_a_dark_accent_is_lightened_until_the_bar_shows_and_text_on_it_reads():
    track = PALETTE.track[:3]
    for accent in ((0, 0, 0), (30, 30, 60), (128, 0, 0)):
        assert contrast(readable_accent(accent, track), track) >= 3.0
    assert readable_accent((255, 200, 0), track) == (255, 200, 0)  # bright enough already
    assert text_on((250, 250, 250), PALETTE.text, PALETTE.dark_text) == PALETTE.dark_text
    assert text_on((20, 20, 120), PALETTE.text, PALETTE.dark_text) == PALETTE.text


def test_styles_are_found_by_name_and_unknown_ones_draw_the_default():
    assert set(STYLES) >= {"aurora", "classic", "minimal"}
    assert style_named("Classic").name == "classic" and style_named("nope").name == "aurora"
    assert style_named(None).name == "aurora"


# --- the placeholder avatar ------------------------------------------------------------------
@pytest.mark.parametrize("name, initial", [
    ("_Bruno_", "B"), ("  zoë", "Z"), ("𝓯𝓪𝓷𝓬𝔂", "F"), ("__9lives", "9"), ("李明", "李"), ("محمد", "م"),
    ("🦄 Uni", "🦄"), ("★彡 Bruno", "彡"), ("ßig", "ß"), ("___", "?"), ("", "?"),
])
def test_placeholder_initial_is_the_first_letter_digit_or_emoji(name, initial):
    assert placeholder_initial(name) == initial


# --- anti-aliasing ----------------------------------------------------------------------------
def intermediate(values, low, high, margin=12) -> list:
    """Values strictly between ``low`` and ``high`` (by more than ``margin``): anti-aliasing."""
    lo, hi = sorted((low, high))
    return [v for v in values if lo + margin < v < hi - margin]


def test_edges_are_anti_aliased(generator):
    s = STYLES["aurora"]
    solid = png_bytes((256, 256), (250, 250, 250))
    data = card(avatar=solid, accent=(0, 0, 255), background=png_bytes((800, 392), (0, 0, 0)))
    image = Image.open(io.BytesIO(generator.render_sync(data).data)).convert("RGB")
    # from the avatar's middle out along the diagonal (where a circle's edge is neither horizontal
    # nor vertical, so a jagged edge would jump): across the avatar's edge, the gap, the ring
    left, top, right, bottom = s.avatar
    cx, cy, radius = (left + right) // 2, (top + bottom) // 2, (right - left) / 2
    reach = s.ring_gap + s.ring_width
    start = int(radius / 2 ** 0.5) - 4
    scan = [image.getpixel((cx - i, cy - i)) for i in range(start, int((radius + reach) / 2 ** 0.5) + 5)]
    reds, blues = [p[0] for p in scan], [p[2] for p in scan]
    assert intermediate(reds, min(reds), 250), scan  # the white avatar's edge
    ring_end = max(i for i, b in enumerate(blues) if b == max(blues))
    assert intermediate(blues[ring_end:], blues[-1], max(blues)), scan  # the ring's outer edge
    # along the diagonal into the panel's rounded corner
    layer = generator.painter.paint(data, s)
    x0, y0 = s.panel[:2]
    alphas = [layer.getpixel((x0 + i, y0 + i))[3] for i in range(0, s.panel_radius)]
    assert alphas[0] == 0 and alphas[-1] >= s.panel_fill[3] - 2
    assert intermediate(alphas, 0, s.panel_fill[3]), alphas
    # the bar's round end, near its top (the blue fill against the panel)
    bx, by0, _, _ = s.bar
    blues = [layer.getpixel((bx + i, by0 + 2))[2] for i in range(0, 20)]
    assert intermediate(blues, min(blues), max(blues)), blues


# --- text stays in its room, clear of other text --------------------------------------------
HUGE = dict(level=471_404, rank=10**8, ranked=10**8, into_level=4_242_600, needed=4_242_672, total_xp=10**12,
            awarded_xp=-10**12)
LONG = dict(name="Bartholomew the Magnificent of House Unicornia, Keeper of the Rainbow 🦄🦄🦄",
            club_name="The Extraordinarily Long Name of a Club Nobody Could Ever Read In One Go")
SCRIPTS = dict(name="Zoë Дмитрий Ωμέγα さくら 李明 محمد ✨🦄", club_name="夜猫子 🦉")
CASES = {
    "plain": {}, "huge": HUGE, "long": LONG, "huge-long": {**HUGE, **LONG}, "scripts": SCRIPTS,
    "unranked": dict(rank=None, ranked=0, total_xp=0, level=0, into_level=0, needed=36),
    "rank-of-many": dict(rank=123_456, ranked=1_000_000, awarded_xp=-1_234_5),
    "german": dict(labels=labels("de_DE", GERMAN_UNITS), rank=123_456, ranked=10**8, total_xp=987_654_321,
                   awarded_xp=1_234_567),
}


def drawn_text(generator, data: CardData, style) -> list[tuple[str, float, float, float, float]]:
    """Every text drawn on the card layer: (text, left, top, right, bottom)."""
    fonts = generator.fonts
    boxes = []
    real = fonts.draw

    def spy(image, xy, text, size, fill, **kwargs):
        width = real(image, xy, text, size, fill, **kwargs)
        if image.size == style.size:  # not the placeholder avatar's letter or the bar's own patch
            x, baseline = xy
            boxes.append((text, x, baseline - 0.8 * size, x + width, baseline + 0.22 * size))
        return width

    fonts.draw = spy
    try:
        generator.painter.paint(data, style)
    finally:
        del fonts.draw
    return boxes


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("style_name", ["aurora", "classic", "minimal"])
def test_text_never_overflows_or_collides(generator, style_name, case):
    style = STYLES[style_name]
    values = dict(club_name="Unicorns", awarded_xp=120)
    values.update(CASES[case])
    boxes = drawn_text(generator, card(style=style_name, **values), style)
    panels = panel_boxes(style)
    assert len(boxes) >= 6
    for text, left, top, right, bottom in boxes:
        inside = [box for box, _radius in panels
                  if box[0] + 8 <= left and right <= box[2] - 8 and box[1] <= top and bottom <= box[3]]
        assert inside, f"{text!r} leaves its panel: {(left, top, right, bottom)}"
    for i, (a, *box_a) in enumerate(boxes):
        for b, *box_b in boxes[i + 1:]:
            apart = (box_a[2] <= box_b[0] + 1 or box_b[2] <= box_a[0] + 1
                     or box_a[3] <= box_b[1] + 1 or box_b[3] <= box_a[1] + 1)
            assert apart, f"{a!r} {box_a} and {b!r} {box_b} overlap"


@pytest.mark.parametrize("style_name", ["aurora", "classic", "minimal"])
def test_huge_numbers_are_abbreviated_not_shrunk_to_nothing(generator, style_name):
    boxes = drawn_text(generator, card(style=style_name, **HUGE), STYLES[style_name])
    ranks = [(text, bottom - top) for text, _l, top, _r, bottom in boxes if text.startswith("#")]
    assert ranks and ranks[0][0] in ("#100,000,000 / 100,000,000", "#100,000,000 / 100M", "#100M / 100M"), boxes
    assert ranks[0][1] >= 18  # written in readable text, not shrunk to nothing
    texts = [text for text, *_ in boxes]
    assert not any("1,000,000,000,000" in t for t in texts) or style_name != "aurora"


def test_the_rendered_card_is_the_card_size_in_every_style(generator):
    for name in STYLES:
        rendered = generator.render_sync(card(style=name, **HUGE, **LONG))
        assert Image.open(io.BytesIO(rendered.data)).size == CARD_SIZE


def test_the_painters_caches_are_bounded(generator):
    from unicornia.systems.card_painter import FITTED_IMAGE_CACHE, MEASURE_CACHE

    painter = generator.painter
    for i in range(FITTED_IMAGE_CACHE + 10):
        painter.paint(card(avatar=png_bytes((64, 64), (i, 0, 0)), name=f"Member {i}"), STYLES["minimal"])
    assert len(painter._images) <= FITTED_IMAGE_CACHE
    assert painter.measure.cache_info().maxsize == MEASURE_CACHE
