"""Unicornia's one translator: every module's strings live in ``unicornia/locales``.

Use ``from ..i18n import _`` (``from .i18n import _`` at the package root) and write
``_("Text with {name}").format(name=value)``: the English text is the key, so keep it whole
(no f-strings inside ``_()``, no sentence glued from translated pieces). Red's Translator has no
plural forms: write one string for one and another for many.

Red picks the language per command (``[p]set locale``, global or per server). Code with no
command behind it (listeners, background loops) calls :func:`guild_locale` first. ``_()`` looks
the text up when it runs, in the current task's language: a translated table is built by a
function at the moment it is used, never as a module-level constant (that would be English,
frozen at import). Work sent to a thread (card drawing) gets its labels translated before it goes.
"""
from __future__ import annotations

import math
from typing import Optional

from babel.numbers import format_decimal
from redbot.core.i18n import Translator, get_babel_regional_format, set_contextual_locales_from_guild

_ = Translator("Unicornia", __file__)


def decimal(value: float, places: Optional[int] = None) -> str:
    """A number with a fraction as the server writes numbers (Red's ``[p]set regionalformat``, the
    format ``humanize_number`` gives whole numbers): ``places`` digits after the point, or as many
    as it has, up to six, when None (an admin's 10.0004 must not read as 10).  In German, 1.5 is
    "1,5" and 1234.5 is "1.234,5".

    What no regional format writes well (an admin's "inf", "nan", 1e300, 1e-9 or a whole number of
    400 digits, which a refusal shows back) is written as Python writes it: Babel refuses the huge
    ones and rounds the tiny ones to 0."""
    try:
        shown = float(value)
    except OverflowError:  # a whole number past any float
        return "-∞" if value < 0 else "∞"
    if not math.isfinite(shown) or abs(shown) >= HUGE or (shown and abs(shown) < TINY):
        return f"{shown:g}"
    pattern = "#,##0." + "#" * 6 if places is None else "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=get_babel_regional_format())


#: Beyond these, :func:`decimal` writes a number as Python does.
HUGE, TINY = 1e15, 1e-6


async def guild_locale(bot, guild) -> None:
    """Use the server's language (``[p]set locale`` for the server, else the bot's) from here on
    in this task: for listeners and background loops, which have no command context."""
    await set_contextual_locales_from_guild(bot, guild)
