"""Admin commands for activity XP, multipliers, anti-farming, announcements and reward-role modes."""
from __future__ import annotations

import asyncio
import time
from typing import Optional, Union

import discord
from redbot.core import commands
from redbot.core.utils.chat_formatting import box, humanize_list, humanize_number

from ..abc import MixinMeta
from ..i18n import _, decimal
from .confirm import confirm
from .hints import with_prefix
from ..core.levels import SHOWN_LEVELS, Curve, CurveError
from ..core.settings import GUILD_DEFAULTS, ROLE_MODES
from ..core.templates import TemplateError, blank, check_template
from .admin import AdminCommands, ExcludableChannel
from .replies import NO_PINGS, send_long

guild_group = AdminCommands.guild_group
activity_group = AdminCommands.activity_group
multiplier_group = AdminCommands.multiplier_group
levelup_group = AdminCommands.levelup_group
roles_group = AdminCommands.roles_group
#: How often the syncroles progress message is edited.
PROGRESS_EVERY = 2.0
MAX_THANKS_WORDS = 30


class ActivityAdminCommands(MixinMeta):
    # --- XP for other activity ---------------------------------------------------------------
    @activity_group.command(name="linkxp")
    async def set_link_xp(self, ctx: commands.Context, amount: int) -> None:
        """Bonus XP for a message with a link (once per message).

        Example: `[p]unicornia guild activity linkxp 3`
        """
        await self._set_number(ctx, "link_xp", amount, _("Link XP"),
                               _("Messages with a link now earn {amount} extra XP.").format(amount=amount))

    @activity_group.command(name="thanksxp")
    async def set_thanks_xp(self, ctx: commands.Context, amount: int) -> None:
        """XP a member gets when someone thanks them.

        Example: `[p]unicornia guild activity thanksxp 5`
        """
        await self._set_number(ctx, "thanks_xp", amount, _("Thanks XP"),
                               _("Being thanked now earns {amount} XP.").format(amount=amount))

    @activity_group.command(name="thankscooldown")
    async def set_thanks_cooldown(self, ctx: commands.Context, seconds: int) -> None:
        """Cooldown between two paid thanks.

        Seconds before the same member's thanks to the same person pays again.

        Example: `[p]unicornia guild activity thankscooldown 600`
        """
        await self._set_number(ctx, "thanks_cooldown", seconds, _("The thanks cooldown"),
                               _("A member's thanks to the same person now pays once every second.") if seconds == 1
                               else _("A member's thanks to the same person now pays once every {seconds} seconds.")
                               .format(seconds=seconds))

    @activity_group.command(name="thankswords")
    async def set_thanks_words(self, ctx: commands.Context, *, words: str) -> None:
        """Words that count as thanks.

        Separated by commas; `reset` for the defaults.

        Example: `[p]unicornia guild activity thankswords thanks, thank you, merci, danke`
        """
        if words.strip().lower() == "reset":
            chosen = list(GUILD_DEFAULTS["thanks_words"])
        else:
            chosen = [w.strip() for w in words.split(",") if not blank(w)]
        if not chosen or len(chosen) > MAX_THANKS_WORDS or any(len(w) > 40 for w in chosen):
            await ctx.send(_("Give 1 to {max_words} words or phrases of at most 40 characters, "
                             "separated by commas.").format(max_words=MAX_THANKS_WORDS))
            return
        await self.settings.update(ctx.guild.id, lambda g: g.thanks_words.set(chosen))
        await ctx.send(_("Thanks words: {words}").format(words=humanize_list([f"`{w}`" for w in chosen])))

    @activity_group.command(name="reactionxp")
    async def set_reaction_xp(self, ctx: commands.Context, amount: int) -> None:
        """XP for adding a reaction (default 0; always counted).

        Example: `[p]unicornia guild activity reactionxp 1`
        """
        await self._set_number(ctx, "reaction_xp", amount, _("Reaction XP"),
                               _("Reactions now earn {amount} XP.").format(amount=amount))

    @activity_group.command(name="commandxp")
    async def set_command_xp(self, ctx: commands.Context, amount: int) -> None:
        """XP for using a bot command (default 0; always counted).

        Example: `[p]unicornia guild activity commandxp 1`
        """
        await self._set_number(ctx, "command_xp", amount, _("Command XP"),
                               _("Commands now earn {amount} XP.").format(amount=amount))

    # --- multipliers -------------------------------------------------------------------------
    @multiplier_group.command(name="booster")
    async def set_booster_multiplier(self, ctx: commands.Context, multiplier: float) -> None:
        """XP multiplier for server boosters.

        Example: `[p]unicornia guild multiplier booster 1.5`
        """
        await self._set_number(ctx, "booster_multiplier", multiplier, _("The booster multiplier"),
                               _("Server boosters now earn x{multiplier} XP.").format(multiplier=decimal(multiplier)))

    @multiplier_group.command(name="role")
    async def set_role_multiplier(self, ctx: commands.Context, role: discord.Role, multiplier: float) -> None:
        """XP multiplier for a role.

        The member's highest applies; 0 = no XP; 1 removes it.

        Example: `[p]unicornia guild multiplier role Supporter 2`
        """
        if role.is_default():  # every member has it, and the rules never see it: it would do nothing
            await ctx.send(with_prefix(ctx, _("Every member has @everyone: to change everyone's XP, use "
                                              "`[p]unicornia guild xprate`.")))
            return
        await self._set_multiplier(ctx, "role_multipliers", role.id, multiplier, f"@{role.name}")

    @multiplier_group.command(name="channel")
    async def set_channel_multiplier(self, ctx: commands.Context, channel: ExcludableChannel,
                                     multiplier: float) -> None:
        """XP multiplier for a channel.

        A channel, category or thread (threads and channels inherit); 0 = no XP; 1 removes it.

        Example: `[p]unicornia guild multiplier channel #events 1.5`
        """
        await self._set_multiplier(ctx, "channel_multipliers", channel.id, multiplier, channel.mention)

    async def _set_multiplier(self, ctx, field: str, item_id: int, value: float, label: str) -> None:
        if problem := self._limit("multiplier", value, _("The multiplier")):
            await ctx.send(problem)
            return

        async def change(group) -> None:
            async with getattr(group, field)() as table:
                if value == 1:
                    table.pop(str(item_id), None)
                else:
                    table[str(item_id)] = value

        await self.settings.update(ctx.guild.id, change)
        done = _("{label}: no multiplier.") if value == 1 else _("{label} now multiplies XP by {multiplier}.")
        await ctx.send(done.format(label=label, multiplier=decimal(value)),
                       allowed_mentions=NO_PINGS)

    @multiplier_group.command(name="list")
    async def show_multipliers(self, ctx: commands.Context) -> None:
        """List role, channel and booster multipliers.

        Example: `[p]unicornia guild multiplier list`
        """
        s = await self.settings.get(ctx.guild.id)
        guild = ctx.guild
        lines = [_("Boosters: x{multiplier}").format(multiplier=decimal(s.booster_multiplier))]
        for role_id, value in s.role_multipliers.items():
            role = guild.get_role(role_id)
            lines.append(_("Role {role}: x{multiplier}").format(
                role=('@' + role.name) if role else role_id, multiplier=decimal(value)))
        for channel_id, value in s.channel_multipliers.items():
            channel = guild.get_channel_or_thread(channel_id)
            lines.append(_("Channel {channel}: x{multiplier}").format(
                channel=('#' + channel.name) if channel else channel_id, multiplier=decimal(value)))
        await send_long(ctx, lines, boxed=True)

    # --- anti-farming ------------------------------------------------------------------------
    @activity_group.command(name="xpcap")
    async def set_xp_cap(self, ctx: commands.Context, per_minute: int) -> None:
        """Most XP a member can earn per minute.

        All activity together; 0 = no cap.

        Example: `[p]unicornia guild activity xpcap 20`
        """
        await self._set_number(ctx, "xp_per_minute_cap", per_minute, _("The per-minute cap"),
                               _("Members now earn at most {amount} XP a minute.").format(amount=per_minute)
                               if per_minute else _("There is no per-minute XP cap now."))

    @activity_group.command(name="minlength")
    async def set_min_length(self, ctx: commands.Context, characters: int) -> None:
        """Shortest message that earns XP.

        Shorter messages without a space earn no XP; 0 = any message.

        Example: `[p]unicornia guild activity minlength 5`
        """
        await self._set_number(ctx, "min_message_length", characters, _("The minimum length"),
                               _("Messages need a space or {characters} characters to earn XP.").format(
                                   characters=characters))

    # --- announcements -----------------------------------------------------------------------
    @levelup_group.command(name="where")
    async def set_announce(self, ctx: commands.Context, where: Union[discord.TextChannel, str]) -> None:
        """Where level-ups are announced.

        `here` (where they happen), `dm`, `off`, or a channel.

        Example: `[p]unicornia guild levelup where #level-ups`
        """
        if isinstance(where, discord.TextChannel):
            if not where.permissions_for(ctx.guild.me).send_messages:
                await ctx.send(_("I can't send messages in {channel}; nothing was changed.").format(
                    channel=where.mention))
                return
            mode, channel_id = "set", where.id
            done = _("Level-ups are now announced in {channel}.").format(channel=where.mention)
        else:
            word = where.lower()
            mode = {"here": "channel", "channel": "channel", "dm": "dm", "off": "off"}.get(word)
            if mode is None:
                await ctx.send(_("Say `here`, `dm`, `off`, or mention a channel."))
                return
            channel_id = None
            done = {"channel": _("Level-ups are now announced where they happen."),
                    "dm": _("Level-ups are now announced by direct message."),
                    "off": _("Level-ups are now announced nowhere (off).")}[mode]

        async def change(group) -> None:
            await group.announce_mode.set(mode)
            await group.announce_channel.set(channel_id)

        await self.settings.update(ctx.guild.id, change)
        await ctx.send(done)

    @levelup_group.command(name="message")
    async def set_announce_message(self, ctx: commands.Context, *, template: str) -> None:
        """Set the level-up message.

        `reset` goes back to the default.  Variables: {mention} {user} {level} {old_level} {xp}
        {guild} {role}.  Levels take number formats ({level:,}); the others are text ({user:>20}).

        Example: `[p]unicornia guild levelup message GG {mention}, level {level}! {role}`
        """
        if template.strip().lower() == "reset":
            await self.settings.update(ctx.guild.id, lambda g: g.levelup_template.clear())
            await ctx.send(_("The level-up message is back to the default."))
            return
        try:
            check_template(template)
        except TemplateError as exc:
            await ctx.send(_("{problem} Nothing was changed.").format(problem=exc))
            return
        await self.settings.update(ctx.guild.id, lambda g: g.levelup_template.set(template))
        await ctx.send(with_prefix(ctx, _("Level-up message saved. See it with "
                                          "`[p]unicornia guild levelup preview`.")))

    @levelup_group.command(name="preview")
    async def preview_announce(self, ctx: commands.Context) -> None:
        """Preview the level-up message.

        As you would see it at your next level.

        Example: `[p]unicornia guild levelup preview`
        """
        xp = await self.xp.current_xp((ctx.guild.id, ctx.author.id))
        settings = await self.settings.get(ctx.guild.id)
        level = settings.curve.level(xp)
        text = await self.rewards.render_announcement(ctx.author, level, level + 1, xp, [], 0)
        await ctx.send(_("Preview (announced: {mode}):\n{text}").format(mode=settings.announce_mode, text=text),
                       allowed_mentions=NO_PINGS)

    # --- reward roles ------------------------------------------------------------------------
    @roles_group.command(name="mode")
    async def set_role_mode(self, ctx: commands.Context, mode: str) -> None:
        """Stack reward roles or keep only the highest.

        `stack` keeps every reward role earned; `replace` keeps only the highest.

        Example: `[p]unicornia guild roles mode replace`
        """
        mode = mode.lower()
        if mode not in ROLE_MODES:
            await ctx.send(_("Say `stack` or `replace`."))
            return
        await self.settings.update(ctx.guild.id, lambda g: g.role_mode.set(mode))
        done = (_("Reward roles now stack. Run `[p]unicornia guild roles sync` to apply it to everyone now.")
                if mode == "stack" else
                _("Reward roles now replace each other. Run `[p]unicornia guild roles sync` to apply it to everyone "
                  "now."))
        await ctx.send(with_prefix(ctx, done))

    @roles_group.command(name="rejoin")
    async def set_rejoin_roles(self, ctx: commands.Context, enabled: bool) -> None:
        """Give reward roles back to members who leave and rejoin.

        Example: `[p]unicornia guild roles rejoin true`
        """
        await self.settings.update(ctx.guild.id, lambda g: g.rejoin_roles.set(enabled))
        await ctx.send(_("Reward roles are given back on rejoin.") if enabled
                       else _("Reward roles are not given back on rejoin."))

    @guild_group.command(name="resetonleave")
    async def set_reset_on_leave(self, ctx: commands.Context, enabled: bool) -> None:
        """Reset a member's XP when they leave the server.

        Example: `[p]unicornia guild resetonleave true`
        """
        await self.settings.update(ctx.guild.id, lambda g: g.reset_on_leave.set(enabled))
        await ctx.send(_("Members' XP is reset when they leave.") if enabled
                       else _("Members' XP is not reset when they leave."))

    @roles_group.command(name="sync")
    @commands.bot_has_permissions(manage_roles=True)
    async def sync_roles(self, ctx: commands.Context) -> None:
        """Make every member's reward roles match.

        Gives and takes reward roles so every member matches their level now.

        Example: `[p]unicornia guild roles sync`
        """
        await self._sync_reward_roles(ctx)

    async def _sync_reward_roles(self, ctx: commands.Context, *, strict: bool = False) -> None:
        """Bring every member's reward roles in line with their level, in one progress message
        (no level-up announcements: nobody earned anything); ``strict`` also takes away reward
        roles of levels above a member's (after a curve change)."""
        members = [m for m in ctx.guild.members if not m.bot]
        progress = await ctx.send(_("Syncing reward roles: 0/{total}...").format(total=len(members)))
        changed, last_edit = 0, time.monotonic()
        for done, member in enumerate(members, start=1):
            xp = await self.xp.current_xp((ctx.guild.id, member.id))
            if await self.rewards.sync_member(member, xp, strict=strict):
                changed += 1
            if time.monotonic() - last_edit >= PROGRESS_EVERY:
                last_edit = time.monotonic()
                await progress.edit(content=_("Syncing reward roles: {done}/{total}, {changed} changed...").format(
                    done=done, total=len(members), changed=changed))
            await asyncio.sleep(0)
        finished = (_("Reward roles synced: 1 member checked, {changed} changed.") if len(members) == 1
                    else _("Reward roles synced: {count} members checked, {changed} changed."))
        await progress.edit(content=finished.format(count=len(members), changed=changed))

    # --- the level curve ---------------------------------------------------------------------
    @guild_group.command(name="curve")
    async def set_curve(self, ctx: commands.Context, kind: Optional[str] = None, *numbers: float) -> None:
        """How much XP each level takes; alone, shows the curve.

        `nadeko` (the default: level L to L+1 costs 36 + 9·L XP), `mee6` (5·L² + 50·L + 100),
        `linear <XP per level>`, or `custom <a> [b] [c]` for total XP = a·L³ + b·L² + c·L.
        Members keep their XP; their levels follow the new curve, and reward roles are synced
        without level-up announcements. Asks for confirmation.

        Examples: `[p]unicornia guild curve`, `[p]unicornia guild curve mee6`,
        `[p]unicornia guild curve linear 500`, `[p]unicornia guild curve custom 0.1 5 40`
        """
        current = (await self.settings.get(ctx.guild.id)).curve
        if kind is None:
            await ctx.send(_("This server's level curve: {formula}\n{table}").format(
                formula=current.formula(), table=curve_table(current)))
            return
        try:
            chosen = Curve.of(kind, numbers)
        except CurveError as exc:
            await ctx.send(str(exc))
            return
        if chosen == current:
            await ctx.send(_("That is already this server's curve."))
            return
        question = _("Members keep their XP, but their levels will follow the new curve, and reward roles "
                     "will be given or taken to match (quietly, without level-up messages):\n{table}").format(
            table=curve_table(chosen, before=current))
        if not await confirm(ctx, question):
            return
        await self.xp.flush()
        await self.settings.update(ctx.guild.id, lambda g: g.curve.set(chosen.to_config()))
        self.xp.forget_guilds({ctx.guild.id})  # cached members' next-level marks follow the new curve
        await ctx.send(_("The level curve is now {formula}.").format(formula=chosen.formula()))
        settings = await self.settings.get(ctx.guild.id)
        if not settings.role_rewards:
            return
        if not ctx.guild.me.guild_permissions.manage_roles:
            await ctx.send(with_prefix(ctx, _("I can't manage roles here, so reward roles were not synced: give me "
                                              "Manage Roles and run `[p]unicornia guild roles sync`.")))
            return
        await self._sync_reward_roles(ctx, strict=True)


def curve_table(curve: Curve, before: Optional[Curve] = None) -> str:
    """Total XP to reach the levels people look at, with the old curve's beside it when changing."""
    if before is None:
        rows = [_("level {level}: {xp} XP").format(level=level, xp=humanize_number(curve.total(level))) for level in SHOWN_LEVELS]
    else:
        rows = [_("level {level}: {xp} XP (was {old})").format(
                    level=level, xp=humanize_number(curve.total(level)), old=humanize_number(before.total(level)))
                for level in SHOWN_LEVELS]
    return box("\n".join(rows))
