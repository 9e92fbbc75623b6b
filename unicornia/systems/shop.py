"""The XP shop: its configuration file, purchases through Red's bank, and what members have equipped."""
from __future__ import annotations

import asyncio
import enum
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import discord
from redbot.core import bank
from redbot.core.bank import errors as bank_errors

from ..core.locks import KeyedLocks
from ..core.shop_config import (DEFAULT_KEY, ITEM_TYPE_BACKGROUND, MAX_CONFIG_BYTES, ShopConfig, ShopConfigError,
                                ShopItem, parse_shop_config)
from ..db.store import XpStore
from ..i18n import _

log = logging.getLogger("red.unicornia.shop")

CONFIG_NAME = "xp_config.yml"
SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / CONFIG_NAME


class BuyStatus(enum.Enum):
    BOUGHT = "bought"
    UNKNOWN = "unknown"
    ALREADY_OWNED = "already owned"
    CANT_AFFORD = "can't afford"
    REFUNDED = "failed and refunded"


class UseStatus(enum.Enum):
    EQUIPPED = "equipped"
    UNKNOWN = "unknown"
    NOT_OWNED = "not owned"
    ALREADY_USING = "already using"


@dataclass(frozen=True, slots=True)
class BuyResult:
    status: BuyStatus
    item: Optional[ShopItem] = None
    balance: Optional[int] = None


@dataclass(frozen=True, slots=True)
class OwnedItem:
    item: ShopItem
    in_use: bool


async def refund(member: discord.Member, amount: int) -> int:
    """Give ``amount`` back; above the bank's maximum the account is filled to the maximum,
    as Red's own Economy does.  Returns what was actually credited."""
    try:
        await bank.deposit_credits(member, amount)
        return amount
    except bank_errors.BalanceTooHigh as exc:
        before = await bank.get_balance(member)
        await bank.set_balance(member, exc.max_balance)
        return exc.max_balance - before


