"""The `level xpstats` chart: XP per day by source, as stacked bars (Pillow, in the render pool).

The chart's words (the legend, dates and numbers) are translated into :class:`ChartLabels` when the
:class:`XpStats` are made, on the event loop: the drawing thread does not see Red's language.
The title comes translated from the command.

Drawn with Pillow at :data:`SCALE` times the size and averaged down, so that bars, rounded corners and
text are anti-aliased (matplotlib would draw this well too, but it is a large dependency with
global state for one chart). Everything below is laid out in output pixels; the :class:`Canvas`
multiplies by :data:`SCALE` when it draws. The layout rules are pure functions, unit-tested in
tests/unit/test_charts_design.py: :func:`nice_ticks` and :func:`axis_labels` (the y axis),
:func:`date_step` and :func:`place_dates` (the x axis), :func:`legend_layout` (the legend),
:func:`spread` (a one-day chart's names).
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from babel.core import Locale
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal
from PIL import Image, ImageDraw, ImageFont
from redbot.core.i18n import get_babel_regional_format

from ..i18n import _

if TYPE_CHECKING:
    from .fonts import FontSet

DAY = 86_400

# --- colours --------------------------------------------------------------------------------
#: Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2008) without its black:
#: seven hues that stay apart under deuteranopia, protanopia and tritanopia, each with at least
#: 3:1 contrast against the background (tests/unit/test_charts_design.py checks both).
OKABE_ITO = {
    "sky blue": (86, 180, 233), "vermillion": (213, 94, 0), "blue": (0, 114, 178),
    "orange": (230, 159, 0), "bluish green": (0, 158, 115), "yellow": (240, 228, 66),
    "reddish purple": (204, 121, 167),
}
#: Each XP source's colour, in stacking order (bottom first). The hues are assigned so that
#: neighbours in the stack are the furthest apart, for colour-blind readers too.
SOURCE_COLOURS = {
    "message": OKABE_ITO["sky blue"], "link": OKABE_ITO["vermillion"], "voice": OKABE_ITO["blue"],
    "thanks": OKABE_ITO["orange"], "reaction": OKABE_ITO["bluish green"], "command": OKABE_ITO["yellow"],
    "bonus": OKABE_ITO["reddish purple"],  # achievements, daily, quests, the server goal
}
#: XP from a source the chart does not know is drawn (and named) as this one.
OTHER_SOURCE = "bonus"
BACKGROUND = (24, 22, 40)
GRID = (46, 44, 68)
BASELINE = (104, 102, 132)
ZERO_DAY = (66, 64, 92)  # the stub drawn for a day without XP
TEXT = (238, 238, 246)
MUTED = (164, 162, 188)  # subtitle, axis labels and values

# --- geometry (output pixels) -----------------------------------------------------------------
SIZE = (900, 420)
#: Drawn this many times larger, then averaged down (a box filter: anti-aliased edges, no ringing).
SCALE = 2
MARGIN = 24  # left and right
EDGE = 4  # the least space between a date label and the image's edge
BOTTOM_MARGIN = 14
TITLE_BASELINE = 40
TITLE_SIZE, TITLE_MIN_SIZE = 24, 14
SUBTITLE_BASELINE = 64
SUBTITLE_SIZE = 14
#: The plot's top edge; the tallest bar's value is written in the space above it.
PLOT_TOP = 96
AXIS_SIZE = 13
AXIS_GAP = 10  # between the y labels and the plot
DATE_GAP = 8  # between the plot's baseline and the dates' tops
DATE_HEIGHT = 18
DATE_TICK = 4
#: Day labels under the bars: a CLDR skeleton (day and short month in the reader's language and order).
DAY_SKELETON = "MMMd"
#: The subtitle: the period's first and last day, or the one day with its weekday.
PERIOD_SKELETON, ONE_DAY_SKELETON = "yMMMd", "yMMMEd"
#: Label every day, or every 2nd, 7th, 14th or 28th day counted back from today, whichever first fits.
DATE_STEPS = (1, 2, 7, 14, 28)
DATE_LABEL_GAP = 10  # least space between two date labels
BAR_FILL = 0.7  # a bar's share of its day's width
BAR_MAX_WIDTH = 64
BAR_RADIUS = 4  # the top corners of a day's stack
SEGMENT_GAP = 1  # background left between two sources in a stack
SEGMENT_MIN_FOR_GAP = 3  # ... when both are at least this tall
ZERO_DAY_HEIGHT = 2
VALUE_SIZE = 12
VALUE_GAP = 4  # between a bar's top and its value
#: Each day's total is written over its bar when there are at most this many days (and they fit).
MAX_VALUE_DAYS = 31
#: A one-day chart names each source beside its part of the bar, with its XP.
BREAKDOWN_SIZE = 14
BREAKDOWN_ROW = 20  # least distance between two names
BREAKDOWN_LEAD = 22  # the leader line's length, from the bar to a name
BREAKDOWN_VALUE_GAP = 8  # between a name and its XP
LEGEND_SIZE, LEGEND_MIN_SIZE = 14, 10
LEGEND_TOP_GAP = 12  # between the dates and the legend
LEGEND_ROW = 22
LEGEND_ROWS = 2  # wrap onto this many rows before the font gets smaller
SWATCH = 12
SWATCH_RADIUS = 3
SWATCH_GAP = 7  # between a swatch and its name
LEGEND_GAP = 22  # between two entries of a row
EMPTY_SIZE = 16

# --- numbers ------------------------------------------------------------------------------
#: y axes from this top tick up are written short ("12K", "1,2 Mio.", "12 mil").
COMPACT_FROM = 10_000
#: Steps for the y axis: 1, 2 and 5 times a power of ten.
NICE_STEPS = (1, 2, 5)
MIN_TICKS, MAX_TICKS = 3, 6


def nice_ticks(max_value: float) -> list[int]:
    """The y axis's values: from 0 in steps of 1, 2 or 5 times a power of ten, the top tick at
    least ``max_value``, 3 to 6 ticks, the smallest step that needs no more.

    >>> nice_ticks(1478)
    [0, 500, 1000, 1500]
    """
    top = max(0.0, float(max_value))
    magnitude = 1
    while True:
        for multiple in NICE_STEPS:
            step = multiple * magnitude
            intervals = max(MIN_TICKS - 1, math.ceil(top / step))
            if intervals <= MAX_TICKS - 1:
                return [i * step for i in range(intervals + 1)]
        magnitude *= 10


def short_number(n: float, region: Locale, *, compact: bool | None = None) -> str:
    """``n`` in the region's format: grouped ("1,478", "1.478"), or short from :data:`COMPACT_FROM`
    ("12K", "1,2 Mio.", "12 mil"). A language with no short form at that size (German thousands)
    keeps the grouped form. ``compact`` forces the choice (one axis, one style)."""
    if compact if compact is not None else abs(n) >= COMPACT_FROM:
        text = format_compact_decimal(n, locale=region, fraction_digits=1)
        if any(ch.isalpha() for ch in text):
            return text
    return format_decimal(n, locale=region)


def axis_labels(ticks: Sequence[int], region: Locale) -> list[str]:
    """The y axis's labels: all short when the top tick is large, else all grouped."""
    compact = bool(ticks) and ticks[-1] >= COMPACT_FROM
    return [short_number(t, region, compact=compact and t != 0) for t in ticks]


