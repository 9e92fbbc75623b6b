"""Admin commands for achievements, the daily reward, quests, the server goal and the audit log."""
from __future__ import annotations

from typing import Optional

import discord
from redbot.core import commands
from redbot.core.utils.chat_formatting import box, humanize_number, pagify

from ..abc import MixinMeta
from .replies import send_embed
from .hints import with_prefix
from ..core.achievements import CONDITIONS, MAX_PER_GUILD, AchievementError, edited, validate
from ..core.periods import CYCLES
from ..systems.goals import DIFFICULTIES, REQUIREMENTS, GoalService, QuestError
from .admin import AdminCommands, _check
from .goals import when

guild_group = AdminCommands.guild_group
NO_PINGS = discord.AllowedMentions.none()
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AUDIT_PAGE = 15


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
            state = "hidden" if a.key in settings.hidden_achievements else "shipped"
            rows.append(f"{a.key:<16} {state:<8} {a.condition} >= {a.value:,}  +{a.reward_xp} XP  {a.title}")
        for key, raw in settings.custom_achievements.items():
            rows.append(f"{key:<16} {'custom':<8} {raw['condition']} >= {raw['value']:,}  +{raw.get('reward_xp', 0)} XP  "
                        f"{raw['title']}")
        state = "on" if settings.achievements_enabled else "OFF"
        await ctx.send(f"Achievements are {state} in this server.")
        await _send_boxed(ctx, rows)

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
            await ctx.send(with_prefix(ctx, f"`{key}` is taken; use `[p]unicornia guild achievement edit` to change it."))
            return
        if len(settings.custom_achievements) >= MAX_PER_GUILD:
            await ctx.send(f"A server can add at most {MAX_PER_GUILD} achievements.")
            return
        raw = {"condition": condition.lower(), "value": value, "reward_xp": reward_xp, "emoji": emoji,
               "title": title, "description": description}
        try:
            achievement = validate(key, raw, custom=True)
        except AchievementError as exc:
            await ctx.send(f"Not added: {exc}.")
            return
        await self._save_custom(ctx.guild.id, key, achievement.to_config())
        await ctx.send(f"Added {achievement.label} ({condition} >= {value:,}, +{reward_xp:,} XP). Members who already "
                       "qualify unlock it at their next activity.", allowed_mentions=NO_PINGS)

    @achievement_group.command(name="edit")
    async def achievement_edit(self, ctx: commands.Context, key: str, field: str, *, value: str) -> None:
        """Change one field of an achievement.

        Fields: condition, value, title, description, emoji, reward_xp.

        Example: `[p]unicornia guild achievement edit night-owl reward_xp 150`
        """
        settings = await self.settings.get(ctx.guild.id)
        raw = settings.custom_achievements.get(key.lower())
        if raw is None:
            hint = " Shipped ones can't be edited; hide it and add your own." if key.lower() in self.achievements.defaults else ""
            await ctx.send(f"This server has no achievement `{key}`.{hint}")
            return
        field = field.lower()
        parsed: object = value
        if field in ("value", "reward_xp"):
            try:
                parsed = int(value.replace(",", ""))
            except ValueError:
                await ctx.send(f"{field} must be a whole number.")
                return
        try:
            achievement = edited(validate(key.lower(), raw, custom=True), field, parsed)
        except AchievementError as exc:
            await ctx.send(f"Not changed: {exc}.")
            return
        await self._save_custom(ctx.guild.id, achievement.key, achievement.to_config())
        await ctx.send(f"Updated {achievement.label}.", allowed_mentions=NO_PINGS)

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
            done = f"Removed `{key}`."
        elif key in self.achievements.defaults:
            if key in settings.hidden_achievements:
                await ctx.send(f"`{key}` is already hidden.")
                return
            await self._set_hidden(ctx.guild.id, key, True)
            done = f"Hid `{key}`; `[p]unicornia guild achievement restore {key}` brings it back."
        else:
            await ctx.send(f"There is no achievement `{key}`.")
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
            await ctx.send(f"`{key}` is not hidden.")
            return
        await self._set_hidden(ctx.guild.id, key, False)
        self.xp.refresh_marks(ctx.guild.id)
        await ctx.send(f"`{key}` is offered again.")

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
            await ctx.send(f"Achievements are already {'on' if enabled else 'off'}.")
            return
        if not enabled:
            await self.settings.update(ctx.guild.id, lambda g: g.achievements_enabled.set(False))
            self.xp.refresh_marks(ctx.guild.id)
            await ctx.send("Achievements are now off.")
            return
        async with ctx.typing():
            members, count = await self.achievements.catch_up(ctx.guild.id, self.rewards.level_up)
            await self.settings.update(ctx.guild.id, lambda g: g.achievements_enabled.set(True))
            self.xp.refresh_marks(ctx.guild.id)
        text = "Achievements are now on."
        if count:
            text += (f" {humanize_number(members)} member(s) already qualified and unlocked "
                     f"{humanize_number(count)} achievement(s) between them, without announcements.")
        await ctx.send(text + with_prefix(ctx, " See them with `[p]achievements`."))

    async def _save_custom(self, guild_id: int, key: str, raw: dict) -> None:
        async def save(group) -> None:
            async with group.custom_achievements() as custom:
                custom[key] = raw
        await self.settings.update(guild_id, save)
        self.xp.refresh_marks(guild_id)

    # --- where goals are announced -----------------------------------------------------------
    @guild_group.command(name="achievementchannel")
    async def achievement_channel(self, ctx: commands.Context, channel: Optional[discord.TextChannel] = None) -> None:
        """Where achievements are announced.

        No channel: with the level-ups.

        Example: `[p]unicornia guild achievementchannel #hall-of-fame`
        """
        await self._set_channel(ctx, "achievement_channel", channel, "Achievements")

    @guild_group.command(name="questchannel")
    async def quest_channel(self, ctx: commands.Context, channel: Optional[discord.TextChannel] = None) -> None:
        """Where quests and the goal are announced.

        No channel: with the level-ups.

        Example: `[p]unicornia guild questchannel #quests`
        """
        await self._set_channel(ctx, "quest_channel", channel, "Quests and the server goal")

    async def _set_channel(self, ctx, field: str, channel: Optional[discord.TextChannel], what: str) -> None:
        if channel is not None and not channel.permissions_for(ctx.guild.me).send_messages:
            await ctx.send(f"I can't send messages in {channel.mention}; nothing changed.")
            return
        await self.settings.update(ctx.guild.id, lambda g: getattr(g, field).set(channel.id if channel else None))
        where = channel.mention if channel else "with the level-up announcements"
        await ctx.send(f"{what} are now announced {'in ' if channel else ''}{where}.")

    # --- schedule, daily and goal ------------------------------------------------------------
    @guild_group.command(name="resethour")
    async def reset_hour(self, ctx: commands.Context, hour: int) -> None:
        """The UTC hour the server's day starts.

        It sets when the daily reward, the goal and daily quests start again.

        Example: `[p]unicornia guild resethour 6`
        """
        await self._set_number(ctx, "reset_hour", hour, "The reset hour",
                               f"The server's day now starts at {hour:02d}:00 UTC.")

    @guild_group.command(name="resetweekday")
    async def reset_weekday(self, ctx: commands.Context, weekday: str) -> None:
        """The day weekly quests refresh.

        Example: `[p]unicornia guild resetweekday monday`
        """
        day = weekday.lower()
        if day not in WEEKDAYS:
            await ctx.send(f"Say a weekday: {', '.join(WEEKDAYS)}.")
            return
        await self.settings.update(ctx.guild.id, lambda g: g.reset_weekday.set(WEEKDAYS.index(day)))
        await ctx.send(f"Weekly quests now refresh on {day.title()}.")

    @guild_group.command(name="daily")
    async def daily_settings(self, ctx: commands.Context, xp: int, streak_bonus: int, streak_cap: int) -> None:
        """Set the daily reward and its streak bonus.

        Base XP, extra XP per streak day, and how many streak days count.

        Example: `[p]unicornia guild daily 20 5 10` (day 1: 20 XP, day 2: 25, ... up to 70)
        """
        if not await self._set_numbers(ctx, {"daily_xp": (xp, "Daily XP"), "streak_bonus": (streak_bonus, "The streak bonus"),
                                             "streak_cap": (streak_cap, "The streak cap")}):
            return
        await ctx.send(f"Daily reward: {xp:,} XP, +{streak_bonus:,} per streak day for up to {streak_cap} days "
                       f"(at most {xp + streak_bonus * streak_cap:,} XP).")

    @guild_group.command(name="goal")
    async def goal_settings(self, ctx: commands.Context, enabled: bool, floor: int = 50, percent: int = 100,
                            days: int = 7, bonus: int = 25) -> None:
        """Turn the server goal on or off and tune it.

        On/off, smallest goal, % of the recent average, days averaged, bonus XP.

        Example: `[p]unicornia guild goal true 100 110 7 50`
        """
        if not await self._set_numbers(ctx, {"goal_floor": (floor, "The floor"), "goal_percent": (percent, "The percentage"),
                                             "goal_days": (days, "The days"), "goal_bonus": (bonus, "The bonus")},
                                       goal_enabled=enabled):
            return
        if not enabled:
            await ctx.send("The server goal is off.")
            return
        await ctx.send(f"Each day's goal is {percent}% of the last {days} days' average messages (at least {floor:,}); "
                       f"reaching it pays {bonus:,} XP to everyone who chatted that day. Today's goal stays as set.")

    async def _set_numbers(self, ctx, numbers: dict[str, tuple[int, str]], **others) -> bool:
        """Store several settings together if every number is within its limit; else say which is not."""
        for field, (value, what) in numbers.items():
            if problem := _check(field, value, what):
                await ctx.send(problem)
                return False

        async def change(group) -> None:
            for field, value in {**{f: v for f, (v, _) in numbers.items()}, **others}.items():
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
            await ctx.send(f"Not added: {exc}")
            return
        text = f"Added quest #{quest_id} **{name.strip()}**; progress counts from now."
        if not (await self.settings.get(ctx.guild.id)).quests_enabled:
            text += with_prefix(ctx, " Quests are off here: turn them on with `[p]unicornia guild quest toggle true`.")
        await ctx.send(text, allowed_mentions=NO_PINGS)

    @quest_group.command(name="remove")
    async def quest_remove(self, ctx: commands.Context, quest_id: int) -> None:
        """Remove a quest by its number (see `quest list`).

        Example: `[p]unicornia guild quest remove 3`
        """
        if await self.goals.remove_quest(ctx.guild.id, quest_id):
            await ctx.send(f"Removed quest #{quest_id}.")
        else:
            await ctx.send(f"This server has no quest #{quest_id}.")

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
            await ctx.send(f"Not changed: {exc if isinstance(exc, QuestError) else 'say a number of days or never.'}")
            return
        await ctx.send(f"Quest #{quest_id} ends {when(ends_at)}." if ends_at else f"Quest #{quest_id} no longer ends.")

    @quest_group.command(name="list")
    async def quest_list(self, ctx: commands.Context) -> None:
        """This server's quests with their numbers.

        Example: `[p]unicornia guild quest list`
        """
        quests = await self.goals.quests_of(ctx.guild.id)
        if not quests:
            await ctx.send(with_prefix(ctx, "No quests. `[p]unicornia guild quest defaults` adds a starter set."))
            return
        rows = [f"#{q.id:<4} {q.cycle:<8} {q.requirement} {q.amount:,}  {GoalService.reward_text(q)}  "
                f"({q.difficulty}) {q.name}" for q in quests]
        await _send_boxed(ctx, rows)

    @quest_group.command(name="defaults")
    async def quest_defaults(self, ctx: commands.Context) -> None:
        """Add the starter set of quests.

        Example: `[p]unicornia guild quest defaults`
        """
        added = await self.goals.add_starter_quests(ctx.guild.id)
        await ctx.send(f"Added {len(added)} quest(s)." if added else "The starter quests are already here.")

    @quest_group.command(name="toggle")
    async def quest_toggle(self, ctx: commands.Context, enabled: bool) -> None:
        """Switch quests on or off here.

        The first time they are switched on the server gets a starter set of six quests.
        Example: `[p]unicornia guild quest toggle true`
        """
        await self.settings.update(ctx.guild.id, lambda g: g.quests_enabled.set(enabled))
        if not enabled:
            await ctx.send("Quests are now off: nothing counts toward them and none pays.")
            return
        group = self.config.guild(ctx.guild)
        added = [] if await group.quests_seeded() else await self.goals.add_starter_quests(ctx.guild.id)
        await group.quests_seeded.set(True)
        count = len(await self.goals.quests_of(ctx.guild.id))
        text = f"Quests are now on ({count} quest(s); progress counts from now)."
        if added:
            text += f" Added the starter set: {', '.join(added)}."
        text += with_prefix(ctx, " See them with `[p]unicornia guild quest list`.")
        await ctx.send(text, allowed_mentions=NO_PINGS)

    # --- audit log ---------------------------------------------------------------------------
    @guild_group.command(name="audit")
    async def audit(self, ctx: commands.Context, member: Optional[discord.Member] = None, page: int = 1) -> None:
        """The audit log of XP changes and rewards.

        Every XP change beyond activity, every reward and purchase: who, what, how much, why, when.

        Example: `[p]unicornia guild audit`, `[p]unicornia guild audit @Alice 2`
        """
        if page < 1:
            await ctx.send("Pages start at 1.")
            return
        rows, total = await self.store.audit_page(ctx.guild.id, member.id if member else None, AUDIT_PAGE,
                                                  (page - 1) * AUDIT_PAGE)
        pages = max(1, -(-total // AUDIT_PAGE))
        if not rows:
            await ctx.send("Nothing recorded yet." if page == 1 else f"There {'is' if pages == 1 else 'are'} {pages} page(s).")
            return
        lines = []
        for row in rows:
            who = f"<@{row.user_id}>" if row.user_id else "everyone"
            by = f" by <@{row.actor_id}>" if row.actor_id else ""
            amount = f"{row.amount:+,}" + (" credits" if row.kind in ("currency", "buy", "refund") else " XP")
            lines.append(f"{when(row.at, 'f')} **{row.kind}** {who} {amount}{by} · {row.reason}")
        embed = discord.Embed(title="Audit log" + (f": {member.display_name}" if member else ""),
                              description="\n".join(lines), colour=await ctx.embed_colour())
        embed.set_footer(text=f"page {page}/{pages} · {humanize_number(total)} entries")
        await send_embed(ctx, embed, allowed_mentions=NO_PINGS)


async def _send_boxed(ctx: commands.Context, rows: list[str]) -> None:
    """Rows in code blocks, as many messages as Discord's length limit needs."""
    for page in pagify("\n".join(rows), delims=["\n"], page_length=1900):
        await ctx.send(box(page), allowed_mentions=NO_PINGS)
