"""Guided setup: ``[p]unicornia setup`` and ``/unicornia setup``.

One message, edited in place, walks an admin through the day-one settings: XP on or off, where
level-ups are announced, which extras are on, and message XP with its cooldown. It starts from the
server's current settings, changes nothing until Confirm, and then saves through the same Config
keys and side effects as the ``[p]unicornia guild`` commands (achievements catch up, quests get
their starter set once). The reply names the command that changes each setting later.

The ``unicornia`` prefix group stays prefix-only (it has many subcommands); the slash form is a
separate top-level app command group, ``/unicornia``, holding only ``setup``.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import discord
from discord import app_commands
from redbot.core import commands

from ..abc import MixinMeta
from ..core.settings import LIMITS, GuildSettings
from ..i18n import _, guild_locale
from .admin import AdminCommands
from .replies import NO_PINGS

log = logging.getLogger("red.unicornia.setup")

#: Seconds without a click before the wizard gives up (nothing is changed then).
SETUP_TIMEOUT = 300.0
#: XP per message offered (the server's current value is offered too).
XP_CHOICES = (1, 2, 3, 5, 10)
#: Message XP cooldowns offered, in seconds (the server's current value is offered too).
COOLDOWN_CHOICES = (30, 60, 120, 300)
#: Channels level-ups can be announced in (what `[p]unicornia guild levelup where` takes).
ANNOUNCE_CHANNEL_TYPES = (discord.ChannelType.text, discord.ChannelType.news)
#: Who sees `/unicornia` in Discord's command list; the command checks again when it runs.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)
#: The extras the third step switches, as the select's values.
EXTRAS = ("achievements", "quests", "goal")
#: The steps, in order; the last one is the summary with Confirm.
STEPS = ("xp", "levelups", "extras", "rates", "summary")
#: The commands that change each setting later, in the order of :func:`setting_rows`.
CHANGE_COMMANDS = (
    "[p]unicornia guild xpenabled <true|false>",
    "[p]unicornia guild levelup where <here|dm|off|#channel>",
    "[p]unicornia guild achievement toggle <true|false>",
    "[p]unicornia guild quest toggle <true|false>",
    "[p]unicornia guild goal <true|false>",
    "[p]unicornia guild xppermessage <amount>",
    "[p]unicornia guild cooldown <seconds>",
)
_ID = "unicornia-setup:"
_MENTION_PREFIX = re.compile(r"^<@!?\d+> ?$")
_NAV_ROW = 4


# =================================================================================================
# What the wizard would set: plain data and text, no Discord calls
# =================================================================================================
@dataclass(frozen=True)
class SetupChoices:
    """The settings the wizard covers, as they are or as the admin has chosen them."""

    enabled: bool
    announce_mode: str  # "channel" (where they happen) | "set" (announce_channel) | "dm" | "off"
    announce_channel: Optional[int]
    achievements: bool
    quests: bool
    goal: bool
    xp_per_message: int
    cooldown: int

    @classmethod
    def from_settings(cls, settings: GuildSettings) -> "SetupChoices":
        mode = settings.announce_mode
        return cls(enabled=settings.enabled, announce_mode=mode,
                   announce_channel=settings.announce_channel if mode == "set" else None,
                   achievements=settings.achievements_enabled, quests=settings.quests_enabled,
                   goal=settings.goal_enabled, xp_per_message=settings.xp_per_message, cooldown=settings.cooldown)

    def extras(self) -> set[str]:
        return {name for name, on in zip(EXTRAS, (self.achievements, self.quests, self.goal)) if on}

    def with_extras(self, chosen: Sequence[str]) -> "SetupChoices":
        return dataclasses.replace(self, achievements="achievements" in chosen, quests="quests" in chosen,
                                   goal="goal" in chosen)


def on_off(flag: bool) -> str:
    return _("on") if flag else _("off")


def duration_text(seconds: int) -> str:
    """``30 seconds``, ``1 minute``, ``5 minutes``."""
    if seconds and seconds % 60 == 0:
        minutes = seconds // 60
        return _("1 minute") if minutes == 1 else _("{minutes} minutes").format(minutes=minutes)
    return _("1 second") if seconds == 1 else _("{seconds} seconds").format(seconds=seconds)


def announce_text(choices: SetupChoices) -> str:
    if choices.announce_mode == "set":
        return _("in <#{channel}>").format(channel=choices.announce_channel)
    return {"channel": _("where they happen"), "dm": _("by DM")}.get(choices.announce_mode, _("off"))


def setting_rows(choices: SetupChoices) -> list[tuple[str, str]]:
    """(setting, value) for each setting the wizard covers, in the order of :data:`CHANGE_COMMANDS`."""
    return [
        (_("XP"), on_off(choices.enabled)),
        (_("Level-ups announced"), announce_text(choices)),
        (_("Achievements"), on_off(choices.achievements)),
        (_("Quests"), on_off(choices.quests)),
        (_("Server goal"), on_off(choices.goal)),
        (_("XP per message"), str(choices.xp_per_message)),
        (_("Message XP cooldown"), duration_text(choices.cooldown)),
    ]


def summary_text(before: SetupChoices, after: SetupChoices, *, seeded: bool) -> str:
    """What Confirm will set, each changed setting with its value now."""
    lines = []
    for (setting, old), (_same, new) in zip(setting_rows(before), setting_rows(after)):
        lines.append(_("{setting}: **{value}**").format(setting=setting, value=new) if old == new
                     else _("{setting}: **{value}** (currently {old})").format(setting=setting, value=new, old=old))
    if after.quests and not before.quests and not seeded:
        lines.append(_("Turning quests on for the first time adds a starter set of quests."))
    if after.achievements and not before.achievements:
        lines.append(_("Members who already qualify for achievements unlock them quietly."))
    if before == after:
        lines.append(_("This is how the server is set up now: Confirm keeps it."))
    return "\n".join(lines)


def saved_text(after: SetupChoices, notes: Sequence[str], prefix: str) -> str:
    """What was set, and the command that changes each later."""
    lines = [_("**Unicornia setup**: saved. Change any of it later:")]
    for (setting, value), command in zip(setting_rows(after), CHANGE_COMMANDS):
        lines.append(_("{setting}: **{value}**, with `{command}`").format(
            setting=setting, value=value, command=command.replace("[p]", prefix)))
    lines.extend(notes)
    lines.append(_("See every setting with `{settings}`; run `{setup}` to go through this again.").format(
        settings=f"{prefix}unicornia guild settings", setup=f"{prefix}unicornia setup"))
    return "\n".join(lines)


def nothing_changed_text(reason: str, prefix: str) -> str:
    """``reason`` (translated, a whole sentence) and how to start again."""
    return _("{reason} Run `{command}` to start again.").format(
        reason=reason, command=f"{prefix}unicornia setup")


async def may_set_up(bot, member: discord.Member, permissions: discord.Permissions) -> bool:
    """Red's ``admin_or_permissions(manage_guild=True)`` for an interaction: the bot owner, the
    server owner, Red's admin role, or Manage Server here."""
    if await bot.is_owner(member) or member.guild.owner_id == member.id:
        return True
    return await bot.is_admin(member) or permissions.manage_guild


