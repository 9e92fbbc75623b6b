"""Level-up message templates: validation and rendering (``str.format`` fields, a fixed set of names)."""
from __future__ import annotations

import string
from typing import Mapping

DEFAULT_TEMPLATE = "\N{PARTY POPPER} {mention} reached **level {level}**!"
VARIABLES = ("mention", "user", "level", "old_level", "xp", "guild", "role")
#: Discord's message limit, less room for the reward line appended after the template.
MAX_RENDERED = 1800
#: What the longest value of each variable may be when a template is checked.
WORST_CASE = {"mention": "<@" + "9" * 20 + ">", "user": "W" * 32, "level": "10000", "old_level": "9999",
              "xp": "450,000,000", "guild": "W" * 100, "role": "W" * 100}


class TemplateError(ValueError):
    """A template Unicornia refuses; the message says why, for the admin."""


def check_template(template: str) -> None:
    if not template.strip():
        raise TemplateError("The message can't be empty.")
    try:
        fields = [name for _, name, spec, conversion in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise TemplateError(f"The message has a broken {{...}} field ({exc}). Use {{{{ and }}}} for literal braces.")
    for name in fields:
        if name not in VARIABLES:
            shown = name or "{}"
            raise TemplateError(f"Unknown variable {{{shown}}}. Use: " + ", ".join("{" + v + "}" for v in VARIABLES))
    if len(render(template, WORST_CASE)) > MAX_RENDERED:
        raise TemplateError(f"The message could grow past {MAX_RENDERED} characters once filled in; shorten it.")


def render(template: str, values: Mapping[str, object]) -> str:
    return template.format_map({name: values.get(name, "") for name in VARIABLES})
