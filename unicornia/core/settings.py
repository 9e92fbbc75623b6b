"""Per-guild settings: their defaults, their limits, and the frozen view the hot path reads.

Red's Config stores the raw values (see :data:`GUILD_DEFAULTS`); the XP engine reads a
:class:`GuildSettings` built once from them and rebuilt only when an admin changes one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import Any, Mapping, Optional

from .card_layout import DEFAULT_STYLE, STYLES
from .levels import NADEKO, Curve
from .rewards import RoleReward
from .rules import scaled_amount, thanks_pattern
from .templates import DEFAULT_TEMPLATE
from ..i18n import _, decimal

GUILD_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "xp_per_message": 1,
    "xp_per_message_max": None,  # None: every message earns xp_per_message; else a random amount in between
    "curve": {},  # empty: NadekoBot's; else {"kind": ..., "numbers": [...]} (core/levels.Curve)
    "xp_rate": 1.0,
    "cooldown": 60,
    "voice_xp": 1,
    "levelup_messages": True,
    "excluded_channels": [],
    "excluded_roles": [],
    # {"<level>": [{"role": <id>, "remove": <bool>}, ...]}
    "role_rewards": {},
    # {"<level>": <amount>}
    "currency_rewards": {},
    # --- activity beyond messages ---
    "link_xp": 3,
    "thanks_xp": 5,
    "thanks_words": ["thanks", "thank you", "thx", "ty"],
    "thanks_cooldown": 600,
    "reaction_xp": 0,
    "command_xp": 0,
    "booster_multiplier": 1.5,
    # {"<role id>": multiplier}, {"<channel id>": multiplier}; 0 means no XP there
    "role_multipliers": {},
    "channel_multipliers": {},
    "xp_per_minute_cap": 10,
    "min_message_length": 5,
    # --- announcements ---
    "announce_mode": None,  # "channel" | "set" | "dm" | "off"; None: follow levelup_messages
    "announce_channel": None,
    "levelup_template": None,  # None: DEFAULT_TEMPLATE
    # --- reward roles ---
    "role_mode": "stack",  # "stack" keeps every reward role, "replace" only the highest
    "rejoin_roles": True,
    "reset_on_leave": False,
    # --- goals that bring members back: each off until an admin turns it on (quiet by default) ---
    "achievements_enabled": False,
    "quests_enabled": False,
    # {"<key>": {"condition": ..., "value": ..., "title": ..., ...}}: the guild's own
    "custom_achievements": {},
    "hidden_achievements": [],  # keys of shipped achievements this guild does not offer
    "achievement_channel": None,  # None: announced with the level-ups
    "quest_channel": None,  # None: announced with the level-ups
    "reset_hour": 0,  # UTC hour the guild's day starts (daily, goal, quests)
    "reset_weekday": 0,  # 0 = Monday: when weekly quests refresh
    "daily_xp": 20,
    "streak_bonus": 5,  # extra XP per consecutive day after the first
    "streak_cap": 10,  # days of streak that still add a bonus
    "goal_enabled": False,
    "goal_floor": 50,  # the smallest daily message goal
    "goal_percent": 100,  # the goal is this % of the last goal_days' average
    "goal_days": 7,
    "goal_bonus": 25,  # XP for everyone who sent a message on a day the goal was reached
    # --- weekly and monthly boards ---
    # {"week": {"role": <id or None>, "bonus": <XP>, "since": <unix time set>}, "month": {...}}
    "period_rewards": {},
    # --- cards ---
    "card_style": None,  # None: the cog's default style; members may choose their own
    # --- the web leaderboard ---
    "web": False,  # whether this server's pages exist (the bot owner runs the server)
}

ANNOUNCE_MODES = ("channel", "set", "dm", "off")
ROLE_MODES = ("stack", "replace")


@dataclass(frozen=True)
class Limit:
    """An inclusive range an admin-set number must fall in."""

    low: float
    high: float

    def check(self, value: float, what: str) -> str | None:
        """None when ``value`` fits, else a message saying what is allowed."""
        if self.low <= value <= self.high:
            return None
        return _("{what} must be between {low} and {high}; {value} is not.").format(
            what=what, low=decimal(self.low), high=decimal(self.high), value=decimal(value))


LIMITS = {
    "xp_per_message": Limit(1, 1000),
    "xp_rate": Limit(0.01, 10),
    "cooldown": Limit(0, 86_400),
    "voice_xp": Limit(0, 1000),
    "currency_reward": Limit(1, 1_000_000_000),
    "add_xp": Limit(-10_000_000, 10_000_000),
    "link_xp": Limit(0, 1000),
    "thanks_xp": Limit(0, 1000),
    "thanks_cooldown": Limit(0, 86_400),
    "reaction_xp": Limit(0, 1000),
    "command_xp": Limit(0, 1000),
    "booster_multiplier": Limit(0, 10),
    "multiplier": Limit(0, 10),
    "xp_per_minute_cap": Limit(0, 100_000),
    "min_message_length": Limit(0, 200),
    "daily_xp": Limit(0, 100_000),
    "streak_bonus": Limit(0, 10_000),
    "streak_cap": Limit(0, 365),
    "reset_hour": Limit(0, 23),
    "reset_weekday": Limit(0, 6),
    "goal_floor": Limit(1, 10_000_000),
    "goal_percent": Limit(10, 1000),
    "goal_days": Limit(1, 30),
    "goal_bonus": Limit(0, 100_000),
}


@dataclass(frozen=True, slots=True)
class GuildSettings:
    enabled: bool
    xp_per_message: int
    xp_rate: float
    cooldown: int
    voice_xp: int
    levelup_messages: bool
    excluded_channels: frozenset[int]
    excluded_roles: frozenset[int]
    role_rewards: tuple[RoleReward, ...]
    currency_rewards: Mapping[int, int]
    link_xp: int = 3
    thanks_xp: int = 5
    thanks_pattern: Optional[re.Pattern] = None
    thanks_words: tuple[str, ...] = ()
    thanks_cooldown: int = 600
    reaction_xp: int = 0
    command_xp: int = 0
    booster_multiplier: float = 1.5
    role_multipliers: Mapping[int, float] = field(default_factory=dict)
    channel_multipliers: Mapping[int, float] = field(default_factory=dict)
    xp_per_minute_cap: int = 10
    min_message_length: int = 5
    announce_mode: str = "channel"
    announce_channel: Optional[int] = None
    levelup_template: str = DEFAULT_TEMPLATE
    role_mode: str = "stack"
    rejoin_roles: bool = True
    reset_on_leave: bool = False
    achievements_enabled: bool = False
    quests_enabled: bool = False
    custom_achievements: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    hidden_achievements: frozenset[str] = frozenset()
    achievement_channel: Optional[int] = None
    quest_channel: Optional[int] = None
    reset_hour: int = 0
    reset_weekday: int = 0
    daily_xp: int = 20
    streak_bonus: int = 5
    streak_cap: int = 10
    goal_enabled: bool = False
    goal_floor: int = 50
    goal_percent: int = 100
    goal_days: int = 7
    goal_bonus: int = 25
    #: The reward of each period's winner, by "week" / "month" (see systems/periods.py).
    period_rewards: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The card style of members who haven't chosen one (a name in ``card_layout.STYLES``).
    card_style: str = DEFAULT_STYLE
    #: Whether the server's web leaderboard pages exist (``[p]unicornia guild web``).
    web: bool = False
    #: XP one message earns (per-message amount after the rate), computed once.
    message_xp: int = 0
    #: With an XP range: every amount a message may earn, after the rate (one random pick a message).
    message_xp_choices: tuple[int, ...] = ()
    #: The top of the XP range (``xppermessage <min> <max>``); None when every message earns the same.
    xp_per_message_max: Optional[int] = None
    #: The server's level curve (NadekoBot's unless an admin chose another).
    curve: Curve = NADEKO
    #: Whether any role or channel multiplier is set (one check on the message path instead of two).
    has_multipliers: bool = False
    #: channel id -> excluded?, filled by the XP engine; a new settings object starts empty.
    channel_memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> "GuildSettings":
        values = {**GUILD_DEFAULTS, **raw}
        role_rewards = tuple(
            RoleReward(level=int(level), role_id=int(entry["role"]), remove=bool(entry.get("remove", False)))
            for level, entries in values["role_rewards"].items()
            for entry in entries
        )
        return cls(
            enabled=bool(values["enabled"]),
            xp_per_message=int(values["xp_per_message"]),
            xp_rate=float(values["xp_rate"]),
            cooldown=int(values["cooldown"]),
            voice_xp=int(values["voice_xp"]),
            levelup_messages=bool(values["levelup_messages"]),
            excluded_channels=frozenset(int(c) for c in values["excluded_channels"]),
            excluded_roles=frozenset(int(r) for r in values["excluded_roles"]),
            role_rewards=tuple(sorted(role_rewards, key=lambda r: (r.level, r.role_id))),
            currency_rewards={int(level): int(amount) for level, amount in values["currency_rewards"].items()},
            message_xp=scaled_amount(int(values["xp_per_message"]), float(values["xp_rate"])),
            **_message_range(values),
            curve=Curve.from_config(values["curve"]),
            has_multipliers=bool(values["role_multipliers"] or values["channel_multipliers"]),
            link_xp=int(values["link_xp"]),
            thanks_xp=int(values["thanks_xp"]),
            thanks_words=tuple(values["thanks_words"]),
            thanks_pattern=thanks_pattern(values["thanks_words"]),
            thanks_cooldown=int(values["thanks_cooldown"]),
            reaction_xp=int(values["reaction_xp"]),
            command_xp=int(values["command_xp"]),
            booster_multiplier=float(values["booster_multiplier"]),
            role_multipliers={int(k): float(v) for k, v in values["role_multipliers"].items()},
            channel_multipliers={int(k): float(v) for k, v in values["channel_multipliers"].items()},
            xp_per_minute_cap=int(values["xp_per_minute_cap"]),
            min_message_length=int(values["min_message_length"]),
            announce_mode=values["announce_mode"] or ("channel" if values["levelup_messages"] else "off"),
            announce_channel=values["announce_channel"],
            levelup_template=values["levelup_template"] or DEFAULT_TEMPLATE,
            role_mode=values["role_mode"],
            rejoin_roles=bool(values["rejoin_roles"]),
            reset_on_leave=bool(values["reset_on_leave"]),
            achievements_enabled=bool(values["achievements_enabled"]),
            quests_enabled=bool(values["quests_enabled"]),
            custom_achievements=dict(values["custom_achievements"]),
            hidden_achievements=frozenset(values["hidden_achievements"]),
            achievement_channel=values["achievement_channel"],
            quest_channel=values["quest_channel"],
            **{name: int(values[name]) for name in (
                "reset_hour", "reset_weekday", "daily_xp", "streak_bonus", "streak_cap",
                "goal_floor", "goal_percent", "goal_days", "goal_bonus")},
            goal_enabled=bool(values["goal_enabled"]),
            period_rewards={k: dict(v) for k, v in values["period_rewards"].items()
                            if k in ("week", "month") and isinstance(v, Mapping)},
            card_style=values["card_style"] if values["card_style"] in STYLES else DEFAULT_STYLE,
            web=bool(values["web"]),
        )


def _message_range(values: Mapping[str, Any]) -> dict[str, Any]:
    """The XP range's fields: the top (when it is above the bottom) and every amount it can give."""
    low, high = int(values["xp_per_message"]), values["xp_per_message_max"]
    if high is None or int(high) <= low:
        return {}
    rate = float(values["xp_rate"])
    return {"xp_per_message_max": int(high),
            "message_xp_choices": tuple(scaled_amount(amount, rate) for amount in range(low, int(high) + 1))}


DEFAULT_SETTINGS = GuildSettings.from_config({})
