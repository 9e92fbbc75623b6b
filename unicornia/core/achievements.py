"""Achievements: definitions, validation, and the "next mark" each counter is compared with.

Pure: no Discord and no I/O.  A member's counters are checked only when one of them reaches
its *mark* (the smallest locked threshold for that condition), so the message path compares
one integer, never scans the definitions.  What members and admins read is translated when it
is asked for, in the current task's language (:func:`condition_label`, refusals).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

import yaml
from redbot.core.utils.chat_formatting import humanize_number

from ..i18n import _
from .levels import MAX_LEVEL, NADEKO, Curve
from .templates import blank


class TranslatedLabels(Mapping[str, str]):
    """A table of fixed keys (words admins type) whose values are text for people, built by
    ``build`` each time one is read: so in the language of the task reading it, never the
    language at import."""

    def __init__(self, build: Callable[[], dict[str, str]]) -> None:
        self._build = build
        self._keys = tuple(build())

    def __getitem__(self, key: str) -> str:
        if key not in self._keys:
            raise KeyError(key)
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


def condition_labels() -> dict[str, str]:
    """Each condition an achievement can have, and what members see for it (current language)."""
    return {
        "messages": _("messages"),
        "links": _("links shared"),
        "thanks_received": _("thanks received"),
        "reactions": _("reactions"),
        "commands": _("commands used"),
        "voice_minutes": _("minutes in voice"),
        "level": _("level"),
        "total_xp": _("XP"),
        "streak": _("days of daily streak"),
    }


def condition_label(condition: str) -> str:
    """What members see for one condition (``120 minutes in voice``), in the current language."""
    return condition_labels().get(condition, condition)


#: Conditions an achievement can have; ``CONDITIONS[c]`` reads what members see, translated then.
CONDITIONS = TranslatedLabels(condition_labels)
#: Conditions measured in XP (a level is the XP it takes to reach it).
XP_CONDITIONS = ("level", "total_xp")
#: Conditions counted by the XP engine's cached counters (everything but XP and streak).
COUNTED = ("messages", "links", "thanks_received", "reactions", "commands", "voice_minutes")

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_TITLE = 48
MAX_DESCRIPTION = 150
MAX_EMOJI = 64  # a custom emoji's mention fits
MAX_VALUE = 10**9
MAX_REWARD_XP = 100_000
MAX_PER_GUILD = 50
FIELDS = {"condition", "value", "title", "description", "emoji", "reward_xp"}
NEVER = math.inf


class AchievementError(ValueError):
    """A definition refused; ``str()`` says why (and where, for a file)."""


@dataclass(frozen=True, slots=True)
class Achievement:
    key: str
    condition: str
    value: int
    title: str
    description: str = ""
    emoji: str = "🏅"
    reward_xp: int = 0
    custom: bool = False  # added by the guild's admins, not shipped with the cog

    @property
    def shown_title(self) -> str:
        """The title in the current language: a shipped one is translated (core/shipped_text.py),
        an admin's own is shown as written."""
        return self.title if self.custom else _(self.title)

    @property
    def shown_description(self) -> str:
        return self.description if self.custom or not self.description else _(self.description)

    @property
    def label(self) -> str:
        return f"{self.emoji} {self.shown_title}"

    def xp_threshold(self, curve: Curve = NADEKO) -> int:
        """For level and total_xp conditions: the XP that reaches it on the guild's curve."""
        return curve.total(self.value) if self.condition == "level" else self.value

    def to_config(self) -> dict[str, Any]:
        return {"condition": self.condition, "value": self.value, "title": self.title,
                "description": self.description, "emoji": self.emoji, "reward_xp": self.reward_xp}


def validate(key: str, raw: Mapping[str, Any], *, custom: bool) -> Achievement:
    """One definition from a mapping (a YAML entry or an admin's command); raises AchievementError."""
    shown = f"`{key}`"
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise AchievementError(_("{key} is not a valid key: use 1-32 lowercase letters, digits, - or _").format(
            key=shown))
    if not isinstance(raw, Mapping):
        raise AchievementError(_("{key} must be a mapping of fields").format(key=shown))
    unknown = set(raw) - FIELDS
    if unknown:
        raise AchievementError(_("{key} has unknown fields: {fields}").format(
            key=shown, fields=", ".join(sorted(map(str, unknown)))))
    condition = raw.get("condition")
    if condition not in CONDITIONS:
        raise AchievementError(_("{key}: condition must be one of {choices}").format(
            key=shown, choices=", ".join(CONDITIONS)))
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VALUE:
        raise AchievementError(_("{key}: value must be a whole number from 1 to {most}").format(
            key=shown, most=humanize_number(MAX_VALUE)))
    if condition == "level" and value > MAX_LEVEL:
        raise AchievementError(_("{key}: a level condition goes up to {most}").format(
            key=shown, most=humanize_number(MAX_LEVEL)))
    title = raw.get("title")
    if not isinstance(title, str) or blank(title) or len(title) > MAX_TITLE or "\n" in title:
        raise AchievementError(_("{key}: title must be one line of 1-{limit} characters").format(
            key=shown, limit=MAX_TITLE))
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise AchievementError(_("{key}: description must be text of at most {limit} characters").format(
            key=shown, limit=MAX_DESCRIPTION))
    emoji = raw.get("emoji", "🏅")
    if not isinstance(emoji, str) or not emoji.strip() or len(emoji) > MAX_EMOJI or any(c.isspace() for c in emoji):
        raise AchievementError(_("{key}: emoji must be a single emoji").format(key=shown))
    reward = raw.get("reward_xp", 0)
    if isinstance(reward, bool) or not isinstance(reward, int) or not 0 <= reward <= MAX_REWARD_XP:
        raise AchievementError(_("{key}: reward_xp must be a whole number from 0 to {most}").format(
            key=shown, most=humanize_number(MAX_REWARD_XP)))
    return Achievement(key, condition, value, title.strip(), description.strip(), emoji, reward, custom)