def wrap_legend(widths: Sequence[float], width: float, gap: float = LEGEND_GAP) -> list[list[int]]:
    """Legend entries (by index) in rows no wider than ``width``: greedy, whole entries only; an
    entry wider than the row gets a row of its own."""
    rows: list[list[int]] = []
    used = 0.0
    for index, entry in enumerate(widths):
        if rows and used + gap + entry <= width:
            rows[-1].append(index)
            used += gap + entry
        else:
            rows.append([index])
            used = entry
    return rows


def date_step(days: int, slot: float, label_width: float) -> int:
    """Label every how many days: the first of :data:`DATE_STEPS` whose labels do not touch."""
    for step in DATE_STEPS:
        if step * slot >= label_width + DATE_LABEL_GAP or step >= days:
            return step
    return DATE_STEPS[-1]


def place_dates(middles: Sequence[float], widths: Sequence[float], step: int) -> list[tuple[int, float]]:
    """Which days get a label under their bar, and the label's centre: every ``step``-th day counted
    back from the last (so today always has one), each kept inside the image and left out if that
    makes it touch the label on its right."""
    placed: list[tuple[int, float]] = []
    free_until = math.inf  # the left edge of the label placed last (they are placed right to left)
    for index in range(len(middles) - 1, -1, -step):
        half = widths[index] / 2
        x = min(max(middles[index], EDGE + half), SIZE[0] - EDGE - half)
        if x + half + DATE_LABEL_GAP <= free_until:
            placed.append((index, x))
            free_until = x - half
    return placed


