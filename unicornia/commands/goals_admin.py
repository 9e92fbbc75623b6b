"""Admin commands for achievements, the daily reward, quests, the server goal and the audit log."""
from __future__ import annotations

from typing import Optional

import discord
from redbot.core import commands
from redbot.core.utils.chat_formatting import humanize_number

from ..abc import MixinMeta
from ..i18n import _
from .replies import NO_PINGS, clip, send_embed, send_long
from .hints import with_prefix
from ..core.achievements import MAX_PER_GUILD, AchievementError, edited, validate
from ..core.transfer import MAX_ID
from ..systems.goals import GoalService, QuestError
from .admin import AdminCommands, _check
from .goals import when

guild_group = AdminCommands.guild_group
#: The words `resetweekday` takes (Monday first, as the setting stores it); see weekday_names.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AUDIT_PAGE = 15
#: A reason is shown up to this long (a role sync names every role; other cogs may write 200): 15
#: rows stay within an embed's 4,096 characters.
AUDIT_REASON = 120


def weekday_names() -> tuple[str, ...]:
    """The weekdays as shown, Monday first, in the current language."""
    return (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))


class GoalAdminCommands(MixinMeta):
    # --- achievements ------------------------------------------------------------------------
    @guild_group.group(name="achievement", invoke_without_command=True)
    async def achievement_group(self, ctx: commands.Context) -> None:
        """Add, edit, hide and list this server's achievements."""
        await ctx.send_help()

    @achievement_group.command(name="list")
    async def achievement_list(self, ctx: commands.Context) -> None:
        """List every achievement.

        Shipped ones (and whether hidden) and this server's own.

        Example: `[p]unicornia guild achievement list`
        """
        settings = await self.settings.get(ctx.guild.id)
        rows = []
        for a in self.achievements.defaults.values():
            state = _("hidden") if a.key in settings.hidden_achievements else _("shipped")
            rows.append(f"{a.key:<16} {state:<8} {a.condition} >= {humanize_number(a.value)}  "
                        f"+{humanize_number(a.reward_xp)} XP  {a.shown_title}")
        custom = _("custom")
        for key, raw in settings.custom_achievements.items():
            rows.append(f"{key:<16} {custom:<8} {raw['condition']} >= {humanize_number(raw['value'])}  "
                        f"+{humanize_number(raw.get('reward_xp', 0))} XP  {raw['title']}")
        await ctx.send(_("Achievements are on in this server.") if settings.achievements_enabled
                       else _("Achievements are OFF in this server."))
        await send_long(ctx, rows, boxed=True)

    @achievement_group.command(name="add")
    async def achievement_add(self, ctx: commands.Context, key: str, condition: str, value: int, reward_xp: int,
                              emoji: str, title: str, *, description: str = "") -> None:
        """Add an achievement of this server's own.

        Conditions: messages, links, thanks_received, reactions, commands, voice_minutes, level,
        total_xp, streak.  Quote a title with spaces.
        Example: `[p]unicornia guild achievement add night-owl messages 500 100 🦉 "Night Owl" Send 500 messages.`
        """
        settings = await self.settings.get(ctx.guild.id)
        key = key.lower()
        if key in self.achievements.defaults or key in settings.custom_achievements:
            await ctx.send(with_prefix(ctx, _("`{key}` is taken; use `[p]unicornia guild achievement edit` to change "
                                              "it.").format(key=key)))
            return
        if len(settings.custom_achievements) >= MAX_PER_GUILD:
            await ctx.send(_("A server can add at most {max_count} achievements.").format(max_count=MAX_PER_GUILD))
            return
        raw = {"condition": condition.lower(), "value": value, "reward_xp": reward_xp, "emoji": emoji,
               "title": title, "description": description}
        try:
            achievement = validate(key, raw, custom=True)
        except AchievementError as exc:
            await ctx.send(_("Not added: {problem}.").format(problem=exc))
            return
        await self._save_custom(ctx.guild.id, key, achievement.to_config())
        await ctx.send(_("Added {achievement} ({condition} >= {value}, +{reward_xp} XP). Members who already "
                         "qualify unlock it at their next activity.").format(
                           achievement=achievement.label, condition=condition, value=humanize_number(value),
                           reward_xp=humanize_number(reward_xp)), allowed_mentions=NO_PINGS)

    @achievement_group.command(name="edit")
    async def achievement_edit(self, ctx: commands.Context, key: str, field: str, *, value: str) -> None:
        """Change one field of an achievement.

        Fields: condition, value, title, description, emoji, reward_xp.

        Example: `[p]unicornia guild achievement edit night-owl reward_xp 150`
        """
        settings = await self.settings.get(ctx.guild.id)
        raw = settings.custom_achievements.get(key.lower())
        if raw is None:
            missing = (_("This server has no achievement `{key}`. Shipped ones can't be edited; hide it and add your "
                         "own.") if key.lower() in self.achievements.defaults
                       else _("This server has no achievement `{key}`."))
            await ctx.send(missing.format(key=key), allowed_mentions=NO_PINGS)
            return
        field = field.lower()
        parsed: object = value
        if field in ("value", "reward_xp"):
            try:
                parsed = int(value.replace(",", ""))
            except ValueError:
                await ctx.send(_("{field} must be a whole number.").format(field=field))
                return
        try:
            achievement = edited(validate(key.lower(), raw, custom=True), field, parsed)
        except AchievementError as exc:
            await ctx.send(_("Not changed: {problem}.").format(problem=exc))
            return
        await self._save_custom(ctx.guild.id, achievement.key, achievement.to_config())
        await ctx.send(_("Updated {achievement}.").format(achievement=achievement.label), allowed_mentions=NO_PINGS)

    @achievement_group.command(name="remove")
    async def achievement_remove(self, ctx: commands.Context, key: str) -> None:
        """Remove or hide an achievement.

        Removes one of this server's own or hides a shipped one; members keep what they unlocked.

        Example: `[p]unicornia guild achievement remove first-words`
        """
        key = key.lower()
        settings = await self.settings.get(ctx.guild.id)
        if key in settings.custom_achievements:
            async def drop(group) -> None:
                async with group.custom_achievements() as custom:
                    custom.pop(key, None)
            await self.settings.update(ctx.guild.id, drop)
            done = _("Removed `{key}`.").format(key=key)
        elif key in self.achievements.defaults:
            if key in settings.hidden_achievements:
                await ctx.send(_("`{key}` is already hidden.").format(key=key))
                return
            await self._set_hidden(ctx.guild.id, key, True)
            done = _("Hid `{key}`; `[p]unicornia guild achievement restore {key}` brings it back.").format(key=key)
        else:
            await ctx.send(_("There is no achievement `{key}`.").format(key=key))
            return
        self.xp.refresh_marks(ctx.guild.id)
        await ctx.send(with_prefix(ctx, done))

    @achievement_group.command(name="restore")
    async def achievement_restore(self, ctx: commands.Context, key: str) -> None:
        """Offer a hidden shipped achievement again.

        Example: `[p]unicornia guild achievement restore first-words`
        """
        key = key.lower()
        settings = await self.settings.get(ctx.guild.id)
        if key not in settings.hidden_achievements:
            await ctx.send(_("`{key}` is not hidden.").format(key=key))
            return
        await self._set_hidden(ctx.guild.id, key, False)
        self.xp.refresh_marks(ctx.guild.id)
        await ctx.send(_("`{key}` is offered again.").format(key=key))

    async def _set_hidden(self, guild_id: int, key: str, hidden: bool) -> None:
        """Hide a shipped achievement from this guild, or offer it again."""
        async def change(group) -> None:
            async with group.hidden_achievements() as keys:
                if hidden and key not in keys:
                    keys.append(key)
                elif not hidden and key in keys:
                    keys.remove(key)
        await self.settings.update(guild_id, change)

    @achievement_group.command(name="toggle")
    async def achievement_toggle(self, ctx: commands.Context, enabled: bool) -> None:
        """Switch achievements on or off here.

        Turning them on unlocks what members already qualify for, without announcing each.
        Example: `[p]unicornia guild achievement toggle true`
        """
        settings = await self.settings.get(ctx.guild.id)
        if enabled == settings.achievements_enabled:
            await ctx.send(_("Achievements are already on.") if enabled else _("Achievements are already off."))
            return
        if not enabled:
            await self.settings.update(ctx.guild.id, lambda g: g.achievements_enabled.set(False))
            self.xp.refresh_marks(ctx.guild.id)
            await ctx.send(_("Achievements are now off."))
            return
        async with ctx.typing():
            members, count = await self.achievements.catch_up(ctx.guild.id, self.rewards.level_up)
            await self.settings.update(ctx.guild.id, lambda g: g.achievements_enabled.set(True))
            self.xp.refresh_marks(ctx.guild.id)
        text = _("Achievements are now on.")
        if count:
            if members == 1:
                caught_up = (_("1 member already qualified and unlocked 1 achievement, without announcements.")
                             if count == 1 else
                             _("1 member already qualified and unlocked {count} achievements, without "
                               "announcements."))
            else:
                caught_up = (_("{members} members already qualified and unlocked 1 achievement between them, "
                               "without announcements.") if count == 1 else
                             _("{members} members already qualified and unlocked {count} achievements between "
                               "them, without announcements."))
            text += " " + caught_up.format(members=humanize_number(members), count=humanize_number(count))
        await ctx.send(text + " " + with_prefix(ctx, _("See them with `[p]achievements`.")))

    async def _save_custom(self, guild_id: int, key: str, raw: dict) -> None:
        async def save(group) -> None:
            async with group.custom_achievements() as custom:
                custom[key] = raw
        await self.settings.update(guild_id, save)
        self.xp.refresh_marks(guild_id)

    # --- where goals are announced -----------------------------------------------------------
    # a word that is not a text channel here refuses (Red shows the usage) instead of clearing the setting
    @guild_group.command(name="achievementchannel", ignore_extra=False)
    async def achievement_channel(self, ctx: commands.Context, channel: Optional[discord.TextChannel] = None) -> None:
        """Where achievements are announced.

        No channel: with the level-ups.

        Example: `[p]unicornia guild achievementchannel #hall-of-fame`
        """
        await self._set_channel(ctx, "achievement_channel", channel, _("Achievements are now announced in {channel}."),
                                _("Achievements are now announced with the level-up announcements."))

    @guild_group.command(name="questchannel", ignore_extra=False)
    async def quest_channel(self, ctx: commands.Context, channel: Optional[discord.TextChannel] = None) -> None:
        """Where quests and the goal are announced.

        No channel: with the level-ups.

        Example: `[p]unicornia guild questchannel #quests`
        """
        await self._set_channel(ctx, "quest_channel", channel,
                                _("Quests and the server goal are now announced in {channel}."),
                                _("Quests and the server goal are now announced with the level-up announcements."))

    async def _set_channel(self, ctx, field: str, channel: Optional[discord.TextChannel], in_channel: str,
                           with_levelups: str) -> None:
        """Set where something is announced; ``in_channel`` (with ``{channel}``) or ``with_levelups`` says so."""
        if channel is not None and not channel.permissions_for(ctx.guild.me).send_messages:
            await ctx.send(_("I can't send messages in {channel}; nothing changed.").format(channel=channel.mention))
            return
        await self.settings.update(ctx.guild.id, lambda g: getattr(g, field).set(channel.id if channel else None))
        await ctx.send(in_channel.format(channel=channel.mention) if channel else with_levelups)

    # --- schedule, daily and goal ------------------------------------------------------------
    @guild_group.command(name="resethour")
    async def reset_hour(self, ctx: commands.Context, hour: int) -> None:
        """The UTC hour the server's day starts.

        It sets when the daily reward, the goal and daily quests start again.

        Example: `[p]unicornia guild resethour 6`
        """
        await self._set_number(ctx, "reset_hour", hour, _("The reset hour"),
                               _("The server's day now starts at {hour}:00 UTC.").format(hour=f"{hour:02d}"))

    @guild_group.command(name="resetweekday")
    async def reset_weekday(self, ctx: commands.Context, weekday: str) -> None:
        """The day weekly quests refresh.

        Example: `[p]unicornia guild resetweekday monday`
        """
        day = weekday.lower()
        if day not in WEEKDAYS:
            await ctx.send(_("Say a weekday: {weekdays}.").format(weekdays=", ".join(WEEKDAYS)))
            return
        await self.settings.update(ctx.guild.id, lambda g: g.reset_weekday.set(WEEKDAYS.index(day)))
        await ctx.send(_("Weekly quests now refresh on {weekday}.").format(
            weekday=weekday_names()[WEEKDAYS.index(day)]))

    @guild_group.command(name="daily")
    async def daily_settings(self, ctx: commands.Context, xp: int, streak_bonus: int, streak_cap: int) -> None:
        """Set the daily reward and its streak bonus.

        Base XP, extra XP per streak day, and how many streak days count.

        Example: `[p]unicornia guild daily 20 5 10` (day 1: 20 XP, day 2: 25, ... up to 70)
        """
        if not await self._set_numbers(ctx, {"daily_xp": (xp, _("Daily XP")),
                                             "streak_bonus": (streak_bonus, _("The streak bonus")),
                                             "streak_cap": (streak_cap, _("The streak cap"))}):
            return
        await ctx.send(_("Daily reward: {xp} XP, +{bonus} per streak day for up to {cap} days (at most {most} XP).")
                       .format(xp=humanize_number(xp), bonus=humanize_number(streak_bonus), cap=streak_cap,
                               most=humanize_number(xp + streak_bonus * streak_cap)))

    @guild_group.command(name="goal", ignore_extra=False)
    async def goal_settings(self, ctx: commands.Context, enabled: bool, floor: Optional[int] = None,
                            percent: Optional[int] = None, days: Optional[int] = None,
                            bonus: Optional[int] = None) -> None:
        """Turn the server goal on or off and tune it.

        On/off, smallest goal, % of the recent average, days averaged, bonus XP; numbers left out
        keep their current values.

        Example: `[p]unicornia guild goal true 100 110 7 50`
        """
        given = {"goal_floor": (floor, _("The floor")), "goal_percent": (percent, _("The percentage")),
                 "goal_days": (days, _("The days")), "goal_bonus": (bonus, _("The bonus"))}
        if not await self._set_numbers(ctx, {field: entry for field, entry in given.items() if entry[0] is not None},
                                       goal_enabled=enabled):
            return
        if not enabled:
            await ctx.send(_("The server goal is off."))
            return
        s = await self.settings.get(ctx.guild.id)
        await ctx.send(_("Each day's goal is {percent}% of the last {days} days' average messages (at least {floor}); "
                         "reaching it pays {bonus} XP to everyone who chatted that day. Today's goal stays as set.")
                       .format(percent=s.goal_percent, days=s.goal_days, floor=humanize_number(s.goal_floor),
                               bonus=humanize_number(s.goal_bonus)))

    async def _set_numbers(self, ctx, numbers: dict[str, tuple[int, str]], **others) -> bool:
        """Store several settings together if every number is within its limit; else say which is not."""
        for field, (value, what) in numbers.items():
            if problem := _check(field, value, what):
                await ctx.send(problem)
                return False

        async def change(group) -> None:
            for field, value in {**{f: v for f, (v, _what) in numbers.items()}, **others}.items():
                await getattr(group, field).set(value)
        await self.settings.update(ctx.guild.id, change)
        return True

    # --- quests ------------------------------------------------------------------------------
    @guild_group.group(name="quest", invoke_without_command=True)
    async def quest_group(self, ctx: commands.Context) -> None:
        """Create, list and remove this server's quests."""
        await ctx.send_help()

    @quest_group.command(name="add")
    async def quest_add(self, ctx: commands.Context, cycle: str, requirement: str, amount: int, reward_xp: int,
                        name: str, multiplier: float = 1.0, minutes: int = 0, difficulty: str = "medium") -> None:
        """Add a quest.

        Cycles: daily, weekly, monthly, once.  Requirements: messages, reactions, voice_minutes,
        commands, links, thanks.  Quote a name with spaces.

        Example: `[p]unicornia guild quest add weekly messages 300 200 "Busy week" 1.5 60 hard`
        """
        try:
            quest_id = await self.goals.add_quest(ctx.guild.id, name, cycle.lower(), requirement.lower(), amount,
                                                  reward_xp, multiplier, minutes, difficulty.lower())
        except QuestError as exc:
            await ctx.send(_("Not added: {problem}").format(problem=exc), allowed_mentions=NO_PINGS)
            return
        text = _("Added quest #{quest_id} **{name}**; progress counts from now.").format(
            quest_id=quest_id, name=discord.utils.escape_markdown(name.strip()))
        if not (await self.settings.get(ctx.guild.id)).quests_enabled:
            text += " " + with_prefix(ctx, _("Quests are off here: turn them on with "
                                             "`[p]unicornia guild quest toggle true`."))
        await ctx.send(text, allowed_mentions=NO_PINGS)

    @quest_group.command(name="remove")
    async def quest_remove(self, ctx: commands.Context, quest_id: int) -> None:
        """Remove a quest by its number (see `quest list`).

        Example: `[p]unicornia guild quest remove 3`
        """
        if await self.goals.remove_quest(ctx.guild.id, quest_id):
            await ctx.send(_("Removed quest #{quest_id}.").format(quest_id=quest_id))
        else:
            await ctx.send(_("This server has no quest #{quest_id}.").format(quest_id=quest_id))

    @quest_group.command(name="ends")
    async def quest_ends(self, ctx: commands.Context, quest_id: int, days: str) -> None:
        """When a one-off quest ends.

        In so many days (fractions allowed), or `never`.

        Example: `[p]unicornia guild quest ends 7 3` (quest #7 ends in three days)
        """
        try:
            span = None if days.lower() == "never" else float(days)
            ends_at = await self.goals.end_quest(ctx.guild.id, quest_id, span)
        except ValueError as exc:  # QuestError, or a number that isn't one
            await ctx.send(_("Not changed: {problem}").format(problem=exc) if isinstance(exc, QuestError)
                           else _("Not changed: say a number of days or never."))
            return
        await ctx.send(_("Quest #{quest_id} ends {when}.").format(quest_id=quest_id, when=when(ends_at)) if ends_at
                       else _("Quest #{quest_id} no longer ends.").format(quest_id=quest_id))

    @quest_group.command(name="list")
    async def quest_list(self, ctx: commands.Context) -> None:
        """This server's quests with their numbers.

        Example: `[p]unicornia guild quest list`
        """
        quests = await self.goals.quests_of(ctx.guild.id)
        if not quests:
            await ctx.send(with_prefix(ctx, _("No quests. `[p]unicornia guild quest defaults` adds a starter set.")))
            return
        rows = [f"#{q.id:<4} {q.cycle:<8} {q.requirement} {humanize_number(q.amount)}  {GoalService.reward_text(q)}  "
                f"({q.difficulty}) {q.name}" for q in quests]
        await send_long(ctx, rows, boxed=True)

    @quest_group.command(name="defaults")
    async def quest_defaults(self, ctx: commands.Context) -> None:
        """Add the starter set of quests.

        Example: `[p]unicornia guild quest defaults`
        """
        added = await self.goals.add_starter_quests(ctx.guild.id)
        if not added:
            await ctx.send(_("The starter quests are already here."))
        else:
            await ctx.send(_("Added 1 quest.") if len(added) == 1
                           else _("Added {count} quests.").format(count=len(added)))

    @quest_group.command(name="toggle")
    async def quest_toggle(self, ctx: commands.Context, enabled: bool) -> None:
        """Switch quests on or off here.

        The first time they are switched on the server gets a starter set of six quests.
        Example: `[p]unicornia guild quest toggle true`
        """
        await self.settings.update(ctx.guild.id, lambda g: g.quests_enabled.set(enabled))
        if not enabled:
            await ctx.send(_("Quests are now off: nothing counts toward them and none pays."))
            return
        group = self.config.guild(ctx.guild)
        added = [] if await group.quests_seeded() else await self.goals.add_starter_quests(ctx.guild.id)
        await group.quests_seeded.set(True)
        count = len(await self.goals.quests_of(ctx.guild.id))
        text = (_("Quests are now on (1 quest; progress counts from now).") if count == 1
                else _("Quests are now on ({count} quests; progress counts from now).").format(count=count))
        if added:
            text += " " + _("Added the starter set: {names}.").format(names=", ".join(added))
        text += " " + with_prefix(ctx, _("See them with `[p]unicornia guild quest list`."))
        await ctx.send(text, allowed_mentions=NO_PINGS)

    # --- audit log ---------------------------------------------------------------------------
    @guild_group.command(name="audit")
    async def audit(self, ctx: commands.Context, member: Optional[discord.Member] = None, page: int = 1) -> None:
        """The audit log of XP changes and rewards.

        Every XP change beyond activity, every reward and purchase: who, what, how much, why, when.

        Example: `[p]unicornia guild audit`, `[p]unicornia guild audit @Alice 2`
        """
        if page < 1:
            await ctx.send(_("Pages start at 1."))
            return
        offset = min((page - 1) * AUDIT_PAGE, MAX_ID)  # a page past any log, not past SQLite's integers
        rows, total = await self.store.audit_page(ctx.guild.id, member.id if member else None, AUDIT_PAGE, offset)
        pages = max(1, -(-total // AUDIT_PAGE))
        if not rows:
            await ctx.send(_("Nothing recorded yet.") if page == 1 else _("There is 1 page.") if pages == 1
                           else _("There are {pages} pages.").format(pages=pages))
            return
        lines = []
        for row in rows:
            who = f"<@{row.user_id}>" if row.user_id else _("everyone")
            amount = (_("{amount} credits") if row.kind in ("currency", "buy", "refund") else _("{amount} XP")).format(
                amount=f"{row.amount:+,}")
            line = (_("{when} **{kind}** {who} {amount} by {actor} · {reason}") if row.actor_id
                    else _("{when} **{kind}** {who} {amount} · {reason}"))
            lines.append(line.format(when=when(row.at, 'f'), kind=row.kind, who=who, amount=amount,
                                     actor=f"<@{row.actor_id}>", reason=clip(row.reason, AUDIT_REASON)))
        title = _("Audit log: {member}").format(member=member.display_name) if member else _("Audit log")
        embed = discord.Embed(title=title, description="\n".join(lines), colour=await ctx.embed_colour())
        embed.set_footer(text=(_("page {page}/{pages} · 1 entry") if total == 1
                               else _("page {page}/{pages} · {count} entries")).format(
                                   page=page, pages=pages, count=humanize_number(total)))
        await send_embed(ctx, embed, allowed_mentions=NO_PINGS)

