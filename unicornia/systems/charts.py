"""The `level xpstats` chart: XP per day by source, as stacked bars (Pillow, in the render pool)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

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


@dataclass
class XpStats:
    """XP per day and source over a period, and the figures `xpstats` reports."""

    days: int
    start: int  # unix time of the first day (UTC midnight)
    by_day: dict[int, dict[str, int]] = field(default_factory=dict)

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


def render_chart(stats: XpStats, title: str, font_path: Path) -> bytes:
    img = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(font_path), 16)
    title_font = ImageFont.truetype(str(font_path), 22)
    draw.text((PLOT[0], 18), title, font=title_font, fill=TEXT)
    left, top, right, bottom = PLOT
    days = [stats.start + i * 86_400 for i in range(stats.days)]
    peak = max([sum(stats.by_day.get(d, {}).values()) for d in days] + [1])
    for i in range(5):  # grid lines and their values
        y = bottom - (bottom - top) * i / 4
        draw.line((left, y, right, y), fill=GRID)
        draw.text((left - 8, y), f"{round(peak * i / 4):,}", font=font, fill=TEXT, anchor="rm")
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
            label = datetime.fromtimestamp(day, tz=timezone.utc).strftime("%d %b")
            draw.text((x0 + bar / 2, bottom + 8), label, font=font, fill=TEXT, anchor="mt")
    x = left
    for source, colour in COLOURS.items():  # legend
        draw.rectangle((x, 392, x + 14, 406), fill=colour)
        draw.text((x + 20, 399), source, font=font, fill=TEXT, anchor="lm")
        x += 130
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)
    return out.getvalue()
