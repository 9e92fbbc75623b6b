"""Small databases and data files in the real shapes of NadekoBot (v4 and v6) and LevelUp (v3, v4+),
with the table, column and key names their own source uses."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

NADEKO_V4 = """
CREATE TABLE "__EFMigrationsHistory" (MigrationId TEXT NOT NULL PRIMARY KEY, ProductVersion TEXT NOT NULL);
CREATE TABLE GuildConfigs (Id INTEGER PRIMARY KEY AUTOINCREMENT, GuildId INTEGER NOT NULL, Prefix TEXT NULL,
    DeleteMessageOnCommand INTEGER NOT NULL DEFAULT 0, DateAdded TEXT NULL);
CREATE TABLE UserXpStats (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL, GuildId INTEGER NOT NULL,
    Xp INTEGER NOT NULL, AwardedXp INTEGER NOT NULL, NotifyOnLevelUp INTEGER NOT NULL, DateAdded TEXT NULL);
CREATE UNIQUE INDEX IX_UserXpStats_UserId_GuildId ON UserXpStats (UserId, GuildId);
CREATE TABLE DiscordUser (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL, Username TEXT NULL,
    Discriminator TEXT NULL, AvatarId TEXT NULL, ClubId INTEGER NULL, IsClubAdmin INTEGER NOT NULL DEFAULT 0,
    TotalXp INTEGER NOT NULL DEFAULT 0, NotifyOnLevelUp INTEGER NOT NULL DEFAULT 0,
    CurrencyAmount INTEGER NOT NULL DEFAULT 0, DateAdded TEXT NULL);
CREATE TABLE XpShopOwnedItem (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL, ItemType INTEGER NOT NULL,
    IsUsing INTEGER NOT NULL, ItemKey TEXT NOT NULL, DateAdded TEXT NULL);
CREATE TABLE XpSettings (Id INTEGER PRIMARY KEY AUTOINCREMENT, GuildConfigId INTEGER NOT NULL,
    ServerExcluded INTEGER NOT NULL, DateAdded TEXT NULL);
CREATE TABLE XpRoleReward (Id INTEGER PRIMARY KEY AUTOINCREMENT, XpSettingsId INTEGER NOT NULL, Level INTEGER NOT NULL,
    RoleId INTEGER NOT NULL, Remove INTEGER NOT NULL DEFAULT 0, DateAdded TEXT NULL);
CREATE TABLE XpCurrencyReward (Id INTEGER PRIMARY KEY AUTOINCREMENT, XpSettingsId INTEGER NOT NULL,
    Level INTEGER NOT NULL, Amount INTEGER NOT NULL, DateAdded TEXT NULL);
CREATE TABLE ExcludedItem (Id INTEGER PRIMARY KEY AUTOINCREMENT, ItemId INTEGER NOT NULL, ItemType INTEGER NOT NULL,
    XpSettingsId INTEGER NULL, DateAdded TEXT NULL);
INSERT INTO "__EFMigrationsHistory" VALUES ('20221122204324_feed-text', '6.0.7');
"""

NADEKO_V6 = """
CREATE TABLE "__EFMigrationsHistory" (MigrationId TEXT NOT NULL PRIMARY KEY, ProductVersion TEXT NOT NULL);
CREATE TABLE UserXpStats (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL, GuildId INTEGER NOT NULL,
    Xp INTEGER NOT NULL, DateAdded TEXT NULL);
CREATE TABLE DiscordUser (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL, Username TEXT NULL,
    AvatarId TEXT NULL, ClubId INTEGER NULL, IsClubAdmin INTEGER NOT NULL DEFAULT 0, TotalXp INTEGER NOT NULL DEFAULT 0,
    CurrencyAmount INTEGER NOT NULL DEFAULT 0, DateAdded TEXT NULL);
CREATE TABLE XpShopOwnedItem (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL, ItemType INTEGER NOT NULL,
    IsUsing INTEGER NOT NULL, ItemKey TEXT NOT NULL, DateAdded TEXT NULL);
CREATE TABLE XpSettings (Id INTEGER PRIMARY KEY AUTOINCREMENT, DateAdded TEXT NULL, GuildId INTEGER NOT NULL,
    XpFormulaA INTEGER NOT NULL DEFAULT 9, XpFormulaC INTEGER NOT NULL DEFAULT 27);
CREATE TABLE XpRoleReward (Id INTEGER PRIMARY KEY AUTOINCREMENT, XpSettingsId INTEGER NOT NULL, Level INTEGER NOT NULL,
    RoleId INTEGER NOT NULL, Remove INTEGER NOT NULL DEFAULT 0, DateAdded TEXT NULL);
CREATE TABLE XpCurrencyReward (Id INTEGER PRIMARY KEY AUTOINCREMENT, XpSettingsId INTEGER NOT NULL,
    Level INTEGER NOT NULL, Amount INTEGER NOT NULL, DateAdded TEXT NULL);
CREATE TABLE XpExcludedItem (Id INTEGER PRIMARY KEY AUTOINCREMENT, GuildId INTEGER NOT NULL, ItemType INTEGER NOT NULL,
    ItemId INTEGER NOT NULL);
