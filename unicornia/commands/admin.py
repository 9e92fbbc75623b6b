"""Admin commands: ``[p]unicornia guild ...`` settings, exclusions, rewards and XP changes."""
from __future__ import annotations

from typing import Optional, Union

import discord
from redbot.core import bank, commands
from redbot.core.utils.chat_formatting import box, humanize_number

from ..abc import MixinMeta
from ..i18n import _, decimal
from .confirm import confirm
from .card import DEFAULT_WORD, styles_list
from .hints import with_prefix
from .replies import NO_PINGS, refuse, send_long
from ..core.card_layout import STYLES
from ..core.levels import MAX_LEVEL
from ..core.settings import LIMITS, GuildSettings
from ..systems.rewards import invoker_problem, role_problem

ExcludableChannel = Union[discord.TextChannel, discord.VoiceChannel, discord.StageChannel,
                          discord.CategoryChannel, discord.ForumChannel, discord.Thread]

REMOVE_WORDS = ("remove", "rm", "take")


async def send_rewards(ctx: commands.Context, settings: GuildSettings) -> None:
    """Every reward by level (for members and admins alike), in code blocks, as many messages as
    it takes: a server with a reward at every level fills more than one."""
    lines = await reward_lines(ctx.guild, settings)
    if not lines:
        await ctx.send(_("No level rewards are set up in this server."))
        return
    await send_long(ctx, lines, boxed=True)


async def reward_lines(guild: discord.Guild, settings: GuildSettings) -> list[str]:
    """A line per level with rewards, flagging roles that are gone or that the bot can no longer assign."""
    levels = sorted({r.level for r in settings.role_rewards} | set(settings.currency_rewards))
    if not levels:
        return []
    currency = await bank.get_currency_name(guild)
    lines = []
    for level in levels:
        parts = []
        for reward in (r for r in settings.role_rewards if r.level == level):
            role = guild.get_role(reward.role_id)
            if role is None:
                parts.append(_("(deleted role {role_id})").format(role_id=reward.role_id))
                continue
            part = (_("remove @{role}") if reward.remove else _("give @{role}")).format(role=role.name)
            if problem := reward_problem(guild, reward):
                part = _("{reward} [can't: {problem}]").format(reward=part, problem=problem)
            parts.append(part)
        if level in settings.currency_rewards:
            parts.append(_("{amount} {currency}").format(
                amount=humanize_number(settings.currency_rewards[level]), currency=currency))
        lines.append(_("Level {level}: {rewards}").format(level=f"{level:>4}", rewards="; ".join(parts)))
    return lines


def reward_problem(guild: discord.Guild, reward) -> Optional[str]:
    """Why the bot can't give or take a reward's role now (deleted, or not assignable), or None."""
    role = guild.get_role(reward.role_id)
    return _("the role was deleted") if role is None else role_problem(role, guild.me)


def unassignable_rewards(guild: discord.Guild, settings: GuildSettings) -> int:
    """How many role rewards the bot can no longer carry out."""
    return sum(1 for reward in settings.role_rewards if reward_problem(guild, reward))


def _check(limit_name: str, value: float, what: str) -> Optional[str]:
    return LIMITS[limit_name].check(value, what)


