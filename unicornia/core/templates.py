"""Level-up message templates: validation and rendering.

A template is ``str.format`` text whose fields are plain variable names from :data:`VARIABLE_TABLE`,
each with an optional conversion and format spec (``{level:,}``).  A template is checked by filling
every field with values of the very types the announcement passes, its longest and its shortest, so
what is accepted renders at every level-up.  Fields that reach into a value (``{mention.__class__}``,
``{mention[0]}``), positional fields (``{}``, ``{0}``) and fields nested in a format spec are refused
outright: a template may name a value, never look inside it.

The default template is translated (:func:`default_template`): a server whose admins set none
gets it in the server's language. An admin's own template is their text and is shown as written.
Refusals are translated when raised, in the language of the command that asked.
"""
from __future__ import annotations

import logging
import re
import string
import unicodedata
from typing import Mapping, NamedTuple, Optional

from ..i18n import _
from .levels import MAX_LEVEL, total_xp_for_level

log = logging.getLogger("red.unicornia.templates")

#: The default in English: what the settings hold when the admins set no template. It is shown
#: translated (:func:`default_template`); keep the two texts the same.
DEFAULT_TEMPLATE = "\N{PARTY POPPER} {mention} reached **level {level}**!"
#: Discord's message limit, less room for the reward line appended after the template.
MAX_RENDERED = 1800
#: Discord's message limit itself.
MESSAGE_LIMIT = 2000
#: Largest width or precision a format spec may ask for: anything wider could only pass
#: MAX_RENDERED, and is refused before a string that big is built.
MAX_SPEC_NUMBER = MAX_RENDERED
#: Conversions str.format knows (``{user!r}``); any other is refused.
CONVERSIONS = frozenset({"r", "s", "a"})

WHOLE_NUMBER = "a whole number"


def default_template() -> str:
    """:data:`DEFAULT_TEMPLATE` in the current language."""
    return _("\N{PARTY POPPER} {mention} reached **level {level}**!")


class Variable(NamedTuple):
    """One template variable as the announcement fills it (``RewardService.render_announcement``)."""

    name: str
    #: What its value is (English; :func:`kind_text` gives what an admin reads in a refusal).
    kind: str
    #: The longest value it takes, of the type the announcement passes.
    longest: object
    #: The shortest value it takes, of the same type.
    shortest: object


#: Every variable a template may use, with samples of the exact type the announcement passes:
#: a template is checked against these, so a type changed there must be changed here.
VARIABLE_TABLE = (
    Variable("mention", "text: a mention", "<@" + "9" * 20 + ">", "<@1>"),
    Variable("user", "text: a display name", "W" * 32, "W"),
    Variable("level", WHOLE_NUMBER, MAX_LEVEL, 1),
    Variable("old_level", WHOLE_NUMBER, MAX_LEVEL - 1, 0),
    Variable("xp", "text: the XP already written with separators, like 1,234",
             f"{total_xp_for_level(MAX_LEVEL):,}", "0"),
    Variable("guild", "text: the server name", "W" * 100, "WW"),
    Variable("role", "text: the reward roles given, empty when none", "W" * 100, ""),
)
VARIABLES = tuple(variable.name for variable in VARIABLE_TABLE)
_BY_NAME = {variable.name: variable for variable in VARIABLE_TABLE}
LONGEST = {variable.name: variable.longest for variable in VARIABLE_TABLE}
SHORTEST = {variable.name: variable.shortest for variable in VARIABLE_TABLE}

#: The name a field starts with, before any ``.attribute`` or ``[index]``.
_FIELD_ROOT = re.compile(r"[^.\[]*")
#: The numbers in a format spec: its fill (one character), width and precision.
_SPEC_NUMBER = re.compile(r"[0-9]+")


class TemplateError(ValueError):
    """A template Unicornia refuses; the message says why, for the admin."""


class Field(NamedTuple):
    """One ``{...}`` of a template, as written."""

    name: str
    conversion: Optional[str]
    spec: str

    def __str__(self) -> str:
        conversion = f"!{self.conversion}" if self.conversion else ""
        spec = f":{self.spec}" if self.spec else ""
        return "{" + self.name + conversion + spec + "}"


class _PlainNames(string.Formatter):
    """``str.format`` that looks a field up by its plain name and nothing else: no attribute, no
    index, no positional argument, even if a template got past :func:`fields`."""

    def get_field(self, field_name: str, args, kwargs) -> tuple[object, str]:
        if field_name not in kwargs:
            raise KeyError(field_name)
        return kwargs[field_name], field_name


_FORMATTER = _PlainNames()


def kind_text(kind: str) -> str:
    """A :attr:`Variable.kind` as an admin reads it, in the current language."""
    return {
        WHOLE_NUMBER: _("a whole number"),
        "text": _("text"),
        "text: a mention": _("text: a mention"),
        "text: a display name": _("text: a display name"),
        "text: the XP already written with separators, like 1,234":
            _("text: the XP already written with separators, like 1,234"),
        "text: the server name": _("text: the server name"),
        "text: the reward roles given, empty when none": _("text: the reward roles given, empty when none"),
    }.get(kind, kind)


def _braced(name: str) -> str:
    return "{" + name + "}"


def _variables_hint() -> str:
    return _("Use: {variables}.").format(variables=", ".join(_braced(name) for name in VARIABLES))


def _try(name: str) -> str:
    return _("Try {field}.").format(field=_braced(name))


