"""The XP card's geometry and colours, in one place (NadekoBot's 800x392 card size).

Words on the card come in any language, so each has a room (a width) and a smallest size: the
drawing shrinks a word that does not fit down to that size, then shortens it with an ellipsis.
"""
from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[int, int, int, int]
Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class CardLayout:
    size: tuple[int, int] = (800, 392)
    panel: Box = (20, 20, 780, 372)
    panel_radius: int = 26
    panel_fill: RGBA = (10, 10, 20, 150)

    avatar: Box = (48, 66, 228, 246)
    avatar_ring: int = 6
    avatar_ring_colour: RGBA = (255, 255, 255, 230)

    name_left: int = 260
    name_baseline: int = 100
    name_right: int = 750
    name_right_with_club: int = 600
    name_size: int = 44
    name_min_size: int = 22

    stats_baseline: int = 200
    stats_label_baseline: int = 146
    stats_columns: tuple[int, ...] = (260, 420, 580)
    #: Where the last column's room ends; each other column's ends ``stats_gap`` before the next.
    stats_right: int = 750
    stats_gap: int = 16
    stats_size: int = 44
    stats_min_size: int = 24
    label_size: int = 20
    label_min_size: int = 12

    bar: Box = (260, 232, 750, 272)
    bar_back: RGBA = (255, 255, 255, 60)
    bar_fill: RGBA = (120, 200, 255, 255)
    bar_text_size: int = 20

    footer_baseline: int = 330
    footer_size: int = 22
    footer_min_size: int = 14
    #: Between the total XP and the admins' award, on the footer line (which spans the bar's width).
    footer_gap: int = 24

    club_icon: Box = (686, 36, 750, 100)
    club_name_baseline: int = 126
    club_name_right: int = 750
    club_name_size: int = 18
    club_name_max_width: int = 140

    text: RGBA = (255, 255, 255, 255)
    muted: RGBA = (205, 205, 220, 255)
    accent: RGBA = (120, 200, 255, 255)
    awarded: RGBA = (255, 210, 120, 255)
    shadow: RGBA = (0, 0, 0, 160)

    def stats_room(self) -> tuple[int, ...]:
        """The width each stats column's label and value may take."""
        ends = (*(x - self.stats_gap for x in self.stats_columns[1:]), self.stats_right)
        return tuple(end - x for x, end in zip(self.stats_columns, ends))


DEFAULT_LAYOUT = CardLayout()
