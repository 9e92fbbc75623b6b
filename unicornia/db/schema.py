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
    # 4: goals that bring members back (achievements, daily, server goal, quests, clubs) and
    # the audit log of every XP change that is not plain activity.
    """
    CREATE TABLE AuditLog (
        Id       INTEGER PRIMARY KEY,
        At       INTEGER NOT NULL,                 -- unix time
        GuildId  INTEGER NOT NULL,
        UserId   INTEGER NOT NULL,                 -- whose XP, currency or items changed
        ActorId  INTEGER,                          -- who did it (an admin), NULL for the bot itself
        Kind     TEXT    NOT NULL,                 -- add, set, reset, achievement, quest, daily, goal, import, currency, role, buy, refund
        Amount   INTEGER NOT NULL DEFAULT 0,       -- XP (or currency for currency/buy/refund)
        Reason   TEXT    NOT NULL DEFAULT ''
    );
    CREATE INDEX IX_AuditLog_Guild ON AuditLog (GuildId, Id DESC);
    CREATE INDEX IX_AuditLog_Guild_User ON AuditLog (GuildId, UserId, Id DESC);
    CREATE TABLE UserAchievement (
        GuildId    INTEGER NOT NULL,
        UserId     INTEGER NOT NULL,
        Key        TEXT    NOT NULL,
        UnlockedAt INTEGER NOT NULL,
        PRIMARY KEY (GuildId, UserId, Key)
    ) WITHOUT ROWID;
    CREATE TABLE DailyClaim (
        GuildId    INTEGER NOT NULL,
        UserId     INTEGER NOT NULL,
        LastDay    INTEGER NOT NULL,               -- the guild-day number of the last claim
        Streak     INTEGER NOT NULL,
        BestStreak INTEGER NOT NULL,
        LastAt     INTEGER NOT NULL,
        PRIMARY KEY (GuildId, UserId)
    ) WITHOUT ROWID;
    CREATE TABLE GuildDay (
        GuildId   INTEGER NOT NULL,
        Day       INTEGER NOT NULL,                -- unix time the guild's day started
        Messages  INTEGER NOT NULL DEFAULT 0,
        Target    INTEGER,                         -- the day's message goal, set on first look
        ReachedAt INTEGER,
        PRIMARY KEY (GuildId, Day)
    ) WITHOUT ROWID;
    CREATE TABLE CounterBaseline (                 -- a member's counters when a period started
        GuildId      INTEGER NOT NULL,
        PeriodStart  INTEGER NOT NULL,
        UserId       INTEGER NOT NULL,
        Messages     INTEGER NOT NULL,
        Links        INTEGER NOT NULL,
        Thanks       INTEGER NOT NULL,
        Reactions    INTEGER NOT NULL,
        Commands     INTEGER NOT NULL,
        VoiceSeconds INTEGER NOT NULL,
        PRIMARY KEY (GuildId, PeriodStart, UserId)
    ) WITHOUT ROWID;
    CREATE TABLE Quest (
        Id           INTEGER PRIMARY KEY,
        GuildId      INTEGER NOT NULL,
        Name         TEXT    NOT NULL,
        Cycle        TEXT    NOT NULL,             -- daily, weekly, monthly, once
        Requirement  TEXT    NOT NULL,             -- messages, reactions, voice_minutes, commands, links, thanks
        Amount       INTEGER NOT NULL,
        RewardXp     INTEGER NOT NULL DEFAULT 0,
        Multiplier   REAL    NOT NULL DEFAULT 1.0, -- an XP multiplier for BoostMinutes after completion
        BoostMinutes INTEGER NOT NULL DEFAULT 0,
        Difficulty   TEXT    NOT NULL DEFAULT 'medium',
        CreatedAt    INTEGER NOT NULL,
        EndsAt       INTEGER                       -- one-off quests may end
    );
    CREATE INDEX IX_Quest_Guild ON Quest (GuildId);
    CREATE TABLE QuestCompletion (
        QuestId     INTEGER NOT NULL,
        UserId      INTEGER NOT NULL,
        PeriodStart INTEGER NOT NULL,
        GuildId     INTEGER NOT NULL,
        CompletedAt INTEGER NOT NULL,
        PRIMARY KEY (QuestId, PeriodStart, UserId)
    ) WITHOUT ROWID;
    CREATE TABLE XpBoost (
        GuildId    INTEGER NOT NULL,
        UserId     INTEGER NOT NULL,
        Multiplier REAL    NOT NULL,
        ExpiresAt  INTEGER NOT NULL,
        PRIMARY KEY (GuildId, UserId)
    ) WITHOUT ROWID;
    CREATE TABLE Club (
        Id        INTEGER PRIMARY KEY,
        GuildId   INTEGER NOT NULL,
        Name      TEXT    NOT NULL,
        NameKey   TEXT    NOT NULL,                -- casefolded name, unique per guild
        OwnerId   INTEGER NOT NULL,
        IconUrl   TEXT,
        CreatedAt INTEGER NOT NULL,
        UNIQUE (GuildId, NameKey)
    );
    CREATE TABLE ClubMember (
        GuildId  INTEGER NOT NULL,
        UserId   INTEGER NOT NULL,
        ClubId   INTEGER NOT NULL REFERENCES Club (Id) ON DELETE CASCADE,
        JoinedAt INTEGER NOT NULL,
        PRIMARY KEY (GuildId, UserId)
    ) WITHOUT ROWID;
    CREATE INDEX IX_ClubMember_Club ON ClubMember (ClubId);
    """,
    # 5: what each import brought in, so importing again adds only what changed since.
    """
    CREATE TABLE ImportLedger (
        Source       TEXT    NOT NULL,             -- nadeko, levelup
        GuildId      INTEGER NOT NULL,
        UserId       INTEGER NOT NULL,
        Xp           INTEGER NOT NULL DEFAULT 0,
        AwardedXp    INTEGER NOT NULL DEFAULT 0,
        Messages     INTEGER NOT NULL DEFAULT 0,
        VoiceSeconds INTEGER NOT NULL DEFAULT 0,
        At           INTEGER NOT NULL,
        PRIMARY KEY (Source, GuildId, UserId)
    ) WITHOUT ROWID;
    """,
    # 6: baselines by member first.  Only the day's baseline is taken at a flush (plus the start
    # of a quest added mid-period); a week's or month's baseline is the member's first one in it.
    """
    CREATE TABLE CounterBaseline_new (
        GuildId      INTEGER NOT NULL,
        UserId       INTEGER NOT NULL,
        PeriodStart  INTEGER NOT NULL,
        Messages     INTEGER NOT NULL,
        Links        INTEGER NOT NULL,
        Thanks       INTEGER NOT NULL,
        Reactions    INTEGER NOT NULL,
        Commands     INTEGER NOT NULL,
        VoiceSeconds INTEGER NOT NULL,
        PRIMARY KEY (GuildId, UserId, PeriodStart)
    ) WITHOUT ROWID;
    INSERT INTO CounterBaseline_new
        SELECT GuildId, UserId, PeriodStart, Messages, Links, Thanks, Reactions, Commands, VoiceSeconds
        FROM CounterBaseline;
    DROP TABLE CounterBaseline;
    ALTER TABLE CounterBaseline_new RENAME TO CounterBaseline;
    """,
    # 7: history pruned a guild at a time through (GuildId, Hour): one index fewer for every flush to keep.
    """
    DROP INDEX IF EXISTS IX_XpHistory_Hour;
    """,
    # 8: smaller on disk.  A member's stats keyed by (UserId, GuildId) without a rowid: the table
    # was a rowid table plus an index holding the same key again (about a sixth of the file).  The
    # history's (GuildId, Hour) index (a fifth of the file, as big as the history itself) gives
    # way to a guild's hourly totals, which is all the server chart and the pruning read.
    """
    CREATE TABLE UserXpStats_new (
        UserId         INTEGER NOT NULL,
        GuildId        INTEGER NOT NULL,
        Xp             INTEGER NOT NULL DEFAULT 0,
        AwardedXp      INTEGER NOT NULL DEFAULT 0,
        MessageCount   INTEGER NOT NULL DEFAULT 0,
        VoiceSeconds   INTEGER NOT NULL DEFAULT 0,
        LastLevelUp    INTEGER,
        DateAdded      INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
        LinkCount      INTEGER NOT NULL DEFAULT 0,
        ThanksReceived INTEGER NOT NULL DEFAULT 0,
        ReactionCount  INTEGER NOT NULL DEFAULT 0,
        CommandCount   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (UserId, GuildId)
    ) WITHOUT ROWID;
    INSERT INTO UserXpStats_new
        SELECT UserId, GuildId, Xp, AwardedXp, MessageCount, VoiceSeconds, LastLevelUp, DateAdded,
               LinkCount, ThanksReceived, ReactionCount, CommandCount
        FROM UserXpStats ORDER BY UserId, GuildId;
    DROP TABLE UserXpStats;
    ALTER TABLE UserXpStats_new RENAME TO UserXpStats;
    -- serves the guild leaderboard, keyset pages and the rank checkpoints
    CREATE INDEX IX_UserXpStats_Guild_Xp ON UserXpStats (GuildId, Xp DESC, UserId);
    CREATE TABLE XpHistoryGuild (              -- the sum of XpHistory over a guild's members
        GuildId  INTEGER NOT NULL,
        Hour     INTEGER NOT NULL,
        Source   TEXT    NOT NULL,
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, Hour, Source)
    ) WITHOUT ROWID;
    INSERT INTO XpHistoryGuild
        SELECT GuildId, Hour, Source, SUM(Xp) FROM XpHistory GROUP BY GuildId, Hour, Source;
    DROP INDEX IF EXISTS IX_XpHistory_Guild_Hour;
    """,
    # 9: the history keyed by hour before member.  A flush writes one hour: its rows now go to the
    # end of the guild's history (packed pages, a few hundred of them) instead of one into every
    # page (a 100,000-member flush into a 1,000,000-member guild dirtied the whole table).  A
    # member's chart reads an hour at a time (one seek per hour kept); pruning deletes from the front.
    """
    CREATE TABLE XpHistory_new (
        GuildId  INTEGER NOT NULL,
        UserId   INTEGER NOT NULL,
        Source   TEXT    NOT NULL,                 -- message, link, voice, thanks, reaction, command, bonus
        Hour     INTEGER NOT NULL,                 -- unix time of the hour's start (UTC)
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, Hour, UserId, Source)
    ) WITHOUT ROWID;
    INSERT INTO XpHistory_new
        SELECT GuildId, UserId, Source, Hour, Xp FROM XpHistory ORDER BY GuildId, Hour, UserId, Source;
    DROP TABLE XpHistory;
    ALTER TABLE XpHistory_new RENAME TO XpHistory;
    """,
    # 10: weekly and monthly boards (db/period_statements.py): each member's XP in the server's
    # current and previous week and month, and each finished period's winner, paid once.
    """
    CREATE TABLE XpPeriod (                   -- XP earned in a server's week (Kind 0) or month (Kind 1)
        GuildId  INTEGER NOT NULL,
        Kind     INTEGER NOT NULL,
        Start    INTEGER NOT NULL,            -- unix time the period began (the server's reset hour)
        UserId   INTEGER NOT NULL,
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, Kind, Start, UserId)
    ) WITHOUT ROWID;
    CREATE INDEX IX_XpPeriod_Rank ON XpPeriod (GuildId, Kind, Start, Xp);
    CREATE TABLE PeriodWinner (               -- each finished period's winner, paid once
        GuildId   INTEGER NOT NULL,
        Kind      INTEGER NOT NULL,
        Start     INTEGER NOT NULL,
        UserId    INTEGER,                    -- NULL: nobody earned XP (or the winner's data was deleted)
        Xp        INTEGER NOT NULL DEFAULT 0,
        Bonus     INTEGER NOT NULL DEFAULT 0,
        RoleId    INTEGER,
        At        INTEGER NOT NULL,
        Announced INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (GuildId, Kind, Start)
    ) WITHOUT ROWID;
    """,
    # 11: the boards move into the members' rows.  XpPeriod made every flush write two more rows
    # and two more index entries per member (a 100,000-member flush 1.2 -> 2.2 x its bare upsert,
    # the 1,000,000-member file 132 -> 268 MiB); four columns of UserXpStats, covered by the
    # leaderboard index whose entry every gain moves anyway, cost the flush almost nothing.  A
    # finished period keeps its top members in PeriodTop.
    """
    ALTER TABLE UserXpStats ADD COLUMN WeekStart  INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE UserXpStats ADD COLUMN WeekXp     INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE UserXpStats ADD COLUMN MonthStart INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE UserXpStats ADD COLUMN MonthXp    INTEGER NOT NULL DEFAULT 0;
    UPDATE UserXpStats SET WeekStart = p.Start, WeekXp = p.Xp
        FROM (SELECT GuildId, UserId, Start, Xp FROM XpPeriod AS x WHERE Kind = 0
              AND Start = (SELECT MAX(Start) FROM XpPeriod WHERE GuildId = x.GuildId AND Kind = 0)) AS p
        WHERE UserXpStats.GuildId = p.GuildId AND UserXpStats.UserId = p.UserId;
    UPDATE UserXpStats SET MonthStart = p.Start, MonthXp = p.Xp
        FROM (SELECT GuildId, UserId, Start, Xp FROM XpPeriod AS x WHERE Kind = 1
              AND Start = (SELECT MAX(Start) FROM XpPeriod WHERE GuildId = x.GuildId AND Kind = 1)) AS p
        WHERE UserXpStats.GuildId = p.GuildId AND UserXpStats.UserId = p.UserId;
    DROP INDEX IX_UserXpStats_Guild_Xp;
    -- the leaderboard, keyset pages, the rank pieces, and the week's and month's boards
    CREATE INDEX IX_UserXpStats_Guild_Xp
        ON UserXpStats (GuildId, Xp DESC, UserId, WeekStart, WeekXp, MonthStart, MonthXp);
    CREATE TABLE PeriodTop (                  -- a finished period's top members (position 0: kept)
        GuildId  INTEGER NOT NULL,
        Kind     INTEGER NOT NULL,
        Start    INTEGER NOT NULL,
        Position INTEGER NOT NULL,
        UserId   INTEGER,
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, Kind, Start, Position)
    ) WITHOUT ROWID;
    INSERT INTO PeriodTop (GuildId, Kind, Start, Position, UserId, Xp)
        SELECT GuildId, Kind, Start, Position, UserId, Xp FROM (
            SELECT GuildId, Kind, Start, UserId, Xp,
                   row_number() OVER (PARTITION BY GuildId, Kind, Start ORDER BY Xp DESC, UserId DESC) AS Position
            FROM XpPeriod AS x
            WHERE Start < (SELECT MAX(Start) FROM XpPeriod WHERE GuildId = x.GuildId AND Kind = x.Kind))
        WHERE Position <= 50;
    INSERT OR IGNORE INTO PeriodTop (GuildId, Kind, Start, Position, UserId, Xp)
        SELECT DISTINCT GuildId, Kind, Start, 0, NULL, 0 FROM PeriodTop;
    DROP TABLE XpPeriod;
    """,
    # 12: smaller on disk (make bench's 1,000,000-member file: 170 -> about 140 MiB).  DiscordUser's
    # TotalXp only repeated the sum of a user's rows here (which the (UserId, GuildId) key reads in
    # one seek), cost every flush one more upsert per member and a sixth of the file's stats.
    # LastLevelUp (NadekoBot's column) was written at every level-up and read by nothing but the
    # export: 5 bytes of nearly every row, and a column every flush staged.  A row's week and month
    # are kept as the UTC day number of their start (distinct for any two periods of a server, 2
    # bytes where a unix time takes 4; see period_statements.period_number), in the row and the
    # index.  The history's source is a small number (statements.HISTORY_SOURCE_CODES; messages 0
    # and voice 1 take no byte at all) instead of its name: a sixth of every history row.
    """
    DROP TABLE DiscordUser;
    ALTER TABLE UserXpStats DROP COLUMN LastLevelUp;
    ALTER TABLE UserXpStats RENAME COLUMN WeekStart TO WeekNo;
    ALTER TABLE UserXpStats RENAME COLUMN MonthStart TO MonthNo;
    UPDATE UserXpStats SET WeekNo = WeekNo / 86400, MonthNo = MonthNo / 86400 WHERE WeekNo != 0 OR MonthNo != 0;
    CREATE TABLE XpHistory_new (
        GuildId  INTEGER NOT NULL,
        Hour     INTEGER NOT NULL,                 -- unix time of the hour's start (UTC)
        UserId   INTEGER NOT NULL,
        Source   INTEGER NOT NULL,                 -- message 0, voice 1, link 2, thanks 3, reaction 4, command 5, bonus 6
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, Hour, UserId, Source)
    ) WITHOUT ROWID;
    INSERT INTO XpHistory_new
        SELECT GuildId, Hour, UserId, CASE Source WHEN 'message' THEN 0 WHEN 'voice' THEN 1 WHEN 'link' THEN 2
               WHEN 'thanks' THEN 3 WHEN 'reaction' THEN 4 WHEN 'command' THEN 5 ELSE 6 END, Xp
        FROM XpHistory WHERE true ORDER BY GuildId, Hour, UserId
        ON CONFLICT DO UPDATE SET Xp = Xp + excluded.Xp;
    DROP TABLE XpHistory;
    ALTER TABLE XpHistory_new RENAME TO XpHistory;
    CREATE TABLE XpHistoryGuild_new (
        GuildId  INTEGER NOT NULL,
        Hour     INTEGER NOT NULL,
        Source   INTEGER NOT NULL,
        Xp       INTEGER NOT NULL,
        PRIMARY KEY (GuildId, Hour, Source)
    ) WITHOUT ROWID;
    INSERT INTO XpHistoryGuild_new
        SELECT GuildId, Hour, CASE Source WHEN 'message' THEN 0 WHEN 'voice' THEN 1 WHEN 'link' THEN 2
               WHEN 'thanks' THEN 3 WHEN 'reaction' THEN 4 WHEN 'command' THEN 5 ELSE 6 END, Xp
        FROM XpHistoryGuild WHERE true ORDER BY GuildId, Hour
        ON CONFLICT DO UPDATE SET Xp = Xp + excluded.Xp;
    DROP TABLE XpHistoryGuild;
    ALTER TABLE XpHistoryGuild_new RENAME TO XpHistoryGuild;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
