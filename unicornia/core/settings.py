"""Per-guild settings: their defaults, their limits, and the frozen view the hot path reads.

Red's Config stores the raw values (see :data:`GUILD_DEFAULTS`); the XP engine reads a
:class:`GuildSettings` built once from them and rebuilt only when an admin changes one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .rewards import RoleReward
from .rules import scaled_amount

GUILD_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "xp_per_message": 1,
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
}


@dataclass(frozen=True)
class Limit:
    """An inclusive range an admin-set number must fall in."""

    low: float
    high: float

    def check(self, value: float, what: str) -> str | None:
        """None when ``value`` fits, else a message saying what is allowed."""
        if self.low <= value <= self.high:
            return None
        return f"{what} must be between {self.low:g} and {self.high:g}; {value:g} is not."


LIMITS = {
    "xp_per_message": Limit(1, 1000),
    "xp_rate": Limit(0.01, 10),
    "cooldown": Limit(0, 86_400),
    "voice_xp": Limit(0, 1000),
    "currency_reward": Limit(1, 1_000_000_000),
    "add_xp": Limit(-10_000_000, 10_000_000),
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
    #: XP one message earns (per-message amount after the rate), computed once.
    message_xp: int = 0
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
        )


DEFAULT_SETTINGS = GuildSettings.from_config({})
