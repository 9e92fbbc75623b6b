from unicornia.core import rules
from unicornia.core.lru import LRUCache
from unicornia.core.rewards import RoleReward, expected_roles, plan_rewards
from unicornia.core.settings import GuildSettings, LIMITS


def test_exclusion_is_inherited_from_parent_and_category():
    lineage = (30, 20, 10)  # thread, parent channel, category
    assert rules.is_excluded(lineage, (), frozenset({10}), frozenset())
    assert rules.is_excluded(lineage, (), frozenset({20}), frozenset())
    assert not rules.is_excluded(lineage, (), frozenset({99}), frozenset())
    assert rules.is_excluded((1,), (5, 6), frozenset(), frozenset({6}))


def test_scaled_amount_rounds_and_never_goes_negative():
    assert rules.scaled_amount(1, 1.5) == 2
    assert rules.scaled_amount(3, 0.5) == 2
    assert rules.scaled_amount(1, 0.01) == 0


def test_voice_needs_two_listening_humans():
    # (who, is a bot, is deafened)
    alone = [(1, False, False), (2, True, False)]
    assert rules.voice_earners(alone) == []
    pair = [(1, False, False), (2, False, False), (3, False, True)]
    assert rules.voice_earners(pair) == [1, 2]
    one_deaf = [(1, False, False), (2, False, True)]
    assert rules.voice_earners(one_deaf) == []


def test_rewards_walk_every_level_crossed():
    rewards = [RoleReward(5, 100), RoleReward(10, 100, remove=True), RoleReward(10, 200), RoleReward(20, 300)]
    have, take = expected_roles(12, rewards, "stack")  # a jump from 4 to 12
    assert have == {200}
    assert take == {100}
    plan = plan_rewards(4, 12, {3: 50, 5: 10, 8: 20, 12: 30, 13: 99})
    assert plan.currency == 60
    assert plan.currency_by_level == [(5, 10), (8, 20), (12, 30)]
    assert plan_rewards(5, 5, {5: 1}).currency == 0


def test_replace_mode_keeps_only_the_highest_reward_role():
    rewards = [RoleReward(1, 10), RoleReward(5, 50), RoleReward(9, 90)]
    assert expected_roles(6, rewards, "stack") == ({10, 50}, set())
    assert expected_roles(6, rewards, "replace") == ({50}, {10})
    assert expected_roles(0, rewards, "replace") == (set(), set())


def test_lru_is_bounded_and_evicts_least_recent():
    cache = LRUCache(3)
    for key in "abc":
        cache.put(key, key)
    cache.get("a")
    cache.put("d", "d")
    assert len(cache) == 3 and "b" not in cache and "a" in cache
    for i in range(1000):
        cache.put(i, i)
    assert len(cache) == 3


def test_settings_from_config_defaults_and_limits():
    s = GuildSettings.from_config({"role_rewards": {"5": [{"role": 7, "remove": True}]}, "currency_rewards": {"3": 10}})
    assert s.enabled and s.cooldown == 60 and s.xp_per_message == 1
    assert s.role_rewards[0] == RoleReward(5, 7, True)
    assert s.currency_rewards == {3: 10}
    assert LIMITS["cooldown"].check(-1, "x") and LIMITS["cooldown"].check(0, "x") is None


def test_multiplier_highest_role_nearest_channel_and_booster():
    roles = {1: 1.5, 2: 3.0}
    channels = {20: 2.0, 10: 0.5}  # 30 = thread, 20 = its channel, 10 = the category
    assert rules.multiplier((1, 2), (), roles, {}, False, 1.5) == 3.0
    assert rules.multiplier((), (30, 20, 10), {}, channels, False, 1.5) == 2.0   # the channel, not the category
    assert rules.multiplier((), (31, 21, 10), {}, channels, False, 1.5) == 0.5   # inherited from the category
    assert rules.multiplier((1,), (30, 20, 10), roles, channels, True, 2.0) == 1.5 * 2.0 * 2.0
    assert rules.multiplier((), (5,), {}, {5: 0.0}, True, 2.0) == 0.0            # 0 means no XP


def test_minute_cap_window():
    activity = rules.Activity(0.0)
    assert activity.capped(10.0, 6, 10) == 6
    assert activity.capped(20.0, 6, 10) == 4
    assert activity.capped(30.0, 6, 10) == 0
    assert activity.capped(71.0, 6, 10) == 6   # a new minute
    assert activity.capped(72.0, 99, 0) == 99  # 0 = no cap
    assert activity.minute_xp == 6             # and nothing counted against it


def test_lru_second_chance_and_drop_hooks():
    dropped = []

    def used(value):
        if value[1]:
            value[1] = False
            return True
        return False

    cache = LRUCache(2, second_chance=used, on_drop=lambda v: dropped.append(v[0]))
    a, b, c = ["a", False], ["b", False], ["c", False]
    cache.put("a", a)
    cache.put("b", b)
    a[1] = True  # marked used by a hot path: survives the next eviction once
    cache.put("c", c)
    assert "a" in cache and "b" not in cache and dropped == ["b"] and a[1] is False
    cache.pop("c")
    cache.discard_where(lambda key: key == "a")
    assert dropped == ["b", "c", "a"] and len(cache) == 0


def test_strict_sync_takes_away_reward_roles_above_the_level():
    from unicornia.core.rewards import RoleReward, expected_roles
    rewards = [RoleReward(level=1, role_id=10), RoleReward(level=5, role_id=50), RoleReward(level=9, role_id=90)]
    have, taken = expected_roles(3, rewards, "stack")
    assert have == {10} and taken == set()  # a higher role may have been given by hand: kept
    have, taken = expected_roles(3, rewards, "stack", strict=True)
    assert have == {10} and taken == {50, 90}  # after a curve change: the level no longer earns them
    have, taken = expected_roles(6, rewards, "replace", strict=True)
    assert have == {50} and taken == {10, 90}
