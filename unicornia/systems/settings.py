"""An in-memory view of each guild's settings, so the per-message path never touches Config."""
from __future__ import annotations

from typing import Awaitable, Callable

from redbot.core import Config

from ..core.settings import GuildSettings


class SettingsCache:
    """Builds :class:`GuildSettings` from Config once per guild; admins' changes invalidate it."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._by_guild: dict[int, GuildSettings] = {}
        #: Told the guild whose settings were dropped (the XP engine forgets who it admitted
        #: there); see :meth:`listen`.
        self._listeners: list[Callable[[int], None]] = []

    def listen(self, invalidated: Callable[[int], None]) -> None:
        """Call ``invalidated(guild_id)`` whenever a guild's settings are dropped."""
        self._listeners.append(invalidated)

    def cached(self, guild_id: int) -> GuildSettings | None:
        return self._by_guild.get(guild_id)

    @property
    def loaded(self) -> dict[int, GuildSettings]:
        """The settings already built, by guild id (read-only use: the hot path's fast look-up)."""
        return self._by_guild

    async def get(self, guild_id: int) -> GuildSettings:
        settings = self._by_guild.get(guild_id)
        if settings is None:
            raw = await self._config.guild_from_id(guild_id).all()
            settings = GuildSettings.from_config(raw)
            self._by_guild[guild_id] = settings
        return settings

    def invalidate(self, guild_id: int) -> None:
        self._by_guild.pop(guild_id, None)
        for invalidated in self._listeners:
            invalidated(guild_id)

    async def update(self, guild_id: int, change: Callable[[Config], Awaitable[None]]) -> GuildSettings:
        """Apply ``change`` to the guild's Config group, then rebuild the cached view."""
        await change(self._config.guild_from_id(guild_id))
        self.invalidate(guild_id)
        return await self.get(guild_id)

    def max_cooldown(self) -> int:
        return max((s.cooldown for s in self._by_guild.values()), default=60)

    def max_thanks_cooldown(self) -> int:
        return max((s.thanks_cooldown for s in self._by_guild.values()), default=600)
