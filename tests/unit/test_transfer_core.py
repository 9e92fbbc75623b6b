"""Recognising NadekoBot's schema versions and reading LevelUp's data, without a bot."""
import pytest

from unicornia.core.transfer import (
    BackupFacts, ImportRefused, LevelUpCurve, RestoreRefused, check_backup, listed_backup, nadeko_schema,
    parse_levelup, progress_text, summarize, valid_id,
)

V4 = {"UserXpStats": {"Id", "UserId", "GuildId", "Xp", "AwardedXp", "NotifyOnLevelUp", "DateAdded"},
      "DiscordUser": {"UserId", "TotalXp"}, "XpSettings": {"Id", "GuildConfigId", "ServerExcluded"},
      "GuildConfigs": {"Id", "GuildId"}, "ExcludedItem": {"ItemId", "ItemType", "XpSettingsId"},
      "XpShopOwnedItem": {"UserId", "ItemType", "ItemKey", "IsUsing"}}
V6 = {"UserXpStats": {"Id", "UserId", "GuildId", "Xp", "DateAdded"}, "DiscordUser": {"UserId", "TotalXp"},
      "XpSettings": {"Id", "GuildId", "XpFormulaA", "XpFormulaC"}, "XpExcludedItem": {"GuildId", "ItemId", "ItemType"}}


def test_schema_versions_are_told_apart_by_their_columns():
    v4 = nadeko_schema(V4, "20221122204324_feed-text")
    assert v4.version == "v4/v5" and v4.awarded_xp and not v4.settings_by_guild_id and v4.old_exclusions and v4.shop
    v6 = nadeko_schema(V6, "20261001064614_init")
    assert v6.version == "v6" and not v6.awarded_xp and v6.settings_by_guild_id and v6.custom_curve
    assert v6.new_exclusions and not v6.shop


@pytest.mark.parametrize("columns, message", [
    ({"levels": {"user_id"}}, "not a NadekoBot database"),
    ({"UserXpStats": {"UserId", "GuildId", "Points"}, "DiscordUser": {"UserId"}}, "has no Xp column"),
    ({**V6, "XpSettings": {"Id", "Something"}}, "neither GuildId nor GuildConfigId"),
])
def test_unknown_schemas_are_refused(columns, message):
    with pytest.raises(ImportRefused, match=message):
        nadeko_schema(columns, None)


def test_ids_must_fit_sqlite_and_be_positive():
    assert valid_id(1) and valid_id(2**63 - 1)
    assert not valid_id(0) and not valid_id(-5) and not valid_id(2**63) and not valid_id(True) and not valid_id("1")


def test_levelup_v4_defaults_prestige_and_bad_profiles():
    data = {"configs": {
        "111": {"users": {"5": {"xp": 99.6, "messages": 3}, "6": {"xp": 10.0, "prestige": 2},
                          "7": {"last_active": "x"}, "8": {"xp": "lots"}, "bad": {"xp": 5.0}},
                "prestigelevel": 3, "algorithm": {"exp": 1.5}, "levelroles": {"2": 99, "x": 98}},
        "not-a-guild": {"users": {}}}}
    version, guilds = parse_levelup(data)
    assert version == "v4" and [g.guild_id for g in guilds] == [111]
    guild = guilds[0]
    assert guild.curve == LevelUpCurve(100, 1.5)
    per_prestige = LevelUpCurve(100, 1.5).xp_for(3)
    assert guild.members == [(5, 100, 3, 0), (6, 10 + 2 * per_prestige, 0, 0)]
    assert guild.level_roles == [(2, 99)]
    assert guild.skipped == {"no XP or activity": 1, "unreadable profile": 2, "unreadable level role": 1}


def test_levelup_v3_strings_with_commas_and_top_level_curve():
    data = {"117117117": {"GUILD": {"222": {"users": {"9": {"xp": "1,234", "voice": 30.5, "messages": "12"}},
                                            "base": 50, "exp": 2, "prestige": 0}}}}
    version, guilds = parse_levelup(data)
    assert version == "v3" and guilds[0].curve == LevelUpCurve(50, 2)
    assert guilds[0].members == [(9, 1234, 12, 30)]


