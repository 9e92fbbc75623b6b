"""The Unicornia cog: wires the services together and owns their lifecycle."""
from __future__ import annotations

import asyncio
import datetime
import io
import json
import logging
from pathlib import Path
from typing import Literal

import discord
from discord import app_commands
from redbot.core import Config, commands, errors
from redbot.core.bot import Red
from redbot.core.data_manager import bundled_data_path, cog_data_path
from redbot.core.i18n import cog_i18n

from .abc import CompositeMetaClass
from .api import ApiMixin
from .commands.hints import SHORTCUTS
from .commands import (ActivityAdminCommands, AdminCommands, CardCommands, ClubCommands, GoalAdminCommands,
                       GoalCommands, LevelCommands, PeriodCommands, SetupCommands, ShopCommands, TransferCommands,
                       WebCommands)
from .commands.web import GLOBAL_DEFAULTS as WEB_GLOBAL_DEFAULTS
from .core.notify import MEMBER_DEFAULTS as NOTIFY_MEMBER_DEFAULTS
from .core.settings import GUILD_DEFAULTS
from .i18n import _
from .db.store import StoreClosed, StoreRefused, XpStore
from .db.transfer import BACKUPS_DIR
from .systems.achievements import AchievementService
from .systems.goals import BASELINE_KEEP, GoalService
from .systems.importer import ImportService
from .systems.notify import NotifyPreferences
from .systems.periods import PeriodService
from .systems.rewards import RewardService
from .systems.settings import SettingsCache
from .systems.shop import ShopService
from .systems.card_generator import CardGenerator
from .systems.card_service import MEMBER_DEFAULTS as CARD_MEMBER_DEFAULTS, CardPreferences, CardService
from .systems.clubs import ClubService
from .systems.downloader import SafeDownloader
from .systems.gate import RedGate
from .systems.xp import SPILL_FILE, XpSystem
from .web import WebServer
from .web.data import WebData
from .web.privacy import MEMBER_DEFAULTS as WEB_MEMBER_DEFAULTS, WebPrivacy
from .web.site import WebSite

log = logging.getLogger("red.unicornia")

CONFIG_IDENTIFIER = 0x756E69636F726E  # "unicorn"
DB_FILE = "unicornia.db"
ACHIEVEMENTS_FILE = "achievements.yml"
DEFAULT_HISTORY_DAYS = 90
HISTORY_PRUNE_INTERVAL = 3600
#: How long an unload waits for commands already running (a card being drawn, say) to finish.
COMMAND_GRACE = 10.0

RequestType = Literal["discord_deleted_user", "owner", "user", "user_strict"]


def prefix_copy(command: commands.Command) -> commands.Command:
    """A prefix-only copy of a hybrid command (or group, with its subcommands): the same
    callback, checks and cooldowns, and no slash command of its own."""
    kwargs = {k: v for k, v in command.__original_kwargs__.items() if k not in ("parent", "with_app_command")}
    if isinstance(command, commands.Group):  # hybrid groups take hybrid subcommands only
        copy = commands.HybridGroup(command.callback, with_app_command=False, **kwargs)
        for sub in command.commands:
            copy.add_command(prefix_copy(sub))
    else:
        copy = commands.HybridCommand(command.callback, with_app_command=False, **kwargs)
    return copy


