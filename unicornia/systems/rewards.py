"""Level-up consequences: reward roles, currency through Red's bank, and the announcement.

Level-ups happen outside any command (a message, a flush, a voice interval), so the text is built
after :func:`guild_locale` has switched to the server's language.
"""
from __future__ import annotations

import logging
from typing import Awaitable, Callable, Optional

import discord
from redbot.core import bank
from redbot.core.bank import errors as bank_errors
from redbot.core.utils.chat_formatting import humanize_number

from ..core.notify import DEFAULT_NOTIFY, announce_mode
from ..core.rewards import RewardPlan, expected_roles, plan_rewards
from ..core.templates import fit_message, render, uses
from ..i18n import _, guild_locale
from .gate import RedGate
from .settings import SettingsCache

log = logging.getLogger("red.unicornia.rewards")

#: Reads a member's own choice of where their level-ups go (``[p]level notify``).
NotifyChoice = Callable[[discord.Member], Awaitable[str]]


def role_problem(role: discord.Role, me: discord.Member) -> Optional[str]:
    """Why the bot could not give or take ``role``, or None when it can."""
    if role.is_default():
        return _("@everyone can't be a reward.")
    if role.managed:
        return _("{role} is managed by an integration; nobody can assign it.").format(role=role.name)
    if not me.guild_permissions.manage_roles:
        return _("I need the Manage Roles permission to give reward roles.")
    if role >= me.top_role:
        return _("{role} is not below my highest role ({top}), so I can't assign it.").format(
            role=role.name, top=me.top_role.name)
    return None


async def invoker_problem(role: discord.Role, invoker: discord.Member, bot) -> Optional[str]:
    """Why ``invoker`` may not make the bot give or take ``role``, or None when they may.

    Only someone who could assign the role by hand may set it up as a reward: the server owner,
    a bot owner, or a member with Manage Roles whose highest role is above it.  Otherwise Manage
    Server alone would let a member hand themselves any role below the bot's."""
    if invoker.id == invoker.guild.owner_id or await bot.is_owner(invoker):
        return None
    if not invoker.guild_permissions.manage_roles:
        return _("You need the Manage Roles permission to make {role} a level reward.").format(role=role.name)
    if role >= invoker.top_role:
        return _("{role} is not below your highest role ({top}), so you can't make it a level reward.").format(
            role=role.name, top=invoker.top_role.name)
    return None