def spread(wanted: Sequence[float], spacing: float, highest: float, lowest: float) -> list[float]:
    """Label heights (y grows downwards) as near ``wanted`` (bottom first) as they can be while
    ``spacing`` apart, none below ``lowest``, pushed down together if the top one is above ``highest``."""
    out: list[float] = []
    for y in wanted:
        out.append(min(y, lowest, out[-1] - spacing) if out else min(y, lowest))
    if out and out[-1] < highest:
        out = [y + highest - out[-1] for y in out]
    return out


def source_labels() -> dict[str, str]:
    """Each XP source as the chart's legend names it, in the current language."""
    return {
        "message": _("message"), "link": _("link"), "voice": _("voice"), "thanks": _("thanks"),
        "reaction": _("reaction"), "command": _("command"), "bonus": _("bonus"),
    }


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words and number and date formats in one language, ready for a drawing thread."""

    sources: dict[str, str]
    #: Red's regional format, for numbers and dates.
    region: Locale
    #: Written across an empty chart.
    no_xp: str = "No XP in this period."

    def number(self, n: float) -> str:
        return format_decimal(n, locale=self.region)

    def short(self, n: float) -> str:
        return short_number(n, self.region)

    def day(self, ts: int) -> str:
        return format_skeleton(DAY_SKELETON, _date(ts), locale=self.region)

    def period(self, start: int, days: int) -> str:
        """The days a chart covers: "Mar 3 – 16, 2025", "3.–16. März 2025", "dom, 16 mar 2025"."""
        first, last = _date(start), _date(start + (days - 1) * DAY)
        if first == last:
            return format_skeleton(ONE_DAY_SKELETON, first, locale=self.region)
        return format_interval(first, last, PERIOD_SKELETON, locale=self.region)


def _date(ts: int) -> date:
    return datetime.fromtimestamp(ts, tz=timezone.utc).date()


def chart_labels() -> ChartLabels:
    """The chart's words in the current task's language; call it on the event loop."""
    return ChartLabels(source_labels(), get_babel_regional_format(), _("No XP in this period."))


@dataclass
class XpStats:
    """XP per day and source over a period, and the figures `xpstats` reports."""

    days: int
    start: int  # unix time of the first day (UTC midnight)
    by_day: dict[int, dict[str, int]] = field(default_factory=dict)
    #: Translated when the stats are made (on the event loop, in the command's language).
    labels: ChartLabels = field(default_factory=chart_labels)

    @classmethod
    def from_rows(cls, rows: list[tuple[int, str, int]], days: int, start: int) -> "XpStats":
        stats = cls(days, start)
        for day, source, xp in rows:
            stats.by_day.setdefault(day, {})[source] = stats.by_day.get(day, {}).get(source, 0) + xp
        return stats

    @property
    def total(self) -> int:
        return sum(sum(d.values()) for d in self.by_day.values())

    @property
    def by_source(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for sources in self.by_day.values():
            for source, xp in sources.items():
                out[source] = out.get(source, 0) + xp
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @property
    def daily_average(self) -> float:
        return self.total / self.days if self.days else 0.0

    @property
    def best_day(self) -> tuple[int, int] | None:
        if not self.by_day:
            return None
        day = max(self.by_day, key=lambda d: sum(self.by_day[d].values()))
        return day, sum(self.by_day[day].values())

    def stacks(self) -> list[tuple[int, list[tuple[str, int]]]]:
        """Every day of the period (with or without XP) and its positive XP per charted source, in
        stacking order; XP from a source the chart does not know counts as :data:`OTHER_SOURCE`."""
        out = []
        for index in range(self.days):
            day = self.start + index * DAY
            xp = dict.fromkeys(SOURCE_COLOURS, 0)
            for source, amount in self.by_day.get(day, {}).items():
                xp[source if source in xp else OTHER_SOURCE] += amount
            out.append((day, [(source, amount) for source, amount in xp.items() if amount > 0]))
        return out


# --- drawing ------------------------------------------------------------------------------
class Canvas:
    """A :data:`SCALE`-times larger image that takes output-pixel coordinates and sizes."""

    def __init__(self, fonts: "FontSet") -> None:
        self.fonts = fonts
        self.image = Image.new("RGB", (SIZE[0] * SCALE, SIZE[1] * SCALE), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)

    def font(self, size: float) -> ImageFont.FreeTypeFont:
        return self.fonts.font(self.fonts.label_name, round(size * SCALE))

    def width(self, text: str, size: float) -> float:
        return self.font(size).getlength(text) / SCALE

    def text(self, xy: tuple[float, float], text: str, size: float, fill, anchor: str) -> None:
        self.draw.text((xy[0] * SCALE, xy[1] * SCALE), text, font=self.font(size), fill=fill, anchor=anchor)

    def rect(self, box: tuple[float, float, float, float], fill, radius: float = 0, **kw) -> None:
        x0, y0, x1, y1 = (v * SCALE for v in box)
        if radius:
            self.draw.rounded_rectangle((x0, y0, x1, y1), radius * SCALE, fill=fill, **kw)
        else:
            self.draw.rectangle((x0, y0, x1, y1), fill=fill)

    def hline(self, y: float, x0: float, x1: float, fill, width: float = 1) -> None:
        self.rect((x0, y - width / 2, x1, y + width / 2), fill)

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.resize(SIZE, Image.Resampling.BOX).save(out, format="PNG", compress_level=1)
        return out.getvalue()


@dataclass(frozen=True)
class Legend:
    """The legend laid out: its font size and its rows."""

    size: int
    rows: list[list[tuple[str, str, float]]]  # per row: (source, name, x from the row's start)


def legend_layout(entries: Sequence[tuple[str, str]], measure: Callable[[str, int], float],
                  width: float) -> Legend:
    """(source, name) entries in rows within ``width``, every name whole: at :data:`LEGEND_SIZE` on
    up to :data:`LEGEND_ROWS` rows, else in a smaller font, down to :data:`LEGEND_MIN_SIZE` (on as
    many rows as it then takes). ``measure(text, size)`` is a name's width."""
    size = LEGEND_SIZE
    while True:
        widths = [SWATCH + SWATCH_GAP + measure(name, size) for _source, name in entries]
        rows = wrap_legend(widths, width)
        if len(rows) <= LEGEND_ROWS or size <= LEGEND_MIN_SIZE:
            break
        size -= 1
    laid_out = []
    for row in rows:
        x, line = 0.0, []
        for index in row:
            line.append((*entries[index], x))
            x += widths[index] + LEGEND_GAP
        laid_out.append(line)
    return Legend(size, laid_out)