@cog_i18n(_)
class Unicornia(LevelCommands, PeriodCommands, CardCommands, ShopCommands, GoalCommands, ActivityAdminCommands,
                GoalAdminCommands, ClubCommands, TransferCommands, SetupCommands, AdminCommands, WebCommands, ApiMixin, commands.Cog, metaclass=CompositeMetaClass):
    """Levels and XP for your server: messages and voice earn XP, levels earn roles and currency."""

    def __init__(self, bot: Red) -> None:
        super().__init__()
        self.bot = bot
        self.config = Config.get_conf(self, identifier=CONFIG_IDENTIFIER, force_registration=True)
        self.config.register_guild(**GUILD_DEFAULTS, quests_seeded=False)
        self.config.register_global(history_days=DEFAULT_HISTORY_DAYS, **WEB_GLOBAL_DEFAULTS)
        self.config.register_member(**CARD_MEMBER_DEFAULTS, **NOTIFY_MEMBER_DEFAULTS, **WEB_MEMBER_DEFAULTS)
        self._pruner: asyncio.Task | None = None
        #: Tasks running one of this cog's commands: an unload lets them finish first.
        self._running: set[asyncio.Task] = set()
        self.data_path: Path = cog_data_path(self)
        self.settings = SettingsCache(self.config)
        self.store = XpStore(self.data_path / DB_FILE)
        self.gate = RedGate(bot, self.qualified_name)
        self.notify = NotifyPreferences(self.config)
        self.rewards = RewardService(self.settings, self.gate, audit=self.store.audit,
                                     notify_choice=self.notify.choice)

        def engine() -> XpSystem:  # achievements and goals call the engine that calls them
            return self.xp

        self.achievements = AchievementService(self.store, self.settings, Path(__file__).parent / ACHIEVEMENTS_FILE,
                                               engine=engine, announce=self.rewards.announce_event)
        self.goals = GoalService(self.store, self.settings, engine, self.achievements, bot,
                                 announce=self.rewards.announce_event)
        # achievements watch the engine's counters; each flush records and pays quests and goals
        self.xp = XpSystem(bot, self.store, self.settings, gate=self.gate, on_level_up=self.rewards.level_up,
                           milestones=self.achievements, plan_flush=self.goals.plan, on_settled=self.goals.settled)
        self.periods = PeriodService(bot, self.store, self.settings, engine, self.gate,
                                     announce=self.rewards.announce_event)
        bundled = bundled_data_path(self)
        self.shop = ShopService(self.store, data_path=self.data_path, bundled_root=bundled)
        self.cards = CardService(CardGenerator(bundled / "fonts"), SafeDownloader(), self.shop, bundled,
                                 CardPreferences(self.config, self.settings))
        self.clubs = ClubService(self.store, self.xp, self.cards)
        # Red's data folder is two levels above this cog's (<data>/cogs/Unicornia)
        self.importer = ImportService(bot, self.store, self.settings, self.xp, self.shop, self.data_path.parent.parent)
        # the optional web leaderboard: off until the owner enables it (then started in cog_load)
        self.web_privacy = WebPrivacy(self.config)
        self.web = WebServer(WebSite(self, WebData(self, self.web_privacy), bundled / "web"))

    def _add_shortcuts(self) -> None:
        """Place the :data:`SHORTCUTS` (``daily``, ``club`` ...): each is a top-level hybrid command
        (``[p]daily`` and ``/daily``) and also ``[p]level daily``, a prefix-only copy that always
        stays reachable. A top-level name another loaded cog already has is left to that cog,
        with a warning, never a failed load.

        Runs in ``cog_load``, before discord.py registers ``__cog_commands__`` with the bot."""
        keep, extra = [], []
        shortcuts = {name: self.__getattribute__(attr) for name, attr in SHORTCUTS.items()}
        for command in self.__cog_commands__:
            if command.parent is None and command.name in shortcuts:
                other = self.bot.get_command(command.name)
                if other is not None:
                    owner = other.cog_name or "a command without a cog"
                    log.warning("[p]%s is taken by %s; Unicornia's stays reachable as [p]level %s",
                                command.name, owner, command.name)
                    continue
            keep.append(command)
        for name, command in shortcuts.items():
            under_level = prefix_copy(command)
            self.level.add_command(under_level)
            extra.append(under_level)
            if isinstance(under_level, commands.Group):
                extra.extend(under_level.walk_commands())  # discord.py binds each of them to the cog
        kept = {c.qualified_name for c in keep}
        # subcommands of a dropped shortcut group go with it
        self.__cog_commands__ = (*(c for c in keep if c.root_parent is None or c.root_parent.qualified_name in kept),
                                 *extra)

    async def cog_load(self) -> None:
        self._add_shortcuts()
        try:
            await self.store.open()
        except StoreRefused as refused:  # a file that is not ours, or from a newer Unicornia
            log.error("Unicornia did not start: %s", refused)
            await self.store.close()
            await self.cards.close()
            raise errors.CogLoadError(str(refused)) from None
        self.xp.restore_spill(self.data_path / SPILL_FILE)
        await self.shop.load()
        await self.goals.start()
        self.xp.start()
        self.periods.start()
        self._pruner = asyncio.create_task(self._prune_history(), name="unicornia-history-pruner")
        await self.start_web()

    async def cog_unload(self) -> None:
        await self.web.stop()  # first: the port is free again whatever happens below
        if self._pruner is not None:
            self._pruner.cancel()
        # Red has already taken the commands away: no new one starts. Those running finish (or,
        # past the grace period, meet the closed store and are told Unicornia is restarting).
        running = self._running - {asyncio.current_task()}
        if running:
            await asyncio.wait(running, timeout=COMMAND_GRACE)
        try:
            await self.periods.stop()
            await self.goals.close()
            await self.xp.stop(self.data_path)
        finally:
            await self.store.close()
            await self.cards.close()

    async def cog_before_invoke(self, ctx: commands.Context) -> None:
        task = asyncio.current_task()  # the message's own task: it ends with the command
        if task is not None and task not in self._running:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def cog_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        """A command that outlived an unload's grace period says so. A slash command's cooldown,
        failed check, bad input or internal error is told to the caller alone (Red answers none of
        them for a slash command, and the member would see "The application did not respond").
        Everything else is Red's to handle."""
        root = error
        while getattr(root, "original", None) is not None:  # HybridCommandError, CommandInvokeError ...
            root = root.original
        if isinstance(root, StoreClosed):
            await ctx.send(_("Unicornia is restarting; try again in a moment."), ephemeral=True)
            return
        if ctx.interaction is None:
            await self.bot.on_command_error(ctx, error, unhandled_by_cog=True)
            return
        if isinstance(root, commands.CommandOnCooldown):
            again = discord.utils.utcnow() + datetime.timedelta(seconds=root.retry_after)
            text = _("This command is on cooldown. Try again {when}.").format(when=discord.utils.format_dt(again, "R"))
        elif isinstance(root, (commands.CheckFailure, app_commands.CheckFailure)):
            text = _("You can't use this command here.")
        elif isinstance(root, (commands.UserInputError, app_commands.TransformerError)) and str(root):
            text = str(root)
        else:
            log.error("Slash command %s failed for member %s in guild %s", ctx.command.qualified_name,
                      ctx.author.id, ctx.guild.id if ctx.guild else None, exc_info=root)
            text = _("Something went wrong; the bot owner can find the details in the log.")
        await ctx.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @commands.Cog.listener()
    async def on_message_without_command(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot:
            return
        try:
            # synchronous; awaits only when there is more to do (Red's rules are checked inside)
            pending = self.xp.observe_message(message)
            if pending is not None:
                await pending
        except Exception:
            log.exception(
                "XP for message %s by %s in guild %s failed", message.id, message.author.id, message.guild.id
            )

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        member = payload.member
        if payload.guild_id is None or member is None or member.bot:
            return
        try:
            channel = member.guild.get_channel_or_thread(payload.channel_id)
            await self.xp.handle_reaction(member, channel)
        except Exception:
            log.exception("Reaction XP for member %s in guild %s failed", member.id, payload.guild_id)

    @commands.Cog.listener()
    async def on_command_completion(self, ctx: commands.Context) -> None:
        self.gate.after_command(ctx)  # Red's blocklist, ignore or disablecog may have changed
        if ctx.guild is None or ctx.author.bot or not isinstance(ctx.author, discord.Member):
            return
        try:
            await self.xp.handle_command(ctx.author, ctx.channel)
        except Exception:
            log.exception("Command XP for member %s in guild %s failed", ctx.author.id, ctx.guild.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        try:
            if await self.gate.guild_disabled(member.guild):
                return
            settings = await self.settings.get(member.guild.id)
            if settings.rejoin_roles and settings.role_rewards:
                await self.rewards.sync_member(member, await self.xp.current_xp((member.guild.id, member.id)))
        except Exception:
            log.exception("Giving reward roles back to member %s in guild %s failed", member.id, member.guild.id)

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        self.gate.forget_member(member.guild.id, member.id)
        try:
            if await self.gate.guild_disabled(member.guild):
                return
        except Exception:
            log.exception("Reading whether Unicornia is disabled in guild %s failed", member.guild.id)
            return
        try:
            await self.store.leave_clubs_in_guild(member.guild.id, member.id)
        except Exception:
            log.exception("Taking member %s who left guild %s out of their club failed", member.id, member.guild.id)
        try:
            if (await self.settings.get(member.guild.id)).reset_on_leave:
                await self.xp.reset_member(member.guild.id, member.id, reason="left the server (reset on leave)")
        except Exception:
            log.exception("Resetting member %s who left guild %s failed", member.id, member.guild.id)

    async def _prune_history(self) -> None:
        while True:
            try:
                await self.prune_once()
            except Exception:
                log.exception("Pruning XP history and quest baselines failed; it runs again in an hour")
            await asyncio.sleep(HISTORY_PRUNE_INTERVAL)

    async def prune_once(self) -> None:
        """The hourly upkeep: history older than ``history_days``, expired boosts, and quest
        baselines nothing reads any more."""
        days = await self.config.history_days()
        removed = await self.store.prune_history(int(self.store.now()) - days * 86_400)
        if removed:
            log.info("Pruned %d XP history rows older than %d days", removed, days)
        await self.store.prune_goals(int(self.store.now()) - BASELINE_KEEP)
        thinned = await self.store.thin_baselines(self.goals.thinning_plan())
        if thinned:
            log.info("Dropped %d quest baselines no quest reads any more", thinned)

    @commands.Cog.listener()
    async def on_guild_channel_update(self, before, after) -> None:
        if before.category_id != after.category_id:
            self.settings.invalidate(after.guild.id)  # exclusions inherited from categories may change
            self.gate.forget_channels()  # and so may Red's ignores

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if before.roles != after.roles:  # Red's local allow and block lists can name roles
            self.gate.forget_member(after.guild.id, after.id)

    # --- data rights -------------------------------------------------------------------------
    async def red_delete_data_for_user(self, *, requester: RequestType, user_id: int) -> None:
        """Delete the user's XP, totals, shop items, achievements, streaks, quest progress, audit rows
        and club memberships in every guild, buffered gains and running boosts included (a club they
        own passes on), the same in every backup, and their card style, colour, level-up notification
        choice and web privacy choice."""
        await self.xp.delete_user(user_id)
        await self.store.delete_club_user(user_id)
        # and from every backup, or a restore would bring them back
        await self.store.delete_user_in_backups(self.data_path / BACKUPS_DIR, user_id)
        await self.cards.prefs.delete_user(user_id)
        await self.notify.delete_user(user_id)
        await self.web_privacy.delete_user(user_id)
        self.web.site.forget()  # no cached page or card of theirs is served again

    async def red_get_data_for_user(self, *, user_id: int) -> dict[str, io.BytesIO]:
        await self.xp.flush()  # gains still in memory are theirs too
        data = await self.store.user_data(user_id)
        data["clubs"] = await self.store.club_user_data(user_id)
        data["card"] = await self.cards.prefs.user_data(user_id)
        data["level_up_notifications"] = await self.notify.user_data(user_id)
        data["web_private"] = await self.web_privacy.user_data(user_id)
        return {"unicornia.json": io.BytesIO(json.dumps(data, indent=2).encode("utf-8"))}
