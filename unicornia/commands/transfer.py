"""Moving in and out: imports from NadekoBot and LevelUp (owner), CSV export (admin), backup (owner)."""
from __future__ import annotations

import asyncio
import gzip
import io
import logging
import time
from typing import Awaitable, Callable, Optional

import discord
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number

from ..abc import MixinMeta
from ..i18n import _, decimal
from .confirm import confirm
from .hints import with_prefix
from ..core.templates import clip
from ..core.transfer import ImportRefused, RestoreRefused, progress_text, some, summarize
from ..db.transfer import BACKUPS_DIR, BackupInfo, ImportResult, Progress
from ..db.worker import StoreClosed
from .admin import AdminCommands
from .replies import NO_PINGS, send_long

log = logging.getLogger("red.unicornia.import")
#: How often a running import edits its progress message.
PROGRESS_EVERY = 3.0
#: Exports larger than this (or the guild's upload limit) are gzipped.
EXPORT_GZIP_OVER = 8 * 1024 * 1024


def would_import(members: int, servers: int, xp: int, *, levelup: bool = False) -> str:
    """The plan's headline: how many members in how many servers, how much XP."""
    one_member, one_server = members == 1, servers == 1
    if levelup:
        if one_member:
            text = (_("Would import **1** member in **1** server, {xp} XP in all (prestige included), with messages "
                      "and voice time.") if one_server else
                    _("Would import **1** member in **{servers}** servers, {xp} XP in all (prestige included), with "
                      "messages and voice time."))
        else:
            text = (_("Would import **{members}** members in **1** server, {xp} XP in all (prestige included), with "
                      "messages and voice time.") if one_server else
                    _("Would import **{members}** members in **{servers}** servers, {xp} XP in all (prestige "
                      "included), with messages and voice time."))
    elif one_member:
        text = (_("Would import **1** member in **1** server, {xp} XP in all.") if one_server
                else _("Would import **1** member in **{servers}** servers, {xp} XP in all."))
    else:
        text = (_("Would import **{members}** members in **1** server, {xp} XP in all.") if one_server
                else _("Would import **{members}** members in **{servers}** servers, {xp} XP in all."))
    return text.format(members=humanize_number(members), servers=servers, xp=humanize_number(xp))


def imported_text(result: ImportResult, prefix: str) -> str:
    """What an import did, and the roles sync it leaves to do."""
    members = (_("1 member changed") if result.members_changed == 1
               else _("{count} members changed").format(count=humanize_number(result.members_changed)))
    items = (_("1 background added") if result.items_added == 1
             else _("{count} backgrounds added").format(count=humanize_number(result.items_added)))
    done = _("Imported: {members}, {xp} XP added, {backgrounds}; {rows} rows read in {seconds} s.").format(
        members=members, xp=humanize_number(result.xp_added), backgrounds=items,
        rows=humanize_number(result.rows_read), seconds=decimal(result.seconds, 1))
    return done + " " + _("Run `{prefix}unicornia guild roles sync` in each server to hand out reward roles for the "
                          "imported levels.").format(prefix=prefix)


