"""The Unicornia cog: wires the services together and owns their lifecycle."""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Literal

import discord
from redbot.core import Config, commands
from redbot.core.bot import Red
from redbot.core.data_manager import bundled_data_path, cog_data_path

from .abc import CompositeMetaClass
from .commands import AdminCommands, LevelCommands, ShopCommands
from .core.settings import GUILD_DEFAULTS
from .db.store import XpStore
from .systems.rewards import RewardService
from .systems.settings import SettingsCache
from .systems.shop import ShopService
from .systems.card_generator import CardGenerator
from .systems.card_service import CardService
from .systems.downloader import SafeDownloader
from .systems.xp_system import SPILL_FILE, XpSystem

log = logging.getLogger("red.unicornia")

CONFIG_IDENTIFIER = 0x756E69636F726E  # "unicorn"
DB_FILE = "unicornia.db"

RequestType = Literal["discord_deleted_user", "owner", "user", "user_strict"]


class Unicornia(LevelCommands, ShopCommands, AdminCommands, commands.Cog, metaclass=CompositeMetaClass):
    """Levels and XP for your server: messages and voice earn XP, levels earn roles and currency."""

    def __init__(self, bot: Red) -> None:
        super().__init__()
        self.bot = bot
        self.config = Config.get_conf(self, identifier=CONFIG_IDENTIFIER, force_registration=True)
        self.config.register_guild(**GUILD_DEFAULTS)
        self.data_path: Path = cog_data_path(self)
        self.settings = SettingsCache(self.config)
        self.store = XpStore(self.data_path / DB_FILE)
        self.rewards = RewardService(self.settings)
        self.xp = XpSystem(bot, self.store, self.settings, on_level_up=self.rewards.level_up)
        bundled = bundled_data_path(self)
        self.shop = ShopService(self.store, data_path=self.data_path, bundled_root=bundled)
        self.cards = CardService(CardGenerator(bundled / "fonts"), SafeDownloader(), self.shop, bundled)

    async def cog_load(self) -> None:
        await self.store.open()
        self.xp.restore_spill(self.data_path / SPILL_FILE)
        await self.shop.load()
        self.xp.start()

    async def cog_unload(self) -> None:
        try:
            await self.xp.stop(self.data_path)
        finally:
            await self.store.close()
            await self.cards.close()

    @commands.Cog.listener()
    async def on_message_without_command(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot:
            return
        try:
            if await self.bot.cog_disabled_in_guild(self, message.guild):
                return
            await self.xp.handle_message(message)
        except Exception:
            log.exception(
                "XP for message %s by %s in guild %s failed", message.id, message.author.id, message.guild.id
            )

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before, after) -> None:
        if before.category_id != after.category_id:
            self.settings.invalidate(after.guild.id)  # exclusions inherited from categories may change

    # --- data rights -------------------------------------------------------------------------
    async def red_delete_data_for_user(self, *, requester: RequestType, user_id: int) -> None:
        """Delete the user's XP, totals and shop items in every guild, buffered gains included."""
        await self.xp.delete_user(user_id)

    async def red_get_data_for_user(self, *, user_id: int) -> dict[str, io.BytesIO]:
        data = await self.store.user_data(user_id)
        return {"unicornia.json": io.BytesIO(json.dumps(data, indent=2).encode("utf-8"))}