def parse_definitions(text: str) -> dict[str, Achievement]:
    """The bundled YAML file: ``achievements: {key: {...}}``; errors name the line."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AchievementError(_("not valid YAML: {error}").format(error=exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("achievements"), dict):
        raise AchievementError(_("the file needs an `achievements:` mapping"))
    lines = {}
    for key_node, value_node in root.value:
        if key_node.value == "achievements":
            lines = {k.value: k.start_mark.line + 1 for k, _value in value_node.value}
    out = {}
    for key, raw in data["achievements"].items():
        try:
            out[key] = validate(key, raw, custom=False)
        except AchievementError as exc:
            raise AchievementError(_("line {line}: {error}").format(line=lines.get(key, "?"), error=exc)) from None
    return out


@dataclass(frozen=True, slots=True)
class Counters:
    """What achievements measure, for one member in one guild."""

    messages: int = 0
    links: int = 0
    thanks_received: int = 0
    reactions: int = 0
    commands: int = 0
    voice_minutes: int = 0
    total_xp: int = 0
    streak: int = 0

    def value(self, condition: str, curve: Curve = NADEKO) -> int:
        """The counter a condition measures (a level on the guild's curve)."""
        return curve.level(self.total_xp) if condition == "level" else getattr(self, condition)


@dataclass(frozen=True)
class Book:
    """A guild's achievements: the defaults it kept plus its own, by condition, lowest first."""

    achievements: tuple[Achievement, ...]
    #: The guild's level curve: level achievements unlock at the XP it says.
    curve: Curve = NADEKO
    by_condition: dict[str, tuple[Achievement, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Achievement]] = {}
        for a in self.achievements:
            grouped.setdefault(a.condition, []).append(a)
        ordered = {c: tuple(sorted(v, key=lambda a: (a.value, a.key))) for c, v in grouped.items()}
        object.__setattr__(self, "by_condition", ordered)

    def get(self, key: str) -> Optional[Achievement]:
        return next((a for a in self.achievements if a.key == key), None)

    def mark(self, condition: str, unlocked: Iterable[str] | frozenset) -> float:
        """The smallest threshold still locked for ``condition`` (XP for level/total_xp); inf if none."""
        best = NEVER
        for a in self.by_condition.get(condition, ()):
            if a.key not in unlocked:
                best = a.value
                break
        return best

    def xp_mark(self, unlocked) -> float:
        """The smallest XP at which a locked level or total_xp achievement unlocks."""
        return min((a.xp_threshold(self.curve) for c in XP_CONDITIONS for a in self.by_condition.get(c, ())
                    if a.key not in unlocked), default=NEVER)

    def due(self, counters: Counters, unlocked, conditions: Iterable[str] = CONDITIONS) -> list[Achievement]:
        """Locked achievements the counters have reached, in the order they would unlock."""
        out = []
        for condition in conditions:
            have = counters.value(condition, self.curve)
            for a in self.by_condition.get(condition, ()):
                if a.value > have:
                    break
                if a.key not in unlocked:
                    out.append(a)
        return out

    def closest(self, counters: Counters, unlocked) -> Optional[tuple[Achievement, float]]:
        """The locked achievement nearest to unlocking, by fraction of its value reached."""
        best = None
        for a in self.achievements:
            if a.key in unlocked:
                continue
            fraction = min(1.0, counters.value(a.condition, self.curve) / a.value)
            if best is None or fraction > best[1] or (fraction == best[1] and a.value < best[0].value):
                best = (a, fraction)
        return best


def build_book(defaults: Mapping[str, Achievement], custom: Mapping[str, Mapping[str, Any]],
               hidden: Iterable[str], curve: Curve = NADEKO) -> Book:
    """The guild's book from the shipped defaults, its admins' additions and the defaults it hid.

    A custom entry that no longer validates (a hand-edited config) is skipped, not fatal.
    """
    hidden = set(hidden)
    chosen = {k: a for k, a in defaults.items() if k not in hidden}
    for key, raw in custom.items():
        try:
            chosen[key] = validate(key, raw, custom=True)
        except AchievementError:
            continue
    return Book(tuple(chosen.values()), curve)


def edited(original: Achievement, field_name: str, value: Any) -> Achievement:
    """A copy of ``original`` with one field changed, validated like a new one."""
    if field_name not in FIELDS:
        raise AchievementError(_("field must be one of {choices}").format(choices=", ".join(sorted(FIELDS))))
    raw = original.to_config()
    raw[field_name] = value
    return replace(validate(original.key, raw, custom=True), custom=True)