class TransferCommands(MixinMeta):
    @AdminCommands.unicornia.group(name="import")
    @commands.is_owner()
    async def import_group(self, ctx: commands.Context) -> None:
        """Bring members' XP in from another leveling bot (bot owner)."""

    @import_group.command(name="nadeko")
    async def import_nadeko(self, ctx: commands.Context, *, path: str) -> None:
        """Import from NadekoBot's database.

        XP, backgrounds, rewards and exclusions, from its SQLite file.

        Shows what would be imported first and asks for `yes`. Importing again adds only what
        changed in NadekoBot since, so nobody's XP is doubled.
        Example: `[p]unicornia import nadeko /home/nadeko/data/NadekoBot.db`
        """
        try:
            plan, changes = await self.importer.plan_nadeko(path)
        except ImportRefused as exc:
            await ctx.send(with_prefix(ctx, _("Nothing was imported: {reason}.").format(reason=exc)))
            return
        schema = plan.schema
        lines = [_("**NadekoBot database** (schema {version}, last migration `{migration}`)").format(
                     version=schema.version, migration=schema.last_migration or _("unknown")),
                 would_import(plan.members, len(plan.guilds), plan.xp)]
        if plan.items_known or plan.items_unknown:
            known = sum(plan.items_known.values())
            lines.append(_("Backgrounds: {count} owned with keys your shop has.").format(count=humanize_number(known)))
            if plan.items_unknown:
                lines.append(_("Keys your shop does not have (imported as owned; add them to `xp_config.yml` to show "
                               "them): {keys}").format(
                                 keys=some([f"`{clip(k, 60)}` ({n})" for k, n in plan.items_unknown.items()])))
        lines.append(_("Settings: {summary} (merged; existing settings win).").format(
            summary=summarize(changes.counts)))
        skipped = {**plan.skipped, **changes.skipped}
        lines.append(_("Skipped: {summary}.").format(summary=summarize(skipped)))
        lines.extend(_("Note: {note}").format(note=note) for note in changes.notes)
        if not plan.guilds and not changes.guilds:
            lines.append(_("None of these servers has this bot in it: there is nothing to import."))
            await send_long(ctx, lines)
            return
        await self._confirm_and_run(ctx, lines, lambda progress: self.importer.import_nadeko(path, progress,
                                                                                              ctx.author.id))

    @import_group.command(name="levelup")
    async def import_levelup(self, ctx: commands.Context) -> None:
        """Import vertyco's LevelUp data.

        From this Red instance, by XP (not by level).

        Example: `[p]unicornia import levelup`
        """
        try:
            plan, changes = await self.importer.plan_levelup()
        except ImportRefused as exc:
            await ctx.send(with_prefix(ctx, _("Nothing was imported: {reason}.").format(reason=exc)))
            return
        lines = [_("**LevelUp data** ({version}, `{file}`)").format(version=plan.version, file=plan.path.name),
                 would_import(plan.members, len(plan.guilds), plan.xp, levelup=True),
                 _("Settings: {summary} (merged; existing settings win).").format(summary=summarize(changes.counts)),
                 _("Skipped: {summary}.").format(summary=summarize({**plan.skipped, **changes.skipped}))]
        lines.extend(_("Note: {note}").format(note=note) for note in changes.notes[:20])
        if not plan.guilds and not changes.guilds:
            lines.append(_("None of these servers has this bot in it: there is nothing to import."))
            await send_long(ctx, lines)
            return
        await self._confirm_and_run(ctx, lines, lambda progress: self.importer.import_levelup(progress, ctx.author.id))

    async def _confirm_and_run(self, ctx: commands.Context, lines: list[str],
                               start: Callable[[Progress], Awaitable[ImportResult]]) -> None:
        if self.importer.busy:
            await ctx.send(_("An import is already running; wait for it to finish."))
            return
        await send_long(ctx, lines)
        if not await confirm(ctx, _("Nothing has been written yet."), nothing=_("nothing was imported"), timeout=60):
            return
        progress = Progress()
        message = await ctx.send(progress_text("Starting", 0, 0, 0))
        job = asyncio.create_task(start(progress))
        while not job.done():
            await asyncio.wait({job}, timeout=PROGRESS_EVERY)
            if not job.done():
                await _edit(message, progress_text(progress.phase, progress.done, progress.total, progress.rate()))
        try:
            result = job.result()
        except ImportRefused as exc:
            await _edit(message, progress_text("Stopped", progress.done, progress.total, progress.rate()))
            await ctx.send(with_prefix(ctx, _("Nothing was imported: {reason}.").format(reason=exc)))
            return
        except StoreClosed:  # the cog unloaded meanwhile: nothing was written (see cog_command_error)
            await _edit(message, progress_text("Stopped", progress.done, progress.total, progress.rate()))
            raise
        except Exception:
            log.exception("Import failed in guild %s", ctx.guild.id if ctx.guild else None)
            await _edit(message, progress_text("Failed", progress.done, progress.total, progress.rate()))
            await ctx.send(_("The import failed and was rolled back: nothing was written. The bot's log has the "
                             "details."))
            return
        await _edit(message, progress_text("Done", result.rows_read, result.rows_read, progress.rate()))
        await ctx.send(imported_text(result, ctx.clean_prefix))

    # --- export and backup -------------------------------------------------------------------
    @AdminCommands.guild_group.command(name="export")
    async def export(self, ctx: commands.Context) -> None:
        """Send this server's stats as a CSV file (highest XP first).

        Example: `[p]unicornia guild export`
        """
        await self.xp.flush()
        data, rows = await self.store.export_csv(ctx.guild.id, (await self.settings.get(ctx.guild.id)).curve)
        name = f"unicornia-{ctx.guild.id}-{time.strftime('%Y%m%d', time.gmtime(self.store.now()))}.csv"
        limit = min(getattr(ctx.guild, "filesize_limit", EXPORT_GZIP_OVER), EXPORT_GZIP_OVER)
        if len(data) > limit:
            data = await asyncio.to_thread(gzip.compress, data)
            name += ".gz"
        if len(data) > getattr(ctx.guild, "filesize_limit", 25 * 1024 * 1024):
            await ctx.send(_("The export ({size} MB compressed) is larger than this server's upload limit; ask the "
                             "bot owner for `{prefix}unicornia backup`.").format(
                               size=decimal(len(data) / 1024 / 1024, 1), prefix=ctx.clean_prefix))
            return
        await ctx.send(_("1 member.") if rows == 1 else _("{count} members.").format(count=humanize_number(rows)),
                       file=discord.File(io.BytesIO(data), filename=name))

    @AdminCommands.unicornia.command(name="backup")
    @commands.is_owner()
    async def backup(self, ctx: commands.Context) -> None:
        """Back up the database (bot owner).

        A consistent copy, written into the cog's data folder.

        Example: `[p]unicornia backup`
        """
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.store.now()))
        destination = self.data_path / BACKUPS_DIR / f"unicornia-{stamp}.db"
        try:
            size = await self.store.backup_to(destination)
        except OSError as exc:
            await ctx.send(_("The backup could not be written: {error}.").format(error=exc))
            return
        await ctx.send(_("Backup written to `{path}` ({size} MB).").format(path=destination,
                                                                            size=decimal(size / 1024 / 1024, 1)))


    @AdminCommands.unicornia.command(name="restore")
    @commands.is_owner()
    async def restore(self, ctx: commands.Context, *, file: Optional[str] = None) -> None:
        """Restore a backup of the database (bot owner).

        Alone, lists the backups in the cog's `backups` folder. With a file name as listed, shows
        what the backup holds and asks for `yes`; the database as it is now is backed up first.
        XP earned since the backup was made is replaced by the backup's.

        Examples: `[p]unicornia restore`, `[p]unicornia restore unicornia-20261201-040000.db`
        """
        if file is None:
            backups = await self.importer.list_backups()
            if not backups:
                await ctx.send(with_prefix(ctx, _("There are no backups in `{folder}` yet; `[p]unicornia backup` "
                                                  "makes one.").format(folder=f"{BACKUPS_DIR}/")))
                return
            lines = [_("**Backups** (newest first); restore one with `[p]unicornia restore <name>`:")]
            lines.extend(f"`{name}` · {_when(at)} · {decimal(size / 1024 / 1024, 1)} MB" for name, at, size in backups)
            await send_long(ctx, [with_prefix(ctx, lines[0]), *lines[1:]])
            return
        try:
            info = await self.importer.plan_restore(file)
        except RestoreRefused as exc:
            await ctx.send(_("Nothing was restored: {reason}.").format(reason=exc), allowed_mentions=NO_PINGS)
            return
        await send_long(ctx, restore_plan_text(info))
        if self.importer.busy:
            await ctx.send(_("An import or restore is already running; wait for it to finish."))
            return
        if not await confirm(ctx, _("Nothing has been changed yet."), nothing=_("nothing was restored"), timeout=60):
            return
        try:
            info, before = await self.importer.restore(file, self.goals)
        except RestoreRefused as exc:
            await ctx.send(_("Nothing was restored: {reason}.").format(reason=exc), allowed_mentions=NO_PINGS)
            return
        except StoreClosed:
            raise
        except OSError as exc:
            log.exception("Restoring %s failed", file)
            await ctx.send(_("Nothing was restored: the files could not be written ({error}).").format(error=exc))
            return
        except Exception:
            log.exception("Restoring %s failed", file)
            await ctx.send(_("The restore failed and the database was put back as it was. The bot's log has the "
                             "details."))
            return
        await ctx.send(with_prefix(ctx, _("Restored `{name}`: {members} in {servers}. The database as it was is in "
                                          "`{before}` (`[p]unicornia restore {before}` puts it back).").format(
                                            name=info.name, members=_members(info.members),
                                            servers=_servers(info.servers), before=before.name)))


def restore_plan_text(info: BackupInfo) -> list[str]:
    """The dry run of a restore: what the backup holds, and what restoring it costs."""
    return [_("**Backup `{name}`** (schema {schema}, written {date}, {size} MB)").format(
                name=info.name, schema=info.schema, date=_when(info.modified), size=decimal(info.size / 1024 / 1024, 1)),
            _("Would restore {members} in {servers}.").format(members=_members(info.members),
                                                               servers=_servers(info.servers)),
            _("**Warning:** the whole database is replaced by the backup: XP, messages, purchases and quests earned "
              "since it was made are lost (the database as it is now is backed up first). Settings are not in the "
              "backup and stay as they are.")]


def _members(count: int) -> str:
    return _("**1** member") if count == 1 else _("**{count}** members").format(count=humanize_number(count))


def _servers(count: int) -> str:
    return _("**1** server") if count == 1 else _("**{count}** servers").format(count=humanize_number(count))


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


async def _edit(message: discord.Message, text: str) -> None:
    try:
        await message.edit(content=text)
    except discord.HTTPException:
        pass  # a deleted progress message does not stop the import