def render_chart(stats: XpStats, title: str, fonts: "FontSet", labels: ChartLabels | None = None) -> bytes:
    """The chart as a PNG; ``title`` already translated, ``labels`` those of ``stats`` unless given.
    ``fonts`` draws the title (a member's name may need any script or emoji) and lends its label font."""
    labels = labels or stats.labels
    canvas = Canvas(fonts)
    stacks = stats.stacks()
    totals = [sum(xp for _source, xp in stack) for _day, stack in stacks]

    _header(canvas, title, labels.period(stats.start, stats.days))
    present = {source for _day, stack in stacks for source, _xp in stack}
    legend = legend_layout([(s, labels.sources.get(s, s)) for s in SOURCE_COLOURS if s in present], canvas.width,
                           SIZE[0] - 2 * MARGIN)
    bottom = SIZE[1] - BOTTOM_MARGIN - len(legend.rows) * LEGEND_ROW - LEGEND_TOP_GAP - DATE_HEIGHT - DATE_GAP
    right = SIZE[0] - MARGIN

    if any(totals):
        ticks = nice_ticks(max(totals))
        tick_text = axis_labels(ticks, labels.region)
        left = MARGIN + max(canvas.width(t, AXIS_SIZE) for t in tick_text) + AXIS_GAP
        _grid(canvas, ticks, tick_text, left, right, bottom)
        slot = (right - left) / stats.days
        _bars(canvas, stacks, ticks[-1], left, slot, bottom)
        _values(canvas, totals, ticks[-1], left, slot, bottom, labels)
        if stats.days == 1:
            _breakdown(canvas, stacks[0][1], ticks[-1], _bar_span(left, slot, 0)[1], bottom, labels)
    else:
        left = MARGIN
        slot = (right - left) / stats.days
        canvas.text(((left + right) / 2, (PLOT_TOP + bottom) / 2), labels.no_xp, EMPTY_SIZE, MUTED, "mm")
        for index in range(stats.days):
            _zero_day(canvas, left, slot, index, bottom)
    canvas.hline(bottom, left, right, BASELINE)
    _dates(canvas, [day for day, _stack in stacks], labels, left, slot, bottom)
    _legend(canvas, legend, bottom + DATE_GAP + DATE_HEIGHT + LEGEND_TOP_GAP)
    return canvas.png()