@pytest.mark.parametrize("data", [[], {"something": 1}, {"117117117": "x"}])
def test_not_levelup_data(data):
    with pytest.raises(ImportRefused):
        parse_levelup(data)


def test_progress_line_and_summary():
    line = progress_text("Reading", 50, 200, 1234.5, width=8)
    assert line == "Reading: `██░░░░░░` 50/200 (25%) · 1,234 rows/s"
    assert summarize({"a": 1, "b": 3}) == "3 b, 1 a" and summarize({}) == "none"


def test_newest_v6_channel_rates_and_server_exclusion_are_recognised():
    newest = nadeko_schema({**V6, "ChannelXpConfig": {"Id", "RateType", "GuildId", "ChannelId", "XpAmount", "Cooldown"}},
                           None)
    assert newest.channel_rates and not newest.server_excluded
    assert nadeko_schema(V4, None).server_excluded and not nadeko_schema(V4, None).channel_rates


def test_levelup_autoremove_is_read():
    on = parse_levelup({"configs": {"1": {"autoremove": True}}})[1][0]
    off = parse_levelup({"configs": {"1": {"autoremove": "yes"}, }})[1][0]
    assert on.autoremove and not off.autoremove


OURS = dict(our_application_id=0x556E6963, our_version=9, own_tables=frozenset({"UserXpStats", "DiscordUser"}))
TABLES = frozenset({"UserXpStats", "DiscordUser", "XpHistory"})


@pytest.mark.parametrize("facts, message", [
    (BackupFacts("*** in database main ***", 0x556E6963, 9, TABLES), "damaged"),
    (BackupFacts("ok", 0x12345678, 9, TABLES), "not a Unicornia database"),
    (BackupFacts("ok", 0, 0, TABLES), "not a Unicornia database"),  # NadekoBot's tables, no schema version
    (BackupFacts("ok", 0x556E6963, 9, frozenset({"notes"})), "not a Unicornia database"),
    (BackupFacts("ok", 0x556E6963, 10, TABLES), "newer Unicornia"),
    (BackupFacts("ok", 0x556E6963, 9, TABLES, code=1), "triggers or views"),  # they would run on every write
])
def test_backups_that_are_refused(facts, message):
    with pytest.raises(RestoreRefused, match=message):
        check_backup(facts, **OURS)


def test_backups_that_are_accepted():
    check_backup(BackupFacts("ok", 0x556E6963, 9, TABLES), **OURS)
    check_backup(BackupFacts("ok", 0, 3, TABLES), **OURS)  # older and unmarked: migrated when opened


def test_only_listed_names_are_picked():
    listed = ["unicornia-20261201-040000.db", "unicornia-before-restore-20261202-050000.db"]
    assert listed_backup(" `unicornia-20261201-040000.db` ", listed) == "unicornia-20261201-040000.db"
    for name in ("../unicornia.db", "/tmp/unicornia-20261201-040000.db", "backups/unicornia-20261201-040000.db",
                 "unicornia-20261201-040000", ""):
        assert listed_backup(name, listed) is None


def test_levelup_curves_carried_over_only_when_exact():
    from unicornia.core.levels import Curve
    from unicornia.core.transfer import LevelUpCurve
    from unicornia.systems.importer import levelup_curve

    for base, exp in ((100, 2.0), (35, 1.0), (3, 3.0)):
        ours = levelup_curve(LevelUpCurve(base, exp))
        assert ours is not None and all(ours.total(level) == LevelUpCurve(base, exp).xp_for(level)
                                        for level in range(0, 2_000))
    assert levelup_curve(LevelUpCurve(100, 2.5)) is None and levelup_curve(LevelUpCurve(100.5, 2)) is None
    assert levelup_curve(LevelUpCurve(100, 2)) == Curve.of("custom", [0, 100, 0])


def test_a_dry_run_names_at_most_twenty_items_each_cut_short():
    from unicornia.core.transfer import LISTED, some

    assert some(["a", "b"]) == "a, b"
    listed = some([f"key{n}" for n in range(5000)])
    assert listed.endswith("and 4,980 more") and listed.count(",") == LISTED  # 19 between, one in 4,980
    huge = some(["k" * 2_000_000])
    assert len(huge) == 100 and huge.endswith("\N{HORIZONTAL ELLIPSIS}")
