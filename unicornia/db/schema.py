"""The schema, as numbered forward migrations.

``PRAGMA user_version`` records how many have run.  Each migration runs in its own
transaction on load; a database from a newer Unicornia is refused rather than guessed at.
Never edit a released migration: add the next one.
"""
from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the tables the spec names, with NadekoBot's names, plus activity counters.
    """
    CREATE TABLE UserXpStats (
        UserId        INTEGER NOT NULL,
        GuildId       INTEGER NOT NULL,
        Xp            INTEGER NOT NULL DEFAULT 0,   -- total XP, admin awards included
        AwardedXp     INTEGER NOT NULL DEFAULT 0,   -- net XP given or taken by admins
        MessageCount  INTEGER NOT NULL DEFAULT 0,
        VoiceSeconds  INTEGER NOT NULL DEFAULT 0,
        LastLevelUp   INTEGER,                      -- unix time of the last level-up
        DateAdded     INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
        PRIMARY KEY (UserId, GuildId)
    );
    -- serves the guild leaderboard, keyset pages and COUNT(*) ranks
    CREATE INDEX IX_UserXpStats_Guild_Xp ON UserXpStats (GuildId, Xp DESC, UserId);
    CREATE TABLE DiscordUser (
        UserId   INTEGER PRIMARY KEY,
        TotalXp  INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE XpShopOwnedItem (
        UserId     INTEGER NOT NULL,
        ItemType   INTEGER NOT NULL,               -- 1 = card background
        ItemKey    TEXT    NOT NULL,
        IsUsing    INTEGER NOT NULL DEFAULT 0,
        DateAdded  INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
        PRIMARY KEY (UserId, ItemType, ItemKey)
    );
    """,
    # 2: an audit trail of shop purchases, equips and refunds; one equipped item per type.
    """
    CREATE TABLE XpShopLog (
        Id        INTEGER PRIMARY KEY,
        At        INTEGER NOT NULL,                -- unix time
        GuildId   INTEGER,                         -- where it happened (NULL outside a guild)
        UserId    INTEGER NOT NULL,
        Action    TEXT    NOT NULL,                -- 'buy', 'use', 'refund'
        ItemType  INTEGER NOT NULL,
        ItemKey   TEXT    NOT NULL,
        Price     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IX_XpShopLog_Guild_At ON XpShopLog (GuildId, At DESC);
    CREATE INDEX IX_XpShopLog_User ON XpShopLog (UserId);
    CREATE UNIQUE INDEX UX_XpShopOwnedItem_Using ON XpShopOwnedItem (UserId, ItemType) WHERE IsUsing = 1;
    """,
    # 3: counters for every kind of activity, and XP history by hour and source.
    """
    ALTER TABLE UserXpStats ADD COLUMN LinkCount INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE UserXpStats ADD COLUMN ThanksReceived INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE UserXpStats ADD COLUMN ReactionCount INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE UserXpStats ADD COLUMN CommandCount INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE XpHistory (
        GuildId  INTEGER NOT NULL,
        UserId   INTEGER NOT NULL,
        Source   TEXT    NOT NULL,                 -- message, link, voice, thanks, reaction, command
        Hour     INTEGER NOT NULL,                 -- unix time of the hour's start (UTC)
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, UserId, Hour, Source)
    ) WITHOUT ROWID;
    CREATE INDEX IX_XpHistory_Guild_Hour ON XpHistory (GuildId, Hour);
    CREATE INDEX IX_XpHistory_Hour ON XpHistory (Hour);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
