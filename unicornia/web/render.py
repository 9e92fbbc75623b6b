"""The page templates (Jinja2, autoescaped: every name is text, never markup) and their labels."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from redbot.core.utils.chat_formatting import humanize_number

from ..i18n import _


def labels() -> dict[str, str]:
    """The pages' words in the current task's language (the server's, set by the handler)."""
    return {
        "all": _("All time"), "week": _("This week"), "month": _("This month"), "clubs": _("Clubs"),
        "rank": _("Rank"), "member": _("Member"), "level": _("Level"), "xp": _("XP"),
        "hidden": _("Hidden member"), "prev": _("Previous"), "next": _("Next"),
        "empty": _("Nobody has earned XP here yet."), "no_clubs": _("There are no clubs here yet."),
        "back": _("Back to the leaderboard"), "card": _("XP card of {name}"), "chart": _("XP per day of {name}"),
        "weekly": _("XP this week"), "monthly": _("XP this month"), "into": _("XP into the level"),
        "unranked": _("unranked (no XP yet)"), "members": _("Members"),
    }


class Renderer:
    def __init__(self, templates: Path) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=True,  # every template, whatever its name
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True,
        )
        self.env.filters["number"] = humanize_number

    def page(self, name: str, **values: Any) -> bytes:
        return self.env.get_template(name).render(t=labels(), **values).encode("utf-8")