async def command_prefix(bot, guild: discord.Guild) -> str:
    """The prefix the bot answers to in ``guild`` (a slash command has none of its own to show)."""
    prefixes = await bot.get_valid_prefixes(guild)
    typed = next((p for p in prefixes if not _MENTION_PREFIX.match(p)), None)
    return typed if typed is not None else f"@{guild.me.display_name} "


# =================================================================================================
# The view
# =================================================================================================
class SetupView(discord.ui.View):
    """The wizard: one step at a time, Back and Next, a summary with Confirm; only its admin may
    press anything, and nothing is saved before Confirm."""

    def __init__(self, cog: "SetupCommands", guild: discord.Guild, author_id: int, prefix: str,
                 current: SetupChoices, *, seeded: bool) -> None:
        super().__init__(timeout=SETUP_TIMEOUT)
        self.cog = cog
        self.guild = guild
        self.author_id = author_id
        self.prefix = prefix
        self.before = current
        self.choices = current
        self.seeded = seeded  # whether the server has had its starter quests
        self.step = 0
        self.note: Optional[str] = None  # a refusal shown once on the current step
        self.message: Optional[discord.Message] = None
        self.last_interaction: Optional[discord.Interaction] = None  # edits the message on timeout

    # --- what the message shows --------------------------------------------------------------
    def render(self) -> str:
        """The current step's text; the components are rebuilt to match."""
        self.clear_items()
        name = STEPS[self.step]
        titles = {"xp": _("XP"), "levelups": _("Level-ups"), "extras": _("Extras"), "rates": _("Message XP"),
                  "summary": _("Summary")}
        header = _("**Unicornia setup** · step {step} of {steps}: {title}").format(
            step=self.step + 1, steps=len(STEPS), title=titles[name])
        body = getattr(self, f"_step_{name}")()
        self._add_navigation()
        parts = [header, body]
        if self.note:
            parts.append(self.note)
            self.note = None
        return "\n".join(parts)

    def _step_xp(self) -> str:
        chosen = self.choices.enabled
        self._button(_("XP on"), "xp:on", chosen, lambda: dataclasses.replace(self.choices, enabled=True))
        self._button(_("XP off"), "xp:off", not chosen, lambda: dataclasses.replace(self.choices, enabled=False))
        return "\n".join([
            _("Should members earn XP for chatting and talking in voice? Nothing is saved until you confirm at "
              "the end."),
            self._now_and_choice(on_off(self.before.enabled), on_off(chosen)),
        ])

    def _step_levelups(self) -> str:
        mode = self.choices.announce_mode
        for label, key, value in ((_("Here"), "here", "channel"), (_("By DM"), "dm", "dm"), (_("Off"), "off", "off")):
            self._button(label, f"announce:{key}", mode == value,
                         lambda value=value: dataclasses.replace(self.choices, announce_mode=value,
                                                                 announce_channel=None))
        picked = self.guild.get_channel(self.choices.announce_channel) if mode == "set" else None
        select = discord.ui.ChannelSelect(custom_id=_ID + "announce:channel", placeholder=_("Announce in a channel…"),
                                          channel_types=list(ANNOUNCE_CHANNEL_TYPES), row=1,
                                          default_values=[picked] if picked is not None else [])
        select.callback = lambda interaction: self._pick_channel(interaction, select)
        self.add_item(select)
        return "\n".join([
            _("Where should level-ups be announced? **Here**: in the channel where the member levelled up; a "
              "channel picked below; **By DM**; or **Off**."),
            self._now_and_choice(announce_text(self.before), announce_text(self.choices)),
        ])

    def _step_extras(self) -> str:
        chosen = self.choices.extras()
        labels = {"achievements": (_("Achievements"), _("Milestones members unlock, with bonus XP")),
                  "quests": (_("Quests"), _("Daily and weekly tasks that pay XP")),
                  "goal": (_("Server goal"), _("A daily message goal the whole server chases"))}
        select = discord.ui.Select(
            custom_id=_ID + "extras", placeholder=_("Extras that are on"), min_values=0, max_values=len(EXTRAS),
            options=[discord.SelectOption(label=labels[key][0], value=key, description=labels[key][1],
                                          default=key in chosen) for key in EXTRAS])

        async def picked(interaction: discord.Interaction) -> None:
            await self._choose(interaction, self.choices.with_extras([v for v in select.values if v in EXTRAS]))

        select.callback = picked
        self.add_item(select)
        return "\n".join([
            _("Which extras should be on? Pick them in the menu; leave it empty to turn them all off."),
            self._now_and_choice(self._extras_text(self.before), self._extras_text(self.choices)),
        ])

    def _step_rates(self) -> str:
        self._number_select("xp_per_message", _("XP per message"), XP_CHOICES,
                            lambda n: _("1 XP per message") if n == 1
                            else _("{amount} XP per message").format(amount=n), row=0)
        self._number_select("cooldown", _("Cooldown"), COOLDOWN_CHOICES,
                            lambda n: _("At most once every {duration}").format(duration=duration_text(n)), row=1)
        return "\n".join([
            _("How much XP does a message earn, and how long must a member wait before their next message earns "
              "again?"),
            _("XP per message: now **{now}**, your choice **{chosen}**").format(
                now=self.before.xp_per_message, chosen=self.choices.xp_per_message),
            _("Cooldown: now **{now}**, your choice **{chosen}**").format(
                now=duration_text(self.before.cooldown), chosen=duration_text(self.choices.cooldown)),
        ])

    def _step_summary(self) -> str:
        return "\n".join([
            _("Here is what will be set. Nothing has changed yet: press **Confirm** to save it, or **Cancel**."),
            summary_text(self.before, self.choices, seeded=self.seeded),
        ])

    @staticmethod
    def _now_and_choice(now: str, chosen: str) -> str:
        return _("Now: **{now}** · your choice: **{chosen}**").format(now=now, chosen=chosen)

    @staticmethod
    def _extras_text(choices: SetupChoices) -> str:
        return _("achievements {achievements}, quests {quests}, server goal {goal}").format(
            achievements=on_off(choices.achievements), quests=on_off(choices.quests), goal=on_off(choices.goal))

    # --- building components -----------------------------------------------------------------
    def _button(self, label: str, key: str, chosen: bool, choose: Callable[[], SetupChoices]) -> None:
        """A choice button on the current step; the chosen one stands out."""
        button = discord.ui.Button(label=label, custom_id=_ID + key, row=0,
                                   style=discord.ButtonStyle.primary if chosen else discord.ButtonStyle.secondary)
        button.callback = lambda interaction: self._choose(interaction, choose())
        self.add_item(button)

    def _number_select(self, field: str, placeholder: str, offered: Sequence[int], label: Callable[[int], str], *,
                       row: int) -> None:
        """A select of ``offered`` numbers for ``field`` (and the server's current one, marked), the
        chosen one selected."""
        now, chosen = getattr(self.before, field), getattr(self.choices, field)
        values = sorted({*offered, now})
        options = [discord.SelectOption(label=_("{choice} (current)").format(choice=label(n)) if n == now else label(n),
                                        value=str(n), default=n == chosen) for n in values]
        select = discord.ui.Select(custom_id=_ID + field, placeholder=placeholder, options=options, row=row)

        async def picked(interaction: discord.Interaction) -> None:
            number = int(select.values[0])
            if number in values and LIMITS[field].check(number, field) is None:
                await self._choose(interaction, dataclasses.replace(self.choices, **{field: number}))
            else:  # not an offered value: show the step again unchanged
                await self._show(interaction)

        select.callback = picked
        self.add_item(select)

    def _add_navigation(self) -> None:
        last = self.step == len(STEPS) - 1
        back = discord.ui.Button(label=_("Back"), custom_id=_ID + "back", row=_NAV_ROW, disabled=self.step == 0)
        back.callback = lambda interaction: self._go(interaction, -1)
        self.add_item(back)
        if last:
            confirm = discord.ui.Button(label=_("Confirm"), custom_id=_ID + "confirm", row=_NAV_ROW,
                                        style=discord.ButtonStyle.success)
            confirm.callback = self._confirm
            self.add_item(confirm)
        else:
            forward = discord.ui.Button(label=_("Next"), custom_id=_ID + "next", row=_NAV_ROW,
                                        style=discord.ButtonStyle.primary)
            forward.callback = lambda interaction: self._go(interaction, 1)
            self.add_item(forward)
        cancel = discord.ui.Button(label=_("Cancel"), custom_id=_ID + "cancel", row=_NAV_ROW,
                                   style=discord.ButtonStyle.danger)
        cancel.callback = self._cancel
        self.add_item(cancel)

    # --- starting ------------------------------------------------------------------------------
    async def start_in(self, ctx: commands.Context) -> None:
        self.message = await ctx.send(self.render(), view=self, allowed_mentions=NO_PINGS)

    async def start_from(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(self.render(), view=self,
                                                allowed_mentions=NO_PINGS)
        self.last_interaction = interaction
        self.message = await interaction.original_response()

    # --- answering clicks ----------------------------------------------------------------------
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        await guild_locale(self.cog.bot, self.guild)  # component clicks come without a command's language
        if interaction.user.id != self.author_id:
            await interaction.response.send_message(_("This setup is not yours."), ephemeral=True)
            return False
        if self.cog.bot.get_cog(self.cog.qualified_name) is not self.cog:  # reloaded since: its services are closed
            self.stop()
            await interaction.response.edit_message(content=nothing_changed_text(
                _("Unicornia was reloaded since this setup started; nothing was changed."), self.prefix), view=None)
            return False
        self.last_interaction = interaction
        return True

    async def _show(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=self.render(), view=self,
                                                allowed_mentions=NO_PINGS)

    async def _choose(self, interaction: discord.Interaction, choices: SetupChoices) -> None:
        self.choices = choices
        await self._show(interaction)

    async def _go(self, interaction: discord.Interaction, by: int) -> None:
        self.step = min(max(self.step + by, 0), len(STEPS) - 1)
        await self._show(interaction)

    async def _pick_channel(self, interaction: discord.Interaction, select: discord.ui.ChannelSelect) -> None:
        channel = self.guild.get_channel(select.values[0].id)
        if channel is None or channel.type not in ANNOUNCE_CHANNEL_TYPES:
            self.note = _("That channel can't be used; pick a text channel.")
        elif not channel.permissions_for(self.guild.me).send_messages:
            self.note = _("⚠ I can't send messages in {channel}, so level-ups can't be announced there. Give me "
                          "Send Messages in it, or pick another channel.").format(channel=channel.mention)
        else:
            self.choices = dataclasses.replace(self.choices, announce_mode="set", announce_channel=channel.id)
        await self._show(interaction)

    async def _cancel(self, interaction: discord.Interaction) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=nothing_changed_text(_("Setup cancelled; nothing was changed."), self.prefix), view=None)

    async def _confirm(self, interaction: discord.Interaction) -> None:
        member = interaction.user
        if not isinstance(member, discord.Member) or not await may_set_up(self.cog.bot, member,
                                                                          interaction.permissions):
            self.stop()  # no longer an admin: nothing is saved
            await interaction.response.edit_message(content=nothing_changed_text(
                _("You are no longer allowed to change these settings; nothing was changed."), self.prefix),
                view=None)
            return
        if SetupChoices.from_settings(await self.cog.settings.get(self.guild.id)) != self.before:
            self.stop()  # another admin's setup or a command changed them: saving would undo that unseen
            await interaction.response.edit_message(content=nothing_changed_text(
                _("These settings were changed since this setup started (by another admin or a command), so "
                  "nothing was saved. Start again to see them as they are now."), self.prefix), view=None)
            return
        self.stop()  # before anything else is awaited: a second click finds the view finished
        await interaction.response.edit_message(content=_("**Unicornia setup**: saving…"), view=None)
        try:
            notes = await self.cog.apply_setup(self.guild, self.choices)
        except Exception:
            log.exception("Saving the setup of guild %s chosen by %s failed", self.guild.id, self.author_id)
            text = _("**Unicornia setup**: saving failed, so some settings may not have changed; the bot owner can "
                     "find the details in the log. Check with `{command}`.").format(
                         command=f"{self.prefix}unicornia guild settings")
        else:
            text = saved_text(self.choices, notes, self.prefix)
        await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    async def on_timeout(self) -> None:
        await guild_locale(self.cog.bot, self.guild)
        for item in self.children:
            item.disabled = True
        text = nothing_changed_text(_("Setup timed out; nothing was changed."), self.prefix)
        try:
            last = self.last_interaction
            if last is not None and not last.is_expired():
                await last.edit_original_response(content=text, view=self)
            elif self.message is not None:
                await self.message.edit(content=text, view=self)
        except discord.HTTPException:
            log.debug("The timed-out setup message in guild %s could not be edited", self.guild.id, exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.error("The setup wizard in guild %s failed on %s", self.guild.id, getattr(item, "custom_id", item),
                  exc_info=error)
        text = _("Something went wrong; the bot owner can find the details in the log.")
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)


