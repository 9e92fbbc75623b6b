"""The page templates (Jinja2, autoescaped: every name is text, never markup) and their labels."""
from __future__ import annotations

import contextvars
import functools
from pathlib import Path
from typing import Any, Callable, Union

import babel.numbers
import jinja2
from babel.core import Locale
from redbot.core.i18n import get_babel_regional_format

from ..i18n import _

#: Integers a locale's plain formatter must write exactly as Babel does before it is trusted
#: (Indian grouping, 1,00,000, and a few other locales fail and keep Babel).
_SAMPLES = (0, 7, 999, 1000, 1234, 9999, 10000, 12345, 99999, 100000, 123456, 1234567, 10**9 + 1, 10**15 + 123)
#: Locales whose number formatter is kept (Red knows a few dozen; Babel about a thousand).
_FORMATTERS_KEPT = 64

Number = Union[int, float]
#: The formatter of the page being rendered (the ``number`` filter's); set around each render, so
#: pages rendered at once, in tasks or threads, each write their own server's numbers.
_numbers: contextvars.ContextVar[Callable[[Number], str]] = contextvars.ContextVar("unicornia_web_numbers")


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


@functools.lru_cache(maxsize=_FORMATTERS_KEPT)
def number_formatter(locale: Locale) -> Callable[[Number], str]:
    """Red's ``humanize_number`` for ``locale``, at the cost of an f-string for the integers a page shows.

    Babel formats one number in about 30 us (a page shows 75); Python's own grouping with the
    locale's separator writes the same text when the locale groups by threes, which is checked
    here once per locale against Babel itself.  Negative numbers, floats and every locale that
    fails the check are formatted by Babel, as ``humanize_number`` does.
    """
    def by_babel(value: Number) -> str:
        return babel.numbers.format_decimal(value, locale=locale)

    group = babel.numbers.get_group_symbol(locale)

    def plain(value: Number) -> str:
        if type(value) is int and value >= 0:
            return f"{value:,}".replace(",", group) if value >= 1000 else str(value)
        return by_babel(value)

    return plain if all(plain(n) == by_babel(n) for n in _SAMPLES) else by_babel


class _Words:
    """The labels as a template reads them, ``t.level`` or ``t[name]``, each without an exception
    (Jinja tries an attribute before a dict key, and a key before an attribute for ``[]``)."""

    def __init__(self, words: dict[str, str]) -> None:
        self.__dict__.update(words)

    def __getitem__(self, name: str) -> str:
        return self.__dict__[name]


class Renderer:
    def __init__(self, templates: Path) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=True,  # every template, whatever its name
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True,
        )
        # A filter is called directly by the compiled template (a function passed in is called
        # through Jinja's runtime checks, a fifth of a page's render).
        self.env.filters["number"] = lambda value: _numbers.get()(value)

    def page(self, name: str, **values: Any) -> bytes:
        """``name`` filled with ``values``, its words and numbers in the current task's language
        (numbers in its regional format, as ``humanize_number`` writes them).  The words are
        :class:`_Words`."""
        token = _numbers.set(number_formatter(get_babel_regional_format()))
        try:
            return self.env.get_template(name).render(t=_Words(labels()), **values).encode("utf-8")
        finally:
            _numbers.reset(token)
