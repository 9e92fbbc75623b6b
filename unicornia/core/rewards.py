"""Planning level-up rewards: which roles to add or take away and what to pay, level by level."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RoleReward:
    level: int
    role_id: int
    remove: bool = False


@dataclass(slots=True)
class RewardPlan:
    """Currency due for crossing from ``old_level`` to ``new_level`` (roles: see :func:`expected_roles`)."""

    old_level: int
    new_level: int
    currency: int = 0
    #: (level, amount) pairs that make up ``currency``, for the message and the log.
    currency_by_level: list[tuple[int, int]] = field(default_factory=list)


def plan_rewards(old_level: int, new_level: int, currency_rewards: dict[int, int]) -> RewardPlan:
    """Walk every level crossed (``old_level + 1`` .. ``new_level``) so a jump skips no payment."""
    plan = RewardPlan(old_level, new_level)
    for level in sorted(currency_rewards):
        amount = currency_rewards[level]
        if old_level < level <= new_level and amount > 0:
            plan.currency_by_level.append((level, amount))
            plan.currency += amount
    return plan


def expected_roles(level: int, role_rewards: list[RoleReward], mode: str, *,
                   strict: bool = False) -> tuple[set[int], set[int]]:
    """(roles a member at ``level`` should have, reward roles they should not have).

    Rewards up to ``level`` apply in level order; in "replace" mode only the highest
    role still given is kept, the lower ones join the roles to take away.  ``strict`` (after
    the server's level curve changed, when members may now be below levels they reached) also
    takes away reward roles of levels above ``level``.
    """
    state: dict[int, bool] = {}
    given_at: dict[int, int] = {}
    for reward in sorted(role_rewards, key=lambda r: r.level):
        if reward.level <= level:
            state[reward.role_id] = not reward.remove
            if not reward.remove:
                given_at[reward.role_id] = reward.level
    have = {rid for rid, keep in state.items() if keep}
    if mode == "replace" and have:
        top = max(have, key=lambda rid: (given_at.get(rid, 0), rid))
        have = {top}
    reward_roles = {r.role_id for r in role_rewards}
    # roles only ever given at higher levels are not taken away: a member may have them for other reasons
    taken = {rid for rid, keep in state.items() if not keep} | ((reward_roles & set(state)) - have)
    if strict:
        taken |= reward_roles - have
    return have, taken