def _header(canvas: Canvas, title: str, subtitle: str) -> None:
    """The title (shrunk, then cut with an ellipsis, to fit) and the period under it."""
    fonts, width = canvas.fonts, (SIZE[0] - 2 * MARGIN) * SCALE
    text, size = fonts.fit(title, width, TITLE_SIZE * SCALE, TITLE_MIN_SIZE * SCALE)
    fonts.draw(canvas.image, (MARGIN * SCALE, TITLE_BASELINE * SCALE), text, size, TEXT)
    canvas.text((MARGIN, SUBTITLE_BASELINE), subtitle, SUBTITLE_SIZE, MUTED, "ls")


def _grid(canvas: Canvas, ticks: list[int], tick_text: list[str], left: float, right: float,
          bottom: float) -> None:
    for tick, text in zip(ticks, tick_text):
        y = bottom - (bottom - PLOT_TOP) * tick / ticks[-1]
        if tick:
            canvas.hline(y, left, right, GRID)
        canvas.text((left - AXIS_GAP, y), text, AXIS_SIZE, MUTED, "rm")


def _bar_span(left: float, slot: float, index: int) -> tuple[float, float]:
    width = min(BAR_MAX_WIDTH, max(1.0, slot * BAR_FILL))
    x0 = left + index * slot + (slot - width) / 2
    return x0, x0 + width


def _zero_day(canvas: Canvas, left: float, slot: float, index: int, bottom: float) -> None:
    x0, x1 = _bar_span(left, slot, index)
    canvas.rect((x0, bottom - ZERO_DAY_HEIGHT, x1, bottom), ZERO_DAY, radius=ZERO_DAY_HEIGHT / 2)


def _bars(canvas: Canvas, stacks, top: int, left: float, slot: float, bottom: float) -> None:
    """Each day's sources stacked, a thin gap between them, the stack's top corners rounded (drawn
    on a layer, then pasted through a mask of the rounded stacks)."""
    layer = Image.new("RGB", canvas.image.size, BACKGROUND)
    mask = Image.new("L", canvas.image.size, 0)
    bars, shapes = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    height = bottom - PLOT_TOP
    for index, (_day, stack) in enumerate(stacks):
        if not stack:
            _zero_day(canvas, left, slot, index, bottom)
            continue
        x0, x1 = (v * SCALE for v in _bar_span(left, slot, index))
        edges = [bottom * SCALE]  # each source's top, bottom up
        for _source, xp in stack:
            edges.append(edges[-1] - height * SCALE * xp / top)
        bleed = SCALE  # the layer's colours reach past the mask, so no background shows at its edges
        for position, (source, _xp) in enumerate(stack):
            y_top = edges[position + 1] - (bleed if position == len(stack) - 1 else 0)
            bars.rectangle((x0 - bleed, y_top, x1 + bleed, edges[position]), fill=SOURCE_COLOURS[source])
        for position in range(1, len(stack)):  # a gap between two sources both tall enough to show it
            below, above = edges[position - 1] - edges[position], edges[position] - edges[position + 1]
            if min(below, above) >= SEGMENT_MIN_FOR_GAP * SCALE:
                y = edges[position]
                bars.rectangle((x0 - bleed, y - SEGMENT_GAP * SCALE / 2, x1 + bleed, y + SEGMENT_GAP * SCALE / 2),
                               fill=BACKGROUND)
        radius = min(BAR_RADIUS * SCALE, (x1 - x0) / 2, edges[0] - edges[-1])
        shapes.rounded_rectangle((x0, edges[-1], x1, edges[0]), radius, fill=255, corners=(True, True, False, False))
    canvas.image.paste(layer, mask=mask)


