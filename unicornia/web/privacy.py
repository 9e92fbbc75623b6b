"""Members who hide themselves from the web (``[p]level private``): kept in Red's Config (member
scope), read by the pages from a per-guild set built once and updated by every change."""
from __future__ import annotations

from typing import Any

from redbot.core import Config

from ..core.lru import LRUCache

#: Registered by the cog with the other member defaults.
MEMBER_DEFAULTS: dict[str, Any] = {"web_private": False}
#: Guilds whose set of private members is kept in memory.
GUILDS_KEPT = 1_000


class WebPrivacy:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._private: LRUCache[int, frozenset[int]] = LRUCache(GUILDS_KEPT)

    async def private_in(self, guild_id: int) -> frozenset[int]:
        """Ids of the guild's members who hide themselves on the web."""
        found = self._private.get(guild_id)
        if found is None:
            members = await self.config.all_members(_GuildRef(guild_id))
            found = frozenset(uid for uid, data in members.items() if data.get("web_private"))
            self._private.put(guild_id, found)
        return found

    async def is_private(self, guild_id: int, user_id: int) -> bool:
        return user_id in await self.private_in(guild_id)

    async def set_private(self, guild_id: int, user_id: int, private: bool) -> None:
        await self.config.member_from_ids(guild_id, user_id).web_private.set(private)
        self._private.pop(guild_id)

    async def delete_user(self, user_id: int) -> None:
        """Forget the user's choice in every server (Red's data deletion).  Every server's kept set
        goes too: another part of the deletion may have cleared the member's settings already, so
        the stored choice can no longer say which servers knew it."""
        for guild_id, members in (await self.config.all_members()).items():
            if user_id in members:
                await self.config.member_from_ids(guild_id, user_id).web_private.clear()
        self._private.clear()

    async def user_data(self, user_id: int) -> dict[str, bool]:
        """The user's choice by server id, where they made one (Red's data export)."""
        return {str(guild_id): bool(members[user_id].get("web_private"))
                for guild_id, members in (await self.config.all_members()).items()
                if user_id in members and "web_private" in members[user_id]}


class _GuildRef:
    """What ``Config.all_members`` reads from a guild: its id."""

    def __init__(self, guild_id: int) -> None:
        self.id = guild_id