class AdminCommands(MixinMeta):
    @commands.group(name="unicornia")
    async def unicornia(self, ctx: commands.Context) -> None:
        """Unicornia leveling: settings and maintenance."""

    @unicornia.command(name="historydays")
    @commands.is_owner()
    async def set_history_days(self, ctx: commands.Context, days: int) -> None:
        """Days of XP history to keep (bot owner).

        What `[p]level xpstats` can show: 1 to 3650 days.

        Example: `[p]unicornia historydays 90`
        """
        if not 1 <= days <= 3650:
            await ctx.send(_("Keep between 1 and 3650 days of history."))
            return
        await self.config.history_days.set(days)
        await ctx.send(_("XP history older than 1 day is pruned every hour.") if days == 1
                       else _("XP history older than {days} days is pruned every hour.").format(days=days))

    @unicornia.group(name="guild", aliases=["server"])
    @commands.guild_only()
    @commands.admin_or_permissions(manage_guild=True)
    async def guild_group(self, ctx: commands.Context) -> None:
        """Configure XP in this server."""

    @guild_group.group(name="activity")
    async def activity_group(self, ctx: commands.Context) -> None:
        """XP for links, thanks, reactions, commands; the cap."""

    @guild_group.group(name="multiplier")
    async def multiplier_group(self, ctx: commands.Context) -> None:
        """XP multipliers for boosters, roles and channels."""

    @guild_group.group(name="levelup")
    async def levelup_group(self, ctx: commands.Context) -> None:
        """Where and how level-ups are announced."""

    @guild_group.group(name="roles")
    async def roles_group(self, ctx: commands.Context) -> None:
        """How reward roles stack, come back on rejoin, and sync."""

    # --- switches and rates ------------------------------------------------------------------
    @guild_group.command(name="xpenabled")
    async def set_enabled(self, ctx: commands.Context, enabled: bool) -> None:
        """Turn XP gain on or off in this server.

        Example: `[p]unicornia guild xpenabled false`
        """
        await self.settings.update(ctx.guild.id, lambda g: g.enabled.set(enabled))
        await ctx.send(_("XP gain is now on in this server.") if enabled
                       else _("XP gain is now off in this server."))

    @guild_group.command(name="xprate")
    async def set_rate(self, ctx: commands.Context, multiplier: float) -> None:
        """Multiply all XP gains by this rate.

        Example: `[p]unicornia guild xprate 1.5`
        """
        await self._set_number(ctx, "xp_rate", multiplier, _("The XP rate"),
                               _("XP rate set to x{rate}.").format(rate=decimal(multiplier)))

    @guild_group.command(name="xppermessage", ignore_extra=False)  # a typo in [max] refuses, never drops it
    async def set_per_message(self, ctx: commands.Context, amount: int, maximum: Optional[int] = None) -> None:
        """XP a message earns before the rate, or a random range.

        With two numbers, each eligible message earns a random amount between them (MEE6 gives
        15-25); the rate and multipliers apply after.

        Examples: `[p]unicornia guild xppermessage 5` or `[p]unicornia guild xppermessage 15 25`
        """
        what = _("XP per message")
        problem = _check("xp_per_message", amount, what)
        if problem is None and maximum is not None:
            problem = _check("xp_per_message", maximum, what)
            if problem is None and maximum < amount:
                problem = _("The highest amount ({high}) cannot be below the lowest ({low}).").format(
                    high=maximum, low=amount)
        if problem:
            await ctx.send(problem)
            return
        top = maximum if maximum is not None and maximum > amount else None

        async def change(group) -> None:
            await group.xp_per_message.set(amount)
            await group.xp_per_message_max.set(top)

        await self.settings.update(ctx.guild.id, change)
        if top is None:
            await ctx.send(_("Each message now earns {amount} XP (before the rate).").format(amount=amount))
        else:
            await ctx.send(_("Each message now earns a random {low} to {high} XP (before the rate).").format(
                low=amount, high=top))

    @guild_group.command(name="cooldown")
    async def set_cooldown(self, ctx: commands.Context, seconds: int) -> None:
        """Seconds between messages that earn XP.

        0 lets every message earn.

        Example: `[p]unicornia guild cooldown 30`
        """
        await self._set_number(ctx, "cooldown", seconds, _("The cooldown"),
                               _("Members now earn message XP at most once every second.") if seconds == 1
                               else _("Members now earn message XP at most once every {seconds} seconds.").format(
                                   seconds=seconds))

    @guild_group.command(name="voicexp")
    async def set_voice_xp(self, ctx: commands.Context, per_minute: int) -> None:
        """XP per minute in voice (0 turns voice XP off).

        Example: `[p]unicornia guild voicexp 2`
        """
        await self._set_number(ctx, "voice_xp", per_minute, _("Voice XP per minute"),
                               _("Voice XP set to {amount} per minute.").format(amount=per_minute) if per_minute
                               else _("Voice XP is off."))

    @guild_group.command(name="cardstyle")
    async def set_card_style(self, ctx: commands.Context, name: Optional[str] = None) -> None:
        """The card style of members who haven't chosen their own.

        Without a name: the styles. `default` goes back to the cog's default.
        Members still choose theirs with `[p]level card style`.
        Example: `[p]unicornia guild cardstyle classic`
        """
        current = (await self.settings.get(ctx.guild.id)).card_style
        if name is None:
            await ctx.send(_("This server's card style is `{style}`. Styles:").format(style=current) + "\n"
                           + styles_list())
            return
        key = name.strip().lower()
        if key != DEFAULT_WORD and key not in STYLES:
            await refuse(ctx, _("There is no card style `{given}`. Pick one of:").format(given=name[:40]) + "\n"
                         + styles_list(), allowed_mentions=NO_PINGS)
            return
        await self.settings.update(ctx.guild.id, lambda g: g.card_style.set(None if key == DEFAULT_WORD else key))
        style = (await self.settings.get(ctx.guild.id)).card_style
        await ctx.send(with_prefix(ctx, _("Members who haven't chosen a style now get `{style}`; see it with "
                                          "`[p]level card preview`.").format(style=style)))

    @staticmethod
    def _limit(field: str, value: float, what: str) -> Optional[str]:
        return _check(field, value, what)

    async def _set_number(self, ctx: commands.Context, field: str, value: float, what: str, done: str) -> None:
        """Store a numeric setting if it is within its limit; otherwise say what is allowed."""
        if problem := _check(field, value, what):
            await ctx.send(problem)
            return
        await self.settings.update(ctx.guild.id, lambda g: getattr(g, field).set(value))
        await ctx.send(done)

    @levelup_group.command(name="messages")
    async def set_levelup_messages(self, ctx: commands.Context, enabled: bool) -> None:
        """Announce level-ups in the channel where they happen.

        Example: `[p]unicornia guild levelup messages true`
        """
        async def change(group) -> None:
            await group.levelup_messages.set(enabled)
            await group.announce_mode.set("channel" if enabled else "off")  # `levelup where` offers more places

        await self.settings.update(ctx.guild.id, change)
        await ctx.send(_("Level-up messages are now on.") if enabled else _("Level-up messages are now off."))

    # --- exclusions --------------------------------------------------------------------------
    @guild_group.command(name="excludechannel")
    async def exclude_channel(self, ctx: commands.Context, *, channel: ExcludableChannel) -> None:
        """Stop XP in a channel, category or thread.

        Threads and channels inside it inherit the exclusion.

        Example: `[p]unicornia guild excludechannel #bot-spam`
        """
        await self._edit_id_list(ctx, "excluded_channels", channel.id, add=True, label=channel.mention)

    @guild_group.command(name="includechannel")
    async def include_channel(self, ctx: commands.Context, *, channel: ExcludableChannel) -> None:
        """Let a channel earn XP again.

        Example: `[p]unicornia guild includechannel #bot-spam`
        """
        await self._edit_id_list(ctx, "excluded_channels", channel.id, add=False, label=channel.mention)

    @guild_group.command(name="excluderole")
    async def exclude_role(self, ctx: commands.Context, *, role: discord.Role) -> None:
        """Members with this role earn no XP.

        Example: `[p]unicornia guild excluderole Muted`
        """
        if role.is_default():  # every member has it, and the rules never see it: it would do nothing
            await ctx.send(with_prefix(ctx, _("Every member has @everyone: to stop XP for everyone, use "
                                              "`[p]unicornia guild xpenabled false`.")))
            return
        await self._edit_id_list(ctx, "excluded_roles", role.id, add=True, label=f"@{role.name}")

    @guild_group.command(name="includerole")
    async def include_role(self, ctx: commands.Context, *, role: discord.Role) -> None:
        """Members with this role earn XP again.

        Example: `[p]unicornia guild includerole Muted`
        """
        await self._edit_id_list(ctx, "excluded_roles", role.id, add=False, label=f"@{role.name}")

    async def _edit_id_list(self, ctx, field: str, item_id: int, *, add: bool, label: str) -> None:
        current = getattr(await self.settings.get(ctx.guild.id), field)
        if add == (item_id in current):
            await ctx.send((_("{label} is already excluded.") if add else _("{label} is not excluded.")).format(
                label=label), allowed_mentions=NO_PINGS)
            return

        async def change(group) -> None:
            async with getattr(group, field)() as ids:
                ids.append(item_id) if add else ids.remove(item_id)

        await self.settings.update(ctx.guild.id, change)
        await ctx.send((_("{label} no longer earns XP.") if add else _("{label} earns XP.")).format(label=label),
                       allowed_mentions=NO_PINGS)

    @guild_group.command(name="exclusions")
    async def show_exclusions(self, ctx: commands.Context) -> None:
        """List excluded channels and roles.

        Example: `[p]unicornia guild exclusions`
        """
        settings = await self.settings.get(ctx.guild.id)
        guild = ctx.guild
        channels = [guild.get_channel_or_thread(c) for c in settings.excluded_channels]
        roles = [guild.get_role(r) for r in settings.excluded_roles]
        lines = [_("Channels: {channels}").format(channels=", ".join(c.mention for c in channels if c) or _("none")),
                 _("Roles: {roles}").format(roles=", ".join(f"@{r.name}" for r in roles if r) or _("none"))]
        await send_long(ctx, lines)

    # --- rewards -----------------------------------------------------------------------------
    @guild_group.command(name="rolereward")
    async def add_role_reward(
        self, ctx: commands.Context, level: int, role: discord.Role, mode: Optional[str] = None
    ) -> None:
        """Give a role at a level, or take it away with `remove`.

        Examples: `[p]unicornia guild rolereward 10 Regular` and
        `[p]unicornia guild rolereward 10 Newcomer remove`
        """
        if mode is not None and mode.lower() not in REMOVE_WORDS:
            await ctx.send(_("`{mode}` isn't understood: add `remove` to take the role away, or nothing to give it.")
                           .format(mode=mode), allowed_mentions=NO_PINGS)
            return
        remove = mode is not None
        if not 1 <= level <= MAX_LEVEL:
            await ctx.send(_("The level must be between 1 and {max_level}.").format(
                max_level=humanize_number(MAX_LEVEL)))
            return
        if problem := role_problem(role, ctx.guild.me) or await invoker_problem(role, ctx.author, ctx.bot):
            await ctx.send(_("{problem} Nothing was changed.").format(problem=problem),
                           allowed_mentions=NO_PINGS)
            return

        async def change(group) -> None:
            async with group.role_rewards() as rewards:
                entries = [e for e in rewards.get(str(level), []) if e["role"] != role.id]
                entries.append({"role": role.id, "remove": remove})
                rewards[str(level)] = entries

        await self.settings.update(ctx.guild.id, change)
        done = _("Members reaching level {level} now lose @{role}.") if remove \
            else _("Members reaching level {level} now get @{role}.")
        await ctx.send(done.format(level=level, role=role.name), allowed_mentions=NO_PINGS)

    @guild_group.command(name="delrolereward")
    async def remove_role_reward(self, ctx: commands.Context, level: int, *, role: discord.Role) -> None:
        """Remove a role reward.

        Example: `[p]unicornia guild delrolereward 10 Regular`
        """
        settings = await self.settings.get(ctx.guild.id)
        if not any(r.level == level and r.role_id == role.id for r in settings.role_rewards):
            await ctx.send(_("There is no reward for @{role} at level {level}.").format(role=role.name, level=level),
                           allowed_mentions=NO_PINGS)
            return

        async def change(group) -> None:
            async with group.role_rewards() as rewards:
                entries = [e for e in rewards.get(str(level), []) if e["role"] != role.id]
                if entries:
                    rewards[str(level)] = entries
                else:
                    rewards.pop(str(level), None)

        await self.settings.update(ctx.guild.id, change)
        await ctx.send(_("Removed the level {level} reward for @{role}.").format(level=level, role=role.name),
                       allowed_mentions=NO_PINGS)

    @guild_group.command(name="currencyreward")
    async def set_currency_reward(self, ctx: commands.Context, level: int, amount: int) -> None:
        """Pay bank currency at a level (0 removes it).

        Example: `[p]unicornia guild currencyreward 5 500`
        """
        if not 1 <= level <= MAX_LEVEL:
            await ctx.send(_("The level must be between 1 and {max_level}.").format(
                max_level=humanize_number(MAX_LEVEL)))
            return
        if amount == 0:
            await self._drop_currency_reward(ctx, level)
            return
        if problem := _check("currency_reward", amount, _("The amount")):
            await ctx.send(problem)
            return
        max_balance = await bank.get_max_balance(ctx.guild)
        if amount > max_balance:
            await ctx.send(_("The amount can't exceed the bank's maximum balance ({max_balance}).").format(
                max_balance=humanize_number(max_balance)))
            return

        async def change(group) -> None:
            async with group.currency_rewards() as rewards:
                rewards[str(level)] = amount

        await self.settings.update(ctx.guild.id, change)
        currency = await bank.get_currency_name(ctx.guild)
        await ctx.send(_("Members reaching level {level} now receive {amount} {currency}.").format(
            level=level, amount=humanize_number(amount), currency=currency))

    @guild_group.command(name="delcurrencyreward")
    async def remove_currency_reward(self, ctx: commands.Context, level: int) -> None:
        """Remove a currency reward.

        Example: `[p]unicornia guild delcurrencyreward 5`
        """
        await self._drop_currency_reward(ctx, level)

    async def _drop_currency_reward(self, ctx, level: int) -> None:
        if level not in (await self.settings.get(ctx.guild.id)).currency_rewards:
            await ctx.send(_("There is no currency reward at level {level}.").format(level=level))
            return

        async def change(group) -> None:
            async with group.currency_rewards() as rewards:
                rewards.pop(str(level), None)

        await self.settings.update(ctx.guild.id, change)
        await ctx.send(_("Removed the currency reward at level {level}.").format(level=level))

    @guild_group.command(name="rewards")
    async def list_rewards(self, ctx: commands.Context) -> None:
        """List every level reward.

        Example: `[p]unicornia guild rewards`
        """
        await send_rewards(ctx, await self.settings.get(ctx.guild.id))

    @guild_group.command(name="settings")
    async def show_settings(self, ctx: commands.Context) -> None:
        """Show every XP setting of this server.

        Example: `[p]unicornia guild settings`
        """
        s = await self.settings.get(ctx.guild.id)
        yes, no, on, off = _("yes"), _("no"), _("on"), _("off")
        announced = {"channel": _("where they happen"), "dm": _("by DM"), "off": off,
                     "set": _("in <#{channel}>").format(channel=s.announce_channel)}[s.announce_mode]
        # the role mode is shown as the word `roles mode` takes (stack or replace)
        rejoin = _("{mode}, given back on rejoin") if s.rejoin_roles else _("{mode}, not given back on rejoin")
        broken = unassignable_rewards(ctx.guild, s)
        rows = [
            (_("XP enabled"), yes if s.enabled else no),
            (_("XP per message"), s.xp_per_message if s.xp_per_message_max is None
             else f"{s.xp_per_message}-{s.xp_per_message_max}"),
            (_("XP rate"), "x" + decimal(s.xp_rate)),
            (_("Level curve"), s.curve.formula()),
            (_("Cooldown"), _("{seconds} s").format(seconds=s.cooldown)),
            (_("Voice XP per minute"), s.voice_xp),
            (_("Level-ups announced"), announced),
            (_("Link / thanks XP"), f"{s.link_xp} / {s.thanks_xp}"),
            (_("Reaction / command XP"), f"{s.reaction_xp} / {s.command_xp}"),
            (_("XP cap per minute"), s.xp_per_minute_cap or _("none")),
            (_("Minimum length"), s.min_message_length),
            (_("Booster multiplier"), "x" + decimal(s.booster_multiplier)),
            (_("Role / channel multipliers"), f"{len(s.role_multipliers)} / {len(s.channel_multipliers)}"),
            (_("Reward roles"), rejoin.format(mode=s.role_mode)),
            (_("Reset XP on leave"), yes if s.reset_on_leave else no),
            (_("Achievements / quests / goal"), " / ".join(on if enabled else off for enabled in (
                s.achievements_enabled, s.quests_enabled, s.goal_enabled))),
            (_("Excluded channels"), len(s.excluded_channels)),
            (_("Excluded roles"), len(s.excluded_roles)),
            (_("Role rewards"), _("{count} ({broken} the bot can't assign: see rewards)").format(
                count=len(s.role_rewards), broken=broken) if broken else f"{len(s.role_rewards)}"),
            (_("Currency rewards"), len(s.currency_rewards)),
            (_("Card style"), s.card_style),
        ]
        width = max(len(name) for name, _value in rows)
        await ctx.send(box("\n".join(f"{name:<{width}} : {value}" for name, value in rows)))

    # --- XP changes --------------------------------------------------------------------------
    @guild_group.command(name="addxp")
    async def add_xp(self, ctx: commands.Context, member: discord.Member, amount: int) -> None:
        """Give or take a member's XP.

        A negative amount takes XP; recorded as awarded XP.

        Example: `[p]unicornia guild addxp @Alice 500`
        """
        if member.bot:
            await ctx.send(_("Bots don't have XP."))
            return
        if amount == 0 or (problem := _check("add_xp", amount, _("The amount"))):
            await ctx.send(problem if amount else _("The amount can't be zero."))
            return
        award = await self.xp.award(member, amount, kind="add", actor_id=ctx.author.id, reason="addxp")
        await self._after_admin_change(ctx, member, award.old_xp, award.new_xp)

    @guild_group.command(name="setlevel")
    async def set_level(self, ctx: commands.Context, member: discord.Member, level: int) -> None:
        """Set a member's level.

        Their XP becomes the start of that level.

        Example: `[p]unicornia guild setlevel @Alice 12`
        """
        if member.bot:
            await ctx.send(_("Bots don't have XP."))
            return
        if not 1 <= level <= MAX_LEVEL:
            await ctx.send(_("The level must be between 1 and {max_level}; use `reset` to clear a member.").format(
                max_level=humanize_number(MAX_LEVEL)))
            return
        current = await self.xp.current_xp((ctx.guild.id, member.id))
        curve = (await self.settings.get(ctx.guild.id)).curve
        award = await self.xp.award(member, curve.total(level) - current, kind="set", actor_id=ctx.author.id,
                                    reason=f"setlevel {level}")
        await self._after_admin_change(ctx, member, award.old_xp, award.new_xp)

    async def _after_admin_change(self, ctx, member: discord.Member, old_xp: int, new_xp: int) -> None:
        await self.rewards.xp_changed(member, old_xp, new_xp)  # levels crossed upwards are rewarded quietly
        curve = (await self.settings.get(ctx.guild.id)).curve
        old_level, new_level = curve.level(old_xp), curve.level(new_xp)
        await ctx.send(
            _("{member} now has {xp} XP (level {level}, was {old_level}).").format(
                member=member.display_name, xp=humanize_number(new_xp), level=new_level, old_level=old_level),
            allowed_mentions=NO_PINGS,
        )

    @guild_group.command(name="reset")
    async def reset(self, ctx: commands.Context, member: discord.Member = None) -> None:
        """Reset one member's XP, or everyone's.

        Without a member it resets everyone in this server.

        Asks for confirmation.  Example: `[p]unicornia guild reset @Alice`
        """
        question = (_("This resets {member}'s XP.").format(member=member.display_name) if member
                    else _("This resets the XP of EVERY member of this server."))
        if not await confirm(ctx, question, nothing=_("nothing was reset")):
            return
        if member:
            await self.xp.reset_member(ctx.guild.id, member.id, ctx.author.id)
            await ctx.send(_("Reset {member}'s XP.").format(member=member.display_name),
                           allowed_mentions=NO_PINGS)
        else:
            count = await self.xp.reset_guild(ctx.guild.id, ctx.author.id)
            await ctx.send(_("Reset the XP of 1 member.") if count == 1
                           else _("Reset the XP of {count} members.").format(count=humanize_number(count)))