def _values(canvas: Canvas, totals: list[int], top: int, left: float, slot: float, bottom: float,
            labels: ChartLabels) -> None:
    """Each day's total over its bar, when there are few days and every total fits its day."""
    if len(totals) > MAX_VALUE_DAYS:
        return
    texts = [labels.short(t) if t else "" for t in totals]
    if max(canvas.width(t, VALUE_SIZE) for t in texts) > slot - 2:
        return
    for index, (total, text) in enumerate(zip(totals, texts)):
        if total:
            x0, x1 = _bar_span(left, slot, index)
            y = bottom - (bottom - PLOT_TOP) * total / top - VALUE_GAP
            canvas.text(((x0 + x1) / 2, y), text, VALUE_SIZE, MUTED, "md")


def _breakdown(canvas: Canvas, stack: list[tuple[str, int]], top: int, bar_right: float, bottom: float,
               labels: ChartLabels) -> None:
    """Beside a one-day bar, each source's name and XP level with its part, moved apart where the
    parts are thin, a line leading from each part to its name."""
    height, edge, wanted = bottom - PLOT_TOP, bottom, []
    for _source, xp in stack:
        part = height * xp / top
        wanted.append(edge - part / 2)
        edge -= part
    placed = spread(wanted, BREAKDOWN_ROW, PLOT_TOP + BREAKDOWN_ROW / 2, bottom - BREAKDOWN_ROW / 2)
    x = bar_right + BREAKDOWN_LEAD
    for (source, xp), want, y in zip(stack, wanted, placed):
        canvas.draw.line([(p * SCALE, q * SCALE) for p, q in ((bar_right + 3, want), (x - 8, y), (x - 3, y))],
                         fill=BASELINE, width=SCALE, joint="curve")
        name, amount = labels.sources.get(source, source), labels.number(xp)
        name_width = canvas.width(name, BREAKDOWN_SIZE)
        width = name_width + BREAKDOWN_VALUE_GAP + canvas.width(amount, BREAKDOWN_SIZE)
        canvas.rect((x - 2, y - BREAKDOWN_ROW / 2 + 1, x + width + 2, y + BREAKDOWN_ROW / 2 - 1), BACKGROUND)
        canvas.text((x, y), name, BREAKDOWN_SIZE, TEXT, "lm")
        canvas.text((x + name_width + BREAKDOWN_VALUE_GAP, y), amount, BREAKDOWN_SIZE, MUTED, "lm")


def _dates(canvas: Canvas, days: list[int], labels: ChartLabels, left: float, slot: float,
           bottom: float) -> None:
    texts = [labels.day(day) for day in days]
    widths = [canvas.width(text, AXIS_SIZE) for text in texts]
    middles = [sum(_bar_span(left, slot, index)) / 2 for index in range(len(days))]
    step = date_step(len(days), slot, max(widths))
    for index, x in place_dates(middles, widths, step):
        if step > 1:
            canvas.rect((middles[index] - 0.5, bottom, middles[index] + 0.5, bottom + DATE_TICK), BASELINE)
        canvas.text((x, bottom + DATE_GAP), texts[index], AXIS_SIZE, MUTED, "mt")


def _legend(canvas: Canvas, legend: Legend, top: float) -> None:
    for number, row in enumerate(legend.rows):
        middle = top + number * LEGEND_ROW + LEGEND_ROW / 2
        for source, name, x in row:
            x += MARGIN
            canvas.rect((x, middle - SWATCH / 2, x + SWATCH, middle + SWATCH / 2), SOURCE_COLOURS[source],
                        radius=SWATCH_RADIUS)
            canvas.text((x + SWATCH + SWATCH_GAP, middle), name, legend.size, TEXT, "lm")