class RewardService:
    def __init__(self, settings: SettingsCache, gate: RedGate, bot=None, *,
                 audit: Optional[Callable[..., Awaitable[None]]] = None,
                 notify_choice: Optional[NotifyChoice] = None) -> None:
        self.settings = settings
        self.gate = gate  # nothing is announced where the cog is disabled
        #: The bot, for the server's language; the gate's bot unless given.
        self.bot = bot if bot is not None else getattr(gate, "bot", None)
        #: Records every reward paid (the store's audit log); none recorded without it.
        self.audit = audit
        #: Each member's ``[p]level notify`` choice; everyone follows the server without it.
        self.notify_choice = notify_choice

    async def _use_guild_locale(self, guild: discord.Guild) -> None:
        """Speak the server's language in this task from here on (no command set it)."""
        if self.bot is not None:
            await guild_locale(self.bot, guild)

    async def _record(self, member: discord.Member, kind: str, amount: int, reason: str) -> None:
        if self.audit is None:
            return
        try:
            await self.audit(member.guild.id, member.id, kind, amount, reason)
        except Exception:
            log.exception("Could not write the audit row for a %s reward of member %s in guild %s",
                          kind, member.id, member.guild.id)

    async def level_up(
        self,
        member: discord.Member,
        old_level: int,
        new_level: int,
        channel: Optional[discord.abc.Messageable],
        *,
        announce: bool = True,
        xp: Optional[int] = None,
    ) -> RewardPlan:
        """Give every reward for the levels crossed, tell other cogs (``unicornia_level_up``), then
        announce where the guild and the member want it, in the server's language.

        Every level-up reaches this method (messages, voice, rewards, admin commands, the API),
        quiet ones (``announce=False``) included."""
        settings = await self.settings.get(member.guild.id)
        plan = plan_rewards(old_level, new_level, dict(settings.currency_rewards))
        given_roles = await self._sync_roles(member, new_level, settings)
        paid = await self._pay(member, plan)
        if self.bot is not None:  # each listener runs in its own task: one that raises can't reach us
            self.bot.dispatch("unicornia_level_up", member, old_level, new_level)
        if not announce or settings.announce_mode == "off":
            return plan
        mode = announce_mode(settings.announce_mode, await self._notify_choice(member), _levelled_in(channel))
        if mode != "off" and not await self.gate.guild_disabled(member.guild):
            await self._use_guild_locale(member.guild)
            text = await self.render_announcement(member, old_level, new_level, xp, given_roles, paid, settings)
            await self._announce(member, text, channel, settings, mode)
        return plan

    async def xp_changed(self, member: discord.Member, old_xp: int, new_xp: int) -> None:
        """An XP change outside activity (an admin's or another cog's): the levels it crossed
        upwards are rewarded quietly (no channel to announce in)."""
        curve = (await self.settings.get(member.guild.id)).curve
        old_level, new_level = curve.level(old_xp), curve.level(new_xp)
        if new_level > old_level:
            await self.level_up(member, old_level, new_level, None, announce=False, xp=new_xp)

    async def _notify_choice(self, member: discord.Member) -> str:
        if self.notify_choice is None:
            return DEFAULT_NOTIFY
        try:
            return await self.notify_choice(member)
        except Exception:
            log.exception("Reading where member %s of guild %s wants level-ups failed; following the server",
                          member.id, member.guild.id)
            return DEFAULT_NOTIFY

    async def sync_member(self, member: discord.Member, xp: int, *, strict: bool = False) -> bool:
        """Make a member's reward roles match their level (rejoin, syncroles); True if anything changed.
        ``strict``: also take away reward roles of levels above theirs (after a curve change)."""
        if member.bot:
            return False
        settings = await self.settings.get(member.guild.id)
        before = {role.id for role in member.roles}
        await self._sync_roles(member, settings.curve.level(xp), settings, strict=strict)
        return {role.id for role in member.roles} != before

    async def _sync_roles(self, member: discord.Member, level: int, settings, *,
                          strict: bool = False) -> list[discord.Role]:
        """Give the reward roles the level calls for and take away the ones it doesn't (per the
        guild's stack/replace mode); returns the roles given."""
        if not settings.role_rewards:
            return []
        should_have, should_not = expected_roles(level, list(settings.role_rewards), settings.role_mode,
                                                 strict=strict)
        guild = member.guild
        current = {role.id for role in member.roles}
        to_add = [r for r in (self._usable(guild, rid, member) for rid in should_have - current) if r]
        to_remove = [r for r in (self._usable(guild, rid, member) for rid in should_not & current) if r]
        if not to_add and not to_remove:
            return []
        await self._use_guild_locale(guild)  # the reason shows in the server's audit log
        if settings.role_mode == "replace":
            reason = _("Unicornia level rewards (level {level}, replace mode)").format(level=level)
        else:
            reason = _("Unicornia level rewards (level {level}, stack mode)").format(level=level)
        try:
            if to_add:
                await member.add_roles(*to_add, reason=reason)
            if to_remove:
                await member.remove_roles(*to_remove, reason=reason)
        except discord.HTTPException as exc:
            log.warning("Could not update reward roles of member %s in guild %s: %s", member.id, guild.id, exc)
            return []
        change = ", ".join([f"+{r.name}" for r in to_add] + [f"-{r.name}" for r in to_remove])
        await self._record(member, "role", 0, f"level {level}: {change}")  # the audit row stays English
        return to_add

    @staticmethod
    def _usable(guild: discord.Guild, role_id: int, member: discord.Member) -> Optional[discord.Role]:
        role = guild.get_role(role_id)
        if role is None:
            log.warning("Reward role %s no longer exists in guild %s; skipped for member %s", role_id, guild.id, member.id)
            return None
        problem = role_problem(role, guild.me)
        if problem:
            log.warning("Reward role %s skipped for member %s in guild %s: %s", role_id, member.id, guild.id, problem)
            return None
        return role

    async def _pay(self, member: discord.Member, plan: RewardPlan) -> int:
        if plan.currency <= 0:
            return 0
        try:
            await bank.deposit_credits(member, plan.currency)
            paid = plan.currency
        except bank_errors.BalanceTooHigh as exc:
            # what Red's own Economy does: fill the account up to the maximum
            before = await bank.get_balance(member)
            await bank.set_balance(member, exc.max_balance)
            paid = exc.max_balance - before
        except Exception:
            log.exception("Could not pay level reward of %s to member %s in guild %s", plan.currency, member.id, member.guild.id)
            return 0
        await self._record(member, "currency", paid, "level reward")
        return paid

    async def render_announcement(self, member: discord.Member, old_level: int, new_level: int,
                                  xp: Optional[int], roles: list[discord.Role], paid: int, settings=None) -> str:
        """The level-up message: the guild's template (the default one in the current language),
        then the new roles and the currency paid."""
        settings = settings or await self.settings.get(member.guild.id)
        text = render(settings.levelup_template, {
            "mention": member.mention, "user": member.display_name, "level": new_level, "old_level": old_level,
            "xp": humanize_number(xp if xp is not None else settings.curve.total(new_level)),
            "guild": member.guild.name, "role": ", ".join(r.name for r in roles),
        })
        extras = []
        if roles and not uses(settings.levelup_template, "role"):
            names = ", ".join(r.name for r in roles)
            if len(roles) == 1:
                extras.append(_("New role: {roles}.").format(roles=names))
            else:
                extras.append(_("New roles: {roles}.").format(roles=names))
        if paid:
            currency = await bank.get_currency_name(member.guild)
            extras.append(_("Reward: {amount} {currency}.").format(amount=humanize_number(paid), currency=currency))
        return fit_message(" ".join([text, *extras]))

    async def announce_event(self, member: discord.Member, text: str, channel, kind: str) -> None:
        """An achievement, quest or goal: to its own channel when the guild set one and it is
        writable, otherwise wherever level-ups are announced (nowhere when they are off)."""
        if await self.gate.guild_disabled(member.guild):
            return
        text = fit_message(text)
        settings = await self.settings.get(member.guild.id)
        own = {"achievement": settings.achievement_channel, "quest": settings.quest_channel,
               "goal": settings.quest_channel}.get(kind)
        target = member.guild.get_channel(own) if own else None
        if target is not None and target.permissions_for(member.guild.me).send_messages:
            try:
                await target.send(text, allowed_mentions=discord.AllowedMentions(users=[member], roles=False,
                                                                                  everyone=False))
                return
            except discord.HTTPException as exc:
                log.warning("Could not announce a %s in channel %s of guild %s: %s", kind, own, member.guild.id, exc)
        if settings.announce_mode == "off":
            return
        if kind == "goal" and settings.announce_mode == "dm":  # news for the whole server, not one member
            channel = channel or member.guild.system_channel
            if channel is not None:
                try:
                    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
                except discord.HTTPException as exc:
                    log.warning("Could not announce the goal in guild %s: %s", member.guild.id, exc)
            return
        await self._announce(member, text, channel or member.guild.system_channel, settings)

    async def _announce(self, member: discord.Member, text: str, channel, settings, mode: Optional[str] = None) -> None:
        """Send to the place ``mode`` names (the guild's announce mode by default); a missing or
        unwritable target falls back to ``channel``."""
        mentions = discord.AllowedMentions(users=[member], roles=False, everyone=False)
        target = channel
        mode = mode or settings.announce_mode
        if mode == "dm":
            try:
                await member.send(text, allowed_mentions=mentions)
                return
            except discord.HTTPException as exc:
                log.info("Level-up DM to member %s failed (%s); announcing in the channel instead", member.id, exc)
        elif mode == "set":
            chosen = member.guild.get_channel(settings.announce_channel) if settings.announce_channel else None
            if chosen is not None and chosen.permissions_for(member.guild.me).send_messages:
                target = chosen
            else:
                log.warning("Level-up channel %s of guild %s is missing or not writable; using the message's channel",
                            settings.announce_channel, member.guild.id)
        if target is None:
            return
        try:
            await target.send(text, allowed_mentions=mentions)
        except discord.HTTPException as exc:
            log.warning("Could not announce level-up in channel %s of guild %s: %s",
                        getattr(target, "id", "?"), member.guild.id, exc)


def _levelled_in(channel) -> bool:
    """Whether ``channel`` is a place a member levelled up in by writing (``[p]level notify here``):
    a voice level-up has none."""
    return channel is not None and not isinstance(channel, (discord.VoiceChannel, discord.StageChannel))