# =================================================================================================
# The commands
# =================================================================================================
class SetupCommands(MixinMeta):
    #: ``/unicornia``: only ``setup`` (the settings themselves stay prefix commands).
    unicornia_app = app_commands.Group(name="unicornia", description="Set Unicornia up in this server (admins).",
                                       guild_only=True, default_permissions=ADMIN_PERMISSIONS)

    @AdminCommands.unicornia.command(name="setup")
    @commands.guild_only()
    @commands.admin_or_permissions(manage_guild=True)
    async def unicornia_setup(self, ctx: commands.Context) -> None:
        """Set up XP step by step.

        XP on or off, where level-ups are announced, achievements, quests and the server goal,
        XP per message and its cooldown. Shows what it will set and changes nothing until you
        confirm.

        Example: `[p]unicornia setup`
        """
        await (await self._setup_view(ctx.guild, ctx.author.id, ctx.clean_prefix)).start_in(ctx)

    @unicornia_app.command(name="setup", description="Set up XP step by step; nothing changes until you confirm.")
    async def unicornia_setup_slash(self, interaction: discord.Interaction) -> None:
        guild, member = interaction.guild, interaction.user
        if guild is None or not isinstance(member, discord.Member):
            await interaction.response.send_message(_("This command works only in a server."), ephemeral=True)
            return
        if await self.bot.cog_disabled_in_guild(self, guild):
            await interaction.response.send_message(_("Unicornia is disabled in this server."), ephemeral=True)
            return
        if not await may_set_up(self.bot, member, interaction.permissions):
            await interaction.response.send_message(
                _("Only server admins (Red's admin role or Manage Server) can run the setup."), ephemeral=True)
            return
        view = await self._setup_view(guild, member.id, await command_prefix(self.bot, guild))
        await view.start_from(interaction)

    async def _setup_view(self, guild: discord.Guild, author_id: int, prefix: str) -> SetupView:
        current = SetupChoices.from_settings(await self.settings.get(guild.id))
        seeded = await self.config.guild(guild).quests_seeded()
        return SetupView(self, guild, author_id, prefix, current, seeded=seeded)

    async def apply_setup(self, guild: discord.Guild, chosen: SetupChoices) -> list[str]:
        """Save ``chosen`` as the individual admin commands do; returns notes on what came with it
        (starter quests added, achievements caught up), translated."""
        now = await self.settings.get(guild.id)
        group = self.config.guild(guild)
        notes: list[str] = []

        async def change(config_group) -> None:
            await config_group.enabled.set(chosen.enabled)
            await config_group.announce_mode.set(chosen.announce_mode)  # as `levelup where`
            await config_group.announce_channel.set(chosen.announce_channel if chosen.announce_mode == "set"
                                                    else None)
            await config_group.xp_per_message.set(chosen.xp_per_message)
            await config_group.cooldown.set(chosen.cooldown)
            await config_group.goal_enabled.set(chosen.goal)
            await config_group.quests_enabled.set(chosen.quests)

        await self.settings.update(guild.id, change)
        if chosen.quests:  # as `quest toggle true`: the starter set, the first time only
            added = [] if await group.quests_seeded() else await self.goals.add_starter_quests(guild.id)
            await group.quests_seeded.set(True)
            if added:
                notes.append(_("Added the starter quests: {names}.").format(names=", ".join(added)))
        if chosen.achievements != now.achievements_enabled:  # as `achievement toggle`
            if chosen.achievements:
                _members, count = await self.achievements.catch_up(guild.id, self.rewards.level_up)
                if count:
                    notes.append(_("Members who already qualified unlocked 1 achievement, without announcements.")
                                 if count == 1 else
                                 _("Members who already qualified unlocked {count} achievements, without "
                                   "announcements.").format(count=count))
            await self.settings.update(guild.id, lambda g: g.achievements_enabled.set(chosen.achievements))
            self.xp.refresh_marks(guild.id)
        return notes
