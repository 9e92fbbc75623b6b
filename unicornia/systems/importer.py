"""Moving in from NadekoBot or LevelUp, and the guild's settings that come along.

The store reads and writes (off the event loop, in one transaction); this service finds the
sources, maps rewards and exclusions onto the guilds' settings, and forgets cached XP that the
import changed.  Its notes, reasons and counts are for the owner who runs the import command,
in that command's language.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from redbot.core.utils.chat_formatting import humanize_number

from ..core.levels import MAX_LEVEL, NADEKO, Curve, CurveError
from ..core.transfer import ImportRefused, LevelUpGuild, RestoreRefused, listed_backup, parse_levelup, some
from ..core.templates import clip
from ..db.store import XpStore
from ..db.transfer import BACKUPS_DIR, BackupInfo, ImportResult, NadekoPlan, Progress, list_backups, read_backup
from ..i18n import _
from .settings import SettingsCache

log = logging.getLogger("red.unicornia.import")

LEVELUP_FILES = ("LevelUp.json", "settings.json")  # v4+ first: v3's file may be left behind, stale


@dataclass
class SettingsChanges:
    """Rewards and exclusions an import brings to each guild, and what it had to leave out."""

    role_rewards: dict[int, list[tuple[int, int, bool]]] = field(default_factory=dict)
    currency_rewards: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    excluded_channels: dict[int, list[int]] = field(default_factory=dict)
    excluded_roles: dict[int, list[int]] = field(default_factory=dict)
    xp_disabled: list[int] = field(default_factory=list)       # guilds where XP is turned off
    replace_roles: list[int] = field(default_factory=list)     # guilds keeping only the highest reward role
    curves: dict[int, Curve] = field(default_factory=dict)     # guilds taking the source's level curve
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count

    @property
    def counts(self) -> dict[str, int]:
        """How many of each setting the import brings, by what the owner reads (current language)."""
        return {
            _("role rewards"): sum(map(len, self.role_rewards.values())),
            _("currency rewards"): sum(map(len, self.currency_rewards.values())),
            _("excluded channels"): sum(map(len, self.excluded_channels.values())),
            _("excluded roles"): sum(map(len, self.excluded_roles.values())),
        }

    @property
    def guilds(self) -> set[int]:
        """Every guild whose settings the import changes (members' XP or not)."""
        return {*self.role_rewards, *self.currency_rewards, *self.excluded_channels, *self.excluded_roles,
                *self.xp_disabled, *self.replace_roles, *self.curves}


@dataclass
class LevelUpPlan:
    version: str
    path: Path
    guilds: list[LevelUpGuild]
    skipped: dict[str, int]

    @property
    def members(self) -> int:
        return sum(len(g.members) for g in self.guilds)

    @property
    def xp(self) -> int:
        return sum(xp for g in self.guilds for _user, xp, _messages, _voice in g.members)

    def rows(self) -> list[tuple[int, int, int, int, int, int]]:
        return [(g.guild_id, uid, xp, 0, messages, voice) for g in self.guilds for uid, xp, messages, voice in g.members]


class ImportService:
    def __init__(self, bot, store: XpStore, settings: SettingsCache, xp, shop, red_data_path: Path) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings
        self.xp = xp
        self.shop = shop
        self.red_data_path = red_data_path
        self._running = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._running.locked()

    def _guild_ids(self) -> set[int]:
        return {g.id for g in self.bot.guilds}

    # --- NadekoBot ---------------------------------------------------------------------------
    async def plan_nadeko(self, path: str) -> tuple[NadekoPlan, SettingsChanges]:
        source = self._source_file(path)
        plan = await self.store.plan_nadeko(source, self._guild_ids(), set(self.shop.config.backgrounds))
        changes = self._settings_changes(plan.role_rewards, plan.currency_rewards, plan.excluded_channels,
                                         plan.excluded_roles)
        changes.xp_disabled = list(plan.xp_disabled)
        for gid in plan.xp_disabled:
            guild = self.bot.get_guild(gid)
            changes.notes.append(_("{server} had XP turned off for the whole server in NadekoBot: Unicornia's XP is "
                                   "turned off there too (`xpenabled false`)").format(
                server=guild.name if guild else gid))
        for gid in plan.custom_curves:
            guild = self.bot.get_guild(gid)
            changes.notes.append(_("{server} used a custom level curve in NadekoBot: XP is imported as it is, so "
                                   "levels follow Unicornia's (NadekoBot's default) curve").format(
                server=guild.name if guild else gid))
        return plan, changes

    async def import_nadeko(self, path: str, progress: Progress, actor_id: Optional[int]) -> ImportResult:
        async with self._running:
            plan, changes = await self.plan_nadeko(path)
            guilds = set(plan.guilds)
            await self.xp.flush()
            result = await self.store.import_nadeko(self._source_file(path), guilds, progress, actor_id)
            await self._after_import(guilds | changes.guilds, changes)
            return result

    @staticmethod
    def _source_file(path: str) -> Path:
        source = Path(path.strip().strip("`\"'")).expanduser()
        try:
            found = source.is_file()
        except OSError:  # a name too long for the file system, say: no such file either
            found = False
        if not found:
            raise ImportRefused(_("there is no file at {path} (give the full path to NadekoBot's database, "
                                  "e.g. {example})").format(path=f"`{clip(str(source), 200)}`",
                                                           example="`/home/nadeko/data/NadekoBot.db`"))
        return source

    # --- LevelUp -----------------------------------------------------------------------------
    async def plan_levelup(self) -> tuple[LevelUpPlan, SettingsChanges]:
        folder = self.red_data_path / "cogs" / "LevelUp"
        found = next((folder / name for name in LEVELUP_FILES if (folder / name).is_file()), None)
        if found is None:
            raise ImportRefused(_("LevelUp's data is not in this Red instance (looked for {files} in {folder})").format(
                files=", ".join(LEVELUP_FILES), folder=f"`{folder}`"))
        try:
            data = await asyncio.to_thread(lambda: json.loads(found.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # nested too deep: RecursionError
            raise ImportRefused(_("{file} could not be read as JSON ({error}); nothing was imported").format(
                file=f"`{found.name}`", error=type(exc).__name__ if isinstance(exc, RecursionError) else exc)) from None
        try:
            version, guilds = await asyncio.to_thread(parse_levelup, data)
        except ImportRefused:
            raise
        except (TypeError, ValueError, OverflowError, RecursionError, AttributeError) as exc:  # a shape LevelUp never wrote
            raise ImportRefused(_("{file} could not be read as LevelUp's data ({error}); nothing was imported").format(
                file=f"`{found.name}`", error=type(exc).__name__)) from None
        wanted = self._guild_ids()
        kept, skipped = [], {}
        elsewhere = _("members of servers this bot is not in")
        for guild in guilds:
            for reason, n in guild.skipped.items():
                skipped[reason] = skipped.get(reason, 0) + n
            if guild.guild_id in wanted:
                kept.append(guild)
            elif guild.members:
                skipped[elsewhere] = skipped.get(elsewhere, 0) + len(guild.members)
        plan = LevelUpPlan(version, found, kept, skipped)
        roles, below_one, curves = {}, [], {}
        for guild in kept:  # LevelUp levels mapped by XP onto the server's curve (LevelUp's, when it can take it)
            current = (await self.settings.get(guild.guild_id)).curve
            curve = curves[guild.guild_id] = current
            same = levelup_curve(guild.curve)
            if current == NADEKO and same is not None:
                curve = curves[guild.guild_id] = same
            mapped = []
            for level, role in guild.level_roles:
                ours = curve.level(guild.curve.xp_for(level))
                if ours >= 1:
                    mapped.append((ours, role, False))
                else:  # Unicornia gives no reward at level 0: say which roles are left out
                    found = self.bot.get_guild(guild.guild_id)
                    found = found.get_role(role) if found else None
                    below_one.append(_("{role} at LevelUp level {level}").format(
                        role=f"@{found.name}" if found else role, level=level))
            roles[guild.guild_id] = mapped
        changes = self._settings_changes(roles, {}, {g.guild_id: g.ignored_channels for g in kept},
                                         {g.guild_id: g.ignored_roles for g in kept})
        if below_one:
            changes.skip(_("level roles whose XP is Unicornia level 0 ({roles})").format(roles=some(below_one)),
                         len(below_one))
        changes.curves = {gid: curve for gid, curve in curves.items() if curve != NADEKO}
        for guild in kept:
            found = self.bot.get_guild(guild.guild_id)
            name = found.name if found else guild.guild_id
            current = (await self.settings.get(guild.guild_id)).curve
            if current != NADEKO:
                changes.notes.append(_("{server} keeps its own level curve ({formula}): LevelUp's levels are "
                                       "mapped onto it by XP").format(server=name, formula=current.formula()))
            elif guild.guild_id in changes.curves:
                changes.notes.append(_("{server} takes LevelUp's level curve ({formula}), so members keep their "
                                       "levels and level roles their levels").format(
                    server=name, formula=changes.curves[guild.guild_id].formula()))
        changes.replace_roles = [g.guild_id for g in kept if g.autoremove]
        for gid in changes.replace_roles:
            guild = self.bot.get_guild(gid)
            changes.notes.append(_("{server} kept only the highest level role in LevelUp (autoremove): Unicornia "
                                   "does the same (`rolemode replace`)").format(server=guild.name if guild else gid))
        for guild in kept:
            for level, _role in guild.level_roles:
                xp = guild.curve.xp_for(level)
                changes.notes.append(_("LevelUp level {level} ({xp} XP) is Unicornia level {ours}").format(
                    level=level, xp=humanize_number(xp), ours=curves[guild.guild_id].level(xp)))
        return plan, changes

    async def import_levelup(self, progress: Progress, actor_id: Optional[int]) -> ImportResult:
        async with self._running:
            plan, changes = await self.plan_levelup()
            await self.xp.flush()
            result = await self.store.import_rows("levelup", plan.rows(), progress, actor_id, "LevelUp import")
            await self._after_import({g.guild_id for g in plan.guilds} | changes.guilds, changes)
            return result

    # --- a backup of Unicornia's own ---------------------------------------------------------
    @property
    def backups(self) -> Path:
        """The folder ``[p]unicornia backup`` writes to (beside the database)."""
        return self.store.path.parent / BACKUPS_DIR

    async def list_backups(self) -> list[tuple[str, float, int]]:
        """(name, written at, bytes) of each backup, newest first."""
        return await asyncio.to_thread(list_backups, self.backups)

    async def plan_restore(self, name: str) -> BackupInfo:
        """The dry run: the backup named as listed, checked; RestoreRefused for any other name
        (a path, ``..``) or a file that is not a sound Unicornia database."""
        chosen = listed_backup(name, [listed for listed, _at, _size in await self.list_backups()])
        if chosen is None:
            raise RestoreRefused(_("{name} is not one of the backups in {folder}; give a name exactly as listed").format(
                name=f"`{name.strip()[:100]}`", folder=f"`{BACKUPS_DIR}/`"))
        return await asyncio.to_thread(read_backup, self.backups / chosen)

    async def restore(self, name: str, goals) -> tuple[BackupInfo, Path]:
        """Put a listed backup in place of the database: buffered gains written, the database as
        it was backed up, the file checked again, then every cache read afresh.  Returns what was
        restored and where the database as it was went."""
        async with self._running:
            info = await self.plan_restore(name)  # again: the file may have changed since the dry run
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.store.now()))
            before = self.backups / f"unicornia-before-restore-{stamp}.db"
            for again in range(2, 1000):  # never over an existing backup (the one being restored, say)
                if not before.exists():
                    break
                before = self.backups / f"unicornia-before-restore-{stamp}-{again}.db"

            async def swap() -> BackupInfo:
                await self.store.backup_to(before)
                await self.store.pause_reader()
                return await self.store.restore_from(self.backups / info.name, before)

            info = await self.xp.replace_database(swap)
            await goals.reload()
            return info, before

    # --- both --------------------------------------------------------------------------------
    def _settings_changes(self, role_rewards, currency_rewards, channels, roles) -> SettingsChanges:
        """Keep what still exists in the guild; count what does not."""
        changes = SettingsChanges()
        for gid, rewards in role_rewards.items():
            guild = self.bot.get_guild(gid)
            for level, role_id, remove in rewards:
                if guild is None or guild.get_role(role_id) is None:
                    changes.skip(_("role rewards whose role no longer exists"))
                elif not 1 <= level <= MAX_LEVEL:
                    changes.skip(_("role rewards at an impossible level"))
                else:
                    changes.role_rewards.setdefault(gid, []).append((level, role_id, remove))
        for gid, rewards in currency_rewards.items():
            for level, amount in rewards:
                if 1 <= level <= MAX_LEVEL:
                    changes.currency_rewards.setdefault(gid, []).append((level, amount))
                else:
                    changes.skip(_("currency rewards at an impossible level"))
        gone_channels = _("excluded channels that no longer exist")
        gone_roles = _("excluded roles that no longer exist")
        for source, target, is_channel in ((channels, changes.excluded_channels, True),
                                           (roles, changes.excluded_roles, False)):
            for gid, ids in source.items():
                guild = self.bot.get_guild(gid)
                for item in ids:
                    exists = guild is not None and (guild.get_channel(item) if is_channel
                                                    else guild.get_role(item)) is not None
                    if exists:
                        target.setdefault(gid, []).append(item)
                    else:
                        changes.skip(gone_channels if is_channel else gone_roles)
        return changes

    async def _after_import(self, guilds: set[int], changes: SettingsChanges) -> None:
        """Merge rewards and exclusions into the guilds' settings (existing ones win) and forget
        the cached XP of the imported guilds, which is read again from the database."""
        for gid in guilds:
            async def merge(group, gid=gid) -> None:
                async with group.role_rewards() as role_rewards:
                    for level, role_id, remove in changes.role_rewards.get(gid, []):
                        entries = role_rewards.setdefault(str(level), [])
                        if not any(e["role"] == role_id for e in entries):
                            entries.append({"role": role_id, "remove": remove})
                async with group.currency_rewards() as currency:
                    for level, amount in changes.currency_rewards.get(gid, []):
                        currency.setdefault(str(level), amount)
                for field_name, ids in (("excluded_channels", changes.excluded_channels.get(gid, [])),
                                        ("excluded_roles", changes.excluded_roles.get(gid, []))):
                    async with getattr(group, field_name)() as current:
                        current.extend(i for i in ids if i not in current)
                if gid in changes.xp_disabled:
                    await group.enabled.set(False)
                if gid in changes.replace_roles:
                    await group.role_mode.set("replace")
                if gid in changes.curves and not (await group.curve()):  # never over an admin's own curve
                    await group.curve.set(changes.curves[gid].to_config())
            await self.settings.update(gid, merge)
        self.xp.forget_guilds(guilds)


def levelup_curve(source) -> Optional[Curve]:
    """LevelUp's curve (total XP = ceil(base * L ** exp)) as the same custom curve here, when one
    gives exactly the same totals: a whole exponent of 1, 2 or 3 and a whole base."""
    base, exp = source.base, source.exp
    if float(exp) not in (1.0, 2.0, 3.0) or not float(base).is_integer() or base <= 0:
        return None
    numbers = [0, 0, 0]
    numbers[3 - int(exp)] = int(base)  # a·L³ + b·L² + c·L
    try:
        return Curve.of("custom", numbers)
    except CurveError:
        return None