class ShopService:
    def __init__(self, store: XpStore, *, data_path: Path, bundled_root: Path) -> None:
        self.store = store
        self.config_path = data_path / CONFIG_NAME
        self.bundled_root = bundled_root
        self.config: ShopConfig = parse_shop_config(SHIPPED_CONFIG.read_bytes(), bundled_root=bundled_root)
        #: Why the owner's file was refused when the cog loaded, while the shop runs on the shipped
        #: default because of it (None once a file is applied); shown to the owner in [p]xpshop.
        self.refused: Optional[str] = None
        # one lock per member: two buys at once must not both pass the balance check
        self._lock = KeyedLocks()  # one purchase per member at a time
        self._reloading = asyncio.Lock()  # reloads apply in the order they were asked for

    # --- configuration -----------------------------------------------------------------------
    async def load(self) -> None:
        """Use the owner's copy in the data folder, creating it from the shipped file the first time.

        Never raises: a file that can't be read or is refused leaves the shipped default in place,
        with a warning in the log and :attr:`refused` set for the owner to see (in the language
        current when the cog loads: the bot's, as no command is running)."""
        try:
            if not self.config_path.exists():
                await asyncio.to_thread(shutil.copyfile, SHIPPED_CONFIG, self.config_path)
                log.info("Copied the default shop config to %s", self.config_path)
            await self.reload()
        except (ShopConfigError, OSError) as exc:
            self.refused = (str(exc) if isinstance(exc, ShopConfigError)
                            else _("it can't be read ({error})").format(error=exc.strerror))
        except Exception:
            log.exception("Loading the shop config %s failed", self.config_path)
            self.refused = _("loading it failed (the bot's log has the details)")
        if self.refused is not None:
            log.warning("The shop config %s was refused: %s; the shop uses the shipped default until the file is "
                        "fixed and [p]xpshop reload is run", self.config_path, self.refused)

    async def reload(self) -> ShopConfig:
        """Read and validate the file in a worker thread (the event loop never waits on a big or
        hostile file); on any problem raise :class:`ShopConfigError` or ``OSError`` and keep the
        current config.  ``asyncio.to_thread`` copies this task's context, so the error's text is
        in the caller's language."""
        async with self._reloading:
            try:
                config = await asyncio.to_thread(self._read_config)
            except ShopConfigError as exc:
                if self.refused is not None:
                    self.refused = str(exc)  # still on the shipped default: the reason is the latest one
                raise
            self.config, self.refused = config, None
            return config

    def _read_config(self) -> ShopConfig:
        """Blocking: read at most one byte over the limit (so a huge file is refused unread) and parse."""
        with open(self.config_path, "rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
        return parse_shop_config(raw, bundled_root=self.bundled_root)

    def bundled_file(self, item: ShopItem) -> Optional[Path]:
        return self.bundled_root / item.file if item.file else None

    # --- buying and using --------------------------------------------------------------------
    async def buy(self, member: discord.Member, key: str) -> BuyResult:
        item = self.config.get(key)
        if item is None or item.hidden:
            return BuyResult(BuyStatus.UNKNOWN)
        async with self._lock(member.id):
            if item.key == DEFAULT_KEY or await self.store.owns(member.id, item.item_type, item.key):
                return BuyResult(BuyStatus.ALREADY_OWNED, item)
            if item.price:
                try:
                    await bank.withdraw_credits(member, item.price)
                except ValueError:
                    return BuyResult(BuyStatus.CANT_AFFORD, item, await bank.get_balance(member))
            try:
                await self.store.record_purchase(member.guild.id, member.id, item.item_type, item.key, item.price)
            except Exception:
                log.exception("Recording the purchase of %r by %s in guild %s failed; refunding %s",
                              item.key, member.id, member.guild.id, item.price)
                if item.price:
                    credited = await refund(member, item.price)
                    await self._log_refund(member, item, credited)
                return BuyResult(BuyStatus.REFUNDED, item, await bank.get_balance(member))
            return BuyResult(BuyStatus.BOUGHT, item, await bank.get_balance(member))

    async def _log_refund(self, member: discord.Member, item: ShopItem, amount: int) -> None:
        try:
            await self.store.log_refund(member.guild.id, member.id, item.item_type, item.key, amount)
        except Exception:
            log.exception("Could not record the refund of %s to %s", amount, member.id)

    async def use(self, member: discord.Member, key: str) -> tuple[UseStatus, Optional[ShopItem]]:
        item = self.config.get(key)
        if item is None:
            return UseStatus.UNKNOWN, None
        async with self._lock(member.id):
            current = await self.equipped(member.id)
            if current.key == item.key:
                return UseStatus.ALREADY_USING, item
            if item.key == DEFAULT_KEY:
                await self.store.equip(member.guild.id, member.id, item.item_type, None)
                return UseStatus.EQUIPPED, item
            if not await self.store.owns(member.id, item.item_type, item.key):
                # a hidden item is off sale: not owning it, it is as unknown as a key the shop lacks
                return (UseStatus.UNKNOWN, None) if item.hidden else (UseStatus.NOT_OWNED, item)
            await self.store.equip(member.guild.id, member.id, item.item_type, item.key)
            return UseStatus.EQUIPPED, item

    async def owned(self, user_id: int) -> list[OwnedItem]:
        """Owned items still in the config (the default always), marking the one in use."""
        rows = await self.store.owned_items(user_id, ITEM_TYPE_BACKGROUND)
        items = self.config.backgrounds
        owned = [OwnedItem(items[key], using) for key, using in rows if key in items and key != DEFAULT_KEY]
        using_default = not any(o.in_use for o in owned)
        return [OwnedItem(self.config.default, using_default), *owned]

    async def owned_keys(self, user_id: int) -> set[str]:
        return {o.item.key for o in await self.owned(user_id)}

    async def equipped(self, user_id: int) -> ShopItem:
        """The background in use; an item removed from the config falls back to the default."""
        key = await self.store.using(user_id, ITEM_TYPE_BACKGROUND)
        return self.config.backgrounds.get(key) or self.config.default if key else self.config.default
