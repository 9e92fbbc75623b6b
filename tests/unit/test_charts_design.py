"""The `xpstats` chart's design rules: nice y ticks, short locale-aware numbers, a palette that
colour-blind readers can tell apart, a legend that never cuts a name, dates that never touch,
and real renders for one, 14 and 90 days in English, German and Spanish."""
import io
import itertools
import math
from pathlib import Path

import polib
import pytest
from babel.core import Locale
from PIL import Image

from unicornia.db.statements import STAGE_SOURCE_COLUMNS
from unicornia.systems import charts
from unicornia.systems.charts import (
    BACKGROUND, DAY, LEGEND_ROWS, LEGEND_SIZE, SIZE, SOURCE_COLOURS, ChartLabels, XpStats, axis_labels,
    date_step, legend_layout, nice_ticks, place_dates, render_chart, short_number, spread, wrap_legend,
)
from unicornia.systems.fonts import FontSet

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("message", "link", "voice", "thanks", "reaction", "command", "bonus")
MARCH_16 = 1742083200  # 2025-03-16, a Sunday, UTC midnight


@pytest.fixture(scope="module")
def fonts():
    return FontSet(ROOT / "unicornia" / "data" / "fonts")


def labels_in(locale: str) -> ChartLabels:
    """The chart's labels as a server in ``locale`` gets them, read from the shipped catalogue."""
    if locale == "en-US":
        names, empty = {s: s for s in SOURCES}, "No XP in this period."
    else:
        catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(ROOT / "unicornia" / "locales" / f"{locale}.po"))}
        names, empty = {s: catalogue[s] for s in SOURCES}, catalogue["No XP in this period."]
    return ChartLabels(names, Locale.parse(locale.replace("-", "_")), empty)


# --- y axis ---------------------------------------------------------------------------------
@pytest.mark.parametrize("peak, ticks", [
    (1478, [0, 500, 1000, 1500]),
    (7, [0, 2, 4, 6, 8]),
    (0, [0, 1, 2]),
    (1, [0, 1, 2]),
    (3, [0, 1, 2, 3]),
    (100, [0, 20, 40, 60, 80, 100]),
    (101, [0, 50, 100, 150]),
    (4_123_456, [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000]),
])
def test_nice_ticks_examples(peak, ticks):
    assert nice_ticks(peak) == ticks


def test_nice_ticks_rules_hold_from_one_to_ten_million():
    peaks = sorted({round(10 ** (e / 40)) for e in range(0, 281)} | {0, 2, 9, 10, 11, 99, 999, 1001, 12_345})
    for peak in peaks:
        ticks = nice_ticks(peak)
        step = ticks[1]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert ticks[0] == 0 and 3 <= len(ticks) <= 6 and ticks[-1] >= peak, (peak, ticks)
        assert mantissa in (1, 2, 5), (peak, ticks)
        assert ticks == [i * step for i in range(len(ticks))], (peak, ticks)
        # the smallest such step: one size down would need more than six ticks (or is below 1)
        smaller = {1: 0.5, 2: 1, 5: 2}[mantissa] * 10 ** math.floor(math.log10(step))
        assert smaller < 1 or math.ceil(peak / smaller) + 1 > 6, (peak, ticks)


@pytest.mark.parametrize("locale, ticks, expected", [
    ("en-US", [0, 500, 1000, 1500], ["0", "500", "1,000", "1,500"]),
    ("de-DE", [0, 500, 1000, 1500], ["0", "500", "1.000", "1.500"]),
    ("en-US", [0, 5000, 10000, 15000], ["0", "5K", "10K", "15K"]),
    ("de-DE", [0, 5000, 10000, 15000], ["0", "5.000", "10.000", "15.000"]),  # no German short thousands
    ("es-ES", [0, 5000, 10000, 15000], ["0", "5\xa0mil", "10\xa0mil", "15\xa0mil"]),
    ("en-US", [0, 500_000, 1_000_000, 1_500_000], ["0", "500K", "1M", "1.5M"]),
    ("de-DE", [0, 2_000_000, 4_000_000], ["0", "2\xa0Mio.", "4\xa0Mio."]),
])
def test_axis_labels_are_grouped_or_short_in_the_readers_format(locale, ticks, expected):
    assert axis_labels(ticks, Locale.parse(locale.replace("-", "_"))) == expected


def test_short_numbers():
    en, es = Locale.parse("en_US"), Locale.parse("es_ES")
    assert [short_number(n, en) for n in (7, 1478, 12_000, 1_234_567)] == ["7", "1,478", "12K", "1.2M"]
    assert short_number(1_234_567, es) == "1,2\xa0M"