CREATE TABLE ChannelXpConfig (Id INTEGER NOT NULL CONSTRAINT PK_ChannelXpConfig PRIMARY KEY AUTOINCREMENT,
    RateType INTEGER NOT NULL, GuildId INTEGER NOT NULL, ChannelId INTEGER NOT NULL, XpAmount INTEGER NOT NULL,
    Cooldown REAL NOT NULL, CONSTRAINT AK_ChannelXpConfig_GuildId_ChannelId_RateType UNIQUE (GuildId, ChannelId, RateType));
INSERT INTO "__EFMigrationsHistory" VALUES ('20261001064614_init', '9.0.0');
"""


def nadeko_v4(path: Path, guild_id: int, stats: list[tuple[int, int, int]], *, other_guild: int = 42,
              items: list[tuple[int, int, str, bool]] = (), role_rewards=(), currency_rewards=(),
              excluded=(), server_excluded: bool = False) -> Path:
    """stats: (user, Xp, AwardedXp); items: (user, ItemType, ItemKey, IsUsing);
    role_rewards: (level, role, remove); currency_rewards: (level, amount); excluded: (item id, ItemType);
    server_excluded: XP off for the whole server (XpSettings.ServerExcluded)."""
    conn = sqlite3.connect(path)
    conn.executescript(NADEKO_V4)
    conn.executemany("INSERT INTO GuildConfigs (GuildId) VALUES (?)", [(guild_id,), (other_guild,)])
    conn.execute("INSERT INTO XpSettings (GuildConfigId, ServerExcluded) VALUES (1, ?)", (int(server_excluded),))
    conn.executemany("INSERT INTO UserXpStats (UserId, GuildId, Xp, AwardedXp, NotifyOnLevelUp) VALUES (?, ?, ?, ?, 0)",
                     [(uid, guild_id, xp, awarded) for uid, xp, awarded in stats] + [(7, other_guild, 999, 0)])
    conn.executemany("INSERT INTO DiscordUser (UserId, Username, TotalXp) VALUES (?, ?, ?)",
                     [(uid, f"user{uid}", xp + awarded) for uid, xp, awarded in stats])
    conn.executemany("INSERT INTO XpShopOwnedItem (UserId, ItemType, ItemKey, IsUsing) VALUES (?, ?, ?, ?)", items)
    conn.executemany("INSERT INTO XpRoleReward (XpSettingsId, Level, RoleId, Remove) VALUES (1, ?, ?, ?)", role_rewards)
    conn.executemany("INSERT INTO XpCurrencyReward (XpSettingsId, Level, Amount) VALUES (1, ?, ?)", currency_rewards)
    conn.executemany("INSERT INTO ExcludedItem (ItemId, ItemType, XpSettingsId) VALUES (?, ?, 1)", excluded)
    conn.commit()
    conn.close()
    return path


def nadeko_v6(path: Path, guild_id: int, stats: list[tuple[int, int]], *, excluded=(), formula=(9, 27),
              channel_rates=(), role_rewards=()) -> Path:
    """stats: (user, Xp); excluded: (item id, ItemType) in XpExcludedItem (User=0, Role=1);
    channel_rates: (channel, RateType (text 0, voice 1), XpAmount) in ChannelXpConfig;
    role_rewards: (level, role, remove)."""
    conn = sqlite3.connect(path)
    conn.executescript(NADEKO_V6)
    conn.execute("INSERT INTO XpSettings (GuildId, XpFormulaA, XpFormulaC) VALUES (?, ?, ?)", (guild_id, *formula))
    conn.executemany("INSERT INTO UserXpStats (UserId, GuildId, Xp) VALUES (?, ?, ?)",
                     [(uid, guild_id, xp) for uid, xp in stats])
    conn.executemany("INSERT INTO DiscordUser (UserId, TotalXp) VALUES (?, ?)", stats)
    conn.executemany("INSERT INTO XpExcludedItem (GuildId, ItemType, ItemId) VALUES (?, ?, ?)",
                     [(guild_id, kind, item) for item, kind in excluded])
    conn.executemany("INSERT INTO ChannelXpConfig (RateType, GuildId, ChannelId, XpAmount, Cooldown) VALUES (?, ?, ?, ?, 5)",
                     [(kind, guild_id, channel, amount) for channel, kind, amount in channel_rates])
    conn.executemany("INSERT INTO XpRoleReward (XpSettingsId, Level, RoleId, Remove) VALUES (1, ?, ?, ?)", role_rewards)
    conn.commit()
    conn.close()
    return path


def levelup_v4(folder: Path, guild_id: int, users: dict[int, dict], **guild_settings) -> Path:
    """LevelUp.json as LevelUp 4+ writes it: one line, defaults left out, id keys as strings."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = {"users": {str(uid): {"last_active": "2026-11-01T10:00:00.000001", **profile}
                      for uid, profile in users.items()}, **guild_settings}
    path = folder / "LevelUp.json"
    path.write_text(json.dumps({"configs": {str(guild_id): conf}}, separators=(",", ":")), encoding="utf-8")
    return path


def levelup_v3(folder: Path, guild_id: int, users: dict[int, dict], **guild_settings) -> Path:
    """Red Config's settings.json for LevelUp 3 (identifier 117117117)."""
    folder.mkdir(parents=True, exist_ok=True)
    guild = {"users": {str(uid): profile for uid, profile in users.items()}, "base": 100, "exp": 2, **guild_settings}
    path = folder / "settings.json"
    path.write_text(json.dumps({"117117117": {"GLOBAL": {"ignored_guilds": []}, "GUILD": {str(guild_id): guild}}}),
                    encoding="utf-8")
    return path
