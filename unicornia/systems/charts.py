"""The `level xpstats` chart: XP per day by source, as stacked bars (Pillow, in the render pool).

The chart's words (the legend, dates and numbers) are translated into :class:`ChartLabels` when the
:class:`XpStats` are made, on the event loop: the drawing thread does not see Red's language.
The title comes translated from the command.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from babel.core import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from PIL import Image, ImageDraw, ImageFont
from redbot.core.i18n import get_babel_regional_format

from ..i18n import _

SIZE = (900, 420)
PLOT = (70, 60, 880, 360)  # left, top, right, bottom
BACKGROUND = (24, 22, 40)
GRID = (60, 58, 84)
TEXT = (230, 230, 240)
COLOURS = {
    "message": (120, 200, 255), "link": (255, 190, 90), "voice": (140, 230, 140),
    "thanks": (255, 130, 170), "reaction": (200, 150, 255), "command": (170, 170, 190),
    "bonus": (255, 225, 110),  # achievements, daily, quests, the server goal
}
FONT_SIZE = 16
TITLE_SIZE = 22
TITLE_MIN_SIZE = 14
#: Day labels under the bars (a CLDR pattern: day and short month, in the reader's language).
DAY_PATTERN = "dd MMM"
#: The legend's row: its baseline, the colour swatch, and the space between entries.
LEGEND_Y = 399
SWATCH = 14
SWATCH_GAP = 6
LEGEND_GAP = (16, 40)  # least and most space between two entries
LEGEND_MIN_SIZE = 10


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

    def number(self, n: float) -> str:
        return format_decimal(n, locale=self.region)

    def day(self, ts: int) -> str:
        return format_date(datetime.fromtimestamp(ts, tz=timezone.utc).date(), DAY_PATTERN, locale=self.region)


def chart_labels() -> ChartLabels:
    """The chart's words in the current task's language; call it on the event loop."""
    return ChartLabels(source_labels(), get_babel_regional_format())


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


def render_chart(stats: XpStats, title: str, font_path: Path, labels: ChartLabels | None = None) -> bytes:
    """The chart as a PNG; ``title`` already translated, ``labels`` those of ``stats`` unless given."""
    labels = labels or stats.labels
    img = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(font_path), FONT_SIZE)
    title_font = _fitting_font(font_path, title, PLOT[2] - PLOT[0], TITLE_SIZE, TITLE_MIN_SIZE)
    draw.text((PLOT[0], 18), title, font=title_font, fill=TEXT)
    left, top, right, bottom = PLOT
    days = [stats.start + i * 86_400 for i in range(stats.days)]
    peak = max([sum(stats.by_day.get(d, {}).values()) for d in days] + [1])
    for i in range(5):  # grid lines and their values
        y = bottom - (bottom - top) * i / 4
        draw.line((left, y, right, y), fill=GRID)
        draw.text((left - 8, y), labels.number(round(peak * i / 4)), font=font, fill=TEXT, anchor="rm")
    slot = (right - left) / max(1, len(days))
    bar = max(2, slot * 0.7)
    for index, day in enumerate(days):
        x0 = left + index * slot + (slot - bar) / 2
        y = bottom
        for source, colour in COLOURS.items():
            xp = stats.by_day.get(day, {}).get(source, 0)
            if xp:
                height = (bottom - top) * xp / peak
                draw.rectangle((x0, y - height, x0 + bar, y), fill=colour)
                y -= height
        if len(days) <= 14 or index % max(1, len(days) // 10) == 0:
            draw.text((x0 + bar / 2, bottom + 8), labels.day(day), font=font, fill=TEXT, anchor="mt")
    _legend(draw, font_path, labels, left, right)
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _fitting_font(font_path: Path, text: str, width: float, size: int, min_size: int) -> ImageFont.FreeTypeFont:
    """The font at the largest size from ``size`` down to ``min_size`` at which ``text`` fits ``width``."""
    font = ImageFont.truetype(str(font_path), size)
    while size > min_size and font.getlength(text) > width:
        size -= 1
        font = ImageFont.truetype(str(font_path), size)
    return font


def _legend(draw: ImageDraw.ImageDraw, font_path: Path, labels: ChartLabels, left: int, right: int) -> None:
    """One row of colour swatches and source names across the plot's width, the names measured
    (and the row's font made smaller) so that any language fits."""
    names = [(labels.sources.get(source, source), colour) for source, colour in COLOURS.items()]
    least, most = LEGEND_GAP
    size = FONT_SIZE
    while True:
        font = ImageFont.truetype(str(font_path), size)
        widths = [SWATCH + SWATCH_GAP + font.getlength(name) for name, _colour in names]
        if sum(widths) + least * (len(names) - 1) <= right - left or size <= LEGEND_MIN_SIZE:
            break
        size -= 1
    gap = max(least, min(most, (right - left - sum(widths)) / max(1, len(names) - 1)))
    x = left
    for (name, colour), width in zip(names, widths):
        draw.rectangle((x, LEGEND_Y - SWATCH // 2, x + SWATCH, LEGEND_Y + SWATCH // 2), fill=colour)
        draw.text((x + SWATCH + SWATCH_GAP, LEGEND_Y), name, font=font, fill=TEXT, anchor="lm")
        x += width + gap