# --- colours --------------------------------------------------------------------------------
def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)


#: Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
DICHROMACY = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def simulate(rgb, kind):
    linear = [_linear(c) for c in rgb]
    return tuple(_gamma(sum(m * c for m, c in zip(row, linear))) for row in DICHROMACY[kind])


def lab(rgb):
    r, g, b = (_linear(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    f = lambda t: t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116  # noqa: E731
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a, b) -> float:
    """CIE76 colour difference (about 2.3 is just noticeable; 10 and more is plainly different)."""
    return math.dist(lab(a), lab(b))


def luminance(rgb) -> float:
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_history_source_has_its_own_colour():
    assert set(SOURCE_COLOURS) == set(STAGE_SOURCE_COLUMNS) | {"bonus"} == set(SOURCES)
    assert len(set(SOURCE_COLOURS.values())) == len(SOURCE_COLOURS)
    assert charts.OTHER_SOURCE in SOURCE_COLOURS


@pytest.mark.parametrize("vision, least", [(None, 25), ("deuteranopia", 15), ("protanopia", 15),
                                           ("tritanopia", 15)])
def test_the_colours_stay_apart_for_colour_blind_readers(vision, least):
    seen = {s: (simulate(c, vision) if vision else c) for s, c in SOURCE_COLOURS.items()}
    closest = min(itertools.combinations(seen, 2), key=lambda pair: delta_e(seen[pair[0]], seen[pair[1]]))
    assert delta_e(seen[closest[0]], seen[closest[1]]) >= least, closest
    # the pair of issue #15 (orange link, yellow bonus) is now far apart
    assert delta_e(seen["link"], seen["bonus"]) >= 30


def test_neighbours_in_a_stack_are_further_apart_still():
    order = list(SOURCE_COLOURS)
    for below, above in zip(order, order[1:]):
        for vision in (None, *DICHROMACY):
            a, b = (simulate(SOURCE_COLOURS[s], vision) if vision else SOURCE_COLOURS[s] for s in (below, above))
            assert delta_e(a, b) >= 35, (below, above, vision)


def test_every_colour_stands_out_from_the_background():
    for source, colour in SOURCE_COLOURS.items():
        contrast = (luminance(colour) + 0.05) / (luminance(BACKGROUND) + 0.05)
        assert contrast >= 3, (source, contrast)  # WCAG 1.4.11, graphical objects


# --- legend ---------------------------------------------------------------------------------
def test_wrap_legend_keeps_entries_whole():
    assert wrap_legend([100, 100, 100], 320, gap=10) == [[0, 1, 2]]
    assert wrap_legend([100, 100, 100], 300, gap=10) == [[0, 1], [2]]
    assert wrap_legend([500, 50], 300, gap=10) == [[0], [1]]  # too wide alone: a row of its own
    assert wrap_legend([], 300) == []


@pytest.mark.parametrize("locale", ["en-US", "de-DE", "es-ES"])
def test_the_legend_fits_every_translated_name_whole(fonts, locale):
    labels = labels_in(locale)
    canvas = charts.Canvas(fonts)
    width = SIZE[0] - 2 * charts.MARGIN
    legend = legend_layout([(s, labels.sources[s]) for s in SOURCES], canvas.width, width)
    assert legend.size == LEGEND_SIZE and len(legend.rows) <= LEGEND_ROWS
    assert [name for row in legend.rows for _s, name, _x in row] == [labels.sources[s] for s in SOURCES]
    for row in legend.rows:
        _source, name, x = row[-1]
        assert x + charts.SWATCH + charts.SWATCH_GAP + canvas.width(name, legend.size) <= width


def test_long_names_wrap_to_two_rows_then_shrink_never_cut(fonts):
    canvas = charts.Canvas(fonts)
    width = SIZE[0] - 2 * charts.MARGIN
    long = [(s, f"Erfahrungspunkte aus {s}") for s in SOURCES]
    legend = legend_layout(long, canvas.width, width)
    assert [name for row in legend.rows for _s, name, _x in row] == [name for _s, name in long]
    assert len(legend.rows) <= LEGEND_ROWS or legend.size == charts.LEGEND_MIN_SIZE
    for row in legend.rows:
        _source, name, x = row[-1]
        assert x + charts.SWATCH + charts.SWATCH_GAP + canvas.width(name, legend.size) <= width


# --- dates and labels ---------------------------------------------------------------------------
def test_date_labels_never_touch_and_today_always_has_one(fonts):
    canvas = charts.Canvas(fonts)
    for locale in ("en-US", "de-DE", "es-ES"):
        labels = labels_in(locale)
        for days in (1, 2, 7, 14, 30, 31, 60, 90):
            left, right = 70, SIZE[0] - charts.MARGIN
            slot = (right - left) / days
            texts = [labels.day(MARCH_16 - (days - 1 - i) * DAY) for i in range(days)]
            widths = [canvas.width(t, charts.AXIS_SIZE) for t in texts]
            middles = [left + (i + 0.5) * slot for i in range(days)]
            placed = place_dates(middles, widths, date_step(days, slot, max(widths)))
            assert placed[0][0] == days - 1, (locale, days)
            spans = sorted((x - widths[i] / 2, x + widths[i] / 2) for i, x in placed)
            assert spans[0][0] >= 0 and spans[-1][1] <= SIZE[0], (locale, days)
            assert all(a[1] + charts.DATE_LABEL_GAP <= b[0] + 1e-6 for a, b in zip(spans, spans[1:])), (locale, days)
            assert len(placed) >= min(days, 5), (locale, days)


def test_dates_and_periods_follow_the_region():
    en, de, es = labels_in("en-US"), labels_in("de-DE"), labels_in("es-ES")
    start = MARCH_16 - 13 * DAY
    assert (en.day(MARCH_16), de.day(MARCH_16), es.day(MARCH_16)) == ("Mar 16", "16. März", "16 mar")
    assert en.period(start, 14) == "Mar 3\u2009\u2013\u200916, 2025"
    assert de.period(start, 14) == "3.\u201316. März 2025"
    assert en.period(MARCH_16, 1) == "Sun, Mar 16, 2025"


def test_spread_keeps_labels_apart_and_inside():
    assert spread([300, 250], 20, 100, 330) == [300, 250]
    assert spread([300, 295, 290], 20, 100, 330) == [300, 280, 260]
    assert spread([150, 140, 130], 20, 120, 330) == [160, 140, 120]  # pushed down from the top
    assert spread([400], 20, 100, 330) == [330]


def test_title_says_today_for_one_day_and_days_for_more():
    from unicornia.commands.level import stats_title

    assert stats_title("Alice", 1) == "XP of Alice, today"
    assert stats_title("Alice", 2) == "XP of Alice, last 2 days"


def test_stats_text_writes_numbers_in_the_readers_format():
    from unicornia.commands.level import stats_text

    start = MARCH_16 - 13 * DAY
    rows = [(start, "message", 1234), (start + DAY, "thanks", 5), (MARCH_16, "link", 3)]
    stats = XpStats(14, start, labels=labels_in("de-DE"))
    for day, source, xp in rows:
        stats.by_day.setdefault(day, {})[source] = xp
    text = stats_text("Alice", stats)
    assert "88,7" in text and "99\xa0%" in text and "3. März 2025" in text


# --- whole renders ----------------------------------------------------------------------------
def sample(days: int, scale: int, labels: ChartLabels, sources=SOURCES) -> XpStats:
    start = MARCH_16 - (days - 1) * DAY
    stats = XpStats(days, start, labels=labels)
    for i in range(days):
        if i % 5 == 3:
            continue  # a day without XP
        stats.by_day[start + i * DAY] = {s: scale * (1 + (i * 7 + n * 3) % 11) for n, s in enumerate(sources)}
    return stats


@pytest.mark.parametrize("locale", ["en-US", "de-DE", "es-ES"])
@pytest.mark.parametrize("days, scale", [(1, 40), (14, 1), (14, 250_000), (90, 30)])
def test_charts_render_for_one_to_ninety_days(fonts, locale, days, scale):
    labels = labels_in(locale)
    png = render_chart(sample(days, scale, labels), "XP of Zoë ✨, a long while", fonts)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == SIZE
    colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=SIZE[0] * SIZE[1])}
    assert len(colours) > 200  # anti-aliased: edges blend into many shades
    assert set(SOURCE_COLOURS.values()) <= colours  # every source drawn, in its own colour


def test_an_empty_period_says_so(fonts):
    labels = labels_in("de-DE")
    png = render_chart(XpStats(7, MARCH_16 - 6 * DAY, labels=labels), "XP von Carol, letzte 7 Tage", fonts)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == SIZE
    assert not any(image.getpixel((x, y)) in SOURCE_COLOURS.values() for x in range(0, SIZE[0], 3)
                   for y in range(0, SIZE[1], 3))


def test_unknown_sources_count_as_bonus():
    stats = XpStats(1, MARCH_16, labels=labels_in("en-US"))
    stats.by_day[MARCH_16] = {"message": 2, "import": 5, "bonus": 1, "voice": -3}
    assert stats.stacks() == [(MARCH_16, [("message", 2), ("bonus", 6)])]
