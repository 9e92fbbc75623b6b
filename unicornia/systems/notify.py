"""Each member's ``[p]level notify`` choice, per server, in Red's Config (member scope; the cog
registers :data:`~..core.notify.MEMBER_DEFAULTS`). Read once per level-up, written by the command."""
from __future__ import annotations

import discord
from redbot.core import Config

from ..core.notify import DEFAULT_NOTIFY, NOTIFY_CHOICES


class NotifyPreferences:
    def __init__(self, config: Config) -> None:
        self.config = config

    async def choice(self, member: discord.Member) -> str:
        """One of :data:`NOTIFY_CHOICES`; ``server`` when the member never chose."""
        stored = await self.config.member(member).notify()
        return stored if stored in NOTIFY_CHOICES else DEFAULT_NOTIFY

    async def set_choice(self, member: discord.Member, choice: str) -> None:
        if choice not in NOTIFY_CHOICES:
            raise ValueError(f"unknown notify choice {choice!r}")
        group = self.config.member(member).notify
        if choice == DEFAULT_NOTIFY:
            await group.clear()  # nothing kept for a member who follows the server
        else:
            await group.set(choice)

    async def delete_user(self, user_id: int) -> None:
        """Forget the user's choice in every server (Red's data deletion)."""
        for guild_id, members in (await self.config.all_members()).items():
            if user_id in members:
                await self.config.member_from_ids(guild_id, user_id).notify.clear()

    async def user_data(self, user_id: int) -> dict[str, str]:
        """The user's choice by server id, where they made one (Red's data export)."""
        return {str(guild_id): members[user_id]["notify"]
                for guild_id, members in (await self.config.all_members()).items()
                if user_id in members and members[user_id].get("notify", DEFAULT_NOTIFY) != DEFAULT_NOTIFY}
