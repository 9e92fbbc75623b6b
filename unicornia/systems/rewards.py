"""Level-up consequences: reward roles, currency through Red's bank, and the announcement."""
from __future__ import annotations

import logging
from typing import Optional

import discord
from redbot.core import bank
from redbot.core.bank import errors as bank_errors
from redbot.core.utils.chat_formatting import humanize_number

from ..core.rewards import RewardPlan, plan_rewards
from .settings import SettingsCache

log = logging.getLogger("red.unicornia.rewards")


def role_problem(role: discord.Role, me: discord.Member) -> Optional[str]:
    """Why the bot could not give or take ``role``, or None when it can."""
    if role.is_default():
        return "@everyone can't be a reward."
    if role.managed:
        return f"{role.name} is managed by an integration; nobody can assign it."
    if not me.guild_permissions.manage_roles:
        return "I need the Manage Roles permission to give reward roles."
    if role >= me.top_role:
        return f"{role.name} is not below my highest role ({me.top_role.name}), so I can't assign it."
    return None


class RewardService:
    def __init__(self, settings: SettingsCache) -> None:
        self.settings = settings

    async def level_up(
        self,
        member: discord.Member,
        old_level: int,
        new_level: int,
        channel: Optional[discord.abc.Messageable],
        *,
        announce: bool = True,
    ) -> RewardPlan:
        """Give every reward for the levels crossed, then announce if the guild wants it."""
        settings = await self.settings.get(member.guild.id)
        plan = plan_rewards(old_level, new_level, list(settings.role_rewards), dict(settings.currency_rewards))
        given_roles = await self._apply_roles(member, plan)
        paid = await self._pay(member, plan)
        if announce and settings.levelup_messages and channel is not None:
            await self._announce(member, new_level, given_roles, paid, channel)
        return plan

    async def _apply_roles(self, member: discord.Member, plan: RewardPlan) -> list[discord.Role]:
        guild = member.guild
        to_add, to_remove = [], []
        for role_id in plan.add_roles:
            role = self._usable(guild, role_id, member)
            if role is not None and role not in member.roles:
                to_add.append(role)
        for role_id in plan.remove_roles:
            role = self._usable(guild, role_id, member)
            if role is not None and role in member.roles:
                to_remove.append(role)
        reason = f"Unicornia level reward (level {plan.old_level} -> {plan.new_level})"
        try:
            if to_add:
                await member.add_roles(*to_add, reason=reason)
            if to_remove:
                await member.remove_roles(*to_remove, reason=reason)
        except discord.HTTPException as exc:
            log.warning(
                "Could not update reward roles of member %s in guild %s: %s", member.id, guild.id, exc
            )
            return []
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
            return plan.currency
        except bank_errors.BalanceTooHigh as exc:
            # what Red's own Economy does: fill the account up to the maximum
            before = await bank.get_balance(member)
            await bank.set_balance(member, exc.max_balance)
            return exc.max_balance - before
        except Exception:
            log.exception("Could not pay level reward of %s to member %s in guild %s", plan.currency, member.id, member.guild.id)
            return 0

    async def _announce(self, member, level: int, roles: list[discord.Role], paid: int, channel) -> None:
        parts = [f"\N{PARTY POPPER} {member.mention} reached **level {level}**!"]
        if roles:
            parts.append("New role: " + ", ".join(r.name for r in roles) + ".")
        if paid:
            currency = await bank.get_currency_name(member.guild)
            parts.append(f"Reward: {humanize_number(paid)} {currency}.")
        try:
            await channel.send(" ".join(parts), allowed_mentions=discord.AllowedMentions(users=[member], roles=False, everyone=False))
        except discord.HTTPException as exc:
            log.warning("Could not announce level-up in channel %s of guild %s: %s", getattr(channel, "id", "?"), member.guild.id, exc)