def _refusal(field: Field) -> Optional[str]:
    """Why one field is refused on its form alone, or None."""
    root = _FIELD_ROOT.match(field.name).group()
    shown = f"`{field}`"
    if not root or root.isdigit():
        return _("{field}: fields need a variable's name, not a position. {hint}").format(
            field=shown, hint=_variables_hint())
    if root != field.name:
        hint = _try(root) if root in _BY_NAME else _variables_hint()
        return _("{field}: a field can only name a variable, not look inside it (no `.` or `[...]`). {hint}").format(
            field=shown, hint=hint)
    if field.name not in _BY_NAME:
        return _("Unknown variable {field}. {hint}").format(field=shown, hint=_variables_hint())
    if field.conversion is not None and field.conversion not in CONVERSIONS:
        return _("{field}: {conversion} is not a conversion. {hint}").format(
            field=shown, conversion=f"`!{field.conversion}`", hint=_try(field.name))
    if "{" in field.spec or "}" in field.spec:
        return _("{field}: a format can't hold another field. {hint}").format(field=shown, hint=_try(field.name))
    biggest = max((int(number) for number in _SPEC_NUMBER.findall(field.spec)), default=0)
    if biggest > MAX_SPEC_NUMBER:
        return _("{field}: {number} is wider than a message can be (at most {limit}).").format(
            field=shown, number=biggest, limit=MAX_SPEC_NUMBER)
    return None


def fields(template: str) -> list[Field]:
    """The fields of ``template``; raises TemplateError for a broken one or one of a refused form."""
    try:
        parsed = [Field(name, conversion, spec or "")
                  for _literal, name, spec, conversion in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise TemplateError(_("The message has a broken {{...}} field ({error}). "
                              "Use {open} and {close} for literal braces.").format(
            error=exc, open="{{", close="}}")) from None
    for field in parsed:
        problem = _refusal(field)
        if problem:
            raise TemplateError(problem)
    return parsed


def uses(template: str, name: str) -> bool:
    """Whether ``template`` shows the variable ``name`` (in any format); False for a refused template,
    which renders as the default."""
    try:
        return any(field.name == name for field in fields(template))
    except TemplateError:
        return False


def _format_refusal(field: Field) -> str:
    """The refusal of a field whose format spec (or conversion) does not fit its variable's type."""
    variable = _BY_NAME[field.name]
    kind = "text" if field.conversion else variable.kind
    if kind == WHOLE_NUMBER:
        hint = _("Try {field} or {grouped}.").format(field=_braced(field.name), grouped=_braced(field.name + ":,"))
    else:
        hint = _try(field.name)
    return _("{field}: the format {spec} does not apply to {name} ({kind}). {hint}").format(
        field=f"`{field}`", spec=f"`{field.spec}`", name=field.name, kind=kind_text(kind), hint=hint)


def _fill(template: str, values: Mapping[str, object]) -> str:
    return _FORMATTER.vformat(template, (), {name: values.get(name, "") for name in VARIABLES})


def check_template(template: str) -> None:
    """Refuse, with a TemplateError saying why, a template that would not render at a level-up:
    empty, a broken or refused field, a format its variable's type can't take, or too long once
    filled with the longest values."""
    if blank(template):
        raise TemplateError(_("The message can't be empty."))
    found = fields(template)
    for field in found:  # `c` writes a number as the character of that code: levels 1-31 are control codes
        if field.spec.endswith("c") and _BY_NAME[field.name].kind == WHOLE_NUMBER and not field.conversion:
            raise TemplateError(_format_refusal(field))
    for values in (LONGEST, SHORTEST):
        for field in found:
            try:
                value = _FORMATTER.convert_field(values[field.name], field.conversion)
                _FORMATTER.format_field(value, field.spec)
            except (ValueError, TypeError, OverflowError):
                raise TemplateError(_format_refusal(field)) from None
    if len(_fill(template, LONGEST)) > MAX_RENDERED:
        raise TemplateError(_("The message could grow past {limit} characters once filled in; shorten it.").format(
            limit=MAX_RENDERED))


def render(template: str, values: Mapping[str, object]) -> str:
    """``template`` filled with ``values`` (missing ones are empty); :data:`DEFAULT_TEMPLATE`
    (the admins set none) is rendered in the current language.

    A template that fails anyway (saved before it would have been refused, or a value of a type
    the table does not expect) is logged and the default template is used instead, so the
    announcement is never lost."""
    if template == DEFAULT_TEMPLATE:
        return _render_default(values)
    try:
        fields(template)
        return _fill(template, values)
    except Exception as exc:  # a bad template must not cost the member their announcement
        log.warning("Level-up template %r could not be filled (%s: %s); used the default instead",
                    template, type(exc).__name__, exc)
        return _render_default(values)


def _render_default(values: Mapping[str, object]) -> str:
    """The default template in the current language; the English one if a translation is broken."""
    translated = default_template()
    if translated != DEFAULT_TEMPLATE:
        try:
            fields(translated)
            return _fill(translated, values)
        except Exception as exc:
            log.warning("The translated default level-up message %r could not be filled (%s: %s); used English",
                        translated, type(exc).__name__, exc)
    return _fill(DEFAULT_TEMPLATE, values)


def clip(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, an ellipsis marking the cut."""
    return text if len(text) <= most else text[:most - 1] + "\N{HORIZONTAL ELLIPSIS}"


def fit_message(text: str) -> str:
    """An announcement cut to one Discord message: the template is bounded, but a level-up may give
    many long roles, and an event may unlock many achievements at once; a longer text would be
    refused by Discord and the announcement lost."""
    return clip(text, MESSAGE_LIMIT)


#: Characters that look like nothing though Unicode calls them letters or symbols (the Hangul
#: fillers, the blank braille pattern).
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only spaces, invisible characters (zero-width spaces and
    joiners, direction marks, control characters), which ``str.strip`` leaves, marks that only
    decorate another character, and characters that look blank (:data:`BLANK_LOOKING`)."""
    return all(ch.isspace() or ch in BLANK_LOOKING or unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me")
               for ch in text)
